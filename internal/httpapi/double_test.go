package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/caseflow/caseflow/activities/activitiestest"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/workflows"
)

// fakeTemporal is a Temporal client double for tests that need no server: it
// records the workflows the API starts and the updates it sends, and finds every
// case it is asked about as a running case of caseType. A method it does not
// implement panics (the embedded nil client.Client), which fails the test.
type fakeTemporal struct {
	client.Client

	mu sync.Mutex
	// caseType is the type of every case DescribeWorkflowExecution finds; ""
	// finds none.
	caseType string
	// fail, when set, is the error of every call.
	fail    error
	started []fakeStart
	updates []client.UpdateWorkflowOptions
	// opened holds the memo of each workflow ID started since the last reset: it
	// is not started again, and describing it gives the memo.
	opened map[string]map[string]any
	// queries are the query types asked, in order.
	queries []string
	// noStateQuery answers the state query as a worker that predates it.
	noStateQuery bool
	// described are the workflow IDs DescribeWorkflowExecution was asked
	// about since the last reset.
	described []string
	// closed makes every case a closed one: described as terminated, and an
	// update to it NotFound, as Temporal answers for a closed workflow.
	closed bool
}

// fakeStart is one recorded ExecuteWorkflow.
type fakeStart struct {
	Options  client.StartWorkflowOptions
	Workflow any
	Args     []any
}

var _ client.Client = (*fakeTemporal)(nil)

// setCaseType makes every case a running case of the type.
func (f *fakeTemporal) setCaseType(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.caseType = name
}

// closeAll makes every case a closed one (see closed).
func (f *fakeTemporal) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
}

// lookups returns the workflow IDs described since the last reset.
func (f *fakeTemporal) lookups() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.described)
}

// reset forgets what was recorded.
func (f *fakeTemporal) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started, f.updates, f.opened, f.described = nil, nil, nil, nil
}

// recorded returns what reached Temporal.
func (f *fakeTemporal) recorded() ([]fakeStart, []client.UpdateWorkflowOptions) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeStart(nil), f.started...), append([]client.UpdateWorkflowOptions(nil), f.updates...)
}

func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	if _, ok := f.opened[o.ID]; ok {
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("workflow execution already started", "", "run-1")
	}
	if f.opened == nil {
		f.opened = map[string]map[string]any{}
	}
	f.opened[o.ID] = o.Memo
	f.started = append(f.started, fakeStart{Options: o, Workflow: wf, Args: args})
	return nil, nil
}

func (f *fakeTemporal) DescribeWorkflowExecution(_ context.Context, wid, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	f.described = append(f.described, wid)
	memo, opened := f.opened[wid]
	if !opened && (f.caseType == "" || !strings.HasPrefix(wid, f.caseType+"-")) {
		return nil, serviceerror.NewNotFound("workflow not found: " + wid)
	}
	info := &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: wid, RunId: "run-1"},
		Status:    enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
	}
	if f.closed {
		info.Status = enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED
	}
	if len(memo) > 0 {
		info.Memo = &commonpb.Memo{Fields: map[string]*commonpb.Payload{}}
		for k, v := range memo {
			p, err := converter.GetDefaultDataConverter().ToPayload(v)
			if err != nil {
				return nil, err
			}
			info.Memo.Fields[k] = p
		}
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: info}, nil
}

func (f *fakeTemporal) QueryWorkflow(_ context.Context, wid, _, query string, _ ...any) (converter.EncodedValue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	f.queries = append(f.queries, query)
	if query == workflows.QueryState {
		if f.noStateQuery {
			return nil, serviceerror.NewQueryFailed("unknown queryType state. KnownQueryTypes=[__stack_trace __open_sessions __temporal_workflow_metadata view]")
		}
		return fakeValue{"fake"}, nil
	}
	return fakeValue{workflows.CaseView{ID: strings.TrimPrefix(wid, f.caseType+"-"), Type: f.caseType, WorkflowID: wid, State: "fake"}}, nil
}

func (f *fakeTemporal) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	if f.closed {
		return nil, serviceerror.NewNotFound("workflow execution already completed")
	}
	f.updates = append(f.updates, o)
	return fakeUpdate{o}, nil
}

func (f *fakeTemporal) ListWorkflow(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	return &workflowservice.ListWorkflowExecutionsResponse{}, nil
}

func (f *fakeTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	return &client.CheckHealthResponse{}, nil
}

// fakeValue is a query answer.
type fakeValue struct{ v any }

func (v fakeValue) HasValue() bool { return true }

func (v fakeValue) Get(ptr any) error {
	raw, err := json.Marshal(v.v)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, ptr)
}

// fakeUpdate is an update the case applied: its answer is a view after the event.
type fakeUpdate struct{ o client.UpdateWorkflowOptions }

func (u fakeUpdate) WorkflowID() string { return u.o.WorkflowID }
func (u fakeUpdate) RunID() string      { return u.o.RunID }
func (u fakeUpdate) UpdateID() string   { return u.o.UpdateID }
func (u fakeUpdate) Get(_ context.Context, ptr any) error {
	return fakeValue{workflows.CaseView{WorkflowID: u.o.WorkflowID, State: "after"}}.Get(ptr)
}

// testTokens are the secrets of testConfig's tokens, by role.
func testTokens() map[string]string {
	out := map[string]string{}
	for _, r := range workflows.Roles {
		out[r] = token(r)
	}
	return out
}

// newFakeAPI builds the API over a Temporal double, with testConfig's tokens and
// directory, logging to logger (nil: nowhere) and a codec that echoes.
func newFakeAPI(tb testing.TB, logger *slog.Logger) (*Server, *fakeTemporal) {
	tb.Helper()
	cfg, err := config.Parse([]byte(testConfig))
	require.NoError(tb, err)
	authn, err := auth.New(cfg.Auth.Tokens)
	require.NoError(tb, err)
	ft := &fakeTemporal{}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"payloads":[]}`))
	})
	api, err := New(Config{
		Temporal: ft, Namespace: "default", Outbox: memOutbox{&activitiestest.Mailer{}}, Auth: authn,
		Settings: cfg.Settings, Logger: logger, Metrics: prometheus.NewRegistry(),
		Codec: echo, CodecOrigins: []string{"http://127.0.0.1:8233"},
	})
	require.NoError(tb, err)
	return api, ft
}

// serve sends a request straight to the API's handler; authorization "" sends
// no Authorization header.
func serve(api http.Handler, method, target, authorization string, body []byte, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	api.ServeHTTP(w, r)
	return w
}

// bearer is the Authorization header of a role's test token.
func bearer(role string) string { return "Bearer " + token(role) }
