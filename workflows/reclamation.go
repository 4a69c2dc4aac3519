package workflows

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/calendar"
	sm "github.com/caseflow/caseflow/statemachines"
)

// SLA policy names the claim settlement uses.
const (
	PolicyReclamationQualification = "reclamation.qualification"
	PolicyReclamationDocument      = "reclamation.document"
	PolicyReclamationTaskReminder  = "reclamation.task_reminder"
	PolicyReclamationActionTask    = "reclamation.action_task"
)

// Kinds of claim tasks.
const (
	ClaimTaskQualification = "qualification"  // the quality director qualifies the claim
	ClaimTaskInitiatorData = "initiator_data" // the initiator completes the data
	ClaimTaskDocument      = "document"       // an executor prepares a document
	ClaimTaskCommission    = "commission"     // the quality director holds the commission meeting
	ClaimTaskAction        = "action"         // an executor carries out a step of the action plan
	ClaimTaskConfirmation  = "confirmation"   // the quality director gets the client's confirmation
)

// Statuses of claim tasks, as the claim card's task list shows them.
const (
	ClaimTaskOpen     = "open"
	ClaimTaskOverdue  = "overdue" // still open, its due has passed
	ClaimTaskDone     = "done"
	ClaimTaskArchived = "archived" // the archive record of a closed claim
)

// ClaimDocuments are the documents every investigation gathers (seed 004); the
// quality director may add others.
var ClaimDocuments = []Document{
	{"contract", "Договор между предприятием и клиентом"},
	{"technical_specification", "Техническое задание"},
	{"acceptance_documents", "Приёмо-сдаточные документы"},
	{"monitoring_data", "Данные последнего мониторинга"},
}

// ReclamationIntake is the claim registration form (seed 004). The registration
// date, the claim number and the title are the system's.
type ReclamationIntake struct {
	CommonIntake
	// ReceivedBy is the employee who received the claim, its initiator: the name the
	// API knows them by, since the return-for-data task is theirs.
	ReceivedBy string `json:"received_by" jsonschema:"description=the employee who received the claim (its initiator) as the API names them"`
	// ReceivedByRole is the initiator's role, for their task; default operator.
	ReceivedByRole string `json:"received_by_role,omitempty" jsonschema:"enum=operator,enum=expert,enum=supervisor,enum=engineer,enum=quality_director,enum=executor"`
	// ReceivedByEmail, when given, gets the quality director's return-for-data notes.
	ReceivedByEmail string `json:"received_by_email,omitempty" jsonschema:"format=email"`
	Client          string `json:"client" jsonschema:"description=the client who claims"`
	// ClientEmail receives the written letters; customer.email serves when it is empty.
	ClientEmail         string   `json:"client_email,omitempty" jsonschema:"format=email,description=where the client's written letters go"`
	Project             string   `json:"project" jsonschema:"description=the project the claimed work was done in"`
	ContractNumber      string   `json:"contract_number,omitempty" jsonschema:"description=if known"`
	SerialNumbers       []string `json:"serial_numbers,omitempty" jsonschema:"description=equipment serial numbers if known"`
	ShipmentDate        string   `json:"shipment_date" jsonschema:"format=date"`
	ShipmentResponsible string   `json:"shipment_responsible" jsonschema:"description=who was responsible for the shipment"`
	Documents           []string `json:"documents" jsonschema:"description=electronic copies of documents (references)"`
	Comment             string   `json:"comment" jsonschema:"description=the situation and the client's complaints"`
}

// Validate checks the registration form. The contract and serial numbers are
// optional: the seed enters them "if there is information".
func (in *ReclamationIntake) Validate() error {
	errs := []error{
		validChannel(in.Channel, ChannelPhone, ChannelSMS, ChannelEmail, ChannelInPerson),
		required("received_by", in.ReceivedBy),
	}
	if in.ReceivedByRole != "" {
		errs = append(errs, oneOf("received_by_role", in.ReceivedByRole, Roles...))
	}
	if in.ReceivedByEmail != "" {
		errs = append(errs, validEmail("received_by_email", in.ReceivedByEmail))
	}
	errs = append(errs, required("client", in.Client))
	switch {
	case in.ClientEmail != "":
		errs = append(errs, validEmail("client_email", in.ClientEmail))
	case in.Customer.Email != "":
		errs = append(errs, validEmail("customer.email", in.Customer.Email))
	default:
		errs = append(errs, fieldErr("client_email", "is required: the client's written letters go there"))
	}
	errs = append(errs,
		required("project", in.Project),
		required("shipment_date", in.ShipmentDate),
		isoDate("shipment_date", in.ShipmentDate),
		required("shipment_responsible", in.ShipmentResponsible),
	)
	for i, s := range in.SerialNumbers {
		errs = append(errs, required(fmt.Sprintf("serial_numbers[%d]", i), s))
	}
	if len(in.Documents) == 0 {
		errs = append(errs, fieldErr("documents", "must list at least one document"))
	}
	for i, d := range in.Documents {
		errs = append(errs, required(fmt.Sprintf("documents[%d]", i), d))
	}
	errs = append(errs, required("comment", in.Comment))
	return firstErr(errs...)
}

// clientEmail is where the client's letters go.
func (in *ReclamationIntake) clientEmail() string {
	if in.ClientEmail != "" {
		return in.ClientEmail
	}
	return in.Customer.Email
}

// initiatorRole is the role of the initiator's task.
func (in *ReclamationIntake) initiatorRole() string {
	if in.ReceivedByRole != "" {
		return in.ReceivedByRole
	}
	return RoleOperator
}

// ReclamationInput starts a claim settlement, or continues one: Carry and Claim
// are set when a run continues as new.
type ReclamationInput struct {
	Case   CaseMeta          `json:"case"`
	Intake ReclamationIntake `json:"intake"`
	Env    CaseEnv           `json:"env"`
	Carry  *CoreState        `json:"carry,omitempty"`
	Claim  *ReclamationData  `json:"claim,omitempty"`
}

