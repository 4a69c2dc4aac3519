package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/strictjson"
	sm "github.com/caseflow/caseflow/statemachines"
	"github.com/caseflow/caseflow/workflows"
)

// withPLC is the first PLC intake seed with change applied.
func withPLC(t *testing.T, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(seedIntakes["plc"][0]), &m))
	change(m)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as a client would send it: "<" is one byte
	require.NoError(t, enc.Encode(m))
	return buf.Bytes()
}

// strs is n copies of s.
func strs(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestOversizedBodiesAre413: a body over MaxBodyBytes is refused with 413 and a
// message that gives the limit, on both endpoints that read one; a body of
// exactly MaxBodyBytes is read.
func TestOversizedBodiesAre413(t *testing.T) {
	api, ft := newFakeAPI(t, nil)
	ft.setCaseType("plc")
	big := []byte(`{"type": "plc", "description": "` + strings.Repeat("я", MaxBodyBytes/2) + `"}`)
	require.Greater(t, len(big), MaxBodyBytes)
	for _, path := range []string{"/v1/cases", "/v1/cases/" + uuid.NewString() + "/events"} {
		w := serve(api, "POST", path, bearer("admin"), big, IdempotencyKeyHeader, "big")
		require.Equal(t, http.StatusRequestEntityTooLarge, w.Code, "%s: %.300s", path, w.Body)
		var e errorBody
		mustDecodeStrict(t, w.Body.Bytes(), &e)
		assert.Equal(t, ECodeTooLarge, e.Error.Code)
		assert.Contains(t, e.Error.Message, "1 MiB")
		assert.Contains(t, e.Error.Message, "1048576")
	}

	// Exactly MaxBodyBytes: a valid intake padded with spaces.
	body := []byte(seedIntakes["plc"][0])
	padded := append(body, []byte(strings.Repeat(" ", MaxBodyBytes-len(body)))...)
	w := serve(api, "POST", "/v1/cases", bearer("admin"), padded, IdempotencyKeyHeader, "exact")
	assert.Equal(t, http.StatusCreated, w.Code, "%.300s", w.Body)
	w = serve(api, "POST", "/v1/cases", bearer("admin"), append(padded, ' '), IdempotencyKeyHeader, "exact+1")
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code, "%.300s", w.Body)

	started, updates := ft.recorded()
	assert.Len(t, started, 1, "only the body within the limit reached Temporal")
	assert.Empty(t, updates)
}

