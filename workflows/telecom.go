package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/calendar"
	sm "github.com/caseflow/caseflow/statemachines"
)

// Kinds of the telecom CASE's tasks.
const (
	telecomTaskFolder       = "folder"       // the saved CASE in its creator's folder
	telecomTaskUndispatched = "undispatched" // the flag: saved and never dispatched
	telecomTaskQueue        = "queue"        // the CASE in a queue (assignee: the queue)
	telecomTaskWork         = "work"         // accepted from the queue (assignee: who accepted)
	telecomTaskRejected     = "rejected"     // returned: its creator closes it, or closes it and opens a new one
)

// telecomQueueEvents complete a task of a queue or of whoever accepted from it.
var telecomQueueEvents = []string{sm.TelecomAccept, sm.TelecomForward, sm.TelecomReject, sm.TelecomClose}

var telecomType = Define(Definition[TelecomIntake, TelecomDirectory, TelecomOptions]{
	Name:        "telecom_case",
	Title:       "Telecom CASE: created, dispatched to a queue, worked, closed",
	Machine:     sm.Telecom,
	IntakeRoles: []string{RoleOperator, RoleExpert, RoleSupervisor},
	Policies: []Policy{
		{Name: PolicyTelecomUndispatched, Default: "2 working hours", Doc: "a CASE saved and never dispatched is flagged to its creator: «вопрос клиента останется не решен» (our default: the seed sets none; a CASE is dispatched in the contact it was created in, so two working hours already mean it was forgotten)"},
		{Name: PolicyTelecomUrgent, Default: "2 working hours", Doc: "the creator's urgent tasks: a rejected return («необходимо срочно принять меры») and the never-dispatched flag (our default)"},
		{Name: PolicyTelecomResolution, Default: "3 working days", Doc: "the CASE's resolution time from its creation, for categories the telecom_resolution option names none for (the seed names none: our default); past it a repeat contact counts as overdue"},
		{Name: PolicyTelecomRepeatNotice, Default: "24 hours", Calendar: calendar.AllDayCalendar, Doc: "the standard phrase's promise «ожидайте уведомления в течение суток»"},
		{Name: PolicyTelecomClosedQuiet, Default: "30 days", Calendar: calendar.AllDayCalendar, Doc: "a closed CASE still answers repeat contacts (the seed's rule 1) for this long, then its workflow ends (our default)"},
	},
	Events: []EventSpec{
		newEvent[TelecomNoteData](sm.TelecomSave, "«Сохранить»: the CASE stays OPEN in its creator's folder and does not reach a queue — the customer's question stays unresolved.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[TelecomNoteData](sm.TelecomDispatch, "«Направить»: the CASE goes to its category's queue (OPEN-DISPATCH).",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[TelecomNoteData](sm.TelecomAccept, "Accepted from the queue: OPEN, in the work of whoever accepted it.",
			[]string{RoleExpert, RoleSupervisor}, nil),
		newEvent[TelecomForwardData](sm.TelecomForward, "Forwarded to another queue (OPEN-FORWARDED).",
			[]string{RoleExpert, RoleSupervisor}, nil),
		newEvent[TelecomRejectData](sm.TelecomReject, "Returned to its creator as wrongly created (OPEN-REJECT RETURN): the reason is shown, the creator gets an urgent task.",
			[]string{RoleExpert, RoleSupervisor}, nil),
		newEvent[TelecomCommentData](sm.TelecomComment, "A comment on the CASE.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[TelecomCloseData](sm.TelecomClose, "The CASE is closed (CLOSED): out of the folders, found by search; discount: a discount was given on its question.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[TelecomRepeatData](sm.TelecomRepeatContact, "The customer asks about the CASE again: the engine answers by the state (the seed's three rules) and returns the script to say.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
	},
	New: newTelecomCase,
})

// telecomCase is a running telecom CASE.
type telecomCase struct {
	*caseCore
	in   *TelecomInput
	dir  *TelecomDirectory
	opts *TelecomOptions
	data TelecomData
	// notices numbers the promises «в течение суток».
	notices int
	// onRecord are the subscriber's discounts the records held at the last lookup.
	onRecord []activities.Discount
	// given is the discount given on this CASE, once recorded.
	given *activities.Discount
}

// newTelecomCase builds a telecom CASE (seed 003) from its intake.
func newTelecomCase(_ workflow.Context, c *caseCore, in *TelecomInput) (Behaviour, error) {
	w := &telecomCase{caseCore: c, in: in, dir: &in.Env.Directory, opts: &in.Env.Options}
	w.data = TelecomData{Intake: in.Intake, Subject: in.Intake.Subject, Number: in.Case.ID,
		Queue: w.dir.Queue(in.Intake.Category), Comments: []TelecomComment{}, Repeats: []TelecomRepeat{}, Tasks: []DueTask{}}
	return w, nil
}

// View is the CASE's part of the case view.
func (w *telecomCase) View() any { return w.data }

// Run puts the new CASE in its creator's folder, starts its resolution time,
// and, once it is closed, ends the workflow after the quiet period.
func (w *telecomCase) Run(ctx workflow.Context) error {
	if err := w.locked(ctx, func() error { return w.open(ctx) }); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return w.state() == sm.TelecomClosed }); err != nil {
		return err
	}
	d, err := w.cals.Due(PolicyTelecomClosedQuiet, *w.data.ClosedAt)
	if err != nil {
		return err
	}
	if _, err := w.awaitUntil(ctx, d.Due, "closed quiet period", func() bool { return false }); err != nil {
		return err
	}
	return w.locked(ctx, func() error {
		w.finishTasks(ctx, RoleSystem, "CASE в архиве")
		return w.fire(ctx, sm.TelecomArchive, system, PolicyTelecomClosedQuiet+" passed")
	})
}

