package workflows

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

// SLA policy names the PLC case uses.
const (
	PolicyPLCVerdict          = "plc.verdict"
	PolicyPLCEscalationStep   = "plc.escalation_step"
	PolicyPLCCustomerCallback = "plc.customer_callback"
	PolicyPLCPlannedDate      = "plc.planned_date"
	PolicyPLCASCCallback      = "plc.asc_callback"
)

// Usedesk and GSIS values the PLC seed prescribes.
const (
	PLCTicketCategory   = "PLC"
	PLCTicketTag        = "B2B_внутренние_коммуникации"
	TicketStatusOnHold  = "На удержании"
	TicketStatusDone    = "Выполнено"
	TicketStatusClosed  = "Закрыт"
	PriorityUrgent      = "СРОЧНО"
	PriorityNormal      = "обычный"
	PLCDescriptionStart = "PLC"
)

// PLCPhoneScript is what the operator says on the phone (seed 000).
const PLCPhoneScript = "Ваше обращение зафиксировано. В течение рабочих суток с вами свяжется специалист для визита и диагностики. Просим подготовить чек, гарантийный талон, документы об установке."

// PLCRecommendations are given to every PLC customer.
const PLCRecommendations = "Технику не перемещать, не разбирать, не отмывать, не касаться её до прихода мастера из АСЦ."

// PLCDocuments is the checklist of the seed.
var PLCDocuments = []Document{
	{"fire_report", "Донесение о пожаре"},
	{"refusal_decision", "Постановление об отказе в возбуждении уголовного дела"},
	{"receipt_warranty", "Чек, гарантийный талон"},
	{"installation_doc", "Документ об установке бытовой техники"},
	{"mounting_doc", "Документ о монтаже"},
	{"gas_connection_act", "Акт подключения газа"},
}

// PreviousService is an earlier installation or repair the customer mentions.
type PreviousService struct {
	Number string `json:"number"`
	Date   string `json:"date,omitempty" jsonschema:"format=date"`
	ASC    string `json:"asc,omitempty"`
}

// PLCIntake is the body that opens a product-liability case. Damage figures and
// victims have no field of their own: they are recorded only as the customer's own
// words in VolunteeredDamage.
type PLCIntake struct {
	CommonIntake
	Mood                 string            `json:"mood,omitempty" jsonschema:"description=the customer's mood"`
	Demands              []string          `json:"demands,omitempty" jsonschema:"description=every demand the customer voiced"`
	HasNRPAct            bool              `json:"has_nrp_act,omitempty" jsonschema:"description=the customer already has a confirmed НРП act"`
	CompensationDemanded bool              `json:"compensation_demanded,omitempty"`
	PreviousService      []PreviousService `json:"previous_service,omitempty"`
	VolunteeredDamage    string            `json:"volunteered_damage,omitempty" jsonschema:"description=only what the customer said unasked"`
	// Attachments are references to the call recording (phone) or the customer's mail (email).
	Attachments []string `json:"attachments,omitempty"`
	// SourceTicket is the customer's chat or mail ticket, cross-linked with the PLC ticket.
	SourceTicket string `json:"source_ticket,omitempty"`
}

// Excluded reports the seed's exclusion: a confirmed НРП act and a compensation
// demand make it a ServiceB2B matter, not a PLC.
func (in *PLCIntake) Excluded() bool { return in.HasNRPAct && in.CompensationDemanded }

// Validate checks what the seed requires of a PLC intake.
func (in *PLCIntake) Validate() error {
	if err := validChannel(in.Channel, ChannelPhone, ChannelChat, ChannelEmail); err != nil {
		return err
	}
	errs := []error{
		required("customer.full_name", in.Customer.FullName),
		validPhone("customer.phone", in.Customer.Phone),
	}
	if in.Channel == ChannelEmail || in.Customer.Email != "" {
		errs = append(errs, validEmail("customer.email", in.Customer.Email))
	}
	if !in.Excluded() {
		errs = append(errs,
			required("customer.address", in.Customer.Address),
			required("product.model", in.Product.Model),
			required("product.category", in.Product.Category),
			required("product.purchase_date", in.Product.PurchaseDate),
			isoDate("product.purchase_date", in.Product.PurchaseDate),
			required("product.store", in.Product.Store),
			required("description", in.Description),
			required("mood", in.Mood),
		)
	}
	for i, p := range in.PreviousService {
		errs = append(errs, required(fmt.Sprintf("previous_service[%d].number", i), p.Number),
			isoDate(fmt.Sprintf("previous_service[%d].date", i), p.Date))
	}
	for i, d := range in.Demands {
		errs = append(errs, required(fmt.Sprintf("demands[%d]", i), d))
	}
	return firstErr(errs...)
}

