package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

const consultationCaseID = "7c1e2d3f-0000-4000-8000-000000000002"

func consultationDirectory() ConsultationDirectory {
	return ConsultationDirectory{Redirects: Redirects{
		ServiceB2B: "serviceb2b@example.com", ShopHelp: "shop.help@example.com",
		CallCenter: "call.center@example.com", Support: "support@example.com",
	}}
}

// callIntake opens a call's consultation when the call starts.
func callIntake() ConsultationIntake {
	return ConsultationIntake{
		CommonIntake: CommonIntake{
			Type: "consultation", Channel: ChannelPhone,
			Customer: Customer{FullName: "Сидорова Мария Петровна", Phone: "+7 926 111-22-33"},
		},
		ConsultationFields: ConsultationFields{Brand: "Haier"},
		Source:             SourceCall,
	}
}

// callRegistration completes a call's form.
func callRegistration() ConsultationRegisteredData {
	return ConsultationRegisteredData{
		ConsultationFields: ConsultationFields{
			Model: "HW60-BP12959A", Category: "washing_machine", L1: "Консультация", L2: "Эксплуатация", L3: "Режимы стирки",
			Advice: []string{AdvicePrepareDocuments},
		},
		Description: "Клиент интересуется, почему СМА не отжимает бельё. Рекомендовано проверить фильтр насоса и равномерность загрузки.",
	}
}

// chatIntake opens a chat about request SR-000001.
func chatIntake() ConsultationIntake {
	return ConsultationIntake{
		CommonIntake: CommonIntake{
			Type: "consultation", Channel: ChannelChat,
			Customer: Customer{FullName: "Сидорова Мария Петровна", Email: "sidorova@example.com"},
		},
		ConsultationFields: ConsultationFields{Brand: "Haier", Category: "washing_machine", OriginalSR: "SR-000001",
			TicketURL: "https://secure.usedesk.ru/tickets/149421403"},
		Source: SourceOnlineChat,
	}
}

// chatRegistration completes a chat's form; the product fields are copied.
func chatRegistration() ConsultationRegisteredData {
	return ConsultationRegisteredData{
		ConsultationFields: ConsultationFields{L3: "Статус заявки"},
		Description:        "чат, тикет https://secure.usedesk.ru/tickets/149421403",
	}
}

type consultationSuite struct {
	CaseHarness
	// timers counts the timers scheduled and fired. (The test environment reports
	// a cancelled timer only if its loop runs again: the cancellation itself is
	// checked on the embedded server, internal/integration.)
	timers struct{ scheduled, fired int }
}

func TestConsultation(t *testing.T) { suite.Run(t, new(consultationSuite)) }

func (s *consultationSuite) SetupTest() {
	s.CaseHarness.SetupTest()
	s.timers.scheduled, s.timers.fired = 0, 0
	s.Env.SetOnTimerScheduledListener(func(string, time.Duration) { s.timers.scheduled++ })
	s.Env.SetOnTimerFiredListener(func(string) { s.timers.fired++ })
}

func (s *consultationSuite) start(in ConsultationIntake, opts ConsultationOptions) {
	s.Start(s.Env, consultationType.Name, &ConsultationInput{
		Case:   CaseMeta{ID: consultationCaseID, Type: "consultation"},
		Intake: in, Env: CaseEnvOf(consultationDirectory(), opts),
	})
}

func (s *consultationSuite) send(at time.Time, event string, data any, check func(CaseView, error)) {
	s.At(s.Env, at, func() {
		s.SendThen(s.Env, event, Actor{Name: "operator-1", Role: RoleOperator}, data, func(o Outcome) { check(o.View, o.Err) })
	})
}

func (s *consultationSuite) accept(at time.Time, event string, data any, then ...func(CaseView)) {
	s.send(at, event, data, func(v CaseView, err error) {
		s.Require().NoError(err, "%s at %s", event, at)
		for _, f := range then {
			f(v)
		}
	})
}

