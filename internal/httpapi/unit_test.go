package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/activities/activitiestest"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/workflows"
)

func TestTaskScope(t *testing.T) {
	cases := []struct {
		caller         auth.Caller
		role, assignee string
		want           taskFilter
		code           string
	}{
		{auth.Caller{Name: "op", Role: "operator"}, "", "", taskFilter{Role: "operator"}, ""},
		{auth.Caller{Name: "op", Role: "operator"}, "operator", "kim", taskFilter{Role: "operator", Assignee: "kim"}, ""},
		{auth.Caller{Name: "op", Role: "operator"}, "engineer", "", taskFilter{}, ECodeForbidden},
		{auth.Caller{Name: "sv", Role: "supervisor"}, "", "", taskFilter{}, ""},
		{auth.Caller{Name: "sv", Role: "supervisor"}, "engineer", "", taskFilter{Role: "engineer"}, ""},
		{auth.Caller{Name: "adm", Role: "admin"}, "executor", "ex-2", taskFilter{Role: "executor", Assignee: "ex-2"}, ""},
		{auth.Caller{Name: "ex-1", Role: "executor"}, "", "", taskFilter{Assignee: "ex-1"}, ""},
		{auth.Caller{Name: "ex-1", Role: "executor"}, "executor", "ex-1", taskFilter{Role: "executor", Assignee: "ex-1"}, ""},
		{auth.Caller{Name: "ex-1", Role: "executor"}, "", "ex-2", taskFilter{}, ECodeForbidden},
		{auth.Caller{Name: "ex-1", Role: "executor"}, "supervisor", "", taskFilter{}, ECodeForbidden},
		{auth.Caller{Name: "adm", Role: "admin"}, "wizard", "", taskFilter{}, ECodeInvalid},
		{auth.Caller{Name: "adm", Role: "admin"}, "", "o'brien", taskFilter{}, ECodeInvalid},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s asks role=%q assignee=%q", c.caller.Role, c.role, c.assignee)
		got, err := taskScope(c.caller, c.role, c.assignee)
		if c.code != "" {
			require.Error(t, err, name)
			assert.Equal(t, c.code, codeOf(err).Code, name)
			continue
		}
		require.NoError(t, err, name)
		assert.Equal(t, c.want, got, name)
	}
}

func TestTasksQuery(t *testing.T) {
	types := allTypes()
	assert.Equal(t, "ExecutionStatus = 'Running' AND CaseType IN ("+types+") AND CaseTaskRoles = 'supervisor' AND CaseTaskAssignees = 'Иванова'",
		tasksQuery(taskFilter{Role: "supervisor", Assignee: "Иванова"}))
	// Without a role, only cases holding a task of some role are read.
	assert.Equal(t, "ExecutionStatus = 'Running' AND CaseType IN ("+types+") AND CaseTaskRoles IN ("+
		"'operator', 'expert', 'supervisor', 'engineer', 'quality_director', 'executor', 'admin')", tasksQuery(taskFilter{}))
	assert.Equal(t, "ExecutionStatus = 'Running' AND CaseType IN ("+types+") AND CaseTaskAssignees = 'Иванова'",
		tasksQuery(taskFilter{Assignee: "Иванова"}))
}

// allTypes is the registered case types as a visibility query list.
func allTypes() string {
	names := workflows.TypeNames()
	for i, n := range names {
		names[i] = "'" + n + "'"
	}
	return strings.Join(names, ", ")
}

func TestCollectTasks(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 3, 2, h, 0, 0, 0, time.UTC) }
	views := []workflows.CaseView{
		{ID: "b", Type: "plc", WorkflowID: "plc-b", Tasks: []workflows.Task{
			{ID: "b-t2", CaseID: "b", Role: "supervisor", Due: at(12)},
			{ID: "b-t1", CaseID: "b", Role: "supervisor", Assignee: "kim", Due: at(10)},
			{ID: "b-t3", CaseID: "b", Role: "engineer", Due: at(9)},
		}},
		{ID: "a", Type: "plc", WorkflowID: "plc-a", Tasks: []workflows.Task{
			{ID: "a-t1", Role: "supervisor", Due: at(12)},
			{ID: "a-t2", CaseID: "a", Role: "executor", Assignee: "kim", Due: at(11)},
		}},
		{ID: "c", Type: "plc"},
	}
	ids := func(items []taskItem) []string {
		out := []string{}
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	assert.Equal(t, []string{"b-t1", "a-t1", "b-t2"}, ids(collectTasks(views, taskFilter{Role: "supervisor"})),
		"earliest due first; equal dues by case, then task")
	assert.Equal(t, []string{"b-t1", "a-t2"}, ids(collectTasks(views, taskFilter{Assignee: "kim"})))
	assert.Equal(t, []string{"b-t1"}, ids(collectTasks(views, taskFilter{Role: "supervisor", Assignee: "kim"})))
	assert.Equal(t, []string{"b-t3", "b-t1", "a-t2", "a-t1", "b-t2"}, ids(collectTasks(views, taskFilter{})))
	assert.Empty(t, collectTasks(views, taskFilter{Role: "operator"}))
	assert.NotNil(t, collectTasks(nil, taskFilter{}), "an empty inbox is [], not null")

	all := collectTasks(views, taskFilter{Role: "supervisor"})
	assert.Equal(t, "a", all[1].CaseID, "a task without a case ID gets its case's")
	assert.Equal(t, "plc-a", all[1].WorkflowID)
}

