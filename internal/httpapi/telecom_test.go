package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
	"github.com/caseflow/caseflow/workflows"
)

// open opens a case of a type and returns its ID.
func openCase(t *testing.T, body map[string]any) string {
	t.Helper()
	a := call(t, "POST", "/v1/cases", "operator", body, "Idempotency-Key", "test-"+uuid.NewString())
	require.Equal(t, http.StatusCreated, a.Code, "%s", a.Body)
	return a.JSON(t)["id"].(string)
}

// callAnswer is the call's data in an event's answer.
func callAnswer(t *testing.T, a answer) workflows.CallData {
	t.Helper()
	require.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
	var v struct {
		State string             `json:"state"`
		Data  workflows.CallData `json:"data"`
	}
	require.NoError(t, json.Unmarshal(a.Body, &v))
	return v.Data
}

// Call conduct through the API: obscenity is warned twice and the third ends
// the call; the answers tell the operator how many warnings remain.
func TestCallConductAPI(t *testing.T) {
	needServer(t)
	id := openCase(t, map[string]any{"type": "call", "channel": "phone", "caller_number": "+7 903 000-00-01"})
	waitState(t, id, sm.CallInCall)
	for i, left := range []int{1, 0} {
		d := callAnswer(t, sendEvent(t, id, "operator", "warn", map[string]any{"reason": "obscenity"}))
		assert.Equal(t, left, d.Answer.WarningsLeft, "warning %d", i+1)
		assert.False(t, d.Answer.EndCall)
	}
	d := callAnswer(t, sendEvent(t, id, "operator", "warn", map[string]any{"reason": "obscenity"}))
	assert.True(t, d.Answer.EndCall)
	v := waitState(t, id, sm.CallEnded)
	assert.True(t, v.Closed)
	a := sendEvent(t, id, "operator", "warn", map[string]any{"reason": "insult"})
	assert.Equal(t, http.StatusConflict, a.Code, "%s", a.Body)
}

// The inaudible customer's last phrase ends the call and the SMS goes out once.
func TestCallInaudibleAPI(t *testing.T) {
	needServer(t)
	id := openCase(t, map[string]any{"type": "call", "caller_number": "+7 903 000-00-02"})
	waitState(t, id, sm.CallInCall)
	for range 3 {
		sendEvent(t, id, "operator", "warn", map[string]any{"reason": "inaudible"})
	}
	waitState(t, id, sm.CallEnded)
	sent := slices.DeleteFunc(h.sms.Sent(), func(m activities.SentSMS) bool { return m.CaseID != id })
	require.Len(t, sent, 1)
	assert.Contains(t, sent[0].Text, "0611")
}

// A partner is answered at intake with the business line and whether it is open;
// a lead waits for its call-back.
func TestBroadbandLeadAPI(t *testing.T) {
	needServer(t)
	id := openCase(t, map[string]any{"type": "broadband_lead", "caller": "partner"})
	v := waitState(t, id, sm.LeadRouted)
	raw, _ := json.Marshal(v.Data)
	var d workflows.LeadData
	require.NoError(t, json.Unmarshal(raw, &d))
	assert.Equal(t, "8 800 700 7007", d.Routing.Number)
	assert.Equal(t, "в будние дни с 08:00 до 20:00", d.BusinessLine.Hours)

	lead := openCase(t, map[string]any{"type": "broadband_lead", "caller": "potential_business", "city": "Казань",
		"contact_person": "Иванов Иван", "phone": "+7 843 000-00-01", "organisation": "ООО Ромашка"})
	v = waitState(t, lead, sm.LeadAwaitingCallback)
	require.Len(t, v.Deadlines, 1)
	assert.Equal(t, "business_line", v.Deadlines[0].Basis.Calendar)
	a := sendEvent(t, lead, "operator", "called_back", map[string]any{})
	require.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
	a = sendEvent(t, lead, "operator", "close", map[string]any{"outcome": "договор"})
	require.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
	waitState(t, lead, sm.LeadClosed)
}