func (s *consultationSuite) refuse(at time.Time, event string, data any, errType string, then ...func(*temporal.ApplicationError)) {
	s.send(at, event, data, func(_ CaseView, err error) {
		appErr := s.RefusedWith(err, event, errType)
		for _, f := range then {
			f(appErr)
		}
	})
}

// refuseField expects a registration refused as invalid data naming field and rule.
func (s *consultationSuite) refuseField(at time.Time, data any, field, rule string) {
	s.refuse(at, sm.ConsultationRegistered, data, ErrTypeInvalidData, func(e *temporal.ApplicationError) {
		var det RefusalDetails
		s.Require().NoError(e.Details(&det))
		s.Equal(field, det.Field, e.Error())
		s.Contains(e.Error(), "rule "+rule)
	})
}

func (s *consultationSuite) at(t time.Time, f func(CaseView)) {
	s.At(s.Env, t, func() {
		var v CaseView
		s.ViewOf(s.Env, &v)
		f(v)
	})
}

func (s *consultationSuite) result() (CaseView, ConsultationData) {
	var v CaseView
	s.ResultOf(s.Env, &v)
	return v, DataOf[ConsultationData](v)
}

func (s *consultationSuite) records() activities.CaseRecords {
	recs, err := s.Records.ListCaseRecords(context.Background(), consultationCaseID)
	s.Require().NoError(err)
	return recs
}

func (s *consultationSuite) TestRegisteredDuringTheCall() {
	s.Begin(msk("2026-11-23 10:00"))
	s.at(msk("2026-11-23 10:01"), func(v CaseView) {
		s.Equal(sm.ConsultationInCall, v.State)
		s.Equal([]string{"call_ended", "cancel", "handed_over", "registered"}, v.AllowedEvents)
		s.Empty(v.Deadlines, "post-call starts when the call ends")
	})
	s.refuse(msk("2026-11-23 10:02"), sm.ConsultationComplete, nil, ErrTypeIllegalTransition, func(e *temporal.ApplicationError) {
		var det RefusalDetails
		s.Require().NoError(e.Details(&det))
		s.Equal(sm.ConsultationInCall, det.State)
		s.Equal([]string{"call_ended", "cancel", "handed_over", "registered"}, det.AllowedEvents)
	})
	s.accept(msk("2026-11-23 10:05"), sm.ConsultationRegistered, callRegistration())
	s.start(callIntake(), ConsultationOptions{})

	v, d := s.result()
	s.Equal(sm.ConsultationCompleted, v.State)
	s.True(s.Env.Now().Equal(msk("2026-11-23 10:05")), "the case ends with its registration")
	s.Equal("CONS-000001", d.Number)
	s.Equal(sm.ConsultationInCall, d.RegisteredIn)
	s.False(d.Late)
	s.Require().NotNil(d.Form)
	s.Equal(PriorityNormal, d.Form.Priority)
	s.Equal(ServiceTypeConsultation, d.Form.ServiceType)
	s.Equal("2026-11-23", d.Form.ServiceDate, "the service date defaults to today")
	s.Require().Len(d.Advice, 1)
	s.Contains(d.Advice[0].Text, "подготовьте документы о покупке")
	s.Zero(s.timers.scheduled, "nothing waits on a clock during a call")

	recs := s.records()
	s.Require().Len(recs.Consultations, 1)
	c := recs.Consultations[0]
	s.Equal(callRegistration().Description, c.Description)
	s.Equal("Haier", c.Fields["brand"])
	s.Equal("HW60-BP12959A", c.Fields["model"])
	s.Equal("обычный", c.Fields["priority"])
	s.Equal("консультация", c.Fields["service_type"])
	s.Equal("call", c.Fields["source"])
	s.Empty(s.Mailer.Sent(), "an owner's consultation routes nothing")
}

