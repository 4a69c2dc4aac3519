package integration

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows"
)

// TestCallThroughTheAPI: a conduct warning answered with the warnings left, then
// a customer who cannot be heard: the last standard phrase ends the call and the
// standard SMS is queued once in the store's SMS outbox.
func TestCallThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id := h.open("operator", "call-e2e", map[string]any{"type": "call", "channel": "phone", "caller_number": "+7 903 100-20-30", "call_id": "c-42"})
	h.waitState(id, "in_call")
	view := h.event(id, "operator", "warn", map[string]any{"reason": "off_topic"})
	answer := view["data"].(map[string]any)["answer"].(map[string]any)
	assert.Equal(t, float64(0), answer["warnings_left"])
	assert.Equal(t, false, answer["end_call"])
	for range 2 {
		h.event(id, "operator", "warn", map[string]any{"reason": "inaudible"})
	}
	view = h.event(id, "operator", "warn", map[string]any{"reason": "inaudible"})
	assert.Equal(t, "ended", view["state"])
	assert.Equal(t, "inaudible_phrases", view["data"].(map[string]any)["end_reason"])
	status, _ := h.call("POST", "/v1/cases/"+id+"/events", "operator", map[string]any{"event": "end_call"})
	assert.Equal(t, http.StatusConflict, status)

	sms, err := h.store.ListSMS(ctx, id)
	require.NoError(t, err)
	require.Len(t, sms, 1)
	assert.Equal(t, "+7 903 100-20-30", sms[0].To)
	assert.Contains(t, sms[0].Text, "перезвоните по номеру 0611")

	wid := workflows.WorkflowID("call", id)
	require.NoError(t, h.client.GetWorkflow(ctx, wid, "").Get(ctx, nil))
	recordRun(t, h, wid, "", "call_history.json")
}

// TestBroadbandLeadThroughTheAPI: a partner is routed at intake; a potential
// business customer's lead is called back and closed.
func TestBroadbandLeadThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	partner := h.open("operator", "lead-e2e-partner", map[string]any{"type": "broadband_lead", "caller": "partner"})
	view := h.waitState(partner, "routed")
	routing := view["data"].(map[string]any)["routing"].(map[string]any)
	assert.Equal(t, "8 800 700 7007", routing["number"])

	id := h.open("operator", "lead-e2e", map[string]any{"type": "broadband_lead", "caller": "potential_business", "city": "Казань",
		"contact_person": "Иванов Иван", "phone": "+7 843 000-00-01", "organisation": "ООО Ромашка"})
	view = h.waitState(id, "awaiting_callback")
	require.Len(t, view["deadlines"].([]any), 1)
	assert.Contains(t, view["data"].(map[string]any)["routing"].(map[string]any)["script"], "Если в течение 2 рабочих дней вам не перезвонят")
	view = h.event(id, "operator", "called_back", map[string]any{"note": "встреча назначена"})
	assert.Equal(t, "called_back", view["state"])
	assert.Equal(t, true, view["deadlines"].([]any)[0].(map[string]any)["met"])
	view = h.event(id, "operator", "close", map[string]any{"outcome": "договор"})
	assert.Equal(t, "closed", view["state"])

	wid := workflows.WorkflowID("broadband_lead", id)
	require.NoError(t, h.client.GetWorkflow(ctx, wid, "").Get(ctx, nil))
	recordRun(t, h, wid, "", "broadband_lead_history.json")
}
