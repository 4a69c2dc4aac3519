package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

// consultationRoles send a consultation's events: the hotline, and the intake
// services (telephony, Usedesk) with an operator's token.
var consultationRoles = []string{RoleOperator, RoleExpert, RoleSupervisor}

var consultationType = Define(Definition[ConsultationIntake, ConsultationDirectory, ConsultationOptions]{
	Name:        "consultation",
	Title:       "Consultation registration (GSIS)",
	Machine:     sm.Consultation,
	IntakeRoles: consultationRoles,
	Policies: []Policy{
		{Name: PolicyConsultationPostCall, Default: "5 minutes", Doc: "the end of post-call, counted from the call's end: a consultation is registered «в момент разговора с клиентом или в поствызове, не позднее». " +
			"Plain minutes, not working ones: post-call is the operator's wrap-up right after the call, whenever the call ends — a call that ends at 17:58 or on a Saturday is wrapped up then, not on the next working morning. The seed gives no figure; 5 minutes is SPEC §3.3's default"},
	},
	Events: []EventSpec{
		newEvent[CallEndedData](sm.ConsultationCallEnded, "The call ended (from the telephony): post-call starts; a call transferred to a line whose calls get no consultation ends not_registered.",
			consultationRoles, nil),
		newEvent[HandedOverData](sm.ConsultationHandedOver, "The request went to VOC, RC or Naumen without holding the customer: a call ends and the registration goes on in post-call.",
			consultationRoles, nil),
		newEvent[ConsultationRegisteredData](sm.ConsultationRegistered, "The GSIS form is complete, during the contact or in post-call; every rule of the form is checked against the whole form. A call's consultation is then completed; a chat's or mail's waits for its ticket to close.",
			consultationRoles, nil),
		newEvent[ConsultationCompleteData](sm.ConsultationComplete, "The chat or ticket closed: «Завершено».",
			consultationRoles, nil),
		newEvent[ConsultationCancelData](sm.ConsultationCancel, "The consultation is withdrawn, with a reason.",
			consultationRoles, nil),
	},
	New: newConsultationCase,
})

// deadlinePostCall names the post-call deadline.
const deadlinePostCall = "post_call"

// consultationCase is a running consultation registration.
type consultationCase struct {
	*caseCore
	in   *ConsultationInput
	opts *ConsultationOptions
	dir  *ConsultationDirectory
	// root is the workflow's context: the guard reads today's date with it.
	root workflow.Context
	data ConsultationData
	// lateTask is the supervisor's task of a missed post-call, "" when none is open.
	lateTask string
}

// newConsultationCase builds a consultation registration (seed 002).
func newConsultationCase(ctx workflow.Context, c *caseCore, in *ConsultationInput) (Behaviour, error) {
	w := &consultationCase{caseCore: c, in: in, opts: &in.Env.Options, dir: &in.Env.Directory, root: ctx}
	w.data = ConsultationData{Intake: in.Intake, HandOffs: []HandOff{}, Advice: []AdviceLine{}, Routed: []Routing{}}
	return w, nil
}

// View is the consultation's part of the case view.
func (w *consultationCase) View() any { return w.data }

// Run opens the consultation and keeps its post-call deadline: once the call
// has ended, a registration that does not come by the end of post-call is
// recorded as a breach and becomes a supervisor's task. The wait's timer is
// cancelled when the case registers or ends: a consultation leaves none behind.
func (w *consultationCase) Run(ctx workflow.Context) error {
	if err := w.locked(ctx, func() error { return w.open(ctx) }); err != nil {
		return err
	}
	for !w.terminal() {
		if err := workflow.Await(ctx, func() bool { return w.terminal() || w.postCallRunning() }); err != nil {
			return err
		}
		if w.terminal() {
			return nil
		}
		late, err := w.awaitUntil(ctx, w.findDeadline(deadlinePostCall).Due, "", func() bool { return !w.postCallRunning() })
		if err != nil {
			return err
		}
		if late {
			if err := w.locked(ctx, func() error { w.postCallMissed(ctx); return nil }); err != nil {
				return err
			}
		}
	}
	return nil
}

