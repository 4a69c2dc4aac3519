package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/caseflow/caseflow/workflows"
)

func disputeBody() map[string]any {
	return map[string]any{
		"type": "dispute", "channel": "phone", "path": "hotline",
		"customer":             map[string]any{"full_name": customerName, "phone": customerPhone, "email": "petrova@example.com"},
		"product":              map[string]any{"brand": "Haier", "model": "HW70", "category": "washing_machine", "purchase_date": "2025-02-10", "store": "Эльдорадо"},
		"description":          "После визита мастера машина по-прежнему не отжимает, в заключении «техника исправна»",
		"request_number":       "SR-2002",
		"asc_report_available": true,
		"asc":                  map[string]any{"name": "АСЦ Запад", "email": "asc.west@example.com"},
		"demands":              []string{"заменить машину"},
		"documents":            []string{"act-2002.pdf"},
	}
}

// TestDisputeThroughTheAPI drives a dispute over HTTP to the claims hand-off: the
// outgoing request on the wire, a refused event, the engineer's answer, the
// customer's threat, and a linked claim case with its own gap-free number whose
// view points back at the dispute.
func TestDisputeThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	id := h.open("operator", "dispute-e2e-1", disputeBody())
	h.waitState(id, "expert_call")

	status, out := h.call("POST", "/v1/cases/"+id+"/events", "operator", map[string]any{"event": "expert_called_customer"})
	assert.Equal(t, http.StatusForbidden, status, "only the expert calls: %v", out)

	h.event(id, "expert", "expert_called_customer", map[string]any{"note": "на персональном контроле"})
	msgs, err := h.smtp.WaitFor(1, 20*time.Second)
	require.NoError(t, err)
	request := findSubject(msgs, "Не согласен с заключением, что техника исправна. "+customerName+" SR-2002")
	require.NotNil(t, request, "the outgoing request reaches the engineer")
	assert.Equal(t, []string{"engineer.washers@example.com"}, request.To)
	assert.Contains(t, request.Cc, "asc.west@example.com")
	assert.Contains(t, request.Cc, "dispute.expert1@example.com")

	status, out = h.call("POST", "/v1/cases/"+id+"/events", "expert", map[string]any{"event": "close"})
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, "awaiting_engineer", errField(out, "state"))

	h.event(id, "engineer", "engineer_answer", map[string]any{"text": "Дефект не подтверждён", "clear": true})
	handedOff := h.event(id, "expert", "customer_response", map[string]any{"accepted": false, "legal_threat": true, "statement": "Подам в суд"})
	assert.Equal(t, "handed_off", handedOff["state"])

	related, _ := handedOff["related"].([]any)
	require.Len(t, related, 1, "the dispute lists its claim: %v", handedOff["related"])
	link := related[0].(map[string]any)
	assert.Equal(t, "reclamation", link["type"])
	claimID := link["id"].(string)
	claim := h.waitState(claimID, "qualification")
	data := claim["data"].(map[string]any)
	assert.Positive(t, data["claim_number"], "the claim has its own number")
	back, _ := claim["related"].([]any)
	require.Len(t, back, 1)
	assert.Equal(t, id, back[0].(map[string]any)["id"], "the claim points back at the dispute")
	form := data["form"].(map[string]any)
	assert.Equal(t, customerName, form["client"])
	assert.Contains(t, form["comment"], "заменить машину")

	// The Temporal UI finds one from the other.
	wid := workflows.WorkflowID("dispute", id)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.Eventually(t, func() bool {
		resp, err := h.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Namespace: h.server.Namespace(), Query: "CaseRelated = '" + wid + "'"})
		return err == nil && resp.GetCount() == 1
	}, 30*time.Second, 200*time.Millisecond, "CaseRelated finds the claim from the dispute's workflow ID")

	for mid, n := range h.smtp.CountByMessageID() {
		assert.Equal(t, 1, n, "letter %s was mailed %d times", mid, n)
	}
	recordRun(t, h, wid, "", "dispute_v1_history.json")
}
