package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metricsql"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/httpapi"
	"github.com/caseflow/caseflow/internal/telemetry"
	"github.com/caseflow/caseflow/workflows"
)

// dashboardFile is the Grafana dashboard shipped in deploy/.
var dashboardFile = filepath.Join("..", "..", "deploy", "grafana", "caseflow.json")

// TestWhatOperatorsWatch runs a worker with the SDK's metrics handler and the API
// with the gauges on one registry, as caseflow dev does, drives real cases —
// letters delivered, refused and held up by an SMTP outage, a deadline kept, a
// task run overdue — and reads the series back from GET /metrics. A restarted
// worker replays the cases without counting anything twice. Then every query of
// the shipped Grafana dashboard must name only series and labels of that scrape.
func TestWhatOperatorsWatch(t *testing.T) {
	h := newHarnessWithoutWorker(t)
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	sdkMetrics, closer := telemetry.NewSDKHandler(reg, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	t.Cleanup(func() { _ = closer.Close() })
	key, err := os.ReadFile(filepath.Join("..", "..", "workflows", "testdata", "replay-key.txt"))
	require.NoError(t, err)
	cdc := mustCodec(t, strings.TrimSpace(string(key)))
	newWorkerClient := func() client.Client {
		wc, err := client.NewClientFromExisting(h.client, client.Options{
			DataConverter: codec.WorkerDataConverter(cdc), FailureConverter: codec.FailureConverter(cdc), MetricsHandler: sdkMetrics,
		})
		require.NoError(t, err)
		t.Cleanup(wc.Close)
		return wc
	}
	w := h.startWorker(newWorkerClient())

	// The API on the same registry, as caseflow dev serves it.
	authn, err := auth.New(h.cfg.Auth.Tokens)
	require.NoError(t, err)
	api, err := httpapi.New(httpapi.Config{
		Temporal: h.client, Namespace: h.server.Namespace(), Outbox: h.store, Auth: authn,
		Settings: h.cfg.Settings, DataConverter: codec.DataConverter(cdc), Codec: codec.Handler(cdc), Metrics: reg,
	})
	require.NoError(t, err)
	h.api = httptest.NewServer(api)
	t.Cleanup(h.api.Close)
	gauges, err := telemetry.NewGauges(reg, h.client, h.server.Namespace(), h.store, nil)
	require.NoError(t, err)

	// A PLC case whose verdict comes in time: letters sent, plc.verdict met.
	kept := h.open("expert", "metrics-kept", plcBody("email"))
	h.waitState(kept, "awaiting_verdict")
	h.event(kept, "engineer", "verdict", map[string]any{"plc": false, "comment": "не PLC"})
	h.waitState(kept, "closed_not_plc")

	// A refused engineer: the request bounces and the call chain starts at once.
	h.smtp.RejectRecipient("engineer.fridges@example.com")
	refused := h.open("expert", "metrics-refused", plcBody("email"))
	require.Eventually(t, func() bool {
		tasks, _ := h.view(refused)["tasks"].([]any)
		return len(tasks) > 0
	}, 30*time.Second, 50*time.Millisecond, "the bounced request starts the chain's tasks")
	h.smtp.Reset()

	// An SMTP outage: letters wait in the outbox, retried until it ends.
	h.smtp.SetDown(true)
	held := h.open("expert", "metrics-held", plcBody("email"))
	require.Eventually(t, func() bool {
		require.NoError(t, gauges.Refresh(ctx))
		return gaugeValue(t, h.scrape(), telemetry.MetricOutboxWaiting, nil) > 0
	}, 30*time.Second, 200*time.Millisecond, "letters wait in the outbox while SMTP is down")
	h.smtp.SetDown(false)
	h.waitState(held, "awaiting_verdict")
	require.Eventually(t, func() bool {
		require.NoError(t, gauges.Refresh(ctx))
		return gaugeValue(t, h.scrape(), telemetry.MetricOutboxWaiting, nil) == 0
	}, 60*time.Second, 200*time.Millisecond, "the outbox drains once SMTP is back")

	// A claim's remediation task due in two seconds runs overdue.
	claim := h.open("operator", "metrics-claim", claimBody("Линия розлива Л-3"))
	h.waitState(claim, "qualification")
	h.event(claim, "quality_director", "open_investigation", map[string]any{
		"hearing_date": workingDateAhead(t, 10).Format(time.DateOnly),
		"executors": []any{
			map[string]any{"document": "contract", "name": "executor-1", "email": "executor1@example.com"},
			map[string]any{"document": "technical_specification", "name": "executor-1", "email": "executor1@example.com"},
			map[string]any{"document": "acceptance_documents", "name": "executor-1", "email": "executor1@example.com"},
			map[string]any{"document": "monitoring_data", "name": "executor-1", "email": "executor1@example.com"},
		},
	})
	for range 4 {
		h.event(claim, "executor", "document_ready", map[string]any{"task_id": claimTaskID(h.view(claim), "document", "executor-1"), "note": "готово"})
	}
	h.event(claim, "quality_director", "commission_held", map[string]any{
		"protocol": "Недолив вызван износом дозатора", "causes": "Износ дозатора",
		"plan": []any{map[string]any{"task": "Заменить дозатор", "assignee": "executor-1", "due": time.Now().Add(2 * time.Second).Format(time.RFC3339)}},
	})
	var breachedPolicy string
	require.Eventually(t, func() bool {
		for _, d := range h.view(claim)["deadlines"].([]any) {
			if d := d.(map[string]any); d["breached"] == true {
				breachedPolicy = d["basis"].(map[string]any)["policy"].(string)
			}
		}
		return breachedPolicy != ""
	}, 30*time.Second, 100*time.Millisecond, "the remediation task runs overdue")

	// Counters reach the registry within telemetry's report interval.
	wantPLC := map[string]string{workflows.LabelCaseType: "plc", workflows.LabelPolicy: workflows.PolicyPLCVerdict}
	wantClaim := map[string]string{workflows.LabelCaseType: "reclamation", workflows.LabelPolicy: breachedPolicy}
	request := map[string]string{activities.LabelTemplate: "plc_request"}
	var families map[string]*dto.MetricFamily
	require.Eventually(t, func() bool {
		families = h.scrape()
		return counterValue(t, families, workflows.MetricDeadlinesBreached, wantClaim) == 1 &&
			counterValue(t, families, activities.MetricLettersFailed, map[string]string{activities.LabelKind: activities.FailureTransient}) > 0
	}, 10*time.Second, 200*time.Millisecond, "the breach and the outage's failures are counted")
	assert.Equal(t, 1.0, counterValue(t, families, workflows.MetricDeadlinesMet, wantPLC), "the verdict in time")
	assert.Equal(t, 0.0, counterValue(t, families, workflows.MetricDeadlinesBreached, wantPLC))
	assert.Equal(t, 2.0, counterValue(t, families, activities.MetricLettersSent, request), "the kept and the held case's requests; the refused one failed")
	assert.Equal(t, 1.0, counterValue(t, families, activities.MetricLettersFailed,
		map[string]string{activities.LabelTemplate: "plc_request", activities.LabelKind: activities.FailurePermanent}))
	// Letters of the claim may still be going out (its overdue alert follows
	// the breach), and a counter reaches the registry within the report
	// interval: the two agree once they are read after the same letters.
	var sent float64
	var rows int
	if !assert.Eventually(t, func() bool {
		sent = counterValue(t, h.scrape(), activities.MetricLettersSent, nil)
		rows = countSentRows(t, h)
		return float64(rows) == sent
	}, 10*time.Second, 200*time.Millisecond, "every letter the outbox holds as sent is counted once") {
		t.Logf("last read: %d letters sent in the outbox, %v counted", rows, sent)
	}

	// The SDK's worker series.
	for _, name := range []string{"temporal_workflow_task_execution_latency_seconds", "temporal_workflow_task_schedule_to_start_latency_seconds",
		"temporal_activity_execution_failed_total", "temporal_sticky_cache_size", "temporal_activity_schedule_to_start_latency_seconds"} {
		assert.Contains(t, families, name)
	}
	assert.Positive(t, counterValue(t, families, "temporal_activity_execution_failed_total", map[string]string{"activity_type": "SendMail"}),
		"the outage's SendMail attempts failed")

	// Open cases by type and state, from visibility.
	require.Eventually(t, func() bool {
		require.NoError(t, gauges.Refresh(ctx))
		families = h.scrape()
		return gaugeValue(t, families, telemetry.MetricOpenCases, map[string]string{"case_type": "plc", "state": "awaiting_verdict"}) == 1 &&
			gaugeValue(t, families, telemetry.MetricOpenCases, map[string]string{"case_type": "plc", "state": "escalating"}) == 1 &&
			gaugeValue(t, families, telemetry.MetricOpenCases, map[string]string{"case_type": "reclamation", "state": "remediation"}) == 1
	}, 30*time.Second, 200*time.Millisecond, "open cases: %v", seriesOf(families, telemetry.MetricOpenCases))
	assert.Equal(t, 0.0, gaugeValue(t, families, telemetry.MetricOpenCases, map[string]string{"case_type": "plc", "state": "closed_not_plc"}), "a finished case is not open")
	assert.Equal(t, 0.0, gaugeValue(t, families, telemetry.MetricOutboxOldest, nil))
	assert.InDelta(t, float64(time.Now().Unix()), gaugeValue(t, families, telemetry.MetricGaugesUpdated, nil), 60)

	// A new worker replays the open cases from their histories (the old one's
	// cache is gone): nothing already counted is counted again.
	w.Stop()
	h.startWorker(newWorkerClient())
	h.event(claim, "executor", "task_reported", map[string]any{"task_id": claimTaskID(h.view(claim), "action", "executor-1"), "report": "Дозатор заменён"})
	h.event(refused, "engineer", "verdict", map[string]any{"plc": false, "comment": "не PLC"})
	time.Sleep(3 * time.Second) // past telemetry's report interval
	families = h.scrape()
	assert.Equal(t, 1.0, counterValue(t, families, workflows.MetricDeadlinesBreached, wantClaim), "the breach replayed, not counted again")
	assert.Equal(t, 2.0, counterValue(t, families, workflows.MetricDeadlinesMet, wantPLC), "one more verdict in time, the first not counted again")

	checkDashboard(t, families)
}

// checkDashboard parses the shipped dashboard and requires every query to name
// only series and labels of the scrape.
func checkDashboard(t *testing.T, families map[string]*dto.MetricFamily) {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	require.NoError(t, err)
	var dash struct {
		UID        string           `json:"uid"`
		Panels     []dashboardPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	require.NoError(t, json.Unmarshal(raw, &dash))
	require.NotEmpty(t, dash.UID)

	series := map[string]map[string]bool{} // sample name → its labels
	for name, f := range families {
		labels := map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
		}
		series[name] = labels
		if f.GetType() == dto.MetricType_HISTOGRAM {
			withLE := map[string]bool{"le": true}
			for l := range labels {
				withLE[l] = true
			}
			series[name+"_bucket"], series[name+"_sum"], series[name+"_count"] = withLE, labels, labels
		}
	}

	var used []string
	ids := map[int]bool{}
	var walk func(ps []dashboardPanel)
	walk = func(ps []dashboardPanel) {
		for _, p := range ps {
			assert.False(t, ids[p.ID], "panel id %d twice", p.ID)
			ids[p.ID] = true
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
			for _, target := range p.Targets {
				used = append(used, checkQuery(t, p.Title, target.Expr, series)...)
			}
		}
	}
	walk(dash.Panels)
	variables := regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		m := variables.FindStringSubmatch(fmt.Sprint(q["query"]))
		require.NotNil(t, m, "variable %s: want label_values(series, label), got %v", v.Name, v.Query)
		used = append(used, checkQuery(t, "variable "+v.Name, m[1], series)...)
		assert.True(t, series[m[1]][m[2]], "variable %s: %s has no label %s", v.Name, m[1], m[2])
	}
	// Every business series is on the dashboard.
	for _, name := range []string{workflows.MetricDeadlinesMet, workflows.MetricDeadlinesBreached, workflows.MetricEscalationSteps,
		activities.MetricLettersSent, activities.MetricLettersFailed, telemetry.MetricOpenCases, telemetry.MetricOutboxWaiting} {
		assert.Contains(t, used, name)
	}
}