// open is the intake: the folder task, the resolution time, the discount answer.
func (w *telecomCase) open(ctx workflow.Context) error {
	in := &w.in.Intake
	now := workflow.Now(ctx)
	spec := DueSpec{}
	if v, ok := w.opts.Resolution[in.Category]; ok {
		spec = mustDue("telecom_resolution."+in.Category, v, true)
	}
	due, basis, err := w.resolveDue("resolution", spec, PolicyTelecomResolution, now)
	if err != nil {
		return err
	}
	w.deadline = append(w.deadline, Deadline{Name: "resolution", Due: due, Basis: basis})
	w.watchDeadline(ctx, "resolution")
	w.lookupDiscounts(ctx)
	return w.openFor(ctx, DueTask{Kind: telecomTaskFolder, Role: RoleOperator, Assignee: in.CreatedBy,
		Title: fmt.Sprintf("CASE № %s «%s» в вашей папке: направьте его в очередь («Направить»)", w.meta.ID, w.data.Subject)},
		TaskTiming{Policy: PolicyTelecomUndispatched, Events: []string{sm.TelecomDispatch, sm.TelecomClose}})
}

// lookupDiscounts asks the records for the customer's discounts on the CASE's
// category within the window and answers whether one may be given. A failed
// lookup leaves a supervisor task and the answer from this CASE alone.
func (w *telecomCase) lookupDiscounts(ctx workflow.Context) {
	now := workflow.Now(ctx)
	q := activities.DiscountQuery{Customer: w.in.Intake.subscriber(), Subject: w.in.Intake.Category,
		Since: now.AddDate(0, -w.opts.DiscountWindowMonth, 0)}
	var out activities.DiscountsFound
	if w.act(ctx, w.step("discounts"), a.FindDiscounts, q, &out) {
		w.onRecord = out.Discounts
	}
	w.answerDiscount(now)
}

