package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

// Person-event names of the dispute that route to one of several machine events.
const (
	// EventEngineerAnswer is the engineer's answer: clear or not.
	EventEngineerAnswer = "engineer_answer"
	// EventCustomerResponse is the customer's answer to the explanation.
	EventCustomerResponse = "customer_response"
)

// Kinds of the dispute's tasks.
const (
	disputeTaskCall     = "call"      // the expert calls the customer
	disputeTaskMoreTime = "more_time" // the customer is told more time is needed
	disputeTaskFeedback = "feedback"  // the engineer's answer goes to the customer
	disputeTaskClarify  = "clarify"   // clarifying questions go to the engineer
	disputeTaskDemands  = "demands"   // the customer is asked to state demands
	disputeTaskCue      = "cue"       // the expert confirms or declines a hand-off a cue proposes
	disputeTaskSilent   = "silent"    // a supervisor takes over a silent engineer
)

var disputeType = Define(Definition[DisputeIntake, DisputeDirectory, DisputeOptions]{
	Name:        "dispute",
	Title:       "Dispute: the customer disagrees that the appliance is fine",
	Machine:     sm.Dispute,
	IntakeRoles: []string{RoleOperator, RoleExpert, RoleSupervisor},
	Policies: []Policy{
		{Name: PolicyDisputeEngineerAnswer, Default: "3 working days", Doc: "the responsible engineer's answer; silence: written to again and the customer told more time is needed («если … ответ не поступил в течение 3 рабочих дней»)"},
		{Name: PolicyDisputeCustomerAnswer, Default: "3 working days", Doc: "the promise to the customer: «будет решён в течение трёх рабочих дней»"},
		{Name: PolicyDisputeCustomerCall, Default: "1 working day", Doc: "the expert's calls and replies to the customer (our default: the seed sets none)"},
	},
	Events: []EventSpec{
		newEvent[DisputeNoteData](sm.DisputeReportReceived, "The ASC's act and defect description arrived (the Usedesk agent's request): the expert takes the case.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[DisputeNoteData](sm.DisputeExpertCalled, "The expert called the customer: the question is on personal control, resolved within 3 working days; the outgoing request goes to the engineer.",
			[]string{RoleExpert, RoleSupervisor}, nil),
		newEvent(EventEngineerAnswer, "The responsible engineer's answer: clear (to the customer) or not (clarifying questions follow). Only this ends the wait.",
			[]string{RoleEngineer, RoleExpert}, func(d *EngineerAnswerData) string {
				if *d.Clear {
					return sm.DisputeAnswerClear
				}
				return sm.DisputeAnswerVague
			}, sm.DisputeAnswerClear, sm.DisputeAnswerVague),
		newEvent[ASCAnswerData](sm.DisputeASCAnswer, "An ASC answered in the thread: recorded; the wait for the engineer goes on.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[ClarificationData](sm.DisputeClarification, "Clarifying questions to the engineer; the wait starts again.",
			[]string{RoleExpert, RoleSupervisor}, nil),
		newEvent(EventCustomerResponse, "The customer's answer to the explanation: accepted (or no legal intent) → resolved; refused with a legal threat → hand-off when demands are known, else the customer is asked for them.",
			[]string{RoleExpert, RoleSupervisor}, func(d *CustomerResponseData) string {
				if *d.Accepted || !d.LegalThreat {
					return sm.DisputeCustomerAccepts
				}
				return sm.DisputeCustomerThreatens
			}, sm.DisputeCustomerAccepts, sm.DisputeCustomerThreatens),
		newEvent[DemandsData](sm.DisputeDemandsStated, "The customer stated demands: the case goes to the claims department.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[DisputeRepeatData](sm.DisputeRepeatContact, "The customer contacted again; with demands the case goes to the claims department.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[DisputeNoteData](sm.DisputeOfficialClaim, "An official claim (официальная претензия) arrived: the case goes to the claims department.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil),
		newEvent[DisputeNoteData](sm.DisputeHandoffConfirmed, "The expert confirms the hand-off a legal-threat cue proposed.",
			[]string{RoleExpert, RoleSupervisor}, nil),
		newEvent[DisputeNoteData](sm.DisputeHandoffDeclined, "The expert declines the hand-off a legal-threat cue proposed.",
			[]string{RoleExpert, RoleSupervisor}, nil),
		newEvent[DisputeNoteData](sm.DisputeClose, "The resolved dispute is closed.",
			[]string{RoleExpert, RoleSupervisor}, nil),
	},
	New: newDisputeCase,
})

// disputeCase is a running dispute.
type disputeCase struct {
	*caseCore
	in   *DisputeInput
	dir  *DisputeDirectory
	opts *DisputeOptions
	data DisputeData
	// round numbers the waits for the engineer; a watcher watches its own.
	round int
}

// newDisputeCase builds a dispute (seed 001) from its intake.
func newDisputeCase(_ workflow.Context, c *caseCore, in *DisputeInput) (Behaviour, error) {
	w := &disputeCase{caseCore: c, in: in, dir: &in.Env.Directory, opts: &in.Env.Options}
	w.data = DisputeData{Intake: in.Intake, Requests: []DisputeRequest{}, Cues: []LegalCue{}, Tasks: []DueTask{},
		Demands: slices.Clone(in.Intake.Demands)}
	return w, nil
}

// View is the dispute's part of the case view.
func (w *disputeCase) View() any { return w.data }

// Run triages the dispute and waits for it to end.
func (w *disputeCase) Run(ctx workflow.Context) error {
	if err := w.locked(ctx, func() error { return w.triage(ctx) }); err != nil {
		return err
	}
	if err := workflow.Await(ctx, w.terminal); err != nil {
		return err
	}
	return nil
}

// triage sends the dispute where the first matching rule of the table says.
func (w *disputeCase) triage(ctx workflow.Context) error {
	in := &w.in.Intake
	w.data.Engineer = w.dir.Engineer(in.Product.Category)
	outcome, rule := w.opts.triage(in)
	if outcome == TriageNewRequest && slices.Contains(w.opts.NoNewRequestCategories, in.Product.Category) {
		w.note(ctx, "triage", fmt.Sprintf("no new request at another ASC for %s: the expert takes it", in.Product.Category))
		outcome = TriageExpert
	}
	w.data.Triage, w.data.TriageRule = outcome, rule
	why := fmt.Sprintf("triage rule %d: %s", rule+1, outcome)
	switch outcome {
	case TriageRedirect:
		w.data.Reply = "Используйте статью «" + DisputeNonWarrantyArticle + "»."
		return w.fire(ctx, sm.DisputeTriageRedirect, system, why)
	case TriageOtherASC:
		w.data.Reply = DisputeOtherASCAdvice
		if in.Path == DisputePathWebForm {
			if err := w.fire(ctx, sm.DisputeTriageOtherASCCall, system, why); err != nil {
				return err
			}
			return w.openDisputeTask(ctx, disputeTaskCall, fmt.Sprintf("Позвонить клиенту %s (обращение с сайта): рекомендовать сторонний или платный АСЦ", in.Customer.FullName),
				[]string{sm.DisputeExpertCalled})
		}
		return w.fire(ctx, sm.DisputeTriageOtherASC, system, why)
	case TriageNewRequest:
		var sr activities.ServiceRequest
		if w.act(ctx, "new-request", a.CreateServiceRequest, activities.ServiceRequest{
			Key: w.key("new-request"), CaseID: w.meta.ID, ConsultationNumber: in.ConsultationNumber, Priority: PriorityNormal,
			Description: fmt.Sprintf("Повторная заявка на другой АСЦ: клиент не согласен с заключением по заявке № %s. %s", in.RequestNumber, in.Description),
		}, &sr) {
			w.data.ServiceRequest = sr.Number
		}
		w.data.Reply = fmt.Sprintf("Оформлена заявка %s на другой сервисный центр.", w.data.ServiceRequest)
		return w.fire(ctx, sm.DisputeTriageNewRequest, system, why)
	case TriageUsedesk:
		if err := w.fire(ctx, sm.DisputeTriageAgent, system, why); err != nil {
			return err
		}
		w.askHPCC(ctx)
	case TriageDirectMail:
		if err := w.fire(ctx, sm.DisputeTriageDirectMail, system, why); err != nil {
			return err
		}
		if err := w.request(ctx, "request", nil); err != nil {
			return err
		}
	default:
		if err := w.fire(ctx, sm.DisputeTriageExpert, system, why); err != nil {
			return err
		}
		if err := w.askExpertCall(ctx); err != nil {
			return err
		}
	}
	return w.scanCues(ctx, "intake", strings.TrimSpace(in.CustomerStatement+"\n"+in.Description))
}

// askHPCC is the Usedesk agent's request to the HPCC manager for the ASC's act.
func (w *disputeCase) askHPCC(ctx workflow.Context) {
	in := &w.in.Intake
	var t activities.Ticket
	if w.act(ctx, "hpcc-ticket", a.CreateTicket, activities.Ticket{
		Key: w.key("hpcc-ticket"), CaseID: w.meta.ID, Subject: w.subject(), Priority: PriorityExtreme,
		Status: TicketStatusOnHold, To: []string{w.dir.HPCCManager.Email},
	}, &t) {
		w.data.AgentTicket = t.ID
	}
	w.mail(ctx, "hpcc-request", "dispute_hpcc_request", []string{w.dir.HPCCManager.Email}, nil, w.letter(nil), in.Documents)
}

// askExpertCall opens the expert's first call: personal control, 3 working days.
func (w *disputeCase) askExpertCall(ctx workflow.Context) error {
	return w.openDisputeTask(ctx, disputeTaskCall, fmt.Sprintf(
		"Позвонить клиенту %s: вопрос по заявке № %s на персональном контроле, решение в течение 3 рабочих дней; затем запрос инженеру",
		w.in.Intake.Customer.FullName, w.in.Intake.RequestNumber), []string{sm.DisputeExpertCalled})
}

// subject is the seed's subject of every letter of the dispute.
func (w *disputeCase) subject() string {
	return strings.TrimSpace(fmt.Sprintf("%s %s %s", DisputeSubject, w.in.Intake.Customer.FullName, w.in.Intake.RequestNumber))
}

// letter is what every dispute letter may print.
func (w *disputeCase) letter(extra map[string]any) map[string]any {
	in := &w.in.Intake
	data := map[string]any{
		"Subject": w.subject(), "Priority": PriorityExtreme, "CustomerName": in.Customer.FullName, "Phone": in.Customer.Phone,
		"Email": in.Customer.Email, "RequestNumber": in.RequestNumber, "ASC": in.ASC.Name,
		"Model": strings.TrimSpace(in.Product.Brand + " " + in.Product.Model), "PurchaseDate": in.Product.PurchaseDate,
		"Description": in.Description, "Statement": in.CustomerStatement, "LegalIntent": in.LegalIntent || len(w.data.Cues) > 0,
		"Demands": slices.Clone(w.data.Demands), "Documents": slices.Clone(in.Documents), "Questions": slices.Clone(in.Questions),
		"EngineerName": w.data.Engineer.Name,
	}
	//workflowcheck:ignore each entry is copied into another map: order does not matter
	for k, v := range extra {
		data[k] = v
	}
	return data
}

// request writes to the responsible engineer (kind request, resend or
// clarification) and starts a new wait for the answer.
func (w *disputeCase) request(ctx workflow.Context, kind string, questions []string) error {
	in := &w.in.Intake
	now := workflow.Now(ctx)
	w.round++
	round := w.round
	dl, err := w.addDeadline(ctx, fmt.Sprintf("engineer_answer_%d", round), PolicyDisputeEngineerAnswer, now)
	if err != nil {
		return err
	}
	cc := []string{in.ASC.Email}
	for _, c := range w.dir.DisputeCopyList {
		cc = append(cc, c.Email)
	}
	if kind == "resend" {
		cc = append(cc, w.dir.EscalationManager.Email)
	}
	to := w.data.Engineer.Email
	if w.data.TicketID == 0 {
		var t activities.Ticket
		if w.act(ctx, "engineer-ticket", a.CreateTicket, activities.Ticket{
			Key: w.key("engineer-ticket"), CaseID: w.meta.ID, Subject: w.subject(), Priority: PriorityExtreme,
			Status: TicketStatusOnHold, To: []string{to}, Cc: compact(cc), Linked: compact([]string{in.CustomerTicket}),
		}, &t) {
			w.data.TicketID = t.ID
		}
	}
	extra := map[string]any{"Due": dl.Due.In(w.zone(PolicyDisputeEngineerAnswer)).Format("02.01.2006 15:04"), "Round": fmt.Sprint(round - 1), "Since": ""}
	if n := len(w.data.Requests); n > 0 {
		extra["Since"] = w.data.Requests[n-1].SentAt.In(w.zone(PolicyDisputeEngineerAnswer)).Format("02.01.2006")
	}
	if questions != nil {
		extra["Questions"] = questions
	}
	template := map[string]string{"request": "dispute_engineer_request", "resend": "dispute_engineer_resend", "clarification": "dispute_clarification"}[kind]
	_, bounce := w.mailDecision(ctx, fmt.Sprintf("engineer-%s-%d", kind, round), template, []string{to}, cc, w.letter(extra), in.Documents,
		w.mailActions(RoleEngineer, dl.Due, "answer"))
	w.data.Requests = append(w.data.Requests, DisputeRequest{N: round, Kind: kind, To: to, Cc: compact(cc), SentAt: now})
	w.watchEngineer(ctx, round, dl.Due)
	if bounce != "" {
		return w.engineerBounced(ctx, round, bounce)
	}
	return nil
}

// engineerBounced: the mail server refused the letter to the engineer for good
// (since bounceV1). Writing again to the same address is pointless, so the
// re-send ladder is not waited out: a supervisor takes over at once.
func (w *disputeCase) engineerBounced(ctx workflow.Context, round int, bounce string) error {
	if w.round != round || w.state() != sm.DisputeAwaitingEngineer {
		return nil
	}
	w.round++ // no watcher waits any more
	if err := w.fire(ctx, sm.DisputeEngineerSilent, system, fmt.Sprintf(
		"the mail server refused letter %d to the engineer (%s): no re-send to that address, a supervisor takes over at once", round, bounce)); err != nil {
		return err
	}
	return w.openTaskFor(ctx, RoleSupervisor, disputeTaskSilent, fmt.Sprintf(
		"Почтовый сервер отклонил адрес инженера %s: письмо %d по заявке № %s не доставлено — свяжитесь с инженером и внесите его ответ",
		w.data.Engineer.Name, round, w.in.Intake.RequestNumber), []string{EventEngineerAnswer})
}

// watchEngineer waits for the engineer's answer to round; silence until due
// writes to the engineer again.
func (w *disputeCase) watchEngineer(ctx workflow.Context, round int, due time.Time) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		answered := func() bool { return w.round != round || w.state() != sm.DisputeAwaitingEngineer }
		timedOut, err := w.awaitUntil(ctx, due, fmt.Sprintf("engineer answer %d", round), answered)
		if err != nil || !timedOut {
			return
		}
		// A failed side effect becomes a task; only a cancelled case errs here.
		_ = w.locked(ctx, func() error { return w.engineerSilent(ctx, round) })
	})
}

