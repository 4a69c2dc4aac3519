package workflows

import (
	"strconv"

	"go.temporal.io/sdk/workflow"
)

// Business series the case workflows emit through the SDK's metrics handler
// (workflow.GetMetricsHandler): it emits nothing while a workflow replays, so a
// replayed or recovered case counts each deadline and step once, and it adds no
// command to the history. The worker's handler exports them to Prometheus
// (internal/telemetry), named as here.
const (
	// MetricDeadlinesMet counts deadlines kept in time, by case type and SLA
	// policy. A deadline kept after it breached counts as breached only.
	MetricDeadlinesMet = "caseflow_deadlines_met_total"
	// MetricDeadlinesBreached counts deadlines that passed unmet.
	MetricDeadlinesBreached = "caseflow_deadlines_breached_total"
	// MetricEscalationSteps counts steps of an escalation ladder by case type,
	// ladder and level: a call of the PLC call chain, a letter written again to a
	// silent engineer, and the supervisor's task when a ladder runs out.
	MetricEscalationSteps = "caseflow_escalation_steps_total"
)

// Labels of the business series.
const (
	LabelCaseType = "case_type"
	LabelPolicy   = "policy"
	LabelLadder   = "ladder"
	LabelLevel    = "level"
)

// Escalation ladders (LabelLadder) and the level of a ladder run out.
const (
	LadderPLCCallChain   = "plc_call_chain"
	LadderEngineerResend = "engineer_resend"
	LevelExhausted       = "exhausted"
	unknownPolicy        = "unknown"
)

// countDeadline counts a deadline met in time or breached, by its policy.
func (c *caseCore) countDeadline(ctx workflow.Context, metric string, d *Deadline) {
	policy := d.Basis.Policy
	if policy == "" {
		policy = unknownPolicy
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{LabelCaseType: c.meta.Type, LabelPolicy: policy}).Counter(metric).Inc(1)
}

// escalated counts a step of an escalation ladder; level is the step's number
// (from 1), or 0 when the ladder has run out.
func (c *caseCore) escalated(ctx workflow.Context, ladder string, level int) {
	l := LevelExhausted
	if level > 0 {
		l = strconv.Itoa(level)
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{LabelCaseType: c.meta.Type, LabelLadder: ladder, LabelLevel: l}).Counter(MetricEscalationSteps).Inc(1)
}
