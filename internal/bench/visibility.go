package bench

import (
	"context"
	"maps"
	"sync"
	"time"

	"go.temporal.io/server/common/metrics"
)

// visibilityCounter is a server metrics handler that counts the writes of the
// visibility store — a workflow's start, its search-attribute upserts and its
// close, as the server performs them — and records nothing else. The server
// writes fewer than a history's upsert events suggest: its visibility queue
// skips an upsert whose execution has closed by the time the task runs (the
// upsert in the workflow task that completes a case among them; the close's
// record holds the final attributes).
type visibilityCounter struct {
	metrics.Handler // no-op: every other metric
	op              string
	n               *visibilityCounts
}

type visibilityCounts struct {
	mu   sync.Mutex
	byOp map[string]int64
}

// visibilityWriteOps are the visibility store's operations that write a
// workflow's record.
var visibilityWriteOps = []string{
	metrics.VisibilityPersistenceRecordWorkflowExecutionStartedScope,
	metrics.VisibilityPersistenceUpsertWorkflowExecutionScope,
	metrics.VisibilityPersistenceRecordWorkflowExecutionClosedScope,
}

func newVisibilityCounter() *visibilityCounter {
	return &visibilityCounter{Handler: metrics.NoopMetricsHandler, n: &visibilityCounts{byOp: map[string]int64{}}}
}

// WithTags keeps the operation a visibility call is tagged with.
func (h *visibilityCounter) WithTags(tags ...metrics.Tag) metrics.Handler {
	for _, t := range tags {
		if t.Key == metrics.OperationTagName {
			return &visibilityCounter{Handler: h.Handler, op: t.Value, n: h.n}
		}
	}
	return h
}

// Counter counts the visibility store's requests by operation.
func (h *visibilityCounter) Counter(name string) metrics.CounterIface {
	if name != metrics.VisibilityPersistenceRequests.Name() {
		return h.Handler.Counter(name)
	}
	return metrics.CounterFunc(func(v int64, _ ...metrics.Tag) {
		h.n.mu.Lock()
		h.n.byOp[h.op] += v
		h.n.mu.Unlock()
	})
}

// byOp is how many records the visibility store has written so far, by
// operation.
func (h *visibilityCounter) byOp() map[string]int64 {
	h.n.mu.Lock()
	defer h.n.mu.Unlock()
	out := make(map[string]int64, len(visibilityWriteOps))
	for _, op := range visibilityWriteOps {
		out[op] = h.n.byOp[op]
	}
	return out
}

// settled waits until the counts have not moved for quiet (the visibility
// queue runs after the cases it writes for have closed), at most limit, and
// returns them by operation.
func (h *visibilityCounter) settled(ctx context.Context, quiet, limit time.Duration) map[string]int64 {
	last, since, end := h.byOp(), time.Now(), time.Now().Add(limit)
	for time.Now().Before(end) && ctx.Err() == nil {
		time.Sleep(quiet / 5)
		if n := h.byOp(); !maps.Equal(n, last) {
			last, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			break
		}
	}
	return last
}