// engineerSilent: 3 working days without the engineer's answer.
func (w *disputeCase) engineerSilent(ctx workflow.Context, round int) error {
	if w.round != round || w.state() != sm.DisputeAwaitingEngineer {
		return nil
	}
	w.breach(ctx, fmt.Sprintf("engineer_answer_%d", round))
	w.data.Resends++
	if err := w.fire(ctx, sm.DisputeEngineerSilent, system, fmt.Sprintf("no answer to letter %d within %s", round, PolicyDisputeEngineerAnswer)); err != nil {
		return err
	}
	if w.data.Resends > w.opts.EngineerResendLimit {
		w.escalated(ctx, LadderEngineerResend, 0)
		w.round++ // no watcher waits any more
		return w.openTaskFor(ctx, RoleSupervisor, disputeTaskSilent, fmt.Sprintf("Инженер %s не ответил на %d писем по заявке № %s: добейтесь ответа",
			w.data.Engineer.Name, round, w.in.Intake.RequestNumber), []string{EventEngineerAnswer})
	}
	if err := w.openDisputeTask(ctx, disputeTaskMoreTime, fmt.Sprintf("Перезвонить клиенту %s: на решение вопроса требуется дополнительное время",
		w.in.Intake.Customer.FullName), []string{EventEngineerAnswer}); err != nil {
		return err
	}
	w.escalated(ctx, LadderEngineerResend, w.data.Resends)
	return w.request(ctx, "resend", nil)
}

