package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// Business series of the mail activity, emitted through the SDK's metrics
// handler (activity.GetMetricsHandler) and exported with the worker's metrics.
const (
	// MetricLettersSent counts letters delivered (or, with no SMTP server,
	// recorded as sent in the outbox) by template. A repeated key that the
	// outbox answers without sending is not counted.
	MetricLettersSent = "caseflow_letters_sent_total"
	// MetricLettersFailed counts failed attempts to send a letter by template
	// and kind: "permanent" (the server refused it for good: the case gets a
	// supervisor's task) or "transient" (the activity retries it).
	MetricLettersFailed = "caseflow_letters_failed_total"
)

// Labels of the letter series.
const (
	LabelTemplate = "template"
	LabelKind     = "kind"
)

// Kinds of a failed letter (LabelKind).
const (
	FailurePermanent = "permanent"
	FailureTransient = "transient"
)

// countLetter counts a SendMail attempt: sent, failed, or nothing for a
// repeated key the outbox answered.
func countLetter(ctx context.Context, template string, res *SendMailResult, err error) {
	h := activity.GetMetricsHandler(ctx)
	switch {
	case err == nil && res.Duplicate:
	case err == nil:
		h.WithTags(map[string]string{LabelTemplate: template}).Counter(MetricLettersSent).Inc(1)
	default:
		kind := FailureTransient
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.NonRetryable() {
			kind = FailurePermanent
		}
		h.WithTags(map[string]string{LabelTemplate: template, LabelKind: kind}).Counter(MetricLettersFailed).Inc(1)
	}
}
