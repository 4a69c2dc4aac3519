package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/internal/telemetry"
)

// metricsFlags is the worker's own metrics listener.
type metricsFlags struct{ addr string }

func (m *metricsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.addr, "metrics", "", "serve this worker's Prometheus metrics (the SDK's and the cases' series) at http://HOST:PORT/metrics, plaintext and without a token: they carry no personal data; empty: none")
}

// observe gives the runtime's worker the SDK's metrics handler, reporting into
// reg: the SDK's worker series and the cases' business series.
func (r *runtime) observe(reg prometheus.Registerer, log *slog.Logger) {
	r.sdkMetrics, r.sdkMetricsCloser = telemetry.NewSDKHandler(reg, log.With("component", "metrics"))
}

// startGauges registers the open-case and outbox gauges with reg and refreshes
// them in the background until ctx ends.
func startGauges(ctx context.Context, reg prometheus.Registerer, c client.Client, namespace string, st *store.Store, log *slog.Logger) error {
	g, err := telemetry.NewGauges(reg, c, namespace, st, log.With("component", "metrics"))
	if err != nil {
		return fmt.Errorf("unable to register the caseflow gauges: %w", err)
	}
	go g.Run(ctx, telemetry.DefaultRefresh)
	return nil
}

// serveMetrics serves g at /metrics on addr.
func serveMetrics(addr string, g prometheus.Gatherer, log *slog.Logger) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("unable to listen on --metrics %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return srv, ln, nil
}

// registerer is reg as a Registerer, nil when reg is: a nil *Registry in the
// interface would not read as none.
func registerer(reg *prometheus.Registry) prometheus.Registerer {
	if reg == nil {
		return nil
	}
	return reg
}
