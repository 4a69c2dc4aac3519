package workflows

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/testsuite"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

func callOptions() CallOptions {
	return Defaulted(CallOptions{})
}

func conductIntake() CallIntake {
	return CallIntake{CommonIntake: CommonIntake{Type: "call", Channel: ChannelPhone}, CallerNumber: "+7 903 000-00-01", CallID: "c-1"}
}

type callSuite struct{ CaseHarness }

func TestCall(t *testing.T) { suite.Run(t, new(callSuite)) }

func (s *callSuite) start(env *testsuite.TestWorkflowEnvironment, opts CallOptions) {
	s.Start(env, callType.Name, &CallInput{Case: CaseMeta{ID: "c1", Type: "call"}, Intake: conductIntake(), Env: CaseEnvOf(NoDirectory{}, opts)})
}

// answer is the call's data in a labelled event's answer.
func (s *callSuite) answer(label string) CallData {
	o, ok := s.outcomes[label]
	s.Require().True(ok, "event %s was never answered", label)
	s.Require().NoError(o.Err, label)
	return DataOf[CallData](o.View)
}

func (s *callSuite) result(env *testsuite.TestWorkflowEnvironment) (CaseView, CallData) {
	var v CaseView
	s.ResultOf(env, &v)
	return v, DataOf[CallData](v)
}

// Each reason ends the call on the breach after its seed's count of warnings,
// not one earlier; every warning tells the operator how many remain.
func (s *callSuite) TestEachReasonAtItsCount() {
	start := msk("2026-12-01 10:00")
	for _, tc := range []struct {
		reason   string
		warnings int
	}{{ReasonInsult, 1}, {ReasonObscenity, 2}, {ReasonNonConstructive, 2}, {ReasonOffTopic, 1}} {
		s.Run(tc.reason, func() {
			env := s.NewEnv(start)
			for i := 1; i <= tc.warnings+1; i++ {
				label := fmt.Sprintf("%s-%d", tc.reason, i)
				s.At(env, start.Add(time.Duration(i)*time.Minute), func() {
					s.Send(env, label, sm.CallWarn, operator, WarnData{Reason: tc.reason})
				})
			}
			s.start(env, callOptions())
			for i := 1; i <= tc.warnings; i++ {
				label := fmt.Sprintf("%s-%d", tc.reason, i)
				d := s.answer(label)
				s.Require().NotNil(d.Answer, label)
				s.Equal(ConductAnswer{Reason: tc.reason, Breach: i, WarningsLeft: tc.warnings - i, EndCall: false, Script: conductScript(tc.reason, tc.warnings-i)}, *d.Answer, label)
				s.Equal(sm.CallInCall, s.outcomes[label].View.State, "%s: the call goes on", label)
				s.Nil(d.EndedAt, label)
			}
			last := fmt.Sprintf("%s-%d", tc.reason, tc.warnings+1)
			d := s.answer(last)
			s.True(d.Answer.EndCall, last)
			s.Equal(0, d.Answer.WarningsLeft)
			s.Equal(sm.CallEnded, s.outcomes[last].View.State)
			v, data := s.result(env)
			s.Equal(tc.reason, data.EndReason)
			s.True(data.EndedAt.Equal(start.Add(time.Duration(tc.warnings+1) * time.Minute)))
			s.Equal(sm.CallConductLimit, v.History[len(v.History)-1].Event)
			s.Nil(data.SMS, "no SMS for a conduct end")
			s.Empty(s.SMS.Sent())
		})
	}
}

// Counts are options: reasons keep their own counts apart.
func (s *callSuite) TestCountsConfigurableAndSeparate() {
	start := msk("2026-12-01 10:00")
	s.Begin(start)
	opts := CallOptions{Warnings: map[string]int{ReasonInsult: 2}}
	s.Require().NoError(opts.Validate())
	s.Equal(2, opts.Warnings[ReasonObscenity], "unnamed reasons keep the seed's count")
	for i, r := range []string{ReasonInsult, ReasonOffTopic, ReasonInsult, ReasonInsult} {
		label := fmt.Sprintf("w%d", i+1)
		s.At(s.Env, start.Add(time.Duration(i+1)*time.Minute), func() { s.Send(s.Env, label, sm.CallWarn, operator, WarnData{Reason: r}) })
	}
	s.start(s.Env, opts)
	s.Equal(1, s.answer("w1").Answer.WarningsLeft)
	s.Equal(0, s.answer("w2").Answer.WarningsLeft)
	s.Equal(0, s.answer("w3").Answer.WarningsLeft)
	s.False(s.answer("w3").Answer.EndCall)
	s.True(s.answer("w4").Answer.EndCall, "the third insult past two warnings ends the call")
	_, d := s.result(s.Env)
	s.Equal([]ConductCount{{ReasonInsult, 3, 2, 0}, {ReasonObscenity, 0, 2, 2}, {ReasonNonConstructive, 0, 2, 2}, {ReasonOffTopic, 1, 1, 0}}, d.Conduct)
}

