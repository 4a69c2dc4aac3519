package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/calendar"
	sm "github.com/caseflow/caseflow/statemachines"
)

var moscow = func() *time.Location {
	loc, err := calendar.LoadZone("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return loc
}()

func msk(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, moscow)
	if err != nil {
		panic(err)
	}
	return t
}

// testDirectory is the example directory of the tests: roles, example addresses.
func testDirectory() PLCDirectory {
	return PLCDirectory{
		EngineersByCategory: map[string]Contact{
			"washing_machine": {Name: "Инженер СМА", Email: "engineer.washers@example.com", Phone: "+7 900 000-00-01"},
		},
		DefaultEngineer:        Contact{Name: "Дежурный инженер", Email: "engineer.duty@example.com", Phone: "+7 900 000-00-02"},
		HeadOfTechnicalSupport: Contact{Name: "Руководитель техподдержки", Email: "head.techsupport@example.com", Phone: "+7 900 000-00-03"},
		PLCCopyList:            []CopyLine{{Name: "Эксперт", Email: "expert@example.com"}, {Name: "Куратор", Email: "curator@example.com"}},
		ShiftAlert:             []string{"experts.shift@example.com"},
		SupervisorsMailbox:     "supervisors@example.com",
		ComplaintsMailbox:      "complaints@example.com",
		ClaimsGroup:            "claims@example.com",
		EscalationChain: []EscalationStep{
			{Role: "addressee", Title: "адресат письма"},
			{Role: "head_of_technical_support", Title: "руководитель техподдержки", Contact: Contact{Name: "Руководитель техподдержки", Phone: "+7 900 000-00-03"}},
			{Role: "manager", Title: "следующий руководитель", Contact: Contact{Name: "Руководитель сервиса", Phone: "+7 900 000-00-04"}},
			{Role: "director", Title: "последний в цепочке", Contact: Contact{Name: "Директор сервиса", Phone: "+7 900 000-00-05"}},
		},
		PreferredASC: "МСС",
		Redirects:    Redirects{ServiceB2B: "serviceb2b@example.com", Help: "help@example.com"},
	}
}

func testEnv() Env[PLCDirectory, PLCOptions] { return CaseEnvOf(testDirectory(), PLCOptions{}) }

func plcIntake(channel string) PLCIntake {
	in := PLCIntake{
		CommonIntake: CommonIntake{
			Type: "plc", Channel: channel,
			Customer:    Customer{FullName: "Иванов Иван Иванович", Phone: "+7 912 345-67-89", Address: "Москва, ул. Примерная, 1"},
			Product:     Product{Brand: "Haier", Model: "HW60-BP10919B", Category: "washing_machine", PurchaseDate: "2025-03-01", Store: "М.Видео"},
			Description: "Стиральная машина загорелась во время стирки, обгорел пол",
		},
		Mood:            "взволнован, требует срочного решения",
		Demands:         []string{"заменить технику", "компенсировать ремонт пола"},
		PreviousService: []PreviousService{{Number: "SR-777", Date: "2025-03-05", ASC: "АСЦ Север"}},
		Attachments:     []string{"call-recording-42.mp3"},
	}
	if channel != ChannelPhone {
		in.Customer.Email = "ivanov@example.com"
		in.SourceTicket = "usedesk:5555"
	}
	return in
}

type plcSuite struct {
	CaseHarness
	caseID string
}

func TestPLC(t *testing.T) { suite.Run(t, new(plcSuite)) }

func (s *plcSuite) SetupTest() {
	s.CaseHarness.SetupTest()
	s.caseID = "0b6f6c2e-0000-4000-8000-000000000001"
}

// begin sets the virtual clock; call it before scheduling anything.
func (s *plcSuite) begin(at time.Time) { s.Begin(at) }

func (s *plcSuite) start(at time.Time, in PLCIntake) {
	s.Require().True(s.Env.Now().Equal(at), "begin(%s) first", at)
	s.Start(s.Env, plcType.Name, &PLCInput{Case: CaseMeta{ID: s.caseID, Type: "plc"}, Intake: in, Env: testEnv()})
}

// send schedules a person's event at a moment of virtual time; check runs on the
// outcome (nil error: accepted and completed).
func (s *plcSuite) send(at time.Time, role, event string, data any, check func(CaseView, error)) {
	s.At(s.Env, at, func() {
		s.SendThen(s.Env, event, Actor{Name: role + "-1", Role: role}, data, func(o Outcome) { check(o.View, o.Err) })
	})
}

func (s *plcSuite) accept(at time.Time, role, event string, data any, then ...func(CaseView)) {
	s.send(at, role, event, data, func(v CaseView, err error) {
		s.Require().NoError(err, "%s by %s at %s", event, role, at)
		for _, f := range then {
			f(v)
		}
	})
}

func (s *plcSuite) refuse(at time.Time, role, event string, data any, errType string, then ...func(*temporal.ApplicationError)) {
	s.send(at, role, event, data, func(_ CaseView, err error) {
		appErr := s.RefusedWith(err, event+" by "+role, errType)
		for _, f := range then {
			f(appErr)
		}
	})
}

func (s *plcSuite) at(t time.Time, f func(CaseView)) {
	s.At(s.Env, t, func() { f(s.view()) })
}

func (s *plcSuite) view() CaseView {
	var v CaseView
	s.ViewOf(s.Env, &v)
	return v
}

func plcData(v CaseView) PLCData { return DataOf[PLCData](v) }

