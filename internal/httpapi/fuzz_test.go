package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.temporal.io/sdk/converter"

	"github.com/caseflow/caseflow/internal/strictjson"
	"github.com/caseflow/caseflow/workflows"
)

// The fuzz targets send any body to the API's handler over a Temporal double
// (no server, so an iteration takes microseconds; see fakeTemporal) and check
// what comes out at the HTTP boundary:
//
//   - no panic, and the answer is one of the statuses the endpoint may give;
//   - a refusal is the API's JSON error, its code matching its status; a 400
//     names a field, and that field is one the case type documents (its JSON
//     schema in /v1/case-types) or one the body holds; nothing reached Temporal;
//   - an accepted body is one the case type's own decoding accepts, sent by a
//     role that may, and what reaches Temporal fits its payload limit.
//
// Run one with:
//
//	go test -tags nodevserver -run='^$' -fuzz='^FuzzIntakeBody$' -fuzztime=30s -fuzzminimizetime=1000x ./internal/httpapi/
//
// Both flags are for speed and may be left out. -tags nodevserver leaves the
// embedded Temporal server out of the test binary (see h in main_test.go): the
// fuzzing build instruments every package it links, and with the server each
// run is several times slower. -fuzzminimizetime bounds the minimisation of each
// new interesting input, which by default may take a minute and stalls a short
// run. The seeds (seeds_test.go, plus a body per registered case type and event, so
// a new type is covered) run under plain go test. They are kept small: the
// fuzzer minimises each new interesting input, which takes long for a big one;
// the limits on big values are tested in limits_test.go.

// temporalBlobLimit is Temporal's default limit of one payload (2 MiB).
const temporalBlobLimit = 2 << 20

// fuzzCaseID is the case every fuzzed event of a type goes to: one per type,
// as a case ID names one workflow of one type (the API remembers it).
func fuzzCaseID(caseType string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("caseflow-fuzz/"+caseType)).String()
}

func FuzzIntakeBody(f *testing.F) {
	admin := uint8(slices.Index(workflows.Roles, workflows.RoleAdmin))
	for _, ct := range workflows.Types() {
		body, _ := validIntake(ct.Name)
		if j := slices.IndexFunc(workflows.Roles, func(r string) bool { return !ct.CanOpen(r) }); j >= 0 {
			f.Add(uint8(j), body) // a role that may not
		}
		f.Add(admin, `{"type":"`+ct.Name+`"}`)
		for _, b := range seedIntakes[ct.Name] {
			f.Add(admin, b)
		}
	}
	// An operator may open a phone PLC but not one by mail (its intake refuses
	// the role, not the type): the input the fuzzer found.
	operator := uint8(slices.Index(workflows.Roles, workflows.RoleOperator))
	if plc, ok := validIntake("plc"); ok {
		f.Add(operator, strings.Replace(plc, `"channel":"phone"`, `"channel":"email"`, 1))
	}
	f.Add(admin, `{"type":"plc","customer":{"colour":"red"}}`)
	f.Add(admin, `{"type":"plc","previous_service":[{"number":"SR-1"},{"number":7}]}`)
	f.Add(admin, `{"type":"plc","customer":{"":{"a":[[[[{}]]]]}}}`)

	api, ft := newFakeAPI(f, nil)
	docs := docsByType(f, api)
	f.Fuzz(func(t *testing.T, roleIdx uint8, body string) {
		role := workflows.Roles[int(roleIdx)%len(workflows.Roles)]
		ft.reset()
		w := serve(api, "POST", "/v1/cases", bearer(role), []byte(body), IdempotencyKeyHeader, "fuzz-key")
		started, updates := ft.recorded()
		if len(updates) > 0 {
			t.Fatalf("an intake sent an update")
		}
		ct := intakeType(body)

		switch w.Code {
		case http.StatusCreated:
			if ct == nil {
				t.Fatalf("201 for a body without a known type: %.300s", body)
			}
			if !ct.CanOpen(role) {
				t.Fatalf("role %s opened a %s case", role, ct.Name)
			}
			intake, err := ct.DecodeIntake(json.RawMessage(body))
			if err != nil {
				t.Fatalf("accepted an intake the case type refuses (%v): %.300s", err, body)
			}
			if err := ct.CheckOpener(role, intake); err != nil {
				t.Fatalf("role %s opened a case its intake refuses it (%v): %.300s", role, err, body)
			}
			if len(started) != 1 || started[0].Workflow != ct.Name || len(started[0].Args) != 1 {
				t.Fatalf("201, but started %+v", started)
			}
			fitsTemporal(t, "workflow input", started[0].Args[0])
			fitsTemporal(t, "memo", started[0].Options.Memo)
			var got openedCase
			mustDecodeStrict(t, w.Body.Bytes(), &got)
			if got.Type != ct.Name || got.ID == "" || got.WorkflowID != workflows.WorkflowID(ct.Name, got.ID) {
				t.Fatalf("201 answer %+v", got)
			}
		case http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge:
			if len(started) > 0 {
				t.Fatalf("%d, but a workflow started", w.Code)
			}
			e := checkErrorAnswer(t, w.Code, w.Body.Bytes(), len(body))
			switch w.Code {
			case http.StatusForbidden:
				if ct == nil || ct.CanOpen(role) && !refusesOpener(ct, role, body) {
					t.Fatalf("403 for role %s: %s", role, w.Body)
				}
			case http.StatusBadRequest:
				var schema map[string]any
				if ct != nil {
					schema = docs[ct.Name].intake
				}
				checkNamesField(t, e, body, schema, "body", "type")
			}
		default:
			t.Fatalf("status %d: %s\nbody: %.300s", w.Code, w.Body, body)
		}
	})
}