// Event data of the claim settlement.
type (
	// ClaimReturnData returns the claim to its initiator for more data.
	ClaimReturnData struct {
		Comment string `json:"comment" jsonschema:"description=what data is missing"`
	}
	// ClaimResubmitData is the initiator's completed data. Given fields replace the
	// form's (serial numbers and documents are added to it).
	ClaimResubmitData struct {
		Comment             string   `json:"comment" jsonschema:"description=what was completed"`
		ContractNumber      string   `json:"contract_number,omitempty"`
		SerialNumbers       []string `json:"serial_numbers,omitempty"`
		ShipmentDate        string   `json:"shipment_date,omitempty" jsonschema:"format=date"`
		ShipmentResponsible string   `json:"shipment_responsible,omitempty"`
		Documents           []string `json:"documents,omitempty"`
		ClientEmail         string   `json:"client_email,omitempty" jsonschema:"format=email"`
	}
	// ClaimRejectData rejects the claim as unfounded.
	ClaimRejectData struct {
		Reason string `json:"reason" jsonschema:"description=why the claim is unfounded; the client reads it"`
	}
	// ClaimExecutor names who prepares a document for the investigation.
	ClaimExecutor struct {
		// Document is a ClaimDocuments code or the title of another document.
		Document string `json:"document" jsonschema:"description=contract | technical_specification | acceptance_documents | monitoring_data | the title of another document"`
		Name     string `json:"name" jsonschema:"description=the executor as the API names them"`
		Email    string `json:"email" jsonschema:"format=email"`
	}
	// ClaimInvestigationData opens the investigation.
	ClaimInvestigationData struct {
		// HearingDate is YYYY-MM-DD (the commission meets by the close of that working
		// day) or an RFC 3339 time.
		HearingDate string          `json:"hearing_date" jsonschema:"description=YYYY-MM-DD or an RFC 3339 time"`
		Executors   []ClaimExecutor `json:"executors" jsonschema:"description=who prepares which document; the four standard documents are required"`
	}
	// ClaimDocumentReadyData reports a document task done.
	ClaimDocumentReadyData struct {
		TaskID      string   `json:"task_id"`
		Note        string   `json:"note,omitempty"`
		Attachments []string `json:"attachments,omitempty"`
	}
	// ClaimPlanItem is a step of the commission's action plan.
	ClaimPlanItem struct {
		Task     string `json:"task"`
		Assignee string `json:"assignee" jsonschema:"description=the executor as the API names them"`
		// Email may be left out for an executor the claim already knows.
		Email string `json:"email,omitempty" jsonschema:"format=email"`
		// Due is an RFC 3339 time, a date (the close of that working day) or working
		// time from now ("3 working days"); empty: reclamation.action_task.
		Due string `json:"due,omitempty" jsonschema:"description=RFC 3339 time | YYYY-MM-DD | working time such as 3 working days"`
	}
	// ClaimCommissionData is the commission meeting's outcome.
	ClaimCommissionData struct {
		Protocol string          `json:"protocol"`
		Causes   string          `json:"causes,omitempty" jsonschema:"description=the causes of the claim the commission found (for the archive)"`
		Members  []string        `json:"members,omitempty"`
		Plan     []ClaimPlanItem `json:"plan"`
	}
	// ClaimTaskReportData is an executor's report on an action-plan task.
	ClaimTaskReportData struct {
		TaskID      string   `json:"task_id"`
		Report      string   `json:"report"`
		Attachments []string `json:"attachments,omitempty"`
	}
	// ClaimConfirmationData is the client's answer on the remediation.
	ClaimConfirmationData struct {
		Resolved *bool  `json:"resolved"`
		Comment  string `json:"comment,omitempty"`
		// HearingDate dates the next commission meeting when not resolved;
		// empty: reclamation.document from now.
		HearingDate string `json:"hearing_date,omitempty" jsonschema:"description=next commission meeting when not resolved: YYYY-MM-DD or RFC 3339"`
	}
)

// Validate requires the comment.
func (d *ClaimReturnData) Validate() error { return required("comment", d.Comment) }

// Validate requires a comment and well-formed fields.
func (d *ClaimResubmitData) Validate() error {
	errs := []error{required("comment", d.Comment), isoDate("shipment_date", d.ShipmentDate)}
	if d.ClientEmail != "" {
		errs = append(errs, validEmail("client_email", d.ClientEmail))
	}
	for i, s := range d.SerialNumbers {
		errs = append(errs, required(fmt.Sprintf("serial_numbers[%d]", i), s))
	}
	for i, s := range d.Documents {
		errs = append(errs, required(fmt.Sprintf("documents[%d]", i), s))
	}
	return firstErr(errs...)
}

// Validate requires the reason.
func (d *ClaimRejectData) Validate() error { return required("reason", d.Reason) }

// Validate requires the document, the executor and their e-mail.
func (d *ClaimExecutor) Validate() error { return d.check("") }

func (d *ClaimExecutor) check(prefix string) error {
	return firstErr(required(prefix+"document", d.Document), required(prefix+"name", d.Name),
		required(prefix+"email", d.Email), validEmail(prefix+"email", d.Email))
}

// Validate requires the hearing date and an executor for each standard document,
// each document once.
func (d *ClaimInvestigationData) Validate() error {
	if err := required("hearing_date", d.HearingDate); err != nil {
		return err
	}
	if _, err := parseDue("hearing_date", d.HearingDate, false); err != nil {
		return err
	}
	if len(d.Executors) == 0 {
		return fieldErr("executors", "must name who prepares each document")
	}
	var seen []string
	for i := range d.Executors {
		e := &d.Executors[i]
		if err := e.check(fmt.Sprintf("executors[%d].", i)); err != nil {
			return err
		}
		if slices.Contains(seen, e.Document) {
			return fieldErr(fmt.Sprintf("executors[%d].document", i), "%q is listed twice", e.Document)
		}
		seen = append(seen, e.Document)
	}
	for _, doc := range ClaimDocuments {
		if !slices.Contains(seen, doc.Code) {
			return fieldErr("executors", "no executor for %s (%s)", doc.Code, doc.Title)
		}
	}
	return nil
}

// Validate requires the task.
func (d *ClaimDocumentReadyData) Validate() error { return required("task_id", d.TaskID) }

// Validate requires the protocol and a plan of at least one step.
func (d *ClaimCommissionData) Validate() error {
	if err := required("protocol", d.Protocol); err != nil {
		return err
	}
	if len(d.Plan) == 0 {
		return fieldErr("plan", "must have at least one step")
	}
	for i, p := range d.Plan {
		f := fmt.Sprintf("plan[%d].", i)
		errs := []error{required(f+"task", p.Task), required(f+"assignee", p.Assignee)}
		if p.Email != "" {
			errs = append(errs, validEmail(f+"email", p.Email))
		}
		if err := firstErr(errs...); err != nil {
			return err
		}
		if _, err := parseDue(f+"due", p.Due, true); err != nil {
			return err
		}
	}
	return nil
}

// Validate requires the task and the report.
func (d *ClaimTaskReportData) Validate() error {
	return firstErr(required("task_id", d.TaskID), required("report", d.Report))
}

// Validate requires the client's answer.
func (d *ClaimConfirmationData) Validate() error {
	if d.Resolved == nil {
		return fieldErr("resolved", "is required (true: every remark is resolved, false: the cycle repeats)")
	}
	if d.HearingDate != "" {
		if *d.Resolved {
			return fieldErr("hearing_date", "only dates the next meeting of an unresolved claim")
		}
		if _, err := parseDue("hearing_date", d.HearingDate, false); err != nil {
			return err
		}
	}
	return nil
}