// openDisputeTask opens a task of the expert with the customer-call policy.
func (w *disputeCase) openDisputeTask(ctx workflow.Context, kind, title string, events []string) error {
	return w.openTaskFor(ctx, RoleExpert, kind, title, events)
}

// openTaskFor opens a task of a role with the customer-call policy.
func (w *disputeCase) openTaskFor(ctx workflow.Context, role, kind, title string, events []string) error {
	t, err := w.openTask(ctx, DueTask{Kind: kind, Title: title, Role: role}, TaskTiming{Policy: PolicyDisputeCustomerCall, Events: events})
	if err != nil {
		return err
	}
	w.data.Tasks = append(w.data.Tasks, t)
	w.watchTask(ctx, t.TaskID)
	return nil
}

// finishTasks completes the open tasks of the kinds (all kinds when none given).
func (w *disputeCase) finishTasks(ctx workflow.Context, by, report string, kinds ...string) {
	w.caseCore.finishTasks(ctx, w.data.Tasks, by, report, kinds...)
}

// dueTask finds a dispute task for the core's watcher.
func (w *disputeCase) dueTask(id string) *DueTask {
	return w.data.Tasks.Find(id)
}

// taskReminded: the dispute's tasks have no reminder letters.
func (w *disputeCase) taskReminded(workflow.Context, DueTask) {}

