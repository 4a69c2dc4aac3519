package bench

import (
	"fmt"
	"io"
	"strings"
)

// Report is everything one Run measured. Every ratio is caseflow's figure divided
// by the baseline's: below 1 for a rate, or above 1 for a time or a size, caseflow
// costs more.
type Report struct {
	Machine  Machine  `json:"machine"`
	Settings Settings `json:"settings"`
	// Results holds the scenarios run once per synchronous mode.
	Results []Result `json:"results"`
	Replay  *Replay  `json:"replay,omitempty"`
	Parked  *Parked  `json:"parked,omitempty"`
	// Furthest is the figure where caseflow is furthest from the baseline.
	Furthest Furthest `json:"furthest"`
	Seconds  float64  `json:"seconds"`
}

// Machine describes where the run ran.
type Machine struct {
	CPUs int    `json:"cpus"`
	Go   string `json:"go"`
	OS   string `json:"os"`
}

// Settings are the sizes the run used.
type Settings struct {
	Quick           bool    `json:"quick"`
	LatencyMs       float64 `json:"activity_latency_ms"`
	InFlight        int     `json:"in_flight"`
	DurationSeconds float64 `json:"duration_s"`
	WarmupSeconds   float64 `json:"warmup_s"`
	Parked          int     `json:"parked"`
	Rounds          int     `json:"rounds"`
	// Partitions is the embedded server's task queue partitions; 0 is
	// Temporal's default (4).
	Partitions   int `json:"partitions,omitempty"`
	ReplayEvents int `json:"replay_events"`
}

// Result holds the scenarios of one synchronous mode.
type Result struct {
	Synchronous string     `json:"synchronous"`
	Throughput  Throughput `json:"throughput"`
	Latency     Latency    `json:"latency"`
	Ceiling     Ceiling    `json:"ceiling"`
	// Consultation is the consultation scenario, when it ran.
	Consultation *Consultation `json:"consultation,omitempty"`
}

// Consultation is consultations from intake to registered per second at
// saturation, the mean of the rounds, and what a closed one cost the server.
type Consultation struct {
	Throughput
	CaseflowTransitionsPerCase  float64 `json:"caseflow_transitions_per_case"`
	BaselineTransitionsPerCase  float64 `json:"baseline_transitions_per_case"`
	CaseflowEventsPerCase       float64 `json:"caseflow_events_per_case"`
	BaselineEventsPerCase       float64 `json:"baseline_events_per_case"`
	CaseflowHistoryBytesPerCase float64 `json:"caseflow_history_bytes_per_case"`
	BaselineHistoryBytesPerCase float64 `json:"baseline_history_bytes_per_case"`
}

// Throughput is cases per second at saturation, the mean of the rounds.
type Throughput struct {
	CaseflowPerS    float64 `json:"caseflow_per_s"`
	CaseflowAPIPerS float64 `json:"caseflow_api_per_s"`
	BaselinePerS    float64 `json:"baseline_per_s"`
	// Ratio is caseflow through the Temporal client over the baseline; APIRatio
	// caseflow through the HTTP API over the baseline.
	Ratio    float64 `json:"ratio"`
	APIRatio float64 `json:"api_ratio"`
	InFlight int     `json:"in_flight"`
	// Runs lists the measured runs in the order they ran.
	Runs []ThroughputRun `json:"runs"`
}

// ThroughputRun is one measured throughput run.
type ThroughputRun struct {
	Variant string  `json:"variant"`
	Cases   int     `json:"cases"`
	PerS    float64 `json:"per_s"`
}

// Latency is the time from the intake request to the engineer's mail at the
// mailer.
type Latency struct {
	// Ratio is caseflow's (Temporal client) p99 at the highest load over the
	// baseline's; each level has all its ratios.
	Ratio  float64        `json:"ratio"`
	Levels []LatencyLevel `json:"levels"`
}

