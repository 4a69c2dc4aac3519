package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows"
)

// readClaim is a reclamation intake.
const readClaim = `{"type":"reclamation","channel":"email","received_by":"operator-1","received_by_email":"operator1@example.com","client":"АО «Заказчик»","client_email":"claims@client.example.com","project":"Линия розлива Л-2","serial_numbers":["SN-1001"],"shipment_date":"2025-09-01","shipment_responsible":"Сидоров С. С.","documents":["claim.pdf"],"comment":"Оборудование выдаёт продукцию несоответствующего качества"}`

// TestReadsPerRole: each role reads the case types of its row of the read
// matrix — the case, the case list, the task inbox — and an executor only the
// cases where a task is assigned to it.
func TestReadsPerRole(t *testing.T) {
	needServer(t)
	plc := openPLC(t, nil)
	a := call(t, "POST", "/v1/cases", "operator", readClaim, "Idempotency-Key", "reads-"+uuid.NewString())
	require.Equal(t, http.StatusCreated, a.Code, "%s", a.Body)
	claim := a.JSON(t)["id"].(string)
	other := call(t, "POST", "/v1/cases", "operator", readClaim, "Idempotency-Key", "reads-"+uuid.NewString())
	require.Equal(t, http.StatusCreated, other.Code, "%s", other.Body)
	otherClaim := other.JSON(t)["id"].(string)
	waitState(t, claim, "qualification")
	waitState(t, otherClaim, "qualification")
	// The director hands one claim's documents to executor-1, the other's to executor-2.
	for id, ex := range map[string]string{claim: "executor-1", otherClaim: "executor-2"} {
		ev := sendEvent(t, id, "quality_director", "open_investigation", map[string]any{
			"hearing_date": "2030-10-24",
			"executors": []map[string]any{
				{"document": "contract", "name": ex, "email": ex + "@example.com"},
				{"document": "technical_specification", "name": ex, "email": ex + "@example.com"},
				{"document": "acceptance_documents", "name": ex, "email": ex + "@example.com"},
				{"document": "monitoring_data", "name": ex, "email": ex + "@example.com"},
			},
		})
		require.Equal(t, http.StatusOK, ev.Code, "%s", ev.Body)
	}

	readsCase := map[string]map[string]bool{
		"operator":         {plc: true, claim: true, otherClaim: true},
		"expert":           {plc: true, claim: true, otherClaim: true},
		"supervisor":       {plc: true, claim: true, otherClaim: true},
		"engineer":         {plc: true, claim: true, otherClaim: true},
		"quality_director": {plc: false, claim: true, otherClaim: true},
		"executor":         {plc: false, claim: true, otherClaim: false},
		"admin":            {plc: true, claim: true, otherClaim: true},
	}
	for role, cases := range readsCase {
		listed := map[string]bool{}
		for _, typ := range []string{"plc", "reclamation"} {
			l := call(t, "GET", "/v1/cases?page_size=1000&type="+typ, role, nil)
			require.Equal(t, http.StatusOK, l.Code, "%s: %s", role, l.Body)
			var list struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			require.NoError(t, json.Unmarshal(l.Body, &list))
			for _, it := range list.Items {
				listed[it.ID] = true
			}
		}
		var inbox struct {
			Items []struct {
				CaseID string `json:"case_id"`
			} `json:"items"`
		}
		tasks := call(t, "GET", "/v1/tasks", role, nil)
		require.Equal(t, http.StatusOK, tasks.Code, "%s: %s", role, tasks.Body)
		require.NoError(t, json.Unmarshal(tasks.Body, &inbox))
		inInbox := map[string]bool{}
		for _, it := range inbox.Items {
			inInbox[it.CaseID] = true
		}
		for id, may := range cases {
			got := call(t, "GET", "/v1/cases/"+id, role, nil)
			if may {
				assert.Equal(t, http.StatusOK, got.Code, "%s reads case %s: %s", role, id, got.Body)
				assert.True(t, listed[id], "%s's case list shows %s", role, id)
			} else {
				assert.Equal(t, http.StatusForbidden, got.Code, "%s must not read case %s: %s", role, id, got.Body)
				if got.Code == http.StatusForbidden {
					assert.Contains(t, got.Err(t)["message"], "where it holds a task")
				}
				assert.False(t, listed[id], "%s's case list must not show %s", role, id)
				assert.False(t, inInbox[id], "%s's inbox must not show a task of %s", role, id)
			}
		}
	}
	// The executor's inbox holds its own task, and that of no other claim.
	ex := call(t, "GET", "/v1/tasks", "executor", nil)
	assert.Contains(t, string(ex.Body), claim)
	assert.NotContains(t, string(ex.Body), otherClaim)

	// The executor reports its documents; the event that closes its last task
	// ends its right to read the case, so that answer holds only what the
	// event did, not the case's data or audit trail.
	var last workflows.CaseView
	for _, task := range view(t, claim).Tasks {
		if task.Assignee == "executor-1" {
			a := sendEvent(t, claim, "executor", "document_ready", map[string]any{"task_id": task.ID, "note": "готово"})
			require.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
			last = workflows.CaseView{}
			require.NoError(t, json.Unmarshal(a.Body, &last))
		}
	}
	assert.Equal(t, claim, last.ID)
	assert.NotEmpty(t, last.State)
	assert.Nil(t, last.Data, "the answer to the last task's event carries no case data")
	assert.Empty(t, last.History)
	assert.Equal(t, http.StatusForbidden, call(t, "GET", "/v1/cases/"+claim, "executor", nil).Code)
}