func (s *consultationSuite) TestPostCallKept() {
	s.Begin(msk("2026-11-23 10:00"))
	s.accept(msk("2026-11-23 10:10"), sm.ConsultationCallEnded, CallEndedData{}, func(v CaseView) {
		s.Equal(sm.ConsultationPostCall, v.State)
		dl := deadline(v, deadlinePostCall)
		s.True(dl.Due.Equal(msk("2026-11-23 10:15")), "5 minutes after the call's end: %s", dl.Due)
		s.Equal(PolicyConsultationPostCall, dl.Basis.Policy)
		s.True(dl.Basis.Start.Equal(msk("2026-11-23 10:10")))
	})
	s.accept(msk("2026-11-23 10:13"), sm.ConsultationRegistered, callRegistration())
	s.start(callIntake(), ConsultationOptions{})

	v, d := s.result()
	s.Equal(sm.ConsultationCompleted, v.State)
	dl := deadline(v, deadlinePostCall)
	s.True(dl.Met)
	s.False(dl.Breached)
	s.False(d.Late)
	s.Equal(sm.ConsultationPostCall, d.RegisteredIn)
	s.True(s.Env.Now().Equal(msk("2026-11-23 10:13")), "no timer outlives the registration: %s", s.Env.Now())
	s.Equal(1, s.timers.scheduled)
	s.Zero(s.timers.fired)
}

func (s *consultationSuite) TestPostCallBreachedThenRegisteredLate() {
	s.Begin(msk("2026-11-23 17:50"))
	s.accept(msk("2026-11-23 17:58"), sm.ConsultationCallEnded, CallEndedData{At: msk("2026-11-23 17:57").Format(time.RFC3339)})
	s.at(msk("2026-11-23 18:03"), func(v CaseView) {
		dl := deadline(v, deadlinePostCall)
		s.True(dl.Due.Equal(msk("2026-11-23 18:02")), "plain minutes after a call at the close of the day: %s", dl.Due)
		s.True(dl.Breached)
		s.Equal(sm.ConsultationPostCall, v.State)
		s.Require().Len(v.Tasks, 1)
		s.Equal(RoleSupervisor, v.Tasks[0].Role)
		s.Contains(v.Tasks[0].Title, "не зарегистрирована в поствызове")
		s.Equal([]string{sm.ConsultationRegistered, sm.ConsultationCancel}, v.Tasks[0].Events)
		s.Equal("deadline_breached", v.History[len(v.History)-1].Event)
	})
	s.accept(msk("2026-11-23 18:20"), sm.ConsultationRegistered, callRegistration())
	s.start(callIntake(), ConsultationOptions{})

	v, d := s.result()
	s.Equal(sm.ConsultationCompleted, v.State)
	s.True(d.Late)
	s.Empty(v.Tasks, "the supervisor's task closes with the late registration")
	dl := deadline(v, deadlinePostCall)
	s.True(dl.Breached)
	s.True(dl.Met, "kept late")
	s.Equal(1, s.timers.fired)
}

func (s *consultationSuite) TestHandOffNeverHoldsTheCustomer() {
	s.Begin(msk("2026-11-23 10:00"))
	s.accept(msk("2026-11-23 10:04"), sm.ConsultationHandedOver, HandedOverData{Department: "VOC", Note: "жалоба на сервис"}, func(v CaseView) {
		s.Equal(sm.ConsultationPostCall, v.State, "the hand-off ends the call: the rest is post-call")
		s.True(deadline(v, deadlinePostCall).Due.Equal(msk("2026-11-23 10:09")))
		last := v.History[len(v.History)-1]
		s.Equal(sm.ConsultationHandedOver, last.Event)
		s.Contains(last.Note, "customer not held")
	})
	s.accept(msk("2026-11-23 10:05"), sm.ConsultationHandedOver, HandedOverData{Department: "Naumen", CustomerHeld: true}, func(v CaseView) {
		s.Equal(sm.ConsultationPostCall, v.State)
		s.Contains(v.History[len(v.History)-1].Note, "customer HELD")
	})
	s.refuse(msk("2026-11-23 10:06"), sm.ConsultationHandedOver, map[string]any{"department": "Casarte"}, ErrTypeInvalidData)
	s.accept(msk("2026-11-23 10:08"), sm.ConsultationRegistered, callRegistration())
	s.start(callIntake(), ConsultationOptions{})

	_, d := s.result()
	s.Require().Len(d.HandOffs, 2)
	s.Equal("VOC", d.HandOffs[0].Department)
	s.False(d.HandOffs[0].CustomerHeld)
	s.True(d.HandOffs[1].CustomerHeld)
	s.True(d.CallEndedAt.Equal(msk("2026-11-23 10:04")))
	s.Equal("VOC, Naumen", s.records().Consultations[0].Fields["handed_over"])
}