// dueSpec is a due as people give it; the zero value means the default policy.
type dueSpec struct {
	at     time.Time        // an RFC 3339 moment
	date   string           // YYYY-MM-DD: the close of that working day
	policy *calendar.Policy // working time from now, e.g. "3 working days"
}

// parseDue reads a due; durations allows working time such as "3 working days".
func parseDue(field, v string, durations bool) (dueSpec, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return dueSpec{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return dueSpec{at: t}, nil
	}
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return dueSpec{date: v}, nil
	}
	if durations {
		if p, err := calendar.ParsePolicy(field, v, calendar.DefaultCalendar); err == nil {
			return dueSpec{policy: &p}, nil
		}
		return dueSpec{}, fieldErr(field, "must be an RFC 3339 time, a date YYYY-MM-DD or working time such as \"3 working days\", not %q", v)
	}
	return dueSpec{}, fieldErr(field, "must be a date YYYY-MM-DD or an RFC 3339 time, not %q", v)
}

var reclamationType = &CaseType{
	Name:        "reclamation",
	Title:       "Claim settlement (рекламация)",
	Machine:     sm.Reclamation,
	IntakeRoles: Roles,
	IntakeType:  reflect.TypeFor[ReclamationIntake](),
	Events: []EventSpec{
		newEvent[ClaimReturnData]("return_for_data", "The quality director returns the claim to its initiator for more data.",
			[]string{RoleQualityDirector}, nil, sm.RecReturnForData),
		newEvent[ClaimResubmitData]("resubmit", "The initiator (received_by) sends the completed data back for qualification.",
			Roles, nil, sm.RecResubmit),
		newEvent[ClaimRejectData]("reject", "The quality director rejects the claim as unfounded; the client is told in writing.",
			[]string{RoleQualityDirector}, nil, sm.RecReject),
		newEvent[ClaimInvestigationData]("open_investigation", "The quality director opens an investigation: the client gets the registration number and the hearing date, executors get document tasks.",
			[]string{RoleQualityDirector}, nil, sm.RecOpenInvestigation),
		newEvent[ClaimExecutor]("request_document", "The quality director asks for one more document.",
			[]string{RoleQualityDirector}, nil, sm.RecRequestDocument),
		newEvent[ClaimDocumentReadyData]("document_ready", "An executor reports a document task done; the last one convenes the commission.",
			[]string{RoleExecutor, RoleQualityDirector}, nil, sm.RecDocumentReady),
		newEvent[ClaimCommissionData]("commission_held", "The commission met: protocol and action plan go to the client, plan steps to executors.",
			[]string{RoleQualityDirector}, nil, sm.RecCommissionHeld),
		newEvent[ClaimTaskReportData]("task_reported", "An executor reports an action-plan task done.",
			[]string{RoleExecutor, RoleQualityDirector}, nil, sm.RecTaskReported),
		newEvent("client_confirmation", "The client's answer: every remark resolved (the claim closes) or not (the cycle repeats).",
			[]string{RoleQualityDirector}, func(d *ClaimConfirmationData) string {
				if *d.Resolved {
					return sm.RecConfirmResolved
				}
				return sm.RecConfirmUnresolved
			}, sm.RecConfirmResolved, sm.RecConfirmUnresolved),
	},
	decodeIntake: func(raw json.RawMessage) (any, error) { return DecodeStrict[ReclamationIntake](raw) },
	newInput: func(meta CaseMeta, intake any, env CaseEnv) any {
		return &ReclamationInput{Case: meta, Intake: *intake.(*ReclamationIntake), Env: env}
	},
	memo: func(intake any) string {
		return "Рекламация · проект " + intake.(*ReclamationIntake).Project
	},
}

// The workflow refers to reclamationType, so it joins the description here.
func init() { reclamationType.Workflow = Reclamation }

