package httpapi

import (
	"bytes"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/workflows"
)

// Who may do what, written out here by hand from SPEC §4 and the case types'
// descriptions, independently of the production tables (routeTable in
// server.go; IntakeRoles and EventSpec.Roles in workflows). A change to either
// side fails TestAccessMatrix until the other agrees.

// everyRole is every role a token may carry.
var everyRole = []string{"operator", "expert", "supervisor", "engineer", "quality_director", "executor", "admin"}

// wantRoute is who may call a route: public needs no token; roles nil is every role.
type wantRoute struct {
	public bool
	roles  []string
}

var wantRoutes = map[string]wantRoute{
	"GET /healthz":       {public: true},
	"GET /v1/case-types": {},
	"POST /v1/cases":     {}, // and the case type's intake roles: wantIntake
	"GET /v1/cases":      {},
	// The fake's case is a reclamation: every role of its row of the read
	// matrix; an executor only where it holds a task (TestReadsPerRole).
	"GET /v1/cases/{id}":          {roles: []string{"operator", "expert", "supervisor", "engineer", "quality_director", "admin"}},
	"POST /v1/cases/{id}/events":  {}, // and the event's roles: wantEvents
	"GET /v1/tasks":               {}, // each its own inbox: TestTaskScope
	"POST /v1/tasks/{id}/claim":   {}, // the workflow admits the task's role, a supervisor, an admin
	"POST /v1/tasks/{id}/unclaim": {}, // the taker, a supervisor, an admin
	"GET /v1/outbox":              {roles: []string{"admin"}},
	"GET /metrics":                {roles: []string{"admin"}},
}

// wantIntake is who may open a case of each type.
var wantIntake = map[string][]string{
	"plc":            {"operator", "expert", "supervisor", "admin"},
	"reclamation":    everyRole,
	"consultation":   {"operator", "expert", "supervisor", "admin"},
	"dispute":        {"operator", "expert", "supervisor", "admin"},
	"telecom_case":   {"operator", "expert", "supervisor", "admin"},
	"call":           {"operator", "expert", "supervisor", "admin"},
	"broadband_lead": {"operator", "expert", "supervisor", "admin"},
}

// taskDone is who may send the platform's task_done: any role (the workflow
// then admits only the task's role, a supervisor or an admin).
var taskDone = everyRole

// wantEvents is who may send each event of each case type.
var wantEvents = map[string]map[string][]string{
	"dispute": {
		"asc_report_received":     {"operator", "expert", "supervisor", "admin"},
		"expert_called_customer":  {"expert", "supervisor", "admin"},
		"engineer_answer":         {"engineer", "expert", "admin"},
		"asc_answer_received":     {"operator", "expert", "supervisor", "admin"},
		"clarification_requested": {"expert", "supervisor", "admin"},
		"customer_response":       {"expert", "supervisor", "admin"},
		"demands_stated":          {"operator", "expert", "supervisor", "admin"},
		"repeat_contact":          {"operator", "expert", "supervisor", "admin"},
		"official_claim_received": {"operator", "expert", "supervisor", "admin"},
		"handoff_confirmed":       {"expert", "supervisor", "admin"},
		"handoff_declined":        {"expert", "supervisor", "admin"},
		"close":                   {"expert", "supervisor", "admin"},
		"task_done":               taskDone,
		"claim_task":              taskDone,
		"unclaim_task":            taskDone,
	},
	"plc": {
		"task_done":             taskDone,
		"claim_task":            taskDone,
		"unclaim_task":          taskDone,
		"call_attempt":          {"supervisor", "admin"},
		"verdict":               {"engineer", "supervisor", "admin"},
		"specialist_contacted":  {"engineer", "supervisor", "expert", "admin"},
		"repeat_contact":        {"operator", "expert", "supervisor", "admin"},
		"documents_received":    {"operator", "expert", "supervisor", "admin"},
		"nrp_act_uploaded":      {"expert", "supervisor", "admin"},
		"satisfaction_reported": {"expert", "supervisor", "admin"},
		"close":                 {"supervisor", "admin"},
		"service_request":       {"engineer", "expert", "supervisor", "admin"},
		"answer_preparing":      {"engineer", "expert", "supervisor", "admin"},
	},
	"reclamation": {
		"task_done":           taskDone,
		"claim_task":          taskDone,
		"unclaim_task":        taskDone,
		"return_for_data":     {"quality_director", "admin"},
		"resubmit":            everyRole, // the workflow then admits only the initiator
		"reject":              {"quality_director", "admin"},
		"open_investigation":  {"quality_director", "admin"},
		"request_document":    {"quality_director", "admin"},
		"document_ready":      {"executor", "quality_director", "admin"}, // an executor only its own task
		"commission_held":     {"quality_director", "admin"},
		"task_reported":       {"executor", "quality_director", "admin"}, // an executor only its own task
		"client_confirmation": {"quality_director", "admin"},
	},
	"telecom_case": {
		"task_done":      taskDone,
		"claim_task":     taskDone,
		"unclaim_task":   taskDone,
		"save":           {"operator", "expert", "supervisor", "admin"},
		"dispatch":       {"operator", "expert", "supervisor", "admin"},
		"accept":         {"expert", "supervisor", "admin"},
		"forward":        {"expert", "supervisor", "admin"},
		"reject_return":  {"expert", "supervisor", "admin"},
		"comment":        {"operator", "expert", "supervisor", "admin"},
		"close":          {"operator", "expert", "supervisor", "admin"},
		"repeat_contact": {"operator", "expert", "supervisor", "admin"},
	},
	"consultation": {
		"task_done":    taskDone,
		"claim_task":   taskDone,
		"unclaim_task": taskDone,
		"call_ended":   {"operator", "expert", "supervisor", "admin"},
		"handed_over":  {"operator", "expert", "supervisor", "admin"},
		"registered":   {"operator", "expert", "supervisor", "admin"},
		"complete":     {"operator", "expert", "supervisor", "admin"},
		"cancel":       {"operator", "expert", "supervisor", "admin"},
	},
	"call": {
		"task_done":    taskDone,
		"claim_task":   taskDone,
		"unclaim_task": taskDone,
		"warn":         {"operator", "expert", "supervisor", "admin"},
		"heard":        {"operator", "expert", "supervisor", "admin"},
		"end_call":     {"operator", "expert", "supervisor", "admin"},
	},
	"broadband_lead": {
		"task_done":    taskDone,
		"claim_task":   taskDone,
		"unclaim_task": taskDone,
		"called_back":  {"operator", "expert", "supervisor", "admin"},
		"close":        {"operator", "expert", "supervisor", "admin"},
	},
}

