package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/workflows"
)

// Variants of a run: caseflow through the Temporal client, caseflow through its
// HTTP API, and the baseline.
const (
	variantCaseflow = "caseflow"
	variantAPI      = "caseflow-api"
	variantBaseline = "baseline"
)

// flow opens cases of one variant and sends them people's events.
type flow interface {
	variant() string
	// open starts a case for the idempotency key and returns its case ID.
	open(ctx context.Context, key string) (caseID string, err error)
	// send applies an event; errIllegal means the case refused it in its state.
	send(ctx context.Context, caseID, event string) error
	// workflowID is the case's workflow ID.
	workflowID(caseID string) string
	client() client.Client
}

// errIllegal is an event refused as illegal in the case's current state.
var errIllegal = errors.New("event refused in the current state")

// caseTimeout bounds one case's run; a case that takes longer fails the run.
const caseTimeout = 2 * time.Minute

// benchIntake is the PLC intake every benchmark case opens with: an e-mail
// contact, so the intake sends all three of its letters.
func benchIntake() workflows.PLCIntake {
	return workflows.PLCIntake{
		CommonIntake: workflows.CommonIntake{
			Type: "plc", Channel: workflows.ChannelEmail,
			Customer: workflows.Customer{
				FullName: "Иванов Иван Иванович", Phone: "+7 912 345-67-89",
				Email: "ivanov@example.com", Address: "Москва, ул. Примерная, 1",
			},
			Product: workflows.Product{
				Brand: "Haier", Model: "HW60-BP10919B", Category: "washing_machine",
				PurchaseDate: "2025-03-01", Store: "М.Видео",
			},
			Description: "Стиральная машина загорелась во время стирки, обгорел пол",
		},
		Mood:            "взволнован, требует срочного решения",
		Demands:         []string{"заменить технику", "компенсировать ремонт пола"},
		PreviousService: []workflows.PreviousService{{Number: "SR-777", Date: "2025-03-05", ASC: "АСЦ Север"}},
		Attachments:     []string{"mail-42.eml"},
		SourceTicket:    "usedesk:5555",
	}
}

// events are people's events as the benchmark sends them: who sends each and
// its data. Through the API the sender is the example config's token of the role.
var events = map[string]struct {
	actor workflows.Actor
	data  json.RawMessage
}{
	eventVerdict: {workflows.Actor{Name: "engineer-1", Role: workflows.RoleEngineer}, json.RawMessage(`{"plc":true,"comment":"возгорание по вине техники"}`)},
	eventNote:    {workflows.Actor{Name: "operator-1", Role: workflows.RoleOperator}, json.RawMessage(`{"note":"клиент звонил повторно"}`)},
	eventClose:   {workflows.Actor{Name: "supervisor-1", Role: workflows.RoleSupervisor}, json.RawMessage(`{"note":"урегулировано"}`)},
}

// caseflowFlow starts PLC cases with the Temporal client, with the start options
// the API uses, and sends events as updates.
type caseflowFlow struct{ h *harness }

func (f caseflowFlow) variant() string                 { return variantCaseflow }
func (f caseflowFlow) client() client.Client           { return f.h.cf }
func (f caseflowFlow) workflowID(caseID string) string { return workflows.WorkflowID("plc", caseID) }

func (f caseflowFlow) open(ctx context.Context, key string) (string, error) {
	intake := benchIntake()
	if err := f.h.start(ctx, f.h.caseType, key, &intake); err != nil {
		return "", fmt.Errorf("unable to open case %s: %w", key, err)
	}
	return key, nil
}

func (f caseflowFlow) send(ctx context.Context, caseID, event string) error {
	e := events[event]
	h, err := f.h.cf.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   f.workflowID(caseID),
		UpdateName:   workflows.UpdateEvent,
		Args:         []any{workflows.EventRequest{Event: event, Data: e.data, Actor: e.actor}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var view workflows.CaseView
	if err == nil {
		err = h.Get(ctx, &view)
	}
	return updateErr(err, caseID, event)
}

// updateErr maps an update's error: an illegal transition becomes errIllegal.
func updateErr(err error, caseID, event string) error {
	var appErr *temporal.ApplicationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &appErr) && appErr.Type() == workflows.ErrTypeIllegalTransition:
		return fmt.Errorf("%w: %s to case %s", errIllegal, event, caseID)
	}
	return fmt.Errorf("unable to send %s to %s: %w", event, caseID, err)
}

// baselineFlow starts baseline cases and sends them events as updates.
type baselineFlow struct{ h *harness }

func (f baselineFlow) variant() string                 { return variantBaseline }
func (f baselineFlow) client() client.Client           { return f.h.bl }
func (f baselineFlow) workflowID(caseID string) string { return "baseline-" + caseID }

func (f baselineFlow) open(ctx context.Context, key string) (string, error) {
	_, err := f.h.bl.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        f.workflowID(key),
		TaskQueue: BaselineTaskQueue,
		// Eager, as caseflow's cases start (cases.Starter): the comparison
		// is of the workflows, not of the start's path.
		EnableEagerStart: true,
	}, BaselineWorkflow, BaselineInput{CaseID: key, Intake: benchIntake()})
	if err != nil {
		return "", fmt.Errorf("unable to open baseline case %s: %w", key, err)
	}
	return key, nil
}

