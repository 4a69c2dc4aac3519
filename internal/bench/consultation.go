package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/workflows"
)

// The consultation scenario: a store employee's call, opened after it ended (its
// post-call deadline running), registered, routed to shop.help@ and completed.
// A consultation is caseflow's shortest case: what it measures is the engine's
// fixed cost per case.

// BaselineConsultationWorkflow is the workflow type of the baseline consultation.
const BaselineConsultationWorkflow = "bench-baseline-consultation"

// eventRegistered is the consultation's one event in the scenario.
const eventRegistered = "registered"

// consultationData is the registration the scenario sends.
var consultationData = json.RawMessage(`{"model":"HW60-BP12959A","category":"washing_machine","l1":"Консультация","l2":"Гарантия","l3":"Оформление заявки",` +
	`"leads_to_request":true,"description":"Сотрудник магазина спрашивает, как оформить заявку: СМА клиента не отжимает."}`)

// consultationIntake is the intake of every scenario consultation: a call from a
// store that ended now.
func consultationIntake() workflows.ConsultationIntake {
	return workflows.ConsultationIntake{
		CommonIntake: workflows.CommonIntake{
			Type: "consultation", Channel: workflows.ChannelPhone,
			Customer: workflows.Customer{FullName: "Иванов Иван Иванович", Phone: "+7 912 345-67-89"},
		},
		ConsultationFields: workflows.ConsultationFields{Brand: "Haier", CallFrom: workflows.CallFromStore, CallerNumber: "+7 495 222-33-44"},
		Source:             workflows.SourceCall,
		CallEndedAt:        time.Now().UTC().Format(time.RFC3339),
	}
}

// consultationFlow opens consultations through the Temporal client (api false),
// with the start options the API uses, or through the HTTP API.
type consultationFlow struct {
	h   *harness
	api bool
}

func (f consultationFlow) variant() string {
	if f.api {
		return variantAPI
	}
	return variantCaseflow
}

func (f consultationFlow) client() client.Client { return f.h.cf }

func (f consultationFlow) workflowID(caseID string) string {
	return workflows.WorkflowID("consultation", caseID)
}

func (f consultationFlow) open(ctx context.Context, key string) (string, error) {
	intake := consultationIntake()
	if f.api {
		body, err := json.Marshal(intake)
		if err != nil {
			return "", err
		}
		var opened struct {
			ID string `json:"id"`
		}
		status, err := apiFlow{f.h}.post(ctx, "/v1/cases", workflows.RoleOperator, key, body, &opened)
		switch {
		case err != nil:
			return "", err
		case status != http.StatusCreated || opened.ID == "":
			return "", fmt.Errorf("POST /v1/cases: status %d", status)
		}
		return opened.ID, nil
	}
	if err := f.h.start(ctx, f.h.consultation, key, &intake); err != nil {
		return "", fmt.Errorf("unable to open consultation %s: %w", key, err)
	}
	return key, nil
}

func (f consultationFlow) send(ctx context.Context, caseID, event string) error {
	if f.api {
		body, err := json.Marshal(map[string]any{"event": event, "data": consultationData})
		if err != nil {
			return err
		}
		status, err := apiFlow{f.h}.post(ctx, "/v1/cases/"+caseID+"/events", workflows.RoleOperator, "", body, nil)
		switch {
		case err != nil:
			return err
		case status == http.StatusConflict:
			return fmt.Errorf("%w: %s to case %s", errIllegal, event, caseID)
		case status != http.StatusOK:
			return fmt.Errorf("POST %s to case %s: status %d", event, caseID, status)
		}
		return nil
	}
	h, err := f.h.cf.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: f.workflowID(caseID),
		UpdateName: workflows.UpdateEvent,
		Args: []any{workflows.EventRequest{Event: event, Data: consultationData,
			Actor: workflows.Actor{Name: "operator-1", Role: workflows.RoleOperator}}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var view workflows.CaseView
	if err == nil {
		err = h.Get(ctx, &view)
	}
	return updateErr(err, caseID, event)
}

// drive opens a consultation and registers it; it is closed once registered.
func (f consultationFlow) drive(ctx context.Context, _ *probe, key string) (caseTimes, error) {
	return driveConsultation(ctx, f, key)
}

// baselineConsultationFlow opens baseline consultations.
type baselineConsultationFlow struct{ h *harness }

func (f baselineConsultationFlow) variant() string       { return variantBaseline }
func (f baselineConsultationFlow) client() client.Client { return f.h.bl }
func (f baselineConsultationFlow) workflowID(caseID string) string {
	return "baseline-consultation-" + caseID
}

func (f baselineConsultationFlow) open(ctx context.Context, key string) (string, error) {
	_, err := f.h.bl.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: f.workflowID(key), TaskQueue: BaselineTaskQueue, EnableEagerStart: true},
		BaselineConsultationWorkflow, BaselineConsultationInput{CaseID: key, Intake: consultationIntake()})
	if err != nil {
		return "", fmt.Errorf("unable to open baseline consultation %s: %w", key, err)
	}
	return key, nil
}

