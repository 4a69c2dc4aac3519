package httpapi

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/caseflow/caseflow/workflows"
)

// queryAttempt bounds one attempt of a view query. Right after a restart the
// query may go to the sticky queue of the worker that died, or wait while the
// new worker replays the case; an attempt that has not answered by then is
// sent again, and the request waits, within its own deadline, instead of
// answering 503 at the first miss.
const queryAttempt = 3 * time.Second

// readView runs query until it answers, retrying what a worker that catches
// up after a restart causes (no answer in time, Temporal unavailable, a
// workflow not ready yet) with backoff until ctx ends. Any other error is
// returned at once; when ctx ends the last error is.
func readView(ctx context.Context, query func(context.Context) (workflows.CaseView, error)) (workflows.CaseView, error) {
	backoff := 50 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(ctx, queryAttempt)
		v, err := query(actx)
		cancel()
		if err == nil || !catchingUp(err) || ctx.Err() != nil {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, time.Second)
	}
}

// catchingUp reports whether a query's error is one a worker catching up
// causes, worth asking again.
func catchingUp(err error) bool {
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	var notReady *serviceerror.WorkflowNotReady
	var exhausted *serviceerror.ResourceExhausted
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &unavailable) || errors.As(err, &deadline) ||
		errors.As(err, &notReady) || errors.As(err, &exhausted)
}

// retryNotReady runs update until it returns anything but WorkflowNotReady,
// or ctx ends. Temporal answers an update with WorkflowNotReady at once while
// the case's workflow task keeps failing (a worker that cannot decode it, or
// crashes on it); the task is retried on the server's backoff, and a worker
// that can run it (a restarted or a newer one) may take it within the event's
// time. update must be the same update each time (one update ID), so a retry
// never applies an event twice.
func retryNotReady(ctx context.Context, update func() error) error {
	backoff := 100 * time.Millisecond
	for {
		err := update()
		var notReady *serviceerror.WorkflowNotReady
		if !errors.As(err, &notReady) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}
