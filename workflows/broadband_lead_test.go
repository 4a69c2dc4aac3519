package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/testsuite"

	sm "github.com/caseflow/caseflow/statemachines"
)

func leadOptions() LeadOptions {
	return Defaulted(LeadOptions{})
}

func businessLead() LeadIntake {
	return LeadIntake{CommonIntake: CommonIntake{Type: "broadband_lead", Channel: ChannelPhone}, Caller: CallerBusiness,
		City: "Казань", ContactPerson: "Иванов Иван", Phone: "+7 843 000-00-01", Organisation: "ООО Ромашка"}
}

type leadSuite struct{ CaseHarness }

func TestBroadbandLead(t *testing.T) { suite.Run(t, new(leadSuite)) }

func (s *leadSuite) start(env *testsuite.TestWorkflowEnvironment, in LeadIntake) {
	s.Start(env, leadType.Name, &LeadInput{Case: CaseMeta{ID: "l1", Type: "broadband_lead"}, Intake: in, Env: CaseEnvOf(NoDirectory{}, leadOptions())})
}

func (s *leadSuite) view(env *testsuite.TestWorkflowEnvironment) (CaseView, LeadData) {
	var v CaseView
	s.ViewOf(env, &v)
	return v, DataOf[LeadData](v)
}

// Every caller but a potential business customer is answered with the line to
// call at intake, and the case ends routed; no script promises a call.
func (s *leadSuite) TestRoutingAtIntake() {
	at := msk("2026-12-01 10:00")
	for _, tc := range []struct {
		caller   string
		conflict bool
		action   string
		number   string
	}{
		{CallerSubscriber, false, RouteGiveNumber, "8 800 700 8000"},
		{CallerSubscriber, true, RouteTransferShpd, ""},
		{CallerIndividual, false, RouteTransferShpd, ""},
		{CallerPartner, false, RouteGiveNumber, "8 800 700 7007"},
		{CallerStateBody, false, RouteGiveNumber, "8 800 700 7007"},
	} {
		s.Run(tc.caller, func() {
			env := s.NewEnv(at)
			s.start(env, LeadIntake{CommonIntake: CommonIntake{Type: "broadband_lead"}, Caller: tc.caller, AcuteConflict: tc.conflict})
			var v CaseView
			s.ResultOf(env, &v)
			d := DataOf[LeadData](v)
			s.Equal(sm.LeadRouted, v.State)
			s.Equal(tc.action, d.Routing.Action)
			s.Equal(tc.number, d.Routing.Number)
			s.NotContains(d.Routing.Script, "перезвоним")
			s.Empty(v.Deadlines)
			if tc.caller == CallerPartner || tc.caller == CallerStateBody {
				s.Contains(d.Routing.Script, "в будние дни с 08:00 до 20:00")
				s.Contains(d.Routing.Script, "Сейчас линия работает")
			}
		})
	}
}

// The lead's window counts 2 working days on the business line's calendar:
// Friday 10:00 → Tuesday 10:00 across the weekend, breached on that minute with
// a supervisor's task; the late call-back keeps it late and closes the task.
func (s *leadSuite) TestWindowAcrossWeekend() {
	start := msk("2026-11-27 10:00") // Friday
	s.Begin(start)
	due := msk("2026-12-01 10:00") // Tuesday
	var opened, before, after CaseView
	s.At(s.Env, start.Add(time.Minute), func() { opened, _ = s.view(s.Env) })
	s.At(s.Env, due.Add(-time.Minute), func() { before, _ = s.view(s.Env) })
	s.At(s.Env, due.Add(time.Second), func() { after, _ = s.view(s.Env) })
	s.At(s.Env, due.Add(time.Hour), func() {
		s.Send(s.Env, "called", sm.LeadCalledBackEvent, operator, CalledBackData{Note: "договорились о встрече"})
	})
	s.At(s.Env, due.Add(2*time.Hour), func() { s.Send(s.Env, "close", sm.LeadClose, operator, LeadCloseData{Outcome: "договор"}) })
	s.start(s.Env, businessLead())

	d := DataOf[LeadData](opened)
	s.Equal(sm.LeadAwaitingCallback, opened.State)
	s.Equal(RouteLead, d.Routing.Action)
	s.Contains(d.Routing.Script, "Если в течение 2 рабочих дней вам не перезвонят, позвоните")
	s.True(d.BusinessLine.Open)
	s.Require().Len(opened.Deadlines, 1)
	s.True(opened.Deadlines[0].Due.Equal(due), "due %s", opened.Deadlines[0].Due)
	s.Equal("business_line", opened.Deadlines[0].Basis.Calendar)

	s.False(before.Deadlines[0].Breached, "not breached a minute early")
	s.Empty(before.Tasks)
	s.True(after.Deadlines[0].Breached, "breached on the minute")
	s.Require().Len(after.Tasks, 1)
	s.Equal(RoleSupervisor, after.Tasks[0].Role)
	s.Contains(after.Tasks[0].Title, "не перезвонили за 2 рабочих дня")
	s.True(DataOf[LeadData](after).Lapsed)

	s.Applied("called", "close")
	var v CaseView
	s.ResultOf(s.Env, &v)
	s.Equal(sm.LeadClosed, v.State)
	s.Empty(v.Tasks)
	s.True(v.Deadlines[0].Met)
	s.True(v.Deadlines[0].Breached, "kept late")
	s.Equal("договор", DataOf[LeadData](v).Outcome)
}

