package httpapi

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"
)

// queryAttempt bounds one attempt of a view query. Right after a restart the
// query may go to the sticky queue of the worker that died, or wait while the
// new worker replays the case; an attempt that has not answered by then is
// sent again, and the request waits, within its own deadline, instead of
// answering 503 at the first miss.
const queryAttempt = 3 * time.Second

// readView runs query (the view, or the state) until it answers, retrying
// what a worker that catches up after a restart causes (no answer in time,
// Temporal unavailable, a workflow not ready yet) with backoff until ctx ends.
// Any other error is returned at once; when ctx ends the last error is.
func readView[T any](ctx context.Context, query func(context.Context) (T, error)) (T, error) {
	var v T
	err := retryWhile(ctx, catchingUp, 50*time.Millisecond, time.Second, func() error {
		actx, cancel := context.WithTimeout(ctx, queryAttempt)
		defer cancel()
		var err error
		v, err = query(actx)
		return err
	})
	return v, err
}

// retryWhile runs f until it returns nil or an error again does not hold
// for, or ctx ends, waiting first, then twice as long, up to most, between
// tries. It returns f's last error.
func retryWhile(ctx context.Context, again func(error) bool, first, most time.Duration, f func() error) error {
	backoff := first
	for {
		err := f()
		if err == nil || !again(err) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, most)
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
	notReady := func(err error) bool {
		var nr *serviceerror.WorkflowNotReady
		return errors.As(err, &nr)
	}
	return retryWhile(ctx, notReady, 100*time.Millisecond, 2*time.Second, update)
}
