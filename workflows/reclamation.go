package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

var claimType = Define(Definition[ClaimIntake, ClaimDirectory, ClaimOptions]{
	Name:        "reclamation",
	Title:       "Claim settlement (рекламация)",
	Machine:     sm.Claim,
	IntakeRoles: Roles,
	Policies: []Policy{
		// Seed 004 sets no duration anywhere: every one below is caseflow's default.
		{Name: PolicyClaimQualification, Default: "2 working days", Doc: "the quality director qualifies the claim, the commission meets without a hearing date, the client confirms (our default: the seed sets no duration)"},
		{Name: PolicyClaimDocument, Default: "3 working days", Doc: "an executor prepares a document (due by the working day before the hearing at the latest), the initiator completes the data (our default: the seed sets no duration)"},
		{Name: PolicyClaimTaskReminder, Default: "1 working day", Doc: "the reminder before a task's due, counted back from it (our default: the seed sets no duration)"},
		{Name: PolicyClaimActionTask, Default: "5 working days", Doc: "a step of the commission's action plan without a due of its own (our default: the seed sets no duration)"},
	},
	Events: []EventSpec{
		newEvent[ClaimReturnData](sm.ClaimReturnForData, "The quality director returns the claim to its initiator for more data.",
			[]string{RoleQualityDirector}, nil),
		newEvent[ClaimResubmitData](sm.ClaimResubmit, "The initiator (received_by) sends the completed data back for qualification.",
			Roles, nil),
		newEvent[ClaimRejectData](sm.ClaimReject, "The quality director rejects the claim as unfounded; the client is told in writing.",
			[]string{RoleQualityDirector}, nil),
		newEvent[ClaimInvestigationData](sm.ClaimOpenInvestigation, "The quality director opens an investigation: the client gets the registration number and the hearing date, executors get document tasks.",
			[]string{RoleQualityDirector}, nil),
		newEvent[ClaimExecutor](sm.ClaimRequestDocument, "The quality director asks for one more document.",
			[]string{RoleQualityDirector}, nil),
		newEvent[ClaimDocumentReadyData](sm.ClaimDocumentReady, "An executor reports a document task done; the last one convenes the commission.",
			[]string{RoleExecutor, RoleQualityDirector}, nil),
		newEvent[ClaimCommissionData](sm.ClaimCommissionHeld, "The commission met: protocol and action plan go to the client, plan steps to executors.",
			[]string{RoleQualityDirector}, nil),
		newEvent[ClaimTaskReportData](sm.ClaimTaskReported, "An executor reports an action-plan task done.",
			[]string{RoleExecutor, RoleQualityDirector}, nil),
		newEvent(EventClientConfirmation, "The client's answer: every remark resolved (the claim closes) or not (the cycle repeats).",
			[]string{RoleQualityDirector}, func(d *ClaimConfirmationData) string {
				if *d.Resolved {
					return sm.ClaimConfirmResolved
				}
				return sm.ClaimConfirmUnresolved
			}, sm.ClaimConfirmResolved, sm.ClaimConfirmUnresolved),
	},
	New: newClaimCase,
})

// EventClientConfirmation is the client's answer on the remediation: it fires
// confirm_resolved or confirm_unresolved.
const EventClientConfirmation = "client_confirmation"

// claimCase is a running claim settlement.
type claimCase struct {
	*caseCore
	in   *ClaimInput
	data ClaimData
	// runs counts the runs before this one.
	runs int
	// cycleEnded is set when a cycle ends unresolved: the run continues as new.
	cycleEnded bool
	// seed is the version of the claim's commands this run started with.
	seed workflow.Version
}

// Versions of the claim's commands (workflow.GetVersion change claimSeedChange).
const (
	claimSeedChange = "caseflow-claim-seed"
	// claimSeedV1: issue 15's reading of seed 004 — letters to a client without
	// an e-mail are the initiator's tasks, a claim without a number sends no
	// numbered letter, every human task is reminded and alerted, document tasks
	// fall before the hearing, task letters link the card.
	claimSeedV1 workflow.Version = 1
)