// open moves the new case to where its contact is: a call goes on, has ended
// or went to a line with no consultation; a written contact has its earlier
// request looked up in the records.
func (w *consultationCase) open(ctx workflow.Context) error {
	in := &w.in.Intake
	if written(in.Source) {
		if err := w.fire(ctx, sm.ConsultationOpenContact, system, fmt.Sprintf("%s about %s", in.Source, in.OriginalSR)); err != nil {
			return err
		}
		var rec activities.RequestOnRecord
		if w.act(ctx, "lookup-request", a.LookupServiceRequest, activities.LookupRequestInput{Number: in.OriginalSR}, &rec) {
			w.data.Request = &rec
			if !rec.Found {
				w.note(ctx, "request_not_on_record", in.OriginalSR+" is not in the records: the copied fields cannot be checked against it")
			}
		}
		return nil
	}
	if in.TransferredTo != "" && w.opts.unregistered(in.TransferredTo) {
		w.data.TransferredTo = in.TransferredTo
		return w.notRegistered(ctx)
	}
	if in.CallEndedAt == "" {
		return w.fire(ctx, sm.ConsultationStartCall, system, "call started: register during the call or in post-call")
	}
	if err := w.fire(ctx, sm.ConsultationCallEnded, system, "the intake came after the call ended"); err != nil {
		return err
	}
	at, _ := time.Parse(time.RFC3339, in.CallEndedAt) // Validate checked it
	return w.callEnded(ctx, at, in.TransferredTo)
}

// callEnded records the call's end and starts post-call, or ends the case when
// the call went to a line whose calls get no consultation.
func (w *consultationCase) callEnded(ctx workflow.Context, at time.Time, transferredTo string) error {
	if now := workflow.Now(ctx); at.After(now) {
		w.note(ctx, "call_ended_in_future", fmt.Sprintf("the call's end %s is later than now: post-call counts from now", at.Format(time.RFC3339)))
		at = now
	}
	w.data.CallEndedAt = &at
	if transferredTo != "" {
		w.data.TransferredTo = transferredTo
		if w.opts.unregistered(transferredTo) {
			return w.notRegistered(ctx)
		}
	}
	_, err := w.addDeadline(ctx, deadlinePostCall, PolicyConsultationPostCall, at)
	return err
}

// notRegistered ends a call transferred to a line whose calls get no consultation.
func (w *consultationCase) notRegistered(ctx workflow.Context) error {
	line := w.data.TransferredTo
	w.data.NotRegistered = fmt.Sprintf("Звонок переведён на линию %s: консультацию в GSIS не оформляем.", line)
	return w.fire(ctx, sm.ConsultationTransfer, system, "transferred to "+line+": calls to this line get no consultation")
}

// postCallRunning reports whether the post-call deadline runs: set, neither kept
// nor breached, the case open.
func (w *consultationCase) postCallRunning() bool {
	d := w.findDeadline(deadlinePostCall)
	return d != nil && !d.Met && !d.Breached && !w.terminal()
}

// postCallMissed records the breach and opens the supervisor's task.
func (w *consultationCase) postCallMissed(ctx workflow.Context) {
	// A registration may have come in while this waited for the lock.
	if !w.postCallRunning() {
		return
	}
	w.breach(ctx, deadlinePostCall)
	d := w.findDeadline(deadlinePostCall)
	zone := w.zone(PolicyConsultationPostCall)
	t := w.addTask(ctx, Task{
		Title: fmt.Sprintf("Консультация не зарегистрирована в поствызове: звонок завершён %s, срок истёк %s. Зарегистрируйте её (registered) или отмените (cancel)",
			w.data.CallEndedAt.In(zone).Format("02.01.2006 15:04"), d.Due.In(zone).Format("15:04")),
		Role: RoleSupervisor, Due: workflow.Now(ctx), Events: []string{sm.ConsultationRegistered, sm.ConsultationCancel},
	})
	w.lateTask = t.ID
}

// closeLateTask closes the supervisor's task of a missed post-call.
func (w *consultationCase) closeLateTask(ctx workflow.Context) {
	if w.lateTask != "" {
		w.closeTask(ctx, w.lateTask)
		w.lateTask = ""
	}
}

