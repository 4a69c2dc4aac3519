package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/caseflow/caseflow/workflows"
)

// ScaleStep is the process's memory once Cases PLC cases are parked.
type ScaleStep struct {
	Cases int   `json:"cases"`
	RSS   int64 `json:"rss_bytes"`
	Heap  int64 `json:"heap_bytes"`
	// Stack is the goroutine stacks in use, Goroutines their number.
	Stack      int64 `json:"stack_bytes"`
	Goroutines int64 `json:"goroutines"`
	// Seconds is the time since the first case was opened.
	Seconds float64 `json:"seconds"`
	// InboxMs is the time of GET /v1/tasks as an admin, without a role
	// filter, and InboxTasks the tasks it listed.
	InboxMs    float64 `json:"inbox_ms"`
	InboxTasks int     `json:"inbox_tasks"`
	// OldestEventMs is the time of a verdict to the oldest parked case that
	// has had none (evicted from both caches once more cases than they hold
	// are parked), NewestEventMs to the case parked last (cached).
	OldestEventMs float64 `json:"oldest_event_ms"`
	NewestEventMs float64 `json:"newest_event_ms"`
}

// ScaleReport is what the scale scenario measured: memory as open cases
// accumulate on caches sized as caseflow dev sizes them, and the latency of an
// event to a case evicted from both caches and to one still cached.
type ScaleReport struct {
	WorkflowCache  int         `json:"workflow_cache"`
	ExecutionCache int         `json:"execution_cache"`
	Base           ScaleStep   `json:"base"`
	Steps          []ScaleStep `json:"steps"`
	// EvictedEventMs is the time of a verdict sent (Temporal client, update
	// completed) to the oldest parked case at the last step; CachedEventMs to
	// the newest one.
	EvictedEventMs float64 `json:"evicted_event_ms"`
	CachedEventMs  float64 `json:"cached_event_ms"`
}

// scaleSteps are the case counts memory is measured at, up to n.
func scaleSteps(n int) []int {
	var out []int
	for _, s := range []int{1000, 10000, 30000, 60000, 100000} {
		if s < n {
			out = append(out, s)
		}
	}
	return append(out, n)
}