// answerDiscount says whether a discount may be given on the CASE's question:
// none when the records (or this CASE) hold one on the same category given
// to the same subscriber within the window.
func (w *telecomCase) answerDiscount(now time.Time) {
	months := w.opts.DiscountWindowMonth
	since := now.AddDate(0, -months, 0)
	ans := TelecomDiscountAnswer{Allowed: true, WindowMonths: months,
		Basis: "the records' discounts of the subscriber (customer.phone) on the CASE's category, and this CASE's own"}
	var last *activities.Discount
	for i := range w.onRecord {
		if d := &w.onRecord[i]; !d.GivenAt.Before(since) && (last == nil || d.GivenAt.After(last.GivenAt)) {
			last = d
		}
	}
	if w.given != nil && (last == nil || w.given.GivenAt.After(last.GivenAt)) {
		last = w.given
	}
	if last != nil && !last.GivenAt.Before(since) {
		day := last.GivenAt.In(w.zone(PolicyTelecomResolution))
		ans.Allowed, ans.Last, ans.LastCase = false, day.Format(time.DateOnly), last.CaseID
		ans.Script = fmt.Sprintf(TelecomNoDiscountScript, day.Format("02.01.2006"))
	}
	w.data.Discount = ans
}

// openFor opens a due task and watches it.
func (w *telecomCase) openFor(ctx workflow.Context, t DueTask, timing TaskTiming) error {
	t, err := w.openTask(ctx, t, timing)
	if err != nil {
		return err
	}
	w.data.Tasks = append(w.data.Tasks, t)
	w.watchTask(ctx, t.TaskID)
	return nil
}

// toQueue puts the CASE in its queue: a task of the queue's experts, the
// queue its assignee, due when the CASE's resolution time ends (or, for a
// CASE re-queued past it, when the notice promised to the customer is due).
func (w *telecomCase) toQueue(ctx workflow.Context, due time.Time) error {
	title := fmt.Sprintf("CASE № %s «%s» (%s) в очереди %s", w.meta.ID, w.data.Subject, w.in.Intake.Category, w.data.Queue)
	return w.openFor(ctx, DueTask{Kind: telecomTaskQueue, Role: RoleExpert, Assignee: w.data.Queue, Title: title},
		TaskTiming{Due: DueSpec{at: due}, Policy: PolicyTelecomResolution, Events: telecomQueueEvents})
}

// resolution is the CASE's resolution deadline.
func (w *telecomCase) resolution() *Deadline { return w.findDeadline("resolution") }

// overdue reports whether the CASE's resolution time has passed.
func (w *telecomCase) overdue(ctx workflow.Context) bool {
	d := w.resolution()
	return d.Breached || !workflow.Now(ctx).Before(d.Due)
}

// finishTasks completes the open tasks of the kinds (all kinds when none given).
func (w *telecomCase) finishTasks(ctx workflow.Context, by, report string, kinds ...string) {
	w.caseCore.finishTasks(ctx, w.data.Tasks, by, report, kinds...)
}

// dueTask finds a CASE's task for the core's watcher.
func (w *telecomCase) dueTask(id string) *DueTask {
	return w.data.Tasks.Find(id)
}

// taskReminded: the CASE's tasks have no reminder letters.
func (w *telecomCase) taskReminded(workflow.Context, DueTask) {}

// taskOverdue flags a CASE left in its creator's folder: the creator gets an
// urgent task; other overdue tasks are the core's breached deadline.
func (w *telecomCase) taskOverdue(ctx workflow.Context, t DueTask) {
	if t.Kind != telecomTaskFolder || w.state() != sm.TelecomOpen || w.data.DispatchedAt != nil {
		return
	}
	w.data.Undispatched = true
	w.note(ctx, "undispatched", fmt.Sprintf("saved and not dispatched within %s: the customer's question stays unresolved", PolicyTelecomUndispatched))
	// A bad calendar is the only error here; the breached deadline stays.
	_ = w.openFor(ctx, DueTask{Kind: telecomTaskUndispatched, Role: RoleOperator, Assignee: w.in.Intake.CreatedBy,
		Title: fmt.Sprintf("CASE № %s сохранён, но не направлен: вопрос клиента не решается. Нажмите «Направить» или закройте CASE", w.meta.ID)},
		TaskTiming{Policy: PolicyTelecomUrgent, Events: []string{sm.TelecomDispatch, sm.TelecomClose}})
}