// today is the date of now on the post-call policy's calendar.
func (w *consultationCase) today() string {
	return workflow.Now(w.root).In(w.zone(PolicyConsultationPostCall)).Format(time.DateOnly)
}

// formFor is the GSIS form a registration makes: the intake's fields completed
// by the event's, the seed's fixed values where none is given, and for a
// written contact the fields copied from the earlier request.
func (w *consultationCase) formFor(d *ConsultationRegisteredData) ConsultationForm {
	in := &w.in.Intake
	f := in.form()
	f.ConsultationFields.complete(d.ConsultationFields)
	if d.Description != "" {
		f.Description = d.Description
	}
	if c := d.Customer; c != nil {
		replace(&f.Customer.FullName, c.FullName)
		replace(&f.Customer.Phone, c.Phone)
		replace(&f.Customer.Email, c.Email)
		replace(&f.Customer.Address, c.Address)
	}
	if f.Priority == "" {
		f.Priority = PriorityNormal
	}
	if f.ServiceType == "" {
		f.ServiceType = ServiceTypeConsultation
	}
	if f.ServiceDate == "" {
		f.ServiceDate = w.today()
	}
	if !written(in.Source) {
		return f
	}
	f.RepeatContact = true
	if f.L1 == "" {
		f.L1 = RepeatL1
	}
	if f.L2 == "" {
		f.L2 = RepeatL2
	}
	if r := w.data.Request; r != nil && r.Found && strings.EqualFold(r.Number, f.OriginalSR) {
		// «Создаем обращение — выбираем заявку, нажимаем "копировать"».
		fill(&f.Model, r.Model)
		fill(&f.Serial, r.Serial)
		fill(&f.PurchaseDate, r.PurchaseDate)
		fill(&f.Seller, r.Store)
	}
	return f
}

