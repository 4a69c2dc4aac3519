package httpapi

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/caseflow/caseflow/workflows"
)

// TestReadViewWaitsForACatchingUpWorker: a view query that times out or finds
// Temporal unavailable (a worker replaying after a crash) is asked again within
// the request's deadline; any other error is answered at once.
func TestReadViewWaitsForACatchingUpWorker(t *testing.T) {
	calls := 0
	v, err := readView(context.Background(), func(ctx context.Context) (workflows.CaseView, error) {
		calls++
		switch calls {
		case 1:
			<-ctx.Done() // the attempt's own bound
			return workflows.CaseView{}, ctx.Err()
		case 2:
			return workflows.CaseView{}, serviceerror.NewUnavailable("catching up")
		}
		return workflows.CaseView{State: "awaiting_verdict"}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, "awaiting_verdict", v.State)
	assert.Equal(t, 3, calls)

	calls = 0
	notFound := serviceerror.NewNotFound("no such workflow")
	_, err = readView(context.Background(), func(context.Context) (workflows.CaseView, error) {
		calls++
		return workflows.CaseView{}, notFound
	})
	assert.ErrorIs(t, err, notFound)
	assert.Equal(t, 1, calls, "an answer that is no catching up is not asked again")

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err = readView(ctx, func(context.Context) (workflows.CaseView, error) {
		return workflows.CaseView{}, serviceerror.NewUnavailable("still down")
	})
	var unavailable *serviceerror.Unavailable
	assert.True(t, errors.As(err, &unavailable), "the last error when the request's deadline passes: %v", err)
	assert.Less(t, time.Since(began), 2*time.Second, "bounded by the request's deadline")
}

// TestEventWaitsForAFailingWorkflowTask: an event that Temporal refuses with
// WorkflowNotReady (the case's workflow task keeps failing) is sent again, as
// the same update, within the event's time; when that runs out the answer is
// a 503 that says why and how to send it again, never a 500.
func TestEventWaitsForAFailingWorkflowTask(t *testing.T) {
	notReady := serviceerror.NewWorkflowNotReady("Unable to perform workflow execution update due to Workflow Task in failed state.")
	calls := 0
	err := retryNotReady(context.Background(), func() error {
		calls++
		if calls < 3 {
			return notReady
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)

	calls = 0
	other := errors.New("refused")
	assert.ErrorIs(t, retryNotReady(context.Background(), func() error { calls++; return other }), other)
	assert.Equal(t, 1, calls, "another error is answered at once")

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = retryNotReady(ctx, func() error { return notReady })
	e := codeOf(eventError(err))
	assert.Equal(t, ECodeUnavailable, e.Code)
	assert.Equal(t, 503, status(e.Code))
	assert.Contains(t, e.Message, "workflow task keeps failing")
	assert.Contains(t, e.Message, "Idempotency-Key")
}
