package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

// People of the dispute tests.
var (
	expert   = Actor{Name: "expert-1", Role: RoleExpert}
	engineer = Actor{Name: "engineer-1", Role: RoleEngineer}
	operator = Actor{Name: "operator-1", Role: RoleOperator}
)

func disputeDirectory() DisputeDirectory {
	return DisputeDirectory{
		EngineersByCategory: map[string]Contact{"washing_machine": {Name: "Инженер СМА", Email: "engineer.washers@example.com"}},
		DefaultEngineer:     Contact{Name: "Дежурный инженер", Email: "engineer.duty@example.com"},
		DisputeCopyList:     []Contact{{Name: "Эксперт 1", Email: "dispute.expert1@example.com"}, {Name: "Эксперт 2", Email: "dispute.expert2@example.com"}},
		EscalationManager:   Contact{Name: "Руководитель экспертов", Email: "experts.lead@example.com"},
		HPCCManager:         Contact{Name: "Менеджер HPCC", Email: "hpcc.manager@example.com"},
		ClaimsGroup:         "claims.group@example.com",
		SupervisorsMailbox:  "supervisors@example.com",
	}
}

func disputeOptions() DisputeOptions {
	return Defaulted(DisputeOptions{})
}

func disputeIntake() DisputeIntake {
	return DisputeIntake{
		CommonIntake: CommonIntake{
			Type: "dispute", Channel: ChannelPhone,
			Customer:    Customer{FullName: "Петров Пётр", Phone: "+7 912 000-00-01", Email: "petrov@example.com"},
			Product:     Product{Brand: "Haier", Model: "HW70", Category: "washing_machine", PurchaseDate: "2025-06-01", Store: "М.Видео"},
			Description: "После ремонта машина по-прежнему не отжимает; мастер написал, что техника исправна",
		},
		RequestNumber: "SR-1001", Path: DisputePathHotline, ASCReportAvailable: true,
		ASC:       Contact{Name: "АСЦ Север", Email: "asc.north@example.com"},
		Documents: []string{"act-1001.pdf"}, Questions: []string{"Возможен ли ремонт в рамках лояльности?"},
	}
}

type disputeSuite struct {
	CaseHarness
	opts DisputeOptions
}

func TestDispute(t *testing.T) { suite.Run(t, new(disputeSuite)) }

func (s *disputeSuite) SetupTest() {
	s.CaseHarness.SetupTest()
	s.opts = disputeOptions()
}

func (s *disputeSuite) start(at time.Time, in DisputeIntake) {
	s.Require().True(s.Env.Now().Equal(at), "Begin(%s) first", at)
	s.Start(s.Env, disputeType.Name, &DisputeInput{
		Case: CaseMeta{ID: "d1", Type: "dispute"}, Intake: in, Env: CaseEnvOf(disputeDirectory(), s.opts)})
}

// send posts an event at t; the outcome is filed under label.
func (s *disputeSuite) send(t time.Time, label, event string, actor Actor, data any) {
	s.At(s.Env, t, func() { s.Send(s.Env, label, event, actor, data) })
}

func (s *disputeSuite) view() (CaseView, DisputeData) {
	var v CaseView
	s.ViewOf(s.Env, &v)
	return v, DataOf[DisputeData](v)
}

func (s *disputeSuite) snap(t time.Time, into *CaseView) {
	s.At(s.Env, t, func() { *into, _ = s.view() })
}

// recs are the records the case made.
func (s *disputeSuite) recs() activities.CaseRecords {
	r, err := s.Records.ListCaseRecords(context.Background(), "d1")
	s.Require().NoError(err)
	return r
}

func taskOf(v CaseView, part string) (Task, bool) {
	for _, t := range v.Tasks {
		if strings.Contains(t.Title, part) {
			return t, true
		}
	}
	return Task{}, false
}