// callerNames are the names of testConfig's tokens by role.
var callerNames = map[string]string{
	"operator": "operator-1", "expert": "expert-1", "supervisor": "supervisor-1", "engineer": "engineer-1",
	"quality_director": "director-1", "executor": "executor-1", "admin": "admin-1",
}

// routeRequest is a request that exercises a route: its path and body.
func routeRequest(pattern string) (method, path string, body []byte, ok bool) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{id}", uuid.NewString())
	switch pattern {
	case "POST /v1/cases":
		b, _ := validIntake("reclamation")
		return method, path, []byte(b), true
	case "POST /v1/cases/{id}/events":
		b, _ := validEvent("reclamation", "resubmit")
		return method, path, []byte(b), true
	case "POST /v1/tasks/{id}/claim", "POST /v1/tasks/{id}/unclaim":
		_, rest, _ := strings.Cut(pattern, " ")
		return method, strings.ReplaceAll(rest, "{id}", uuid.NewString()+"-t1"), nil, true
	case "GET /healthz", "GET /v1/case-types", "GET /v1/cases", "GET /v1/cases/{id}", "GET /v1/tasks", "GET /v1/outbox", "GET /metrics":
		return method, path, nil, true
	}
	return "", "", nil, false
}

// TestAccessMatrix: for every route of the router, every case type's intake and
// every event of every case type, no token is 401, a token nobody has is 401, a
// role that may not is 403 (and nothing reaches Temporal), and a role that may
// is let through: the Temporal double answers, so the call succeeds.
func TestAccessMatrix(t *testing.T) {
	require.Equal(t, everyRole, workflows.Roles, "a new role needs its rows in the tables above")

	api, ft := newFakeAPI(t, nil)
	ft.setCaseType("reclamation")
	unauthenticated := func(t *testing.T, method, path string, body []byte) {
		t.Helper()
		for name, header := range map[string]string{
			"no token": "", "unknown token": "Bearer tok-nobody", "basic scheme": "Basic " + token("admin"),
			"token without scheme": token("admin"), "empty bearer": "Bearer ",
		} {
			w := serve(api, method, path, header, body, IdempotencyKeyHeader, "access-"+uuid.NewString())
			require.Equal(t, http.StatusUnauthorized, w.Code, "%s %s with %s: %s", method, path, name, w.Body)
			assert.Equal(t, `Bearer realm="caseflow"`, w.Header().Get("WWW-Authenticate"))
			var e errorBody
			mustDecodeStrict(t, w.Body.Bytes(), &e)
			assert.Equal(t, ECodeUnauthorized, e.Error.Code)
		}
	}
	forbidden := func(t *testing.T, w *httptest.ResponseRecorder, role, what string) {
		t.Helper()
		require.Equal(t, http.StatusForbidden, w.Code, "%s as %s: %s", what, role, w.Body)
		var e errorBody
		mustDecodeStrict(t, w.Body.Bytes(), &e)
		assert.Equal(t, ECodeForbidden, e.Error.Code)
		assert.Contains(t, e.Error.Message, role, "the refusal names the role")
		started, updates := ft.recorded()
		assert.Empty(t, started, "%s as %s started a workflow", what, role)
		assert.Empty(t, updates, "%s as %s sent an update", what, role)
	}

	t.Run("routes", func(t *testing.T) {
		got := map[string]wantRoute{}
		for _, rt := range api.routes {
			got[rt.pattern] = wantRoute{public: rt.public, roles: rt.roles}
		}
		assert.ElementsMatch(t, slices.Collect(maps.Keys(wantRoutes)), slices.Collect(maps.Keys(got)), "the router's routes")
		for _, rt := range api.routes {
			want, known := wantRoutes[rt.pattern]
			if !known {
				continue
			}
			method, path, body, ok := routeRequest(rt.pattern)
			if !assert.True(t, ok, "no request for route %s: add one to routeRequest", rt.pattern) {
				continue
			}
			if want.public {
				w := serve(api, method, path, "", body)
				assert.Equal(t, http.StatusOK, w.Code, "%s needs no token: %s", rt.pattern, w.Body)
				continue
			}
			unauthenticated(t, method, path, body)
			for _, role := range everyRole {
				ft.reset()
				w := serve(api, method, path, bearer(role), body, IdempotencyKeyHeader, "access-"+uuid.NewString())
				if want.roles == nil || slices.Contains(want.roles, role) {
					assert.True(t, w.Code >= 200 && w.Code < 300, "%s as %s: %d %s", rt.pattern, role, w.Code, w.Body)
				} else {
					forbidden(t, w, role, rt.pattern)
				}
			}
		}
	})

	t.Run("codec", func(t *testing.T) {
		for _, path := range []string{"/v1/codec/encode", "/v1/codec/decode"} {
			unauthenticated(t, "POST", path, []byte(`{"payloads":[]}`))
			for _, role := range everyRole {
				w := serve(api, "POST", path, bearer(role), []byte(`{"payloads":[]}`))
				if role == "admin" || role == "supervisor" {
					assert.Equal(t, http.StatusOK, w.Code, "%s as %s: %s", path, role, w.Body)
				} else {
					forbidden(t, w, role, path)
				}
			}
		}
	})

	t.Run("intake", func(t *testing.T) {
		names := workflows.TypeNames()
		assert.ElementsMatch(t, slices.Collect(maps.Keys(wantIntake)), names, "every case type has its row")
		for _, ct := range workflows.Types() {
			want, ok := wantIntake[ct.Name]
			if !ok {
				continue
			}
			body, valid := validIntake(ct.Name)
			unauthenticated(t, "POST", "/v1/cases", []byte(body))
			for _, role := range everyRole {
				ft.reset()
				w := serve(api, "POST", "/v1/cases", bearer(role), []byte(body), IdempotencyKeyHeader, "access-"+uuid.NewString())
				what := "opening a " + ct.Name + " case"
				if !slices.Contains(want, role) {
					forbidden(t, w, role, what)
					continue
				}
				assert.NotContains(t, []int{401, 403}, w.Code, "%s as %s: %s", what, role, w.Body)
				if valid {
					assert.Equal(t, http.StatusCreated, w.Code, "%s as %s: %s", what, role, w.Body)
					started, _ := ft.recorded()
					if assert.Len(t, started, 1) {
						assert.Equal(t, ct.Name, started[0].Workflow)
					}
				}
			}
		}
	})

	t.Run("events", func(t *testing.T) {
		assert.ElementsMatch(t, slices.Collect(maps.Keys(wantEvents)), workflows.TypeNames(), "every case type has its rows")
		for _, ct := range workflows.Types() {
			// A case ID is one type's: the API remembers which.
			path := "/v1/cases/" + uuid.NewString() + "/events"
			want := wantEvents[ct.Name]
			assert.ElementsMatch(t, slices.Collect(maps.Keys(want)), ct.EventNames(), "every %s event has its row", ct.Name)
			ft.setCaseType(ct.Name)
			for _, e := range slices.Concat(ct.Events, workflows.PlatformEvents) {
				roles, ok := want[e.Name]
				if !ok {
					continue
				}
				body, valid := validEvent(ct.Name, e.Name)
				unauthenticated(t, "POST", path, []byte(body))
				for _, role := range everyRole {
					ft.reset()
					w := serve(api, "POST", path, bearer(role), []byte(body))
					what := ct.Name + " event " + e.Name
					if !slices.Contains(roles, role) {
						forbidden(t, w, role, what)
						continue
					}
					assert.NotContains(t, []int{401, 403}, w.Code, "%s as %s: %s", what, role, w.Body)
					if !valid {
						continue
					}
					require.Equal(t, http.StatusOK, w.Code, "%s as %s: %s", what, role, w.Body)
					_, updates := ft.recorded()
					require.Len(t, updates, 1)
					req := updates[0].Args[0].(workflows.EventRequest)
					assert.Equal(t, workflows.Actor{Name: callerNames[role], Role: role}, req.Actor, "the actor is the caller")
					assert.Equal(t, e.Name, req.Event)
				}
			}
			// The engine's own events: no role may send them, not even admin.
			for _, sys := range ct.SystemEvents() {
				ft.reset()
				w := serve(api, "POST", path, bearer("admin"), []byte(eventBodyOf(sys, "")))
				assert.Equal(t, http.StatusBadRequest, w.Code, "%s system event %s: %s", ct.Name, sys, w.Body)
				_, updates := ft.recorded()
				assert.Empty(t, updates, "%s system event %s reached the case", ct.Name, sys)
			}
		}
	})

	t.Run("no token carries the system role", func(t *testing.T) {
		_, err := auth.New([]config.Token{{Name: "engine", Role: workflows.RoleSystem, Token: "tok-system"}})
		assert.Error(t, err)
	})
}

