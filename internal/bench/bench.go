// Package bench measures caseflow against a bare Temporal workflow in the same
// process and on the same embedded server. Every scenario runs caseflow's PLC case
// and a baseline workflow with the same activities, timers, waits and updates and
// the same mocked activity latency, but no fsm, no registry, no search
// attributes, no payload encryption and no API. The variants alternate run by
// run, in mirrored order from round to round (A B, B A), so that the machine's
// drift weighs on both alike. Each figure comes with its ratio to the baseline.
//
// Scenarios:
//
//   - throughput: cases from intake to verdict and close per second with a fixed
//     number in flight, caseflow through the Temporal client and through its HTTP
//     API;
//   - latency: p50/p99 from the intake request to the engineer's mail at the
//     mailer, at 50 % and 80 % of the slowest variant's saturation rate;
//   - ceiling: the machine's SQLite commit rate with the server's pragmas divided
//     by the state transitions (persistence writes) a case costs;
//   - replay: the SDK replayer's time per event of a long history;
//   - parked: resident memory and SQLite bytes per case waiting for its verdict;
//   - consultation (Options.Consultation): consultations from intake to
//     registered per second at saturation, through the Temporal client and the
//     HTTP API, against a baseline consultation, and what one costs the server.
//
// Throughput, latency and ceiling run once per SQLite synchronous mode, each mode
// on a fresh server; replay and parked, which the mode does not affect, run on
// the last mode's server.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/workflows"
)

// Options configures Run. Zero values take the defaults of a full run, or of a
// quick one with Quick.
type Options struct {
	// Quick is the smoke run of about a minute: small sizes, short runs, one
	// round, FULL only. Its timings mean little.
	Quick bool
	// Synchronous lists the SQLite synchronous modes to run, FULL and/or NORMAL;
	// default both (FULL in a quick run).
	Synchronous []string
	// Latency is the mocked latency of every mail and records call; default 5ms.
	Latency time.Duration
	// InFlight is the number of cases in flight in the throughput scenario;
	// default 32 (8 quick).
	InFlight int
	// Duration is the measured time of each throughput and latency run; default
	// 4s (2s quick).
	Duration time.Duration
	// Warmup runs before each measured throughput run (at most 1s of it before a
	// latency run); default 1s (0.5s quick).
	Warmup time.Duration
	// Parked is the number of cases of each variant measured waiting for a
	// verdict, parked in Rounds steps; default 1,000 (200 quick).
	Parked int
	// Rounds is how many times each variant runs in each scenario; default 2
	// (1 quick).
	Rounds int
	// ReplayEvents is the least length of the replayed histories; default 2,000
	// (300 quick).
	ReplayEvents int
	// Dir holds the servers' data; default a temporary directory, removed after.
	Dir string
	// HeapProfile, when set, receives a heap profile taken while the first round's
	// caseflow cases are parked.
	HeapProfile io.Writer
	// Progress receives a line per run as it ends; nil discards them.
	Progress io.Writer
	// Consultation also runs the consultation scenario in every mode. It is off
	// by default: it adds about 30 s per mode (15 s quick) to a default run that
	// already takes 7 to 10 minutes on a 2-core machine.
	Consultation bool
	// WorkflowCache and ExecutionCache size the worker's and the embedded
	// server's caches; default caseflow dev's (workflows.DefaultWorkflowCache,
	// devserver.DefaultExecutionCache).
	WorkflowCache, ExecutionCache int
	// Partitions, when positive, is the embedded server's task queue
	// partitions (Temporal's default 4).
	Partitions int
}

// loads are the arrival rates of the latency scenario, as fractions of the
// saturation rate.
var loads = []float64{0.5, 0.8}