// The expert path of the seed, end to end: the promise, the outgoing request,
// an ASC answer that does not end the wait, the engineer's clear answer, the
// customer accepts, the final consultation, close.
func (s *disputeSuite) TestExpertPathToResolved() {
	s.Begin(msk("2026-11-02 10:00"))
	start := msk("2026-11-02 10:00") // Monday
	var triaged, requested, afterASC, answered, resolved CaseView
	s.snap(msk("2026-11-02 10:01"), &triaged)
	s.send(msk("2026-11-02 11:00"), "early answer", EventEngineerAnswer, engineer, map[string]any{"text": "x", "clear": true})
	s.send(msk("2026-11-02 11:30"), "called", sm.DisputeExpertCalled, expert, map[string]any{"note": "клиент предупреждён"})
	s.snap(msk("2026-11-02 11:31"), &requested)
	s.send(msk("2026-11-03 12:00"), "asc answer", sm.DisputeASCAnswer, operator, map[string]any{"text": "АСЦ: техника исправна"})
	s.snap(msk("2026-11-03 12:01"), &afterASC)
	s.send(msk("2026-11-03 15:00"), "answer", EventEngineerAnswer, engineer, map[string]any{"text": "Дефект не подтверждён, вибрация в норме", "clear": true})
	s.snap(msk("2026-11-03 15:01"), &answered)
	s.send(msk("2026-11-03 16:00"), "close too early", sm.DisputeClose, expert, nil)
	s.send(msk("2026-11-03 16:01"), "confirm unproposed", sm.DisputeHandoffConfirmed, expert, nil)
	s.send(msk("2026-11-03 17:00"), "accepts", EventCustomerResponse, expert, map[string]any{"accepted": true, "statement": "Понял, спасибо, хотя недоволен"})
	s.snap(msk("2026-11-03 17:01"), &resolved)
	s.send(msk("2026-11-04 10:00"), "close", sm.DisputeClose, expert, map[string]any{"note": "клиент согласен"})
	s.start(start, disputeIntake())

	s.Equal(sm.DisputeExpertCall, triaged.State)
	call, ok := taskOf(triaged, "персональном контроле")
	s.Require().True(ok, "the expert's call task: %+v", triaged.Tasks)
	s.Equal(RoleExpert, call.Role)

	s.Refused("early answer", ErrTypeIllegalTransition)

	s.Equal(sm.DisputeAwaitingEngineer, requested.State)
	data := DataOf[DisputeData](requested)
	s.Equal(DisputePromise, data.Reply)
	s.True(deadline(requested, "customer_answer").Due.Equal(msk("2026-11-06 11:30")), "3 working days over the 4 November holiday")
	s.True(deadline(requested, "engineer_answer_1").Due.Equal(msk("2026-11-06 11:30")))
	req := s.Letters(DisputeSubject)
	s.Require().Len(req, 1)
	s.Equal("Не согласен с заключением, что техника исправна. Петров Пётр SR-1001", req[0].Subject)
	s.Equal([]string{"engineer.washers@example.com"}, req[0].To)
	s.Equal([]string{"asc.north@example.com", "dispute.expert1@example.com", "dispute.expert2@example.com"}, req[0].Cc)
	s.Contains(req[0].Body, "Возможен ли ремонт в рамках лояльности?")
	s.Contains(req[0].Body, "act-1001.pdf")
	s.NotContains(req[0].Body, "суд", "no legal line when the customer did not say so")
	tickets := s.recs().Tickets
	s.Require().Len(tickets, 1)
	s.Equal(PriorityExtreme, tickets[0].Priority)

	s.Equal(sm.DisputeAwaitingEngineer, afterASC.State, "an ASC's answer never ends the wait")
	s.Equal([]string{"АСЦ: техника исправна"}, DataOf[DisputeData](afterASC).ASCAnswers)

	s.Equal(sm.DisputeCustomerFeedback, answered.State)
	s.True(deadline(answered, "engineer_answer_1").Met)
	_, ok = taskOf(answered, "объяснить ответ инженера")
	s.True(ok)

	s.Refused("close too early", ErrTypeIllegalTransition)
	s.Refused("confirm unproposed", ErrTypeIllegalTransition)
	s.Applied("called", "asc answer", "answer", "accepts", "close")
	s.Equal(sm.DisputeResolved, resolved.State)
	s.True(deadline(resolved, "customer_answer").Met)
	cons := s.recs().Consultations
	s.Require().Len(cons, 1)
	s.True(strings.HasPrefix(cons[0].Description, DisputeConsultationStart), cons[0].Description)
	s.Contains(cons[0].Fields["notes"], "usedesk:", "the note links the internal ticket")

	var end CaseView
	s.ResultOf(s.Env, &end)
	s.Equal(sm.DisputeClosed, end.State)
	s.Empty(end.Tasks)
}