func TestCasesQuery(t *testing.T) {
	q, err := casesQuery("plc", "confirmed", "true")
	require.NoError(t, err)
	assert.Equal(t, "CaseType IN ('plc') AND CaseState = 'confirmed' AND CaseBreached = true", q)
	q, err = casesQuery("", "", "")
	require.NoError(t, err)
	assert.Equal(t, "CaseType IN ("+allTypes()+")", q)
	_, err = casesQuery("plc", "confirmed' OR 1=1", "")
	assert.Equal(t, "state", codeOf(err).Field)
}

func TestEventErrorMapping(t *testing.T) {
	cases := []struct {
		err     error
		code    string
		field   string
		state   string
		allowed []string
	}{
		{temporal.NewNonRetryableApplicationError("no", workflows.ErrTypeIllegalTransition, nil,
			workflows.RefusalDetails{State: "confirmed", AllowedEvents: []string{"close"}}), ECodeConflict, "", "confirmed", []string{"close"}},
		{temporal.NewNonRetryableApplicationError("bad", workflows.ErrTypeInvalidData, nil,
			workflows.RefusalDetails{Field: "level"}), ECodeInvalid, "data.level", "", nil},
		{temporal.NewNonRetryableApplicationError("what", workflows.ErrTypeUnknownEvent, nil,
			workflows.RefusalDetails{Field: "event"}), ECodeInvalid, "event", "", nil},
		{temporal.NewNonRetryableApplicationError("who", workflows.ErrTypeForbidden, nil), ECodeForbidden, "", "", nil},
		{temporal.NewNonRetryableApplicationError("full", workflows.ErrTypeCaseLimit, nil), ECodeCaseLimit, "", "", nil},
		{serviceerror.NewNotFound("workflow not found"), ECodeNotFound, "", "", nil},
		{serviceerror.NewUnavailable("down"), ECodeUnavailable, "", "", nil},
		{errors.New("boom"), ECodeInternal, "", "", nil},
	}
	assert.Equal(t, http.StatusUnprocessableEntity, status(ECodeCaseLimit), "a full case is 422")
	for _, c := range cases {
		e := codeOf(eventError(c.err))
		assert.Equal(t, c.code, e.Code, "%v", c.err)
		assert.Equal(t, c.field, e.Field, "%v", c.err)
		assert.Equal(t, c.state, e.State, "%v", c.err)
		assert.Equal(t, c.allowed, e.AllowedEvents, "%v", c.err)
	}
}

