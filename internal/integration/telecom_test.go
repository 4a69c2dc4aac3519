package integration

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows"
)

func telecomBody() map[string]any {
	return map[string]any{
		"type": "telecom_case", "channel": "phone",
		"customer":    map[string]any{"full_name": customerName, "phone": customerPhone},
		"description": "Списание за услугу, которую абонент не подключал",
		"category":    "BackOffice", "subject": "Несогласие со списанием", "customer_kind": "b2c", "created_by": "operator-1",
	}
}

// tasksOf waits until GET /v1/tasks?query, as role, lists a task of the case
// (or none, when want is false) and returns the case's tasks it lists.
func (h *harness) tasksOf(role, query, caseID string, want bool) []map[string]any {
	h.t.Helper()
	var mine []map[string]any
	require.Eventually(h.t, func() bool {
		status, out := h.call("GET", "/v1/tasks?"+query, role, nil)
		if status != http.StatusOK {
			return false
		}
		mine = nil
		items, _ := out["items"].([]any)
		for _, it := range items {
			if t := it.(map[string]any); t["case_id"] == caseID {
				mine = append(mine, t)
			}
		}
		return (len(mine) > 0) == want
	}, 30*time.Second, 200*time.Millisecond, "tasks?%s as %s", query, role)
	return mine
}

// TestTelecomCaseThroughTheAPI drives a telecom CASE over HTTP: in its
// creator's folder, «Направить» to its category's queue (each listable through
// /v1/tasks), a refused button, accepted, a repeat contact of a customer who
// insists (ПОВТОР, back to the queue), closed, and a repeat contact of a
// customer who disagrees (the Retention line).
func TestTelecomCaseThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	id := h.open("operator", "telecom-e2e-1", telecomBody())
	h.waitState(id, "open")

	folder := h.tasksOf("operator", "assignee=operator-1", id, true)
	require.Len(t, folder, 1, "the creator's folder")
	assert.Equal(t, "operator", folder[0]["role"])

	h.event(id, "operator", "save", map[string]any{"note": "уточню у абонента"})
	dispatched := h.event(id, "operator", "dispatch", nil)
	assert.Equal(t, "open_dispatch", dispatched["state"])
	h.tasksOf("operator", "assignee=operator-1", id, false)
	queue := h.tasksOf("expert", "role=expert&assignee="+url.QueryEscape("backoffice"), id, true)
	require.Len(t, queue, 1, "the BackOffice queue lists the CASE")
	// The inbox without a role reads only the cases its index names.
	all := h.tasksOf("admin", "", id, true)
	require.Len(t, all, 1, "the unfiltered inbox lists the queue's task, not the closed folder's")

	status, out := h.call("POST", "/v1/cases/"+id+"/events", "operator", map[string]any{"event": "save"})
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, "open_dispatch", errField(out, "state"))

	h.event(id, "expert", "accept", nil)
	h.tasksOf("expert", "role=expert&assignee=expert-1", id, true)
	h.event(id, "expert", "forward", map[string]any{"queue": "equipment-experts"})
	repeated := h.event(id, "operator", "repeat_contact", map[string]any{"customer_insists": true})
	assert.Equal(t, "open_dispatch", repeated["state"])
	data := repeated["data"].(map[string]any)
	assert.Equal(t, "ПОВТОР Несогласие со списанием", data["subject"])
	assert.Equal(t, workflows.TelecomRepeatPhrase, data["script"])
	h.tasksOf("expert", "role=expert&assignee=equipment-experts", id, true)

	h.event(id, "expert", "accept", nil)
	closed := h.event(id, "expert", "close", map[string]any{"note": "услуга отключена", "discount": true})
	assert.Equal(t, "closed", closed["state"])
	h.tasksOf("expert", "role=expert&assignee=expert-1", id, false)
	h.tasksOf("admin", "", id, false)

	again := h.event(id, "operator", "repeat_contact", map[string]any{"disagrees": true})
	data = again["data"].(map[string]any)
	repeats := data["repeats"].([]any)
	last := repeats[len(repeats)-1].(map[string]any)
	assert.Equal(t, workflows.TelecomLineRetention, last["line"])
	assert.Equal(t, "closed", again["state"])
	discount := data["discount"].(map[string]any)
	assert.Equal(t, false, discount["allowed"])

	recordRun(t, h, workflows.WorkflowID("telecom_case", id), "", "telecom_case_history.json")
}
