package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"
)

// CoreState is the shared part of a running case, carried from one run to the next
// across continue-as-new: the machine's state, tasks, deadlines, the audit trail
// and the counters that keep task IDs and idempotency keys unique. A case type
// carries its own data beside it in its input.
type CoreState struct {
	State     string         `json:"state"`
	OpenedAt  time.Time      `json:"opened_at"`
	Tasks     []Task         `json:"tasks"`
	Done      []Task         `json:"done,omitempty"`
	Deadlines []Deadline     `json:"deadlines"`
	History   []HistoryEntry `json:"history"`
	Related   []CaseLink     `json:"related,omitempty"`
	Seq       int            `json:"seq"`
	TaskSeq   int            `json:"task_seq"`
	// Runs counts the runs that came before this one.
	Runs int `json:"runs"`
}

// snapshot captures the case's shared state for the next run; runs counts the
// runs that came before that one.
func (c *caseCore) snapshot(runs int) *CoreState {
	return &CoreState{
		State:     c.state(),
		OpenedAt:  c.openedAt,
		Tasks:     slices.Clone(c.tasks),
		Done:      slices.Clone(c.done),
		Deadlines: slices.Clone(c.deadline),
		History:   slices.Clone(c.history),
		Related:   slices.Clone(c.related),
		Seq:       c.seq,
		TaskSeq:   c.taskSeq,
		Runs:      runs,
	}
}

// restoreCore puts a carried state back into a core built by newCore, before the
// handlers are set up. Deadlines are restored, not watched: the case type decides
// which watchers to restart.
func (c *caseCore) restoreCore(ctx workflow.Context, s *CoreState) {
	c.machine = c.ct.Machine.New(s.State)
	c.openedAt = s.OpenedAt
	c.tasks = slices.Clone(s.Tasks)
	c.done = slices.Clone(s.Done)
	c.deadline = slices.Clone(s.Deadlines)
	c.history = slices.Clone(s.History)
	c.related = slices.Clone(s.Related)
	for _, h := range c.history {
		if h.Actor != RoleSystem {
			c.noteBytes += len(h.Note)
			if h.From == h.To && !isPlatformEvent(h.Event) {
				c.selfLoops++
			}
		}
	}
	c.seq, c.taskSeq = s.Seq, s.TaskSeq
	c.searchChanged(ctx)
}

// continueAsNew ends run number runs+1 (runs came before it) and starts the next
// with the input that next builds around the carried state. It waits until no update
// handler is running and idle (when given) holds: a handler cut off halfway would
// lose what it had done.
func (c *caseCore) continueAsNew(ctx workflow.Context, runs int, idle func() bool, next func(carry *CoreState) (any, error)) error {
	err := workflow.Await(ctx, func() bool {
		return workflow.AllHandlersFinished(ctx) && (idle == nil || idle())
	})
	if err != nil {
		return err
	}
	c.note(ctx, "continued_as_new", fmt.Sprintf("run %d continues as new in state %s", runs+1, c.state()))
	in, err := next(c.snapshot(runs + 1))
	if err != nil {
		return err
	}
	return workflow.NewContinueAsNewError(ctx, c.ct.Name, in)
}

// continueAsNewSuggested reports whether the server asks this run to continue as
// new because its history grew large.
func continueAsNewSuggested(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}