func (s *consultationSuite) TestTransferredAtIntakeIsNotRegistered() {
	s.Begin(msk("2026-11-23 10:00"))
	in := callIntake()
	in.TransferredTo = "casarte"
	s.start(in, ConsultationOptions{})
	v, d := s.result()
	s.Equal(sm.ConsultationNotRegistered, v.State)
	s.Equal("casarte", d.TransferredTo)
	s.Contains(d.NotRegistered, "консультацию в GSIS не оформляем")
	s.Equal(sm.ConsultationTransfer, v.History[0].Event)
	s.Empty(s.records().Consultations)
	s.Zero(s.timers.scheduled)
}

func (s *consultationSuite) TestCallEndedByTransfer() {
	s.Begin(msk("2026-11-23 10:00"))
	s.accept(msk("2026-11-23 10:03"), sm.ConsultationCallEnded, CallEndedData{TransferredTo: "b2b"})
	s.start(callIntake(), ConsultationOptions{})
	v, d := s.result()
	s.Equal(sm.ConsultationNotRegistered, v.State)
	s.Equal("b2b", d.TransferredTo)
	s.Empty(v.Deadlines)
	s.Empty(s.records().Consultations)
}

func (s *consultationSuite) TestTransferToALineOffTheListIsRegistered() {
	s.Begin(msk("2026-11-23 10:00"))
	// Configured: only Casarte's calls go unregistered.
	s.accept(msk("2026-11-23 10:03"), sm.ConsultationCallEnded, CallEndedData{TransferredTo: "b2b"}, func(v CaseView) {
		s.Equal(sm.ConsultationPostCall, v.State)
	})
	s.accept(msk("2026-11-23 10:05"), sm.ConsultationRegistered, callRegistration())
	s.start(callIntake(), ConsultationOptions{UnregisteredTransfers: []string{"casarte"}})
	v, _ := s.result()
	s.Equal(sm.ConsultationCompleted, v.State)
}

func (s *consultationSuite) TestCancelledInPostCall() {
	s.Begin(msk("2026-11-23 10:00"))
	in := callIntake()
	in.CallEndedAt = msk("2026-11-23 10:00").Format(time.RFC3339)
	s.refuse(msk("2026-11-23 10:01"), sm.ConsultationCancel, map[string]any{}, ErrTypeInvalidData)
	s.accept(msk("2026-11-23 10:02"), sm.ConsultationCancel, ConsultationCancelData{Reason: "звонок прервался, клиент не ответил"})
	s.start(in, ConsultationOptions{})
	v, d := s.result()
	s.Equal(sm.ConsultationCancelled, v.State)
	s.Equal("звонок прервался, клиент не ответил", d.CancelReason)
	s.True(s.Env.Now().Equal(msk("2026-11-23 10:02")))
	s.Equal(1, s.timers.scheduled)
	s.Zero(s.timers.fired, "the cancellation ends the case before post-call")
	s.Empty(s.records().Consultations)
}