// LatencyLevel is one arrival rate of the latency scenario.
type LatencyLevel struct {
	// Load is the fraction of the slowest variant's saturation rate that every
	// variant is offered: the same traffic for all.
	Load             float64 `json:"load"`
	RatePerS         float64 `json:"rate_per_s"`
	CaseflowP50Ms    float64 `json:"caseflow_p50_ms"`
	CaseflowP99Ms    float64 `json:"caseflow_p99_ms"`
	CaseflowAPIP50Ms float64 `json:"caseflow_api_p50_ms"`
	CaseflowAPIP99Ms float64 `json:"caseflow_api_p99_ms"`
	BaselineP50Ms    float64 `json:"baseline_p50_ms"`
	BaselineP99Ms    float64 `json:"baseline_p99_ms"`
	RatioP50         float64 `json:"ratio_p50"`
	RatioP99         float64 `json:"ratio_p99"`
	APIRatioP50      float64 `json:"api_ratio_p50"`
	APIRatioP99      float64 `json:"api_ratio_p99"`
	// Samples is the fewest cases measured of a variant; Dropped counts
	// arrivals skipped because too many cases were open.
	Samples int `json:"samples_per_variant"`
	Dropped int `json:"dropped"`
	// Floor is set when Load of the saturation rate was too few cases to
	// time and RatePerS is the least rate that times some (minClosed in the
	// measured time): the load is then more than Load.
	Floor bool `json:"floor,omitempty"`
}

// Ceiling is the throughput the disk allows: the commit rate over the commits a
// case needs, counted as Temporal counts state transitions (one persistence
// write of the execution each).
type Ceiling struct {
	CommitsPerS                float64 `json:"commits_per_s"`
	CaseflowTransitionsPerCase float64 `json:"caseflow_transitions_per_case"`
	BaselineTransitionsPerCase float64 `json:"baseline_transitions_per_case"`
	CaseflowPerS               float64 `json:"caseflow_per_s"`
	BaselinePerS               float64 `json:"baseline_per_s"`
	Ratio                      float64 `json:"ratio"`
	// CaseflowShare and BaselineShare are the measured throughput (Temporal
	// client) as a fraction of the ceiling.
	CaseflowShare float64 `json:"caseflow_share"`
	BaselineShare float64 `json:"baseline_share"`
	// What else a case writes: history events and their bytes; the visibility
	// store's writes (its start, the upserts the server performs and its
	// close, counted by the server's own metric over the throughput runs),
	// each its own transaction on the server's one SQLite connection; and the
	// search-attribute upsert events of its history (an upsert in the workflow
	// task that closes a case is an event but no write).
	CaseflowEventsPerCase           float64 `json:"caseflow_events_per_case"`
	BaselineEventsPerCase           float64 `json:"baseline_events_per_case"`
	CaseflowHistoryBytesPerCase     float64 `json:"caseflow_history_bytes_per_case"`
	BaselineHistoryBytesPerCase     float64 `json:"baseline_history_bytes_per_case"`
	CaseflowVisibilityWritesPerCase float64 `json:"caseflow_visibility_writes_per_case"`
	BaselineVisibilityWritesPerCase float64 `json:"baseline_visibility_writes_per_case"`
	CaseflowUpsertEventsPerCase     float64 `json:"caseflow_upsert_events_per_case"`
	BaselineUpsertEventsPerCase     float64 `json:"baseline_upsert_events_per_case"`
}

// Replay is the SDK replayer's time per history event of a long history.
type Replay struct {
	Synchronous        string  `json:"synchronous"`
	CaseflowEvents     int     `json:"caseflow_events"`
	BaselineEvents     int     `json:"baseline_events"`
	CaseflowUsPerEvent float64 `json:"caseflow_us_per_event"`
	BaselineUsPerEvent float64 `json:"baseline_us_per_event"`
	Ratio              float64 `json:"ratio"`
}