func TestErrorBody(t *testing.T) {
	raw, err := json.Marshal(&Error{Code: ECodeInvalid, Message: "is required", Field: "customer.phone"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"code":"invalid","message":"is required","field":"customer.phone"}`, string(raw))
	raw, err = json.Marshal(&Error{Code: ECodeConflict, Message: "closed", State: "closed", allowedEmpty: true})
	require.NoError(t, err)
	assert.JSONEq(t, `{"code":"conflict","message":"closed","state":"closed","allowed_events":[]}`, string(raw))

	for code, want := range map[string]int{
		ECodeInvalid: 400, ECodeUnauthorized: 401, ECodeForbidden: 403, ECodeNotFound: 404, ECodeMethodNotAllowed: 405,
		ECodeConflict: 409, ECodeTooLarge: 413, ECodeKeyReused: 422, ECodeInternal: 500, ECodeUnavailable: 503,
	} {
		assert.Equal(t, want, status(code), code)
	}
}

func TestCodecMountAndHealthz(t *testing.T) {
	codec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.URL.Path, body)
	})
	lazy, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	api, err := New(Config{
		Temporal: lazy, Namespace: "default",
		Outbox: memOutbox{&activitiestest.Mailer{}}, Auth: mustAuth(t),
		Settings: func() *workflows.Settings { return &workflows.Settings{} }, Codec: codec, CodecOrigins: []string{"http://127.0.0.1:8233/"},
	})
	require.NoError(t, err)
	do := func(method, path, origin, tok string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(`{"payloads":[]}`))
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		return w
	}

	w := do("OPTIONS", "/v1/codec/decode", "http://127.0.0.1:8233", "")
	assert.Equal(t, http.StatusNoContent, w.Code, "a preflight needs no token")
	assert.Equal(t, "http://127.0.0.1:8233", w.Header().Get("Access-Control-Allow-Origin"))
	assert.Contains(t, w.Header().Get("Access-Control-Allow-Headers"), "X-Namespace")
	assert.Contains(t, w.Header().Get("Access-Control-Allow-Headers"), "Authorization")

	w = do("OPTIONS", "/v1/codec/decode", "http://evil.example.com", "")
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Empty(t, w.Header().Get("Access-Control-Allow-Origin"))

	w = do("POST", "/v1/codec/decode", "http://127.0.0.1:8233", "")
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, "http://127.0.0.1:8233", w.Header().Get("Access-Control-Allow-Origin"), "the browser may read the 401")

	// The codec decrypts any case: admins and supervisors only.
	for _, role := range []string{"operator", "executor"} {
		w = do("POST", "/v1/codec/decode", "http://127.0.0.1:8233", token(role))
		assert.Equal(t, http.StatusForbidden, w.Code, "%s may not use the codec", role)
		assert.Contains(t, w.Body.String(), "may not call the codec")
	}
	w = do("POST", "/v1/codec/decode", "http://127.0.0.1:8233", token("supervisor"))
	assert.Equal(t, http.StatusOK, w.Code, "a supervisor may use the codec")
	assert.Equal(t, `/decode {"payloads":[]}`, w.Body.String())
	w = do("POST", "/v1/codec/encode", "", token("admin"))
	assert.Equal(t, `/encode {"payloads":[]}`, w.Body.String())

	w = do("POST", "/v1/codec/decode", "", "")
	assert.Equal(t, http.StatusUnauthorized, w.Code)

	// Nothing listens on the client's address.
	w = do("GET", "/healthz", "", "")
	assert.Equal(t, http.StatusServiceUnavailable, w.Code, "%s", w.Body)
	assert.Contains(t, w.Body.String(), `"code":"unavailable"`)
}

// TestCodecUISecretNotOrigin: the dev UI's tokenless codec calls are let in by
// the per-run secret in their path, which only the UI was given, and an Origin
// header, which any local process can forge, opens nothing by itself.
func TestCodecUISecretNotOrigin(t *testing.T) {
	const ui, secret = "http://127.0.0.1:8233", "s3cr3t-of-this-run"
	codec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.URL.Path) })
	lazy, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	api, err := New(Config{
		Temporal: lazy, Namespace: "default", Outbox: memOutbox{&activitiestest.Mailer{}}, Auth: mustAuth(t),
		Settings: func() *workflows.Settings { return &workflows.Settings{} },
		Codec:    codec, CodecOrigins: []string{ui}, CodecUISecret: secret,
	})
	require.NoError(t, err)
	post := func(path, origin, tok string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, strings.NewReader(`{"payloads":[]}`))
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		return w
	}
	w := post("/v1/codec/"+secret+"/decode", ui, "")
	assert.Equal(t, http.StatusOK, w.Code, "the dev UI, with the secret, needs no token")
	assert.Equal(t, "/decode", w.Body.String())
	assert.Equal(t, ui, w.Header().Get("Access-Control-Allow-Origin"))

	assert.Equal(t, http.StatusUnauthorized, post("/v1/codec/decode", ui, "").Code, "a forged UI origin without the secret is refused")
	assert.Equal(t, http.StatusUnauthorized, post("/v1/codec/not-the-secret/decode", ui, "").Code, "a wrong secret is refused")
	assert.Equal(t, http.StatusUnauthorized, post("/v1/codec/"+secret[:len(secret)-1]+"/decode", ui, "").Code, "a prefix of the secret is refused")
	assert.Equal(t, http.StatusUnauthorized, post("/v1/codec/"+secret+"/decode", "http://evil.example.com", "").Code, "the secret from another origin is refused")
	assert.Equal(t, http.StatusUnauthorized, post("/v1/codec/"+secret+"/decode", "", "").Code, "the secret without an origin is refused")

	w = post("/v1/codec/decode", "", token("admin"))
	assert.Equal(t, http.StatusOK, w.Code, "a token still works without the secret")
	assert.Equal(t, "/decode", w.Body.String())
}

func mustAuth(t *testing.T) *auth.Authenticator {
	t.Helper()
	var tokens []config.Token
	for _, role := range []string{"operator", "executor", "supervisor", "admin"} {
		tokens = append(tokens, config.Token{Name: role + "-1", Role: role, Token: token(role)})
	}
	a, err := auth.New(tokens)
	require.NoError(t, err)
	return a
}