func (s *consultationSuite) TestChatCompletedAfterTheTicketCloses() {
	ctx := context.Background()
	cons, err := s.Records.CreateConsultation(ctx, activities.Consultation{Key: "earlier", CaseID: "earlier",
		Fields: map[string]string{"model": "HW60-BP12959A", "purchase_date": "2025-03-01", "store": "М.Видео"}})
	s.Require().NoError(err)
	_, err = s.Records.CreateServiceRequest(ctx, activities.ServiceRequest{Key: "earlier-sr", CaseID: "earlier", ConsultationNumber: cons.Number})
	s.Require().NoError(err)

	s.Begin(msk("2026-11-23 10:00"))
	s.at(msk("2026-11-23 10:01"), func(v CaseView) {
		s.Equal(sm.ConsultationInContact, v.State)
		d := DataOf[ConsultationData](v)
		s.Require().NotNil(d.Request)
		s.True(d.Request.Found)
		s.Equal("HW60-BP12959A", d.Request.Model)
	})
	s.refuse(msk("2026-11-23 10:02"), sm.ConsultationComplete, nil, ErrTypeIllegalTransition)
	mismatch := chatRegistration()
	mismatch.Model = "HW70-BP12959A"
	s.refuseField(msk("2026-11-23 10:03"), mismatch, "model", RuleRepeatMatch)
	otherSR := chatRegistration()
	otherSR.OriginalSR = "SR-000777"
	s.refuseField(msk("2026-11-23 10:04"), otherSR, "original_sr", RuleOriginalSR)
	yesterday := chatRegistration()
	yesterday.ServiceDate = "2026-11-22"
	s.refuseField(msk("2026-11-23 10:05"), yesterday, "service_date", RuleRepeatToday)
	s.accept(msk("2026-11-23 10:06"), sm.ConsultationRegistered, chatRegistration(), func(v CaseView) {
		s.Equal(sm.ConsultationAwaitingClose, v.State)
		s.Equal([]string{"cancel", "complete", "handed_over"}, v.AllowedEvents)
	})
	s.accept(msk("2026-11-23 11:30"), sm.ConsultationComplete, ConsultationCompleteData{ClosedAt: msk("2026-11-23 11:29").Format(time.RFC3339)})
	s.start(chatIntake(), ConsultationOptions{})

	v, d := s.result()
	s.Equal(sm.ConsultationCompleted, v.State)
	s.True(d.TicketClosedAt.Equal(msk("2026-11-23 11:29")))
	s.True(d.CompletedAt.Equal(msk("2026-11-23 11:30")))
	f := d.Form
	s.Require().NotNil(f)
	s.Equal("HW60-BP12959A", f.Model, "copied from the request")
	s.Equal("2025-03-01", f.PurchaseDate)
	s.Equal("М.Видео", f.Seller)
	s.Equal(RepeatL1, f.L1)
	s.Equal(RepeatL2, f.L2)
	s.Equal("2026-11-23", f.ServiceDate)
	s.True(f.RepeatContact)
	s.Empty(v.Deadlines, "a chat has no post-call")
	s.Zero(s.timers.scheduled)
	recs := s.records()
	s.Require().Len(recs.Consultations, 1)
	s.Equal("online_chat", recs.Consultations[0].Fields["source"])
	s.Equal("SR-000001", recs.Consultations[0].Fields["original_sr"])
}

func (s *consultationSuite) TestChatAboutARequestNotOnRecord() {
	s.Begin(msk("2026-11-23 10:00"))
	reg := chatRegistration()
	reg.Model = "HW70"
	s.accept(msk("2026-11-23 10:06"), sm.ConsultationRegistered, reg)
	s.accept(msk("2026-11-23 10:30"), sm.ConsultationComplete, ConsultationCompleteData{})
	s.start(chatIntake(), ConsultationOptions{})
	v, d := s.result()
	s.Equal(sm.ConsultationCompleted, v.State)
	s.False(d.Request.Found)
	s.Equal("request_not_on_record", v.History[1].Event)
	s.Equal("HW70", d.Form.Model, "nothing on record to match: the operator's value stands")
}