// newClaimCase builds a claim settlement (seed 004), or the next run of one.
// Each unresolved remediation cycle ends the run, which continues as new with
// the case's state, so a claim may loop any number of times with a bounded history.
func newClaimCase(ctx workflow.Context, c *caseCore, in *ClaimInput) (Behaviour, error) {
	w := &claimCase{caseCore: c, in: in, seed: c.changeVersion(ctx, claimSeedChange, claimSeedV1)}
	if carried := in.carried(); in.Carry != nil && carried != nil {
		if err := json.Unmarshal(carried, &w.data); err != nil {
			return nil, fmt.Errorf("unable to restore the claim's data: %w", err)
		}
		w.restoreCore(ctx, in.Carry)
		w.runs = in.Carry.Runs
	} else {
		w.data = ClaimData{Form: in.Intake, Returns: []ClaimReturn{}, Commissions: []ClaimCommission{},
			Confirmations: []ClaimConfirmation{}, Tasks: []ClaimTaskEntry{}}
	}
	return w, nil
}

// View is the claim card.
func (w *claimCase) View() any { return w.data }

// Run registers a new claim, or restarts the task watchers of a continued one,
// and waits for the claim to end or its cycle to continue as new.
func (w *claimCase) Run(ctx workflow.Context) error {
	if w.state() == sm.ClaimRegistration {
		if err := w.locked(ctx, func() error { return w.register(ctx) }); err != nil {
			return err
		}
	} else {
		for _, t := range w.data.Tasks {
			if t.Open() {
				w.watchTask(ctx, t.TaskID)
			}
		}
	}
	err := workflow.Await(ctx, func() bool { return w.terminal() || w.cycleEnded || continueAsNewSuggested(ctx) })
	if err != nil || w.terminal() {
		return err
	}
	return w.continueAsNew(ctx, w.runs, func() bool { return w.busy == 0 }, func(carry *CoreState) (any, error) {
		return w.in.next(carry, w.data)
	})
}

// register assigns the claim its number, date and title, records the card and
// hands the claim to the quality director.
func (w *claimCase) register(ctx workflow.Context) error {
	form := &w.data.Form
	w.data.RegisteredAt = w.openedAt
	w.data.Title = fmt.Sprintf("Рекламация от %s: %s, проект «%s»", w.date(w.openedAt), form.Client, form.Project)
	var claim activities.Claim
	if w.act(ctx, "claim", a.CreateClaim, activities.Claim{
		Key: w.key("claim"), CaseID: w.meta.ID, Title: w.data.Title, Stage: w.state(),
		Fields: claimFields(form), RegisteredAt: w.openedAt,
	}, &claim) {
		w.data.ClaimNumber = claim.Number
	}
	if err := w.move(ctx, sm.ClaimRegister, fmt.Sprintf("claim № %d registered", w.data.ClaimNumber)); err != nil {
		return err
	}
	return w.askQualification(ctx)
}

// claimFields are the card's fields from the registration form.
func claimFields(f *ClaimIntake) map[string]any {
	return map[string]any{
		"channel": f.Channel, "received_by": f.ReceivedBy, "client": f.Client, "client_email": f.clientEmail(),
		"project": f.Project, "contract_number": f.ContractNumber, "serial_numbers": f.SerialNumbers,
		"shipment_date": f.ShipmentDate, "shipment_responsible": f.ShipmentResponsible,
		"documents": f.Documents, "comment": f.Comment, "kind": f.Kind, "period": f.Period,
	}
}

// move fires one of the engine's own events and keeps the claim card's stage in
// step with the machine.
func (w *claimCase) move(ctx workflow.Context, event string, note string) error {
	from := w.state()
	if err := w.fire(ctx, event, system, note); err != nil {
		return err
	}
	w.syncStage(ctx, from)
	return nil
}