// An event the state does not allow is refused with the allowed ones.
func (s *callSuite) TestIllegalEvent() {
	start := msk("2026-12-01 10:00")
	s.Begin(start)
	s.At(s.Env, start.Add(time.Second), func() { s.Send(s.Env, "heard", sm.CallHeard, operator, HeardData{}) })
	s.At(s.Env, start.Add(2*time.Second), func() { s.Send(s.Env, "bad reason", sm.CallWarn, operator, map[string]any{"reason": "rude"}) })
	s.At(s.Env, start.Add(time.Minute), func() { s.Send(s.Env, "end", sm.CallEndCall, operator, EndCallData{}) })
	s.start(s.Env, callOptions())
	err := s.Refused("heard", ErrTypeIllegalTransition)
	s.Contains(err.Error(), "in_call")
	s.Refused("bad reason", ErrTypeInvalidData)
	s.Applied("end")
	_, d := s.result(s.Env)
	s.Equal("operator", d.EndReason)
	s.Nil(d.SMS)
}

// The inaudible window: not heard again 15 s after the first phrase, the call
// ends on that second and the standard SMS goes out once.
func (s *callSuite) TestInaudibleWindowLapses() {
	start := msk("2026-12-01 10:00")
	s.Begin(start)
	first := start.Add(time.Minute)
	s.At(s.Env, first, func() { s.Send(s.Env, "p1", sm.CallWarn, operator, WarnData{Reason: ReasonInaudible}) })
	s.At(s.Env, first.Add(6*time.Second), func() { s.Send(s.Env, "p2", sm.CallWarn, operator, WarnData{Reason: ReasonInaudible}) })
	s.start(s.Env, callOptions())
	p1 := s.answer("p1")
	s.Equal(2, p1.Answer.WarningsLeft)
	s.Equal(inaudiblePhrases[0], p1.Answer.Script)
	s.Equal(sm.CallInaudible, s.outcomes["p1"].View.State)
	s.Equal(1, s.answer("p2").Answer.WarningsLeft)
	s.Equal(inaudiblePhrases[1], s.answer("p2").Answer.Script)
	v, d := s.result(s.Env)
	s.Equal("inaudible_window", d.EndReason)
	s.True(d.EndedAt.Equal(first.Add(15*time.Second)), "ended %s", d.EndedAt)
	s.Equal(sm.CallInaudibleEnd, v.History[len(v.History)-1].Event)
	sent := s.SMS.Sent()
	s.Require().Len(sent, 1)
	s.Equal("+7 903 000-00-01", sent[0].To)
	s.Contains(sent[0].Text, "перезвоните по номеру 0611")
	s.True(strings.HasSuffix(sent[0].Key, "/inaudible-sms"))
	s.True(d.SMS.Sent)
	s.Empty(v.Tasks)
}

// The last standard phrase ends the call at once, before the window lapses.
func (s *callSuite) TestInaudiblePhrasesRunOut() {
	start := msk("2026-12-01 10:00")
	s.Begin(start)
	for i := range 3 {
		label := fmt.Sprintf("p%d", i+1)
		s.At(s.Env, start.Add(time.Duration(4*i+1)*time.Second), func() { s.Send(s.Env, label, sm.CallWarn, operator, WarnData{Reason: ReasonInaudible}) })
	}
	s.start(s.Env, callOptions())
	s.False(s.answer("p2").Answer.EndCall)
	s.True(s.answer("p3").Answer.EndCall)
	_, d := s.result(s.Env)
	s.Equal("inaudible_phrases", d.EndReason)
	s.True(d.EndedAt.Equal(start.Add(9 * time.Second)))
	s.Len(s.SMS.Sent(), 1)
}

