package workflows

import (
	"errors"
	"strings"
	"time"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

// fakeLinker makes readable, unsigned URLs: the signing is internal/actionlink's.
type fakeLinker struct{ asked []activities.Action }

func (f *fakeLinker) ActionURL(caseType, caseID string, a activities.Action) (string, error) {
	f.asked = append(f.asked, a)
	return "https://cases.example.com/act/" + caseType + "/" + caseID + "/" + a.Outcome, nil
}

// withLinker gives the suite's environment activities that sign links.
func (h *CaseHarness) withLinker() *fakeLinker {
	l := &fakeLinker{}
	h.Env = h.NewTestWorkflowEnvironment()
	Register(h.Env, &activities.Activities{Mail: h.Mailer, Records: h.Records, From: "caseflow@example.com", Cases: h.Opener, SMS: h.SMS, Links: l})
	return l
}

// bounced refuses the letters of a step as a mail server's 550 at RCPT does.
func bounced(step string) func(activities.Mail, int) error {
	return func(m activities.Mail, _ int) error {
		if strings.HasPrefix(m.Step, step) {
			return &activities.PermanentError{Err: errors.New("550 5.1.1 mailbox unavailable"), Bounced: true}
		}
		return nil
	}
}

// The PLC request carries one link per verdict, expiring with the verdict's deadline.
func (s *plcSuite) TestRequestCarriesAVerdictLinkPerOutcome() {
	links := s.withLinker()
	s.begin(msk("2026-11-23 10:00"))
	s.accept(msk("2026-11-23 10:30"), RoleEngineer, "verdict", VerdictData{PLC: no()})
	s.start(msk("2026-11-23 10:00"), plcIntake(ChannelPhone))
	s.result()
	req := s.Mailer.ByStep("plc-request")
	s.Require().Len(req, 1)
	s.Contains(req[0].Body, "Это PLC: https://cases.example.com/act/plc/"+s.caseID+"/plc")
	s.Contains(req[0].Body, "Не PLC: https://cases.example.com/act/plc/"+s.caseID+"/not_plc")
	s.Require().Len(links.asked, 2)
	for _, a := range links.asked {
		s.Equal(RoleEngineer, a.Role)
		s.Equal(EventVerdict, a.Event)
		s.True(a.Due.Equal(msk("2026-11-23 13:00")), "the link lives as long as the verdict's deadline (plus the margin): %s", a.Due)
	}
	s.NotContains(s.Mailer.ByStep("shift-alert")[0].Body, "/act/", "letters that ask nothing carry no links")
}

// A permanent bounce of the PLC request starts the call chain at once, and the
// audit trail says why; the verdict still ends it.
func (s *plcSuite) TestBouncedRequestEscalatesAtOnce() {
	s.begin(msk("2026-11-23 10:00"))
	s.Mailer.SendFn = bounced("plc-request")
	s.at(msk("2026-11-23 10:01"), func(v CaseView) {
		s.Equal(sm.PLCEscalating, v.State, "no 3 working hours' wait for an engineer who never got the letter")
		i := len(v.History) - 1
		for i >= 0 && v.History[i].Event != sm.PLCVerdictOverdue {
			i--
		}
		s.Require().GreaterOrEqual(i, 0, "%+v", v.History)
		s.Contains(v.History[i].Note, "refused the PLC request")
		s.Contains(v.History[i].Note, "550 5.1.1")
		s.True(v.History[i].At.Equal(msk("2026-11-23 10:00")))
		var call bool
		for _, t := range v.Tasks {
			call = call || strings.HasPrefix(t.Title, "Позвонить")
		}
		s.True(call, "the first call of the chain is a supervisor's task: %+v", v.Tasks)
	})
	s.accept(msk("2026-11-23 10:20"), RoleEngineer, "verdict", VerdictData{PLC: no()})
	s.start(msk("2026-11-23 10:00"), plcIntake(ChannelPhone))
	end := s.result()
	s.Equal(sm.PLCNotPLC, end.State)
}

// A transient refusal stays a retry: no escalation before the deadline.
func (s *plcSuite) TestTransientRefusalDoesNotEscalate() {
	s.begin(msk("2026-11-23 10:00"))
	s.Mailer.SendFn = func(m activities.Mail, attempt int) error {
		if m.Step == "plc-request" && attempt < 2 {
			return errors.New("450 4.2.1 mailbox busy")
		}
		return nil
	}
	s.at(msk("2026-11-23 12:59"), func(v CaseView) { s.Equal(sm.PLCAwaitingVerdict, v.State) })
	s.accept(msk("2026-11-23 12:59"), RoleEngineer, "verdict", VerdictData{PLC: no()})
	s.start(msk("2026-11-23 10:00"), plcIntake(ChannelPhone))
	s.Equal(sm.PLCNotPLC, s.result().State)
}

// A bounced request to the dispute's engineer is not re-sent after 3 working
// days to the same address: a supervisor takes over at once.
func (s *disputeSuite) TestBouncedEngineerRequestGoesToASupervisorAtOnce() {
	s.Begin(msk("2026-11-02 09:30"))
	s.Mailer.SendFn = bounced("engineer-request")
	var v CaseView
	s.send(msk("2026-11-02 10:00"), "called", sm.DisputeExpertCalled, expert, nil)
	s.snap(msk("2026-11-02 10:01"), &v)
	s.send(msk("2026-11-02 11:00"), "answer", EventEngineerAnswer, engineer, map[string]any{"text": "Ремонт возможен", "clear": true})
	s.send(msk("2026-11-02 12:00"), "accepts", EventCustomerResponse, expert, map[string]any{"accepted": true})
	s.send(msk("2026-11-02 13:00"), "close", sm.DisputeClose, expert, nil)
	s.start(msk("2026-11-02 09:30"), disputeIntake())

	s.Applied("called", "answer", "accepts", "close")
	sup, ok := taskOf(v, "отклонил адрес инженера")
	s.Require().True(ok, "a supervisor's task at once: %+v", v.Tasks)
	s.Equal(RoleSupervisor, sup.Role)
	last := v.History[len(v.History)-1]
	s.Equal(sm.DisputeEngineerSilent, last.Event)
	s.Contains(last.Note, "refused letter 1")
	s.Len(DataOf[DisputeData](v).Requests, 1, "no re-send to a refused address")
	s.Empty(s.Mailer.ByStep("engineer-resend"))
}

// The claim's qualification task offers its three decisions as links, sent as
// the quality director and expiring with the task's due date.
func (s *ReclamationSuite) TestQualificationLetterCarriesThreeLinks() {
	links := s.withLinker()
	s.Env.SetStartTime(claimStart)
	s.At(s.Env, claimStart.Add(time.Hour), func() {
		s.Send(s.Env, "reject", sm.ClaimReject, director, ClaimRejectData{Reason: "Нарушены условия эксплуатации"})
	})
	s.Env.ExecuteWorkflow(claimType.Name, claimInput())
	s.Applied("reject")
	var letter *activities.SentMail
	for _, m := range s.Mailer.Sent() {
		if strings.Contains(m.Step, "qualification-task") {
			letter = &m
		}
	}
	s.Require().NotNil(letter)
	for _, o := range []string{"return", "reject", "investigate"} {
		s.Contains(letter.Body, "/act/reclamation/"+claimCaseID+"/"+o)
	}
	s.Require().Len(links.asked, 3)
	s.Equal(RoleQualityDirector, links.asked[0].Role)
	s.True(links.asked[0].Due.Equal(mskAt(17, 10, 0)), "the qualification's due date: %s", links.asked[0].Due)
}

// The dispute's request to the engineer offers the answer as a link.
func (s *disputeSuite) TestEngineerRequestCarriesTheAnswerLink() {
	links := s.withLinker()
	s.Begin(msk("2026-11-02 09:30"))
	s.send(msk("2026-11-02 10:00"), "called", sm.DisputeExpertCalled, expert, nil)
	s.send(msk("2026-11-02 11:00"), "answer", EventEngineerAnswer, engineer, map[string]any{"text": "Ремонт возможен", "clear": true})
	s.send(msk("2026-11-02 12:00"), "accepts", EventCustomerResponse, expert, map[string]any{"accepted": true})
	s.send(msk("2026-11-02 13:00"), "close", sm.DisputeClose, expert, nil)
	s.start(msk("2026-11-02 09:30"), disputeIntake())
	s.Applied("called", "answer", "accepts", "close")
	req := s.Mailer.ByStep("engineer-request-1")
	s.Require().Len(req, 1)
	s.Contains(req[0].Body, "Ответить инженеру (ответ для клиента): https://cases.example.com/act/dispute/d1/answer")
	s.Require().Len(links.asked, 1)
	s.Equal(EventEngineerAnswer, links.asked[0].Event)
}