// syncStage writes the machine's state to the claim card when it left from.
func (w *claimCase) syncStage(ctx workflow.Context, from string) {
	if w.state() != from && w.data.ClaimNumber != 0 {
		var out activities.Claim
		w.act(ctx, w.step("claim-stage"), a.SetClaimStage, activities.ClaimStageInput{Number: w.data.ClaimNumber, Stage: w.state()}, &out)
	}
}

// askQualification opens the quality director's qualification task.
func (w *claimCase) askQualification(ctx workflow.Context) error {
	t, err := w.assign(ctx, ClaimTaskEntry{DueTask: DueTask{
		Kind: ClaimTaskQualification, Role: RoleQualityDirector,
		Title: fmt.Sprintf("Ознакомиться с рекламацией № %d, квалифицировать её и принять решение: вернуть инициатору, отказать или назначить разбирательство", w.data.ClaimNumber),
	}}, DueSpec{}, PolicyClaimQualification, []string{sm.ClaimReturnForData, sm.ClaimReject, sm.ClaimOpenInvestigation})
	if err != nil {
		return err
	}
	dir := w.in.Env.Directory.QualityDirector
	if dir.Email != "" {
		data := w.mailData()
		data["Due"] = w.clock(t.Due)
		data["Resubmitted"] = len(w.data.Returns) > 0
		w.letter(ctx, w.step("qualification-task"), "reclamation_qualification_task", []string{dir.Email}, nil, data,
			w.mailActions(RoleQualityDirector, t.Due, "return", "reject", "investigate")...)
	}
	return nil
}

// assign opens a task of the claim: the core's due task (inbox task, tracked
// deadline, reminder), the card's task record, the executor's letter and the
// watcher that reminds and breaches.
func (w *claimCase) assign(ctx workflow.Context, e ClaimTaskEntry, due DueSpec, policy string, events []string) (ClaimTaskEntry, error) {
	if w.seed >= claimSeedV1 && e.Email == "" {
		// Every human task with a due date is reminded and alerted: the
		// director's at the director's address, the initiator's at theirs.
		switch e.Kind {
		case ClaimTaskQualification, ClaimTaskCommission, ClaimTaskConfirmation:
			e.Email = w.in.Env.Directory.QualityDirector.Email
		case ClaimTaskInitiatorData:
			e.Email = w.data.Form.ReceivedByEmail
		}
	}
	t, err := w.openTask(ctx, e.DueTask, TaskTiming{Due: due, Policy: policy, Reminder: PolicyClaimTaskReminder, Events: events})
	if err != nil {
		return e, err
	}
	e.DueTask = t
	w.data.Tasks = append(w.data.Tasks, e)
	w.saveTask(ctx, e)
	// The qualification and the initiator's tasks have letters of their own.
	if e.Email != "" && (w.seed < claimSeedV1 || (e.Kind != ClaimTaskQualification && e.Kind != ClaimTaskInitiatorData)) {
		data := w.taskMailData(e)
		w.letter(ctx, "task-assigned-"+shortTaskID(e.TaskID), "reclamation_task_assigned", []string{e.Email}, nil, data)
	}
	w.watchTask(ctx, e.TaskID)
	return e, nil
}

// entry finds a claim task by ID; nil when there is none. The pointer is good
// until the next task is added.
func (w *claimCase) entry(id string) *ClaimTaskEntry {
	for i := range w.data.Tasks {
		if w.data.Tasks[i].TaskID == id {
			return &w.data.Tasks[i]
		}
	}
	return nil
}

// dueTask finds a claim task for the core's task watcher.
func (w *claimCase) dueTask(id string) *DueTask {
	if e := w.entry(id); e != nil {
		return &e.DueTask
	}
	return nil
}

