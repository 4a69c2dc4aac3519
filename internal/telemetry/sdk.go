// Package telemetry exports what operators watch besides the API's own HTTP
// series: the Temporal SDK's worker metrics through the SDK's tally route, the
// business series the workflows and activities emit through the same handler,
// and gauges read from Temporal visibility and the outbox. Everything lands in
// one Prometheus registry, served on /metrics.
package telemetry

import (
	"io"
	"log/slog"
	"sync"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// reportEvery is how often tally hands what it counted to the registry: a
// scrape sees a counter at most this late.
const reportEvery = time.Second

// latencyBuckets are the histogram buckets (seconds) of the SDK's timers:
// workflow-task and activity latencies.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// sanitize keeps names and label keys to what Prometheus allows, and label
// values as they are: Prometheus takes any text there, and a policy such as
// "plc.verdict" must stay as the configuration names it.
var sanitize = func() tally.SanitizeOptions {
	o := sdktally.PrometheusSanitizeOptions
	o.ValueCharacters = tally.ValidCharacters{Ranges: []tally.SanitizeRange{{' ', unicode.MaxRune}}}
	return o
}()

// NewSDKHandler returns a metrics handler for Temporal clients and workers that
// reports into reg with Prometheus names (counters end in _total, timers are
// histograms in _seconds). The workflows' and activities' own series go through
// it too. Close the returned closer after the workers stop: it reports once more.
func NewSDKHandler(reg prometheus.Registerer, log *slog.Logger) (client.MetricsHandler, io.Closer) {
	var once sync.Map
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:              reg,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: latencyBuckets,
		// A series reported with another set of labels than its first is
		// dropped; say so once per error rather than panic.
		OnRegisterError: func(err error) {
			if _, seen := once.LoadOrStore(err.Error(), true); !seen && log != nil {
				log.Warn("a metric was dropped", "err", err)
			}
		},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sanitize,
	}, reportEvery)
	return sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)), closer
}