// PLCInput starts a product-liability case.
type PLCInput struct {
	Case   CaseMeta  `json:"case"`
	Intake PLCIntake `json:"intake"`
	Env    CaseEnv   `json:"env"`
}

// Event data of the PLC case.
type (
	// CallAttemptData records one call of the escalation chain.
	CallAttemptData struct {
		Reached *bool  `json:"reached"`
		Note    string `json:"note,omitempty"`
	}
	// VerdictData is the engineer's verdict.
	VerdictData struct {
		PLC     *bool  `json:"plc"`
		Comment string `json:"comment,omitempty"`
	}
	// NoteData carries a free note (repeat contact, specialist contacted, close).
	NoteData struct {
		Note        string   `json:"note,omitempty"`
		Attachments []string `json:"attachments,omitempty"`
	}
	// DocumentsData lists documents the customer sent.
	DocumentsData struct {
		Documents   []string `json:"documents" jsonschema:"enum=fire_report,enum=refusal_decision,enum=receipt_warranty,enum=installation_doc,enum=mounting_doc,enum=gas_connection_act"`
		Attachments []string `json:"attachments,omitempty"`
	}
	// NRPActData is the НРП act uploaded to the ticket's internal comments.
	NRPActData struct {
		ActNumber  string `json:"act_number,omitempty"`
		Attachment string `json:"attachment,omitempty"`
	}
	// SatisfactionData is the customer's satisfaction with the settlement, 1 to 5.
	SatisfactionData struct {
		Level   *int   `json:"level"`
		Comment string `json:"comment,omitempty"`
	}
)

// Validate requires the call's outcome.
func (d *CallAttemptData) Validate() error {
	if d.Reached == nil {
		return fieldErr("reached", "is required (true or false)")
	}
	return nil
}

// Validate requires the verdict.
func (d *VerdictData) Validate() error {
	if d.PLC == nil {
		return fieldErr("plc", "is required (true: PLC, false: not PLC)")
	}
	return nil
}

// Validate requires known document codes.
func (d *DocumentsData) Validate() error {
	if len(d.Documents) == 0 {
		return fieldErr("documents", "must list at least one document")
	}
	for i, code := range d.Documents {
		if !slices.ContainsFunc(PLCDocuments, func(doc Document) bool { return doc.Code == code }) {
			codes := make([]string, len(PLCDocuments))
			for j, doc := range PLCDocuments {
				codes[j] = doc.Code
			}
			return fieldErr(fmt.Sprintf("documents[%d]", i), "must be one of %s, not %q", strings.Join(codes, ", "), code)
		}
	}
	return nil
}

// Validate requires a level from 1 to 5.
func (d *SatisfactionData) Validate() error {
	if d.Level == nil || *d.Level < 1 || *d.Level > 5 {
		return fieldErr("level", "is required: 1 (very dissatisfied) to 5 (very satisfied)")
	}
	return nil
}