func (s *consultationSuite) TestStoreEmployeesRequestIsRoutedToShopHelp() {
	s.Begin(msk("2026-11-23 10:00"))
	reg := callRegistration()
	reg.CallFrom, reg.CallerNumber, reg.LeadsToRequest = CallFromStore, "+7 495 222-33-44", true
	reg.Advice = []string{AdviceSupportPersonalData}
	s.accept(msk("2026-11-23 10:05"), sm.ConsultationRegistered, reg)
	s.start(callIntake(), ConsultationOptions{})
	_, d := s.result()
	letters := s.Mailer.ByStep("routing")
	s.Require().Len(letters, 1)
	s.Equal([]string{"shop.help@example.com"}, letters[0].To)
	s.Equal("Консультация CONS-000001: сотрудник магазина — оформление заявки", letters[0].Subject)
	s.Contains(letters[0].Body, "+7 495 222-33-44")
	s.Contains(letters[0].Body, "Сидорова Мария Петровна, телефон +7 926 111-22-33")
	s.Equal([]Routing{{Mailbox: "shop.help@example.com", Reason: "сотрудник магазина: оформление заявки", Sent: true}}, d.Routed)
	s.Require().Len(d.Advice, 1)
	s.Contains(d.Advice[0].Text, "support@example.com")
}

func (s *consultationSuite) TestASCEmployeesRequestIsRoutedToCallCenter() {
	s.Begin(msk("2026-11-23 10:00"))
	reg := callRegistration()
	reg.CallFrom, reg.CallerNumber, reg.LeadsToRequest = CallFromASC, "+7 495 222-33-55", true
	s.refuseField(msk("2026-11-23 10:04"), func() ConsultationRegisteredData {
		r := reg
		r.Customer = &Customer{Phone: "+7 495 222-33-55"}
		return r
	}(), "customer.phone", RuleCustomerCard)
	s.accept(msk("2026-11-23 10:05"), sm.ConsultationRegistered, reg)
	s.start(callIntake(), ConsultationOptions{})
	s.result()
	letters := s.Mailer.ByStep("routing")
	s.Require().Len(letters, 1)
	s.Equal([]string{"call.center@example.com"}, letters[0].To)
}

func (s *consultationSuite) TestDescriptionRules() {
	s.Begin(msk("2026-11-23 10:00"))
	s.refuseField(msk("2026-11-23 10:01"), slangRegistration(), "description", RuleAbbreviations)
	noQuestion := callRegistration()
	noQuestion.Description = "Проведена консультация по эксплуатации."
	s.refuseField(msk("2026-11-23 10:02"), noQuestion, "description", RuleQuestion)
	marketplace := callRegistration()
	marketplace.Seller = "Ozon"
	s.refuseField(msk("2026-11-23 10:03"), marketplace, "seller", RuleMarketplace)
	s.accept(msk("2026-11-23 10:04"), sm.ConsultationRegistered, callRegistration())
	s.start(callIntake(), ConsultationOptions{})
	v, _ := s.result()
	s.Equal(sm.ConsultationCompleted, v.State)
}

func (s *consultationSuite) TestApprovedAbbreviationsAreConfigured() {
	s.Begin(msk("2026-11-23 10:00"))
	s.accept(msk("2026-11-23 10:04"), sm.ConsultationRegistered, slangRegistration())
	s.start(callIntake(), ConsultationOptions{ApprovedAbbreviations: []string{"СМА", "ХЛД"}})
	v, _ := s.result()
	s.Equal(sm.ConsultationCompleted, v.State)
}

// slangRegistration's description abbreviates a fridge ХЛД.
func slangRegistration() ConsultationRegisteredData {
	r := callRegistration()
	r.Description = "Клиент спрашивает, почему ХЛД шумит."
	return r
}

func (s *consultationSuite) TestDefaultCalendarZoneDecidesToday() {
	// 00:30 in Moscow is still the 23rd in UTC: today is Moscow's date.
	s.Begin(msk("2026-11-24 00:30"))
	s.accept(msk("2026-11-24 00:31"), sm.ConsultationRegistered, callRegistration())
	s.start(callIntake(), ConsultationOptions{})
	_, d := s.result()
	s.Equal("2026-11-24", d.Form.ServiceDate)
	s.True(strings.HasPrefix(d.RegisteredAt.In(moscow).Format(time.DateOnly), "2026-11-24"))
}