// taskOverdue: the core's breached deadline and audit line say it all.
func (w *disputeCase) taskOverdue(workflow.Context, DueTask) {}

// hasOpen reports whether a task of the kind is open.
func (w *disputeCase) hasOpen(kind string) bool {
	return slices.ContainsFunc(w.data.Tasks, func(t DueTask) bool { return t.Kind == kind && t.Open() })
}

// scanCues records the legal-threat cues in the customer's words and proposes
// the hand-off to the expert; it never hands off by itself.
func (w *disputeCase) scanCues(ctx workflow.Context, source, text string) error {
	found := findCues(w.opts.LegalCues, text)
	if len(found) == 0 {
		return nil
	}
	var quotes []string
	for _, c := range found {
		c.Source, c.At = source, workflow.Now(ctx)
		w.data.Cues = append(w.data.Cues, c)
		quotes = append(quotes, "«"+c.Quote+"»")
		w.note(ctx, "legal_cue", fmt.Sprintf("%s: %q in «%s»", source, c.Word, c.Quote))
	}
	if w.terminal() || w.hasOpen(disputeTaskCue) || w.data.Handoff != nil {
		return nil
	}
	return w.openDisputeTask(ctx, disputeTaskCue, fmt.Sprintf("Клиент упомянул %s. Подтвердите передачу в группу рекламаций или отклоните её",
		strings.Join(quotes, ", ")), []string{sm.DisputeHandoffConfirmed, sm.DisputeHandoffDeclined})
}

