package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/workflows"
)

// inOrder is the order of the variants in a round: as given in even rounds,
// reversed in odd ones (A B, B A), so that a drift of the machine that is linear
// in time weighs on every variant alike.
func inOrder[T any](round int, vs []T) []T {
	out := slices.Clone(vs)
	if round%2 == 1 {
		slices.Reverse(out)
	}
	return out
}

// keys hands out unique idempotency keys (and case IDs) for a label.
type keys struct {
	prefix string
	n      atomic.Int64
}

func (k *keys) next() string { return k.prefix + "-" + strconv.FormatInt(k.n.Add(1), 10) }

// saturation is one closed-loop run: inFlight cases at all times, each followed
// by the next as soon as it closes.
type saturation struct {
	Cases  int
	PerS   float64
	Errors int
	// Driven counts every case the run drove to its close, warm-up included.
	Driven int
	// sample are workflow IDs of cases closed in the measured window.
	sample []string
	// slowest is the case that took longest from its intake to its close: a
	// run far below its usual rate says in the progress where it waited.
	slowest caseTimes
}

// minClosed is the fewest closed cases a saturation run measures: on a machine
// too loaded to close them in the measured time, the run goes on until it has,
// up to stretch times that time.
const (
	minClosed = 3
	stretch   = 10
)