// openOf lists the open tasks of a kind (of a cycle, when cycle > 0).
func (w *claimCase) openOf(kind string, cycle int) []string {
	var ids []string
	for _, t := range w.data.Tasks {
		if t.Kind == kind && t.Open() && (cycle == 0 || t.Cycle == cycle) {
			ids = append(ids, t.TaskID)
		}
	}
	return ids
}

// complete closes a claim task: kept (or late) deadline, the inbox, the card.
func (w *claimCase) complete(ctx workflow.Context, id, by, report string, attachments []string) {
	e := w.entry(id)
	if e == nil || !w.completeTask(ctx, &e.DueTask, by, report, attachments) {
		return
	}
	w.saveTask(ctx, *e)
}

// saveTask writes a task to the claim card's task list.
func (w *claimCase) saveTask(ctx workflow.Context, e ClaimTaskEntry) {
	if w.data.ClaimNumber == 0 {
		return
	}
	var out activities.ClaimTask
	w.act(ctx, "claim-task-"+shortTaskID(e.TaskID), a.UpsertClaimTask, activities.ClaimTask{
		Key: w.key("task/" + shortTaskID(e.TaskID)), ClaimNumber: w.data.ClaimNumber, Title: e.Title,
		Assignee: e.Assignee, Due: e.Due, Status: e.Status, Report: e.Report, CompletedAt: e.DoneAt,
	}, &out)
}

// taskReminded sends the executor the reminder before the task's due.
func (w *claimCase) taskReminded(ctx workflow.Context, t DueTask) {
	task := *w.entry(t.TaskID)
	w.letter(ctx, "reminder-"+shortTaskID(t.TaskID), "reclamation_task_reminder", []string{task.Email}, nil, w.taskMailData(task))
}

// taskOverdue records an overdue task on the card and alerts the quality
// director, with the assignee in copy (since claimSeedV1 for every task with
// an e-mail, the director's own included).
func (w *claimCase) taskOverdue(ctx workflow.Context, t DueTask) {
	task := *w.entry(t.TaskID)
	w.saveTask(ctx, task)
	if dir := w.in.Env.Directory.QualityDirector.Email; dir != "" && task.Email != "" {
		cc := []string{task.Email}
		if w.seed >= claimSeedV1 && task.Email == dir {
			cc = nil
		}
		w.letter(ctx, "overdue-"+shortTaskID(t.TaskID), "reclamation_task_overdue", []string{dir}, cc, w.taskMailData(task))
	}
}