// Guard refuses a hand-off confirmation (or refusal) nobody proposed.
func (w *disputeCase) Guard(ev *Event) error {
	switch ev.Name() {
	case sm.DisputeHandoffConfirmed, sm.DisputeHandoffDeclined:
		if !w.hasOpen(disputeTaskCue) {
			return refuseIllegal(ev.Name(), w.state(), w.allowedEvents())
		}
	}
	return nil
}

// Apply runs the side effects of a person's event.
func (w *disputeCase) Apply(ctx workflow.Context, ev *Event) error {
	who := ev.Who()
	switch d := ev.Data.(type) {
	case *EngineerAnswerData:
		return w.engineerAnswer(ctx, who, d)
	case *ASCAnswerData:
		w.data.ASCAnswers = append(w.data.ASCAnswers, d.Text)
		w.note(ctx, "waiting", "an ASC's answer does not end the wait: only the responsible engineer decides")
		return nil
	case *ClarificationData:
		w.finishTasks(ctx, who, strings.Join(d.Questions, "; "), disputeTaskClarify)
		w.data.Questions = append(w.data.Questions, d.Questions...)
		return w.request(ctx, "clarification", d.Questions)
	case *CustomerResponseData:
		return w.customerResponse(ctx, who, d)
	case *DemandsData:
		w.finishTasks(ctx, who, strings.Join(d.Demands, "; "), disputeTaskDemands)
		w.data.Demands = appendNew(w.data.Demands, d.Demands...)
		return w.handOff(ctx, "клиент изложил требования после угрозы обращения в суд / Роспотребнадзор")
	case *DisputeRepeatData:
		w.data.Demands = appendNew(w.data.Demands, d.Demands...)
		if d.WithDemands {
			return w.handOff(ctx, "повторное обращение с требованиями")
		}
		return w.scanCues(ctx, sm.DisputeRepeatContact, d.Statement)
	}
	note := ev.Data.(*DisputeNoteData)
	switch ev.Name() {
	case sm.DisputeReportReceived:
		w.data.Intake.Documents = appendNew(w.data.Intake.Documents, note.Documents...)
		return w.askExpertCall(ctx)
	case sm.DisputeExpertCalled:
		w.finishTasks(ctx, who, note.Note, disputeTaskCall)
		if w.state() == sm.DisputeOtherASC {
			return nil
		}
		w.data.Reply = DisputePromise
		if _, err := w.addDeadline(ctx, "customer_answer", PolicyDisputeCustomerAnswer, workflow.Now(ctx)); err != nil {
			return err
		}
		w.watchDeadline(ctx, "customer_answer")
		return w.request(ctx, "request", nil)
	case sm.DisputeOfficialClaim:
		w.data.Intake.Documents = appendNew(w.data.Intake.Documents, note.Documents...)
		return w.handOff(ctx, "официальная претензия")
	case sm.DisputeHandoffConfirmed:
		w.finishTasks(ctx, who, "передача подтверждена", disputeTaskCue)
		return w.threatened(ctx, who, "эксперт подтвердил угрозу, найденную в словах клиента")
	case sm.DisputeHandoffDeclined:
		w.finishTasks(ctx, who, "передача отклонена: "+note.Note, disputeTaskCue)
		return nil
	case sm.DisputeClose:
		w.finishTasks(ctx, who, "спор закрыт")
		return nil
	}
	return fmt.Errorf("event %s has no handler", ev.Name())
}