// Three working days without the engineer's answer: written to again, a task to
// tell the customer more time is needed; after the limit a supervisor takes over.
func (s *disputeSuite) TestSilentEngineerIsWrittenToAgainAcrossHolidayAndWeekend() {
	s.Begin(msk("2026-11-02 09:30"))
	s.opts.EngineerResendLimit = 1
	var first, second, third CaseView
	s.send(msk("2026-11-02 10:00"), "called", sm.DisputeExpertCalled, expert, nil)
	s.snap(msk("2026-11-06 09:59"), &first)
	s.snap(msk("2026-11-06 10:01"), &second)
	s.snap(msk("2026-11-11 10:01"), &third)
	s.send(msk("2026-11-12 10:00"), "late answer", EventEngineerAnswer, engineer, map[string]any{"text": "Ремонт возможен", "clear": true})
	s.send(msk("2026-11-12 11:00"), "accepts", EventCustomerResponse, expert, map[string]any{"accepted": true})
	s.send(msk("2026-11-12 12:00"), "close", sm.DisputeClose, expert, nil)
	s.start(msk("2026-11-02 09:30"), disputeIntake())

	s.Len(s.Letters(DisputeSubject)[:1], 1)
	s.Len(DataOf[DisputeData](first).Requests, 1, "not re-sent before 3 working days (the 4th is a holiday)")
	d := DataOf[DisputeData](second)
	s.Require().Len(d.Requests, 2, "re-sent on Friday 10:00")
	s.Equal("resend", d.Requests[1].Kind)
	s.Contains(d.Requests[1].Cc, "experts.lead@example.com", "the escalation manager joins a re-sent request")
	s.True(deadline(second, "engineer_answer_1").Breached)
	s.True(deadline(second, "engineer_answer_2").Due.Equal(msk("2026-11-11 10:00")), "over the weekend")
	_, ok := taskOf(second, "дополнительное время")
	s.True(ok, "the expert tells the customer more time is needed")

	s.Len(DataOf[DisputeData](third).Requests, 2, "past the limit nobody writes again…")
	sup, ok := taskOf(third, "не ответил на 2 писем")
	s.Require().True(ok, "…a supervisor takes over: %+v", third.Tasks)
	s.Equal(RoleSupervisor, sup.Role)

	s.Applied("called", "late answer", "accepts", "close")
	var end CaseView
	s.ResultOf(s.Env, &end)
	s.Empty(end.Tasks, "the engineer's answer closes the supervisor's and the expert's tasks")
}