func (o *Options) setDefaults() error {
	if o.WorkflowCache == 0 {
		o.WorkflowCache = workflows.DefaultWorkflowCache
	}
	if o.ExecutionCache == 0 {
		o.ExecutionCache = devserver.DefaultExecutionCache
	}
	pick := func(full, quick int) int {
		if o.Quick {
			return quick
		}
		return full
	}
	def := func(v *int, full, quick int) {
		if *v <= 0 {
			*v = pick(full, quick)
		}
	}
	defDur := func(v *time.Duration, full, quick time.Duration) {
		if *v <= 0 {
			*v = time.Duration(pick(int(full), int(quick)))
		}
	}
	if len(o.Synchronous) == 0 {
		o.Synchronous = []string{"FULL", "NORMAL"}
		if o.Quick {
			o.Synchronous = []string{"FULL"}
		}
	}
	o.Synchronous = slices.Clone(o.Synchronous)
	for i, s := range o.Synchronous {
		o.Synchronous[i] = strings.ToUpper(s)
		if o.Synchronous[i] != "FULL" && o.Synchronous[i] != "NORMAL" {
			return fmt.Errorf("synchronous %q: want FULL or NORMAL", s)
		}
	}
	defDur(&o.Latency, 5*time.Millisecond, 5*time.Millisecond)
	def(&o.InFlight, 32, 8)
	defDur(&o.Duration, 4*time.Second, 2*time.Second)
	defDur(&o.Warmup, time.Second, 500*time.Millisecond)
	def(&o.Parked, 1_000, 200)
	def(&o.Rounds, 2, 1)
	def(&o.ReplayEvents, 2_000, 300)
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return nil
}

// probeTime is how long the commit-rate probe runs.
func (o *Options) probeTime() time.Duration {
	if o.Quick {
		return 500 * time.Millisecond
	}
	return 2 * time.Second
}

// replayTime is how long each replay run lasts.
func (o *Options) replayTime() time.Duration {
	if o.Quick {
		return 300 * time.Millisecond
	}
	return 1500 * time.Millisecond
}

// Run starts a fresh embedded server per synchronous mode in a temporary
// directory, runs every scenario for caseflow and the baseline, prints the table
// to stdout and returns the figures.
func Run(ctx context.Context, o Options, stdout io.Writer) (Report, error) {
	began := time.Now()
	if err := o.setDefaults(); err != nil {
		return Report{}, err
	}
	rep := Report{
		Machine: Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH},
		Settings: Settings{
			Quick: o.Quick, LatencyMs: ms(o.Latency), InFlight: o.InFlight, DurationSeconds: o.Duration.Seconds(),
			WarmupSeconds: o.Warmup.Seconds(), Parked: o.Parked, Rounds: o.Rounds, ReplayEvents: o.ReplayEvents, Partitions: o.Partitions,
		},
	}
	dir, cleanup, err := o.workDir()
	if err != nil {
		return rep, err
	}
	defer cleanup()
	// Replay and parked, which the mode does not affect, run on the last mode's
	// server (NORMAL when both run): parking thousands of cases waits on the
	// server's one SQLite connection, and NORMAL commits faster.
	for i, mode := range o.Synchronous {
		r := &runner{o: &o, mode: mode, dir: filepath.Join(dir, strings.ToLower(mode)), keys: map[string]*keys{}}
		res, err := r.run(ctx, i == len(o.Synchronous)-1, &rep)
		if err != nil {
			return rep, fmt.Errorf("synchronous=%s: %w", mode, err)
		}
		rep.Results = append(rep.Results, res)
	}
	rep.Seconds = time.Since(began).Seconds()
	rep.Furthest = furthest(rep)
	writeTable(stdout, rep)
	return rep, nil
}

// runner runs the scenarios of one synchronous mode on its own server.
type runner struct {
	o    *Options
	mode string
	dir  string
	h    *harness
	keys map[string]*keys
	// visibility is each variant's visibility writes per case over its
	// throughput runs, by the server's count.
	visibility map[string]float64
}

func (r *runner) progress(format string, args ...any) {
	fmt.Fprintf(r.o.Progress, "bench %s: "+format+"\n", append([]any{r.mode}, args...)...)
}

// keysFor hands out the case keys of a scenario's variant.
func (r *runner) keysFor(scenario string, f flow) *keys {
	name := scenario + "-" + f.variant()
	if r.keys[name] == nil {
		r.keys[name] = &keys{prefix: name}
	}
	return r.keys[name]
}

