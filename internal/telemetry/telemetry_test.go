package telemetry

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// The SDK handler gives Prometheus names (_total, _seconds histograms) and
// keeps label values as given.
func TestSDKHandlerNamesAndLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, closer := NewSDKHandler(reg, nil)
	h.WithTags(map[string]string{"policy": "plc.verdict", "case-type": "plc"}).Counter("caseflow_deadlines_met_total").Inc(2)
	h.Counter("temporal_activity_execution_failed").Inc(1)
	h.Timer("temporal_workflow_task_execution_latency").Record(30 * time.Millisecond)
	h.Gauge("temporal_sticky_cache_size").Update(3)
	require.NoError(t, closer.Close()) // reports

	assert.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP caseflow_deadlines_met_total caseflow_deadlines_met_total counter
# TYPE caseflow_deadlines_met_total counter
caseflow_deadlines_met_total{case_type="plc",policy="plc.verdict"} 2
# HELP temporal_activity_execution_failed_total temporal_activity_execution_failed_total counter
# TYPE temporal_activity_execution_failed_total counter
temporal_activity_execution_failed_total 1
# HELP temporal_sticky_cache_size temporal_sticky_cache_size gauge
# TYPE temporal_sticky_cache_size gauge
temporal_sticky_cache_size 3
`), "caseflow_deadlines_met_total", "temporal_activity_execution_failed_total", "temporal_sticky_cache_size"))
	n, err := testutil.GatherAndCount(reg, "temporal_workflow_task_execution_latency_seconds")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the timer is a histogram in seconds")
}

// fakeVisibility answers counts from a table of running cases, by query.
type fakeVisibility struct {
	mu      sync.Mutex
	running map[[2]string]int64 // (type, state) → running cases
	queries int
	err     error
}

var (
	typeIs  = regexp.MustCompile(`CaseType = '([^']+)'`)
	stateIs = regexp.MustCompile(`CaseState = '([^']+)'`)
)

func (f *fakeVisibility) CountWorkflow(_ context.Context, r *workflowservice.CountWorkflowExecutionsRequest) (*workflowservice.CountWorkflowExecutionsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries++
	if f.err != nil {
		return nil, f.err
	}
	if !strings.Contains(r.Query, "ExecutionStatus = 'Running'") || r.Namespace != "ns" {
		return nil, errors.New("unexpected query " + r.Query)
	}
	typ := typeIs.FindStringSubmatch(r.Query)[1]
	var n int64
	for k, v := range f.running {
		if k[0] == typ {
			if m := stateIs.FindStringSubmatch(r.Query); m == nil || m[1] == k[1] {
				n += v
			}
		}
	}
	return &workflowservice.CountWorkflowExecutionsResponse{Count: n}, nil
}

type fakeBacklog struct{ b store.MailBacklog }

func (f fakeBacklog) MailBacklog(context.Context) (store.MailBacklog, error) { return f.b, nil }

// Refresh counts each state of a type with running cases, sets the outbox
// gauges, and a scrape reads what the refresh cached without asking Temporal.
func TestGaugesRefresh(t *testing.T) {
	reg := prometheus.NewRegistry()
	vis := &fakeVisibility{running: map[[2]string]int64{{"plc", "awaiting_verdict"}: 3, {"plc", "escalating"}: 1}}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	g, err := NewGauges(reg, vis, "ns", fakeBacklog{store.MailBacklog{Waiting: 4, Oldest: now.Add(-90 * time.Second)}}, nil)
	require.NoError(t, err)
	g.now = func() time.Time { return now }
	require.NoError(t, g.Refresh(context.Background()))

	plc, ok := workflows.Lookup("plc")
	require.True(t, ok)
	assert.Equal(t, len(workflows.Types())+len(plc.Machine.States), vis.queries, "one count a type, and one a state of the types with running cases")
	assert.Equal(t, 3.0, testutil.ToFloat64(g.open.WithLabelValues("plc", "awaiting_verdict")))
	assert.Equal(t, 1.0, testutil.ToFloat64(g.open.WithLabelValues("plc", "escalating")))
	assert.Equal(t, 0.0, testutil.ToFloat64(g.open.WithLabelValues("plc", "closed")))
	assert.Equal(t, 0.0, testutil.ToFloat64(g.open.WithLabelValues("reclamation", "qualification")))
	assert.Equal(t, 4.0, testutil.ToFloat64(g.waiting))
	assert.Equal(t, 90.0, testutil.ToFloat64(g.oldest))
	assert.Equal(t, float64(now.Unix()), testutil.ToFloat64(g.updated))

	before := vis.queries
	_, err = reg.Gather()
	require.NoError(t, err)
	assert.Equal(t, before, vis.queries, "a scrape never asks Temporal")

	// Temporal unreachable: the gauges keep their last values and the
	// refresh time stays where it was.
	vis.err = errors.New("unavailable")
	g.now = func() time.Time { return now.Add(time.Minute) }
	require.Error(t, g.Refresh(context.Background()))
	assert.Equal(t, 3.0, testutil.ToFloat64(g.open.WithLabelValues("plc", "awaiting_verdict")))
	assert.Equal(t, float64(now.Unix()), testutil.ToFloat64(g.updated))
}