// An unclear answer loops through clarifying questions back to waiting.
func (s *disputeSuite) TestUnclearAnswerLoopsThroughClarification() {
	s.Begin(msk("2026-11-09 09:00"))
	var unclear, clarifying CaseView
	s.send(msk("2026-11-09 10:00"), "called", sm.DisputeExpertCalled, expert, nil)
	s.send(msk("2026-11-09 12:00"), "vague", EventEngineerAnswer, engineer, map[string]any{"text": "Дисбаланс барабана, см. ТУ 4.2", "clear": false})
	s.snap(msk("2026-11-09 12:01"), &unclear)
	s.send(msk("2026-11-09 13:00"), "questions", sm.DisputeClarification, expert, map[string]any{"questions": []string{"Что значит «дисбаланс» для клиента?"}})
	s.snap(msk("2026-11-09 13:01"), &clarifying)
	s.send(msk("2026-11-10 10:00"), "clear", EventEngineerAnswer, engineer, map[string]any{"text": "Бельё распределено неравномерно", "clear": true})
	s.send(msk("2026-11-10 11:00"), "accepts", EventCustomerResponse, expert, map[string]any{"accepted": true})
	s.send(msk("2026-11-10 12:00"), "close", sm.DisputeClose, expert, nil)
	s.start(msk("2026-11-09 09:00"), disputeIntake())

	s.Applied("called", "vague", "questions", "clear", "accepts", "close")
	s.Equal(sm.DisputeAnswerUnclear, unclear.State)
	s.Equal(sm.DisputeAwaitingEngineer, clarifying.State)
	s.True(deadline(clarifying, "engineer_answer_2").Due.Equal(msk("2026-11-12 13:00")), "a new 3-day wait from the questions")
	letters := s.Letters(DisputeSubject)
	s.Require().Len(letters, 2)
	s.Contains(letters[1].Body, "Что значит «дисбаланс» для клиента?")
	s.Contains(letters[1].Body, "понятным для клиента языком")
}

// Refused with a legal threat and demands known → a linked claim case.
func (s *disputeSuite) TestThreatWithDemandsOpensALinkedClaim() {
	s.Begin(msk("2026-11-09 09:00"))
	in := disputeIntake()
	in.Demands = []string{"заменить машину"}
	s.send(msk("2026-11-09 10:00"), "called", sm.DisputeExpertCalled, expert, nil)
	s.send(msk("2026-11-09 12:00"), "answer", EventEngineerAnswer, engineer, map[string]any{"text": "Техника исправна", "clear": true})
	s.send(msk("2026-11-09 13:00"), "threat", EventCustomerResponse, expert, map[string]any{"accepted": false, "legal_threat": true, "statement": "Подам в суд"})
	s.start(msk("2026-11-09 09:00"), in)

	s.Applied("called", "answer", "threat")
	var end CaseView
	s.ResultOf(s.Env, &end)
	s.Equal(sm.DisputeHandedOff, end.State)
	s.Require().Len(end.Related, 1)
	s.Equal("reclamation", end.Related[0].Type)
	s.Equal("claim", end.Related[0].Relation)
	s.Require().Len(s.Opener.Opened, 1)
	var claim ClaimIntake
	s.Require().NoError(json.Unmarshal(s.Opener.Opened[0].Intake, &claim))
	s.Equal("Петров Пётр", claim.Client)
	s.Contains(claim.Comment, "заменить машину")
	s.Equal([]CaseLink{{Type: "dispute", ID: "d1", WorkflowID: "dispute-d1", Relation: "dispute"}}, claim.Related)
	s.Equal([]string{"act-1001.pdf"}, claim.Documents)
	handoff := s.Letters("Передача в группу рекламаций")
	s.Require().Len(handoff, 1)
	s.Equal([]string{"claims.group@example.com"}, handoff[0].To)
	s.Contains(handoff[0].Body, end.Related[0].WorkflowID)
	s.Empty(end.Tasks)
	cons := s.recs().Consultations
	s.Require().Len(cons, 1)
	s.Contains(cons[0].Description, "передано в группу рекламаций")
}