// run runs the mode's scenarios, and with all also replay and parked into rep.
func (r *runner) run(ctx context.Context, all bool, rep *Report) (Result, error) {
	res := Result{Synchronous: r.mode}
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return res, err
	}
	h, err := startHarness(ctx, r.dir, r.mode, r.o)
	if err != nil {
		return res, err
	}
	defer h.stop()
	r.h = h

	// The commit probe runs first, while the server is idle.
	commits, err := commitRate(ctx, r.dir, r.mode, r.o.probeTime())
	if err != nil {
		return res, err
	}
	r.progress("SQLite commits %.0f/s", commits)
	samples, err := r.throughput(ctx, &res.Throughput)
	if err != nil {
		return res, fmt.Errorf("throughput: %w", err)
	}
	if err := r.latency(ctx, &res.Latency, &res.Throughput); err != nil {
		return res, fmt.Errorf("latency: %w", err)
	}
	if err := r.ceiling(ctx, &res.Ceiling, commits, samples, &res.Throughput); err != nil {
		return res, fmt.Errorf("ceiling: %w", err)
	}
	if r.o.Consultation {
		res.Consultation = &Consultation{}
		if err := r.consultation(ctx, res.Consultation); err != nil {
			return res, fmt.Errorf("consultation: %w", err)
		}
	}
	if !all {
		return res, nil
	}
	rep.Replay = &Replay{Synchronous: r.mode}
	if err := r.replay(ctx, rep.Replay); err != nil {
		return res, fmt.Errorf("replay: %w", err)
	}
	rep.Parked = &Parked{Synchronous: r.mode}
	if err := r.parked(ctx, rep.Parked); err != nil {
		return res, fmt.Errorf("parked: %w", err)
	}
	return res, nil
}

// flows are the variants of the throughput and latency scenarios.
func (r *runner) flows() []flow {
	return []flow{caseflowFlow{r.h}, baselineFlow{r.h}, apiFlow{r.h}}
}

// throughput measures cases per second at saturation and returns sample
// workflow IDs of closed cases per variant.
func (r *runner) throughput(ctx context.Context, t *Throughput) (map[string][]string, error) {
	perS := map[string][]float64{}
	samples := map[string][]string{}
	// Each variant's visibility writes by operation, and the cases it drove.
	ops, driven := map[string]map[string]int64{}, map[string]int{}
	t.InFlight = r.o.InFlight
	for round := range r.o.Rounds {
		for _, f := range inOrder(round, r.flows()) {
			// The visibility queue writes after a case closes: its count is read
			// once it has stopped moving, before and after the run.
			before := r.h.vis.settled(ctx, 300*time.Millisecond, 5*time.Second)
			s, err := r.h.saturate(ctx, f, r.keysFor("t", f), r.o.InFlight, r.o.Warmup, r.o.Duration)
			if err != nil {
				return nil, err
			}
			if ops[f.variant()] == nil {
				ops[f.variant()] = map[string]int64{}
			}
			for op, n := range r.h.vis.settled(ctx, 300*time.Millisecond, 5*time.Second) {
				ops[f.variant()][op] += n - before[op]
			}
			driven[f.variant()] += s.Driven
			perS[f.variant()] = append(perS[f.variant()], s.PerS)
			samples[f.variant()] = append(samples[f.variant()], s.sample...)
			t.Runs = append(t.Runs, ThroughputRun{Variant: f.variant(), Cases: s.Cases, PerS: s.PerS})
			r.progress("throughput %s round %d: %.1f cases/s; slowest case %s", f.variant(), round+1, s.PerS, s.slowest.phases())
		}
	}
	t.CaseflowPerS, t.BaselinePerS, t.CaseflowAPIPerS = mean(perS[variantCaseflow]), mean(perS[variantBaseline]), mean(perS[variantAPI])
	t.Ratio, t.APIRatio = ratio(t.CaseflowPerS, t.BaselinePerS), ratio(t.CaseflowAPIPerS, t.BaselinePerS)
	r.visibility = map[string]float64{}
	for _, f := range r.flows() {
		v, n, o := f.variant(), float64(driven[f.variant()]), ops[f.variant()]
		var writes int64
		for _, w := range o {
			writes += w
		}
		r.visibility[v] = ratio(float64(writes), n)
		r.progress("visibility writes per %s case: %.2f (started %.2f, upserts %.2f, closed %.2f; %d cases)", v, r.visibility[v],
			ratio(float64(o[visibilityWriteOps[0]]), n), ratio(float64(o[visibilityWriteOps[1]]), n), ratio(float64(o[visibilityWriteOps[2]]), n), driven[v])
	}
	return samples, nil
}

