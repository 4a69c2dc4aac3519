package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// Gauges the API process refreshes in the background (never per scrape).
const (
	// MetricOpenCases is the number of running cases by case type and state, as
	// Temporal visibility counts them (search attributes CaseType, CaseState).
	MetricOpenCases = "caseflow_open_cases"
	// MetricOutboxWaiting is the number of letters waiting in the outbox.
	MetricOutboxWaiting = "caseflow_outbox_waiting_letters"
	// MetricOutboxOldest is the age of the oldest waiting letter; 0 when none waits.
	MetricOutboxOldest = "caseflow_outbox_oldest_waiting_seconds"
	// MetricGaugesUpdated is when the gauges were last refreshed in full.
	MetricGaugesUpdated = "caseflow_gauges_updated_timestamp_seconds"
)

// DefaultRefresh is how often the gauges are read again.
const DefaultRefresh = 30 * time.Second

// Backlog reads what waits in the outbox; *store.Store implements it.
type Backlog interface {
	MailBacklog(ctx context.Context) (store.MailBacklog, error)
}

var _ Backlog = (*store.Store)(nil)

// Counter counts workflow executions matching a visibility query; a
// client.Client implements it.
type Counter interface {
	CountWorkflow(ctx context.Context, request *workflowservice.CountWorkflowExecutionsRequest) (*workflowservice.CountWorkflowExecutionsResponse, error)
}

// Gauges keeps the open-case and outbox gauges, read every Refresh.
type Gauges struct {
	temporal  Counter
	namespace string
	backlog   Backlog
	log       *slog.Logger
	now       func() time.Time

	open    *prometheus.GaugeVec
	waiting prometheus.Gauge
	oldest  prometheus.Gauge
	updated prometheus.Gauge
}

// NewGauges registers the gauges with reg. Either source may be nil: its
// gauges are then not refreshed.
func NewGauges(reg prometheus.Registerer, temporal Counter, namespace string, backlog Backlog, log *slog.Logger) (*Gauges, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Gauges{
		temporal: temporal, namespace: namespace, backlog: backlog, log: log, now: time.Now,
		open: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricOpenCases,
			Help: "Running cases by case type and state (Temporal visibility, refreshed in the background).",
		}, []string{workflows.LabelCaseType, "state"}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricOutboxWaiting,
			Help: "Letters reserved in the outbox and not yet delivered (in flight or waiting for a retry).",
		}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricOutboxOldest,
			Help: "Age of the oldest letter waiting in the outbox; 0 when none waits.",
		}),
		updated: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricGaugesUpdated,
			Help: "Unix time of the last refresh of every caseflow gauge without an error.",
		}),
	}
	for _, c := range []prometheus.Collector{g.open, g.waiting, g.oldest, g.updated} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// Run refreshes the gauges now and every interval until ctx ends.
func (g *Gauges) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := g.Refresh(ctx); err != nil && ctx.Err() == nil {
			g.log.Warn("unable to refresh the caseflow gauges (they keep their last values)", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh reads the gauges once. A failed source keeps its last values.
func (g *Gauges) Refresh(ctx context.Context) error {
	var errs []error
	if g.temporal != nil {
		errs = append(errs, g.refreshOpen(ctx))
	}
	if g.backlog != nil {
		errs = append(errs, g.refreshBacklog(ctx))
	}
	err := errors.Join(errs...)
	if err == nil {
		g.updated.Set(float64(g.now().Unix()))
	}
	return err
}

// refreshOpen counts running cases per type, then per state of the types that
// have any: SQL visibility groups only by ExecutionStatus, so one count a state.
func (g *Gauges) refreshOpen(ctx context.Context) error {
	for _, t := range workflows.Types() {
		total, err := g.count(ctx, fmt.Sprintf("%s = '%s' AND ExecutionStatus = 'Running'", workflows.SearchCaseType.GetName(), t.Name))
		if err != nil {
			return err
		}
		for _, state := range t.Machine.States {
			n := int64(0)
			if total > 0 {
				if n, err = g.count(ctx, fmt.Sprintf("%s = '%s' AND %s = '%s' AND ExecutionStatus = 'Running'",
					workflows.SearchCaseType.GetName(), t.Name, workflows.SearchCaseState.GetName(), state)); err != nil {
					return err
				}
			}
			g.open.WithLabelValues(t.Name, state).Set(float64(n))
		}
	}
	return nil
}

func (g *Gauges) count(ctx context.Context, query string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := g.temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: g.namespace, Query: query})
	if err != nil {
		return 0, fmt.Errorf("unable to count open cases (%s): %w", query, err)
	}
	return resp.GetCount(), nil
}

func (g *Gauges) refreshBacklog(ctx context.Context) error {
	b, err := g.backlog.MailBacklog(ctx)
	if err != nil {
		return err
	}
	g.waiting.Set(float64(b.Waiting))
	age := 0.0
	if !b.Oldest.IsZero() {
		age = max(0, g.now().Sub(b.Oldest).Seconds())
	}
	g.oldest.Set(age)
	return nil
}

var _ Counter = client.Client(nil)