// ClaimTaskEntry is a task on the claim card: who, by when, and how it ended.
type ClaimTaskEntry struct {
	TaskID   string `json:"task_id"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Role     string `json:"role"`
	Assignee string `json:"assignee,omitempty"`
	Email    string `json:"email,omitempty"`
	// Document is the document a document task prepares.
	Document string `json:"document,omitempty"`
	// Cycle is the remediation cycle of an action or commission task.
	Cycle       int        `json:"cycle,omitempty"`
	Due         time.Time  `json:"due"`
	RemindAt    *time.Time `json:"remind_at,omitempty"`
	Reminded    bool       `json:"reminded,omitempty"`
	Deadline    string     `json:"deadline"`
	Status      string     `json:"status"`
	Report      string     `json:"report,omitempty"`
	Attachments []string   `json:"attachments,omitempty"`
	DoneBy      string     `json:"done_by,omitempty"`
	DoneAt      *time.Time `json:"done_at,omitempty"`
}

// ClaimReturn is one return of the claim to its initiator.
type ClaimReturn struct {
	Comment         string     `json:"comment"`
	By              string     `json:"by"`
	At              time.Time  `json:"at"`
	Completion      string     `json:"completion,omitempty"`
	ResubmittedBy   string     `json:"resubmitted_by,omitempty"`
	ResubmittedAt   *time.Time `json:"resubmitted_at,omitempty"`
	CompletedFields []string   `json:"completed_fields,omitempty"`
}

// ClaimDecision is the quality director's decision on the claim.
type ClaimDecision struct {
	Outcome     string    `json:"outcome"` // rejected | investigation
	Reason      string    `json:"reason,omitempty"`
	HearingDate string    `json:"hearing_date,omitempty"`
	HearingDue  time.Time `json:"hearing_due,omitzero"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// ClaimCommission is one commission meeting and its plan.
type ClaimCommission struct {
	Cycle    int      `json:"cycle"`
	Protocol string   `json:"protocol"`
	Causes   string   `json:"causes,omitempty"`
	Members  []string `json:"members,omitempty"`
	// Tasks are the IDs of the plan's tasks, in plan order.
	Tasks []string  `json:"tasks"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// ClaimConfirmation is the client's answer at the end of a cycle.
type ClaimConfirmation struct {
	Cycle    int       `json:"cycle"`
	Resolved bool      `json:"resolved"`
	Comment  string    `json:"comment,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// ClaimArchive is what the company's archive keeps of a closed claim: the client's
// remarks, the causes and the remedies.
type ClaimArchive struct {
	Remarks  []string `json:"remarks"`
	Causes   []string `json:"causes"`
	Remedies []string `json:"remedies"`
}

// ReclamationData is the claim card: the case view's data.
type ReclamationData struct {
	ClaimNumber  int64     `json:"claim_number"`
	RegisteredAt time.Time `json:"registered_at"`
	Title        string    `json:"title"`
	// Form is the registration form as last completed.
	Form          ReclamationIntake   `json:"form"`
	Returns       []ClaimReturn       `json:"returns"`
	Decision      *ClaimDecision      `json:"decision,omitempty"`
	Cycle         int                 `json:"cycle"`
	Commissions   []ClaimCommission   `json:"commissions"`
	Confirmations []ClaimConfirmation `json:"confirmations"`
	Tasks         []ClaimTaskEntry    `json:"tasks"`
	// Works is the closing package's full list of works.
	Works    []string      `json:"works,omitempty"`
	Archive  *ClaimArchive `json:"archive,omitempty"`
	ClosedAt *time.Time    `json:"closed_at,omitempty"`
}

// reclamationCase is a running claim settlement.
type reclamationCase struct {
	*caseCore
	in   *ReclamationInput
	data ReclamationData
	// runs counts the runs before this one.
	runs int
	// cycleEnded is set when a cycle ends unresolved: the run continues as new.
	cycleEnded bool
	// busy counts side effects that task watchers have in flight.
	busy int
}

// Reclamation runs a claim settlement (seed 004) from registration to its end.
// Each unresolved remediation cycle ends the run, which continues as new with the
// case's state, so a claim may loop any number of times with a bounded history.
func Reclamation(ctx workflow.Context, in *ReclamationInput) (*CaseResult, error) {
	w := &reclamationCase{in: in}
	w.caseCore = newCore(ctx, in.Case, reclamationType, in.Env, "")
	w.caseCore.data = func() any { return w.data }
	w.caseCore.apply = w.apply
	w.caseCore.guard = w.guard
	if in.Carry != nil && in.Claim != nil {
		w.restoreCore(ctx, in.Carry)
		w.runs = in.Carry.Runs
		w.data = *in.Claim
	} else {
		w.data = ReclamationData{Form: in.Intake, Returns: []ClaimReturn{}, Commissions: []ClaimCommission{},
			Confirmations: []ClaimConfirmation{}, Tasks: []ClaimTaskEntry{}}
	}
	if err := w.setup(ctx); err != nil {
		return nil, err
	}
	return w.run(ctx)
}

func (w *reclamationCase) run(ctx workflow.Context) (*CaseResult, error) {
	if w.state() == sm.RecRegistration {
		if err := w.lock.Lock(ctx); err != nil {
			return nil, err
		}
		err := w.register(ctx)
		w.lock.Unlock()
		if err != nil {
			return nil, err
		}
	} else {
		for _, t := range w.data.Tasks {
			if t.Status == ClaimTaskOpen || t.Status == ClaimTaskOverdue {
				w.watchTask(ctx, t.TaskID)
			}
		}
	}
	err := workflow.Await(ctx, func() bool { return w.terminal() || w.cycleEnded || continueAsNewSuggested(ctx) })
	if err != nil {
		return nil, err
	}
	if w.terminal() {
		return w.finish(ctx)
	}
	return nil, w.continueAsNew(ctx, w.runs, func() bool { return w.busy == 0 }, func(carry *CoreState) any {
		claim := w.data
		return &ReclamationInput{Case: w.in.Case, Intake: w.in.Intake, Env: w.in.Env, Carry: carry, Claim: &claim}
	})
}

// register assigns the claim its number, date and title, records the card and
// hands the claim to the quality director.
func (w *reclamationCase) register(ctx workflow.Context) error {
	form := &w.data.Form
	w.data.RegisteredAt = w.openedAt
	w.data.Title = fmt.Sprintf("Рекламация от %s: %s, проект «%s»", w.date(w.openedAt), form.Client, form.Project)
	var claim activities.Claim
	if w.caseCore.run(ctx, "claim", a.CreateClaim, activities.Claim{
		Key: w.key("claim"), CaseID: w.meta.ID, Title: w.data.Title, Stage: w.state(),
		Fields: claimFields(form), RegisteredAt: w.openedAt,
	}, &claim) {
		w.data.ClaimNumber = claim.Number
	}
	if err := w.move(ctx, sm.RecRegister, system, fmt.Sprintf("claim № %d registered", w.data.ClaimNumber)); err != nil {
		return err
	}
	return w.askQualification(ctx)
}

// claimFields are the card's fields from the registration form.
func claimFields(f *ReclamationIntake) map[string]any {
	return map[string]any{
		"channel": f.Channel, "received_by": f.ReceivedBy, "client": f.Client, "client_email": f.clientEmail(),
		"project": f.Project, "contract_number": f.ContractNumber, "serial_numbers": f.SerialNumbers,
		"shipment_date": f.ShipmentDate, "shipment_responsible": f.ShipmentResponsible,
		"documents": f.Documents, "comment": f.Comment,
	}
}

// move fires an event and keeps the claim card's stage in step with the machine.
func (w *reclamationCase) move(ctx workflow.Context, event string, actor Actor, note string) error {
	from := w.state()
	if err := w.fire(ctx, event, actor, note); err != nil {
		return err
	}
	if w.state() != from && w.data.ClaimNumber != 0 {
		var out activities.Claim
		w.caseCore.run(ctx, w.step("claim-stage"), a.SetClaimStage, activities.ClaimStageInput{Number: w.data.ClaimNumber, Stage: w.state()}, &out)
	}
	return nil
}

// askQualification opens the quality director's qualification task.
func (w *reclamationCase) askQualification(ctx workflow.Context) error {
	t, err := w.assign(ctx, ClaimTaskEntry{
		Kind: ClaimTaskQualification, Role: RoleQualityDirector,
		Title: fmt.Sprintf("Ознакомиться с рекламацией № %d, квалифицировать её и принять решение: вернуть инициатору, отказать или назначить разбирательство", w.data.ClaimNumber),
	}, dueSpec{}, PolicyReclamationQualification, []string{"return_for_data", "reject", "open_investigation"})
	if err != nil {
		return err
	}
	dir := w.env.Directory.QualityDirector
	if dir.Email != "" {
		data := w.mailData()
		data["Due"] = w.clock(t.Due)
		data["Resubmitted"] = len(w.data.Returns) > 0
		w.mail(ctx, w.step("qualification-task"), "reclamation_qualification_task", []string{dir.Email}, nil, data, nil)
	}
	return nil
}

// assign opens a task of the claim: the human task, its tracked deadline (due as
// given, else the policy from now), the card's task record, the executor's letter
// and the watcher that reminds and breaches.
func (w *reclamationCase) assign(ctx workflow.Context, e ClaimTaskEntry, due dueSpec, policy string, events []string) (ClaimTaskEntry, error) {
	now := workflow.Now(ctx)
	at, basis, err := w.resolveDue("due", due, policy, now)
	if err != nil {
		return e, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unable to compute the due of %q: %v", e.Title, err), "Config", err)
	}
	t := w.addTask(ctx, Task{Title: e.Title, Role: e.Role, Assignee: e.Assignee, Due: at, Events: events})
	e.TaskID, e.Due, e.Status = t.ID, at, ClaimTaskOpen
	e.Deadline = e.Kind + ":" + shortTaskID(t.ID)
	if e.Email != "" {
		if r, err := w.env.Calendars.DueBefore(PolicyReclamationTaskReminder, at); err == nil && r.Due.After(now) {
			e.RemindAt = &r.Due
		}
	}
	w.deadline = append(w.deadline, Deadline{Name: e.Deadline, Due: at, Basis: basis})
	w.upsertSearch(ctx)
	w.data.Tasks = append(w.data.Tasks, e)
	w.saveTask(ctx, e)
	if e.Email != "" {
		data := w.taskMailData(e)
		w.mail(ctx, "task-assigned-"+shortTaskID(e.TaskID), "reclamation_task_assigned", []string{e.Email}, nil, data, nil)
	}
	w.watchTask(ctx, e.TaskID)
	return e, nil
}

// resolveDue turns a due as given into a time on the policy's calendar; the zero
// spec is the policy itself from now.
func (w *reclamationCase) resolveDue(field string, s dueSpec, policy string, now time.Time) (time.Time, calendar.Basis, error) {
	p, err := w.env.Calendars.Policy(policy)
	if err != nil {
		return time.Time{}, calendar.Basis{}, err
	}
	cal, err := w.env.Calendars.Calendar(p.Calendar)
	if err != nil {
		return time.Time{}, calendar.Basis{}, err
	}
	basis := calendar.Basis{Start: now, Policy: policy, Calendar: cal.Name, CalendarVersion: cal.Version()}
	switch {
	case !s.at.IsZero():
		basis.Duration = "until " + s.at.Format(time.RFC3339)
		return s.at, basis, nil
	case s.date != "":
		d, _ := time.Parse(time.DateOnly, s.date)
		day := cal.Day(d.Year(), d.Month(), d.Day())
		if !day.Working {
			return time.Time{}, basis, fieldErr(field, "%s is not a working day on calendar %s", s.date, cal.Name)
		}
		basis.Duration = "until the close of " + s.date
		return day.Close, basis, nil
	case s.policy != nil:
		given := *s.policy
		given.Calendar = cal.Name
		at, err := given.Apply(cal, now)
		basis.Duration = given.String()
		return at, basis, err
	}
	d, err := w.env.Calendars.Due(policy, now)
	return d.Due, d.Basis, err
}

// shortTaskID is the case-local part of a task ID ("t4").
func shortTaskID(id string) string { return id[strings.LastIndex(id, "-")+1:] }

// entry finds a claim task by ID; nil when there is none. The pointer is good
// until the next task is added.
func (w *reclamationCase) entry(id string) *ClaimTaskEntry {
	for i := range w.data.Tasks {
		if w.data.Tasks[i].TaskID == id {
			return &w.data.Tasks[i]
		}
	}
	return nil
}

func (e *ClaimTaskEntry) open() bool {
	return e.Status == ClaimTaskOpen || e.Status == ClaimTaskOverdue
}

// openOf lists the open tasks of a kind (of a cycle, when cycle > 0).
func (w *reclamationCase) openOf(kind string, cycle int) []string {
	var ids []string
	for _, t := range w.data.Tasks {
		if t.Kind == kind && t.open() && (cycle == 0 || t.Cycle == cycle) {
			ids = append(ids, t.TaskID)
		}
	}
	return ids
}

// complete closes a claim task: kept (or late) deadline, the inbox, the card.
func (w *reclamationCase) complete(ctx workflow.Context, id, by, report string, attachments []string) {
	e := w.entry(id)
	if e == nil || !e.open() {
		return
	}
	now := workflow.Now(ctx)
	e.Status, e.DoneBy, e.DoneAt, e.Report = ClaimTaskDone, by, &now, report
	e.Attachments = append(e.Attachments, attachments...)
	w.meet(ctx, e.Deadline)
	w.closeTask(ctx, id)
	w.saveTask(ctx, *e)
}

// saveTask writes a task to the claim card's task list.
func (w *reclamationCase) saveTask(ctx workflow.Context, e ClaimTaskEntry) {
	if w.data.ClaimNumber == 0 {
		return
	}
	var out activities.ClaimTask
	w.caseCore.run(ctx, "claim-task-"+shortTaskID(e.TaskID), a.UpsertClaimTask, activities.ClaimTask{
		Key: w.key("task/" + shortTaskID(e.TaskID)), ClaimNumber: w.data.ClaimNumber, Title: e.Title,
		Assignee: e.Assignee, Due: e.Due, Status: e.Status, Report: e.Report, CompletedAt: e.DoneAt,
	}, &out)
}

// watchTask reminds the executor before a task's due and breaches the task when
// the due passes with the task still open. It runs beside the case's main line.
func (w *reclamationCase) watchTask(ctx workflow.Context, id string) {
	e := w.entry(id)
	if e == nil {
		return
	}
	due, remindAt, reminded, overdue := e.Due, e.RemindAt, e.Reminded, e.Status == ClaimTaskOverdue
	closed := func() bool {
		e := w.entry(id)
		return e == nil || !e.open() || w.terminal()
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		if remindAt != nil && !reminded && !overdue {
			done, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: until(ctx, *remindAt), TimerOptions: workflow.TimerOptions{Summary: "reminder " + shortTaskID(id)},
			}, closed)
			// The timer may fire in the same workflow task that closed the task.
			if err != nil || done || closed() {
				return
			}
			w.remind(ctx, id)
		}
		if overdue {
			return
		}
		done, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout: until(ctx, due), TimerOptions: workflow.TimerOptions{Summary: "due " + shortTaskID(id)},
		}, closed)
		if err != nil || done || closed() {
			return
		}
		w.overdue(ctx, id)
	})
}