// engineerAnswer records the engineer's answer: a clear one goes to the
// customer, an unclear one gets clarifying questions.
func (w *disputeCase) engineerAnswer(ctx workflow.Context, who string, d *EngineerAnswerData) error {
	// The answered letter's watcher stops: the case left awaiting_engineer.
	w.meet(ctx, fmt.Sprintf("engineer_answer_%d", w.round))
	w.data.EngineerAnswer = &EngineerAnswer{Text: d.Text, Clear: *d.Clear, By: who, At: workflow.Now(ctx)}
	w.finishTasks(ctx, who, "ответ инженера получен", disputeTaskMoreTime, disputeTaskSilent)
	if *d.Clear {
		return w.openDisputeTask(ctx, disputeTaskFeedback, fmt.Sprintf("Позвонить клиенту %s и объяснить ответ инженера", w.in.Intake.Customer.FullName),
			[]string{EventCustomerResponse})
	}
	return w.openDisputeTask(ctx, disputeTaskClarify, "Ответ инженера непонятен: задайте уточняющие вопросы", []string{sm.DisputeClarification})
}

// customerResponse closes the explanation: resolved, or the threat's next step.
func (w *disputeCase) customerResponse(ctx workflow.Context, who string, d *CustomerResponseData) error {
	w.finishTasks(ctx, who, d.Statement, disputeTaskFeedback)
	w.meet(ctx, "customer_answer")
	w.data.Demands = appendNew(w.data.Demands, d.Demands...)
	if *d.Accepted || !d.LegalThreat {
		w.finalConsultation(ctx, "клиент принял аргументы")
		return w.scanCues(ctx, EventCustomerResponse, d.Statement)
	}
	return w.threatened(ctx, who, "клиент не принял аргументы и намерен обращаться в суд / Роспотребнадзор")
}

// threatened hands off when the customer's demands are known, else asks for them.
func (w *disputeCase) threatened(ctx workflow.Context, who, reason string) error {
	if len(w.data.Demands) > 0 {
		return w.handOff(ctx, reason)
	}
	if err := w.fire(ctx, sm.DisputeDemandsRequested, system, reason+": требования не сформулированы"); err != nil {
		return err
	}
	return w.openDisputeTask(ctx, disputeTaskDemands, fmt.Sprintf("Попросить клиента %s изложить требования в рамках первоначального запроса", w.in.Intake.Customer.FullName),
		[]string{sm.DisputeDemandsStated})
}