// Parked is the cost of a case waiting for its verdict, per case, weighed over
// the rounds. Ratio compares resident memory.
type Parked struct {
	Synchronous string `json:"synchronous"`
	// N cases of each variant were measured, in one step per round.
	N                     int     `json:"n"`
	CaseflowRSSPerCase    float64 `json:"caseflow_rss_bytes_per_case"`
	BaselineRSSPerCase    float64 `json:"baseline_rss_bytes_per_case"`
	Ratio                 float64 `json:"ratio"`
	CaseflowSQLitePerCase float64 `json:"caseflow_sqlite_bytes_per_case"`
	BaselineSQLitePerCase float64 `json:"baseline_sqlite_bytes_per_case"`
	SQLiteRatio           float64 `json:"sqlite_ratio"`
	CaseflowHeapPerCase   float64 `json:"caseflow_heap_bytes_per_case"`
	BaselineHeapPerCase   float64 `json:"baseline_heap_bytes_per_case"`
	HeapRatio             float64 `json:"heap_ratio"`
	CaseflowFilesPerCase  float64 `json:"caseflow_sqlite_file_bytes_per_case"`
	BaselineFilesPerCase  float64 `json:"baseline_sqlite_file_bytes_per_case"`
	// Goroutine stacks and goroutines per case: resident memory outside the
	// heap, held by each cached workflow's coroutines.
	CaseflowStackPerCase      float64   `json:"caseflow_stack_bytes_per_case"`
	BaselineStackPerCase      float64   `json:"baseline_stack_bytes_per_case"`
	StackRatio                float64   `json:"stack_ratio"`
	CaseflowGoroutinesPerCase float64   `json:"caseflow_goroutines_per_case"`
	BaselineGoroutinesPerCase float64   `json:"baseline_goroutines_per_case"`
	Runs                      []ParkRun `json:"runs"`
}

// ParkRun is one parking step.
type ParkRun struct {
	Variant string `json:"variant"`
	Parking
}

// Furthest is the figure where caseflow is furthest from the baseline.
type Furthest struct {
	Synchronous string  `json:"synchronous"`
	Figure      string  `json:"figure"`
	Ratio       float64 `json:"ratio"`
	// Factor is how many times more caseflow costs there: the ratio, or its
	// inverse for a rate.
	Factor float64 `json:"factor"`
}

// minP99Samples is the fewest cases whose p99 competes for the furthest figure.
const minP99Samples = 300

// row is one line of the table.
type row struct {
	mode, figure       string
	caseflow, baseline string
	ratio              float64
	// rate marks figures where more is better.
	rate bool
	// headline rows compete for the furthest from the baseline.
	headline bool
}

// factor is how many times more caseflow costs.
func (r row) factor() float64 {
	if r.ratio <= 0 {
		return 0
	}
	if r.rate {
		return 1 / r.ratio
	}
	return r.ratio
}