// remind sends the executor the reminder before the task's due.
func (w *reclamationCase) remind(ctx workflow.Context, id string) {
	e := w.entry(id)
	e.Reminded = true
	task := *e
	w.note(ctx, "task_reminder", fmt.Sprintf("%s: reminded %s, due %s", task.TaskID, task.Assignee, task.Due.Format(time.RFC3339)))
	w.busy++
	defer func() { w.busy-- }()
	w.mail(ctx, "reminder-"+shortTaskID(id), "reclamation_task_reminder", []string{task.Email}, nil, w.taskMailData(task), nil)
}

// overdue breaches a task whose due passed: the deadline, the card, and for an
// executor's task a letter to the quality director.
func (w *reclamationCase) overdue(ctx workflow.Context, id string) {
	e := w.entry(id)
	e.Status = ClaimTaskOverdue
	task := *e
	w.breach(ctx, task.Deadline)
	w.busy++
	defer func() { w.busy-- }()
	w.saveTask(ctx, task)
	if dir := w.env.Directory.QualityDirector.Email; dir != "" && task.Email != "" {
		w.mail(ctx, "overdue-"+shortTaskID(id), "reclamation_task_overdue", []string{dir}, []string{task.Email}, w.taskMailData(task), nil)
	}
}

// ownTask refuses an event on a task that is not an open task of the kind, or
// that belongs to someone else: executors act only on their own tasks.
func (w *reclamationCase) ownTask(req EventRequest, field, id, kind string) error {
	e := w.entry(id)
	if e == nil || e.Kind != kind || !e.open() {
		return refuseData(ErrTypeInvalidData, fieldErr(field, "%q is not an open %s task of this claim (open: %s)",
			id, kind, strings.Join(w.openOf(kind, 0), ", ")))
	}
	if e.Assignee == "" || e.Assignee == req.Actor.Name || req.Actor.Role == RoleAdmin || req.Actor.Role == RoleQualityDirector {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("task %s is %s's: %q may not act on it", id, e.Assignee, req.Actor.Name), ErrTypeForbidden, nil)
}