// refusesOpener reports whether the body is an intake of ct that refuses role
// beyond the type's intake roles (a PLC by chat or mail is the experts').
func refusesOpener(ct *workflows.CaseType, role, body string) bool {
	intake, err := ct.DecodeIntake(json.RawMessage(body))
	return err == nil && ct.CheckOpener(role, intake) != nil
}

func FuzzEventBody(f *testing.F) {
	admin := uint8(slices.Index(workflows.Roles, workflows.RoleAdmin))
	for i, ct := range workflows.Types() {
		for _, e := range ct.Events {
			body, _ := validEvent(ct.Name, e.Name)
			if j := slices.IndexFunc(workflows.Roles, func(r string) bool { return !e.Allows(r) }); j >= 0 {
				f.Add(uint8(i), uint8(j), body) // a role that may not
			}
			f.Add(uint8(i), admin, eventBodyOf(e.Name, `{}`))
			for _, d := range seedEvents[ct.Name][e.Name] {
				f.Add(uint8(i), admin, eventBodyOf(e.Name, d))
			}
		}
	}
	for _, body := range []string{
		`{"event":"explode"}`, `{"data":{}}`, `{}`, `null`, ``, `[]`, `{"event":""}`, `{"event":7}`,
		`{"event":"close"} {}`, `{"event":"close","actor":{"name":"boss","role":"admin"}}`,
		`{"event":"verdict","data":{"plc":true,"actor":"x"}}`, `{"event":"verdict","data":"yes"}`,
		`{"event":"open_investigation","data":{"executors":[{},{"document":7}]}}`,
		`{"event":"commission_held","data":{"plan":[{"task":"t","assignee":"a","colour":"red"}]}}`,
	} {
		f.Add(uint8(0), admin, body)
		f.Add(uint8(1), admin, body)
	}

	api, ft := newFakeAPI(f, nil)
	docs := docsByType(f, api)
	types := workflows.Types()
	f.Fuzz(func(t *testing.T, typeIdx, roleIdx uint8, body string) {
		ct := types[int(typeIdx)%len(types)]
		role := workflows.Roles[int(roleIdx)%len(workflows.Roles)]
		ft.setCaseType(ct.Name)
		ft.reset()
		w := serve(api, "POST", "/v1/cases/"+fuzzCaseID(ct.Name)+"/events", bearer(role), []byte(body))
		started, updates := ft.recorded()
		if len(started) > 0 {
			t.Fatalf("an event started a workflow")
		}
		var named struct {
			Event string `json:"event"`
		}
		_ = json.Unmarshal([]byte(body), &named)
		spec := ct.Event(named.Event)

		switch w.Code {
		case http.StatusOK:
			if spec == nil {
				t.Fatalf("200 for an event %s does not have: %.300s", ct.Name, body)
			}
			if len(updates) != 1 || len(updates[0].Args) != 1 {
				t.Fatalf("200, but sent updates %+v", updates)
			}
			req, ok := updates[0].Args[0].(workflows.EventRequest)
			if !ok {
				t.Fatalf("the update's argument is a %T", updates[0].Args[0])
			}
			if req.Event != spec.Name || req.Actor.Role != role || !spec.Allows(role) {
				t.Fatalf("sent %s as %s (%s allows %v)", req.Event, req.Actor.Role, spec.Name, spec.Roles)
			}
			if updates[0].UpdateName != workflows.UpdateEvent || updates[0].WorkflowID != workflows.WorkflowID(ct.Name, fuzzCaseID(ct.Name)) {
				t.Fatalf("update %s to %s", updates[0].UpdateName, updates[0].WorkflowID)
			}
			if _, err := spec.Decode(req.Data); err != nil {
				t.Fatalf("sent data the event refuses (%v): %.300s", err, body)
			}
			fitsTemporal(t, "update argument", req)
			var v workflows.CaseView
			mustDecodeStrict(t, w.Body.Bytes(), &v)
		case http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge:
			if len(updates) > 0 {
				t.Fatalf("%d, but an update was sent", w.Code)
			}
			e := checkErrorAnswer(t, w.Code, w.Body.Bytes(), len(body))
			switch w.Code {
			case http.StatusForbidden:
				if spec == nil || spec.Allows(role) {
					t.Fatalf("403 for role %s: %s", role, w.Body)
				}
			case http.StatusBadRequest:
				schema := map[string]any{"properties": map[string]any{"event": map[string]any{"type": "string"}}}
				if spec != nil {
					schema["properties"].(map[string]any)["data"] = docs[ct.Name].events[spec.Name]
				}
				checkNamesField(t, e, body, schema, "body", "event", "data")
			}
		default:
			t.Fatalf("status %d: %s\nbody: %.300s", w.Code, w.Body, body)
		}
	})
}

