package devserver_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uber-go/tally/v4"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/internal/devserver/devservertest"
)

// stickyChildEnv marks the process TestStickyCacheBoundsParkedWorkflows runs
// its body in.
const stickyChildEnv = "CASEFLOW_TEST_STICKY_CHILD"

// parkedWorkflow waits for a signal, as a parked case waits for its verdict.
func parkedWorkflow(ctx workflow.Context) error {
	workflow.GetSignalChannel(ctx, "wake").Receive(ctx, nil)
	return nil
}

// TestStickyCacheBoundsParkedWorkflows parks more workflows than the SDK's
// sticky cache holds and checks that the cache evicts the surplus and that the
// evicted workflows give their coroutines back. The embedded server runs SDK
// workers of its own (the worker service), and the SDK's cache is one per
// process, created by the first worker: Start must size it, or it keeps the
// SDK's default of 10,000 whatever is set afterwards.
func TestStickyCacheBoundsParkedWorkflows(t *testing.T) {
	if testing.Short() {
		t.Skip("parks 300 workflows on the embedded server")
	}
	// The cache outlives a stopped server while any worker of the process
	// still holds it (this package's other tests start servers too): run in a
	// process of its own, whose first SDK worker is the server's.
	if os.Getenv(stickyChildEnv) == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestStickyCacheBoundsParkedWorkflows$", "-test.v")
		cmd.Env = append(os.Environ(), stickyChildEnv+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("in a process of its own:\n%s", out)
		require.NoError(t, err)
		return
	}
	const cacheSize, parked = 10, 300
	srv := devservertest.Start(t, devserver.Options{WorkflowCache: cacheSize})

	scope := tally.NewTestScope("", nil)
	c := devservertest.Client(t, srv, client.Options{MetricsHandler: sdktally.NewMetricsHandler(scope)})
	const queue = "sticky-cache"
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(parkedWorkflow, workflow.RegisterOptions{Name: "parked"})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	runs := make([]client.WorkflowRun, parked)
	for i := range runs {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("parked-%d", i), TaskQueue: queue}, "parked")
		require.NoError(t, err)
		runs[i] = run
	}
	// A workflow is parked when its first workflow task has completed.
	for _, run := range runs {
		for {
			d, err := c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
			require.NoError(t, err)
			if d.GetPendingWorkflowTask() == nil && d.GetWorkflowExecutionInfo().GetHistoryLength() >= 4 {
				break
			}
			require.NoError(t, ctx.Err(), "workflow %s never parked", run.GetID())
			time.Sleep(20 * time.Millisecond)
		}
	}

	size, evicted := stickyCacheFigures(scope)
	t.Logf("%d parked workflows: sticky cache %v (size set %d), %d forced evictions, %d workflow coroutines", parked, size, cacheSize, evicted, goroutinesIn("devserver_test.parkedWorkflow"))
	require.LessOrEqual(t, size, float64(cacheSize), "sticky cache size")
	require.GreaterOrEqual(t, evicted, int64(parked-cacheSize), "forced evictions")

	// Evicted workflows' coroutines exit asynchronously; count the goroutines
	// still running the workflow function (the server's own thousands
	// fluctuate too much to tell 300 apart).
	var alive int
	for {
		alive = goroutinesIn("devserver_test.parkedWorkflow")
		if alive <= cacheSize || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d parked workflows, sticky cache %v of %d, %d forced evictions: %d workflow coroutines alive", parked, size, cacheSize, evicted, alive)
	require.LessOrEqual(t, alive, cacheSize, "workflow coroutines alive")

	// An evicted workflow replays on its next event and completes.
	require.NoError(t, c.SignalWorkflow(ctx, runs[0].GetID(), runs[0].GetRunID(), "wake", nil))
	require.NoError(t, runs[0].Get(ctx, nil))
}

// stickyCacheFigures reads the SDK's sticky cache gauge and forced-eviction
// counter from scope.
func stickyCacheFigures(scope tally.TestScope) (size float64, evicted int64) {
	snap := scope.Snapshot()
	for _, g := range snap.Gauges() {
		if g.Name() == "temporal_sticky_cache_size" {
			size = g.Value()
		}
	}
	for _, c := range snap.Counters() {
		if c.Name() == "temporal_sticky_cache_total_forced_eviction" {
			evicted += c.Value()
		}
	}
	return size, evicted
}

// goroutinesIn counts the goroutines whose stack holds fn.
func goroutinesIn(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var count int
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte(fn)) {
			count++
		}
	}
	return count
}