// TestTokensAreNeverLogged sends requests with good, wrong and malformed tokens
// to every route (and to unknown routes, with bad bodies, and while Temporal
// fails, which logs the failure) through a server that logs everything to a
// buffer: no token ever appears in the log.
func TestTokensAreNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api, ft := newFakeAPI(t, logger)
	ft.setCaseType("reclamation")

	secrets := slices.Collect(maps.Values(testTokens()))
	wrong := []string{"tok-admin-but-longer", "tok-admi", "TOK-ADMIN", "wrong-" + uuid.NewString()}
	var headers []string
	for _, s := range append(slices.Clone(secrets), wrong...) {
		headers = append(headers, "Bearer "+s, "bearer "+s, "Bearer  "+s+"  ", "Basic "+s, "Token "+s, s)
	}
	type req struct {
		method, path string
		body         []byte
	}
	var reqs []req
	for _, rt := range api.routes {
		method, path, body, ok := routeRequest(rt.pattern)
		require.True(t, ok, rt.pattern)
		reqs = append(reqs, req{method, path, body})
	}
	id := uuid.NewString()
	reqs = append(reqs,
		req{"POST", "/v1/codec/decode", []byte(`{"payloads":[]}`)},
		req{"GET", "/v1/nothing", nil},
		req{"DELETE", "/v1/case-types", nil},
		req{"POST", "/v1/cases", []byte(`{"type": "plc", "channel": }`)},
		req{"POST", "/v1/cases/" + id + "/events", []byte(`{"event":"explode"}`)},
		req{"POST", "/v1/cases/" + id + "/events", bytes.Repeat([]byte(" "), MaxBodyBytes+1)},
		// A client that puts its token in the query string by mistake.
		req{"GET", "/v1/cases?access_token=" + token("admin"), nil},
	)
	for _, fail := range []error{nil, errors.New("temporal exploded")} {
		ft.mu.Lock()
		ft.fail = fail
		ft.mu.Unlock()
		for _, r := range reqs {
			for _, header := range headers {
				serve(api, r.method, r.path, header, r.body, IdempotencyKeyHeader, "log-"+uuid.NewString())
			}
		}
	}

	log := buf.String()
	require.Contains(t, log, `"caller":"admin-1"`, "the log records callers")
	require.Contains(t, log, `"status":401`, "the log records refused calls")
	require.Contains(t, log, `"request failed"`, "the log records Temporal's failures")
	for _, s := range append(secrets, wrong...) {
		if i := strings.Index(log, s); i >= 0 {
			line := log[strings.LastIndexByte(log[:i], '\n')+1:]
			line, _, _ = strings.Cut(line, "\n")
			t.Errorf("the token %q is in the log: %s", s, line)
		}
	}
}