// consultation measures consultations per second at saturation, in mirrored
// rounds like throughput, and what a closed one cost the server.
func (r *runner) consultation(ctx context.Context, c *Consultation) error {
	flows := []flow{consultationFlow{h: r.h}, baselineConsultationFlow{r.h}, consultationFlow{h: r.h, api: true}}
	perS := map[string][]float64{}
	samples := map[string][]string{}
	c.InFlight = r.o.InFlight
	for round := range r.o.Rounds {
		for _, f := range inOrder(round, flows) {
			s, err := r.h.saturate(ctx, f, r.keysFor("c", f), r.o.InFlight, r.o.Warmup, r.o.Duration)
			if err != nil {
				return err
			}
			perS[f.variant()] = append(perS[f.variant()], s.PerS)
			samples[f.variant()] = append(samples[f.variant()], s.sample...)
			c.Runs = append(c.Runs, ThroughputRun{Variant: f.variant(), Cases: s.Cases, PerS: s.PerS})
			r.progress("consultation %s round %d: %.1f cases/s; slowest case %s", f.variant(), round+1, s.PerS, s.slowest.phases())
		}
	}
	c.CaseflowPerS, c.BaselinePerS, c.CaseflowAPIPerS = mean(perS[variantCaseflow]), mean(perS[variantBaseline]), mean(perS[variantAPI])
	c.Ratio, c.APIRatio = ratio(c.CaseflowPerS, c.BaselinePerS), ratio(c.CaseflowAPIPerS, c.BaselinePerS)
	cf, err := costOf(ctx, r.h.cf, samples[variantCaseflow])
	if err != nil {
		return err
	}
	bl, err := costOf(ctx, r.h.bl, samples[variantBaseline])
	if err != nil {
		return err
	}
	c.CaseflowTransitionsPerCase, c.BaselineTransitionsPerCase = cf.Transitions, bl.Transitions
	c.CaseflowEventsPerCase, c.BaselineEventsPerCase = cf.Events, bl.Events
	c.CaseflowHistoryBytesPerCase, c.BaselineHistoryBytesPerCase = cf.HistoryBytes, bl.HistoryBytes
	return nil
}

// offeredRate is the arrival rate of a latency level: load of the saturated
// rate, but at least minClosed cases in the measured time, so that a variant
// that stalled in the throughput run (one run on a loaded CI machine closed
// 0.1 cases/s) leaves the level cases to time; floor says the least rate was
// taken.
func offeredRate(load, saturated float64, measure time.Duration) (perS float64, floor bool) {
	least := minClosed / measure.Seconds()
	if load*saturated < least {
		return least, true
	}
	return load * saturated, false
}

// latency measures intake-to-mail times with every variant offered the same
// arrival rate: a fraction of the slowest variant's saturation rate.
func (r *runner) latency(ctx context.Context, l *Latency, t *Throughput) error {
	saturated := min(t.CaseflowPerS, t.BaselinePerS, t.CaseflowAPIPerS)
	if saturated <= 0 {
		return fmt.Errorf("no saturation rate to take a fraction of: a variant closed no case in %s, nor in %d times that", r.o.Duration, stretch)
	}
	warmup := min(r.o.Warmup, time.Second)
	for _, load := range loads {
		lvl := LatencyLevel{Load: load}
		lvl.RatePerS, lvl.Floor = offeredRate(load, saturated, r.o.Duration)
		if lvl.Floor {
			r.progress("latency @%.0f%%: %.0f%% of %.2f cases/s would time fewer than %d cases in %s: offered %.2f/s", load*100, load*100, saturated, minClosed, r.o.Duration, lvl.RatePerS)
		}
		toMail := map[string][]time.Duration{}
		for round := range r.o.Rounds {
			for _, f := range inOrder(round, r.flows()) {
				a, err := r.h.arrive(ctx, f, r.keysFor(fmt.Sprintf("l%.0f", load*100), f), lvl.RatePerS, warmup, r.o.Duration, 20*r.o.InFlight)
				if err != nil {
					return err
				}
				toMail[f.variant()] = append(toMail[f.variant()], a.toMail...)
				lvl.Dropped += a.Dropped
				slices.Sort(a.toMail)
				r.progress("latency %s @%.0f%% (%.1f/s) round %d: p50 %.1f ms, p99 %.1f ms, %d cases",
					f.variant(), load*100, lvl.RatePerS, round+1, ms(percentile(a.toMail, 0.5)), ms(percentile(a.toMail, 0.99)), len(a.toMail))
			}
		}
		pct := func(v string, q float64) float64 {
			d := toMail[v]
			slices.Sort(d)
			return ms(percentile(d, q))
		}
		lvl.CaseflowP50Ms, lvl.CaseflowP99Ms = pct(variantCaseflow, 0.5), pct(variantCaseflow, 0.99)
		lvl.CaseflowAPIP50Ms, lvl.CaseflowAPIP99Ms = pct(variantAPI, 0.5), pct(variantAPI, 0.99)
		lvl.BaselineP50Ms, lvl.BaselineP99Ms = pct(variantBaseline, 0.5), pct(variantBaseline, 0.99)
		lvl.RatioP50, lvl.RatioP99 = ratio(lvl.CaseflowP50Ms, lvl.BaselineP50Ms), ratio(lvl.CaseflowP99Ms, lvl.BaselineP99Ms)
		lvl.APIRatioP50, lvl.APIRatioP99 = ratio(lvl.CaseflowAPIP50Ms, lvl.BaselineP50Ms), ratio(lvl.CaseflowAPIP99Ms, lvl.BaselineP99Ms)
		lvl.Samples = min(len(toMail[variantCaseflow]), len(toMail[variantBaseline]), len(toMail[variantAPI]))
		l.Levels = append(l.Levels, lvl)
		l.Ratio = lvl.RatioP99
	}
	return nil
}