var plcType = &CaseType{
	Name:        "plc",
	Title:       "Product liability case (PLC)",
	Machine:     sm.PLC,
	IntakeRoles: []string{RoleOperator, RoleExpert, RoleSupervisor},
	IntakeType:  reflect.TypeFor[PLCIntake](),
	Events: []EventSpec{
		newEvent[CallAttemptData]("call_attempt", "A call of the escalation chain: reached or not.",
			[]string{RoleSupervisor}, nil, sm.PLCCallAttempt),
		newEvent("verdict", "The engineer's verdict: PLC or not.", []string{RoleEngineer, RoleSupervisor},
			func(d *VerdictData) string {
				if *d.PLC {
					return sm.PLCVerdictPLC
				}
				return sm.PLCVerdictNotPLC
			}, sm.PLCVerdictPLC, sm.PLCVerdictNotPLC),
		newEvent[NoteData]("specialist_contacted", "The specialist called the customer (the promise of a call within a working day is kept).",
			[]string{RoleEngineer, RoleSupervisor, RoleExpert}, nil, sm.PLCSpecialistCalled),
		newEvent[NoteData]("repeat_contact", "The customer contacted again; forwarded to the whole thread.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil, sm.PLCRepeatContact),
		newEvent[DocumentsData]("documents_received", "The customer sent documents; checklist updated and forwarded.",
			[]string{RoleOperator, RoleExpert, RoleSupervisor}, nil, sm.PLCDocuments),
		newEvent[NRPActData]("nrp_act_uploaded", "The НРП act is in the ticket's internal comments; the complaints mailbox joins.",
			[]string{RoleExpert, RoleSupervisor}, nil, sm.PLCNRPActUploaded),
		newEvent[SatisfactionData]("satisfaction_reported", "The customer's satisfaction with the settlement, reported to the thread.",
			[]string{RoleSupervisor, RoleExpert}, nil, sm.PLCSatisfaction),
		newEvent[NoteData]("close", "The case is settled: ticket status Выполнено.",
			[]string{RoleSupervisor}, nil, sm.PLCClose),
	},
	decodeIntake: func(raw json.RawMessage) (any, error) { return DecodeStrict[PLCIntake](raw) },
	newInput: func(meta CaseMeta, intake any, env CaseEnv) any {
		return &PLCInput{Case: meta, Intake: *intake.(*PLCIntake), Env: env}
	},
	memo: func(intake any) string {
		in := intake.(*PLCIntake)
		return strings.TrimSpace(fmt.Sprintf("PLC · %s · %s %s", in.Channel, in.Product.Category, in.Product.Model))
	},
}

// The workflow refers to plcType, so it joins the description here.
func init() { plcType.Workflow = PLC }

// CallAttempt is one recorded call of the escalation chain.
type CallAttempt struct {
	Level   int       `json:"level"`
	Title   string    `json:"title"`
	Reached bool      `json:"reached"`
	Note    string    `json:"note,omitempty"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
}

// DocumentStatus is one line of the documents checklist.
type DocumentStatus struct {
	Document
	Received   bool       `json:"received"`
	ReceivedAt *time.Time `json:"received_at,omitempty"`
	Awaited    bool       `json:"awaited"`
}

// PLCVerdict is the verdict as recorded.
type PLCVerdict struct {
	PLC     bool      `json:"plc"`
	Comment string    `json:"comment,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// PLCData is the PLC-specific part of the case view.
type PLCData struct {
	Intake               PLCIntake        `json:"intake"`
	ConsultationNumber   string           `json:"consultation_number,omitempty"`
	TicketID             int64            `json:"ticket_id,omitempty"`
	TicketStatus         string           `json:"ticket_status,omitempty"`
	PlannedDate          string           `json:"planned_date,omitempty"`
	Engineer             Contact          `json:"engineer"`
	CustomerReply        string           `json:"customer_reply,omitempty"`
	Recommendations      string           `json:"recommendations"`
	RedirectedTo         string           `json:"redirected_to,omitempty"`
	Verdict              *PLCVerdict      `json:"verdict,omitempty"`
	ServiceRequestNumber string           `json:"service_request_number,omitempty"`
	EscalationLevel      int              `json:"escalation_level"`
	CallAttempts         []CallAttempt    `json:"call_attempts"`
	Documents            []DocumentStatus `json:"documents"`
	ThreadTo             []string         `json:"thread_to,omitempty"`
	ThreadCc             []string         `json:"thread_cc,omitempty"`
	ComplaintsJoined     bool             `json:"complaints_joined"`
	NRPAct               *NRPActData      `json:"nrp_act,omitempty"`
	Satisfaction         *int             `json:"satisfaction,omitempty"`
	Attachments          []string         `json:"attachments,omitempty"`
}

// plcCase is a running product-liability case.
type plcCase struct {
	*caseCore
	in   *PLCInput
	data PLCData
	// callTask is the open call task of the escalation chain, "" when none.
	callTask string
	// lastCall is the outcome of the latest call attempt on the current level.
	lastCall *CallAttempt
}

// PLC runs a product-liability case (seed 000) from intake to its end.
func PLC(ctx workflow.Context, in *PLCInput) (*CaseResult, error) {
	w := &plcCase{in: in}
	w.caseCore = newCore(ctx, in.Case, plcType, in.Env, "")
	w.caseCore.data = func() any { return w.data }
	w.caseCore.apply = w.apply
	w.caseCore.guard = w.guard
	w.data = PLCData{Intake: in.Intake, Recommendations: PLCRecommendations, EscalationLevel: -1, CallAttempts: []CallAttempt{}}
	for _, d := range PLCDocuments {
		w.data.Documents = append(w.data.Documents, DocumentStatus{Document: d, Awaited: d.Code == "refusal_decision"})
	}
	w.data.Attachments = slices.Clone(in.Intake.Attachments)
	if err := w.setup(ctx); err != nil {
		return nil, err
	}
	return w.run(ctx)
}

func (w *plcCase) run(ctx workflow.Context) (*CaseResult, error) {
	if err := w.lock.Lock(ctx); err != nil {
		return nil, err
	}
	if w.in.Intake.Excluded() {
		w.redirect(ctx)
		w.lock.Unlock()
		return w.finish(ctx)
	}
	if err := w.intake(ctx); err != nil {
		w.lock.Unlock()
		return nil, err
	}
	w.lock.Unlock()

	verdict := w.findDeadline("verdict")
	decided, err := workflow.AwaitWithTimeout(ctx, until(ctx, verdict.Due), func() bool { return w.state() != sm.PLCAwaitingVerdict })
	if err != nil {
		return nil, err
	}
	if !decided {
		if err := w.escalate(ctx); err != nil {
			return nil, err
		}
	}
	if err := workflow.Await(ctx, w.terminal); err != nil {
		return nil, err
	}
	return w.finish(ctx)
}

var system = Actor{Name: "caseflow", Role: RoleSystem}

// redirect handles the seed's exclusion: the customer goes to ServiceB2B.
func (w *plcCase) redirect(ctx workflow.Context) {
	in := &w.in.Intake
	b2b := w.env.Directory.Redirects.ServiceB2B
	w.data.RedirectedTo = b2b
	cons := activities.Consultation{
		Key: w.key("redirect-consultation"), CaseID: w.meta.ID, Number: in.ConsultationNumber,
		Description: fmt.Sprintf("Не PLC: у клиента есть подтверждённый акт НРП, требует компенсацию. Клиент направлен на %s. %s", b2b, in.Description),
		Fields:      map[string]string{"channel": in.Channel, "call_from": in.Customer.Phone},
	}
	var out activities.Consultation
	if w.caseCore.run(ctx, "redirect-consultation", a.CreateConsultation, cons, &out) {
		w.data.ConsultationNumber = out.Number
	}
	w.data.CustomerReply = fmt.Sprintf("Требование о компенсации по акту НРП рассматривает ServiceB2B: направьте его на %s.", b2b)
	if in.Customer.Email != "" && in.Channel != ChannelPhone {
		w.mail(ctx, "redirect-reply", "plc_redirect_b2b", []string{in.Customer.Email}, nil,
			map[string]any{"ConsultationNumber": w.data.ConsultationNumber, "ServiceB2B": b2b}, nil)
	}
	_ = w.fire(ctx, sm.PLCRedirect, system, "НРП act and compensation demand: directed to "+b2b)
}

// intake performs every action of the seed's first contact and starts the clocks.
func (w *plcCase) intake(ctx workflow.Context) error {
	in := &w.in.Intake
	dir := w.env.Directory
	w.data.Engineer = dir.Engineer(in.Product.Category)

	verdict, err := w.addDeadline(ctx, "verdict", PolicyPLCVerdict, w.openedAt)
	if err != nil {
		return err
	}
	if _, err := w.addDeadline(ctx, "customer_callback", PolicyPLCCustomerCallback, w.openedAt); err != nil {
		return err
	}
	w.watchDeadline(ctx, "verdict")
	w.watchDeadline(ctx, "customer_callback")
	planned, err := w.env.Calendars.Due(PolicyPLCPlannedDate, w.openedAt)
	if err != nil {
		return err
	}
	w.data.PlannedDate = planned.Due.Format(time.DateOnly)
	if w.env.Options.PlannedDateWorkingDay {
		if cal, err := w.env.Calendars.Calendar(planned.Basis.Calendar); err == nil {
			w.data.PlannedDate = cal.NextWorkingDayStart(w.openedAt).Format(time.DateOnly)
		}
	}

	var cons activities.Consultation
	if w.caseCore.run(ctx, "consultation", a.CreateConsultation, activities.Consultation{
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
	w.mail(ctx, "shift-alert", "plc_shift_alert", append(slices.Clone(dir.ShiftAlert), dir.SupervisorsMailbox), nil, mailData, nil)

	switch in.Channel {
	case ChannelPhone:
		w.data.CustomerReply = PLCPhoneScript
	default:
		subject, body, _ := activities.Render("plc_customer_interim", mailData)
		w.data.CustomerReply = subject + "\n\n" + body
		if in.Customer.Email != "" {
			w.mail(ctx, "customer-interim", "plc_customer_interim", []string{in.Customer.Email}, nil, mailData, nil)
		}
	}

	ticket := activities.Ticket{
		Key: w.key("ticket"), CaseID: w.meta.ID,
		Subject:  fmt.Sprintf("PLC %s %s", in.Customer.FullName, w.data.ConsultationNumber),
		Category: PLCTicketCategory, Tag: PLCTicketTag, Status: TicketStatusOnHold, Priority: "urgent",
		PlannedDate: w.data.PlannedDate,
		To:          []string{w.data.Engineer.Email}, Cc: []string{dir.HeadOfTechnicalSupport.Email},
	}
	if in.Channel != ChannelPhone && in.SourceTicket != "" {
		ticket.Linked = []string{in.SourceTicket}
	}
	var t activities.Ticket
	if w.caseCore.run(ctx, "ticket", a.CreateTicket, ticket, &t) {
		w.data.TicketID, w.data.TicketStatus = t.ID, t.Status
	}
	w.mail(ctx, "plc-request", "plc_request", []string{w.data.Engineer.Email}, []string{dir.HeadOfTechnicalSupport.Email}, mailData, w.data.Attachments)
	w.data.ThreadTo = []string{w.data.Engineer.Email}
	w.data.ThreadCc = compact([]string{dir.HeadOfTechnicalSupport.Email})

	return w.fire(ctx, sm.PLCRegister, system, "PLC request sent to "+w.data.Engineer.Email)
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
		"ServiceRequestNumber": w.data.ServiceRequestNumber, "ASC": w.env.Directory.PreferredASC,
		"ComplaintsMailbox": w.env.Directory.ComplaintsMailbox,
	}
}

// escalate runs the call chain: one call task per level, each with its own
// working-time deadline, advancing when the call fails or the task runs out.
func (w *plcCase) escalate(ctx workflow.Context) error {
	if err := w.fire(ctx, sm.PLCVerdictOverdue, system, "no verdict within the deadline: escalation chain starts"); err != nil {
		return err
	}
	chain := w.env.Directory.EscalationChain
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
			Role: RoleSupervisor, Due: dl.Due, Events: []string{"call_attempt"},
		})
		w.callTask = task.ID
		w.note(ctx, "escalation_call", fmt.Sprintf("level %d: %s", level+1, step.Title))
		_, err = workflow.AwaitWithTimeout(ctx, until(ctx, dl.Due), func() bool {
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
			if _, err := workflow.AwaitWithTimeout(ctx, until(ctx, grace.Due), func() bool { return w.state() != sm.PLCEscalating }); err != nil {
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
	w.addTask(ctx, Task{
		Title: fmt.Sprintf("Цепочка звонков исчерпана, ответа PLC / не PLC по обращению %s нет: добейтесь вердикта", w.data.ConsultationNumber),
		Role:  RoleSupervisor, Due: workflow.Now(ctx), Events: []string{"verdict"},
	})
	return nil
}

// guard refuses a call attempt when no call task is open.
func (w *plcCase) guard(req EventRequest, spec *EventSpec, data any) error {
	if spec.Name == "call_attempt" && w.callTask == "" {
		return refuseIllegal(req.Event, w.state(), w.allowedEvents())
	}
	return nil
}

// apply runs a person's event.
func (w *plcCase) apply(ctx workflow.Context, req EventRequest, spec *EventSpec, data any) error {
	who := req.Actor.Name
	if who == "" {
		who = req.Actor.Role
	}
	switch d := data.(type) {
	case *CallAttemptData:
		w.lastCall = &CallAttempt{Level: w.data.EscalationLevel + 1, Reached: *d.Reached, Note: d.Note, At: workflow.Now(ctx), By: who}
		if t := w.findTask(w.callTask); t != nil {
			w.lastCall.Title = t.Title
		}
		w.data.CallAttempts = append(w.data.CallAttempts, *w.lastCall)
		return w.fire(ctx, sm.PLCCallAttempt, req.Actor, fmt.Sprintf("level %d reached=%t %s", w.lastCall.Level, *d.Reached, d.Note))
	case *VerdictData:
		return w.verdict(ctx, req.Actor, who, d)
	}
	note, _ := data.(*NoteData)
	switch spec.Name {
	case "specialist_contacted":
		w.meet(ctx, "customer_callback")
		return w.fire(ctx, sm.PLCSpecialistCalled, req.Actor, note.Note)
	case "repeat_contact":
		if err := w.fire(ctx, sm.PLCRepeatContact, req.Actor, note.Note); err != nil {
			return err
		}
		w.data.Attachments = append(w.data.Attachments, note.Attachments...)
		w.comment(ctx, "Повторное обращение клиента. "+note.Note)
		w.threadUpdate(ctx, "repeat_contact", map[string]any{"Note": note.Note}, note.Attachments)
	case "documents_received":
		d := data.(*DocumentsData)
		if err := w.fire(ctx, sm.PLCDocuments, req.Actor, strings.Join(d.Documents, ", ")); err != nil {
			return err
		}
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
		w.threadUpdate(ctx, "documents_received", map[string]any{"Documents": titles, "Awaited": awaited}, d.Attachments)
	case "nrp_act_uploaded":
		d := data.(*NRPActData)
		if err := w.fire(ctx, sm.PLCNRPActUploaded, req.Actor, d.ActNumber); err != nil {
			return err
		}
		w.data.NRPAct = d
		if d.Attachment != "" {
			w.data.Attachments = append(w.data.Attachments, d.Attachment)
		}
		w.comment(ctx, strings.TrimSpace("Акт НРП "+d.ActNumber+" "+d.Attachment)+". Тикет передаётся в группу рекламаций.")
		dir := w.env.Directory
		w.data.ComplaintsJoined = true
		w.data.ThreadCc = compact(append(w.data.ThreadCc, dir.ComplaintsMailbox, dir.ClaimsGroup))
		// New people in the thread get every earlier attachment again.
		w.threadUpdate(ctx, "nrp_act_uploaded", nil, w.data.Attachments)
	case "satisfaction_reported":
		d := data.(*SatisfactionData)
		if err := w.fire(ctx, sm.PLCSatisfaction, req.Actor, fmt.Sprintf("level %d %s", *d.Level, d.Comment)); err != nil {
			return err
		}
		w.data.Satisfaction = d.Level
		w.threadUpdate(ctx, "satisfaction_reported", map[string]any{"Level": fmt.Sprintf("%d из 5", *d.Level), "Comment": d.Comment}, nil)
	case "close":
		if err := w.fire(ctx, sm.PLCClose, req.Actor, note.Note); err != nil {
			return err
		}
		w.setTicketStatus(ctx, TicketStatusDone)
	default:
		return fmt.Errorf("event %s has no handler", spec.Name)
	}
	return nil
}

// verdict applies the engineer's verdict and both branches' actions of the seed.
func (w *plcCase) verdict(ctx workflow.Context, actor Actor, who string, d *VerdictData) error {
	event := sm.PLCVerdictNotPLC
	if *d.PLC {
		event = sm.PLCVerdictPLC
	}
	if err := w.fire(ctx, event, actor, d.Comment); err != nil {
		return err
	}
	w.meet(ctx, "verdict")
	for _, t := range slices.Clone(w.tasks) {
		w.closeTask(ctx, t.ID)
	}
	w.data.Verdict = &PLCVerdict{PLC: *d.PLC, Comment: d.Comment, By: who, At: workflow.Now(ctx)}
	in := &w.in.Intake
	dir := w.env.Directory

	if !*d.PLC {
		var sr activities.ServiceRequest
		if w.caseCore.run(ctx, "service-request", a.CreateServiceRequest, activities.ServiceRequest{
			Key: w.key("service-request"), CaseID: w.meta.ID, ConsultationNumber: w.data.ConsultationNumber,
			Priority: PriorityNormal, Description: in.Description, PLC: false,
		}, &sr) {
			w.data.ServiceRequestNumber = sr.Number
		}
		w.setTicketStatus(ctx, TicketStatusClosed)
		if _, err := w.addDeadline(ctx, "asc_callback", PolicyPLCASCCallback, workflow.Now(ctx)); err != nil {
			return err
		}
		w.data.CustomerReply = fmt.Sprintf("Заявка %s зарегистрирована. Сервисный центр свяжется с вами в течение 3 рабочих дней.", w.data.ServiceRequestNumber)
		if in.Customer.Email != "" && in.Channel != ChannelPhone {
			w.mail(ctx, "not-plc-customer", "plc_not_plc_customer", []string{in.Customer.Email}, nil, w.mailData(), nil)
		}
		return nil
	}

	var sr activities.ServiceRequest
	if w.caseCore.run(ctx, "service-request", a.CreateServiceRequest, activities.ServiceRequest{
		Key: w.key("service-request"), CaseID: w.meta.ID, ConsultationNumber: w.data.ConsultationNumber,
		ASC: dir.PreferredASC, Priority: PriorityUrgent, Description: PLCDescriptionStart + ". " + in.Description, PLC: true,
	}, &sr) {
		w.data.ServiceRequestNumber = sr.Number
	}
	cc := []string{dir.HeadOfTechnicalSupport.Email}
	for _, c := range dir.PLCCopyList {
		cc = append(cc, c.Email)
	}
	cc = append(cc, dir.SupervisorsMailbox)
	w.data.ThreadTo = []string{w.data.Engineer.Email}
	w.data.ThreadCc = compact(cc)
	data := w.mailData()
	data["Comment"] = d.Comment
	w.mail(ctx, "plc-group", "plc_group", w.data.ThreadTo, w.data.ThreadCc, data, w.data.Attachments)
	w.comment(ctx, fmt.Sprintf("Случай признан PLC. Заявка %s (СРОЧНО, АСЦ %s).", w.data.ServiceRequestNumber, dir.PreferredASC))
	return nil
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
	if w.data.TicketID == 0 {
		return
	}
	var out activities.TicketComment
	w.caseCore.run(ctx, w.step("comment"), a.AddTicketComment, activities.TicketComment{
		Key: w.key(w.step("comment")), TicketID: w.data.TicketID, Body: text, Private: true,
	}, &out)
}

func (w *plcCase) setTicketStatus(ctx workflow.Context, status string) {
	if w.data.TicketID == 0 {
		return
	}
	var out activities.Ticket
	if w.caseCore.run(ctx, w.step("ticket-status"), a.SetTicketStatus, activities.TicketStatusInput{TicketID: w.data.TicketID, Status: status}, &out) {
		w.data.TicketStatus = out.Status
	}
}
