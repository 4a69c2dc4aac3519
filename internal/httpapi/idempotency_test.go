package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/cases"
	sm "github.com/caseflow/caseflow/statemachines"
	"github.com/caseflow/caseflow/workflows"
)

// TestIntakeKeyReusedWithAnotherIntakeIs422: the same Idempotency-Key with the
// same intake finds the case (200), however the JSON is spaced or ordered; with
// another intake it is refused with a 422 naming the key, and starts nothing.
// A case whose memo keeps no hash (opened before it was kept) takes any intake.
func TestIntakeKeyReusedWithAnotherIntakeIs422(t *testing.T) {
	api, ft := newFakeAPI(t, nil)
	key := "reuse-" + uuid.NewString()
	first := withPLC(t, func(map[string]any) {})
	w := serve(api, "POST", "/v1/cases", bearer("operator"), first, IdempotencyKeyHeader, key)
	require.Equal(t, http.StatusCreated, w.Code, "%.500s", w.Body)
	var opened openedCase
	mustDecodeStrict(t, w.Body.Bytes(), &opened)
	started, _ := ft.recorded()
	require.Len(t, started, 1)
	assert.Len(t, started[0].Options.Memo[cases.MemoIntakeHash], 64, "the memo keeps the intake's SHA-256")

	// The same intake, spaced and ordered otherwise, with its strings escaped.
	same := []byte(" \n" + strings.ReplaceAll(seedIntakes["plc"][0], `"type":"plc","channel":"phone"`, `"channel" : "phone", "type":"\u0070lc"`))
	require.NotEqual(t, string(first), string(same))
	w = serve(api, "POST", "/v1/cases", bearer("operator"), same, IdempotencyKeyHeader, key)
	require.Equal(t, http.StatusOK, w.Code, "%.500s", w.Body)
	var again openedCase
	mustDecodeStrict(t, w.Body.Bytes(), &again)
	assert.Equal(t, opened.ID, again.ID)

	other := withPLC(t, func(m map[string]any) { m["description"] = "Другая жалоба" })
	w = serve(api, "POST", "/v1/cases", bearer("operator"), other, IdempotencyKeyHeader, key)
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, "%.500s", w.Body)
	var e errorBody
	mustDecodeStrict(t, w.Body.Bytes(), &e)
	assert.Equal(t, ECodeKeyReused, e.Error.Code)
	assert.Equal(t, IdempotencyKeyHeader, e.Error.Field)
	assert.Contains(t, e.Error.Message, key)
	assert.Contains(t, e.Error.Message, opened.ID)
	started, _ = ft.recorded()
	assert.Len(t, started, 1, "nothing started again")

	// A case opened before the hash was kept.
	ft.mu.Lock()
	delete(ft.opened[workflows.WorkflowID("plc", opened.ID)], cases.MemoIntakeHash)
	ft.mu.Unlock()
	w = serve(api, "POST", "/v1/cases", bearer("operator"), other, IdempotencyKeyHeader, key)
	assert.Equal(t, http.StatusOK, w.Code, "%.500s", w.Body)
}

// TestIdempotencyKeyIsPrintableASCII: a key is quoted back in errors and logs
// and names a case for good: control characters, non-ASCII and keys over
// MaxIdempotencyKey bytes are refused with a 400 naming the header, on an
// intake and on an event.
func TestIdempotencyKeyIsPrintableASCII(t *testing.T) {
	api, ft := newFakeAPI(t, nil)
	ft.setCaseType("plc")
	event := []byte(eventBodyOf("repeat_contact", `{"note":"снова звонит"}`))
	for _, c := range []struct {
		key  string
		good bool
	}{
		{"call-2026-11-23-0001", true},
		{"a b ~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", true},
		{strings.Repeat("k", MaxIdempotencyKey), true},
		{strings.Repeat("k", MaxIdempotencyKey+1), false},
		{strings.Repeat("ж", MaxIdempotencyKey/2+1), false},
		{"ключ", false},
		{"key\r\nX-Injected: 1", false},
		{"key\x00", false},
		{"tab\tkey", false},
		{"del\x7f", false},
	} {
		for _, req := range []struct {
			path, role string
			body       []byte
			ok         int
		}{
			{"/v1/cases", "operator", []byte(seedIntakes["plc"][0]), http.StatusCreated},
			{"/v1/cases/" + uuid.NewString() + "/events", "operator", event, http.StatusOK},
		} {
			ft.reset()
			w := serve(api, "POST", req.path, bearer(req.role), req.body, IdempotencyKeyHeader, c.key)
			if c.good {
				assert.Equal(t, req.ok, w.Code, "%s %q: %.300s", req.path, c.key, w.Body)
				continue
			}
			require.Equal(t, http.StatusBadRequest, w.Code, "%s %q: %.300s", req.path, c.key, w.Body)
			var e errorBody
			mustDecodeStrict(t, w.Body.Bytes(), &e)
			assert.Equal(t, IdempotencyKeyHeader, e.Error.Field, "%q", c.key)
			started, updates := ft.recorded()
			assert.Empty(t, started)
			assert.Empty(t, updates)
		}
	}
}

// TestIntakeAnswersWithTheStateQuery: a new case's answer is the state it
// opens in, with no query (the worker need not have run it yet); the same key
// again reads where the case stands with the light state query, not the
// whole view, and a worker that does not know that query yet answers with
// the view.
func TestIntakeAnswersWithTheStateQuery(t *testing.T) {
	api, ft := newFakeAPI(t, nil)
	key := "state-" + uuid.NewString()
	w := serve(api, "POST", "/v1/cases", bearer("operator"), withPLC(t, func(map[string]any) {}), IdempotencyKeyHeader, key)
	require.Equal(t, http.StatusCreated, w.Code, "%.500s", w.Body)
	var opened openedCase
	mustDecodeStrict(t, w.Body.Bytes(), &opened)
	assert.Equal(t, sm.PLCIntake, opened.State, "the state a PLC case opens in")
	ft.mu.Lock()
	assert.Empty(t, ft.queries, "a new case is not queried")
	ft.mu.Unlock()

	w = serve(api, "POST", "/v1/cases", bearer("operator"), withPLC(t, func(map[string]any) {}), IdempotencyKeyHeader, key)
	require.Equal(t, http.StatusOK, w.Code, "%.500s", w.Body)
	mustDecodeStrict(t, w.Body.Bytes(), &opened)
	assert.Equal(t, "fake", opened.State, "where the case stands now")
	ft.mu.Lock()
	assert.Equal(t, []string{workflows.QueryState}, ft.queries, "one state query, no view")
	ft.queries, ft.noStateQuery = nil, true
	ft.mu.Unlock()

	w = serve(api, "POST", "/v1/cases", bearer("operator"), withPLC(t, func(map[string]any) {}), IdempotencyKeyHeader, key)
	require.Equal(t, http.StatusOK, w.Code, "%.500s", w.Body)
	mustDecodeStrict(t, w.Body.Bytes(), &opened)
	assert.Equal(t, "fake", opened.State, "the view's state")
	ft.mu.Lock()
	assert.Equal(t, []string{workflows.QueryState, workflows.QueryView}, ft.queries, "the view after the unknown query")
	ft.mu.Unlock()
}
