package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/internal/calendar"
)

// Statuses of a due task.
const (
	TaskStatusOpen    = "open"
	TaskStatusOverdue = "overdue" // still open, its due has passed
	TaskStatusDone    = "done"
)

// DueTask is a human task with a due date, a reminder before it (when the
// assignee has an e-mail) and an overdue alert: the core opens, watches and
// completes it; the case type keeps it in its data and says what a reminder and
// an overdue alert do beyond the core's audit line and breached deadline.
type DueTask struct {
	TaskID   string     `json:"task_id"`
	Kind     string     `json:"kind"`
	Title    string     `json:"title"`
	Role     string     `json:"role"`
	Assignee string     `json:"assignee,omitempty"`
	Email    string     `json:"email,omitempty"`
	Due      time.Time  `json:"due"`
	RemindAt *time.Time `json:"remind_at,omitempty"`
	Reminded bool       `json:"reminded,omitempty"`
	// Deadline names the task's tracked deadline.
	Deadline    string     `json:"deadline"`
	Status      string     `json:"status"`
	Report      string     `json:"report,omitempty"`
	Attachments []string   `json:"attachments,omitempty"`
	DoneBy      string     `json:"done_by,omitempty"`
	DoneAt      *time.Time `json:"done_at,omitempty"`
}

// Open reports whether the task still waits for its assignee.
func (t *DueTask) Open() bool { return t.Status == TaskStatusOpen || t.Status == TaskStatusOverdue }

// DueTasks is a case type's list of due tasks, open and done, as its data keeps
// them.
type DueTasks []DueTask

// Find is the task with the ID; nil when there is none. The pointer is good
// until the next task is added.
func (ts DueTasks) Find(id string) *DueTask {
	for i := range ts {
		if ts[i].TaskID == id {
			return &ts[i]
		}
	}
	return nil
}

// finishTasks completes the open tasks of the kinds in ts (all kinds when none
// given).
func (c *caseCore) finishTasks(ctx workflow.Context, ts DueTasks, by, report string, kinds ...string) {
	for i := range ts {
		if len(kinds) == 0 || slices.Contains(kinds, ts[i].Kind) {
			c.completeTask(ctx, &ts[i], by, report, nil)
		}
	}
}

// taskKeeper is the behaviour of a case type with due tasks.
type taskKeeper interface {
	// dueTask finds a task the type keeps; nil when there is none. The pointer
	// is good until the next task is added.
	dueTask(id string) *DueTask
	// taskReminded runs the type's side effects of a reminder (a letter).
	taskReminded(ctx workflow.Context, t DueTask)
	// taskOverdue runs the type's side effects of an overdue task.
	taskOverdue(ctx workflow.Context, t DueTask)
}

// DueSpec is a due as people give it; the zero value means the task's policy.
type DueSpec struct {
	at     time.Time        // an RFC 3339 moment
	date   string           // YYYY-MM-DD: the close of that working day
	policy *calendar.Policy // working time from now, e.g. "3 working days"
}

// ParseDue reads a due as people give it; durations allows working time such
// as "3 working days" besides a time or a date.
func ParseDue(field, v string, durations bool) (DueSpec, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return DueSpec{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return DueSpec{at: t}, nil
	}
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return DueSpec{date: v}, nil
	}
	if durations {
		if p, err := calendar.ParsePolicy(field, v, calendar.DefaultCalendar); err == nil {
			return DueSpec{policy: &p}, nil
		}
		return DueSpec{}, fieldErr(field, "must be an RFC 3339 time, a date YYYY-MM-DD or working time such as \"3 working days\", not %q", v)
	}
	return DueSpec{}, fieldErr(field, "must be a date YYYY-MM-DD or an RFC 3339 time, not %q", v)
}

// mustDue is ParseDue of a value its event's Validate has already accepted.
func mustDue(field, v string, durations bool) DueSpec {
	s, err := ParseDue(field, v, durations)
	if err != nil {
		panic(fmt.Sprintf("unchecked due %s=%q: %v", field, v, err))
	}
	return s
}

// resolveDue turns a due as given into a time on the policy's calendar; the
// zero spec is the policy itself from now.
func (c *caseCore) resolveDue(field string, s DueSpec, policy string, now time.Time) (time.Time, calendar.Basis, error) {
	p, err := c.cals.Policy(policy)
	if err != nil {
		return time.Time{}, calendar.Basis{}, err
	}
	cal, err := c.cals.Calendar(p.Calendar)
	if err != nil {
		return time.Time{}, calendar.Basis{}, err
	}
	basis := calendar.Basis{Start: now, Policy: policy, Calendar: cal.Name, CalendarVersion: cal.Version()}
	switch {
	case !s.at.IsZero():
		basis.Duration = "until " + s.at.Format(time.RFC3339)
		return s.at, basis, nil
	case s.date != "":
		d, _ := time.Parse(time.DateOnly, s.date) // ParseDue checked it
		day := cal.Day(d.Year(), d.Month(), d.Day())
		if !day.Working {
			return time.Time{}, basis, fieldErr(field, "%s is not a working day on calendar %s", s.date, cal.Name)
		}
		basis.Duration = "until the close of " + s.date
		return day.Close, basis, nil
	case s.policy != nil:
		given := *s.policy
		given.Calendar = cal.Name
		at, err := given.Apply(cal, now)
		basis.Duration = given.String()
		return at, basis, err
	}
	d, err := c.cals.Due(policy, now)
	return d.Due, d.Basis, err
}

