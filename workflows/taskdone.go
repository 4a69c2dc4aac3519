package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// EventTaskDone marks a human task done that no event of the case type
// completes — a "do it manually" task left by a failed side effect, say. It is
// the platform's event, legal in every type while such a task is open, and
// moves no machine.
const EventTaskDone = "task_done"

// TaskDoneData names the task and what was done.
type TaskDoneData struct {
	TaskID string `json:"task_id"`
	Note   string `json:"note" jsonschema:"description=what was done"`
}

// Validate requires the task and the note.
func (d *TaskDoneData) Validate() error {
	return firstErr(required("task_id", d.TaskID), required("note", d.Note))
}

// AuditNote names the task and what was done.
func (d *TaskDoneData) AuditNote() string { return d.TaskID + ": " + d.Note }

// PlatformEvents are the events every case type takes besides its own; they
// fire no machine event.
var PlatformEvents = []EventSpec{
	newPlatformEvent[TaskDoneData](EventTaskDone,
		"A task no event of the case completes is done (the role that owns it, a supervisor or an admin): it leaves the inbox, the audit trail says what was done.",
		Roles),
	newPlatformEvent[TaskClaimData](EventClaimTask,
		"A person takes an open task (its role, a supervisor or an admin): it shows as theirs in the inbox until they give it back or it is done; audited.",
		Roles),
	newPlatformEvent[TaskClaimData](EventUnclaimTask,
		"A taken task goes back to its role's queue (the person who took it, a supervisor or an admin); audited.",
		Roles),
}

// newPlatformEvent describes a platform event: no machine event.
func newPlatformEvent[T any](name, doc string, roles []string) EventSpec {
	e := newEvent[T](name, doc, roles, nil)
	e.FSMEvents = nil
	return e
}

// platform reports whether spec is a platform event.
func (e *EventSpec) platform() bool { return len(e.FSMEvents) == 0 }

// manualTasks are the open tasks that only task_done completes.
func (c *caseCore) manualTasks() []string {
	var ids []string
	for _, t := range c.tasks {
		if len(t.Events) == 0 {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// checkPlatform decides whether a platform event may enter the case.
func (c *caseCore) checkPlatform(req EventRequest, spec *EventSpec, data any) error {
	if d, ok := data.(*TaskClaimData); ok {
		return c.checkClaim(req, d)
	}
	d := data.(*TaskDoneData)
	open := c.manualTasks()
	t := c.findTask(d.TaskID)
	switch {
	case len(open) == 0:
		return refuseIllegal(req.Event, c.state(), c.allowedEvents())
	case t == nil:
		return refuseData(ErrTypeInvalidData, fieldErr("task_id", "%q is no open task of this case (open: %s)", d.TaskID, strings.Join(open, ", ")))
	case !slices.Contains(open, t.ID):
		return refuseData(ErrTypeInvalidData, fieldErr("task_id", "task %s is completed by %s, not %s", t.ID, strings.Join(t.Events, " or "), EventTaskDone))
	case req.Actor.Role != t.Role && req.Actor.Role != RoleSupervisor && req.Actor.Role != RoleAdmin:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("task %s is the %s role's: %q may not mark it done", t.ID, t.Role, req.Actor.Role), ErrTypeForbidden, nil)
	}
	return nil
}

// applyPlatform runs a platform event: the task leaves the inbox, audited.
func (c *caseCore) applyPlatform(ctx workflow.Context, ev *Event) {
	if d, ok := ev.Data.(*TaskClaimData); ok {
		c.applyClaim(ctx, ev, d)
		return
	}
	d := ev.Data.(*TaskDoneData)
	c.history = append(c.history, HistoryEntry{At: workflow.Now(ctx), Event: EventTaskDone, From: c.state(), To: c.state(),
		Actor: ev.Who(), Note: d.AuditNote()})
	c.noteBytes += len(d.AuditNote())
	c.closeTask(ctx, d.TaskID)
}
