package workflows

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/suite"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

// People of the telecom tests: the CASE's creator and two experts of the queues.
var (
	tcCreator = Actor{Name: "op-ivanova", Role: RoleOperator}
	tcExpert  = Actor{Name: "expert-backoffice", Role: RoleExpert}
	tcExpert2 = Actor{Name: "expert-equipment", Role: RoleExpert}
)

func telecomDirectory() TelecomDirectory {
	return TelecomDirectory{
		Queues:        map[string]string{"BackOffice": "queue-backoffice", "Эксперты оборудования": "queue-equipment"},
		DefaultQueue:  "queue-general",
		RetentionLine: Contact{Name: "Сохранения", Phone: "+7 800 000-00-01"},
		EquipmentLine: Contact{Name: "Эксперты оборудования", Phone: "+7 800 000-00-02"},
	}
}

func telecomOptions() TelecomOptions {
	return Defaulted(TelecomOptions{Resolution: map[string]string{"Эксперты оборудования": "5 working days"}})
}

func telecomIntake(category string) TelecomIntake {
	return TelecomIntake{
		CommonIntake: CommonIntake{Type: "telecom_case", Channel: ChannelPhone,
			Customer:    Customer{FullName: "Смирнов Олег", Phone: "+7 903 000-00-01"},
			Description: "Списание за услугу, которую абонент не подключал"},
		Category: category, Subject: "Несогласие со списанием", CustomerKind: TelecomB2C, CreatedBy: tcCreator.Name,
	}
}

type telecomSuite struct {
	CaseHarness
}

func TestTelecomCase(t *testing.T) { suite.Run(t, new(telecomSuite)) }

func (s *telecomSuite) start(at time.Time, in TelecomIntake) {
	s.Require().True(s.Env.Now().Equal(at), "Begin(%s) first", at)
	s.Start(s.Env, telecomType.Name, &TelecomInput{
		Case: CaseMeta{ID: "tc1", Type: "telecom_case"}, Intake: in, Env: CaseEnvOf(telecomDirectory(), telecomOptions())})
}

func (s *telecomSuite) send(t time.Time, label, event string, actor Actor, data any) {
	s.At(s.Env, t, func() { s.Send(s.Env, label, event, actor, data) })
}

func (s *telecomSuite) snap(t time.Time, into *CaseView) {
	s.At(s.Env, t, func() { s.ViewOf(s.Env, into) })
}

func tcData(v CaseView) TelecomData { return DataOf[TelecomData](v) }

// onlyTask is the view's one open task.
func (s *telecomSuite) onlyTask(v CaseView) Task {
	s.Require().Len(v.Tasks, 1, "tasks: %+v", v.Tasks)
	return v.Tasks[0]
}