// saturate runs f with inFlight cases in flight for warmup+measure and counts
// the cases closed during measure, or until minClosed have closed where that
// takes longer. Cases open when the time is up finish before it returns.
func (h *harness) saturate(ctx context.Context, f flow, k *keys, inFlight int, warmup, measure time.Duration) (saturation, error) {
	began := time.Now()
	from, to := began.Add(warmup), began.Add(warmup+measure)
	latest := began.Add(warmup + stretch*measure)
	var (
		mu       sync.Mutex
		res      saturation
		closed   []time.Time // cases closed from `from` on
		firstErr error
		wg       sync.WaitGroup
	)
	more := func(now time.Time) bool {
		mu.Lock()
		defer mu.Unlock()
		return now.Before(to) || (len(closed) < minClosed && now.Before(latest))
	}
	for range inFlight {
		wg.Go(func() {
			for more(time.Now()) && ctx.Err() == nil {
				t, err := drive(ctx, f, h.probe, k.next())
				mu.Lock()
				switch {
				case err != nil:
					res.Errors++
					if firstErr == nil {
						firstErr = err
					}
				default:
					res.Driven++
					if t.took() > res.slowest.took() {
						res.slowest = t
					}
					if !t.closed.Before(from) {
						closed = append(closed, t.closed)
						if len(res.sample) < 20 {
							res.sample = append(res.sample, f.workflowID(t.caseID))
						}
					}
				}
				failed := firstErr != nil
				mu.Unlock()
				if failed {
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return res, fmt.Errorf("%s: %d cases failed, the first: %w", f.variant(), res.Errors, firstErr)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	slices.SortFunc(closed, time.Time.Compare)
	end := to
	if n := countUntil(closed, to); n < minClosed && len(closed) > 0 {
		end = closed[min(minClosed, len(closed))-1]
	}
	res.Cases = countUntil(closed, end)
	res.PerS = float64(res.Cases) / end.Sub(from).Seconds()
	return res, nil
}

// countUntil counts the sorted times that are not after end.
func countUntil(sorted []time.Time, end time.Time) int {
	if i := slices.IndexFunc(sorted, func(t time.Time) bool { return t.After(end) }); i >= 0 {
		return i
	}
	return len(sorted)
}

// arrivals is one open-loop run at a fixed arrival rate.
type arrivals struct {
	// toMail are the times from the intake request to the engineer's mail at the
	// mailer of the cases opened in the measured window.
	toMail  []time.Duration
	Dropped int
}

// arrive opens cases at rate per second for warmup+measure, each driven to its
// close, and records the intake-to-mail time of those opened during measure.
// Arrivals beyond maxOpen open cases are dropped and counted.
func (h *harness) arrive(ctx context.Context, f flow, k *keys, rate float64, warmup, measure time.Duration, maxOpen int) (arrivals, error) {
	began := time.Now()
	from := began.Add(warmup)
	total := int((warmup + measure).Seconds() * rate)
	var (
		mu       sync.Mutex
		res      arrivals
		firstErr error
		wg       sync.WaitGroup
		open     atomic.Int64
	)
	for i := range total {
		at := began.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if err := sleep(ctx, time.Until(at)); err != nil {
			break
		}
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		if open.Load() >= int64(maxOpen) {
			res.Dropped++
			continue
		}
		open.Add(1)
		wg.Go(func() {
			defer open.Add(-1)
			t, err := runCase(ctx, f, h.probe, k.next())
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				if firstErr == nil {
					firstErr = err
				}
			case !t.opened.Before(from):
				res.toMail = append(res.toMail, t.handed.Sub(t.opened))
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return res, fmt.Errorf("%s at %.1f/s: %w", f.variant(), rate, firstErr)
	}
	return res, ctx.Err()
}

// percentile is the q-quantile (0 < q ≤ 1) of sorted durations, nearest rank.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// memory is the process's resident memory after a full collection that returns
// freed memory to the OS.
type memory struct {
	RSS        int64
	Heap       int64
	Stack      int64
	Goroutines int64
}

// measureMemory reads VmRSS from /proc/self/status; where there is none (not
// Linux) it takes the runtime's own view: memory obtained from the OS minus
// what it returned.
func measureMemory() (memory, error) {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := memory{Heap: int64(ms.HeapAlloc), Stack: int64(ms.StackInuse), Goroutines: int64(runtime.NumGoroutine())}
	raw, err := os.ReadFile("/proc/self/status")
	if errors.Is(err, os.ErrNotExist) {
		m.RSS = int64(ms.Sys - ms.HeapReleased)
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("unable to read RSS: %w", err)
	}
	for line := range bytes.Lines(raw) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), 10, 64)
			if err != nil {
				return m, fmt.Errorf("unable to parse VmRSS %q: %w", v, err)
			}
			m.RSS = kb << 10
			return m, nil
		}
	}
	return m, errors.New("no VmRSS in /proc/self/status")
}

// Parking is the growth of memory and store from N parked cases.
type Parking struct {
	N             int     `json:"n"`
	RSSPerCase    float64 `json:"rss_bytes_per_case"`
	HeapPerCase   float64 `json:"heap_bytes_per_case"`
	SQLitePerCase float64 `json:"sqlite_bytes_per_case"`
	FilesPerCase  float64 `json:"sqlite_file_bytes_per_case"`
	// StackPerCase and GoroutinesPerCase are the growth of goroutine stacks
	// and of goroutines.
	StackPerCase      float64 `json:"stack_bytes_per_case"`
	GoroutinesPerCase float64 `json:"goroutines_per_case"`
	Seconds           float64 `json:"seconds"`
}

// park leaves n cases of f waiting for their verdict, conc at a time, and
// reports the growth of the process's memory and of the store per case. The
// SDK's workflow cache is emptied first, so that cases parked earlier do not
// count. The server's execution cache is not: it holds up to 128,000
// executions for an hour (Temporal 1.32's host-level cache), so each parked
// case's mutable state stays in it and counts, for both variants alike, as it
// would on a live server.
func (h *harness) park(ctx context.Context, f flow, k *keys, n, conc int) (Parking, error) {
	worker.PurgeStickyWorkflowCache()
	// The SDK ends an evicted workflow's coroutines in the background: memory
	// measured before they have ended counts cases that are gone.
	if err := goroutinesSettle(ctx); err != nil {
		return Parking{}, err
	}
	mem0, err := measureMemory()
	if err != nil {
		return Parking{}, err
	}
	db0, err := measureDB(ctx, h.srv.DBPath())
	if err != nil {
		return Parking{}, err
	}
	began := time.Now()
	if err := h.parkMany(ctx, f, k, n, conc); err != nil {
		return Parking{}, err
	}
	took := time.Since(began)
	mem1, err := measureMemory()
	if err != nil {
		return Parking{}, err
	}
	db1, err := measureDB(ctx, h.srv.DBPath())
	if err != nil {
		return Parking{}, err
	}
	per := func(a, b int64) float64 { return float64(b-a) / float64(n) }
	return Parking{
		N: n, RSSPerCase: per(mem0.RSS, mem1.RSS), HeapPerCase: per(mem0.Heap, mem1.Heap),
		SQLitePerCase: per(db0.Used, db1.Used), FilesPerCase: per(db0.Files, db1.Files),
		StackPerCase: per(mem0.Stack, mem1.Stack), GoroutinesPerCase: per(mem0.Goroutines, mem1.Goroutines),
		Seconds: took.Seconds(),
	}, nil
}

// goroutinesSettle waits until the number of goroutines stops falling.
func goroutinesSettle(ctx context.Context) error {
	const (
		every  = 20 * time.Millisecond
		steady = 5 // polls without a fall
	)
	least, still := runtime.NumGoroutine(), 0
	for still < steady {
		if err := sleep(ctx, every); err != nil {
			return err
		}
		if n := runtime.NumGoroutine(); n < least {
			least, still = n, 0
		} else {
			still++
		}
	}
	return nil
}

// each runs do(0) … do(n-1), conc at a time, and returns the first error.
func each(ctx context.Context, n, conc int, do func(i int) error) error {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range conc {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				if err := do(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// parkMany parks n cases of f, conc at a time.
func (h *harness) parkMany(ctx context.Context, f flow, k *keys, n, conc int) error {
	if err := each(ctx, n, conc, func(int) error { return h.parkOne(ctx, f, k.next()) }); err != nil {
		return fmt.Errorf("%s: %w", f.variant(), err)
	}
	return nil
}

// parkOne opens a case and returns once it waits for its verdict with nothing
// pending.
func (h *harness) parkOne(ctx context.Context, f flow, key string) error {
	ctx, cancel := context.WithTimeout(ctx, caseTimeout)
	defer cancel()
	id, err := f.open(ctx, key)
	if err != nil {
		return err
	}
	if _, err := h.probe.wait(ctx, id); err != nil {
		return fmt.Errorf("case %s: the engineer's mail never came: %w", id, err)
	}
	wid := f.workflowID(id)
	for {
		d, err := f.client().DescribeWorkflowExecution(ctx, wid, "")
		if err != nil {
			return fmt.Errorf("unable to describe %s: %w", wid, err)
		}
		if d.GetPendingWorkflowTask() == nil && len(d.GetPendingActivities()) == 0 {
			return nil
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return fmt.Errorf("case %s never settled: %w", id, err)
		}
	}
}

// caseCost is what one closed case cost the server: Temporal's state
// transitions (each one persistence write of the execution), its history, and
// the search-attribute upsert events in it.
type caseCost struct {
	Transitions, Events, HistoryBytes, UpsertEvents float64
}

// costOf averages the cost of closed cases.
func costOf(ctx context.Context, c client.Client, wids []string) (caseCost, error) {
	if len(wids) == 0 {
		return caseCost{}, errors.New("no closed case to count")
	}
	var cost caseCost
	for _, wid := range wids {
		d, err := c.DescribeWorkflowExecution(ctx, wid, "")
		if err != nil {
			return cost, fmt.Errorf("unable to describe %s: %w", wid, err)
		}
		info := d.GetWorkflowExecutionInfo()
		cost.Transitions += float64(info.GetStateTransitionCount())
		cost.Events += float64(info.GetHistoryLength())
		cost.HistoryBytes += float64(info.GetHistorySizeBytes())
		it := c.GetWorkflowHistory(ctx, wid, "", false, 0)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return cost, fmt.Errorf("unable to read the history of %s: %w", wid, err)
			}
			if e.GetEventType() == enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES {
				cost.UpsertEvents++
			}
		}
	}
	n := float64(len(wids))
	cost.Transitions /= n
	cost.Events /= n
	cost.HistoryBytes /= n
	cost.UpsertEvents /= n
	return cost, nil
}

// longHistory drives one case through notes events (PLC's repeat_contact, or
// the baseline's) until its history has at least minEvents events, then to its
// verdict and close, and returns the closed history.
func (h *harness) longHistory(ctx context.Context, f flow, key string, minEvents int) (*historypb.History, error) {
	id, err := f.open(ctx, key)
	if err != nil {
		return nil, err
	}
	if _, err := h.probe.wait(ctx, id); err != nil {
		return nil, err
	}
	wid := f.workflowID(id)
	for {
		d, err := f.client().DescribeWorkflowExecution(ctx, wid, "")
		if err != nil {
			return nil, err
		}
		// The verdict and the close add about as many events as a note.
		if int(d.GetWorkflowExecutionInfo().GetHistoryLength()) >= minEvents-30 {
			break
		}
		// A few at a time: the case applies them one after the other, and the
		// round trips overlap.
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { errs[i] = sendWhenLegal(ctx, f, id, eventNote) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
	}
	if err := sendWhenLegal(ctx, f, id, eventVerdict); err != nil {
		return nil, err
	}
	if err := f.send(ctx, id, eventClose); err != nil {
		return nil, err
	}
	if err := f.client().GetWorkflow(ctx, wid, "").Get(ctx, nil); err != nil {
		return nil, fmt.Errorf("case %s did not complete: %w", id, err)
	}
	hist := &historypb.History{}
	it := f.client().GetWorkflowHistory(ctx, wid, "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("unable to read the history of %s: %w", wid, err)
		}
		hist.Events = append(hist.Events, e)
	}
	return hist, nil
}

// replayer replays one variant's history.
type replayer struct {
	variant string
	history *historypb.History
	r       worker.WorkflowReplayer
}

func newReplayer(variant string, history *historypb.History, cdc *codec.Codec) (*replayer, error) {
	opts := worker.WorkflowReplayerOptions{}
	if cdc != nil {
		opts.DataConverter = codec.DataConverter(cdc)
	}
	r, err := worker.NewWorkflowReplayerWithOptions(opts)
	if err != nil {
		return nil, err
	}
	if variant == variantBaseline {
		r.RegisterWorkflowWithOptions(Baseline, workflow.RegisterOptions{Name: BaselineWorkflow})
	} else {
		for _, t := range workflows.Types() {
			r.RegisterWorkflowWithOptions(t.Workflow, workflow.RegisterOptions{Name: t.Name})
		}
	}
	return &replayer{variant: variant, history: history, r: r}, nil
}

var quietLogger = sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))

// replayFor replays the history again and again for at least d and returns the
// replays and the time they took.
func (r *replayer) replayFor(d time.Duration) (int, time.Duration, error) {
	began := time.Now()
	n := 0
	for n == 0 || time.Since(began) < d {
		if err := r.r.ReplayWorkflowHistory(quietLogger, r.history); err != nil {
			return n, 0, fmt.Errorf("replay of the %s history: %w", r.variant, err)
		}
		n++
	}
	return n, time.Since(began), nil
}