func rows(rep Report) []row {
	var out []row
	add := func(mode, figure, cf, bl string, ratio float64, rate, headline bool) {
		out = append(out, row{mode, figure, cf, bl, ratio, rate, headline})
	}
	for _, r := range rep.Results {
		m := r.Synchronous
		t := r.Throughput
		add(m, "throughput, Temporal client", perSStr(t.CaseflowPerS), perSStr(t.BaselinePerS), t.Ratio, true, true)
		add(m, "throughput, HTTP API", perSStr(t.CaseflowAPIPerS), perSStr(t.BaselinePerS), t.APIRatio, true, true)
		for _, l := range r.Latency.Levels {
			at := fmt.Sprintf("@%.0f%% (%.1f/s, n=%d)", l.Load*100, l.RatePerS, l.Samples)
			if l.Floor {
				at = fmt.Sprintf("@floor (%.1f/s, n=%d)", l.RatePerS, l.Samples)
			}
			// A p99 of fewer than minP99Samples cases rests on one or two of them: it
			// is shown but does not compete for the furthest figure.
			solid := l.Samples >= minP99Samples
			add(m, "intake→mail p50 "+at+", client", msStr(l.CaseflowP50Ms), msStr(l.BaselineP50Ms), l.RatioP50, false, true)
			add(m, "intake→mail p99 "+at+", client", msStr(l.CaseflowP99Ms), msStr(l.BaselineP99Ms), l.RatioP99, false, solid)
			add(m, "intake→mail p50 "+at+", HTTP API", msStr(l.CaseflowAPIP50Ms), msStr(l.BaselineP50Ms), l.APIRatioP50, false, true)
			add(m, "intake→mail p99 "+at+", HTTP API", msStr(l.CaseflowAPIP99Ms), msStr(l.BaselineP99Ms), l.APIRatioP99, false, solid)
		}
		c := r.Ceiling
		add(m, "state transitions per case", num(c.CaseflowTransitionsPerCase), num(c.BaselineTransitionsPerCase),
			ratio(c.CaseflowTransitionsPerCase, c.BaselineTransitionsPerCase), false, false)
		add(m, fmt.Sprintf("ceiling: %.0f commits/s ÷ transitions", c.CommitsPerS), perSStr(c.CaseflowPerS), perSStr(c.BaselinePerS), c.Ratio, true, true)
		add(m, "measured throughput ÷ ceiling", pctStr(c.CaseflowShare), pctStr(c.BaselineShare), ratio(c.CaseflowShare, c.BaselineShare), true, false)
		add(m, "visibility writes per case", num(c.CaseflowVisibilityWritesPerCase), num(c.BaselineVisibilityWritesPerCase),
			ratio(c.CaseflowVisibilityWritesPerCase, c.BaselineVisibilityWritesPerCase), false, false)
		add(m, "search-attribute upsert events per case", num(c.CaseflowUpsertEventsPerCase), num(c.BaselineUpsertEventsPerCase),
			ratio(c.CaseflowUpsertEventsPerCase, c.BaselineUpsertEventsPerCase), false, false)
		add(m, "history events per case", num(c.CaseflowEventsPerCase), num(c.BaselineEventsPerCase),
			ratio(c.CaseflowEventsPerCase, c.BaselineEventsPerCase), false, false)
		add(m, "history bytes per case", bytesStr(c.CaseflowHistoryBytesPerCase), bytesStr(c.BaselineHistoryBytesPerCase),
			ratio(c.CaseflowHistoryBytesPerCase, c.BaselineHistoryBytesPerCase), false, false)
		if k := r.Consultation; k != nil {
			add(m, "consultation: throughput, Temporal client", perSStr(k.CaseflowPerS), perSStr(k.BaselinePerS), k.Ratio, true, true)
			add(m, "consultation: throughput, HTTP API", perSStr(k.CaseflowAPIPerS), perSStr(k.BaselinePerS), k.APIRatio, true, true)
			add(m, "consultation: state transitions per case", num(k.CaseflowTransitionsPerCase), num(k.BaselineTransitionsPerCase),
				ratio(k.CaseflowTransitionsPerCase, k.BaselineTransitionsPerCase), false, false)
			add(m, "consultation: history events per case", num(k.CaseflowEventsPerCase), num(k.BaselineEventsPerCase),
				ratio(k.CaseflowEventsPerCase, k.BaselineEventsPerCase), false, false)
			add(m, "consultation: history bytes per case", bytesStr(k.CaseflowHistoryBytesPerCase), bytesStr(k.BaselineHistoryBytesPerCase),
				ratio(k.CaseflowHistoryBytesPerCase, k.BaselineHistoryBytesPerCase), false, false)
		}
	}
	if rp := rep.Replay; rp != nil {
		add(rp.Synchronous, fmt.Sprintf("replay per event (%d/%d events)", rp.CaseflowEvents, rp.BaselineEvents),
			fmt.Sprintf("%.1f µs", rp.CaseflowUsPerEvent), fmt.Sprintf("%.1f µs", rp.BaselineUsPerEvent), rp.Ratio, false, true)
	}
	if p := rep.Parked; p != nil {
		add(p.Synchronous, fmt.Sprintf("parked ×%d: RSS per case", p.N), bytesStr(p.CaseflowRSSPerCase), bytesStr(p.BaselineRSSPerCase), p.Ratio, false, true)
		add(p.Synchronous, fmt.Sprintf("parked ×%d: Go heap per case", p.N), bytesStr(p.CaseflowHeapPerCase), bytesStr(p.BaselineHeapPerCase), p.HeapRatio, false, false)
		add(p.Synchronous, fmt.Sprintf("parked ×%d: goroutine stacks per case (%.1f/%.1f goroutines)", p.N, p.CaseflowGoroutinesPerCase, p.BaselineGoroutinesPerCase),
			bytesStr(p.CaseflowStackPerCase), bytesStr(p.BaselineStackPerCase), p.StackRatio, false, false)
		add(p.Synchronous, fmt.Sprintf("parked ×%d: SQLite per case", p.N), bytesStr(p.CaseflowSQLitePerCase), bytesStr(p.BaselineSQLitePerCase), p.SQLiteRatio, false, true)
	}
	return out
}