// Refused with a legal threat, no demands → the customer is asked for them;
// stated demands hand off (by mail, as configured).
func (s *disputeSuite) TestThreatWithoutDemandsAsksForThemThenHandsOffByMail() {
	s.Begin(msk("2026-11-09 09:00"))
	s.opts.Handoff = HandoffMail
	var asked CaseView
	s.send(msk("2026-11-09 10:00"), "called", sm.DisputeExpertCalled, expert, nil)
	s.send(msk("2026-11-09 12:00"), "answer", EventEngineerAnswer, engineer, map[string]any{"text": "Техника исправна", "clear": true})
	s.send(msk("2026-11-09 13:00"), "threat", EventCustomerResponse, expert, map[string]any{"accepted": false, "legal_threat": true})
	s.snap(msk("2026-11-09 13:01"), &asked)
	s.send(msk("2026-11-10 10:00"), "demands", sm.DisputeDemandsStated, expert, map[string]any{"demands": []string{"вернуть деньги"}})
	s.start(msk("2026-11-09 09:00"), disputeIntake())

	s.Applied("called", "answer", "threat", "demands")
	s.Equal(sm.DisputeAwaitingDemands, asked.State)
	_, ok := taskOf(asked, "изложить требования")
	s.True(ok)
	var end CaseView
	s.ResultOf(s.Env, &end)
	s.Equal(sm.DisputeHandedOff, end.State)
	s.Empty(s.Opener.Opened, "mail mode opens no case")
	s.Empty(end.Related)
	s.Require().Len(s.Letters("Передача в группу рекламаций"), 1)
	s.Contains(s.Letters("Передача в группу рекламаций")[0].Body, "вернуть деньги")
}

// A repeat contact with demands, or an official claim, hands off at any open step.
func (s *disputeSuite) TestRepeatContactWithDemandsAndOfficialClaimHandOff() {
	for _, tc := range []struct {
		name, event string
		data        any
	}{
		{"repeat contact with demands", sm.DisputeRepeatContact, map[string]any{"with_demands": true, "demands": []string{"компенсация"}}},
		{"official claim", sm.DisputeOfficialClaim, map[string]any{"documents": []string{"pretenziya.pdf"}}},
	} {
		s.Run(tc.name, func() {
			s.SetupTest()
			s.Begin(msk("2026-11-09 09:00"))
			s.send(msk("2026-11-09 10:00"), "called", sm.DisputeExpertCalled, expert, nil)
			s.send(msk("2026-11-09 12:00"), "handoff", tc.event, operator, tc.data)
			s.start(msk("2026-11-09 09:00"), disputeIntake())
			s.Applied("called", "handoff")
			var end CaseView
			s.ResultOf(s.Env, &end)
			s.Equal(sm.DisputeHandedOff, end.State)
			s.Len(s.Opener.Opened, 1)
		})
	}
}

// A cue in the customer's words proposes the hand-off; the expert decides.
func (s *disputeSuite) TestLegalCueProposesHandoffTheExpertConfirms() {
	s.Begin(msk("2026-11-09 09:00"))
	in := disputeIntake()
	in.CustomerStatement = "Если не решите, обращусь в Роспотребнадзор. Судя по всему, вы не понимаете."
	in.Demands = []string{"ремонт"}
	var cued CaseView
	s.snap(msk("2026-11-09 09:01"), &cued)
	s.send(msk("2026-11-09 10:00"), "confirmed", sm.DisputeHandoffConfirmed, expert, map[string]any{"note": "угроза реальна"})
	s.start(msk("2026-11-09 09:00"), in)

	s.Equal(sm.DisputeExpertCall, cued.State, "a cue never hands off by itself")
	d := DataOf[DisputeData](cued)
	s.Require().Len(d.Cues, 1, "«судя» is no cue")
	s.Equal("роспотребнадзор", d.Cues[0].Word)
	s.Equal("Если не решите, обращусь в Роспотребнадзор", d.Cues[0].Quote)
	_, ok := taskOf(cued, "Подтвердите передачу")
	s.True(ok)
	s.Applied("confirmed")
	var end CaseView
	s.ResultOf(s.Env, &end)
	s.Equal(sm.DisputeHandedOff, end.State)
}