// Both buttons and every state on the main line: saved in the creator's
// folder, dispatched to the category's queue, accepted, forwarded, accepted,
// closed with a discount, archived after the quiet period; illegal events refused.
func (s *telecomSuite) TestButtonsQueuesAndClose() {
	s.Begin(msk("2026-11-02 10:00")) // Monday
	var opened, saved, dispatched, accepted, forwarded, closed CaseView
	s.snap(msk("2026-11-02 10:01"), &opened)
	s.send(msk("2026-11-02 10:10"), "forward unqueued", sm.TelecomForward, tcExpert, map[string]any{"queue": "queue-equipment"})
	s.send(msk("2026-11-02 10:20"), "accept unqueued", sm.TelecomAccept, tcExpert, nil)
	s.send(msk("2026-11-02 10:30"), "save", sm.TelecomSave, tcCreator, map[string]any{"note": "уточню у абонента"})
	s.snap(msk("2026-11-02 10:31"), &saved)
	s.send(msk("2026-11-02 11:00"), "dispatch", sm.TelecomDispatch, tcCreator, nil)
	s.snap(msk("2026-11-02 11:01"), &dispatched)
	s.send(msk("2026-11-02 11:10"), "save dispatched", sm.TelecomSave, tcCreator, nil)
	s.send(msk("2026-11-02 12:00"), "accept", sm.TelecomAccept, tcExpert, nil)
	s.snap(msk("2026-11-02 12:01"), &accepted)
	s.send(msk("2026-11-02 13:00"), "forward", sm.TelecomForward, tcExpert, map[string]any{"queue": "queue-equipment", "note": "вопрос по роутеру"})
	s.snap(msk("2026-11-02 13:01"), &forwarded)
	s.send(msk("2026-11-02 14:00"), "accept 2", sm.TelecomAccept, tcExpert2, nil)
	s.send(msk("2026-11-02 15:00"), "close", sm.TelecomClose, tcExpert2, map[string]any{"note": "услуга отключена", "discount": true})
	s.snap(msk("2026-11-02 15:01"), &closed)
	s.send(msk("2026-11-02 16:00"), "dispatch closed", sm.TelecomDispatch, tcCreator, nil)
	s.start(msk("2026-11-02 10:00"), telecomIntake("BackOffice"))

	s.Equal(sm.TelecomOpen, opened.State)
	folder := s.onlyTask(opened)
	s.Equal(RoleOperator, folder.Role)
	s.Equal(tcCreator.Name, folder.Assignee, "the creator's folder")
	s.True(folder.Due.Equal(msk("2026-11-02 12:00")), "telecom.undispatched: 2 working hours, got %s", folder.Due)
	s.True(deadline(opened, "resolution").Due.Equal(msk("2026-11-06 10:00")), "3 working days over the 4 November holiday")
	s.Refused("forward unqueued", ErrTypeIllegalTransition)
	s.Refused("accept unqueued", ErrTypeIllegalTransition)

	s.Applied("save", "dispatch", "accept", "forward", "accept 2", "close")
	s.Equal(sm.TelecomOpen, saved.State, "«Сохранить» keeps the CASE in the folder")
	s.Equal(tcCreator.Name, s.onlyTask(saved).Assignee)

	s.Equal(sm.TelecomDispatched, dispatched.State)
	q := s.onlyTask(dispatched)
	s.Equal(RoleExpert, q.Role)
	s.Equal("queue-backoffice", q.Assignee, "the category's queue")
	s.Contains(q.Events, sm.TelecomAccept)
	s.Refused("save dispatched", ErrTypeIllegalTransition)

	s.Equal(sm.TelecomOpen, accepted.State)
	s.Equal(tcExpert.Name, s.onlyTask(accepted).Assignee)

	s.Equal(sm.TelecomForwarded, forwarded.State)
	s.Equal("queue-equipment", s.onlyTask(forwarded).Assignee)
	s.Equal("queue-equipment", tcData(forwarded).Queue)

	s.Equal(sm.TelecomClosed, closed.State)
	s.Empty(closed.Tasks, "a closed CASE is in no folder or queue")
	s.True(deadline(closed, "resolution").Met)
	d := tcData(closed)
	s.Equal("2026-11-02", d.DiscountGiven)
	s.False(d.Discount.Allowed, "a discount given on this CASE refuses another")
	s.NotEmpty(d.Discount.Script)
	s.Refused("dispatch closed", ErrTypeIllegalTransition)

	var end CaseView
	s.ResultOf(s.Env, &end)
	s.Equal(sm.TelecomArchived, end.State)
	s.True(s.Env.Now().Sub(msk("2026-11-02 15:00")) >= 30*24*time.Hour, "archived after the quiet period, at %s", s.Env.Now())
}

// A CASE saved and never dispatched is flagged when telecom.undispatched
// passes: an urgent task to its creator.
func (s *telecomSuite) TestNeverDispatchedIsFlagged() {
	s.Begin(msk("2026-11-02 10:00"))
	var before, flagged, dispatched CaseView
	s.send(msk("2026-11-02 10:05"), "save", sm.TelecomSave, tcCreator, nil)
	s.snap(msk("2026-11-02 11:59"), &before)
	s.snap(msk("2026-11-02 12:01"), &flagged)
	s.send(msk("2026-11-02 13:00"), "dispatch", sm.TelecomDispatch, tcCreator, nil)
	s.snap(msk("2026-11-02 13:01"), &dispatched)
	s.send(msk("2026-11-02 14:00"), "accept", sm.TelecomAccept, tcExpert, nil)
	s.send(msk("2026-11-02 15:00"), "close", sm.TelecomClose, tcExpert, nil)
	s.start(msk("2026-11-02 10:00"), telecomIntake("BackOffice"))

	s.False(tcData(before).Undispatched)
	s.Equal(sm.TelecomOpen, flagged.State)
	s.True(tcData(flagged).Undispatched)
	s.Len(flagged.Tasks, 2, "the folder task, overdue, and the flag: %+v", flagged.Tasks)
	flag, ok := taskOf(flagged, "не направлен")
	s.Require().True(ok, "the flag task: %+v", flagged.Tasks)
	s.Equal(tcCreator.Name, flag.Assignee)
	s.True(flag.Due.Equal(msk("2026-11-02 14:00")), "telecom.urgent: 2 working hours, got %s", flag.Due)
	s.True(deadline(flagged, tcData(flagged).Tasks[0].Deadline).Breached)

	s.Equal(sm.TelecomDispatched, dispatched.State)
	s.Equal("queue-backoffice", s.onlyTask(dispatched).Assignee, "dispatching clears the folder and the flag")
	s.Applied("save", "dispatch", "accept", "close")
}