// intakeType is the registered case type an intake body names, if any.
func intakeType(body string) *workflows.CaseType {
	var top struct {
		Type string `json:"type"`
	}
	if json.Unmarshal([]byte(body), &top) != nil {
		return nil
	}
	ct, _ := workflows.Lookup(top.Type)
	return ct
}

// typeDocs are a case type's JSON schemas as /v1/case-types serves them.
type typeDocs struct {
	intake map[string]any
	events map[string]map[string]any
}

// docsByType decodes the schemas the API describes itself with.
func docsByType(tb testing.TB, api *Server) map[string]typeDocs {
	tb.Helper()
	out := map[string]typeDocs{}
	for _, d := range api.caseTypes {
		td := typeDocs{events: map[string]map[string]any{}}
		if err := json.Unmarshal(d.IntakeSchema, &td.intake); err != nil {
			tb.Fatal(err)
		}
		for _, e := range d.Events {
			var s map[string]any
			if err := json.Unmarshal(e.Schema, &s); err != nil {
				tb.Fatal(err)
			}
			td.events[e.Name] = s
		}
		out[d.Name] = td
	}
	return out
}

// errorBody is the API's error answer, decoded strictly.
type errorBody struct {
	Error struct {
		Code          string   `json:"code"`
		Message       string   `json:"message"`
		Field         string   `json:"field"`
		State         string   `json:"state"`
		AllowedEvents []string `json:"allowed_events"`
	} `json:"error"`
}

// checkErrorAnswer checks the shape of an error answer and returns it.
func checkErrorAnswer(t *testing.T, code int, body []byte, sent int) errorBody {
	t.Helper()
	var e errorBody
	mustDecodeStrict(t, body, &e)
	if e.Error.Code == "" || status(e.Error.Code) != code {
		t.Fatalf("status %d with error code %q: %s", code, e.Error.Code, body)
	}
	if strings.TrimSpace(e.Error.Message) == "" {
		t.Fatalf("an error without a message: %s", body)
	}
	if code == http.StatusRequestEntityTooLarge {
		if sent <= MaxBodyBytes {
			t.Fatalf("413 for a body of %d bytes", sent)
		}
		if !strings.Contains(e.Error.Message, "1 MiB") {
			t.Fatalf("413 does not say the limit: %s", body)
		}
	} else if sent > MaxBodyBytes {
		t.Fatalf("%d, not 413, for a body of %d bytes", code, sent)
	}
	return e
}

