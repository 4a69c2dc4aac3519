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

// TestEventToAKnownCaseSkipsTheLookup: an event to a case this API opened goes
// straight to its workflow (no DescribeWorkflowExecution before the update);
// a case it has not seen is looked up, once, and then known; and a known case
// that has closed since still answers 409 with its state, found when the
// update is refused.
func TestEventToAKnownCaseSkipsTheLookup(t *testing.T) {
	api, ft := newFakeAPI(t, nil)
	event := []byte(eventBodyOf("repeat_contact", `{"note":"снова звонит"}`))

	w := serve(api, "POST", "/v1/cases", bearer("operator"), []byte(seedIntakes["plc"][0]), IdempotencyKeyHeader, "known-"+uuid.NewString())
	require.Equal(t, http.StatusCreated, w.Code, "%.300s", w.Body)
	var opened struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &opened))
	ft.setCaseType("plc")

	ft.reset()
	w = serve(api, "POST", "/v1/cases/"+opened.ID+"/events", bearer("operator"), event)
	require.Equal(t, http.StatusOK, w.Code, "%.300s", w.Body)
	_, updates := ft.recorded()
	require.Len(t, updates, 1)
	assert.Equal(t, workflows.WorkflowID("plc", opened.ID), updates[0].WorkflowID)
	assert.Empty(t, ft.lookups(), "the case this API opened is not looked up")

	other := uuid.NewString()
	for i, lookups := range []int{1, 0} {
		ft.reset()
		w = serve(api, "POST", "/v1/cases/"+other+"/events", bearer("operator"), event)
		require.Equal(t, http.StatusOK, w.Code, "%.300s", w.Body)
		assert.Len(t, ft.lookups(), lookups, "event %d to a case another API opened", i+1)
	}

	ft.closeAll()
	ft.reset()
	w = serve(api, "POST", "/v1/cases/"+opened.ID+"/events", bearer("operator"), event)
	require.Equal(t, http.StatusConflict, w.Code, "%.300s", w.Body)
	var e errorBody
	mustDecodeStrict(t, w.Body.Bytes(), &e)
	assert.Equal(t, ECodeConflict, e.Error.Code)
	assert.Equal(t, "fake", e.Error.State, "the closed case's state, read once the update is refused")
	assert.Contains(t, e.Error.Message, "is closed")
	assert.Equal(t, []string{workflows.WorkflowID("plc", opened.ID)}, ft.lookups())
}