// RunScale parks n PLC cases of caseflow (no baseline) on a fresh embedded
// server (synchronous=NORMAL, which parks faster) with the caches caseflow dev
// uses, measuring at 1k, 10k, 30k, 60k, 100k and n cases the process's memory,
// the inbox's latency and that of an event to the oldest parked case (evicted
// once the caches are full) and to the newest (cached), so that a run stopped
// early still has them at the scale it reached.
func RunScale(ctx context.Context, o Options, n int, stdout io.Writer) (ScaleReport, error) {
	var rep ScaleReport
	if n < 1 {
		return rep, fmt.Errorf("scale %d: want at least 1 case", n)
	}
	if err := o.setDefaults(); err != nil {
		return rep, err
	}
	rep.WorkflowCache, rep.ExecutionCache = o.WorkflowCache, o.ExecutionCache
	progress := func(format string, args ...any) { fmt.Fprintf(o.Progress, "bench scale: "+format+"\n", args...) }
	dir, cleanup, err := o.workDir()
	if err != nil {
		return rep, err
	}
	defer cleanup()
	h, err := startHarness(ctx, filepath.Join(dir, "scale"), "NORMAL", &o)
	if err != nil {
		return rep, err
	}
	defer h.stop()
	f := caseflowFlow{h}
	k := &keys{prefix: "scale"}
	mem, err := measureMemory()
	if err != nil {
		return rep, err
	}
	rep.Base = ScaleStep{RSS: mem.RSS, Heap: mem.Heap, Stack: mem.Stack, Goroutines: mem.Goroutines}
	timed := func(key string) (float64, error) {
		t0 := time.Now()
		if err := f.send(ctx, key, "verdict"); err != nil {
			return 0, err
		}
		return ms(time.Since(t0)), nil
	}
	began, parked := time.Now(), 0
	for i, step := range scaleSteps(n) {
		if err := h.parkMany(ctx, f, k, step-parked, max(o.InFlight, 8)); err != nil {
			return rep, err
		}
		parked = step
		mem, err := measureMemory()
		if err != nil {
			return rep, err
		}
		s := ScaleStep{Cases: step, RSS: mem.RSS, Heap: mem.Heap, Stack: mem.Stack, Goroutines: mem.Goroutines, Seconds: time.Since(began).Seconds()}
		if s.InboxMs, s.InboxTasks, err = h.inbox(ctx); err != nil {
			return rep, err
		}
		// The i-th case is the oldest no verdict has reached yet: each step
		// sends one to it and one to the newest, unless they are the same.
		if s.OldestEventMs, err = timed(fmt.Sprintf("%s-%d", k.prefix, i+1)); err != nil {
			return rep, err
		}
		if step > i+1 {
			if s.NewestEventMs, err = timed(fmt.Sprintf("%s-%d", k.prefix, step)); err != nil {
				return rep, err
			}
		}
		rep.Steps = append(rep.Steps, s)
		progress("%d cases parked in %.0fs: RSS %.0f MiB, Go heap %.0f MiB, stacks %.0f MiB (%d goroutines); inbox %.1f ms (%d tasks); verdict to the oldest %.1f ms, to the newest %.1f ms",
			step, s.Seconds, mib(s.RSS), mib(s.Heap), mib(s.Stack), s.Goroutines, s.InboxMs, s.InboxTasks, s.OldestEventMs, s.NewestEventMs)
	}
	if o.HeapProfile != nil {
		if err := pprof.Lookup("heap").WriteTo(o.HeapProfile, 0); err != nil {
			return rep, fmt.Errorf("heap profile: %w", err)
		}
	}
	last := rep.Steps[len(rep.Steps)-1]
	rep.EvictedEventMs, rep.CachedEventMs = last.OldestEventMs, last.NewestEventMs
	writeScale(stdout, rep)
	return rep, nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// inbox times GET /v1/tasks as an admin, without a role filter.
func (h *harness) inbox(ctx context.Context) (float64, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.apiURL+"/v1/tasks", nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+h.tokens[workflows.RoleAdmin])
	t0 := time.Now()
	resp, err := h.httpc.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("GET /v1/tasks: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET /v1/tasks: status %d: %v", resp.StatusCode, err)
	}
	return ms(time.Since(t0)), len(out.Items), nil
}

// writeScale prints the scale scenario's table.
func writeScale(w io.Writer, r ScaleReport) {
	fmt.Fprintf(w, "caseflow scale: parked PLC cases, worker cache %d cases, server execution cache %d\n\n", r.WorkflowCache, r.ExecutionCache)
	fmt.Fprintln(w, "| open cases | RSS | Go heap | stacks (goroutines) | RSS growth per case since the start | GET /v1/tasks, no role | verdict to the oldest / newest case |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range slices.Concat([]ScaleStep{r.Base}, r.Steps) {
		per, inbox, events := "—", "—", "—"
		if s.Cases > 0 {
			per = fmt.Sprintf("%.1f KiB", float64(s.RSS-r.Base.RSS)/float64(s.Cases)/1024)
			inbox = fmt.Sprintf("%.1f ms (%d tasks)", s.InboxMs, s.InboxTasks)
			events = fmt.Sprintf("%.1f / %.1f ms", s.OldestEventMs, s.NewestEventMs)
		}
		fmt.Fprintf(w, "| %d | %.0f MiB | %.0f MiB | %.0f MiB (%d) | %s | %s | %s |\n", s.Cases, mib(s.RSS), mib(s.Heap), mib(s.Stack), s.Goroutines, per, inbox, events)
	}
	fmt.Fprintf(w, "\nverdict to an evicted case: %.1f ms; to a cached case: %.1f ms\n", r.EvictedEventMs, r.CachedEventMs)
}