type dashboardPanel struct {
	ID      int              `json:"id"`
	Type    string           `json:"type"`
	Title   string           `json:"title"`
	Panels  []dashboardPanel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// grafanaIntervals stand in for Grafana's interval variables when parsing.
var grafanaIntervals = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

// checkQuery parses a dashboard query and checks that every series it selects
// is in the scrape with the labels it filters and groups by; it returns the
// series' names. escalation steps take hours of working time to happen and are
// asserted by the workflows' tests in virtual time
// (TestPLC/TestMetricsEscalationAndDeadlines), so they are taken as declared.
func checkQuery(t *testing.T, where, query string, series map[string]map[string]bool) []string {
	t.Helper()
	expr, err := metricsql.Parse(grafanaIntervals.Replace(query))
	if !assert.NoError(t, err, "%s: %s", where, query) {
		return nil
	}
	declared := map[string]map[string]bool{
		workflows.MetricEscalationSteps: {workflows.LabelCaseType: true, workflows.LabelLadder: true, workflows.LabelLevel: true},
	}
	var names []string
	// Prometheus adds the target's labels to every series it scrapes.
	labels := map[string]bool{"instance": true, "job": true}
	metricsql.VisitAll(expr, func(e metricsql.Expr) {
		me, ok := e.(*metricsql.MetricExpr)
		if !ok {
			return
		}
		for _, group := range me.LabelFilterss {
			var name string
			for _, f := range group {
				if f.Label == "__name__" {
					name = f.Value
				}
			}
			have, ok := series[name]
			if !ok {
				have, ok = declared[name]
			}
			if !assert.True(t, ok, "%s: series %s is not exported (query %s)", where, name, query) {
				continue
			}
			names = append(names, name)
			for l := range have {
				labels[l] = true
			}
			for _, f := range group {
				if f.Label != "__name__" && !labels[f.Label] {
					assert.True(t, have[f.Label], "%s: %s has no label %s", where, name, f.Label)
				}
			}
		}
	})
	metricsql.VisitAll(expr, func(e metricsql.Expr) {
		if ae, ok := e.(*metricsql.AggrFuncExpr); ok && strings.EqualFold(ae.Modifier.Op, "by") {
			for _, l := range ae.Modifier.Args {
				assert.True(t, labels[l], "%s: grouped by %s, a label none of %v has", where, l, names)
			}
		}
	})
	return names
}

// scrape reads GET /metrics as the admin.
func (h *harness) scrape() map[string]*dto.MetricFamily {
	h.t.Helper()
	req, err := http.NewRequest("GET", h.api.URL+"/metrics", nil)
	require.NoError(h.t, err)
	req.Header.Set("Authorization", "Bearer "+h.tokens["admin"])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	require.Equal(h.t, http.StatusOK, resp.StatusCode)
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(h.t, err)
	return families
}

// sumOf adds the samples of a family whose labels include want.
func sumOf(families map[string]*dto.MetricFamily, name string, want map[string]string, value func(*dto.Metric) float64) float64 {
	var sum float64
	for _, m := range families[name].GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && have[k] == v
		}
		if match {
			sum += value(m)
		}
	}
	return sum
}

func counterValue(t *testing.T, families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	if f, ok := families[name]; ok {
		require.Equal(t, dto.MetricType_COUNTER, f.GetType(), name)
	}
	return sumOf(families, name, want, func(m *dto.Metric) float64 { return m.GetCounter().GetValue() })
}

func gaugeValue(t *testing.T, families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	if f, ok := families[name]; ok {
		require.Equal(t, dto.MetricType_GAUGE, f.GetType(), name)
	}
	return sumOf(families, name, want, func(m *dto.Metric) float64 { return m.GetGauge().GetValue() })
}

// seriesOf lists a family's non-zero samples, for failure messages.
func seriesOf(families map[string]*dto.MetricFamily, name string) []string {
	var out []string
	for _, m := range families[name].GetMetric() {
		if v := m.GetGauge().GetValue(); v != 0 {
			out = append(out, fmt.Sprintf("%v=%v", m.GetLabel(), v))
		}
	}
	slices.Sort(out)
	return out
}

// countSentRows counts the letters the outbox holds as sent.
func countSentRows(t *testing.T, h *harness) int {
	n, err := h.store.CountOutbox(context.Background(), "")
	require.NoError(t, err)
	return n
}