func (f baselineConsultationFlow) send(ctx context.Context, caseID, event string) error {
	return baselineFlow{f.h}.sendTo(ctx, f.workflowID(caseID), caseID, event)
}

func (f baselineConsultationFlow) drive(ctx context.Context, _ *probe, key string) (caseTimes, error) {
	return driveConsultation(ctx, f, key)
}

// driveConsultation opens a consultation and registers it as soon as it takes
// the registration.
func driveConsultation(ctx context.Context, f flow, key string) (caseTimes, error) {
	ctx, cancel := context.WithTimeout(ctx, caseTimeout)
	defer cancel()
	t := caseTimes{opened: time.Now()}
	var err error
	if t.caseID, err = f.open(ctx, key); err != nil {
		return t, err
	}
	t.answered = time.Now()
	if err := sendWhenLegal(ctx, f, t.caseID, eventRegistered); err != nil {
		return t, err
	}
	t.closed = time.Now()
	return t, nil
}

// BaselineConsultationInput starts a baseline consultation: the same intake a
// consultation gets, without caseflow's configuration snapshot.
type BaselineConsultationInput struct {
	CaseID string                       `json:"case_id"`
	Intake workflows.ConsultationIntake `json:"intake"`
}

// baselineConsultation is the hand-written equivalent of the scenario's
// consultation: no fsm, no registry, no search attributes, no audit trail.
type baselineConsultation struct {
	in    *BaselineConsultationInput
	state string
}

// BaselineConsultation is a bare Temporal workflow with the scenario's path: a
// five-minute post-call timer in a race with the registration (an update with a
// validator), which cancels it and runs a record and a letter.
func BaselineConsultation(ctx workflow.Context, in *BaselineConsultationInput) (*BaselineResult, error) {
	b := &baselineConsultation{in: in, state: "post_call"}
	if err := workflow.SetQueryHandler(ctx, baselineQuery, func() (string, error) { return b.state, nil }); err != nil {
		return nil, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, baselineUpdate, b.handle,
		workflow.UpdateHandlerOptions{Validator: b.validate}); err != nil {
		return nil, err
	}
	tctx, cancel := workflow.WithCancel(ctx)
	fired := false
	timer := workflow.NewTimer(tctx, 5*time.Minute)
	workflow.Go(ctx, func(ctx workflow.Context) { fired = timer.Get(ctx, nil) == nil })
	err := workflow.Await(ctx, func() bool { return fired || b.state != "post_call" })
	cancel()
	if err != nil {
		return nil, err
	}
	if err := workflow.Await(ctx, func() bool { return b.state == "completed" && workflow.AllHandlersFinished(ctx) }); err != nil {
		return nil, err
	}
	return &BaselineResult{State: b.state}, nil
}

func (b *baselineConsultation) validate(ev BaselineEvent) error {
	if ev.Event == eventRegistered && b.state == "post_call" {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("event %s is not allowed in state %s", ev.Event, b.state),
		workflows.ErrTypeIllegalTransition, nil)
}

func (b *baselineConsultation) handle(ctx workflow.Context, ev BaselineEvent) (string, error) {
	if err := b.validate(ev); err != nil {
		return "", err
	}
	b.state = "completed"
	bc := &baselineCase{in: &BaselineInput{CaseID: b.in.CaseID}}
	for _, e := range []effect{{false, "consultation"}, {true, "routing"}} {
		if err := bc.act(ctx, e); err != nil {
			return "", err
		}
	}
	return b.state, nil
}
