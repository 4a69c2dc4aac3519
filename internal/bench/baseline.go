package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/workflows"
)

// The baseline's wire names: its own workflow type and task queue, so that its
// worker runs beside caseflow's on the same server.
const (
	// BaselineWorkflow is the workflow type of the baseline case.
	BaselineWorkflow = "bench-baseline"
	// BaselineTaskQueue is the task queue of the baseline worker.
	BaselineTaskQueue = "caseflow-bench-baseline"
	// baselineUpdate is the baseline's one update: a person's event.
	baselineUpdate = "event"
	// baselineQuery answers the baseline case's state.
	baselineQuery = "state"
)

// States of the baseline case.
const (
	baselineIntake   = "intake"
	baselineWaiting  = "awaiting_verdict"
	baselineDecided  = "confirmed"
	baselineFinished = "closed"
)

// Events of the baseline case: the same three the benchmark sends to a PLC case.
const (
	eventVerdict = "verdict"
	eventClose   = "close"
	// eventNote stands for PLC's repeat_contact: two side effects, no move.
	eventNote = "repeat_contact"
)

// BaselineInput starts a baseline case: the same intake a PLC case gets, without
// caseflow's configuration snapshot.
type BaselineInput struct {
	CaseID string              `json:"case_id"`
	Intake workflows.PLCIntake `json:"intake"`
}

// BaselineResult is the baseline case's end state.
type BaselineResult struct {
	State string `json:"state"`
}

// BaselineEvent is the input of the baseline's update.
type BaselineEvent struct {
	Event string `json:"event"`
}

// BaselineStep is the input and result of a baseline activity.
type BaselineStep struct {
	CaseID string `json:"case_id"`
	Step   string `json:"step"`
}

// baselineActivityOptions are caseflow's activity options (workflows.activityOptions).
var baselineActivityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

// baselineCase is the hand-written equivalent of the PLC path the benchmark
// drives: no fsm, no registry, no search attributes, no audit trail.
type baselineCase struct {
	in    *BaselineInput
	state string
}

// Baseline is a bare Temporal workflow with the PLC path's activities, timers and
// waits: six intake activities under two deadline timers (the consultation,
// then four chains at once, as a PLC intake of release2612b), a verdict wait
// with a third, the verdict's two activities and the close's one, each event
// an update with a validator.
func Baseline(ctx workflow.Context, in *BaselineInput) (*BaselineResult, error) {
	b := &baselineCase{in: in, state: baselineIntake}
	if err := workflow.SetQueryHandler(ctx, baselineQuery, func() (string, error) { return b.state, nil }); err != nil {
		return nil, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, baselineUpdate, b.handle,
		workflow.UpdateHandlerOptions{Validator: b.validate}); err != nil {
		return nil, err
	}
	// The two deadlines a PLC case watches from intake: the verdict's ends with the
	// verdict, the customer callback's with the case.
	workflow.Go(ctx, func(ctx workflow.Context) {
		_, _ = workflow.AwaitWithTimeout(ctx, 3*time.Hour, func() bool { return b.state == baselineDecided || b.state == baselineFinished })
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		_, _ = workflow.AwaitWithTimeout(ctx, 24*time.Hour, func() bool { return b.state == baselineFinished })
	})
	// The PLC intake's shape: the consultation, then at once the engineer's
	// request, the shift alert, the customer's interim letter and the ticket
	// with its interim comment.
	if err := b.act(ctx, effect{false, "consultation"}); err != nil {
		return nil, err
	}
	var errs []error
	wg := workflow.NewWaitGroup(ctx)
	for _, chain := range [][]effect{
		{{true, requestStep}}, {{true, "shift-alert"}}, {{true, "customer-interim"}}, {{false, "ticket"}, {false, "interim-comment"}},
	} {
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer wg.Done()
			for _, e := range chain {
				if err := b.act(ctx, e); err != nil {
					errs = append(errs, err)
					return
				}
			}
		})
	}
	wg.Wait(ctx)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	b.state = baselineWaiting
	if _, err := workflow.AwaitWithTimeout(ctx, 3*time.Hour, func() bool { return b.state != baselineWaiting }); err != nil {
		return nil, err
	}
	if err := workflow.Await(ctx, func() bool { return b.state == baselineFinished }); err != nil {
		return nil, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return nil, err
	}
	return &BaselineResult{State: b.state}, nil
}

// validate admits an event legal in the current state.
func (b *baselineCase) validate(ev BaselineEvent) error {
	switch {
	case ev.Event == eventVerdict && b.state == baselineWaiting,
		ev.Event == eventNote && (b.state == baselineWaiting || b.state == baselineDecided),
		ev.Event == eventClose && b.state == baselineDecided:
		return nil
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("event %s is not allowed in state %s", ev.Event, b.state),
		workflows.ErrTypeIllegalTransition, nil)
}

// handle runs an event's side effects, as the PLC case does for the same event.
func (b *baselineCase) handle(ctx workflow.Context, ev BaselineEvent) (string, error) {
	if err := b.validate(ev); err != nil {
		return "", err
	}
	var effects []effect
	switch ev.Event {
	case eventVerdict:
		b.state = baselineDecided
		// A PLC case of plcSeedV1 makes the urgent service request later, when
		// the PLC group asks for it (an event the benchmark does not send).
		effects = []effect{{true, "plc-group"}, {false, "comment"}}
	case eventNote:
		effects = []effect{{false, "comment"}, {true, "thread-update"}}
	case eventClose:
		b.state = baselineFinished
		effects = []effect{{false, "ticket-status"}}
	}
	for _, e := range effects {
		if err := b.act(ctx, e); err != nil {
			return "", err
		}
	}
	return b.state, nil
}

// effect is one side effect of the baseline case: a letter or a record.
type effect struct {
	mail bool
	step string
}

// ba references the baseline activities for workflow code.
var ba *BaselineActivities

// act runs one side effect.
func (b *baselineCase) act(ctx workflow.Context, e effect) error {
	ctx = workflow.WithActivityOptions(ctx, baselineActivityOptions)
	act := ba.BaselineRecord
	if e.mail {
		act = ba.BaselineMail
	}
	var out BaselineStep
	return workflow.ExecuteActivity(ctx, act, BaselineStep{CaseID: b.in.CaseID, Step: e.step}).Get(ctx, &out)
}

// BaselineActivities are the baseline's side effects: each takes Latency, as
// caseflow's mocked mail and records do.
type BaselineActivities struct {
	Latency time.Duration
	probe   *probe
}

// BaselineRecord stands for a record created or changed.
func (a *BaselineActivities) BaselineRecord(ctx context.Context, in BaselineStep) (*BaselineStep, error) {
	if err := sleep(ctx, a.Latency); err != nil {
		return nil, err
	}
	return &in, nil
}

// BaselineMail stands for a letter handed to the mailer.
func (a *BaselineActivities) BaselineMail(ctx context.Context, in BaselineStep) (*BaselineStep, error) {
	if in.Step == requestStep {
		a.probe.hand(in.CaseID)
	}
	if err := sleep(ctx, a.Latency); err != nil {
		return nil, err
	}
	return &in, nil
}