// replace sets *dst to v unless v is empty.
func replace(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// fill sets an empty *dst to v.
func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// Guard checks a registration against every rule of the form, on the whole
// form: the options' lists, today's date and the earlier request's record.
func (w *consultationCase) Guard(ev *Event) error {
	d, ok := ev.Data.(*ConsultationRegisteredData)
	if !ok {
		return nil
	}
	in := &w.in.Intake
	if written(in.Source) && d.OriginalSR != "" && !strings.EqualFold(d.OriginalSR, in.OriginalSR) {
		return refuseData(ErrTypeInvalidData, ruleErr("original_sr", RuleOriginalSR, "must be %s, the request this contact is about, not %s", in.OriginalSR, d.OriginalSR))
	}
	f := w.formFor(d)
	if err := f.check(formCheck{source: in.Source, complete: true, opts: w.opts, today: w.today(), request: w.data.Request}); err != nil {
		return refuseData(ErrTypeInvalidData, err)
	}
	return nil
}

// Apply runs the side effects of a person's event.
func (w *consultationCase) Apply(ctx workflow.Context, ev *Event) error {
	now := workflow.Now(ctx)
	switch d := ev.Data.(type) {
	case *CallEndedData:
		at := now
		if d.At != "" {
			at, _ = time.Parse(time.RFC3339, d.At) // Validate checked it
		}
		return w.callEnded(ctx, at, d.TransferredTo)
	case *HandedOverData:
		w.data.HandOffs = append(w.data.HandOffs, HandOff{Department: d.Department, At: now, By: ev.Who(), CustomerHeld: d.CustomerHeld, Note: d.Note})
		if ev.From == sm.ConsultationInCall {
			// The customer is not held for the hand-off: the call ends now.
			return w.callEnded(ctx, now, "")
		}
		return nil
	case *ConsultationRegisteredData:
		w.register(ctx, ev, d)
		return nil
	case *ConsultationCompleteData:
		closed := now
		if d.ClosedAt != "" {
			closed, _ = time.Parse(time.RFC3339, d.ClosedAt) // Validate checked it
		}
		w.data.TicketClosedAt, w.data.CompletedAt = &closed, &now
		return nil
	case *ConsultationCancelData:
		w.data.CancelReason = d.Reason
		w.closeLateTask(ctx)
		return nil
	}
	return fmt.Errorf("event %s has no handler", ev.Name())
}

// register records the GSIS consultation, the advice given and the routing
// letters, and keeps (or closes late) the post-call deadline.
func (w *consultationCase) register(ctx workflow.Context, ev *Event, d *ConsultationRegisteredData) {
	now := workflow.Now(ctx)
	f := w.formFor(d)
	w.data.Form = &f
	w.data.RegisteredIn, w.data.RegisteredAt, w.data.RegisteredBy = ev.From, &now, ev.Who()
	if dl := w.findDeadline(deadlinePostCall); dl != nil {
		w.data.Late = dl.Breached
		w.meet(ctx, deadlinePostCall)
	}
	w.closeLateTask(ctx)
	for _, code := range f.Advice {
		text := consultationAdvice[code]
		if code == AdviceSupportPersonalData {
			text = fmt.Sprintf(text, w.dir.Redirects.Support)
		}
		w.data.Advice = append(w.data.Advice, AdviceLine{Code: code, Text: text})
	}
	var cons activities.Consultation
	if w.act(ctx, "consultation", a.CreateConsultation, activities.Consultation{
		Key: w.key("consultation"), CaseID: w.meta.ID, Number: w.in.Intake.ConsultationNumber,
		Description: f.Description, Fields: w.recordFields(&f),
	}, &cons) {
		w.data.Number = cons.Number
	}
	w.route(ctx, &f)
	if w.state() == sm.ConsultationCompleted {
		w.data.CompletedAt = &now
	}
}

// recordFields are the GSIS record's fields.
func (w *consultationCase) recordFields(f *ConsultationForm) map[string]string {
	var advice, handOffs []string
	for _, a := range w.data.Advice {
		advice = append(advice, a.Text)
	}
	for _, h := range w.data.HandOffs {
		handOffs = append(handOffs, h.Department)
	}
	fields := map[string]string{}
	for _, kv := range [][2]string{
		{"type", "Консультация"}, {"source", w.in.Intake.Source}, {"brand", f.Brand}, {"model", f.Model}, {"serial", f.Serial},
		{"category", f.Category}, {"purchase_date", f.PurchaseDate}, {"seller", f.Seller}, {"marketplace", f.Marketplace},
		{"l1", f.L1}, {"l2", f.L2}, {"l3", f.L3}, {"call_from", f.CallFrom}, {"caller_number", f.CallerNumber},
		{"original_sr", f.OriginalSR}, {"priority", f.Priority}, {"service_date", f.ServiceDate}, {"service_type", f.ServiceType},
		{"ticket_url", f.TicketURL}, {"customer_phone", f.Customer.Phone}, {"customer_email", f.Customer.Email},
		{"advice", strings.Join(advice, " ")}, {"handed_over", strings.Join(handOffs, ", ")},
	} {
		if kv[1] != "" {
			fields[kv[0]] = kv[1]
		}
	}
	return fields
}

// route mails a store's or service centre's employee's request to the mailbox
// that takes it (shop.help@, call.center@).
func (w *consultationCase) route(ctx workflow.Context, f *ConsultationForm) {
	if !f.LeadsToRequest {
		return
	}
	var box, who string
	switch f.CallFrom {
	case CallFromStore:
		box, who = w.dir.Redirects.ShopHelp, "сотрудник магазина"
	case CallFromASC:
		box, who = w.dir.Redirects.CallCenter, "сотрудник АСЦ"
	default:
		return
	}
	data := map[string]any{
		"Number": w.data.Number, "Who": who, "CallerNumber": f.CallerNumber, "CustomerName": f.Customer.FullName,
		"Phone": f.Customer.Phone, "Product": strings.TrimSpace(strings.Join([]string{f.Brand, f.Category, f.Model}, " ")),
		"Description": f.Description, "OriginalSR": f.OriginalSR,
	}
	sent := w.mail(ctx, "routing", "consultation_routing", []string{box}, nil, data, nil)
	w.data.Routed = append(w.data.Routed, Routing{Mailbox: box, Reason: who + ": оформление заявки", Sent: sent})
}