// Heard again, the window stops: no end, no SMS; a later spell starts a new
// window of its own.
func (s *callSuite) TestHeardStopsTheWindow() {
	start := msk("2026-12-01 10:00")
	s.Begin(start)
	s.At(s.Env, start.Add(time.Second), func() { s.Send(s.Env, "p1", sm.CallWarn, operator, WarnData{Reason: ReasonInaudible}) })
	s.At(s.Env, start.Add(10*time.Second), func() { s.Send(s.Env, "heard", sm.CallHeard, operator, HeardData{}) })
	var mid CaseView
	s.At(s.Env, start.Add(time.Minute), func() { s.ViewOf(s.Env, &mid) })
	s.At(s.Env, start.Add(2*time.Minute), func() { s.Send(s.Env, "p1b", sm.CallWarn, operator, WarnData{Reason: ReasonInaudible}) })
	s.At(s.Env, start.Add(2*time.Minute+5*time.Second), func() {
		s.Send(s.Env, "end", sm.CallEndCall, operator, EndCallData{Note: "клиента не слышно"})
	})
	s.start(s.Env, callOptions())
	s.Applied("heard", "end")
	s.Equal(sm.CallInCall, mid.State, "heard again: the window ended nothing")
	s.Equal(2, s.answer("p1b").Answer.WarningsLeft, "a new spell counts its phrases afresh")
	_, d := s.result(s.Env)
	s.Equal("operator", d.EndReason)
	s.True(d.EndedAt.Equal(start.Add(2*time.Minute + 5*time.Second)))
	s.Len(s.SMS.Sent(), 1, "ended by the operator while unheard: the standard SMS")
}

// Without an SMS sender the SMS becomes a supervisor's task; the call still ends.
func (s *callSuite) TestNoSMSSenderBecomesTask() {
	start := msk("2026-12-01 10:00")
	env := s.NewTestWorkflowEnvironment()
	Register(env, &activities.Activities{Mail: s.Mailer, Records: s.Records, Cases: s.Opener})
	env.SetStartTime(start)
	s.At(env, start.Add(time.Second), func() { s.Send(env, "p1", sm.CallWarn, operator, WarnData{Reason: ReasonInaudible}) })
	s.start(env, callOptions())
	v, d := s.result(env)
	s.Equal("inaudible_window", d.EndReason)
	s.False(d.SMS.Sent)
	s.Require().Len(v.Tasks, 1)
	s.Equal(RoleSupervisor, v.Tasks[0].Role)
	s.Contains(v.Tasks[0].Title, "no SMS sender")
}

func TestCallIntakeAndOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   CallIntake
		want string
	}{
		{"no number", CallIntake{}, ""},
		{"a number", CallIntake{CallerNumber: "+7 903 000-00-01"}, ""},
		{"a bad number", CallIntake{CallerNumber: "0611"}, "caller_number"},
	} {
		err := tc.in.Validate()
		if tc.want == "" {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorContains(t, err, tc.want, tc.name)
		}
	}
	for _, tc := range []struct {
		name string
		o    CallOptions
		want string
	}{
		{"defaults", CallOptions{}, ""},
		{"unknown reason", CallOptions{Warnings: map[string]int{"rude": 1}}, "call_warnings.rude"},
		{"inaudible is not counted by warnings", CallOptions{Warnings: map[string]int{ReasonInaudible: 1}}, "call_warnings.inaudible"},
		{"negative", CallOptions{Warnings: map[string]int{ReasonInsult: -1}}, "call_warnings.insult"},
		{"window", CallOptions{InaudibleWindow: "forever"}, "call_inaudible_window"},
		{"phrases", CallOptions{InaudiblePhrases: 12}, "call_inaudible_phrases"},
	} {
		err := tc.o.Validate()
		if tc.want == "" {
			assert.NoError(t, err, tc.name)
			assert.Equal(t, DefaultCallWarnings, tc.o.Warnings)
			assert.Equal(t, 15*time.Second, tc.o.window())
		} else {
			assert.ErrorContains(t, err, tc.want, tc.name)
		}
	}
}