// The rejected return: the reason is shown and the creator gets an urgent task
// to close the CASE (and open a new one in the right category).
func (s *telecomSuite) TestRejectedReturn() {
	s.Begin(msk("2026-11-02 10:00"))
	var rejected, closed CaseView
	s.send(msk("2026-11-02 10:10"), "dispatch", sm.TelecomDispatch, tcCreator, nil)
	s.send(msk("2026-11-02 11:00"), "reject no reason", sm.TelecomReject, tcExpert, map[string]any{})
	s.send(msk("2026-11-02 11:01"), "reject by operator", sm.TelecomReject, tcCreator, map[string]any{"reason": "x"})
	s.send(msk("2026-11-02 11:05"), "reject", sm.TelecomReject, tcExpert, map[string]any{"reason": "Неверная категория: вопрос по оборудованию"})
	s.snap(msk("2026-11-02 11:06"), &rejected)
	s.send(msk("2026-11-02 11:10"), "dispatch rejected", sm.TelecomDispatch, tcCreator, nil)
	s.send(msk("2026-11-02 12:00"), "close", sm.TelecomClose, tcCreator, map[string]any{"note": "создан новый CASE в категории «Эксперты оборудования»"})
	s.snap(msk("2026-11-02 12:01"), &closed)
	s.start(msk("2026-11-02 10:00"), telecomIntake("BackOffice"))

	s.Refused("reject no reason", ErrTypeInvalidData)
	s.Refused("reject by operator", ErrTypeForbidden)
	s.Refused("dispatch rejected", ErrTypeIllegalTransition)
	s.Equal(sm.TelecomRejectReturn, rejected.State)
	d := tcData(rejected)
	s.Equal("Неверная категория: вопрос по оборудованию", d.RejectReason)
	s.Require().Len(d.Comments, 1)
	s.Contains(d.Comments[0].Text, d.RejectReason, "the reason is in the CASE's comments")
	t := s.onlyTask(rejected)
	s.Equal(tcCreator.Name, t.Assignee)
	s.Contains(t.Title, d.RejectReason)
	s.Equal([]string{sm.TelecomClose}, t.Events)
	s.True(t.Due.Equal(msk("2026-11-02 13:05")), "urgent: 2 working hours, got %s", t.Due)
	s.Equal(sm.TelecomClosed, closed.State)
	s.Empty(closed.Tasks)
}

// Rule 2: a CASE in the queue past its resolution time — the standard phrase,
// accepted, «ПОВТОР» in the subject, back to the queue, the day's promise tracked.
func (s *telecomSuite) TestRepeatInQueueOverdue() {
	s.Begin(msk("2026-11-02 10:00"))
	var early, repeated CaseView
	s.send(msk("2026-11-02 10:10"), "dispatch", sm.TelecomDispatch, tcCreator, nil)
	s.send(msk("2026-11-03 10:00"), "early", sm.TelecomRepeatContact, tcCreator, map[string]any{})
	s.snap(msk("2026-11-03 10:01"), &early)
	s.send(msk("2026-11-06 11:00"), "repeat", sm.TelecomRepeatContact, tcCreator, map[string]any{"note": "абонент звонит повторно"})
	s.snap(msk("2026-11-06 11:01"), &repeated)
	s.send(msk("2026-11-06 15:00"), "accept", sm.TelecomAccept, tcExpert, nil)
	s.send(msk("2026-11-06 16:00"), "close", sm.TelecomClose, tcExpert, nil)
	s.start(msk("2026-11-02 10:00"), telecomIntake("BackOffice"))

	s.Applied("early", "repeat", "accept", "close")
	e := tcData(early)
	s.Equal(TelecomRuleInformed, e.Repeats[0].Rule, "in time and not insisting: the status only")
	s.Equal(sm.TelecomDispatched, early.State)
	s.Equal("Несогласие со списанием", e.Subject)

	s.Equal(sm.TelecomDispatched, repeated.State)
	d := tcData(repeated)
	r := d.Repeats[1]
	s.Equal(TelecomRuleRequeue, r.Rule)
	s.True(r.Overdue)
	s.Equal(TelecomRepeatPhrase, r.Script)
	s.Equal(TelecomRepeatPhrase, d.Script)
	s.Equal("ПОВТОР Несогласие со списанием", d.Subject)
	q := s.onlyTask(repeated)
	s.Equal("queue-backoffice", q.Assignee)
	s.Contains(q.Title, "ПОВТОР")
	s.True(q.Due.Equal(msk("2026-11-07 11:00")), "past its resolution time, the queue has the promised day, got %s", q.Due)
	var events []string
	for _, h := range repeated.History {
		if h.Event != "deadline_breached" {
			events = append(events, h.Event)
		}
	}
	s.Equal([]string{sm.TelecomDispatch, sm.TelecomRepeatContact, sm.TelecomRepeatContact, sm.TelecomAccept, sm.TelecomDispatch}, events[len(events)-5:])
	n := deadline(repeated, "repeat_notice_1")
	s.True(n.Due.Equal(msk("2026-11-07 11:00")), "«в течение суток» on the 24x7 calendar, got %s", n.Due)
	s.True(deadline(repeated, "resolution").Breached)
}