// Guard refuses what the table allows but this CASE's history does not: a
// forward or a return of a CASE that never reached a queue.
func (w *telecomCase) Guard(ev *Event) error {
	switch ev.Name() {
	case sm.TelecomForward, sm.TelecomReject:
		if w.state() == sm.TelecomOpen && w.data.AcceptedBy == "" {
			return refuseIllegal(ev.Name(), w.state(), slices.DeleteFunc(w.allowedEvents(), func(e string) bool {
				return e == sm.TelecomForward || e == sm.TelecomReject
			}))
		}
	}
	return nil
}

// Apply runs the side effects of a person's event.
func (w *telecomCase) Apply(ctx workflow.Context, ev *Event) error {
	who := ev.Who()
	now := workflow.Now(ctx)
	switch d := ev.Data.(type) {
	case *TelecomForwardData:
		w.finishTasks(ctx, who, "переадресован в "+d.Queue, telecomTaskQueue, telecomTaskWork)
		w.data.Queue, w.data.AcceptedBy = d.Queue, ""
		w.meetNotices(ctx)
		return w.toQueue(ctx, w.resolution().Due)
	case *TelecomRejectData:
		w.finishTasks(ctx, who, "возвращён создателю: "+d.Reason, telecomTaskQueue, telecomTaskWork)
		w.data.RejectReason = d.Reason
		w.comment(now, who, TelecomRejectedComment+": "+d.Reason)
		w.meetNotices(ctx)
		return w.openFor(ctx, DueTask{Kind: telecomTaskRejected, Role: RoleOperator, Assignee: w.in.Intake.CreatedBy,
			Title: fmt.Sprintf("CASE № %s возвращён: %s. Срочно закройте его и, если нужно, создайте новый CASE в нужной категории", w.meta.ID, d.Reason)},
			TaskTiming{Policy: PolicyTelecomUrgent, Events: []string{sm.TelecomClose}})
	case *TelecomCommentData:
		w.comment(now, who, d.Text)
		return nil
	case *TelecomCloseData:
		w.finishTasks(ctx, who, strings.TrimSpace("закрыт "+d.Note))
		w.meet(ctx, "resolution")
		w.meetNotices(ctx)
		w.data.ClosedAt = &now
		if d.Discount {
			w.recordDiscount(ctx)
		}
		w.answerDiscount(now)
		return nil
	case *TelecomRepeatData:
		return w.repeat(ctx, ev, d)
	}
	switch ev.Name() {
	case sm.TelecomSave:
		w.note(ctx, "saved", "saved, not sent to a queue")
		return nil
	case sm.TelecomDispatch:
		w.finishTasks(ctx, who, "направлен в "+w.data.Queue, telecomTaskFolder, telecomTaskUndispatched)
		if w.data.DispatchedAt == nil {
			w.data.DispatchedAt = &now
		}
		return w.toQueue(ctx, w.resolution().Due)
	case sm.TelecomAccept:
		w.finishTasks(ctx, who, "принят в работу", telecomTaskQueue)
		w.data.AcceptedBy = who
		w.meetNotices(ctx)
		return w.openFor(ctx, DueTask{Kind: telecomTaskWork, Role: RoleExpert, Assignee: who,
			Title: fmt.Sprintf("CASE № %s «%s» в работе (очередь %s)", w.meta.ID, w.data.Subject, w.data.Queue)},
			TaskTiming{Due: DueSpec{at: w.resolution().Due}, Policy: PolicyTelecomResolution, Events: telecomQueueEvents})
	}
	return fmt.Errorf("event %s has no handler", ev.Name())
}

// recordDiscount records the discount given on the CASE, so that the records
// refuse another on the same question within the window.
func (w *telecomCase) recordDiscount(ctx workflow.Context) {
	now := workflow.Now(ctx)
	d := activities.Discount{Key: w.key("discount"), CaseID: w.meta.ID, Customer: w.in.Intake.subscriber(),
		Subject: w.in.Intake.Category, GivenAt: now}
	w.data.DiscountGiven = now.In(w.zone(PolicyTelecomResolution)).Format(time.DateOnly)
	var out activities.Discount
	if w.act(ctx, "record-discount", a.RecordDiscount, d, &out) {
		d = out
	}
	w.given = &d
}

// comment adds a comment to the CASE.
func (w *telecomCase) comment(at time.Time, by, text string) {
	w.data.Comments = append(w.data.Comments, TelecomComment{At: at, By: by, Text: text})
}