// The seed's triage table, row by row.
func (s *disputeSuite) TestTriage() {
	cases := []struct {
		name  string
		edit  func(*DisputeIntake)
		state string
	}{
		{"damage or misuse", func(in *DisputeIntake) { in.DamageOrMisuse = true }, sm.DisputeRedirected},
		{"several contacts", func(in *DisputeIntake) { in.EarlierContacts = 2 }, sm.DisputeOtherASC},
		{"Нет АСЦ request from the site", func(in *DisputeIntake) {
			in.NoASCRequest, in.Path, in.Channel = true, DisputePathWebForm, ChannelWebForm
		},
			sm.DisputeOtherASCCallback},
		{"another ASC in the city", func(in *DisputeIntake) { in.OtherASCInCity = true }, sm.DisputeNewRequest},
		{"another ASC, but an air conditioner", func(in *DisputeIntake) {
			in.OtherASCInCity, in.Product.Category = true, "air_conditioner"
		}, sm.DisputeExpertCall},
		{"no ASC report", func(in *DisputeIntake) { in.ASCReportAvailable = false }, sm.DisputeAwaitingReport},
		{"web form", func(in *DisputeIntake) { in.Path, in.Channel = DisputePathWebForm, ChannelWebForm }, sm.DisputeExpertCall},
		{"direct mail", func(in *DisputeIntake) { in.Path, in.Channel = DisputePathDirectMail, ChannelEmail }, sm.DisputeAwaitingEngineer},
	}
	for _, tc := range cases {
		s.Run(tc.name, func() {
			s.SetupTest()
			s.Begin(msk("2026-11-09 09:00"))
			in := disputeIntake()
			tc.edit(&in)
			var v CaseView
			s.snap(msk("2026-11-09 09:01"), &v)
			s.start(msk("2026-11-09 09:00"), in)
			if disputeType.Machine.IsTerminal(tc.state) {
				s.ResultOf(s.Env, &v)
			}
			s.Equal(tc.state, v.State)
			switch tc.state {
			case sm.DisputeNewRequest:
				s.Len(s.recs().ServiceRequests, 1)
			case sm.DisputeAwaitingReport:
				hpcc := s.Letters(DisputeSubject)
				s.Require().Len(hpcc, 1)
				s.Equal([]string{"hpcc.manager@example.com"}, hpcc[0].To)
				s.Equal(PriorityExtreme, s.recs().Tickets[0].Priority)
			case sm.DisputeAwaitingEngineer:
				first := s.Letters(DisputeSubject)[0]
				s.Equal("engineer-request-1", first.Step, "the direct-mail path writes to the engineer at once")
			case sm.DisputeRedirected:
				s.Contains(DataOf[DisputeData](v).Reply, DisputeNonWarrantyArticle)
			}
		})
	}
}

// An illegal event is refused with the state and the events allowed in it.
func (s *disputeSuite) TestIllegalEventNamesStateAndAllowed() {
	s.Begin(msk("2026-11-09 09:00"))
	s.send(msk("2026-11-09 10:00"), "close", sm.DisputeClose, expert, nil)
	s.start(msk("2026-11-09 09:00"), disputeIntake())
	appErr := s.Refused("close", ErrTypeIllegalTransition)
	var d RefusalDetails
	s.Require().NoError(appErr.Details(&d))
	s.Equal(sm.DisputeExpertCall, d.State)
	s.Contains(d.AllowedEvents, sm.DisputeExpertCalled)
	s.NotContains(d.AllowedEvents, sm.DisputeClose)
}