// Rule 2 for a customer who insists before the resolution time ends, on a
// forwarded CASE: back to the queue it was forwarded to.
func (s *telecomSuite) TestRepeatInsistingForwarded() {
	s.Begin(msk("2026-11-02 10:00"))
	var repeated CaseView
	s.send(msk("2026-11-02 10:10"), "dispatch", sm.TelecomDispatch, tcCreator, nil)
	s.send(msk("2026-11-02 11:00"), "forward", sm.TelecomForward, tcExpert, map[string]any{"queue": "queue-equipment"})
	s.send(msk("2026-11-02 12:00"), "repeat", sm.TelecomRepeatContact, tcCreator, map[string]any{"customer_insists": true})
	s.snap(msk("2026-11-02 12:01"), &repeated)
	s.send(msk("2026-11-02 13:00"), "accept", sm.TelecomAccept, tcExpert2, nil)
	s.send(msk("2026-11-02 14:00"), "close", sm.TelecomClose, tcExpert2, nil)
	s.start(msk("2026-11-02 10:00"), telecomIntake("BackOffice"))

	s.Applied("repeat", "accept", "close")
	r := tcData(repeated).Repeats[0]
	s.Equal(TelecomRuleRequeue, r.Rule)
	s.False(r.Overdue)
	s.Equal("queue-equipment", s.onlyTask(repeated).Assignee)
}

// Rule 3: an OPEN CASE past its resolution time — the standard phrase and a
// «Повтор» comment; the CASE is not taken from whoever works on it.
func (s *telecomSuite) TestRepeatOpenOverdue() {
	s.Begin(msk("2026-11-02 10:00"))
	var repeated CaseView
	s.send(msk("2026-11-02 10:10"), "dispatch", sm.TelecomDispatch, tcCreator, nil)
	s.send(msk("2026-11-02 11:00"), "accept", sm.TelecomAccept, tcExpert, nil)
	s.send(msk("2026-11-09 10:00"), "repeat", sm.TelecomRepeatContact, tcCreator, map[string]any{})
	s.snap(msk("2026-11-09 10:01"), &repeated)
	s.send(msk("2026-11-09 12:00"), "close", sm.TelecomClose, tcExpert, nil)
	s.start(msk("2026-11-02 10:00"), telecomIntake("BackOffice"))

	s.Applied("repeat", "close")
	s.Equal(sm.TelecomOpen, repeated.State)
	d := tcData(repeated)
	s.Equal(TelecomRuleComment, d.Repeats[0].Rule)
	s.Equal(TelecomRepeatPhrase, d.Script)
	s.Require().Len(d.Comments, 1)
	s.Equal(TelecomRepeatComment, d.Comments[0].Text)
	s.Equal(tcExpert.Name, s.onlyTask(repeated).Assignee, "not taken from the queue's expert")
	s.Equal("Несогласие со списанием", d.Subject)
	s.True(deadline(repeated, "repeat_notice_1").Due.Equal(msk("2026-11-10 10:00")))
}