// guard refuses what the machine allows but the claim does not: someone else's
// task, an unknown task, a due the calendar cannot place, a repeated document, an
// executor without an e-mail.
func (w *reclamationCase) guard(req EventRequest, spec *EventSpec, data any) error {
	invalid := func(err error) error { return refuseData(ErrTypeInvalidData, err) }
	switch d := data.(type) {
	case *ClaimResubmitData:
		ids := w.openOf(ClaimTaskInitiatorData, 0)
		if len(ids) == 0 {
			return refuseIllegal(req.Event, w.state(), w.allowedEvents())
		}
		return w.ownTask(req, "task", ids[0], ClaimTaskInitiatorData)
	case *ClaimInvestigationData:
		s, _ := parseDue("hearing_date", d.HearingDate, false)
		if _, _, err := w.resolveDue("hearing_date", s, PolicyReclamationDocument, w.openedAt); err != nil {
			return invalid(err)
		}
	case *ClaimExecutor:
		for _, t := range w.data.Tasks {
			if t.Kind == ClaimTaskDocument && t.Document == d.Document {
				return invalid(fieldErr("document", "%q is already requested (task %s)", d.Document, t.TaskID))
			}
		}
	case *ClaimDocumentReadyData:
		return w.ownTask(req, "task_id", d.TaskID, ClaimTaskDocument)
	case *ClaimCommissionData:
		for i, p := range d.Plan {
			s, _ := parseDue(fmt.Sprintf("plan[%d].due", i), p.Due, true)
			if _, _, err := w.resolveDue(fmt.Sprintf("plan[%d].due", i), s, PolicyReclamationActionTask, w.openedAt); err != nil {
				return invalid(err)
			}
			if p.Email == "" && w.executorEmail(p.Assignee) == "" {
				return invalid(fieldErr(fmt.Sprintf("plan[%d].email", i), "is required: the claim knows no e-mail of %s", p.Assignee))
			}
		}
	case *ClaimTaskReportData:
		return w.ownTask(req, "task_id", d.TaskID, ClaimTaskAction)
	case *ClaimConfirmationData:
		if d.HearingDate != "" {
			s, _ := parseDue("hearing_date", d.HearingDate, false)
			if _, _, err := w.resolveDue("hearing_date", s, PolicyReclamationDocument, w.openedAt); err != nil {
				return invalid(err)
			}
		}
	}
	return nil
}

// executorEmail is the latest e-mail the claim knows for an executor.
func (w *reclamationCase) executorEmail(name string) string {
	email := ""
	for _, t := range w.data.Tasks {
		if t.Assignee == name && t.Email != "" {
			email = t.Email
		}
	}
	return email
}

// apply runs a person's event.
func (w *reclamationCase) apply(ctx workflow.Context, req EventRequest, spec *EventSpec, data any) error {
	who := req.Actor.Name
	if who == "" {
		who = req.Actor.Role
	}
	now := workflow.Now(ctx)
	switch d := data.(type) {
	case *ClaimReturnData:
		return w.returnForData(ctx, req.Actor, who, d)
	case *ClaimResubmitData:
		return w.resubmit(ctx, req.Actor, who, d)
	case *ClaimRejectData:
		if err := w.move(ctx, sm.RecReject, req.Actor, d.Reason); err != nil {
			return err
		}
		w.finishQualification(ctx, who, "Отказ: "+d.Reason)
		w.data.Decision = &ClaimDecision{Outcome: "rejected", Reason: d.Reason, By: who, At: now}
		data := w.mailData()
		data["Reason"] = d.Reason
		w.mail(ctx, w.step("rejection"), "reclamation_rejection", []string{w.data.Form.clientEmail()}, nil, data, nil)
		return nil
	case *ClaimInvestigationData:
		return w.openInvestigation(ctx, req.Actor, who, d)
	case *ClaimExecutor:
		if err := w.move(ctx, sm.RecRequestDocument, req.Actor, d.Document+" → "+d.Name); err != nil {
			return err
		}
		_, err := w.requestDocument(ctx, *d)
		return err
	case *ClaimDocumentReadyData:
		if err := w.move(ctx, sm.RecDocumentReady, req.Actor, d.TaskID+" "+d.Note); err != nil {
			return err
		}
		w.complete(ctx, d.TaskID, who, d.Note, d.Attachments)
		if len(w.openOf(ClaimTaskDocument, 0)) > 0 {
			return nil
		}
		if err := w.move(ctx, sm.RecDocumentsCollected, system, "every document is in: the commission is formed"); err != nil {
			return err
		}
		return w.convene(ctx, w.data.Decision.HearingDate)
	case *ClaimCommissionData:
		return w.commissionHeld(ctx, req.Actor, who, d)
	case *ClaimTaskReportData:
		if err := w.move(ctx, sm.RecTaskReported, req.Actor, d.TaskID+" "+d.Report); err != nil {
			return err
		}
		w.complete(ctx, d.TaskID, who, d.Report, d.Attachments)
		if len(w.openOf(ClaimTaskAction, w.data.Cycle)) > 0 {
			return nil
		}
		if err := w.move(ctx, sm.RecPlanCompleted, system, fmt.Sprintf("every task of cycle %d reported", w.data.Cycle)); err != nil {
			return err
		}
		_, err := w.assign(ctx, ClaimTaskEntry{
			Kind: ClaimTaskConfirmation, Role: RoleQualityDirector, Cycle: w.data.Cycle,
			Title: fmt.Sprintf("Связаться с клиентом %s: подтверждает ли он устранение замечаний по рекламации № %d", w.data.Form.Client, w.data.ClaimNumber),
		}, dueSpec{}, PolicyReclamationQualification, []string{"client_confirmation"})
		return err
	case *ClaimConfirmationData:
		return w.confirmation(ctx, req.Actor, who, d)
	}
	return fmt.Errorf("event %s has no handler", spec.Name)
}

