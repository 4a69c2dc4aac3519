package integration

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows"
)

// TestClaimThroughTheAPI: an expert takes a CASE from the queue and gives it
// back (POST /v1/tasks/{id}/claim|unclaim); both are audited, a taken task
// shows in its taker's inbox, and nobody else takes or gives it back.
func TestClaimThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	id := h.open("operator", "telecom-claim", telecomBody())
	h.waitState(id, "open")
	view := h.event(id, "operator", "dispatch", nil)
	var taskID string
	for _, raw := range view["tasks"].([]any) {
		if task := raw.(map[string]any); task["role"] == "expert" {
			taskID = task["id"].(string)
		}
	}
	require.NotEmpty(t, taskID, "the queue's task: %v", view["tasks"])

	status, out := h.call("POST", "/v1/tasks/"+taskID+"/claim", "operator", nil)
	assert.Equal(t, http.StatusForbidden, status, "an operator takes no expert's task: %v", out)
	status, out = h.call("POST", "/v1/tasks/"+taskID+"/claim", "expert", nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	expert := claimedBy(out, taskID)
	assert.NotEmpty(t, expert)
	history := out["history"].([]any)
	last := history[len(history)-1].(map[string]any)
	assert.Equal(t, "claim_task", last["event"])
	assert.Contains(t, last["note"], taskID)
	assert.NotContains(t, out["allowed_events"], "claim_task", "claims act on a task, not the case")

	status, out = h.call("GET", "/v1/tasks?assignee="+expert, "expert", nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	ids := []string{}
	for _, it := range out["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	assert.Contains(t, ids, taskID, "a taken task is in its taker's inbox")

	status, out = h.call("POST", "/v1/tasks/"+taskID+"/claim", "supervisor", nil)
	assert.Equal(t, http.StatusConflict, status, "a taken task is not taken again: %v", out)
	status, out = h.call("POST", "/v1/tasks/"+taskID+"/unclaim", "operator", nil)
	assert.Equal(t, http.StatusForbidden, status, "%v", out)
	status, out = h.call("POST", "/v1/tasks/"+taskID+"/unclaim", "expert", nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	assert.Empty(t, claimedBy(out, taskID))
	status, out = h.call("POST", "/v1/tasks/not-a-task/claim", "expert", nil)
	assert.Equal(t, http.StatusBadRequest, status, "%v", out)
	status, out = h.call("POST", "/v1/tasks/"+taskID+"/claim", "expert", nil)
	require.Equal(t, http.StatusOK, status, "%v", out)

	h.event(id, "expert", "accept", nil)
	recordRun(t, h, workflows.WorkflowID("telecom_case", id), "", "telecom_claim_history.json")
}

// claimedBy is who holds the task in a case view.
func claimedBy(view map[string]any, taskID string) string {
	for _, raw := range view["tasks"].([]any) {
		if task := raw.(map[string]any); task["id"] == taskID {
			s, _ := task["claimed_by"].(string)
			return s
		}
	}
	return ""
}
