package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/workflows"
)

// metrics are the API's Prometheus collectors.
type metrics struct {
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	casesOpened *prometheus.CounterVec
	events      *prometheus.CounterVec
}

// Event outcomes of the caseflow_case_events_total metric.
const (
	outcomeAccepted  = "accepted"
	outcomeInvalid   = "invalid"
	outcomeForbidden = "forbidden"
	outcomeConflict  = "conflict"
	outcomeNotFound  = "not_found"
	outcomeError     = "error"
)

// newMetrics registers the collectors with reg (a private registry when nil) and
// returns the gatherer GET /metrics serves.
func newMetrics(reg prometheus.Registerer) (*metrics, prometheus.Gatherer, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	gatherer, ok := reg.(prometheus.Gatherer)
	if !ok {
		return nil, nil, errors.New("httpapi: Metrics must also be a prometheus.Gatherer (a *prometheus.Registry is)")
	}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "caseflow", Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "caseflow", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		casesOpened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "caseflow", Name: "cases_opened_total",
			Help: "Cases opened through the API by case type (a repeated Idempotency-Key is not counted).",
		}, []string{"type"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "caseflow", Name: "case_events_total",
			Help: "Events sent to cases by case type, event and outcome (accepted, invalid, forbidden, conflict, not_found, error).",
		}, []string{"type", "event", "outcome"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.casesOpened, m.events} {
		if err := reg.Register(c); err != nil {
			return nil, nil, err
		}
	}
	for _, t := range workflows.Types() {
		m.casesOpened.WithLabelValues(t.Name)
	}
	return m, gatherer, nil
}

func (m *metrics) observeRequest(route string, code int, elapsed time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(route).Observe(elapsed.Seconds())
}

// observeEvent counts an event by the outcome of its (coded) error.
func (m *metrics) observeEvent(caseType, event string, err error) {
	outcome := outcomeAccepted
	if err != nil {
		switch codeOf(err).Code {
		case ECodeInvalid:
			outcome = outcomeInvalid
		case ECodeForbidden:
			outcome = outcomeForbidden
		case ECodeConflict:
			outcome = outcomeConflict
		case ECodeNotFound:
			outcome = outcomeNotFound
		default:
			outcome = outcomeError
		}
	}
	m.events.WithLabelValues(caseType, event, outcome).Inc()
}

// serveMetrics serves the Prometheus metrics (to admins only, in routeTable).
func (s *Server) serveMetrics(g prometheus.Gatherer) handlerFunc {
	h := promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	return func(w http.ResponseWriter, r *http.Request, _ auth.Caller) error {
		h.ServeHTTP(w, r)
		return nil
	}
}