// repeat answers a repeat contact by the state the CASE was in (the seed's
// «Вопрос абонента по ранее созданному case»).
func (w *telecomCase) repeat(ctx workflow.Context, ev *Event, d *TelecomRepeatData) error {
	now := workflow.Now(ctx)
	r := TelecomRepeat{At: now, By: ev.Who(), State: ev.From, Overdue: w.overdue(ctx), Insists: d.CustomerInsists}
	urge := r.Overdue || d.CustomerInsists
	switch {
	case ev.From == sm.TelecomClosed && d.Disagrees:
		r.Rule, r.Line = TelecomRuleTransfer, w.opts.line(w.in.Intake.Category)
		line := w.dir.RetentionLine
		if r.Line == TelecomLineEquipment {
			line = w.dir.EquipmentLine
		}
		r.Contact = &line
		r.Script = fmt.Sprintf(TelecomTransferScript, line.Name, w.meta.ID)
	case ev.From == sm.TelecomClosed:
		r.Rule, r.Script = TelecomRuleClosed, fmt.Sprintf(TelecomClosedScript, w.meta.ID)
	case ev.From == sm.TelecomRejectReturn:
		r.Rule, r.Script = TelecomRuleRejected, fmt.Sprintf(TelecomInWorkScript, w.meta.ID)
	case !urge:
		r.Rule, r.Script = TelecomRuleInformed, fmt.Sprintf(TelecomInWorkScript, w.meta.ID)
	case ev.From == sm.TelecomOpen:
		r.Rule, r.Script = TelecomRuleComment, TelecomRepeatPhrase
		w.comment(now, ev.Who(), TelecomRepeatComment)
		if err := w.promiseNotice(ctx); err != nil {
			return err
		}
	default: // in a queue: dispatched or forwarded
		r.Rule, r.Script = TelecomRuleRequeue, TelecomRepeatPhrase
		if err := w.promiseNotice(ctx); err != nil {
			return err
		}
		if err := w.requeue(ctx, ev.Actor()); err != nil {
			return err
		}
	}
	w.data.Script = r.Script
	w.data.Repeats = append(w.data.Repeats, r)
	w.lookupDiscounts(ctx)
	return nil
}

// requeue is rule 2: the operator accepts the CASE, marks its subject
// «ПОВТОР» and sends it back to its queue.
func (w *telecomCase) requeue(ctx workflow.Context, by Actor) error {
	if err := w.fire(ctx, sm.TelecomAccept, by, "повторное обращение"); err != nil {
		return err
	}
	w.finishTasks(ctx, by.Label(), "повторное обращение: отмечен "+TelecomRepeatMark, telecomTaskQueue, telecomTaskWork)
	if !strings.HasPrefix(w.data.Subject, TelecomRepeatMark) {
		w.data.Subject = TelecomRepeatMark + " " + w.data.Subject
	}
	if err := w.fire(ctx, sm.TelecomDispatch, by, "повторное обращение: обратно в очередь "+w.data.Queue); err != nil {
		return err
	}
	w.data.AcceptedBy = ""
	due := w.resolution().Due
	if n := w.findDeadline(fmt.Sprintf("repeat_notice_%d", w.notices)); n != nil && w.overdue(ctx) {
		due = n.Due
	}
	return w.toQueue(ctx, due)
}

// promiseNotice tracks the standard phrase's promise: a notice within a day.
func (w *telecomCase) promiseNotice(ctx workflow.Context) error {
	w.notices++
	name := fmt.Sprintf("repeat_notice_%d", w.notices)
	if _, err := w.addDeadline(ctx, name, PolicyTelecomRepeatNotice, workflow.Now(ctx)); err != nil {
		return err
	}
	w.watchDeadline(ctx, name)
	return nil
}

// meetNotices keeps the notice promises: the queue acted on the CASE.
func (w *telecomCase) meetNotices(ctx workflow.Context) {
	for i := 1; i <= w.notices; i++ {
		w.meet(ctx, fmt.Sprintf("repeat_notice_%d", i))
	}
}
