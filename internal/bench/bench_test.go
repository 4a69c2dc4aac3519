package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/bench"
)

// TestRunReportsEveryScenario runs the benchmark at toy sizes on a real embedded
// server and checks that every scenario reports figures and ratios. It judges no
// timing: a slow machine passes.
func TestRunReportsEveryScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("the bench's toy run boots an embedded server and measures for about a minute: skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var table, progress bytes.Buffer
	rep, err := bench.Run(ctx, bench.Options{
		Quick: true, Synchronous: []string{"FULL"}, InFlight: 4, Duration: 4 * time.Second, // long enough to close cases while other test packages load the machine
		Warmup: time.Second, Parked: 10, Rounds: 1, ReplayEvents: 60,
		Dir: t.TempDir(), Progress: &progress, Consultation: true,
	}, &table)
	t.Log("\n" + progress.String() + "\n" + table.String())
	require.NoError(t, err)

	require.Len(t, rep.Results, 1)
	r := rep.Results[0]
	assert.Equal(t, "FULL", r.Synchronous)
	positive := map[string]float64{
		"throughput caseflow":          r.Throughput.CaseflowPerS,
		"throughput caseflow API":      r.Throughput.CaseflowAPIPerS,
		"throughput baseline":          r.Throughput.BaselinePerS,
		"throughput ratio":             r.Throughput.Ratio,
		"throughput API ratio":         r.Throughput.APIRatio,
		"latency ratio":                r.Latency.Ratio,
		"ceiling commits":              r.Ceiling.CommitsPerS,
		"ceiling caseflow transitions": r.Ceiling.CaseflowTransitionsPerCase,
		"ceiling baseline transitions": r.Ceiling.BaselineTransitionsPerCase,
		"ceiling caseflow":             r.Ceiling.CaseflowPerS,
		"ceiling baseline":             r.Ceiling.BaselinePerS,
		"ceiling ratio":                r.Ceiling.Ratio,
		"caseflow visibility writes":   r.Ceiling.CaseflowVisibilityWritesPerCase,
		"caseflow upsert events":       r.Ceiling.CaseflowUpsertEventsPerCase,
		"caseflow history bytes":       r.Ceiling.CaseflowHistoryBytesPerCase,
		"baseline history bytes":       r.Ceiling.BaselineHistoryBytesPerCase,
		"replay caseflow µs per event": rep.Replay.CaseflowUsPerEvent,
		"replay baseline µs per event": rep.Replay.BaselineUsPerEvent,
		"replay ratio":                 rep.Replay.Ratio,
	}
	// The server's own count: every closed case wrote at least its start and
	// its close (the baseline upserts nothing itself; the server may add one
	// for the worker's build), caseflow's its upserts besides.
	assert.GreaterOrEqual(t, r.Ceiling.BaselineVisibilityWritesPerCase, 1.9, "the baseline's start and close")
	assert.Greater(t, r.Ceiling.CaseflowVisibilityWritesPerCase, r.Ceiling.BaselineVisibilityWritesPerCase, "caseflow's upserts")
	require.NotNil(t, r.Consultation, "the consultation scenario ran")
	positive["consultation caseflow"] = r.Consultation.CaseflowPerS
	positive["consultation caseflow API"] = r.Consultation.CaseflowAPIPerS
	positive["consultation baseline"] = r.Consultation.BaselinePerS
	positive["consultation ratio"] = r.Consultation.Ratio
	positive["consultation caseflow transitions"] = r.Consultation.CaseflowTransitionsPerCase
	positive["consultation baseline events"] = r.Consultation.BaselineEventsPerCase
	require.Len(t, r.Latency.Levels, 2)
	for _, l := range r.Latency.Levels {
		positive["latency rate"] = l.RatePerS
		positive["latency caseflow p50"] = l.CaseflowP50Ms
		positive["latency caseflow p99"] = l.CaseflowP99Ms
		positive["latency caseflow API p50"] = l.CaseflowAPIP50Ms
		positive["latency caseflow API p99"] = l.CaseflowAPIP99Ms
		positive["latency baseline p50"] = l.BaselineP50Ms
		positive["latency baseline p99"] = l.BaselineP99Ms
		positive["latency p99 ratio"] = l.RatioP99
		positive["latency API p99 ratio"] = l.APIRatioP99
		for name, v := range positive {
			assert.Greater(t, v, 0.0, name)
		}
	}
	// Ten parked cases move the resident set, and the store, by less than their
	// noise (the server frees earlier cases' task rows in the background: one run
	// saw the store shrink by 15 KiB a case while ten cases parked), so only the
	// measurement itself is checked.
	assert.Equal(t, 10, rep.Parked.N)
	assert.Len(t, rep.Parked.Runs, 2)
	assert.NotZero(t, rep.Parked.CaseflowSQLitePerCase)
	assert.NotZero(t, rep.Parked.BaselineSQLitePerCase)
	assert.NotZero(t, rep.Parked.CaseflowRSSPerCase)
	assert.NotZero(t, rep.Parked.BaselineRSSPerCase)
	assert.Greater(t, rep.Replay.CaseflowEvents, 0)
	assert.NotEmpty(t, rep.Furthest.Figure)

	for _, want := range []string{"throughput, Temporal client", "throughput, HTTP API", "intake→mail p99", "ceiling", "replay per event", "parked ×10: RSS per case", "goroutine stacks per case", "consultation: throughput, HTTP API", "furthest from the baseline"} {
		assert.Contains(t, table.String(), want)
	}
	raw, err := json.Marshal(rep)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(raw, &back))
	for _, key := range []string{"results", "replay", "parked", "furthest"} {
		assert.Contains(t, back, key)
	}
	throughput := back["results"].([]any)[0].(map[string]any)["throughput"].(map[string]any)
	for _, key := range []string{"caseflow_per_s", "baseline_per_s", "ratio"} {
		assert.Contains(t, throughput, key)
	}
}

// TestRunScaleReports parks a few cases on the caches caseflow dev uses and
// checks that memory, the inbox and the two event latencies are reported for
// the step.
func TestRunScaleReports(t *testing.T) {
	if testing.Short() {
		t.Skip("boots an embedded server: skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var table bytes.Buffer
	rep, err := bench.RunScale(ctx, bench.Options{Quick: true, InFlight: 2, Dir: t.TempDir()}, 3, &table)
	t.Log("\n" + table.String())
	require.NoError(t, err)
	require.Len(t, rep.Steps, 1)
	assert.Equal(t, 3, rep.Steps[0].Cases)
	assert.Positive(t, rep.Steps[0].RSS)
	assert.Positive(t, rep.Base.RSS)
	assert.Positive(t, rep.Steps[0].OldestEventMs)
	assert.Positive(t, rep.Steps[0].NewestEventMs)
	assert.Equal(t, rep.Steps[0].OldestEventMs, rep.EvictedEventMs, "the report's latencies are the last step's")
	assert.Equal(t, rep.Steps[0].NewestEventMs, rep.CachedEventMs)
	assert.Positive(t, rep.WorkflowCache)
	assert.Positive(t, rep.ExecutionCache)
	assert.Contains(t, table.String(), "verdict to an evicted case")
	assert.Positive(t, rep.Steps[0].InboxMs)
}