// furthest picks the headline figure where caseflow costs the most times more.
func furthest(rep Report) Furthest {
	var best row
	for _, r := range rows(rep) {
		if r.headline && r.factor() > best.factor() {
			best = r
		}
	}
	return Furthest{Synchronous: best.mode, Figure: best.figure, Ratio: best.ratio, Factor: best.factor()}
}

// writeTable prints the report as one Markdown table.
func writeTable(w io.Writer, rep Report) {
	s := rep.Settings
	fmt.Fprintf(w, "caseflow-bench: mocked activity latency %gms, %d in flight, %gs runs after %gs warm-up, %d round(s) (A B, B A, …), %d CPUs, %s %s, %.0fs\n\n",
		s.LatencyMs, s.InFlight, s.DurationSeconds, s.WarmupSeconds, s.Rounds, rep.Machine.CPUs, rep.Machine.Go, rep.Machine.OS, rep.Seconds)
	if s.Partitions > 0 {
		fmt.Fprintf(w, "task queue partitions: %d (Temporal's default 4)\n\n", s.Partitions)
	}
	cols := []string{"sync", "figure", "caseflow", "baseline", "caseflow ÷ baseline"}
	var cells [][]string
	for _, r := range rows(rep) {
		cells = append(cells, []string{r.mode, r.figure, r.caseflow, r.baseline, fmt.Sprintf("%.2f", r.ratio)})
	}
	width := make([]int, len(cols))
	for i, c := range cols {
		width[i] = len([]rune(c))
		for _, row := range cells {
			width[i] = max(width[i], len([]rune(row[i])))
		}
	}
	line := func(vals []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, v := range vals {
			pad := strings.Repeat(" ", width[i]-len([]rune(v)))
			if i >= 2 { // numbers align right
				b.WriteString(" " + pad + v + " |")
			} else {
				b.WriteString(" " + v + pad + " |")
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(cols)
	var sep strings.Builder
	sep.WriteString("|")
	for i := range cols {
		if i >= 2 {
			sep.WriteString(strings.Repeat("-", width[i]+1) + ":|")
		} else {
			sep.WriteString(strings.Repeat("-", width[i]+2) + "|")
		}
	}
	fmt.Fprintln(w, sep.String())
	for _, c := range cells {
		line(c)
	}
	if f := rep.Furthest; f.Figure != "" {
		fmt.Fprintf(w, "\nfurthest from the baseline: %s, %s: caseflow costs %.2f× the baseline\n", f.Synchronous, f.Figure, f.Factor)
	}
}

func num(v float64) string { return fmt.Sprintf("%.1f", v) }

func perSStr(v float64) string { return fmt.Sprintf("%.1f/s", v) }

func msStr(v float64) string { return fmt.Sprintf("%.1f ms", v) }

func pctStr(v float64) string { return fmt.Sprintf("%.0f %%", 100*v) }

func bytesStr(v float64) string {
	switch {
	case v >= 1<<20 || v <= -(1<<20):
		return fmt.Sprintf("%.2f MiB", v/(1<<20))
	case v >= 1<<10 || v <= -(1<<10):
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}