func TestLegalCues(t *testing.T) {
	var o DisputeOptions
	require.NoError(t, o.Validate())
	must := []string{"подам в суд", "Обращусь в Роспотребнадзор!", "будем судиться? нет — засужу", "пожалуюсь в прокуратуру",
		"напишу претензию", "мой юрист свяжется", "это подрыв имиджа компании", "расскажу в СМИ", "выложу в соцсети", "пойду к адвокату"}
	mustNot := []string{"судя по всему, он прав", "посуда вся цела", "рассудим спокойно", "суди сам", "смиренно жду", "исключено"}
	for _, text := range must {
		assert.NotEmpty(t, findCues(o.LegalCues, text), "must match: %s", text)
	}
	for _, text := range mustNot {
		assert.Empty(t, findCues(o.LegalCues, text), "must not match: %s", text)
	}
}

func TestDisputeIntakeAndOptionsValidation(t *testing.T) {
	in := disputeIntake()
	require.NoError(t, in.Validate())
	in.Path = "fax"
	assert.ErrorContains(t, in.Validate(), "path")
	o := DisputeOptions{Triage: []TriageRule{{All: []string{CondWebForm}, Then: TriageExpert}}}
	assert.ErrorContains(t, o.Validate(), "must end with a rule without conditions")
	o = DisputeOptions{LegalCues: []string{"суд("}}
	assert.ErrorContains(t, o.Validate(), "dispute_legal_cues[0]")
	o = DisputeOptions{Triage: []TriageRule{{All: []string{"moon_phase"}, Then: TriageExpert}, {Then: TriageExpert}}}
	assert.ErrorContains(t, o.Validate(), "moon_phase")
}

// A case is bounded: past MaxSelfLoops events that leave it in its state, or
// MaxNoteBytes of notes, an event is refused with CaseLimit (422 at the API)
// instead of growing the history until Temporal stops the case (issue 16).
func (s *disputeSuite) TestCaseLimitsRefuseUnboundedGrowth() {
	s.Begin(msk("2026-11-09 09:00"))
	s.send(msk("2026-11-09 10:00"), "called", sm.DisputeExpertCalled, expert, nil)
	answered := 0
	s.At(s.Env, msk("2026-11-09 11:00"), func() {
		for i := range MaxSelfLoops {
			s.SendThen(s.Env, sm.DisputeASCAnswer, operator, map[string]any{"text": fmt.Sprintf("ответ АСЦ %d", i)},
				func(o Outcome) { answered++; s.Require().NoError(o.Err, "self-loop %d of %d", i+1, MaxSelfLoops) })
		}
		s.SendThen(s.Env, sm.DisputeASCAnswer, operator, map[string]any{"text": "ещё один"},
			func(o Outcome) { answered++; s.RefusedWith(o.Err, "one self-loop too many", ErrTypeCaseLimit) })
		// An event that moves the case is not a self-loop: still taken.
		s.SendThen(s.Env, EventEngineerAnswer, engineer, map[string]any{"text": "ответ", "clear": false},
			func(o Outcome) { answered++; s.Require().NoError(o.Err) })
	})
	s.start(msk("2026-11-09 09:00"), disputeIntake())
	s.Equal(MaxSelfLoops+2, answered, "every event was answered")
}

func (s *disputeSuite) TestNoteBytesAreBounded() {
	s.Begin(msk("2026-11-09 09:00"))
	s.send(msk("2026-11-09 10:00"), "called", sm.DisputeExpertCalled, expert, nil)
	big := strings.Repeat("я", 5000) // 10,000 bytes
	answered := 0
	s.At(s.Env, msk("2026-11-09 11:00"), func() {
		for i := range MaxNoteBytes / len(big) {
			s.SendThen(s.Env, sm.DisputeASCAnswer, operator, map[string]any{"text": big},
				func(o Outcome) { answered++; s.Require().NoError(o.Err, "note %d", i+1) })
		}
		s.SendThen(s.Env, sm.DisputeASCAnswer, operator, map[string]any{"text": big},
			func(o Outcome) { answered++; s.RefusedWith(o.Err, "a note past the case's budget", ErrTypeCaseLimit) })
	})
	s.start(msk("2026-11-09 09:00"), disputeIntake())
	s.Equal(MaxNoteBytes/len(big)+1, answered, "every event was answered")
}
