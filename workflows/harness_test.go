package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stretchr/testify/suite"
	"github.com/uber-go/tally/v4"
	sdktally "go.temporal.io/sdk/contrib/tally"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/activities/activitiestest"
	"github.com/caseflow/caseflow/internal/calendar"
)

// CaseHarness drives cases of any type in Temporal's test environment, in
// virtual time, with the real activities over in-memory mail and records. Every
// case type's workflow tests embed it; it registers workflows through Register,
// as a worker does.
type CaseHarness struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	// Env is the test's environment; NewEnv makes more (one per run of a case
	// that continues as new).
	Env     *testsuite.TestWorkflowEnvironment
	Mailer  *activitiestest.Mailer
	Records *activitiestest.Records
	Opener  *FakeOpener
	SMS     *activitiestest.SMSSender
	// Metrics holds what the test's cases and activities counted through the
	// SDK's metrics handler.
	Metrics tally.TestScope

	outcomes map[string]Outcome
	updates  int
}

// Outcome is what became of an event sent to a case.
type Outcome struct {
	Event string
	View  CaseView
	Err   error // the refusal or the handler's error; nil when applied
}

// SetupSuite keeps the SDK's logs out of the test output.
func (h *CaseHarness) SetupSuite() {
	h.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
}

// SetupTest gives each test fresh mail, records and an environment.
func (h *CaseHarness) SetupTest() {
	h.Mailer, h.Records, h.Opener = &activitiestest.Mailer{}, &activitiestest.Records{}, &FakeOpener{}
	h.SMS = &activitiestest.SMSSender{}
	h.Metrics = tally.NewTestScope("", nil)
	h.SetMetricsHandler(sdktally.NewMetricsHandler(h.Metrics))
	h.outcomes, h.updates = map[string]Outcome{}, 0
	h.Env = h.NewEnv(time.Time{})
}

// AfterTest checks the mocked activities' expectations.
func (h *CaseHarness) AfterTest(_, _ string) { h.Env.AssertExpectations(h.T()) }

// NewEnv is an environment with every case type and the activities registered;
// a non-zero start sets its clock.
func (h *CaseHarness) NewEnv(start time.Time) *testsuite.TestWorkflowEnvironment {
	env := h.NewTestWorkflowEnvironment()
	Register(env, &activities.Activities{Mail: h.Mailer, Records: h.Records, From: "caseflow@example.com", Cases: h.Opener, SMS: h.SMS, Helpdesk: h.Records})
	if !start.IsZero() {
		env.SetStartTime(start)
	}
	return env
}

// Begin sets the test environment's clock; call it before scheduling anything.
func (h *CaseHarness) Begin(at time.Time) { h.Env.SetStartTime(at) }

// Start runs a case of the type named by the input's meta in env.
func (h *CaseHarness) Start(env *testsuite.TestWorkflowEnvironment, caseType string, input any) {
	ct, ok := Lookup(caseType)
	h.Require().True(ok, "case type %s", caseType)
	if in, ok := input.(typeCalendars); ok {
		// A case carries only its type's part of the calendars (EnvCalendars):
		// a test that needs another's fails as a case would.
		in.keepTypeCalendars(ct)
	}
	env.ExecuteWorkflow(caseType, input)
}

// typeCalendars is a case input whose snapshot can be cut to its type's part.
type typeCalendars interface{ keepTypeCalendars(ct *CaseType) }

func (in *CaseInput[I, D, O]) keepTypeCalendars(ct *CaseType) {
	in.Env.Calendars = ct.EnvCalendars(in.Env.Calendars)
}

// At runs fn when env's clock reaches t.
func (h *CaseHarness) At(env *testsuite.TestWorkflowEnvironment, t time.Time, fn func()) {
	env.RegisterDelayedCallback(fn, t.Sub(env.Now()))
}

// Send posts a person's event as an update now and files its outcome under label.
func (h *CaseHarness) Send(env *testsuite.TestWorkflowEnvironment, label, event string, actor Actor, data any) {
	h.SendThen(env, event, actor, data, func(o Outcome) { h.outcomes[label] = o })
}

// SendThen posts a person's event now; then runs on its outcome.
func (h *CaseHarness) SendThen(env *testsuite.TestWorkflowEnvironment, event string, actor Actor, data any, then func(Outcome)) {
	raw, err := json.Marshal(data)
	h.Require().NoError(err)
	h.updates++
	req := EventRequest{Event: event, Data: raw, Actor: actor}
	env.UpdateWorkflow(UpdateEvent, fmt.Sprintf("u%d", h.updates), &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { then(Outcome{Event: event, Err: err}) },
		OnComplete: func(v any, err error) {
			// The update answers where the case stands (EventResult); the view
			// is the query's, read as the HTTP API reads it after an event.
			view, _ := v.(CaseView)
			if _, slim := v.(EventResult); slim && err == nil {
				val, qerr := env.QueryWorkflow(QueryView)
				h.Require().NoError(qerr)
				h.Require().NoError(val.Get(&view))
			}
			then(Outcome{Event: event, View: view, Err: err})
		},
	}, req)
}