func deadline(v CaseView, name string) Deadline {
	for _, d := range v.Deadlines {
		if d.Name == name {
			return d
		}
	}
	return Deadline{}
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func (s *plcSuite) result() CaseView {
	var v CaseView
	s.ResultOf(s.Env, &v)
	return v
}

func (s *plcSuite) TestPhoneIntakeThenPLCVerdictToClosed() {
	start := msk("2026-11-23 10:00") // Monday
	s.begin(start)
	s.at(msk("2026-11-23 10:01"), func(v CaseView) {
		s.Equal(sm.PLCAwaitingVerdict, v.State)
		val, err := s.Env.QueryWorkflow(QueryState)
		s.Require().NoError(err)
		var state string
		s.Require().NoError(val.Get(&state))
		s.Equal(sm.PLCAwaitingVerdict, state, "the state query answers what the view says")
		s.Equal([]string{"documents_received", "repeat_contact", "specialist_contacted", "verdict"}, v.AllowedEvents)
		s.True(deadline(v, "verdict").Due.Equal(msk("2026-11-23 13:00")), "verdict due 3 working hours later")
		s.Equal(PolicyPLCVerdict, deadline(v, "verdict").Basis.Policy)
		s.NotEmpty(deadline(v, "verdict").Basis.CalendarVersion)
		s.True(deadline(v, "customer_callback").Due.Equal(msk("2026-11-24 10:00")), "a specialist calls within a working day")
		d := plcData(v)
		s.Equal("CONS-000001", d.ConsultationNumber)
		s.Equal("2026-11-24", d.PlannedDate)
		s.Equal(PLCPhoneScript+" Если у вас есть заключение или акты, пришлите их, пожалуйста, на help@example.com.", d.CustomerReply,
			"the phone script asks for conclusions and acts to help@")
		s.Equal("engineer.washers@example.com", d.Engineer.Email)
	})
	s.refuse(msk("2026-11-23 10:30"), RoleSupervisor, "close", nil, ErrTypeIllegalTransition, func(e *temporal.ApplicationError) {
		var det RefusalDetails
		s.Require().NoError(e.Details(&det))
		s.Equal(sm.PLCAwaitingVerdict, det.State)
		s.Equal([]string{"documents_received", "repeat_contact", "specialist_contacted", "verdict"}, det.AllowedEvents)
	})
	s.refuse(msk("2026-11-23 10:31"), RoleOperator, "verdict", VerdictData{PLC: yes()}, ErrTypeForbidden)
	s.refuse(msk("2026-11-23 10:32"), RoleEngineer, "verdict", map[string]any{"comment": "x"}, ErrTypeInvalidData, func(e *temporal.ApplicationError) {
		var det RefusalDetails
		s.Require().NoError(e.Details(&det))
		s.Equal("plc", det.Field)
	})
	s.refuse(msk("2026-11-23 10:33"), RoleSupervisor, "call_attempt", CallAttemptData{Reached: yes()}, ErrTypeIllegalTransition)
	s.refuse(msk("2026-11-23 10:34"), RoleSupervisor, "no_such_event", nil, ErrTypeUnknownEvent)
	s.accept(msk("2026-11-23 11:00"), RoleEngineer, "specialist_contacted", NoteData{Note: "визит завтра"}, func(v CaseView) {
		s.True(deadline(v, "customer_callback").Met)
	})
	s.accept(msk("2026-11-23 12:00"), RoleEngineer, "verdict", VerdictData{PLC: yes(), Comment: "возгорание по вине техники"}, func(v CaseView) {
		s.Equal(sm.PLCConfirmed, v.State)
		s.True(deadline(v, "verdict").Met)
		s.False(deadline(v, "verdict").Breached)
		d := plcData(v)
		s.Empty(d.ServiceRequestNumber, "the urgent request is made at the PLC group's request, not at the verdict")
		s.Equal("engineer-1", d.Verdict.By)
	})
	s.refuse(msk("2026-11-23 12:10"), RoleOperator, "service_request", ServiceRequestData{}, ErrTypeForbidden)
	s.accept(msk("2026-11-23 12:30"), RoleSupervisor, "service_request", ServiceRequestData{Note: "просьба группы PLC"}, func(v CaseView) {
		s.Equal("SR-000001", plcData(v).ServiceRequestNumber)
		s.Equal("МСС", plcData(v).ServiceRequestASC)
	})
	s.refuse(msk("2026-11-23 12:40"), RoleSupervisor, "service_request", ServiceRequestData{}, ErrTypeInvalidData)
	s.accept(msk("2026-11-24 10:00"), RoleOperator, "documents_received", DocumentsData{Documents: []string{"fire_report", "receipt_warranty"}, Attachments: []string{"fire-report.pdf"}}, func(v CaseView) {
		d := plcData(v)
		s.True(d.Documents[0].Received)
		s.True(d.Documents[1].Awaited, "the refusal decision is still awaited")
	})
	s.accept(msk("2026-11-25 09:00"), RoleExpert, "answer_preparing", AnswerPreparingData{Warranty: no(), Note: "акт НРП"}, func(v CaseView) {
		s.False(plcData(v).AnswerPreparing.Warranty)
	})
	s.refuse(msk("2026-11-25 09:30"), RoleExpert, "nrp_act_uploaded", NRPActData{ActNumber: "НРП-15"}, ErrTypeInvalidData, func(e *temporal.ApplicationError) {
		var det RefusalDetails
		s.Require().NoError(e.Details(&det))
		s.Equal("attachment", det.Field, "the act itself is required")
	})
	s.refuse(msk("2026-11-25 09:31"), RoleExpert, "nrp_act_uploaded", NRPActData{Attachment: "nrp-15.pdf"}, ErrTypeInvalidData)
	s.accept(msk("2026-11-25 10:00"), RoleExpert, "nrp_act_uploaded", NRPActData{ActNumber: "НРП-15", Attachment: "nrp-15.pdf"}, func(v CaseView) {
		s.True(plcData(v).ComplaintsJoined)
		s.Equal("claims@example.com", plcData(v).TicketGroup, "the ticket goes to the claims group with the act")
		as := s.Records.Assignments()
		s.Require().Len(as, 1)
		s.Equal("claims@example.com", as[0].Group)
		s.Equal(plcData(v).TicketID, as[0].TicketID)
	})
	s.accept(msk("2026-11-26 10:00"), RoleSupervisor, "satisfaction_reported", SatisfactionData{Level: func() *int { i := 4; return &i }(), Comment: "доволен компенсацией"})
	s.accept(msk("2026-11-26 11:00"), RoleSupervisor, "close", NoteData{Note: "урегулировано"})

	s.start(start, plcIntake(ChannelPhone))
	v := s.result()
	s.Equal(sm.PLCClosed, v.State)
	s.True(v.Closed)
	s.Empty(v.AllowedEvents)

	recs, err := s.Records.ListCaseRecords(context.Background(), s.caseID)
	s.Require().NoError(err)
	s.Require().Len(recs.Consultations, 1)
	s.True(strings.HasPrefix(recs.Consultations[0].Description, "PLC"))
	s.Require().Len(recs.Tickets, 1)
	tk := recs.Tickets[0]
	s.Equal("PLC Иванов Иван Иванович CONS-000001", tk.Subject)
	s.Equal(PLCTicketCategory, tk.Category)
	s.Equal(PLCTicketTag, tk.Tag)
	s.Equal(TicketStatusDone, tk.Status, "closing sets Выполнено")
	s.Equal("2026-11-24", tk.PlannedDate)
	s.Equal([]string{"engineer.washers@example.com"}, tk.To)
	s.Equal([]string{"head.techsupport@example.com"}, tk.Cc)
	s.Empty(tk.Linked, "a phone case has no ticket to cross-link")
	s.Require().Len(recs.ServiceRequests, 1)
	sr := recs.ServiceRequests[0]
	s.Equal(PriorityUrgent, sr.Priority)
	s.Equal("МСС", sr.ASC)
	s.True(sr.PLC)
	s.True(strings.HasPrefix(sr.Description, "PLC"))
	s.Equal("CONS-000001", sr.ConsultationNumber)

	req := s.Mailer.ByStep("plc-request")
	s.Require().Len(req, 1)
	s.Equal("PLC Иванов Иван Иванович CONS-000001", req[0].Subject)
	s.Equal([]string{"engineer.washers@example.com"}, req[0].To)
	s.Equal([]string{"head.techsupport@example.com"}, req[0].Cc)
	s.Contains(req[0].Body, "На горячей линии было зафиксировано обращение PLC «CONS-000001»")
	for _, item := range []string{"1. Номер телефона: +7 912 345-67-89", "2. ФИО: Иванов Иван Иванович", "3. Адрес: Москва", "4. Модель, дата покупки, магазин: Haier HW60-BP10919B, 2025-03-01, М.Видео", "5. Суть обращения: Стиральная машина загорелась", "6. Предыдущие заявки", "№ SR-777 2025-03-05 АСЦ Север"} {
		s.Contains(req[0].Body, item)
	}
	s.Equal([]string{"call-recording-42.mp3"}, req[0].Attachments, "the call recording goes with the request")
	alert := s.Mailer.ByStep("shift-alert")
	s.Require().Len(alert, 1)
	s.ElementsMatch([]string{"experts.shift@example.com", "supervisors@example.com"}, alert[0].To)
	group := s.Mailer.ByStep("plc-group")
	s.Require().Len(group, 1)
	s.Equal([]string{"engineer.washers@example.com"}, group[0].To)
	s.Equal([]string{"head.techsupport@example.com", "expert@example.com", "curator@example.com", "supervisors@example.com"}, group[0].Cc)
	s.Contains(group[0].Body, "приоритет СРОЧНО, АСЦ МСС в приоритете) оформим по вашей просьбе")
	s.Len(s.Mailer.ByStep("answer_preparing"), 1, "the thread hears the group prepares its answer")
	nrp := s.Mailer.ByStep("nrp_act_uploaded")
	s.Require().Len(nrp, 1)
	s.Contains(nrp[0].Cc, "complaints@example.com")
	s.Equal([]string{"call-recording-42.mp3", "fire-report.pdf", "nrp-15.pdf"}, nrp[0].Attachments, "new people get every earlier attachment")
	s.Len(s.Mailer.ByStep("documents_received"), 1)
	s.Len(s.Mailer.ByStep("satisfaction_reported"), 1)
	s.Empty(s.Mailer.ByStep("customer-interim"), "a phone customer hears the script instead")
	var comments []string
	for _, c := range recs.Comments {
		comments = append(comments, c.Body)
	}
	s.Len(comments, 7, "the interim reply, the specialist's call, the verdict, the service request, the documents, the visit and the НРП act: %q", comments)
	s.Contains(comments[0], "Клиенту дан промежуточный ответ (phone): "+PLCPhoneScript)
	s.Contains(comments[1], "Специалист связался с клиентом. визит завтра")
}

func (s *plcSuite) TestEmailIntakeNotPLC() {
	s.begin(msk("2026-11-23 10:00"))
	s.accept(msk("2026-11-23 11:00"), RoleSupervisor, "verdict", VerdictData{PLC: no(), Comment: "износ"})
	s.start(msk("2026-11-23 10:00"), plcIntake(ChannelEmail))
	v := s.result()
	s.Equal(sm.PLCNotPLC, v.State)
	s.Require().NotNil(plcData(v).ASCCallbackDue)
	s.True(plcData(v).ASCCallbackDue.Equal(msk("2026-11-26 11:00")), "ASC calls within 3 working days")
	s.Empty(deadline(v, "asc_callback").Name, "the ASC's call is the service request's promise, not a deadline the ended case watches")

	recs, _ := s.Records.ListCaseRecords(context.Background(), s.caseID)
	s.Require().Len(recs.ServiceRequests, 1)
	s.False(recs.ServiceRequests[0].PLC)
	s.Equal(PriorityNormal, recs.ServiceRequests[0].Priority)
	s.False(strings.HasPrefix(recs.ServiceRequests[0].Description, "PLC"), "no PLC mark on a standard request")
	s.Equal(TicketStatusClosed, recs.Tickets[0].Status)
	s.Equal([]string{"usedesk:5555"}, recs.Tickets[0].Linked, "mail tickets are cross-linked")

	interim := s.Mailer.ByStep("customer-interim")
	s.Require().Len(interim, 1)
	s.Equal([]string{"ivanov@example.com"}, interim[0].To)
	s.Contains(interim[0].Body, "Прошу до визита мастера технику не перемещать, не разбирать, не отмывать, не касаться.")
	s.Contains(s.Mailer.ByStep("plc-request")[0].Body, "На почте было зафиксировано")
	notice := s.Mailer.ByStep("not-plc-customer")
	s.Require().Len(notice, 1)
	s.Contains(notice[0].Body, "в течение 3 рабочих дней")
	s.Empty(s.Mailer.ByStep("plc-group"))
}

func (s *plcSuite) TestNRPActAndCompensationRedirectsToServiceB2B() {
	s.begin(msk("2026-11-23 10:00"))
	in := plcIntake(ChannelChat)
	in.HasNRPAct, in.CompensationDemanded = true, true
	s.start(msk("2026-11-23 10:00"), in)
	v := s.result()
	s.Equal(sm.PLCRedirected, v.State)
	s.Equal("serviceb2b@example.com", plcData(v).RedirectedTo)
	recs, _ := s.Records.ListCaseRecords(context.Background(), s.caseID)
	s.Empty(recs.Tickets, "not passed on as PLC")
	s.Require().Len(recs.Consultations, 1)
	s.NotContains(recs.Consultations[0].Description, "PLC.")
	r := s.Mailer.ByStep("redirect-reply")
	s.Require().Len(r, 1)
	s.Contains(r[0].Body, "serviceb2b@example.com")
	s.Empty(s.Mailer.ByStep("plc-request"))
}

func (s *plcSuite) TestEscalationChainEveryLevel() {
	s.begin(msk("2026-11-23 10:00"))
	// Monday 10:00: verdict due 13:00; each call task 30 working minutes.
	s.at(msk("2026-11-23 13:00").Add(time.Second), func(v CaseView) {
		s.Equal(sm.PLCEscalating, v.State)
		s.True(deadline(v, "verdict").Breached)
		s.Require().Len(v.Tasks, 1)
		s.Equal(RoleSupervisor, v.Tasks[0].Role)
		s.Contains(v.Tasks[0].Title, "адресат письма — Инженер СМА")
		s.True(v.Tasks[0].Due.Equal(msk("2026-11-23 13:30")))
		s.Contains(v.AllowedEvents, "call_attempt")
	})
	// Level 1 runs out unanswered; level 2 opens at 13:30.
	s.at(msk("2026-11-23 13:31"), func(v CaseView) {
		s.True(deadline(v, "escalation_call_1").Breached)
		s.Require().Len(v.Tasks, 1)
		s.Contains(v.Tasks[0].Title, "руководитель техподдержки")
		s.True(v.Tasks[0].Due.Equal(msk("2026-11-23 14:00")))
	})
	// Level 2 not reached: level 3 opens at once.
	s.accept(msk("2026-11-23 13:40"), RoleSupervisor, "call_attempt", CallAttemptData{Reached: no(), Note: "не берёт трубку"}, func(v CaseView) {
		s.Equal(sm.PLCEscalating, v.State)
	})
	s.at(msk("2026-11-23 13:41"), func(v CaseView) {
		s.Require().Len(v.Tasks, 1)
		s.Contains(v.Tasks[0].Title, "следующий руководитель")
		s.True(v.Tasks[0].Due.Equal(msk("2026-11-23 14:10")))
		s.Equal(2, plcData(v).EscalationLevel)
	})
	// Level 3 reached: they get one more step (until 14:20) before level 4.
	s.accept(msk("2026-11-23 13:50"), RoleSupervisor, "call_attempt", CallAttemptData{Reached: yes(), Note: "обещал ответить"})
	s.at(msk("2026-11-23 14:00"), func(v CaseView) {
		s.Empty(v.Tasks, "no call while the reached person has time to answer")
	})
	s.at(msk("2026-11-23 14:21"), func(v CaseView) {
		s.Require().Len(v.Tasks, 1)
		s.Contains(v.Tasks[0].Title, "последний в цепочке")
		s.True(deadline(v, "verdict_after_call_3").Breached)
	})
	// Level 4 runs out: the chain is exhausted and a supervisor task remains.
	s.at(msk("2026-11-23 14:52"), func(v CaseView) {
		s.Equal(sm.PLCChainExhausted, v.State)
		s.Require().Len(v.Tasks, 1)
		s.Contains(v.Tasks[0].Title, "Цепочка звонков исчерпана")
		s.NotContains(v.AllowedEvents, "call_attempt")
		d := plcData(v)
		s.Len(d.CallAttempts, 2)
		s.False(d.CallAttempts[0].Reached)
		s.True(d.CallAttempts[1].Reached)
	})
	s.accept(msk("2026-11-23 15:30"), RoleEngineer, "verdict", VerdictData{PLC: no()}, func(v CaseView) {
		s.Empty(v.Tasks)
		s.True(deadline(v, "verdict").Met)
		s.True(deadline(v, "verdict").Breached, "a late verdict stays on record as breached")
	})
	s.start(msk("2026-11-23 10:00"), plcIntake(ChannelPhone))
	s.Equal(sm.PLCNotPLC, s.result().State)
}

func (s *plcSuite) TestVerdictDuringWeekendStopsTheClock() {
	s.begin(msk("2026-11-27 17:00"))
	// Friday 17:00: one working hour left on Friday, two on Monday.
	s.at(msk("2026-11-27 17:01"), func(v CaseView) {
		s.True(deadline(v, "verdict").Due.Equal(msk("2026-11-30 11:00")))
	})
	s.at(msk("2026-11-28 12:00"), func(v CaseView) {
		s.Equal(sm.PLCAwaitingVerdict, v.State, "no escalation on a day off")
		s.Empty(v.Tasks)
	})
	s.accept(msk("2026-11-29 15:00"), RoleEngineer, "verdict", VerdictData{PLC: yes()}, func(v CaseView) {
		s.Equal(sm.PLCConfirmed, v.State)
		s.True(deadline(v, "verdict").Met)
	})
	s.refuse(msk("2026-12-01 09:59"), RoleSupervisor, "close", nil, ErrTypeInvalidData, func(e *temporal.ApplicationError) {
		s.Contains(e.Error(), "satisfaction", "satisfaction before close, or a reason (issue 15)")
	})
	s.accept(msk("2026-12-01 10:00"), RoleSupervisor, "close", NoteData{Note: "клиент недоступен для опроса удовлетворённости"})
	s.start(msk("2026-11-27 17:00"), plcIntake(ChannelPhone))
	v := s.result()
	s.Equal(sm.PLCClosed, v.State)
	for _, h := range v.History {
		s.NotEqual(sm.PLCVerdictOverdue, h.Event)
	}
}

func (s *plcSuite) TestEscalationWaitsForThursdayOverTheShortDayAndHoliday() {
	s.begin(msk("2026-11-03 16:00"))
	// Tuesday 3 Nov 2026 is shortened (to 17:00), 4 Nov a holiday: 16:00 + 3 h → Thu 11:00.
	s.at(msk("2026-11-05 11:00").Add(-time.Second), func(v CaseView) {
		s.Equal(sm.PLCAwaitingVerdict, v.State)
	})
	s.at(msk("2026-11-05 11:00").Add(time.Second), func(v CaseView) {
		s.Equal(sm.PLCEscalating, v.State)
		s.Require().Len(v.Tasks, 1)
		s.True(v.Tasks[0].Due.Equal(msk("2026-11-05 11:30")))
	})
	s.accept(msk("2026-11-05 11:10"), RoleEngineer, "verdict", VerdictData{PLC: no()})
	s.start(msk("2026-11-03 16:00"), plcIntake(ChannelPhone))
	s.Equal(sm.PLCNotPLC, s.result().State)
}

func (s *plcSuite) TestPermanentMailFailureBecomesSupervisorTask() {
	s.begin(msk("2026-11-23 10:00"))
	s.Mailer.SendFn = func(m activities.Mail, _ int) error {
		if m.Step == "plc-request" {
			return &activities.PermanentError{Err: errors.New("550 mailbox unavailable")}
		}
		return nil
	}
	s.at(msk("2026-11-23 10:05"), func(v CaseView) {
		s.Equal(sm.PLCAwaitingVerdict, v.State, "the case goes on")
		s.Require().Len(v.Tasks, 1)
		s.Equal(RoleSupervisor, v.Tasks[0].Role)
		s.Contains(v.Tasks[0].Title, "plc-request")
		s.Contains(v.Tasks[0].Title, "550 mailbox unavailable")
	})
	s.accept(msk("2026-11-23 10:30"), RoleEngineer, "verdict", VerdictData{PLC: no()})
	s.start(msk("2026-11-23 10:00"), plcIntake(ChannelPhone))
	end := s.result()
	s.Equal(sm.PLCNotPLC, end.State)
	s.Require().Len(end.Tasks, 1, "the verdict leaves the failed letter's to-do open (issue 15)")
	s.Contains(end.Tasks[0].Title, "plc-request")
}

func (s *plcSuite) TestTransientMailFailureIsRetriedWithoutDuplicates() {
	s.begin(msk("2026-11-23 10:00"))
	s.Mailer.SendFn = func(m activities.Mail, attempt int) error {
		if m.Step == "plc-request" && attempt < 3 {
			return errors.New("451 try again later")
		}
		return nil
	}
	s.accept(msk("2026-11-23 10:30"), RoleEngineer, "verdict", VerdictData{PLC: no()})
	s.start(msk("2026-11-23 10:00"), plcIntake(ChannelPhone))
	v := s.result()
	s.Empty(v.Tasks)
	s.Len(s.Mailer.ByStep("plc-request"), 1)
	// The fake outbox keeps a key once, so count what the case asked for: two
	// refused attempts and one delivery, never a send after the delivery.
	s.Equal(3, s.Mailer.Calls(WorkflowID("plc", s.caseID)+"/plc-request"), "retried until delivered, then never again")
}

func TestPLCIntakeValidation(t *testing.T) {
	good := plcIntake(ChannelEmail)
	cases := map[string]struct {
		mutate func(*PLCIntake)
		field  string
	}{
		"no phone":                        {func(in *PLCIntake) { in.Customer.Phone = "" }, "customer.phone"},
		"short phone":                     {func(in *PLCIntake) { in.Customer.Phone = "12345" }, "customer.phone"},
		"no address":                      {func(in *PLCIntake) { in.Customer.Address = " " }, "customer.address"},
		"bad purchase date":               {func(in *PLCIntake) { in.Product.PurchaseDate = "01.03.2025" }, "product.purchase_date"},
		"no store":                        {func(in *PLCIntake) { in.Product.Store = "" }, "product.store"},
		"no mood":                         {func(in *PLCIntake) { in.Mood = "" }, "mood"},
		"email without mail":              {func(in *PLCIntake) { in.Customer.Email = "" }, "customer.email"},
		"sms is not a PLC channel":        {func(in *PLCIntake) { in.Channel = ChannelSMS }, "channel"},
		"previous service without number": {func(in *PLCIntake) { in.PreviousService = []PreviousService{{Date: "2025-01-01"}} }, "previous_service[0].number"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			in := good
			in.Customer, in.Product = good.Customer, good.Product
			c.mutate(&in)
			raw, _ := json.Marshal(in)
			_, err := plcType.DecodeIntake(raw)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("want a field error for %s, got %v", c.field, err)
			}
			if fe.Field != c.field {
				t.Fatalf("want field %s, got %s (%s)", c.field, fe.Field, fe.Problem)
			}
		})
	}
	t.Run("damage is never asked", func(t *testing.T) {
		_, err := plcType.DecodeIntake(json.RawMessage(`{"type":"plc","channel":"phone","victims":2}`))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "victims" {
			t.Fatalf("an unknown field must be refused by name, got %v", err)
		}
	})
	t.Run("redirect needs little", func(t *testing.T) {
		_, err := plcType.DecodeIntake(json.RawMessage(`{"type":"plc","channel":"phone","customer":{"full_name":"А","phone":"+79120000000"},"product":{},"has_nrp_act":true,"compensation_demanded":true}`))
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("good", func(t *testing.T) {
		raw, _ := json.Marshal(good)
		if _, err := plcType.DecodeIntake(raw); err != nil {
			t.Fatal(err)
		}
	})
}

// A verdict in time leaves no timer behind: every timer the case started for
// its verdict and callback deadlines is cancelled, none fires later (issue 11:
// AwaitWithTimeout left them running, each costing a workflow task).
func (s *plcSuite) TestKeptDeadlinesCancelTheirTimers() {
	start := msk("2026-11-23 10:00")
	s.begin(start)
	scheduled, fired, cancelled := map[string]bool{}, map[string]bool{}, map[string]bool{}
	s.Env.SetOnTimerScheduledListener(func(id string, _ time.Duration) { scheduled[id] = true })
	s.Env.SetOnTimerFiredListener(func(id string) { fired[id] = true })
	s.Env.SetOnTimerCanceledListener(func(id string) { cancelled[id] = true })
	s.accept(msk("2026-11-23 10:30"), RoleEngineer, EventVerdict, VerdictData{PLC: no()})
	s.start(start, plcIntake(ChannelPhone))

	s.True(s.Env.IsWorkflowCompleted())
	s.NotEmpty(scheduled)
	s.Empty(fired, "no timer fires after the deadlines were kept")
	s.Equal(len(scheduled), len(cancelled), "every timer is cancelled: scheduled %v, cancelled %v", scheduled, cancelled)
}

// A "do it manually" task is closed by task_done from its role (or a
// supervisor), audited; another role, an unknown task and a task an event of
// the case completes are refused (issue 11: such tasks could never be closed).
func (s *plcSuite) TestManualTaskIsClosedByTaskDone() {
	s.begin(msk("2026-11-23 10:00"))
	s.Mailer.SendFn = func(m activities.Mail, _ int) error {
		if m.Step == "plc-request" {
			return &activities.PermanentError{Err: errors.New("550 mailbox unavailable")}
		}
		return nil
	}
	var taskID string
	s.at(msk("2026-11-23 10:05"), func(v CaseView) {
		s.Require().Len(v.Tasks, 1)
		taskID = v.Tasks[0].ID
		s.Contains(v.AllowedEvents, EventTaskDone)
	})
	s.At(s.Env, msk("2026-11-23 10:10"), func() {
		s.SendThen(s.Env, EventTaskDone, Actor{Name: "engineer-1", Role: RoleEngineer}, TaskDoneData{TaskID: taskID, Note: "переслал"},
			func(o Outcome) { s.RefusedWith(o.Err, "an engineer closing the supervisor's task", ErrTypeForbidden) })
		s.SendThen(s.Env, EventTaskDone, Actor{Name: "supervisor-1", Role: RoleSupervisor}, TaskDoneData{TaskID: "nope", Note: "x"},
			func(o Outcome) { s.RefusedWith(o.Err, "an unknown task", ErrTypeInvalidData) })
		s.SendThen(s.Env, EventTaskDone, Actor{Name: "supervisor-1", Role: RoleSupervisor}, TaskDoneData{TaskID: taskID},
			func(o Outcome) { s.RefusedWith(o.Err, "no note", ErrTypeInvalidData) })
	})
	s.At(s.Env, msk("2026-11-23 10:20"), func() {
		s.SendThen(s.Env, EventTaskDone, Actor{Name: "supervisor-1", Role: RoleSupervisor}, TaskDoneData{TaskID: taskID, Note: "запрос отправлен инженеру вручную"},
			func(o Outcome) {
				s.Require().NoError(o.Err)
				s.Empty(o.View.Tasks, "the task leaves the inbox")
				s.NotContains(o.View.AllowedEvents, EventTaskDone)
				last := o.View.History[len(o.View.History)-1]
				s.Equal(EventTaskDone, last.Event)
				s.Equal("supervisor-1", last.Actor)
				s.Contains(last.Note, "запрос отправлен инженеру вручную")
			})
	})
	s.At(s.Env, msk("2026-11-23 10:25"), func() {
		s.SendThen(s.Env, EventTaskDone, Actor{Name: "supervisor-1", Role: RoleSupervisor}, TaskDoneData{TaskID: taskID, Note: "again"},
			func(o Outcome) { s.RefusedWith(o.Err, "no manual task is open", ErrTypeIllegalTransition) })
	})
	s.accept(msk("2026-11-23 10:30"), RoleEngineer, "verdict", VerdictData{PLC: no()})
	s.start(msk("2026-11-23 10:00"), plcIntake(ChannelPhone))
	s.Equal(sm.PLCNotPLC, s.result().State)
}

// While the intake's side effects retry (the SMTP server refuses for a while),
// the case is registered and takes the engineer's verdict; the verdict's own
// side effects follow the intake's (issue 11: every event was refused 409).
// What the verdict settles by itself — its deadline met, the escalation's
// calls ended — holds from the moment it comes (release2612c), not from when
// the letters are out.
func (s *plcSuite) TestVerdictEntersWhileIntakeMailRetries() {
	start := msk("2026-11-23 10:00")
	s.begin(start)
	s.Mailer.SendFn = func(m activities.Mail, attempt int) error {
		if m.Step == "plc-request" && attempt < 8 { // about 2 minutes of backoff
			return errors.New("421 service not available")
		}
		return nil
	}
	var during CaseView
	s.at(msk("2026-11-23 10:00").Add(20*time.Second), func(v CaseView) { during = v })
	s.accept(msk("2026-11-23 10:00").Add(30*time.Second), RoleEngineer, EventVerdict, VerdictData{PLC: yes(), Comment: "возгорание"})
	var given CaseView
	var groupBefore int
	s.at(msk("2026-11-23 10:01"), func(v CaseView) { given, groupBefore = v, len(s.Mailer.ByStep("plc-request")) })
	s.accept(msk("2026-11-23 10:30"), RoleSupervisor, sm.PLCClose, NoteData{Note: "урегулировано"})
	s.start(start, plcIntake(ChannelPhone))

	s.Equal(sm.PLCAwaitingVerdict, during.State, "registered before its letters are out")
	s.Contains(during.AllowedEvents, EventVerdict)
	s.Zero(groupBefore, "the request still retries a minute in")
	s.Equal(sm.PLCConfirmed, given.State)
	verdict := deadline(given, "verdict")
	s.True(verdict.Met, "the verdict's deadline is met when the verdict comes, not when the letters are out")
	s.Require().NotNil(verdict.MetAt)
	s.True(verdict.MetAt.Equal(msk("2026-11-23 10:00").Add(30*time.Second)), "met at %s", verdict.MetAt)
	s.True(deadline(given, "customer_callback").Due.Equal(deadline(during, "customer_callback").Due))
	v := s.result()
	s.Equal(sm.PLCClosed, v.State)
	s.Len(s.Mailer.ByStep("plc-request"), 1, "the request went out once, after its retries")
	recs := s.Records
	r, err := recs.ListCaseRecords(context.Background(), s.caseID)
	s.Require().NoError(err)
	s.Require().Len(r.Tickets, 1)
	s.Empty(r.ServiceRequests, "the urgent request waits for the PLC group's request")
	var steps []string
	for _, m := range s.Mailer.Sent() {
		steps = append(steps, m.Step)
	}
	s.Equal([]string{"shift-alert", "plc-request", "plc-group"}, steps, "the PLC group's letter after the intake's")
}

// The chat reply asks for conclusions to help@ and, for a fire, the fire
// documents to ServiceB2B; a leak awaits no refusal decision (issue 15).
func (s *plcSuite) TestChatReplyAndFireChecklistFollowTheIncident() {
	for _, tc := range []struct {
		incident string
		fire     bool
	}{{IncidentFire, true}, {IncidentLeakFlood, false}} {
		s.Run(tc.incident, func() {
			s.SetupTest()
			s.begin(msk("2026-11-23 10:00"))
			in := plcIntake(ChannelChat)
			in.Incident = tc.incident
			s.accept(msk("2026-11-23 10:30"), RoleEngineer, EventVerdict, VerdictData{PLC: no()})
			s.start(msk("2026-11-23 10:00"), in)
			d := plcData(s.result())
			awaited := false
			for _, doc := range d.Documents {
				awaited = awaited || doc.Awaited
			}
			s.Equal(tc.fire, awaited, "a refusal decision is awaited for a fire only")
			interim := s.Mailer.ByStep("customer-interim")
			s.Require().Len(interim, 1)
			s.Contains(interim[0].Body, "help@example.com", "the chat reply asks for conclusions and acts to help@")
			s.Equal(tc.fire, strings.Contains(interim[0].Body, "serviceb2b@example.com"), "fire documents to ServiceB2B in a fire's reply")
			recs, err := s.Records.ListCaseRecords(context.Background(), s.caseID)
			s.Require().NoError(err)
			s.Empty(recs.Tickets[0].Priority, "the seed sets no priority on the PLC ticket")
		})
	}
}

func TestPLCChatIsForExperts(t *testing.T) {
	chat := plcIntake(ChannelChat)
	assert.Error(t, plcType.CheckOpener(RoleOperator, &chat), "an operator may not open a chat PLC")
	assert.NoError(t, plcType.CheckOpener(RoleExpert, &chat))
	assert.NoError(t, plcType.CheckOpener(RoleAdmin, &chat))
	phone := plcIntake(ChannelPhone)
	assert.NoError(t, plcType.CheckOpener(RoleOperator, &phone), "the hotline opens phone PLCs")
	bad := plcIntake(ChannelPhone)
	bad.Incident = "meteor"
	assert.ErrorContains(t, bad.Validate(), "incident")
}

// The urgent service request goes to МСС unless the group names another known
// ASC with its reason; a copy-list line with two addresses copies both (issue 15).
func (s *plcSuite) TestServiceRequestAtAnotherASCNeedsAReason() {
	start := msk("2026-11-23 10:00")
	s.begin(start)
	env := testEnv()
	env.Directory.ASCs = []Contact{{Name: "МСС"}, {Name: "АСЦ Север"}}
	env.Directory.PLCCopyList = append(env.Directory.PLCCopyList, CopyLine{Name: "Ответственный менеджер за АСЦ", Emails: []string{"asc.manager.a@example.com", "asc.manager.b@example.com"}})
	s.accept(msk("2026-11-23 11:00"), RoleEngineer, "verdict", VerdictData{PLC: yes()})
	s.refuse(msk("2026-11-23 11:10"), RoleSupervisor, "service_request", ServiceRequestData{ASC: "АСЦ Север"}, ErrTypeInvalidData, func(e *temporal.ApplicationError) {
		var det RefusalDetails
		s.Require().NoError(e.Details(&det))
		s.Equal("reason", det.Field)
	})
	s.refuse(msk("2026-11-23 11:11"), RoleSupervisor, "service_request", ServiceRequestData{ASC: "АСЦ Юг", Reason: "ближе"}, ErrTypeInvalidData)
	s.accept(msk("2026-11-23 11:20"), RoleSupervisor, "service_request", ServiceRequestData{ASC: "АСЦ Север", Reason: "МСС не обслуживает район"}, func(v CaseView) {
		s.Equal("АСЦ Север", plcData(v).ServiceRequestASC)
		s.Equal("МСС не обслуживает район", plcData(v).ServiceRequestReason)
	})
	s.accept(msk("2026-11-23 11:30"), RoleSupervisor, "close", NoteData{Note: "клиент отказался от оценки"})
	s.Start(s.Env, plcType.Name, &PLCInput{Case: CaseMeta{ID: s.caseID, Type: "plc"}, Intake: plcIntake(ChannelPhone), Env: env})
	s.result()
	recs, err := s.Records.ListCaseRecords(context.Background(), s.caseID)
	s.Require().NoError(err)
	s.Require().Len(recs.ServiceRequests, 1)
	s.Equal("АСЦ Север", recs.ServiceRequests[0].ASC)
	s.Equal(PriorityUrgent, recs.ServiceRequests[0].Priority)
	group := s.Mailer.ByStep("plc-group")
	s.Require().Len(group, 1)
	s.Subset(group[0].Cc, []string{"asc.manager.a@example.com", "asc.manager.b@example.com"})
}

// A chat customer without an e-mail gets the interim reply in the chat ticket
// (its public comment); the PLC ticket's comments say what was answered
// (issue 15).
func (s *plcSuite) TestChatCustomerGetsTheInterimReplyInTheChat() {
	start := msk("2026-11-23 10:00")
	s.begin(start)
	in := plcIntake(ChannelChat)
	in.Customer.Email = ""
	s.accept(msk("2026-11-23 10:30"), RoleEngineer, "verdict", VerdictData{PLC: no()})
	s.start(start, in)
	s.result()
	replies := s.Records.Replies()
	s.Require().Len(replies, 1, "the chat ticket gets the interim reply")
	s.Equal("usedesk:5555", replies[0].Ticket)
	s.Contains(replies[0].Body, "Ваше обращение зафиксировано и направлено в сервисный департамент")
	s.Empty(s.Mailer.ByStep("customer-interim"), "no address, no letter")
	recs, err := s.Records.ListCaseRecords(context.Background(), s.caseID)
	s.Require().NoError(err)
	s.Require().NotEmpty(recs.Comments)
	s.Contains(recs.Comments[0].Body, "Клиенту дан промежуточный ответ (chat)")
}