func (f baselineFlow) send(ctx context.Context, caseID, event string) error {
	return f.sendTo(ctx, f.workflowID(caseID), caseID, event)
}

// sendTo sends an event to the baseline workflow wid, a case or a consultation.
func (f baselineFlow) sendTo(ctx context.Context, wid, caseID, event string) error {
	h, err := f.h.bl.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   wid,
		UpdateName:   baselineUpdate,
		Args:         []any{BaselineEvent{Event: event}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var state string
	if err == nil {
		err = h.Get(ctx, &state)
	}
	return updateErr(err, caseID, event)
}

// apiFlow opens PLC cases and sends events through caseflow's HTTP API, with
// the example config's tokens of the roles that do it in real life.
type apiFlow struct{ h *harness }

func (f apiFlow) variant() string                 { return variantAPI }
func (f apiFlow) client() client.Client           { return f.h.cf }
func (f apiFlow) workflowID(caseID string) string { return workflows.WorkflowID("plc", caseID) }

func (f apiFlow) open(ctx context.Context, key string) (string, error) {
	body, err := json.Marshal(benchIntake())
	if err != nil {
		return "", err
	}
	var opened struct {
		ID string `json:"id"`
	}
	status, err := f.post(ctx, "/v1/cases", workflows.RoleExpert, key, body, &opened)
	switch {
	case err != nil:
		return "", err
	case status != http.StatusCreated || opened.ID == "":
		return "", fmt.Errorf("POST /v1/cases: status %d", status)
	}
	return opened.ID, nil
}

func (f apiFlow) send(ctx context.Context, caseID, event string) error {
	e := events[event]
	body, err := json.Marshal(map[string]any{"event": event, "data": e.data})
	if err != nil {
		return err
	}
	status, err := f.post(ctx, "/v1/cases/"+caseID+"/events", e.actor.Role, "", body, nil)
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

// post sends a JSON request as role and decodes a 2xx answer into out.
func (f apiFlow) post(ctx context.Context, path, role, key string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.h.apiURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.h.tokens[role])
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := f.h.httpc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("POST %s: %w", path, err)
	}
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return 0, fmt.Errorf("POST %s: %w", path, err)
		}
	}
	return resp.StatusCode, nil
}

// caseTimes are the moments of one case's run.
type caseTimes struct {
	caseID string
	// opened is when the intake request was sent; answered when the intake
	// was answered; handed when the engineer's mail reached the mailer;
	// decided when the verdict was applied; closed when the close event was.
	opened, answered, handed, decided, closed time.Time
}

// took is the case's time from its intake request to its last event.
func (t caseTimes) took() time.Duration { return t.closed.Sub(t.opened) }

// phases says how long each step of the case took, each from the step before
// it (steps a flow has not got are left out), for the progress report of a
// run's slowest case.
func (t caseTimes) phases() string {
	out := fmt.Sprintf("%s in all", t.took().Round(time.Millisecond))
	prev := t.opened
	for _, s := range []struct {
		name string
		at   time.Time
	}{{"intake answered", t.answered}, {"engineer's mail", t.handed}, {"verdict applied", t.decided}, {"last event applied", t.closed}} {
		if !s.at.IsZero() {
			out += fmt.Sprintf(", %s +%s", s.name, s.at.Sub(prev).Round(time.Millisecond))
			prev = s.at
		}
	}
	return out
}

// driver is a flow whose cases are not the PLC cases runCase drives.
type driver interface {
	drive(ctx context.Context, p *probe, key string) (caseTimes, error)
}

// drive runs one case of f from its intake to its close.
func drive(ctx context.Context, f flow, p *probe, key string) (caseTimes, error) {
	if d, ok := f.(driver); ok {
		return d.drive(ctx, p, key)
	}
	return runCase(ctx, f, p, key)
}

// runCase opens a case and drives it to its verdict and close: the verdict is
// sent once the engineer's mail is out, and again while the case is still in
// intake.
func runCase(ctx context.Context, f flow, p *probe, key string) (caseTimes, error) {
	ctx, cancel := context.WithTimeout(ctx, caseTimeout)
	defer cancel()
	t := caseTimes{opened: time.Now()}
	var err error
	if t.caseID, err = f.open(ctx, key); err != nil {
		return t, err
	}
	t.answered = time.Now()
	if t.handed, err = p.wait(ctx, t.caseID); err != nil {
		return t, fmt.Errorf("case %s: the engineer's mail never came: %w", t.caseID, err)
	}
	if err := sendWhenLegal(ctx, f, t.caseID, eventVerdict); err != nil {
		return t, err
	}
	t.decided = time.Now()
	if err := f.send(ctx, t.caseID, eventClose); err != nil {
		return t, err
	}
	t.closed = time.Now()
	return t, nil
}

// sendWhenLegal sends an event, retrying with backoff while the case refuses it
// as illegal (it is still in intake).
func sendWhenLegal(ctx context.Context, f flow, caseID, event string) error {
	backoff := 2 * time.Millisecond
	for {
		err := f.send(ctx, caseID, event)
		if !errors.Is(err, errIllegal) {
			return err
		}
		if err := sleep(ctx, backoff); err != nil {
			return fmt.Errorf("case %s still refuses %s: %w", caseID, event, err)
		}
		backoff = min(2*backoff, 50*time.Millisecond)
	}
}