// ceiling divides the commit rate by the state transitions of the cases closed
// in the throughput scenario.
func (r *runner) ceiling(ctx context.Context, c *Ceiling, commits float64, samples map[string][]string, t *Throughput) error {
	c.CommitsPerS = commits
	cf, err := costOf(ctx, r.h.cf, samples[variantCaseflow])
	if err != nil {
		return err
	}
	bl, err := costOf(ctx, r.h.bl, samples[variantBaseline])
	if err != nil {
		return err
	}
	c.CaseflowTransitionsPerCase, c.BaselineTransitionsPerCase = cf.Transitions, bl.Transitions
	c.CaseflowEventsPerCase, c.BaselineEventsPerCase = cf.Events, bl.Events
	c.CaseflowHistoryBytesPerCase, c.BaselineHistoryBytesPerCase = cf.HistoryBytes, bl.HistoryBytes
	c.CaseflowVisibilityWritesPerCase, c.BaselineVisibilityWritesPerCase = r.visibility[variantCaseflow], r.visibility[variantBaseline]
	c.CaseflowUpsertEventsPerCase, c.BaselineUpsertEventsPerCase = cf.UpsertEvents, bl.UpsertEvents
	c.CaseflowPerS, c.BaselinePerS = ratio(commits, cf.Transitions), ratio(commits, bl.Transitions)
	c.Ratio = ratio(c.CaseflowPerS, c.BaselinePerS)
	c.CaseflowShare, c.BaselineShare = ratio(t.CaseflowPerS, c.CaseflowPerS), ratio(t.BaselinePerS, c.BaselinePerS)
	r.progress("ceiling: %.1f transitions per caseflow case, %.1f per baseline case", cf.Transitions, bl.Transitions)
	return nil
}

// replay builds one long history per variant and replays both in turn.
func (r *runner) replay(ctx context.Context, rp *Replay) error {
	cfHist, err := r.h.longHistory(ctx, caseflowFlow{r.h}, "replay-caseflow", r.o.ReplayEvents)
	if err != nil {
		return err
	}
	blHist, err := r.h.longHistory(ctx, baselineFlow{r.h}, "replay-baseline", len(cfHist.GetEvents()))
	if err != nil {
		return err
	}
	cfRep, err := newReplayer(variantCaseflow, cfHist, r.h.cdc)
	if err != nil {
		return err
	}
	blRep, err := newReplayer(variantBaseline, blHist, nil)
	if err != nil {
		return err
	}
	spent := map[string]time.Duration{}
	replayed := map[string]int{}
	for round := range r.o.Rounds {
		for _, rr := range inOrder(round, []*replayer{cfRep, blRep}) {
			n, took, err := rr.replayFor(r.o.replayTime())
			if err != nil {
				return err
			}
			events := n * len(rr.history.GetEvents())
			spent[rr.variant] += took
			replayed[rr.variant] += events
			r.progress("replay %s round %d: %.1f µs per event", rr.variant, round+1, float64(took.Nanoseconds())/1e3/float64(events))
		}
	}
	rp.CaseflowEvents, rp.BaselineEvents = len(cfHist.GetEvents()), len(blHist.GetEvents())
	rp.CaseflowUsPerEvent = float64(spent[variantCaseflow].Nanoseconds()) / 1e3 / float64(replayed[variantCaseflow])
	rp.BaselineUsPerEvent = float64(spent[variantBaseline].Nanoseconds()) / 1e3 / float64(replayed[variantBaseline])
	rp.Ratio = ratio(rp.CaseflowUsPerEvent, rp.BaselineUsPerEvent)
	return nil
}