// Called back in time: the window is kept and its timer ends; nothing lapses.
func (s *leadSuite) TestCalledBackInTime() {
	start := msk("2026-11-27 19:30") // Friday, the line still open
	s.Begin(start)
	s.At(s.Env, msk("2026-11-30 12:00"), func() { s.Send(s.Env, "called", sm.LeadCalledBackEvent, operator, CalledBackData{}) })
	s.At(s.Env, msk("2026-12-03 12:00"), func() { s.Send(s.Env, "close", sm.LeadClose, operator, LeadCloseData{Outcome: "отказ"}) })
	s.start(s.Env, businessLead())
	var v CaseView
	s.ResultOf(s.Env, &v)
	s.True(v.Deadlines[0].Due.Equal(msk("2026-12-01 19:30")), "on the line's hours, %s", v.Deadlines[0].Due)
	s.True(v.Deadlines[0].Met)
	s.False(v.Deadlines[0].Breached)
	s.False(DataOf[LeadData](v).Lapsed)
	s.Empty(v.Tasks)
}

// Whether the business line is open, at its edges and on a Saturday.
func (s *leadSuite) TestLineOpenNow() {
	for _, tc := range []struct {
		at   string
		open bool
		next string
	}{
		{"2026-12-01 07:59", false, "2026-12-01 08:00"},
		{"2026-12-01 08:00", true, ""},
		{"2026-12-01 19:59", true, ""},
		{"2026-12-01 20:00", false, "2026-12-02 08:00"},
		{"2026-11-28 12:00", false, "2026-11-30 08:00"}, // Saturday
	} {
		s.Run(tc.at, func() {
			env := s.NewEnv(msk(tc.at))
			s.start(env, LeadIntake{CommonIntake: CommonIntake{Type: "broadband_lead"}, Caller: CallerPartner})
			var v CaseView
			s.ResultOf(env, &v)
			line := DataOf[LeadData](v).BusinessLine
			s.Equal(tc.open, line.Open)
			s.True(line.CheckedAt.Equal(msk(tc.at)))
			if tc.next == "" {
				s.Nil(line.NextOpen)
			} else if s.NotNil(line.NextOpen) {
				s.True(line.NextOpen.Equal(msk(tc.next)), "next %s", line.NextOpen)
			}
			s.Equal(!tc.open, strings.Contains(DataOf[LeadData](v).Routing.Script, "Сейчас линия не работает"))
		})
	}
}

// The line's state is answered again on each event.
func (s *leadSuite) TestLineOnEvents() {
	start := msk("2026-11-27 19:50")
	s.Begin(start)
	s.At(s.Env, msk("2026-11-27 20:05"), func() { s.Send(s.Env, "called", sm.LeadCalledBackEvent, operator, CalledBackData{}) })
	s.At(s.Env, msk("2026-11-27 20:06"), func() { s.Send(s.Env, "again", sm.LeadCalledBackEvent, operator, CalledBackData{}) })
	s.At(s.Env, msk("2026-11-27 20:10"), func() { s.Send(s.Env, "bad close", sm.LeadClose, operator, LeadCloseData{}) })
	s.At(s.Env, msk("2026-11-27 20:11"), func() { s.Send(s.Env, "close", sm.LeadClose, operator, LeadCloseData{Outcome: "x"}) })
	s.start(s.Env, businessLead())
	s.Applied("called", "close")
	s.Refused("again", ErrTypeIllegalTransition)
	s.Refused("bad close", ErrTypeInvalidData)
	d := DataOf[LeadData](s.outcomes["called"].View)
	s.False(d.BusinessLine.Open)
	s.True(d.BusinessLine.CheckedAt.Equal(msk("2026-11-27 20:05")))
}

func TestLeadIntakes(t *testing.T) {
	ok := businessLead()
	for _, tc := range []struct {
		name string
		edit func(in *LeadIntake)
		want string
	}{
		{"a lead", func(*LeadIntake) {}, ""},
		{"no caller", func(in *LeadIntake) { in.Caller = "" }, "caller"},
		{"unknown caller", func(in *LeadIntake) { in.Caller = "friend" }, "caller"},
		{"lead without city", func(in *LeadIntake) { in.City = "" }, "city"},
		{"lead without contact person", func(in *LeadIntake) { in.ContactPerson = " " }, "contact_person"},
		{"lead without phone", func(in *LeadIntake) { in.Phone = "" }, "phone"},
		{"lead with a bad phone", func(in *LeadIntake) { in.Phone = "123" }, "phone"},
		{"lead without organisation", func(in *LeadIntake) { in.Organisation = "" }, "organisation"},
		{"partner needs no lead fields", func(in *LeadIntake) { *in = LeadIntake{Caller: CallerPartner} }, ""},
		{"subscriber needs no lead fields", func(in *LeadIntake) { *in = LeadIntake{Caller: CallerSubscriber} }, ""},
	} {
		in := ok
		tc.edit(&in)
		err := in.Validate()
		if tc.want == "" {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorContains(t, err, tc.want, tc.name)
		}
	}
}