// handOff passes the dispute to the claims department: a linked claim case
// (or a letter, as configured), the final consultation, the tasks closed.
func (w *disputeCase) handOff(ctx workflow.Context, reason string) error {
	w.finalConsultation(ctx, "передано в группу рекламаций: "+reason)
	h := &DisputeHandoff{Reason: reason, Mode: w.opts.Handoff, At: workflow.Now(ctx)}
	w.data.Handoff = h
	extra := map[string]any{"Reason": reason, "Claim": "", "Answer": ""}
	if a := w.data.EngineerAnswer; a != nil {
		extra["Answer"] = a.Text
	}
	if w.opts.Handoff == HandoffCase {
		if link, ok := w.openClaim(ctx, reason); ok {
			h.Claim = &link
			extra["Claim"] = link.WorkflowID
		}
	}
	w.mail(ctx, "handoff", "dispute_handoff", []string{w.dir.ClaimsGroup}, []string{w.dir.SupervisorsMailbox}, w.letter(extra), w.in.Intake.Documents)
	w.finishTasks(ctx, RoleSystem, "передано в группу рекламаций")
	return w.fire(ctx, sm.DisputeHandOff, system, reason)
}

// openClaim opens the linked claim case that carries the dispute's customer,
// product, documents and demands.
func (w *disputeCase) openClaim(ctx workflow.Context, reason string) (CaseLink, bool) {
	in := &w.in.Intake
	channel := in.Channel
	if channel != ChannelPhone && channel != ChannelEmail {
		channel = ChannelEmail
	}
	documents := slices.Clone(in.Documents)
	if len(documents) == 0 {
		documents = []string{"обращение клиента: " + w.subject()}
	}
	comment := fmt.Sprintf("%s. Причина передачи: %s.", in.Description, reason)
	if len(w.data.Demands) > 0 {
		comment += " Требования: " + strings.Join(w.data.Demands, "; ") + "."
	}
	claim := ClaimIntake{
		CommonIntake: CommonIntake{Type: claimType.Name, Channel: channel, Customer: in.Customer, Product: in.Product,
			Description: in.Description, RequestNumbers: []string{in.RequestNumber},
			Related: []CaseLink{{Type: w.meta.Type, ID: w.meta.ID, WorkflowID: WorkflowID(w.meta.Type, w.meta.ID), Relation: "dispute"}}},
		ReceivedBy: RoleExpert, ReceivedByRole: RoleExpert, Client: in.Customer.FullName, ClientEmail: in.Customer.Email,
		Project:      strings.TrimSpace(in.Product.Brand + " " + in.Product.Model),
		ShipmentDate: in.Product.PurchaseDate, ShipmentResponsible: in.Product.Store, Documents: documents, Comment: comment,
	}
	raw, err := json.Marshal(claim)
	if err != nil {
		return CaseLink{}, false
	}
	var out activities.OpenedCase
	if !w.act(ctx, "open-claim", a.OpenCase, activities.OpenCaseInput{Key: w.key("claim"), Type: claimType.Name, Intake: raw}, &out) {
		return CaseLink{}, false
	}
	link := CaseLink{Type: out.Type, ID: out.ID, WorkflowID: out.WorkflowID, Relation: "claim"}
	w.relate(ctx, link)
	return link, true
}

// finalConsultation records the expert's final GSIS consultation once.
func (w *disputeCase) finalConsultation(ctx workflow.Context, outcome string) {
	if w.data.Consultation != "" {
		return
	}
	in := &w.in.Intake
	var done []string
	if n := len(w.data.Requests); n > 0 {
		done = append(done, fmt.Sprintf("направлено писем инженеру: %d", n))
	}
	if a := w.data.EngineerAnswer; a != nil {
		done = append(done, "ответ инженера: "+a.Text)
	}
	var links []string
	if w.data.TicketID != 0 {
		links = append(links, fmt.Sprintf("usedesk:%d", w.data.TicketID))
	}
	if in.CustomerTicket != "" {
		links = append(links, in.CustomerTicket)
	}
	var out activities.Consultation
	if w.act(ctx, "final-consultation", a.CreateConsultation, activities.Consultation{
		Key: w.key("final-consultation"), CaseID: w.meta.ID,
		Description: strings.Join(append([]string{DisputeConsultationStart}, append(done, "результат: "+outcome)...), ". "),
		Fields:      map[string]string{"request_number": in.RequestNumber, "notes": strings.Join(links, " ")},
	}, &out) {
		w.data.Consultation = out.Number
	}
}