// TaskTiming is how a due task's due and reminder are computed.
type TaskTiming struct {
	// Due is the due as given; zero: Policy from now.
	Due    DueSpec
	Policy string
	// Reminder is the policy that places the reminder before the due (counted
	// back from it); empty: no reminder.
	Reminder string
	// Events are the events that complete the task.
	Events []string
}

// openTask opens a due task: the inbox task, its tracked deadline and its
// reminder time. The type keeps the returned task in its data (and records or
// announces it), then calls watchTask.
func (c *caseCore) openTask(ctx workflow.Context, t DueTask, timing TaskTiming) (DueTask, error) {
	now := workflow.Now(ctx)
	at, basis, err := c.resolveDue("due", timing.Due, timing.Policy, now)
	if err != nil {
		return t, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unable to compute the due of %q: %v", t.Title, err), "Config", err)
	}
	task := c.addTask(ctx, Task{Title: t.Title, Role: t.Role, Assignee: t.Assignee, Due: at, Events: timing.Events})
	t.TaskID, t.Due, t.Status = task.ID, at, TaskStatusOpen
	t.Deadline = t.Kind + ":" + shortTaskID(task.ID)
	if t.Email != "" && timing.Reminder != "" {
		if r, err := c.cals.DueBefore(timing.Reminder, at); err == nil && r.Due.After(now) {
			t.RemindAt = &r.Due
		}
	}
	c.deadline = append(c.deadline, Deadline{Name: t.Deadline, Due: at, Basis: basis})
	c.searchChanged(ctx)
	return t, nil
}

// completeTask marks an open due task done: its deadline kept (or late), the
// inbox task closed. It reports false for a task that was not open.
func (c *caseCore) completeTask(ctx workflow.Context, t *DueTask, by, report string, attachments []string) bool {
	if t == nil || !t.Open() {
		return false
	}
	now := workflow.Now(ctx)
	t.Status, t.DoneBy, t.DoneAt, t.Report = TaskStatusDone, by, &now, report
	t.Attachments = append(t.Attachments, attachments...)
	c.meet(ctx, t.Deadline)
	c.closeTask(ctx, t.TaskID)
	return true
}

// watchTask reminds the assignee before a task's due and breaches the task when
// the due passes with the task still open. It runs beside the case's main line.
func (c *caseCore) watchTask(ctx workflow.Context, id string) {
	k := c.behaviour.(taskKeeper)
	t := k.dueTask(id)
	if t == nil {
		return
	}
	due, remindAt, reminded, overdue := t.Due, t.RemindAt, t.Reminded, t.Status == TaskStatusOverdue
	closed := func() bool {
		t := k.dueTask(id)
		return t == nil || !t.Open() || c.terminal()
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		open := func() bool { return !closed() }
		if remindAt != nil && !reminded && !overdue {
			timedOut, err := c.waitUntil(ctx, *remindAt, "reminder "+shortTaskID(id), closed)
			// The timer may fire in the same workflow task that closed the task.
			if err != nil || !timedOut || closed() {
				return
			}
			c.watching(ctx, open, func() { c.remind(ctx, k, id) })
		}
		if overdue {
			return
		}
		timedOut, err := c.waitUntil(ctx, due, "due "+shortTaskID(id), closed)
		if err != nil || !timedOut || closed() {
			return
		}
		c.watching(ctx, open, func() { c.overdue(ctx, k, id) })
	})
}

// remind records the reminder before a task's due and lets the type send it.
func (c *caseCore) remind(ctx workflow.Context, k taskKeeper, id string) {
	t := k.dueTask(id)
	t.Reminded = true
	task := *t
	c.note(ctx, "task_reminder", fmt.Sprintf("%s: reminded %s, due %s", task.TaskID, task.Assignee, task.Due.Format(time.RFC3339)))
	c.busy++
	defer func() { c.busy-- }()
	k.taskReminded(ctx, task)
}

// overdue breaches a task whose due passed and lets the type alert.
func (c *caseCore) overdue(ctx workflow.Context, k taskKeeper, id string) {
	t := k.dueTask(id)
	t.Status = TaskStatusOverdue
	task := *t
	c.breach(ctx, task.Deadline)
	c.busy++
	defer func() { c.busy-- }()
	k.taskOverdue(ctx, task)
}

// shortTaskID is the case-local part of a task ID ("t4").
func shortTaskID(id string) string { return id[strings.LastIndex(id, "-")+1:] }