// checkNamesField checks that a 400 names the field at fault: one of generic,
// a field of the schema, or a field the body holds. An unknown field must be in
// the body and not in the schema; a value over a limit must be over it.
func checkNamesField(t *testing.T, e errorBody, body string, schema map[string]any, generic ...string) {
	t.Helper()
	field, msg := e.Error.Field, e.Error.Message
	if field == "" {
		t.Fatalf("a 400 that names no field: %+v\nbody: %.300s", e.Error, body)
	}
	var doc any // the first JSON value, which the API reads before it looks for more
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber() // a number beyond float64 is still JSON
	decoded := dec.Decode(&doc) == nil
	value, inBody := any(nil), false
	if decoded {
		value, inBody = valueAt(doc, field)
	}
	_, inSchema := schemaAt(schema, field)
	switch {
	case strings.Contains(msg, "unknown field"):
		if !inBody || inSchema {
			t.Fatalf("%q is called an unknown field (in the body: %v, in the schema: %v)\nbody: %.300s", field, inBody, inSchema, body)
		}
	case strings.Contains(msg, "characters, has"):
		s, ok := value.(string)
		if !ok || utf8.RuneCountInString(s) <= strictjson.MaxStringChars {
			t.Fatalf("%q is called too long, but the body holds %T there", field, value)
		}
	case strings.Contains(msg, "items"):
		a, ok := value.([]any)
		if !ok || len(a) <= strictjson.MaxArrayItems {
			t.Fatalf("%q is said to have too many items, but the body holds %T there", field, value)
		}
	case slices.Contains(generic, field), inSchema, inBody:
	default:
		t.Fatalf("the 400 names %q, which is neither a field of the case type nor of the body: %+v\nbody: %.300s", field, e.Error, body)
	}
}

// pathStep is one step of a field path: a member name or an array index.
type pathStep struct {
	name  string
	index int // -1 for a member
}

// parsePath splits "plan[2].due" into steps; ok is false for a malformed path.
// A member name never holds a dot here: it is read against a schema.
func parsePath(path string) (steps []pathStep, ok bool) {
	for _, seg := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		steps = append(steps, pathStep{name: name, index: -1})
		if rest == "" {
			continue
		}
		for _, ix := range strings.Split("["+rest, "[")[1:] {
			n, found := strings.CutSuffix(ix, "]")
			i, err := strconv.Atoi(n)
			if !found || err != nil || i < 0 {
				return nil, false
			}
			steps = append(steps, pathStep{index: i})
		}
	}
	return steps, true
}

// schemaAt follows a field path into a JSON schema.
func schemaAt(schema map[string]any, path string) (map[string]any, bool) {
	steps, ok := parsePath(path)
	if !ok || schema == nil {
		return nil, false
	}
	for _, s := range steps {
		if s.index >= 0 {
			items, ok := schema["items"].(map[string]any)
			if !ok {
				return nil, false
			}
			schema = items
			continue
		}
		props, _ := schema["properties"].(map[string]any)
		next, ok := props[s.name].(map[string]any)
		if !ok {
			return nil, false
		}
		schema = next
	}
	return schema, true
}

// valueAt finds the value a field path names in a decoded JSON document. A key
// matches as encoding/json matches it, case folded; keys may hold dots or
// brackets, so every way of reading the path is tried; an empty key is named "".
func valueAt(doc any, path string) (any, bool) {
	if path == "" {
		return doc, true
	}
	switch d := doc.(type) {
	case map[string]any:
		for k, v := range d {
			name := k
			if name == "" {
				name = `""`
			}
			for i := range len(path) + 1 {
				if i < len(path) && path[i] != '.' && path[i] != '[' || !strings.EqualFold(path[:i], name) {
					continue
				}
				rest := path[i:]
				if rest == "" {
					return v, true
				}
				if got, ok := valueAt(v, strings.TrimPrefix(rest, ".")); ok {
					return got, true
				}
			}
		}
	case []any:
		if !strings.HasPrefix(path, "[") {
			return nil, false
		}
		end := strings.IndexByte(path, ']')
		if end < 0 {
			return nil, false
		}
		i, err := strconv.Atoi(path[1:end])
		if err != nil || i < 0 || i >= len(d) {
			return nil, false
		}
		return valueAt(d[i], strings.TrimPrefix(path[end+1:], "."))
	}
	return nil, false
}

// fitsTemporal checks that v, encoded as the SDK's data converter does, is
// within Temporal's payload limit.
func fitsTemporal(t *testing.T, what string, v any) {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatalf("the %s does not encode: %v", what, err)
	}
	if n := len(p.GetData()); n >= temporalBlobLimit {
		t.Fatalf("the %s takes %d bytes, over Temporal's limit of %d", what, n, temporalBlobLimit)
	}
}

// mustDecodeStrict decodes a JSON answer, refusing unknown fields.
func mustDecodeStrict(t *testing.T, raw []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("the answer is not a %T (%v): %s", v, err, raw)
	}
}