// finishQualification closes the open qualification task with the decision.
func (w *reclamationCase) finishQualification(ctx workflow.Context, who, decision string) {
	for _, id := range w.openOf(ClaimTaskQualification, 0) {
		w.complete(ctx, id, who, decision, nil)
	}
}

func (w *reclamationCase) returnForData(ctx workflow.Context, actor Actor, who string, d *ClaimReturnData) error {
	if err := w.move(ctx, sm.RecReturnForData, actor, d.Comment); err != nil {
		return err
	}
	w.finishQualification(ctx, who, "Возвращено инициатору: "+d.Comment)
	w.data.Returns = append(w.data.Returns, ClaimReturn{Comment: d.Comment, By: who, At: workflow.Now(ctx)})
	form := &w.data.Form
	t, err := w.assign(ctx, ClaimTaskEntry{
		Kind: ClaimTaskInitiatorData, Role: form.initiatorRole(), Assignee: form.ReceivedBy,
		Title: fmt.Sprintf("Дополнить данные рекламации № %d: %s", w.data.ClaimNumber, d.Comment),
	}, dueSpec{}, PolicyReclamationDocument, []string{"resubmit"})
	if err != nil {
		return err
	}
	if form.ReceivedByEmail != "" {
		data := w.mailData()
		data["ReturnComment"], data["Due"] = d.Comment, w.clock(t.Due)
		w.mail(ctx, w.step("return"), "reclamation_return", []string{form.ReceivedByEmail}, nil, data, nil)
	}
	return nil
}

func (w *reclamationCase) resubmit(ctx workflow.Context, actor Actor, who string, d *ClaimResubmitData) error {
	if err := w.move(ctx, sm.RecResubmit, actor, d.Comment); err != nil {
		return err
	}
	for _, id := range w.openOf(ClaimTaskInitiatorData, 0) {
		w.complete(ctx, id, who, d.Comment, d.Documents)
	}
	form := &w.data.Form
	var fields []string
	set := func(name string, dst *string, v string) {
		if v != "" {
			*dst = v
			fields = append(fields, name)
		}
	}
	set("contract_number", &form.ContractNumber, d.ContractNumber)
	set("shipment_date", &form.ShipmentDate, d.ShipmentDate)
	set("shipment_responsible", &form.ShipmentResponsible, d.ShipmentResponsible)
	set("client_email", &form.ClientEmail, d.ClientEmail)
	if len(d.SerialNumbers) > 0 {
		form.SerialNumbers = appendNew(form.SerialNumbers, d.SerialNumbers...)
		fields = append(fields, "serial_numbers")
	}
	if len(d.Documents) > 0 {
		form.Documents = appendNew(form.Documents, d.Documents...)
		fields = append(fields, "documents")
	}
	if n := len(w.data.Returns); n > 0 {
		at := workflow.Now(ctx)
		r := &w.data.Returns[n-1]
		r.Completion, r.ResubmittedBy, r.ResubmittedAt, r.CompletedFields = d.Comment, who, &at, fields
	}
	return w.askQualification(ctx)
}

// appendNew appends the values dst lacks.
func appendNew(dst []string, values ...string) []string {
	for _, v := range values {
		if !slices.Contains(dst, v) {
			dst = append(dst, v)
		}
	}
	return dst
}

