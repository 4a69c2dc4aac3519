package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

// EventVerdict is the engineer's verdict: it fires verdict_plc or verdict_not_plc.
const EventVerdict = "verdict"

var plcType = Define(Definition[PLCIntake, PLCDirectory, PLCOptions]{
	Name:        "plc",
	Title:       "Product liability case (PLC)",
	Machine:     sm.PLC,
	IntakeRoles: []string{RoleOperator, RoleExpert, RoleSupervisor},
	Policies: []Policy{
		{Name: PolicyPLCVerdict, Default: "3 working hours", Doc: "the engineer's verdict (PLC or not): «Ответ должен поступить в течение 3-х рабочих часов»"},
		{Name: PolicyPLCEscalationStep, Default: "30 working minutes", Doc: "each call of the escalation chain, and the grace after a reached call"},
		{Name: PolicyPLCCustomerCallback, Default: "1 working day", Doc: "the specialist's call to the customer: «в течение рабочих суток»"},
		{Name: PolicyPLCPlannedDate, Default: "next day", Doc: "the PLC ticket's planned date: «на следующий день»"},
		{Name: PolicyPLCASCCallback, Default: "3 working days", Doc: "not PLC: the service centre calls the customer"},
	},
	Events: []EventSpec{
		newEvent[CallAttemptData](sm.PLCCallAttempt, "A call of the escalation chain: reached or not.",
			[]string{RoleSupervisor}, nil),
		newEvent(EventVerdict, "The engineer's verdict: PLC or not.", []string{RoleEngineer, RoleSupervisor},
			func(d *VerdictData) string {
				if *d.PLC {
					return sm.PLCVerdictPLC
				}
				return sm.PLCVerdictNotPLC
			}, sm.PLCVerdictPLC, sm.PLCVerdictNotPLC),
		newEvent[NoteData](sm.PLCSpecialistCalled, "The specialist called the customer (the promise of a call within a working day is kept).",
			[]string{RoleEngineer, RoleSupervisor, RoleExpert}, nil),
		newEvent[NoteData](sm.PLCRepeatContact, "The customer contacted again; forwarded to the whole thread.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[DocumentsData](sm.PLCDocuments, "The customer sent documents; checklist updated and forwarded.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[NRPActData](sm.PLCNRPActUploaded, "The НРП act is in the ticket's internal comments; the complaints mailbox joins.",
			[]string{RoleExpert, RoleSupervisor}, nil),
		newEvent[SatisfactionData](sm.PLCSatisfaction, "The customer's satisfaction with the settlement, reported to the thread.",
			[]string{RoleSupervisor, RoleExpert}, nil),
		newEvent[NoteData](sm.PLCClose, "The case is settled: ticket status Выполнено.",
			[]string{RoleSupervisor}, nil),
		newEvent[ServiceRequestData](sm.PLCServiceRequest, "At the PLC group's request («по просьбе»): the urgent service request in the same card, МСС preferred, another ASC with the reason.",
			[]string{RoleSupervisor, RoleExpert, RoleEngineer}, nil),
		newEvent[AnswerPreparingData](sm.PLCAnswerPreparing, "After the visit and the warranty decision the PLC group prepares its answer.",
			[]string{RoleSupervisor, RoleExpert, RoleEngineer}, nil),
	},
	New: newPLCCase,
})

// plcCase is a running product-liability case.
type plcCase struct {
	*caseCore
	in   *PLCInput
	dir  *PLCDirectory
	data PLCData
	// callTask is the open call task of the escalation chain, "" when none.
	callTask string
	// lastCall is the outcome of the latest call attempt on the current level.
	lastCall *CallAttempt
	// seed is the version of the PLC's commands this run started with.
	seed workflow.Version
}

// Versions of the PLC's commands (workflow.GetVersion change plcSeedChange).
const (
	plcSeedChange = "caseflow-plc-seed"
	// plcSeedV1: issue 15's reading of seed 000 — the interim reply reaches the
	// chat ticket and the PLC ticket's comments, specialist_contacted is
	// commented, the urgent service request waits for the group's request.
	plcSeedV1 workflow.Version = 1
)

// newPLCCase builds a product-liability case (seed 000) from its intake.
func newPLCCase(ctx workflow.Context, c *caseCore, in *PLCInput) (Behaviour, error) {
	w := &plcCase{caseCore: c, in: in, dir: &in.Env.Directory,
		seed: c.changeVersion(ctx, plcSeedChange, plcSeedV1)}
	w.data = PLCData{Intake: in.Intake, Recommendations: PLCRecommendations, EscalationLevel: -1, CallAttempts: []CallAttempt{}}
	for _, d := range PLCDocuments {
		// A missing refusal decision is awaited for a fire only (an unknown
		// incident, from intakes before the field existed, counts as one).
		w.data.Documents = append(w.data.Documents, DocumentStatus{Document: d, Awaited: d.Code == "refusal_decision" && in.Intake.fire()})
	}
	w.data.Attachments = slices.Clone(in.Intake.Attachments)
	return w, nil
}

// View is the PLC part of the case view.
func (w *plcCase) View() any { return w.data }

// Run registers the case, waits for the verdict and escalates when it is late.
func (w *plcCase) Run(ctx workflow.Context) error {
	if w.in.Intake.Excluded() {
		return w.locked(ctx, func() error { w.redirect(ctx); return nil })
	}
	if w.version >= coreV2 {
		// Registered first, so people's events enter while the intake's side
		// effects retry (an SMTP outage must not make the verdict impossible).
		err := w.locked(ctx, func() error {
			if err := w.startClocks(ctx); err != nil {
				return err
			}
			return w.fire(ctx, sm.PLCRegister, system, "PLC request to "+w.data.Engineer.Email)
		})
		if err != nil {
			return err
		}
		w.settle(func() { w.intakeEffects(ctx) })
	} else if err := w.locked(ctx, func() error { return w.intake(ctx) }); err != nil {
		return err
	}
	verdict := w.findDeadline("verdict")
	why := "no verdict within the deadline: escalation chain starts"
	var late bool
	if bounce := w.decisions.bounce; bounce != "" && w.state() == sm.PLCAwaitingVerdict {
		// Set only since bounceV1: the engineer will never read the request.
		late, why = true, "the mail server refused the PLC request to the engineer ("+bounce+"): escalation chain starts at once, without waiting for the verdict's deadline"
	} else {
		var err error
		if late, err = w.waitUntil(ctx, verdict.Due, "", func() bool { return w.state() != sm.PLCAwaitingVerdict }); err != nil {
			return err
		}
	}
	if late {
		if err := w.escalate(ctx, why); err != nil {
			return err
		}
	}
	return workflow.Await(ctx, w.terminal)
}

var system = Actor{Name: "caseflow", Role: RoleSystem}

// redirect handles the seed's exclusion: the customer goes to ServiceB2B.
func (w *plcCase) redirect(ctx workflow.Context) {
	in := &w.in.Intake
	b2b := w.dir.Redirects.ServiceB2B
	w.data.RedirectedTo = b2b
	cons := activities.Consultation{
		Key: w.key("redirect-consultation"), CaseID: w.meta.ID, Number: in.ConsultationNumber,
		Description: fmt.Sprintf("Не PLC: у клиента есть подтверждённый акт НРП, требует компенсацию. Клиент направлен на %s. %s", b2b, in.Description),
		Fields:      map[string]string{"channel": in.Channel, "call_from": in.Customer.Phone},
	}
	var out activities.Consultation
	if w.act(ctx, "redirect-consultation", a.CreateConsultation, cons, &out) {
		w.data.ConsultationNumber = out.Number
	}
	w.data.CustomerReply = fmt.Sprintf("Требование о компенсации по акту НРП рассматривает ServiceB2B: направьте его на %s.", b2b)
	if in.Customer.Email != "" && in.Channel != ChannelPhone {
		w.mail(ctx, "redirect-reply", "plc_redirect_b2b", []string{in.Customer.Email}, nil,
			map[string]any{"ConsultationNumber": w.data.ConsultationNumber, "ServiceB2B": b2b}, nil)
	}
	// redirect_b2b is the only event of a new case that is not registered yet:
	// it cannot be refused.
	_ = w.fire(ctx, sm.PLCRedirect, system, "НРП act and compensation demand: directed to "+b2b)
}

// intake performs every action of the seed's first contact and starts the
// clocks, holding the lock: runs started before coreV2.
func (w *plcCase) intake(ctx workflow.Context) error {
	if err := w.startClocks(ctx); err != nil {
		return err
	}
	w.intakeEffects(ctx)
	return w.fire(ctx, sm.PLCRegister, system, "PLC request sent to "+w.data.Engineer.Email)
}

// startClocks names the engineer and starts the verdict and callback clocks
// and the planned date.
func (w *plcCase) startClocks(ctx workflow.Context) error {
	in := &w.in.Intake
	dir := w.dir
	w.data.Engineer = dir.Engineer(in.Product.Category)

	if _, err := w.addDeadline(ctx, "verdict", PolicyPLCVerdict, w.openedAt); err != nil {
		return err
	}
	if _, err := w.addDeadline(ctx, "customer_callback", PolicyPLCCustomerCallback, w.openedAt); err != nil {
		return err
	}
	w.watchDeadline(ctx, "verdict")
	w.watchDeadline(ctx, "customer_callback")
	planned, err := w.cals.Due(PolicyPLCPlannedDate, w.openedAt)
	if err != nil {
		return err
	}
	w.data.PlannedDate = planned.Due.Format(time.DateOnly)
	if w.in.Env.Options.PlannedDateWorkingDay {
		if cal, err := w.cals.Calendar(planned.Basis.Calendar); err == nil {
			w.data.PlannedDate = cal.NextWorkingDayStart(w.openedAt).Format(time.DateOnly)
		}
	}
	return nil
}

// intakeEffects are the side effects of the first contact: the consultation,
// the alerts, the customer's reply, the ticket and the engineer's request.
// Since release2612b the consultation goes first (every letter and the ticket
// print its number) and the rest at once, the engineer's request first; runs
// started before send them one after another.
func (w *plcCase) intakeEffects(ctx workflow.Context) {
	in := &w.in.Intake
	verdict := w.findDeadline("verdict")
	var cons activities.Consultation
	if w.act(ctx, "consultation", a.CreateConsultation, activities.Consultation{
		Key: w.key("consultation"), CaseID: w.meta.ID, Number: in.ConsultationNumber,
		Description: PLCDescriptionStart + ". " + in.Description,
		Fields: map[string]string{
			"type": "Консультация", "channel": in.Channel, "brand": in.Product.Brand, "model": in.Product.Model,
			"category": in.Product.Category, "purchase_date": in.Product.PurchaseDate, "store": in.Product.Store,
			"mood": in.Mood, "demands": strings.Join(in.Demands, "; "), "volunteered_damage": in.VolunteeredDamage,
			"recommendations": PLCRecommendations,
		},
	}, &cons) {
		w.data.ConsultationNumber = cons.Number
	}

	mailData := w.mailData()
	mailData["VerdictDue"] = verdict.Due.Format("02.01.2006 15:04 MST")
	mailData["Engineer"] = w.data.Engineer.Name + " <" + w.data.Engineer.Email + ">"
	interim := w.interimReply(mailData)
	request := func(ctx workflow.Context) { w.engineerRequest(ctx, mailData, verdict.Due) }
	alert := func(ctx workflow.Context) { w.shiftAlert(ctx, mailData) }
	reply := func(ctx workflow.Context) { w.sendInterim(ctx, mailData, interim) }
	ticket := func(ctx workflow.Context) { w.openTicket(ctx) }
	if w.release < release2612b {
		for _, effect := range []func(workflow.Context){alert, reply, ticket, request} {
			effect(ctx)
		}
		return
	}
	w.atOnce(ctx, request, alert, reply, ticket)
}

// shiftAlert tells the shift's supervisors and experts of the PLC request.
func (w *plcCase) shiftAlert(ctx workflow.Context, mailData map[string]any) {
	w.mail(ctx, "shift-alert", "plc_shift_alert", append(slices.Clone(w.dir.ShiftAlert), w.dir.SupervisorsMailbox), nil, mailData, nil)
}

// interimReply sets the customer's interim reply (the phone script, or the
// interim letter's text) and returns the letter's body.
func (w *plcCase) interimReply(mailData map[string]any) string {
	if w.in.Intake.Channel == ChannelPhone {
		w.data.CustomerReply = PLCPhoneScript
		if help := w.dir.Redirects.Help; help != "" {
			w.data.CustomerReply += " " + fmt.Sprintf(PLCPhoneHelp, help)
		}
		return ""
	}
	// A template that does not render leaves the reply empty; the letter
	// fails the same way and becomes a supervisor task.
	subject, body, _ := activities.Render("plc_customer_interim", mailData)
	w.data.CustomerReply = subject + "\n\n" + body
	return body
}

// sendInterim gets the interim reply to the customer by the channel used.
func (w *plcCase) sendInterim(ctx workflow.Context, mailData map[string]any, body string) {
	in := &w.in.Intake
	if in.Channel == ChannelPhone {
		return
	}
	if in.Customer.Email != "" {
		w.mail(ctx, "customer-interim", "plc_customer_interim", []string{in.Customer.Email}, nil, mailData, nil)
	}
	if w.seed >= plcSeedV1 && in.Channel == ChannelChat && in.SourceTicket != "" {
		// The reply reaches the channel the customer used: the chat
		// ticket's public comment, e-mail or not.
		var out activities.TicketReply
		w.act(ctx, "customer-interim-chat", a.ReplyInTicket, activities.TicketReply{
			Key: w.key("customer-interim-chat"), CaseID: w.meta.ID, Ticket: in.SourceTicket, Body: body,
		}, &out)
	} else if w.seed >= plcSeedV1 && in.Customer.Email == "" {
		// Neither a ticket to answer in nor an address: someone must.
		w.addTask(ctx, Task{Title: "Дайте клиенту промежуточный ответ в чате (тикет чата не указан): " + body, Role: RoleExpert, Due: workflow.Now(ctx)})
	}
}

// openTicket opens the PLC ticket and notes the interim reply on it.
func (w *plcCase) openTicket(ctx workflow.Context) {
	in := &w.in.Intake
	ticket := activities.Ticket{
		Key: w.key("ticket"), CaseID: w.meta.ID,
		Subject:  fmt.Sprintf("PLC %s %s", in.Customer.FullName, w.data.ConsultationNumber),
		Category: PLCTicketCategory, Tag: PLCTicketTag, Status: TicketStatusOnHold, // the seed sets no priority
		PlannedDate: w.data.PlannedDate,
		To:          []string{w.data.Engineer.Email}, Cc: []string{w.dir.HeadOfTechnicalSupport.Email},
	}
	if in.Channel != ChannelPhone && in.SourceTicket != "" {
		ticket.Linked = []string{in.SourceTicket}
	}
	var t activities.Ticket
	if w.act(ctx, "ticket", a.CreateTicket, ticket, &t) {
		w.data.TicketID, w.data.TicketStatus = t.ID, t.Status
	}
	if w.seed >= plcSeedV1 {
		// «При любой коммуникации с клиентом прописываем информацию в
		// Комментарии»: the interim reply, however it reached the customer.
		w.commentAs(ctx, "interim-comment", "Клиенту дан промежуточный ответ ("+in.Channel+"): "+w.data.CustomerReply)
	}
}

// engineerRequest asks the category's engineer for the verdict, with a link
// per answer, and opens the PLC thread with them.
func (w *plcCase) engineerRequest(ctx workflow.Context, mailData map[string]any, due time.Time) {
	head := w.dir.HeadOfTechnicalSupport.Email
	w.mailDecision(ctx, "plc-request", "plc_request", []string{w.data.Engineer.Email}, []string{head}, mailData, w.data.Attachments,
		w.mailActions(RoleEngineer, due, "plc", "not_plc"))
	w.data.ThreadTo = []string{w.data.Engineer.Email}
	w.data.ThreadCc = compact([]string{head})
}

// mailData is what every PLC letter may print.
func (w *plcCase) mailData() map[string]any {
	in := &w.in.Intake
	var prev []string
	for _, p := range in.PreviousService {
		prev = append(prev, strings.TrimSpace(fmt.Sprintf("№ %s %s %s", p.Number, p.Date, p.ASC)))
	}
	for _, n := range in.RequestNumbers {
		prev = append(prev, "№ "+n)
	}
	phrase := map[string]string{ChannelPhone: "На горячей линии", ChannelChat: "В чате", ChannelEmail: "На почте"}[in.Channel]
	return map[string]any{
		"ChannelPhrase": phrase, "ConsultationNumber": w.data.ConsultationNumber,
		"CustomerName": in.Customer.FullName, "Phone": in.Customer.Phone, "Address": in.Customer.Address,
		"Model": strings.TrimSpace(in.Product.Brand + " " + in.Product.Model), "Category": in.Product.Category,
		"PurchaseDate": in.Product.PurchaseDate, "Store": in.Product.Store, "Description": in.Description,
		"PreviousService": prev, "Attachments": slices.Clone(w.data.Attachments),
		"ServiceRequestNumber": w.data.ServiceRequestNumber, "ASC": w.dir.PreferredASC,
		"ComplaintsMailbox": w.dir.ComplaintsMailbox, "Help": w.dir.Redirects.Help,
		"ServiceB2B": w.dir.Redirects.ServiceB2B, "FireDocuments": in.fire(),
	}
}

// escalate runs the call chain: one call task per level, each with its own
// working-time deadline, advancing when the call fails or the task runs out.
func (w *plcCase) escalate(ctx workflow.Context, why string) error {
	if err := w.fire(ctx, sm.PLCVerdictOverdue, system, why); err != nil {
		return err
	}
	chain := w.dir.EscalationChain
	for level, step := range chain {
		if w.state() != sm.PLCEscalating {
			return nil
		}
		who := step.Contact
		if step.Role == "addressee" {
			who = w.data.Engineer
		}
		taskDeadline := fmt.Sprintf("escalation_call_%d", level+1)
		dl, err := w.addDeadline(ctx, taskDeadline, PolicyPLCEscalationStep, workflow.Now(ctx))
		if err != nil {
			return err
		}
		w.data.EscalationLevel = level
		w.lastCall = nil
		task := w.addTask(ctx, Task{
			Title: fmt.Sprintf("Позвонить: %s — %s %s (нет ответа PLC / не PLC по обращению %s)",
				step.Title, who.Name, who.Phone, w.data.ConsultationNumber),
			Role: RoleSupervisor, Due: dl.Due, Events: []string{sm.PLCCallAttempt},
		})
		w.callTask = task.ID
		w.note(ctx, "escalation_call", fmt.Sprintf("level %d: %s", level+1, step.Title))
		w.escalated(ctx, LadderPLCCallChain, level+1)
		_, err = w.waitUntil(ctx, dl.Due, "", func() bool {
			return w.state() != sm.PLCEscalating || w.lastCall != nil
		})
		if err != nil {
			return err
		}
		w.callTask = ""
		w.closeTask(ctx, task.ID)
		switch {
		case w.state() != sm.PLCEscalating:
			w.meet(ctx, taskDeadline)
			return nil
		case w.lastCall == nil:
			w.breach(ctx, taskDeadline)
		case w.lastCall.Reached:
			w.meet(ctx, taskDeadline)
			// The person reached promised an answer: give it one more step.
			grace, err := w.addDeadline(ctx, fmt.Sprintf("verdict_after_call_%d", level+1), PolicyPLCEscalationStep, w.lastCall.At)
			if err != nil {
				return err
			}
			if _, err := w.waitUntil(ctx, grace.Due, "", func() bool { return w.state() != sm.PLCEscalating }); err != nil {
				return err
			}
			if w.state() != sm.PLCEscalating {
				w.meet(ctx, grace.Name)
				return nil
			}
			w.breach(ctx, grace.Name)
		default:
			w.meet(ctx, taskDeadline)
		}
	}
	if w.state() != sm.PLCEscalating {
		return nil
	}
	if err := w.fire(ctx, sm.PLCChainExhaust, system, "every call of the chain made, still no verdict"); err != nil {
		return err
	}
	w.escalated(ctx, LadderPLCCallChain, 0)
	w.addTask(ctx, Task{
		Title: fmt.Sprintf("Цепочка звонков исчерпана, ответа PLC / не PLC по обращению %s нет: добейтесь вердикта", w.data.ConsultationNumber),
		Role:  RoleSupervisor, Due: workflow.Now(ctx), Events: []string{EventVerdict},
	})
	return nil
}

// Guard refuses a call attempt when no call task is open, and a close before
// the customer's satisfaction is reported unless the note says why not.
func (w *plcCase) Guard(ev *Event) error {
	if ev.Name() == sm.PLCCallAttempt && w.callTask == "" {
		return refuseIllegal(ev.Name(), w.state(), w.allowedEvents())
	}
	if d, ok := ev.Data.(*ServiceRequestData); ok {
		return w.guardServiceRequest(d)
	}
	if d, ok := ev.Data.(*NRPActData); ok && w.seed >= plcSeedV1 {
		if err := firstErr(required("act_number", d.ActNumber), required("attachment", d.Attachment)); err != nil {
			return refuseData(ErrTypeInvalidData, err)
		}
	}
	if ev.Name() == sm.PLCClose && w.data.Satisfaction == nil && strings.TrimSpace(ev.Data.(*NoteData).Note) == "" {
		return refuseData(ErrTypeInvalidData, fieldErr("note",
			"the customer's satisfaction is reported to the thread before a PLC case closes (satisfaction_reported): without it, say why in the note"))
	}
	return nil
}

// Apply runs the side effects of a person's event.
func (w *plcCase) Apply(ctx workflow.Context, ev *Event) error {
	switch d := ev.Data.(type) {
	case *CallAttemptData:
		w.lastCall = &CallAttempt{Level: w.data.EscalationLevel + 1, Reached: *d.Reached, Note: d.Note, At: workflow.Now(ctx), By: ev.Who()}
		if t := w.findTask(w.callTask); t != nil {
			w.lastCall.Title = t.Title
		}
		w.data.CallAttempts = append(w.data.CallAttempts, *w.lastCall)
		return nil
	case *VerdictData:
		return w.verdict(ctx, ev.Who(), d)
	case *DocumentsData:
		w.documentsReceived(ctx, d)
		return nil
	case *NRPActData:
		w.nrpActUploaded(ctx, d)
		return nil
	case *ServiceRequestData:
		w.serviceRequest(ctx, d)
		return nil
	case *AnswerPreparingData:
		w.data.AnswerPreparing = &PLCAnswerPreparing{Warranty: *d.Warranty, Note: d.Note, By: ev.Who(), At: workflow.Now(ctx)}
		verdict := "гарантийный"
		if !*d.Warranty {
			verdict = "не гарантийный"
		}
		w.comment(ctx, strings.TrimSpace(fmt.Sprintf("После выезда случай признан %s: группа PLC готовит ответ. %s", verdict, d.Note)))
		w.threadUpdate(ctx, sm.PLCAnswerPreparing, map[string]any{"Note": strings.TrimSpace(verdict + ". " + d.Note)}, nil)
		return nil
	case *SatisfactionData:
		w.data.Satisfaction = d.Level
		w.threadUpdate(ctx, sm.PLCSatisfaction, map[string]any{"Level": fmt.Sprintf("%d из 5", *d.Level), "Comment": d.Comment}, nil)
		return nil
	}
	note := ev.Data.(*NoteData)
	switch ev.Name() {
	case sm.PLCSpecialistCalled:
		if w.release < release2612c {
			w.meet(ctx, "customer_callback")
		}
		if w.seed >= plcSeedV1 {
			w.comment(ctx, strings.TrimSpace("Специалист связался с клиентом. "+note.Note))
		}
	case sm.PLCRepeatContact:
		w.data.Attachments = append(w.data.Attachments, note.Attachments...)
		w.comment(ctx, "Повторное обращение клиента. "+note.Note)
		w.threadUpdate(ctx, sm.PLCRepeatContact, map[string]any{"Note": note.Note}, note.Attachments)
	case sm.PLCClose:
		w.setTicketStatus(ctx, TicketStatusDone)
	default:
		return fmt.Errorf("event %s has no handler", ev.Name())
	}
	return nil
}

// documentsReceived ticks the checklist and forwards the documents to the thread.
func (w *plcCase) documentsReceived(ctx workflow.Context, d *DocumentsData) {
	now := workflow.Now(ctx)
	var titles []string
	for _, code := range d.Documents {
		titles = append(titles, documentTitle(PLCDocuments, code))
		for i := range w.data.Documents {
			if ds := &w.data.Documents[i]; ds.Code == code && !ds.Received {
				ds.Received, ds.ReceivedAt, ds.Awaited = true, &now, false
			}
		}
	}
	var awaited []string
	for _, ds := range w.data.Documents {
		if ds.Awaited {
			awaited = append(awaited, ds.Title)
		}
	}
	w.data.Attachments = append(w.data.Attachments, d.Attachments...)
	w.comment(ctx, "Клиент прислал документы: "+strings.Join(titles, ", "))
	w.threadUpdate(ctx, sm.PLCDocuments, map[string]any{"Documents": titles, "Awaited": awaited}, d.Attachments)
}

// nrpActUploaded records the НРП act; the complaints mailbox and the claims
// group join the thread with every earlier attachment.
func (w *plcCase) nrpActUploaded(ctx workflow.Context, d *NRPActData) {
	w.data.NRPAct = d
	if w.seed >= plcSeedV1 && w.data.TicketID != 0 && w.dir.ClaimsGroup != "" {
		// «перед тем как передать тикет в ГР необходимо загрузить АКТ НРП»:
		// the ticket goes to the claims group before the complaints mailbox joins.
		step := w.step("ticket-group")
		var out activities.TicketAssignment
		if w.act(ctx, step, a.AssignTicket, activities.TicketAssignment{
			Key: w.key(step), CaseID: w.meta.ID, TicketID: w.data.TicketID, Group: w.dir.ClaimsGroup,
		}, &out) {
			w.data.TicketGroup = out.Group
		}
	}
	if d.Attachment != "" {
		w.data.Attachments = append(w.data.Attachments, d.Attachment)
	}
	w.comment(ctx, strings.TrimSpace("Акт НРП "+d.ActNumber+" "+d.Attachment)+". Тикет передаётся в группу рекламаций.")
	w.data.ComplaintsJoined = true
	w.data.ThreadCc = compact(append(w.data.ThreadCc, w.dir.ComplaintsMailbox, w.dir.ClaimsGroup))
	// New people in the thread get every earlier attachment again.
	w.threadUpdate(ctx, sm.PLCNRPActUploaded, nil, w.data.Attachments)
}

// verdict applies the engineer's verdict and both branches' actions of the seed.
func (w *plcCase) verdict(ctx workflow.Context, who string, d *VerdictData) error {
	if w.release < release2612c {
		w.verdictGiven(ctx)
	}
	w.data.Verdict = &PLCVerdict{PLC: *d.PLC, Comment: d.Comment, By: who, At: workflow.Now(ctx)}
	in := &w.in.Intake
	dir := w.dir

	if !*d.PLC {
		var sr activities.ServiceRequest
		if w.act(ctx, "service-request", a.CreateServiceRequest, activities.ServiceRequest{
			Key: w.key("service-request"), CaseID: w.meta.ID, ConsultationNumber: w.data.ConsultationNumber,
			Priority: PriorityNormal, Description: in.Description, PLC: false,
		}, &sr) {
			w.data.ServiceRequestNumber = sr.Number
		}
		w.setTicketStatus(ctx, TicketStatusClosed)
		if w.version >= coreV1 {
			// The ASC's call is the service request's promise, told to the
			// customer; the case ends here, so it is no deadline it watches.
			due, err := w.cals.Due(PolicyPLCASCCallback, workflow.Now(ctx))
			if err != nil {
				return err
			}
			w.data.ASCCallbackDue = &due.Due
		} else if _, err := w.addDeadline(ctx, "asc_callback", PolicyPLCASCCallback, workflow.Now(ctx)); err != nil {
			return err
		}
		w.data.CustomerReply = fmt.Sprintf("Заявка %s зарегистрирована. Сервисный центр свяжется с вами в течение 3 рабочих дней.", w.data.ServiceRequestNumber)
		if in.Customer.Email != "" && in.Channel != ChannelPhone {
			w.mail(ctx, "not-plc-customer", "plc_not_plc_customer", []string{in.Customer.Email}, nil, w.mailData(), nil)
		}
		return nil
	}

	if w.seed < plcSeedV1 {
		var sr activities.ServiceRequest
		if w.act(ctx, "service-request", a.CreateServiceRequest, activities.ServiceRequest{
			Key: w.key("service-request"), CaseID: w.meta.ID, ConsultationNumber: w.data.ConsultationNumber,
			ASC: dir.PreferredASC, Priority: PriorityUrgent, Description: PLCDescriptionStart + ". " + in.Description, PLC: true,
		}, &sr) {
			w.data.ServiceRequestNumber = sr.Number
		}
	}
	cc := []string{dir.HeadOfTechnicalSupport.Email}
	for _, c := range dir.PLCCopyList {
		cc = append(cc, c.addresses()...)
	}
	cc = append(cc, dir.SupervisorsMailbox)
	w.data.ThreadTo = []string{w.data.Engineer.Email}
	w.data.ThreadCc = compact(cc)
	data := w.mailData()
	data["Comment"] = d.Comment
	w.mail(ctx, "plc-group", "plc_group", w.data.ThreadTo, w.data.ThreadCc, data, w.data.Attachments)
	if w.seed < plcSeedV1 {
		w.comment(ctx, fmt.Sprintf("Случай признан PLC. Заявка %s (СРОЧНО, АСЦ %s).", w.data.ServiceRequestNumber, dir.PreferredASC))
		return nil
	}
	w.comment(ctx, "Случай признан PLC. Заявка (СРОЧНО, АСЦ "+dir.PreferredASC+" в приоритете) оформляется по просьбе группы PLC.")
	return nil
}

// Record settles at once what a PLC event settles by itself (release2612c):
// a verdict meets its deadline and ends the escalation's calls, the
// specialist's call meets the customer's callback. Their letters and comments
// wait in Apply.
func (w *plcCase) Record(ctx workflow.Context, ev *Event) {
	if _, ok := ev.Data.(*VerdictData); ok {
		w.verdictGiven(ctx)
	}
	if ev.Name() == sm.PLCSpecialistCalled {
		w.meet(ctx, "customer_callback")
	}
}

// verdictGiven meets the verdict's deadline and closes the escalation's tasks.
func (w *plcCase) verdictGiven(ctx workflow.Context) {
	w.meet(ctx, "verdict")
	for _, t := range slices.Clone(w.tasks) {
		// Since coreV3 the verdict closes the escalation's tasks only: a failed
		// side effect's to-do stays until someone does it (task_done).
		if w.version < coreV3 || slices.Contains(t.Events, sm.PLCCallAttempt) || slices.Contains(t.Events, EventVerdict) {
			w.closeTask(ctx, t.ID)
		}
	}
}

// guardServiceRequest refuses a second urgent request, an ASC nobody knows and
// another ASC than the preferred one without a reason.
func (w *plcCase) guardServiceRequest(d *ServiceRequestData) error {
	if w.data.ServiceRequestNumber != "" {
		return refuseData(ErrTypeInvalidData, fieldErr("asc", "the urgent service request is made already: № %s", w.data.ServiceRequestNumber))
	}
	if d.ASC == "" || d.ASC == w.dir.PreferredASC {
		return nil
	}
	if len(w.dir.ASCs) > 0 && !slices.ContainsFunc(w.dir.ASCs, func(c Contact) bool { return c.Name == d.ASC }) {
		names := make([]string, len(w.dir.ASCs))
		for i, c := range w.dir.ASCs {
			names[i] = c.Name
		}
		return refuseData(ErrTypeInvalidData, fieldErr("asc", "must be one of the service centres %s, not %q", strings.Join(names, ", "), d.ASC))
	}
	if strings.TrimSpace(d.Reason) == "" {
		return refuseData(ErrTypeInvalidData, fieldErr("reason", "is required: %s is preferred («МСС в приоритете»), say why %s", w.dir.PreferredASC, d.ASC))
	}
	return nil
}

// serviceRequest makes the urgent service request the PLC group asked for, in
// the same card, linked to the consultation, its description as the
// consultation's.
func (w *plcCase) serviceRequest(ctx workflow.Context, d *ServiceRequestData) {
	asc := d.ASC
	if asc == "" {
		asc = w.dir.PreferredASC
	}
	w.data.ServiceRequestASC, w.data.ServiceRequestReason = asc, d.Reason
	var sr activities.ServiceRequest
	if w.act(ctx, w.step("service-request"), a.CreateServiceRequest, activities.ServiceRequest{
		Key: w.key("service-request"), CaseID: w.meta.ID, ConsultationNumber: w.data.ConsultationNumber,
		ASC: asc, Priority: PriorityUrgent, Description: PLCDescriptionStart + ". " + w.in.Intake.Description, PLC: true,
	}, &sr) {
		w.data.ServiceRequestNumber = sr.Number
	}
	text := fmt.Sprintf("По просьбе группы PLC оформлена заявка %s (СРОЧНО, АСЦ %s).", w.data.ServiceRequestNumber, asc)
	if asc != w.dir.PreferredASC {
		text += " Не " + w.dir.PreferredASC + ": " + d.Reason
	}
	w.comment(ctx, text)
}

// threadUpdate forwards news to everyone in the PLC thread.
func (w *plcCase) threadUpdate(ctx workflow.Context, kind string, extra map[string]any, attachments []string) {
	data := w.mailData()
	data["Kind"] = kind
	for _, k := range []string{"Note", "Documents", "Awaited", "Level", "Comment"} {
		data[k] = ""
	}
	for _, k := range []string{"Note", "Documents", "Awaited", "Level", "Comment"} {
		if v, ok := extra[k]; ok {
			data[k] = v
		}
	}
	data["Attachments"] = attachments
	w.mail(ctx, w.step(kind), "plc_thread_update", w.data.ThreadTo, w.data.ThreadCc, data, attachments)
}

// comment writes an internal comment on the PLC ticket.
func (w *plcCase) comment(ctx workflow.Context, text string) {
	w.commentAs(ctx, w.step("comment"), text)
}

// commentAs writes an internal comment on the PLC ticket as step.
func (w *plcCase) commentAs(ctx workflow.Context, step, text string) {
	if w.data.TicketID == 0 {
		return
	}
	var out activities.TicketComment
	w.act(ctx, step, a.AddTicketComment, activities.TicketComment{
		Key: w.key(step), TicketID: w.data.TicketID, Body: text, Private: true,
	}, &out)
}

func (w *plcCase) setTicketStatus(ctx workflow.Context, status string) {
	if w.data.TicketID == 0 {
		return
	}
	var out activities.Ticket
	if w.act(ctx, w.step("ticket-status"), a.SetTicketStatus, activities.TicketStatusInput{TicketID: w.data.TicketID, Status: status}, &out) {
		w.data.TicketStatus = out.Status
	}
}