// ownTask refuses an event on a task that is not an open task of the kind, or
// that belongs to someone else: executors act only on their own tasks.
func (w *claimCase) ownTask(req EventRequest, field, id, kind string) error {
	e := w.entry(id)
	if e == nil || e.Kind != kind || !e.Open() {
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
func (w *claimCase) Guard(ev *Event) error {
	req := ev.Request
	invalid := func(err error) error { return refuseData(ErrTypeInvalidData, err) }
	switch d := ev.Data.(type) {
	case *ClaimResubmitData:
		ids := w.openOf(ClaimTaskInitiatorData, 0)
		if len(ids) == 0 {
			return refuseIllegal(req.Event, w.state(), w.allowedEvents())
		}
		return w.ownTask(req, "task", ids[0], ClaimTaskInitiatorData)
	case *ClaimInvestigationData:
		s := mustDue("hearing_date", d.HearingDate, false)
		if _, _, err := w.resolveDue("hearing_date", s, PolicyClaimDocument, w.openedAt); err != nil {
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
			s := mustDue(fmt.Sprintf("plan[%d].due", i), p.Due, true)
			if _, _, err := w.resolveDue(fmt.Sprintf("plan[%d].due", i), s, PolicyClaimActionTask, w.openedAt); err != nil {
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
			s := mustDue("hearing_date", d.HearingDate, false)
			if _, _, err := w.resolveDue("hearing_date", s, PolicyClaimDocument, w.openedAt); err != nil {
				return invalid(err)
			}
		}
	}
	return nil
}

// executorEmail is the latest e-mail the claim knows for an executor.
func (w *claimCase) executorEmail(name string) string {
	email := ""
	for _, t := range w.data.Tasks {
		if t.Assignee == name && t.Email != "" {
			email = t.Email
		}
	}
	return email
}

// Apply runs the side effects of a person's event: the card's stage first.
func (w *claimCase) Apply(ctx workflow.Context, ev *Event) error {
	w.syncStage(ctx, ev.From)
	who := ev.Who()
	now := workflow.Now(ctx)
	switch d := ev.Data.(type) {
	case *ClaimReturnData:
		return w.returnForData(ctx, who, d)
	case *ClaimResubmitData:
		return w.resubmit(ctx, who, d)
	case *ClaimRejectData:
		w.finishQualification(ctx, who, "Отказ: "+d.Reason)
		w.data.Decision = &ClaimDecision{Outcome: "rejected", Reason: d.Reason, By: who, At: now}
		data := w.mailData()
		data["Reason"] = d.Reason
		w.toClient(ctx, w.step("rejection"), "reclamation_rejection", nil, data)
		return nil
	case *ClaimInvestigationData:
		return w.openInvestigation(ctx, who, d)
	case *ClaimExecutor:
		_, err := w.requestDocument(ctx, *d)
		return err
	case *ClaimDocumentReadyData:
		w.complete(ctx, d.TaskID, who, d.Note, d.Attachments)
		if len(w.openOf(ClaimTaskDocument, 0)) > 0 {
			return nil
		}
		if err := w.move(ctx, sm.ClaimDocumentsCollected, "every document is in: the commission is formed"); err != nil {
			return err
		}
		return w.convene(ctx, w.data.Decision.HearingDate)
	case *ClaimCommissionData:
		return w.commissionHeld(ctx, who, d)
	case *ClaimTaskReportData:
		w.complete(ctx, d.TaskID, who, d.Report, d.Attachments)
		if len(w.openOf(ClaimTaskAction, w.data.Cycle)) > 0 {
			return nil
		}
		if err := w.move(ctx, sm.ClaimPlanCompleted, fmt.Sprintf("every task of cycle %d reported", w.data.Cycle)); err != nil {
			return err
		}
		_, err := w.assign(ctx, ClaimTaskEntry{DueTask: DueTask{
			Kind: ClaimTaskConfirmation, Role: RoleQualityDirector,
			Title: fmt.Sprintf("Связаться с клиентом %s: подтверждает ли он устранение замечаний по рекламации № %d", w.data.Form.Client, w.data.ClaimNumber),
		}, Cycle: w.data.Cycle}, DueSpec{}, PolicyClaimQualification, []string{EventClientConfirmation})
		return err
	case *ClaimConfirmationData:
		return w.confirmation(ctx, who, d)
	}
	return fmt.Errorf("event %s has no handler", ev.Name())
}

// finishQualification closes the open qualification task with the decision.
func (w *claimCase) finishQualification(ctx workflow.Context, who, decision string) {
	for _, id := range w.openOf(ClaimTaskQualification, 0) {
		w.complete(ctx, id, who, decision, nil)
	}
}

func (w *claimCase) returnForData(ctx workflow.Context, who string, d *ClaimReturnData) error {
	w.finishQualification(ctx, who, "Возвращено инициатору: "+d.Comment)
	w.data.Returns = append(w.data.Returns, ClaimReturn{Comment: d.Comment, By: who, At: workflow.Now(ctx)})
	form := &w.data.Form
	t, err := w.assign(ctx, ClaimTaskEntry{DueTask: DueTask{
		Kind: ClaimTaskInitiatorData, Role: form.initiatorRole(), Assignee: form.ReceivedBy,
		Title: fmt.Sprintf("Дополнить данные рекламации № %d: %s", w.data.ClaimNumber, d.Comment),
	}}, DueSpec{}, PolicyClaimDocument, []string{sm.ClaimResubmit})
	if err != nil {
		return err
	}
	if form.ReceivedByEmail != "" {
		data := w.mailData()
		data["ReturnComment"], data["Due"] = d.Comment, w.clock(t.Due)
		w.letter(ctx, w.step("return"), "reclamation_return", []string{form.ReceivedByEmail}, nil, data)
	}
	return nil
}

func (w *claimCase) resubmit(ctx workflow.Context, who string, d *ClaimResubmitData) error {
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

func (w *claimCase) openInvestigation(ctx workflow.Context, who string, d *ClaimInvestigationData) error {
	now := workflow.Now(ctx)
	// Guard placed the hearing on the calendar already.
	hearing, _, err := w.resolveDue("hearing_date", mustDue("hearing_date", d.HearingDate, false), PolicyClaimDocument, now)
	if err != nil {
		return refuseData(ErrTypeInvalidData, err)
	}
	w.finishQualification(ctx, who, "Назначено разбирательство на "+d.HearingDate)
	w.data.Decision = &ClaimDecision{Outcome: "investigation", HearingDate: d.HearingDate, HearingDue: hearing, By: who, At: now}
	data := w.mailData()
	data["HearingDate"] = w.hearingText(d.HearingDate, hearing)
	w.toClient(ctx, w.step("investigation-notice"), "reclamation_investigation", nil, data)
	for _, e := range d.Executors {
		if _, err := w.requestDocument(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// requestDocument opens a document-preparation task for an executor.
func (w *claimCase) requestDocument(ctx workflow.Context, e ClaimExecutor) (ClaimTaskEntry, error) {
	due, err := w.documentDue(ctx)
	if err != nil {
		return ClaimTaskEntry{}, err
	}
	return w.assign(ctx, ClaimTaskEntry{DueTask: DueTask{
		Kind: ClaimTaskDocument, Role: RoleExecutor, Assignee: e.Name, Email: e.Email,
		Title: fmt.Sprintf("Подготовить для разбирательства по рекламации № %d: %s", w.data.ClaimNumber, documentTitle(ClaimDocuments, e.Document)),
	}, Document: e.Document}, due, PolicyClaimDocument, []string{sm.ClaimDocumentReady})
}

// documentDue is a document task's due: reclamation.document from now, but
// since claimSeedV1 never later than the close of the last working day before
// the hearing the document serves (the hearing itself when that day is past).
func (w *claimCase) documentDue(ctx workflow.Context) (DueSpec, error) {
	if w.seed < claimSeedV1 || w.data.Decision == nil || w.data.Decision.HearingDue.IsZero() {
		return DueSpec{}, nil
	}
	now := workflow.Now(ctx)
	d, err := w.cals.Due(PolicyClaimDocument, now)
	if err != nil {
		return DueSpec{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unable to compute a document's due: %v", err), "Config", err)
	}
	cal, err := w.cals.Calendar(d.Basis.Calendar)
	if err != nil {
		return DueSpec{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unable to compute a document's due: %v", err), "Config", err)
	}
	hearing := w.data.Decision.HearingDue
	limit := hearing
	day := hearing.In(w.zone())
	for i := 0; i < 31; i++ {
		day = day.AddDate(0, 0, -1)
		if wd := cal.Day(day.Year(), day.Month(), day.Day()); wd.Working {
			limit = wd.Close
			break
		}
	}
	if !limit.After(now) {
		limit = hearing
	}
	if d.Due.After(limit) {
		return DueSpec{at: limit}, nil
	}
	return DueSpec{}, nil
}

// convene opens the commission meeting task, due by the hearing (given as a date
// or time; empty: reclamation.document from now).
func (w *claimCase) convene(ctx workflow.Context, hearing string) error {
	_, err := w.assign(ctx, ClaimTaskEntry{DueTask: DueTask{
		Kind: ClaimTaskCommission, Role: RoleQualityDirector,
		Title: fmt.Sprintf("Провести заседание комиссии по рекламации № %d: протокол и пошаговый план мероприятий", w.data.ClaimNumber),
	}, Cycle: w.data.Cycle + 1}, mustDue("hearing_date", hearing, false), PolicyClaimDocument, []string{sm.ClaimCommissionHeld})
	return err
}

func (w *claimCase) commissionHeld(ctx workflow.Context, who string, d *ClaimCommissionData) error {
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
		s := mustDue(fmt.Sprintf("plan[%d].due", i), p.Due, true)
		t, err := w.assign(ctx, ClaimTaskEntry{DueTask: DueTask{
			Kind: ClaimTaskAction, Role: RoleExecutor, Assignee: p.Assignee, Email: email,
			Title: fmt.Sprintf("Рекламация № %d, план мероприятий, шаг %d: %s", w.data.ClaimNumber, i+1, p.Task),
		}, Cycle: w.data.Cycle}, s, PolicyClaimActionTask, []string{sm.ClaimTaskReported})
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
	w.toClient(ctx, w.step("protocol"), "reclamation_protocol", nil, data)
	return nil
}

func (w *claimCase) confirmation(ctx workflow.Context, who string, d *ClaimConfirmationData) error {
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
func (w *claimCase) settle(ctx workflow.Context) {
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
	w.toClient(ctx, w.step("closing-package"), "reclamation_closing", nil, data)
	if w.data.ClaimNumber != 0 {
		// A struct of strings always encodes.
		report, _ := json.Marshal(archive)
		var out activities.ClaimTask
		w.act(ctx, "claim-archive", a.UpsertClaimTask, activities.ClaimTask{
			Key: w.key("archive"), ClaimNumber: w.data.ClaimNumber, Status: ClaimTaskArchived, Report: string(report),
			Title:    fmt.Sprintf("Архив: замечания клиента, причины и способы устранения по рекламации № %d", w.data.ClaimNumber),
			Assignee: w.in.Env.Directory.QualityDirector.Name, Due: now, CompletedAt: &now,
		}, &out)
	}
	mgmt := w.in.Env.Directory.Management
	data["Management"] = mgmt.Name
	w.toClient(ctx, w.step("apology"), "reclamation_apology", []string{mgmt.Email}, data)
}

// mailData is what every claim letter may print. It reaches the template through
// JSON, so numbers go as text.
func (w *claimCase) mailData() map[string]any {
	f := &w.data.Form
	return map[string]any{
		"ClaimNumber": fmt.Sprint(w.data.ClaimNumber), "Title": w.data.Title, "RegisteredAt": w.date(w.data.RegisteredAt),
		"Client": f.Client, "Project": f.Project, "ContractNumber": f.ContractNumber,
		"SerialNumbers": strings.Join(f.SerialNumbers, ", "), "ShipmentDate": f.ShipmentDate,
		"ShipmentResponsible": f.ShipmentResponsible, "Documents": f.Documents, "Comment": f.Comment,
		"ReceivedBy": f.ReceivedBy, "QualityDirector": w.in.Env.Directory.QualityDirector.Name,
		"CardURL": w.cardURL(), "Kind": claimKindTitles[f.Kind], "Period": claimPeriodTitles[f.Period],
	}
}

// claimKindTitles and claimPeriodTitles are how letters name the kind and the
// period of a claim.
var (
	claimKindTitles = map[string]string{
		ClaimKindIncompleteness: "некомплектность", ClaimKindBreakdown: "поломка",
		ClaimKindQuality: "оборудование выдаёт продукцию несоответствующего качества",
	}
	claimPeriodTitles = map[string]string{ClaimPeriodSale: "в момент продажи", ClaimPeriodWarranty: "в гарантийный период"}
)

// cardURL is the link to the claim's card in task letters (claimSeedV1).
func (w *claimCase) cardURL() string {
	if w.seed < claimSeedV1 {
		return ""
	}
	return w.in.Env.Options.cardURL(w.meta.ID)
}

// letter sends a claim letter. Since claimSeedV1 a claim without a number
// (CreateClaim failed: its supervisor task says so) sends no numbered letter:
// the audit trail says which was held.
func (w *claimCase) letter(ctx workflow.Context, step, template string, to, cc []string, data map[string]any, actions ...activities.Action) {
	if w.seed >= claimSeedV1 && w.data.ClaimNumber == 0 {
		w.note(ctx, "letter_held", fmt.Sprintf("%s: the claim has no number yet", step))
		return
	}
	if len(actions) > 0 {
		w.mailDecision(ctx, step, template, to, cc, data, nil, actions)
		return
	}
	w.mail(ctx, step, template, to, cc, data, nil)
}

// toClient sends a letter to the client. Since claimSeedV1, when the client
// gave no e-mail, the letter's text goes to the initiator as a task to deliver
// it (closed with task_done); management's copy is mailed all the same.
func (w *claimCase) toClient(ctx workflow.Context, step, template string, cc []string, data map[string]any) {
	email := w.data.Form.clientEmail()
	if w.seed < claimSeedV1 || email != "" {
		w.letter(ctx, step, template, []string{email}, cc, data)
		return
	}
	if w.data.ClaimNumber == 0 {
		w.note(ctx, "letter_held", fmt.Sprintf("%s: the claim has no number yet", step))
		return
	}
	// A template that does not render is a broken build, caught by the tests;
	// the task still says which letter to deliver.
	subject, body, _ := activities.Render(template, data)
	form := &w.data.Form
	task := w.addTask(ctx, Task{
		Title: fmt.Sprintf("Передать клиенту %s письмо «%s» (e-mail клиента не указан): текст в карточке, письма %s", form.Client, subject, step),
		Role:  form.initiatorRole(), Assignee: form.ReceivedBy, Due: workflow.Now(ctx),
	})
	w.data.Letters = append(w.data.Letters, ClaimLetter{Step: step, Subject: subject, Body: body, TaskID: task.ID, At: workflow.Now(ctx)})
	if len(cc) > 0 {
		w.letter(ctx, step+"-cc", template, cc, nil, data)
	}
}

// taskMailData is what a letter about a task may print.
func (w *claimCase) taskMailData(t ClaimTaskEntry) map[string]any {
	data := w.mailData()
	data["TaskID"], data["TaskTitle"], data["Assignee"], data["Due"] = t.TaskID, t.Title, t.Assignee, w.clock(t.Due)
	if t.Assignee == "" && t.Role == RoleQualityDirector {
		data["Assignee"] = w.in.Env.Directory.QualityDirector.Name
	}
	data["Event"] = "task_reported"
	if t.Kind == ClaimTaskDocument {
		data["Event"] = "document_ready"
	}
	if w.seed >= claimSeedV1 {
		if e, ok := map[string]string{
			ClaimTaskQualification: "return_for_data | reject | open_investigation", ClaimTaskInitiatorData: "resubmit",
			ClaimTaskCommission: "commission_held", ClaimTaskConfirmation: "client_confirmation",
		}[t.Kind]; ok {
			data["Event"] = e
		}
	}
	return data
}

// zone is the claim calendar's time zone, for dates in letters.
func (w *claimCase) zone() *time.Location { return w.caseCore.zone(PolicyClaimQualification) }

func (w *claimCase) date(t time.Time) string  { return t.In(w.zone()).Format("02.01.2006") }
func (w *claimCase) clock(t time.Time) string { return t.In(w.zone()).Format("02.01.2006 15:04") }

// hearingText prints a hearing given as a date or a time.
func (w *claimCase) hearingText(given string, at time.Time) string {
	if _, err := time.Parse(time.DateOnly, given); err == nil {
		return w.date(at)
	}
	return w.clock(at)
}
