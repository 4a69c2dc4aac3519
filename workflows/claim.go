package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The platform's task claims: a person takes an open task ("Взять") and gives
// it back ("Вернуть"). Like task_done they are audited updates that move no
// machine; they are never among a case's allowed events (they act on a task,
// not on the case).
const (
	EventClaimTask   = "claim_task"
	EventUnclaimTask = "unclaim_task"
)

// Versions of the claim commands (workflow.GetVersion change claimChange). No
// run recorded before claims existed holds one (an older worker refuses the
// events), so the version only marks the commands a claim emits.
const (
	claimChange = "caseflow-claim-task"
	// claimV1: a claim or an unclaim upserts the case's search attributes (the
	// taker's name joins CaseTaskAssignees).
	claimV1 workflow.Version = 1
)

// TaskClaimData names the task taken or given back.
type TaskClaimData struct {
	TaskID string `json:"task_id" jsonschema:"title=Задача,description=the open task's ID"`
}

// Validate requires the task.
func (d *TaskClaimData) Validate() error { return required("task_id", d.TaskID) }

// AuditNote names the task.
func (d *TaskClaimData) AuditNote() string { return d.TaskID }

// isPlatformEvent reports whether name is one of PlatformEvents.
func isPlatformEvent(name string) bool {
	return slices.ContainsFunc(PlatformEvents, func(e EventSpec) bool { return e.Name == name })
}

// checkClaim decides whether a claim or an unclaim may enter the case.
func (c *caseCore) checkClaim(req EventRequest, d *TaskClaimData) error {
	t := c.findTask(d.TaskID)
	if t == nil {
		open := make([]string, len(c.tasks))
		for i, x := range c.tasks {
			open[i] = x.ID
		}
		return refuseData(ErrTypeInvalidData, fieldErr("task_id", "%q is no open task of this case (open: %s)", d.TaskID, strings.Join(open, ", ")))
	}
	boss := req.Actor.Role == RoleSupervisor || req.Actor.Role == RoleAdmin
	switch req.Event {
	case EventClaimTask:
		switch {
		case req.Actor.Role != t.Role && !boss:
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("task %s is the %s role's: %q may not take it", t.ID, t.Role, req.Actor.Role), ErrTypeForbidden, nil)
		case req.Actor.Name == "" || len([]rune(req.Actor.Name)) > MaxAssigneeChars:
			return refuseData(ErrTypeInvalidData, fieldErr("actor", "a task is taken by a named caller of at most %d characters", MaxAssigneeChars))
		case t.ClaimedBy != "":
			return refuseTask(req.Event, c.state(), fmt.Sprintf("task %s is already taken by %s", t.ID, t.ClaimedBy))
		}
	case EventUnclaimTask:
		switch {
		case t.ClaimedBy == "":
			return refuseTask(req.Event, c.state(), fmt.Sprintf("task %s is taken by nobody", t.ID))
		case t.ClaimedBy != req.Actor.Name && !boss:
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("task %s is taken by %s: only they, a supervisor or an admin may give it back", t.ID, t.ClaimedBy), ErrTypeForbidden, nil)
		}
	}
	return nil
}

// refuseTask refuses a claim that the task's state does not admit, as a
// conflict naming the case's state (its allowed events are unchanged).
func refuseTask(event, state, why string) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s refused: %s", event, why), ErrTypeIllegalTransition, nil,
		RefusalDetails{State: state})
}

// applyClaim takes or gives back the task, audited.
func (c *caseCore) applyClaim(ctx workflow.Context, ev *Event, d *TaskClaimData) {
	v := c.changeVersion(ctx, claimChange, claimV1)
	t := c.findTask(d.TaskID)
	if ev.Request.Event == EventClaimTask {
		t.ClaimedBy = ev.Request.Actor.Name
	} else {
		t.ClaimedBy = ""
	}
	note := d.AuditNote() + " — " + t.Title
	c.history = append(c.history, HistoryEntry{At: workflow.Now(ctx), Event: ev.Request.Event, From: c.state(), To: c.state(),
		Actor: ev.Who(), Note: note})
	c.noteBytes += len(note)
	if v >= claimV1 {
		c.searchChanged(ctx)
	}
}