func (w *reclamationCase) openInvestigation(ctx workflow.Context, actor Actor, who string, d *ClaimInvestigationData) error {
	s, _ := parseDue("hearing_date", d.HearingDate, false)
	now := workflow.Now(ctx)
	hearing, _, err := w.resolveDue("hearing_date", s, PolicyReclamationDocument, now)
	if err != nil {
		return refuseData(ErrTypeInvalidData, err)
	}
	if err := w.move(ctx, sm.RecOpenInvestigation, actor, "hearing "+d.HearingDate); err != nil {
		return err
	}
	w.finishQualification(ctx, who, "Назначено разбирательство на "+d.HearingDate)
	w.data.Decision = &ClaimDecision{Outcome: "investigation", HearingDate: d.HearingDate, HearingDue: hearing, By: who, At: now}
	data := w.mailData()
	data["HearingDate"] = w.hearingText(d.HearingDate, hearing)
	w.mail(ctx, w.step("investigation-notice"), "reclamation_investigation", []string{w.data.Form.clientEmail()}, nil, data, nil)
	for _, e := range d.Executors {
		if _, err := w.requestDocument(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// requestDocument opens a document-preparation task for an executor.
func (w *reclamationCase) requestDocument(ctx workflow.Context, e ClaimExecutor) (ClaimTaskEntry, error) {
	return w.assign(ctx, ClaimTaskEntry{
		Kind: ClaimTaskDocument, Role: RoleExecutor, Assignee: e.Name, Email: e.Email, Document: e.Document,
		Title: fmt.Sprintf("Подготовить для разбирательства по рекламации № %d: %s", w.data.ClaimNumber, documentTitle(ClaimDocuments, e.Document)),
	}, dueSpec{}, PolicyReclamationDocument, []string{"document_ready"})
}

// convene opens the commission meeting task, due by the hearing (given as a date
// or time; empty: reclamation.document from now).
func (w *reclamationCase) convene(ctx workflow.Context, hearing string) error {
	s, _ := parseDue("hearing_date", hearing, false)
	_, err := w.assign(ctx, ClaimTaskEntry{
		Kind: ClaimTaskCommission, Role: RoleQualityDirector, Cycle: w.data.Cycle + 1,
		Title: fmt.Sprintf("Провести заседание комиссии по рекламации № %d: протокол и пошаговый план мероприятий", w.data.ClaimNumber),
	}, s, PolicyReclamationDocument, []string{"commission_held"})
	return err
}

func (w *reclamationCase) commissionHeld(ctx workflow.Context, actor Actor, who string, d *ClaimCommissionData) error {
	if err := w.move(ctx, sm.RecCommissionHeld, actor, fmt.Sprintf("protocol and a plan of %d steps", len(d.Plan))); err != nil {
		return err
	}
	for _, id := range w.openOf(ClaimTaskCommission, 0) {
		w.complete(ctx, id, who, d.Protocol, nil)
	}
	w.data.Cycle++
	com := ClaimCommission{Cycle: w.data.Cycle, Protocol: d.Protocol, Causes: d.Causes, Members: d.Members, By: who, At: workflow.Now(ctx)}
	var tasks []ClaimTaskEntry
	for i, p := range d.Plan {
		email := p.Email
		if email == "" {
			email = w.executorEmail(p.Assignee)
		}
		s, _ := parseDue(fmt.Sprintf("plan[%d].due", i), p.Due, true)
		t, err := w.assign(ctx, ClaimTaskEntry{
			Kind: ClaimTaskAction, Role: RoleExecutor, Assignee: p.Assignee, Email: email, Cycle: w.data.Cycle,
			Title: fmt.Sprintf("Рекламация № %d, план мероприятий, шаг %d: %s", w.data.ClaimNumber, i+1, p.Task),
		}, s, PolicyReclamationActionTask, []string{"task_reported"})
		if err != nil {
			return err
		}
		com.Tasks = append(com.Tasks, t.TaskID)
		tasks = append(tasks, t)
	}
	w.data.Commissions = append(w.data.Commissions, com)
	var steps []map[string]any
	for i, t := range tasks {
		steps = append(steps, map[string]any{"N": fmt.Sprint(i + 1), "Task": d.Plan[i].Task, "Assignee": t.Assignee, "Due": w.clock(t.Due)})
	}
	data := w.mailData()
	data["Cycle"] = ""
	if w.data.Cycle > 1 {
		data["Cycle"] = fmt.Sprintf(" (цикл %d)", w.data.Cycle)
	}
	data["Protocol"], data["Causes"], data["Members"], data["Plan"] = d.Protocol, d.Causes, d.Members, steps
	w.mail(ctx, w.step("protocol"), "reclamation_protocol", []string{w.data.Form.clientEmail()}, nil, data, nil)
	return nil
}

func (w *reclamationCase) confirmation(ctx workflow.Context, actor Actor, who string, d *ClaimConfirmationData) error {
	event := sm.RecConfirmUnresolved
	if *d.Resolved {
		event = sm.RecConfirmResolved
	}
	if err := w.move(ctx, event, actor, d.Comment); err != nil {
		return err
	}
	for _, id := range w.openOf(ClaimTaskConfirmation, 0) {
		w.complete(ctx, id, who, d.Comment, nil)
	}
	w.data.Confirmations = append(w.data.Confirmations, ClaimConfirmation{
		Cycle: w.data.Cycle, Resolved: *d.Resolved, Comment: d.Comment, By: who, At: workflow.Now(ctx)})
	if !*d.Resolved {
		if err := w.convene(ctx, d.HearingDate); err != nil {
			return err
		}
		w.cycleEnded = true
		return nil
	}
	w.settle(ctx)
	return nil
}

// settle sends the closing package with the full list of works, keeps the archive
// record and sends management's apology.
func (w *reclamationCase) settle(ctx workflow.Context) {
	now := workflow.Now(ctx)
	w.data.ClosedAt = &now
	archive := &ClaimArchive{Remarks: []string{w.data.Form.Comment}, Causes: []string{}, Remedies: []string{}}
	for _, c := range w.data.Confirmations {
		if !c.Resolved && c.Comment != "" {
			archive.Remarks = append(archive.Remarks, fmt.Sprintf("Цикл %d: %s", c.Cycle, c.Comment))
		}
	}
	var works []string
	for _, com := range w.data.Commissions {
		if com.Causes != "" {
			archive.Causes = append(archive.Causes, fmt.Sprintf("Цикл %d: %s", com.Cycle, com.Causes))
		}
		for _, id := range com.Tasks {
			t := w.entry(id)
			if t == nil {
				continue
			}
			work := fmt.Sprintf("%s — %s, выполнено %s: %s", t.Title, t.Assignee, w.clock(*t.DoneAt), t.Report)
			works = append(works, work)
			archive.Remedies = append(archive.Remedies, work)
		}
	}
	w.data.Works, w.data.Archive = works, archive

	data := w.mailData()
	numbered := make([]string, len(works))
	for i, work := range works {
		numbered[i] = fmt.Sprintf("%d. %s", i+1, work)
	}
	data["Works"] = numbered
	client := []string{w.data.Form.clientEmail()}
	w.mail(ctx, w.step("closing-package"), "reclamation_closing", client, nil, data, nil)
	if w.data.ClaimNumber != 0 {
		report, _ := json.Marshal(archive)
		var out activities.ClaimTask
		w.caseCore.run(ctx, "claim-archive", a.UpsertClaimTask, activities.ClaimTask{
			Key: w.key("archive"), ClaimNumber: w.data.ClaimNumber, Status: ClaimTaskArchived, Report: string(report),
			Title:    fmt.Sprintf("Архив: замечания клиента, причины и способы устранения по рекламации № %d", w.data.ClaimNumber),
			Assignee: w.env.Directory.QualityDirector.Name, Due: now, CompletedAt: &now,
		}, &out)
	}
	mgmt := w.env.Directory.Management
	data["Management"] = mgmt.Name
	w.mail(ctx, w.step("apology"), "reclamation_apology", client, []string{mgmt.Email}, data, nil)
}

// mailData is what every claim letter may print. It reaches the template through
// JSON, so numbers go as text.
func (w *reclamationCase) mailData() map[string]any {
	f := &w.data.Form
	return map[string]any{
		"ClaimNumber": fmt.Sprint(w.data.ClaimNumber), "Title": w.data.Title, "RegisteredAt": w.date(w.data.RegisteredAt),
		"Client": f.Client, "Project": f.Project, "ContractNumber": f.ContractNumber,
		"SerialNumbers": strings.Join(f.SerialNumbers, ", "), "ShipmentDate": f.ShipmentDate,
		"ShipmentResponsible": f.ShipmentResponsible, "Documents": f.Documents, "Comment": f.Comment,
		"ReceivedBy": f.ReceivedBy, "QualityDirector": w.env.Directory.QualityDirector.Name,
	}
}

// taskMailData is what a letter about a task may print.
func (w *reclamationCase) taskMailData(t ClaimTaskEntry) map[string]any {
	data := w.mailData()
	data["TaskID"], data["TaskTitle"], data["Assignee"], data["Due"] = t.TaskID, t.Title, t.Assignee, w.clock(t.Due)
	data["Event"] = "task_reported"
	if t.Kind == ClaimTaskDocument {
		data["Event"] = "document_ready"
	}
	return data
}

// zone is the claim calendar's time zone, for dates in letters: the calendar's
// own results carry it.
func (w *reclamationCase) zone() *time.Location {
	if p, err := w.env.Calendars.Policy(PolicyReclamationQualification); err == nil {
		if cal, err := w.env.Calendars.Calendar(p.Calendar); err == nil {
			return cal.NextWorkingDayStart(w.openedAt).Location()
		}
	}
	return time.UTC
}

func (w *reclamationCase) date(t time.Time) string  { return t.In(w.zone()).Format("02.01.2006") }
func (w *reclamationCase) clock(t time.Time) string { return t.In(w.zone()).Format("02.01.2006 15:04") }

// hearingText prints a hearing given as a date or a time.
func (w *reclamationCase) hearingText(given string, at time.Time) string {
	if _, err := time.Parse(time.DateOnly, given); err == nil {
		return w.date(at)
	}
	return w.clock(at)
}