// parked leaves Parked cases of each variant waiting for a verdict, in Rounds
// steps, and measures each step's growth of memory and store.
func (r *runner) parked(ctx context.Context, p *Parked) error {
	p.N = r.o.Parked
	per := max(1, r.o.Parked/r.o.Rounds)
	runs := map[string][]Parking{}
	for round := range r.o.Rounds {
		n := per
		if round == r.o.Rounds-1 {
			n = r.o.Parked - per*(r.o.Rounds-1)
		}
		for _, f := range inOrder(round, []flow{caseflowFlow{r.h}, baselineFlow{r.h}}) {
			pk, err := r.h.park(ctx, f, r.keysFor("p", f), n, 2*r.o.InFlight)
			if err != nil {
				return err
			}
			if round == 0 && f.variant() == variantCaseflow && r.o.HeapProfile != nil {
				if err := pprof.Lookup("heap").WriteTo(r.o.HeapProfile, 0); err != nil {
					return fmt.Errorf("heap profile: %w", err)
				}
			}
			runs[f.variant()] = append(runs[f.variant()], pk)
			p.Runs = append(p.Runs, ParkRun{Variant: f.variant(), Parking: pk})
			r.progress("parked %s round %d: %d in %.1fs, RSS %s, heap %s, stacks %s (%.1f goroutines), SQLite %s per case", f.variant(), round+1, pk.N, pk.Seconds,
				bytesStr(pk.RSSPerCase), bytesStr(pk.HeapPerCase), bytesStr(pk.StackPerCase), pk.GoroutinesPerCase, bytesStr(pk.SQLitePerCase))
		}
	}
	// Per-case figures weigh each step by its cases.
	avg := func(v string, field func(Parking) float64) float64 {
		var sum, n float64
		for _, pk := range runs[v] {
			sum += field(pk) * float64(pk.N)
			n += float64(pk.N)
		}
		return ratio(sum, n)
	}
	rss := func(pk Parking) float64 { return pk.RSSPerCase }
	heap := func(pk Parking) float64 { return pk.HeapPerCase }
	db := func(pk Parking) float64 { return pk.SQLitePerCase }
	files := func(pk Parking) float64 { return pk.FilesPerCase }
	stack := func(pk Parking) float64 { return pk.StackPerCase }
	goroutines := func(pk Parking) float64 { return pk.GoroutinesPerCase }
	p.CaseflowRSSPerCase, p.BaselineRSSPerCase = avg(variantCaseflow, rss), avg(variantBaseline, rss)
	p.CaseflowHeapPerCase, p.BaselineHeapPerCase = avg(variantCaseflow, heap), avg(variantBaseline, heap)
	p.CaseflowSQLitePerCase, p.BaselineSQLitePerCase = avg(variantCaseflow, db), avg(variantBaseline, db)
	p.CaseflowFilesPerCase, p.BaselineFilesPerCase = avg(variantCaseflow, files), avg(variantBaseline, files)
	p.CaseflowStackPerCase, p.BaselineStackPerCase = avg(variantCaseflow, stack), avg(variantBaseline, stack)
	p.CaseflowGoroutinesPerCase, p.BaselineGoroutinesPerCase = avg(variantCaseflow, goroutines), avg(variantBaseline, goroutines)
	p.StackRatio = ratio(p.CaseflowStackPerCase, p.BaselineStackPerCase)
	p.Ratio = ratio(p.CaseflowRSSPerCase, p.BaselineRSSPerCase)
	p.HeapRatio = ratio(p.CaseflowHeapPerCase, p.BaselineHeapPerCase)
	p.SQLiteRatio = ratio(p.CaseflowSQLitePerCase, p.BaselineSQLitePerCase)
	return nil
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// ratio is a/b, 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// workDir is where a run keeps its servers' data: Options.Dir, or a temporary
// directory that cleanup removes.
func (o *Options) workDir() (dir string, cleanup func(), err error) {
	if o.Dir != "" {
		return o.Dir, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "caseflow-bench-")
	if err != nil {
		return "", nil, err
	}
	return tmp, func() { _ = os.RemoveAll(tmp) }, nil
}