// Rule 1: a closed CASE whose customer disagrees goes to the line its category
// maps to; one who does not dispute it is told it is closed.
func (s *telecomSuite) TestRepeatClosed() {
	for _, tc := range []struct {
		category, line, name string
	}{
		{"Эксперты оборудования", TelecomLineEquipment, "Эксперты оборудования"},
		{"Личный кабинет/mobile b2b", TelecomLineRetention, "Сохранения"},
		{"Роуминг", TelecomLineRetention, "Сохранения"},
	} {
		s.Run(tc.category, func() {
			s.SetupTest()
			s.Begin(msk("2026-11-02 10:00"))
			var agrees, disagrees CaseView
			s.send(msk("2026-11-02 10:10"), "close", sm.TelecomClose, tcCreator, nil)
			s.send(msk("2026-11-03 10:00"), "agrees", sm.TelecomRepeatContact, tcCreator, map[string]any{})
			s.snap(msk("2026-11-03 10:01"), &agrees)
			s.send(msk("2026-11-04 10:00"), "disagrees", sm.TelecomRepeatContact, tcCreator, map[string]any{"disagrees": true})
			s.snap(msk("2026-11-04 10:01"), &disagrees)
			s.start(msk("2026-11-02 10:00"), telecomIntake(tc.category))

			s.Applied("close", "agrees", "disagrees")
			s.Equal(TelecomRuleClosed, tcData(agrees).Repeats[0].Rule)
			s.Equal(sm.TelecomClosed, disagrees.State)
			r := tcData(disagrees).Repeats[1]
			s.Equal(TelecomRuleTransfer, r.Rule)
			s.Equal(tc.line, r.Line)
			s.Require().NotNil(r.Contact)
			s.Equal(tc.name, r.Contact.Name)
			s.Contains(r.Script, tc.name)
			s.Empty(disagrees.Tasks)
		})
	}
}

// The discount rule: none again on the same question within the window, from
// the records (the subscriber known by phone); a discount given on the CASE is
// recorded and refuses the next.
func (s *telecomSuite) TestDiscountWindow() {
	given := func(customer, subject, day string) activities.Discount {
		return activities.Discount{Key: "disc-" + customer + subject + day, CaseID: "tc0", Customer: customer, Subject: subject, GivenAt: msk(day + " 12:00")}
	}
	for _, tc := range []struct {
		name    string
		earlier []activities.Discount
		allowed bool
	}{
		{"none", nil, true},
		{"same question 3 months ago", []activities.Discount{given("79030000001", "BackOffice", "2026-08-05")}, false},
		{"other question", []activities.Discount{given("79030000001", "Роуминг", "2026-10-05")}, true},
		{"other subscriber", []activities.Discount{given("79030000002", "BackOffice", "2026-10-05")}, true},
		{"same question 5 months ago", []activities.Discount{given("79030000001", "BackOffice", "2026-06-01")}, true},
	} {
		s.Run(tc.name, func() {
			s.SetupTest()
			for _, d := range tc.earlier {
				_, err := s.Records.RecordDiscount(context.Background(), d)
				s.Require().NoError(err)
			}
			s.Begin(msk("2026-11-02 10:00"))
			var v, repeated CaseView
			s.snap(msk("2026-11-02 10:01"), &v)
			s.send(msk("2026-11-02 10:10"), "close", sm.TelecomClose, tcCreator, map[string]any{"discount": tc.allowed})
			s.send(msk("2026-11-03 10:10"), "repeat", sm.TelecomRepeatContact, tcCreator, map[string]any{})
			s.snap(msk("2026-11-03 10:11"), &repeated)
			s.start(msk("2026-11-02 10:00"), telecomIntake("BackOffice"))
			s.Applied("close", "repeat")
			d := tcData(v).Discount
			s.Equal(tc.allowed, d.Allowed)
			s.Equal(4, d.WindowMonths)
			if !tc.allowed {
				s.Contains(d.Script, "05.08.2026")
				s.Equal("tc0", d.LastCase)
				return
			}
			after := tcData(repeated).Discount
			s.False(after.Allowed, "the discount given on this CASE is on record")
			s.Equal("2026-11-02", after.Last)
			found, err := s.Records.FindDiscounts(context.Background(), "79030000001", "BackOffice", msk("2026-11-01 00:00"))
			s.Require().NoError(err)
			s.Require().Len(found, 1)
			s.Equal("tc1", found[0].CaseID)
		})
	}
}

// No script the engine returns promises a balance correction or a call-back.
func TestTelecomScriptsPromiseNothing(t *testing.T) {
	forbidden := regexp.MustCompile(`(?i)перезвон|позвоним|свяжемся|баланс|корректир|пересчит|вернём|верн[её]тся|начисл`)
	for _, script := range telecomScripts() {
		if forbidden.MatchString(script) {
			t.Errorf("script promises what the seed forbids: %q", script)
		}
	}
}
