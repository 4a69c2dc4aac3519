package workflows

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/uber-go/tally/v4"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

// counters reads a tally test scope's counters by name: each series as its
// labels (the SDK's own tags left out) and its value.
func counters(scope tally.TestScope, name string) map[string]int64 {
	out := map[string]int64{}
	for _, c := range scope.Snapshot().Counters() {
		if c.Name() != name {
			continue
		}
		var labels []string
		for _, k := range slices.Sorted(maps.Keys(c.Tags())) {
			switch k {
			case "namespace", "task_queue", "workflow_type", "activity_type", "worker_type", "client_name":
				continue
			}
			labels = append(labels, k+"="+c.Tags()[k])
		}
		out[strings.Join(labels, ",")] += c.Value()
	}
	return out
}

// The call chain of TestEscalationChainEveryLevel: every call and the chain's
// end are escalation steps; each deadline is counted once, met in time or
// breached, by its policy — a verdict after the breach is not counted as met.
func (s *plcSuite) TestMetricsEscalationAndDeadlines() {
	s.begin(msk("2026-11-23 10:00"))
	s.accept(msk("2026-11-23 13:40"), RoleSupervisor, "call_attempt", CallAttemptData{Reached: no(), Note: "не берёт трубку"})
	s.accept(msk("2026-11-23 13:50"), RoleSupervisor, "call_attempt", CallAttemptData{Reached: yes(), Note: "обещал ответить"})
	s.accept(msk("2026-11-23 15:30"), RoleEngineer, "verdict", VerdictData{PLC: no()})
	s.start(msk("2026-11-23 10:00"), plcIntake(ChannelPhone))
	s.Equal(sm.PLCNotPLC, s.result().State)

	s.Equal(map[string]int64{
		"case_type=plc,ladder=plc_call_chain,level=1":         1,
		"case_type=plc,ladder=plc_call_chain,level=2":         1,
		"case_type=plc,ladder=plc_call_chain,level=3":         1,
		"case_type=plc,ladder=plc_call_chain,level=4":         1,
		"case_type=plc,ladder=plc_call_chain,level=exhausted": 1,
	}, counters(s.Metrics, MetricEscalationSteps))
	// Breached: the verdict, call 1 (ran out), the grace after call 3, call 4.
	s.Equal(map[string]int64{
		"case_type=plc,policy=plc.verdict":         1,
		"case_type=plc,policy=plc.escalation_step": 3,
	}, counters(s.Metrics, MetricDeadlinesBreached))
	// Met in time: call 2 (made, not reached) and call 3 (reached).
	s.Equal(map[string]int64{"case_type=plc,policy=plc.escalation_step": 2}, counters(s.Metrics, MetricDeadlinesMet))
}

// A verdict in time is a deadline met; letters are counted by template once
// each, failures by kind.
func (s *plcSuite) TestMetricsVerdictInTimeAndLetters() {
	s.begin(msk("2026-11-23 10:00"))
	s.Mailer.SendFn = func(m activities.Mail, attempt int) error {
		switch {
		case m.Step == "plc-request" && attempt < 3:
			return errors.New("451 try again later")
		case m.Step == "shift-alert":
			return &activities.PermanentError{Err: errors.New("550 mailbox unavailable")}
		}
		return nil
	}
	s.accept(msk("2026-11-23 10:30"), RoleEngineer, "verdict", VerdictData{PLC: no()})
	s.start(msk("2026-11-23 10:00"), plcIntake(ChannelPhone))
	end := s.result()

	s.Equal(map[string]int64{"case_type=plc,policy=plc.verdict": 1}, counters(s.Metrics, MetricDeadlinesMet))
	s.Empty(counters(s.Metrics, MetricDeadlinesBreached))
	s.Empty(counters(s.Metrics, MetricEscalationSteps))

	sent := counters(s.Metrics, activities.MetricLettersSent)
	var total int64
	for _, n := range sent {
		total += n
	}
	s.Equal(int64(len(s.Mailer.Sent())), total, "every letter in the outbox counted once: %v", sent)
	s.Equal(int64(1), sent["template=plc_request"], "the retried request counts once, when it goes out: %v", sent)
	failed := counters(s.Metrics, activities.MetricLettersFailed)
	s.Equal(int64(2), failed["kind=transient,template=plc_request"], "%v", failed)
	s.Equal(int64(1), failed["kind=permanent,template=plc_shift_alert"], "the refused alert is a permanent failure: %v", failed)
	s.Len(failed, 2, "%v", failed)
	_, refused := taskOf(end, "shift-alert")
	s.True(refused, "…and a supervisor's task: %+v", end.Tasks)
}

// Written to again once (the limit), then a supervisor: two steps of the
// engineer_resend ladder and two breached engineer_answer deadlines.
func (s *disputeSuite) TestMetricsSilentEngineerLadder() {
	s.Begin(msk("2026-11-02 09:30"))
	s.opts.EngineerResendLimit = 1
	s.send(msk("2026-11-02 10:00"), "called", sm.DisputeExpertCalled, expert, nil)
	s.send(msk("2026-11-12 10:00"), "late answer", EventEngineerAnswer, engineer, map[string]any{"text": "Ремонт возможен", "clear": true})
	s.send(msk("2026-11-12 11:00"), "accepts", EventCustomerResponse, expert, map[string]any{"accepted": true})
	s.send(msk("2026-11-12 12:00"), "close", sm.DisputeClose, expert, nil)
	s.start(msk("2026-11-02 09:30"), disputeIntake())
	s.Applied("called", "late answer", "accepts", "close")

	s.Equal(map[string]int64{
		"case_type=dispute,ladder=engineer_resend,level=1":         1,
		"case_type=dispute,ladder=engineer_resend,level=exhausted": 1,
	}, counters(s.Metrics, MetricEscalationSteps))
	s.Equal(int64(2), counters(s.Metrics, MetricDeadlinesBreached)["case_type=dispute,policy="+PolicyDisputeEngineerAnswer])
}