// TestFieldLimits: values that would make a workflow input or an update over
// Temporal's payload limit (a string far too long, too many items, too much
// data once encoded) are refused with a 400 that names the field, before
// anything reaches Temporal; values at the limits are accepted. Fields are
// named by their full path, indices included.
func TestFieldLimits(t *testing.T) {
	long := strings.Repeat("<", strictjson.MaxStringChars) // six bytes each once encoded
	intakes := []struct {
		name   string
		body   []byte
		status int
		field  string
		msg    string
	}{
		{"string at the limit", withPLC(t, func(m map[string]any) { m["description"] = long }), 201, "", ""},
		{"string over the limit", withPLC(t, func(m map[string]any) { m["description"] = long + "<" }), 400, "description", "at most 10000 characters"},
		{"nested string over the limit", withPLC(t, func(m map[string]any) {
			m["customer"].(map[string]any)["full_name"] = strings.Repeat("Я", strictjson.MaxStringChars+1)
		}), 400, "customer.full_name", "at most 10000 characters"},
		{"string in an array item over the limit", withPLC(t, func(m map[string]any) {
			m["previous_service"] = []any{map[string]any{"number": "SR-1"}, map[string]any{"number": "SR-2", "asc": long + "x"}}
		}), 400, "previous_service[1].asc", "at most 10000 characters"},
		{"items at the limit", withPLC(t, func(m map[string]any) { m["demands"] = strs(strictjson.MaxArrayItems, "d") }), 201, "", ""},
		{"too many items", withPLC(t, func(m map[string]any) { m["demands"] = strs(strictjson.MaxArrayItems+1, "d") }), 400, "demands", "at most 1000 items"},
		{"too much once encoded", withPLC(t, func(m map[string]any) { m["demands"] = strs(30, long) }), 400, "body", "once encoded"},
		{"a key longer than any field", withPLC(t, func(m map[string]any) { m[strings.Repeat("k", strictjson.MaxKeyChars+1)] = 1 }), 400, "body", "key of 101 characters"},
		{"unknown nested field", withPLC(t, func(m map[string]any) { m["customer"].(map[string]any)["colour"] = "red" }), 400, "customer.colour", "unknown field"},
		{"wrong type in an array item", withPLC(t, func(m map[string]any) {
			m["previous_service"] = []any{map[string]any{"number": "SR-1"}, map[string]any{"number": 7}}
		}), 400, "previous_service[1].number", "must be a string, not number"},
		{"object for a string", withPLC(t, func(m map[string]any) { m["mood"] = map[string]any{"a": 1} }), 400, "mood", "must be a string, not object"},
	}
	events := []struct {
		name, body string
		status     int
		field, msg string
	}{
		{"note at the limit", eventBodyOf("repeat_contact", `{"note":"`+long+`"}`), 200, "", ""},
		{"note over the limit", eventBodyOf("repeat_contact", `{"note":"`+long+`<"}`), 400, "data.note", "at most 10000 characters"},
		{"too much once encoded", eventBodyOf("repeat_contact", `{"attachments":["`+strings.Join(strs(11, long), `","`)+`"]}`), 400, "data", "once encoded"},
		{"too many items", eventBodyOf("documents_received", `{"documents":["`+strings.Join(strs(strictjson.MaxArrayItems+1, "fire_report"), `","`)+`"]}`), 400, "data.documents", "at most 1000 items"},
		{"too deep", eventBodyOf("repeat_contact", `{"note":`+strings.Repeat("[", strictjson.MaxDepth)+strings.Repeat("]", strictjson.MaxDepth)+`}`), 400, "data.note" + strings.Repeat("[0]", strictjson.MaxDepth-2), "deeper than 16"},
		{"event name over the limit", eventBodyOf(long+"x", ""), 400, "event", "at most 10000 characters"},
		{"unknown field in data", eventBodyOf("verdict", `{"plc":true,"colour":"red"}`), 400, "data.colour", "unknown field"},
		{"wrong type in a data array item", eventBodyOf("documents_received", `{"documents":["fire_report",7]}`), 400, "data.documents[1]", "must be a string, not number"},
	}

	api, ft := newFakeAPI(t, nil)
	ft.setCaseType("plc")
	for _, c := range intakes {
		t.Run("intake/"+c.name, func(t *testing.T) {
			ft.reset()
			w := serve(api, "POST", "/v1/cases", bearer("operator"), c.body, IdempotencyKeyHeader, "limits-"+c.name)
			require.Equal(t, c.status, w.Code, "%.500s", w.Body)
			started, _ := ft.recorded()
			if c.status == http.StatusCreated {
				require.Len(t, started, 1)
				fitsTemporal(t, "workflow input", started[0].Args[0])
				return
			}
			assert.Empty(t, started, "a refused intake never reaches Temporal")
			var e errorBody
			mustDecodeStrict(t, w.Body.Bytes(), &e)
			assert.Equal(t, ECodeInvalid, e.Error.Code)
			assert.Equal(t, c.field, e.Error.Field)
			assert.Contains(t, e.Error.Message, c.msg)
		})
	}
	for _, c := range events {
		t.Run("event/"+c.name, func(t *testing.T) {
			ft.reset()
			w := serve(api, "POST", "/v1/cases/"+uuid.NewString()+"/events", bearer("supervisor"), []byte(c.body))
			require.Equal(t, c.status, w.Code, "%.500s", w.Body)
			_, updates := ft.recorded()
			if c.status == http.StatusOK {
				require.Len(t, updates, 1)
				fitsTemporal(t, "update argument", updates[0].Args[0])
				return
			}
			assert.Empty(t, updates, "a refused event never reaches Temporal")
			var e errorBody
			mustDecodeStrict(t, w.Body.Bytes(), &e)
			assert.Equal(t, ECodeInvalid, e.Error.Code)
			assert.Equal(t, c.field, e.Error.Field)
			assert.Contains(t, e.Error.Message, c.msg)
		})
	}
}

// TestLimitsAgainstTemporal: the largest intake and event data the limits let
// through are taken by the real server (the case opens, runs and answers), and
// a string Temporal could not take is refused at the API naming the field.
func TestLimitsAgainstTemporal(t *testing.T) {
	needServer(t)
	long := strings.Repeat("<", strictjson.MaxStringChars)
	largest := withPLC(t, func(m map[string]any) {
		m["description"] = long
		m["demands"] = []string{long, long, long}
		m["volunteered_damage"] = strings.Repeat("&", 3000)
	})
	require.NoError(t, checkEncodedSize(json.RawMessage(largest), MaxIntakeBytes, "body", "the intake"), "the body is within the limit")
	a := call(t, "POST", "/v1/cases", "operator", largest, "Idempotency-Key", "largest-"+uuid.NewString())
	require.Equal(t, http.StatusCreated, a.Code, "%.300s", a.Body)
	id := a.JSON(t)["id"].(string)
	waitState(t, id, sm.PLCAwaitingVerdict)

	a = sendEvent(t, id, "operator", "repeat_contact", map[string]any{"note": long})
	require.Equal(t, http.StatusOK, a.Code, "%.300s", a.Body)
	var v workflows.CaseView
	require.NoError(t, json.Unmarshal(a.Body, &v))
	assert.Equal(t, sm.PLCAwaitingVerdict, v.State)

	// Six bytes a character once encoded: 2.4 MiB, over Temporal's 2 MiB.
	tooLong := withPLC(t, func(m map[string]any) { m["description"] = strings.Repeat("<", 400_000) })
	a = call(t, "POST", "/v1/cases", "operator", tooLong, "Idempotency-Key", "too-long-"+uuid.NewString())
	require.Equal(t, http.StatusBadRequest, a.Code, "%.300s", a.Body)
	assert.Equal(t, "description", a.Err(t)["field"])
}