// Applied asserts that the labelled events were applied.
func (h *CaseHarness) Applied(labels ...string) {
	for _, l := range labels {
		o, ok := h.outcomes[l]
		if h.True(ok, "event %s was never answered", l) {
			h.NoError(o.Err, "event %s", l)
		}
	}
}

// Refused asserts that the labelled event was refused with the Temporal error type.
func (h *CaseHarness) Refused(label, errType string) *temporal.ApplicationError {
	o, ok := h.outcomes[label]
	h.Require().True(ok, "event %s was never answered", label)
	return h.RefusedWith(o.Err, label, errType)
}

// RefusedWith asserts that err is a refusal of the Temporal error type.
func (h *CaseHarness) RefusedWith(err error, what, errType string) *temporal.ApplicationError {
	var appErr *temporal.ApplicationError
	h.Require().True(errors.As(err, &appErr), "%s: want a %s refusal, got %v", what, errType, err)
	h.Equal(errType, appErr.Type(), "%s: %v", what, err)
	return appErr
}

// ViewOf decodes env's case view into v (a CaseView, or a struct embedding one
// with the type's data).
func (h *CaseHarness) ViewOf(env *testsuite.TestWorkflowEnvironment, v any) {
	val, err := env.QueryWorkflow(QueryView)
	h.Require().NoError(err)
	h.Require().NoError(val.Get(v))
}

// ResultOf decodes the view of env's ended case into v: the view query of the
// closed case, whose result (release2612) is its identity and final state only.
func (h *CaseHarness) ResultOf(env *testsuite.TestWorkflowEnvironment, v any) {
	h.Require().True(env.IsWorkflowCompleted())
	h.Require().NoError(env.GetWorkflowError())
	var res CaseResult
	h.Require().NoError(env.GetWorkflowResult(&res))
	h.Require().Nil(res.View, "a case started on this code returns no view")
	h.ViewOf(env, v)
	var view CaseView
	h.ViewOf(env, &view)
	h.Require().Equal(CaseResult{ID: view.ID, Type: view.Type, State: view.State, Closed: view.Closed}, res)
}

// Letters are the letters sent whose subject contains part.
func (h *CaseHarness) Letters(part string) []activities.SentMail {
	var out []activities.SentMail
	for _, m := range h.Mailer.Sent() {
		if strings.Contains(m.Subject, part) {
			out = append(out, m)
		}
	}
	return out
}

// FakeOpener opens cases in memory: one per key, as the real opener does, and
// refuses an intake its type refuses.
type FakeOpener struct {
	mu     sync.Mutex
	Opened []activities.OpenCaseInput
}

var _ activities.CaseOpener = (*FakeOpener)(nil)

// OpenCase records the case and answers with its ID.
func (f *FakeOpener) OpenCase(_ context.Context, in activities.OpenCaseInput) (activities.OpenedCase, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ct, ok := Lookup(in.Type)
	if !ok {
		return activities.OpenedCase{}, &activities.PermanentError{Err: fmt.Errorf("no case type %q", in.Type)}
	}
	if _, err := ct.DecodeIntake(in.Intake); err != nil {
		return activities.OpenedCase{}, &activities.PermanentError{Err: err}
	}
	created := !slices.ContainsFunc(f.Opened, func(o activities.OpenCaseInput) bool { return o.Key == in.Key })
	if created {
		f.Opened = append(f.Opened, in)
	}
	id := fmt.Sprintf("opened-%d", slices.IndexFunc(f.Opened, func(o activities.OpenCaseInput) bool { return o.Key == in.Key })+1)
	return activities.OpenedCase{ID: id, Type: in.Type, WorkflowID: WorkflowID(in.Type, id), Created: created}, nil
}

// CasesCalendars is the built-in calendars with every registered type's default
// policies: the snapshot a case gets from an empty config.
func CasesCalendars() *calendar.Set {
	defaults, err := PolicyDefaults()
	if err != nil {
		panic(err)
	}
	set, _, err := calendar.Config{Defaults: defaults}.Build()
	if err != nil {
		panic(err)
	}
	return set
}

// CaseEnvOf is a case's configuration snapshot for tests.
func CaseEnvOf[D any, O any](dir D, opts O) Env[D, O] {
	return Env[D, O]{Calendars: CasesCalendars(), Directory: dir, Options: opts}
}

// DataOf decodes a view's data into the type's data struct.
func DataOf[T any](v CaseView) T {
	raw, err := json.Marshal(v.Data)
	if err != nil {
		panic(err)
	}
	var d T
	if err := json.Unmarshal(raw, &d); err != nil {
		panic(err)
	}
	return d
}

// Defaulted is o with the defaults its Validate fills in, as a case's config
// snapshot holds it; a refused o is a broken test.
func Defaulted[O any, PO interface {
	*O
	Validate() error
}](o O) O {
	if err := PO(&o).Validate(); err != nil {
		panic(err)
	}
	return o
}
