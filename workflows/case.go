package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/looplab/fsm"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/calendar"
	"github.com/caseflow/caseflow/statemachines"
)

// a references the activities for workflow code; the worker registers the real value.
var a *activities.Activities

// caseCore is the part every case workflow shares: the machine, the audit trail,
// tasks, deadlines, the update/query handlers and search attributes. A case
// type's Behaviour runs on it.
type caseCore struct {
	meta      CaseMeta
	ct        *CaseType
	behaviour Behaviour
	machine   *fsm.FSM
	cals      *calendar.Set
	openedAt  time.Time
	tasks     []Task
	done      []Task
	deadline  []Deadline
	history   []HistoryEntry
	related   []CaseLink
	seq       int
	taskSeq   int
	lock      workflow.Mutex
	// busy counts side effects that watchers have in flight: a run does not
	// continue as new while one is.
	busy int
	// version is the version of the core's commands this run started with.
	version workflow.Version
	// settling is set while the intake's side effects run outside the lock.
	settling bool
	// selfLoops and noteBytes count what the case's limits bound.
	selfLoops int
	noteBytes int
	// decisions is what the run knows of its decision letters (decision.go).
	decisions decisionState
	// slim is the version of the slim-history change this run started with
	// (workflow.GetVersion change slimChange).
	slim workflow.Version
	// release is the run's version of releaseChange: DefaultVersion for a run
	// started before the release folded its change IDs into one.
	release workflow.Version
	// searchDirty is set when a search attribute may have changed since the
	// last upsert (slimV1): a search flusher (flushLater) is then pending.
	searchDirty bool
	// moves counts what can lead a coroutine to change a search attribute in a
	// later pass of the same workflow task: a change itself, an activity's
	// result, the intake settling, a side effect of atOnce ending, the case
	// lock let go. The search flusher of a run started on release2612b waits
	// for a pass in which it did not grow.
	moves int
	// flushCtx is the context the search flusher runs in: the workflow's,
	// disconnected from its cancellation.
	flushCtx workflow.Context
}

// Versions of the core's commands (workflow.GetVersion change coreChange).
// Runs started before a version replay the commands they were started with.
const (
	coreChange = "caseflow-core"
	// coreV1: deadlines count from the workflow's start (the intake), not from
	// when a worker first ran it; waits cancel their timers when the awaited
	// event wins; task and deadline watchers act holding the case lock.
	coreV1 workflow.Version = 1
	// coreV2: a case registers before its intake's side effects run, outside
	// the lock (settle): people's events enter meanwhile and their side effects
	// wait for the intake's.
	coreV2 workflow.Version = 2
	// coreV3: a PLC verdict closes the escalation tasks it ends, never a
	// failed side effect's to-do.
	coreV3 workflow.Version = 3
)

// Versions of the slim-history change (workflow.GetVersion change slimChange).
const (
	slimChange = "caseflow-slim"
	// slimV1: search attributes are upserted once per workflow task, only the
	// ones whose value changed, by the search flusher; an update's result is
	// the small EventResult, not the whole view.
	slimV1 workflow.Version = 1
)

// The release change (workflow.GetVersion change releaseChange) folds the
// change IDs of a release into one: a case started on this code records one
// version marker, and one TemporalChangeVersion upsert, instead of one per
// change ID it meets. A run started before it has no marker of releaseChange:
// it reads DefaultVersion there and asks each change ID as it did. A change
// made after release2612 asks its own change ID with workflow.GetVersion — not
// changeVersion, which would hand it to cases started on release2612 that never
// ran it — until a later release version folds it in the same way.
const (
	releaseChange = "caseflow-release"
	// release2612: every change up to 2026-12 at its newest version —
	// coreV3, slimV1, plcSeedV1, claimSeedV1, bounceV1, claimV1 — and the case's
	// result is the small CaseResult (the view stays readable by query).
	release2612 workflow.Version = 1
	// release2612b: release2612, and a PLC case's intake sends its letters
	// and opens its ticket at once once the consultation is recorded, the
	// engineer's request first, instead of one after another; the search
	// flusher waits for a pass without a change (flushLater).
	release2612b workflow.Version = 2
	// release2612c: release2612b, and a person's event records what it settles
	// by itself (a deadline it meets, the tasks it ends: Recorder) when it
	// enters, before its side effects wait for the intake's. A verdict given
	// while the intake's letters still retry meets its deadline then, and its
	// state and that deadline reach visibility in one upsert. A case that has
	// ended upserts its last values in the workflow task that completes it,
	// which the server folds into the close record (flushLater).
	release2612c workflow.Version = 3
	// release2612d: release2612c, and a wait with a deadline (awaitUntil)
	// watches its timer from its own condition instead of from a coroutine
	// of its own. The commands are those of release2612c; a case waiting on
	// a deadline keeps half the coroutines, each of which a workflow task
	// resumes on every pass, in its first run and on every replay.
	release2612d workflow.Version = 4
)

// newCore builds the shared part of a case in the machine's initial state.
func newCore(ctx workflow.Context, meta CaseMeta, ct *CaseType, cals *calendar.Set) *caseCore {
	c := &caseCore{
		meta:     meta,
		ct:       ct,
		machine:  ct.Machine.New(""),
		cals:     cals,
		openedAt: workflow.Now(ctx),
		lock:     workflow.NewMutex(ctx),
		release:  workflow.GetVersion(ctx, releaseChange, workflow.DefaultVersion, release2612d),
	}
	c.version = c.changeVersion(ctx, coreChange, coreV3)
	c.slim = c.changeVersion(ctx, slimChange, slimV1)
	c.flushCtx, _ = workflow.NewDisconnectedContext(ctx)
	if c.version >= coreV1 {
		// The intake's moment: the server's start of the workflow, however
		// late a worker first runs it.
		c.openedAt = workflow.GetInfo(ctx).WorkflowStartTime
	}
	return c
}

// settle runs the intake's side effects outside the lock (coreV2): people's
// events enter meanwhile, and their own side effects wait until these are done.
func (c *caseCore) settle(effects func()) {
	c.settling = true
	defer func() { c.settling = false; c.moves++ }()
	effects()
}

// atOnce runs side effects side by side, each in its own coroutine, and
// returns when all have. The coroutines start in the order given, so their
// first commands are recorded in that order in one workflow task; each goes
// on as its own results come in.
func (c *caseCore) atOnce(ctx workflow.Context, effects ...func(workflow.Context)) {
	wg := workflow.NewWaitGroup(ctx)
	for _, effect := range effects {
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer func() { c.moves++; wg.Done() }()
			effect(ctx)
		})
	}
	wg.Wait(ctx)
}

// waitUntil waits until cond holds or due passes and reports whether due passed
// first. Since coreV1 the timer is cancelled when cond wins; runs started
// before keep the wait they were recorded with (its timer outlives the wait).
func (c *caseCore) waitUntil(ctx workflow.Context, due time.Time, summary string, cond func() bool) (bool, error) {
	if c.version >= coreV1 {
		return c.awaitUntil(ctx, due, summary, cond)
	}
	var ok bool
	var err error
	if summary == "" {
		ok, err = workflow.AwaitWithTimeout(ctx, until(ctx, due), cond)
	} else {
		ok, err = workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: until(ctx, due), TimerOptions: workflow.TimerOptions{Summary: summary}}, cond)
	}
	return !ok, err
}

// watching runs a watcher's action: since coreV1 holding the case lock, so it
// never races a person's event on the same record, and only if still wanted.
func (c *caseCore) watching(ctx workflow.Context, wanted func() bool, act func()) {
	if c.version < coreV1 {
		act()
		return
	}
	// The lock's only error is a cancelled case: then nothing is due.
	_ = c.locked(ctx, func() error {
		if wanted() {
			act()
		}
		return nil
	})
}

// locked runs f holding the case's lock: no person's event enters meanwhile.
func (c *caseCore) locked(ctx workflow.Context, f func() error) error {
	if err := c.lock.Lock(ctx); err != nil {
		return err
	}
	defer func() { c.lock.Unlock(); c.moves++ }()
	return f()
}

// setup registers the query and update handlers. Call it before anything blocks.
func (c *caseCore) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryView, func() (CaseView, error) { return c.view(), nil }); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (string, error) { return c.state(), nil }); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateEvent,
		func(ctx workflow.Context, req EventRequest) (any, error) {
			err := c.locked(ctx, func() error {
				// An earlier update may have moved the case while this one waited.
				ev, err := c.check(req)
				if err != nil {
					return err
				}
				if ev.Spec.platform() {
					c.applyPlatform(ctx, ev)
					return nil
				}
				note := auditNote(ev.Data)
				if err := c.fire(ctx, ev.Spec.FSMEvent(ev.Data), req.Actor, note); err != nil {
					return err
				}
				c.noteBytes += len(note)
				if c.state() == ev.From {
					c.selfLoops++
				}
				if r, ok := c.behaviour.(Recorder); ok && c.release >= release2612c {
					r.Record(ctx, ev)
				}
				// The event is in; its side effects follow the intake's.
				if err := workflow.Await(ctx, func() bool { return !c.settling }); err != nil {
					return err
				}
				if err := c.behaviour.Apply(ctx, ev); err != nil {
					return err
				}
				c.searchChanged(ctx)
				return nil
			})
			if err != nil {
				return nil, err
			}
			if c.slim >= slimV1 {
				// The history keeps this small result, not the whole view.
				r := c.result()
				r.replayed = workflow.IsReplaying(ctx)
				return r, nil
			}
			return c.view(), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req EventRequest) error {
			_, err := c.check(req)
			return err
		}},
	)
}

// check decides whether an event may enter the case: known, sent by a permitted
// role, with valid data, legal in the current state, and not refused by the
// type's guard.
func (c *caseCore) check(req EventRequest) (*Event, error) {
	spec := c.ct.Event(req.Event)
	if spec == nil {
		return nil, refuseData(ErrTypeUnknownEvent,
			fieldErr("event", "%q is not an event of case type %s (events: %v)", req.Event, c.ct.Name, c.ct.EventNames()))
	}
	if !spec.Allows(req.Actor.Role) {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("role %q may not send %s (allowed: %v)", req.Actor.Role, req.Event, spec.Roles), ErrTypeForbidden, nil)
	}
	data, err := spec.Decode(req.Data)
	if err != nil {
		return nil, refuseData(ErrTypeInvalidData, err)
	}
	if spec.platform() {
		if err := c.checkPlatform(req, spec, data); err != nil {
			return nil, err
		}
		return &Event{Request: req, Spec: spec, Data: data, From: c.state()}, nil
	}
	if !c.machine.Can(spec.FSMEvent(data)) {
		return nil, refuseIllegal(req.Event, c.state(), c.allowedEvents())
	}
	if c.ct.Machine.Stays(spec.FSMEvent(data), c.state()) && c.selfLoops >= MaxSelfLoops {
		return nil, refuseLimit("case %s has taken %d %s-like events in state %s, its limit: open a new case linked to it",
			c.meta.ID, MaxSelfLoops, req.Event, c.state())
	}
	if n := len(auditNote(data)); c.noteBytes+n > MaxNoteBytes {
		return nil, refuseLimit("case %s's notes would pass %d KiB (the note is %d bytes, %d are used): shorten it or attach a document",
			c.meta.ID, MaxNoteBytes>>10, n, c.noteBytes)
	}
	ev := &Event{Request: req, Spec: spec, Data: data, From: c.state()}
	if err := c.behaviour.Guard(ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// auditNoter is event data that says what its audit line notes.
type auditNoter interface{ AuditNote() string }

// auditNote is the audit line's note for an event's data.
func auditNote(data any) string {
	if n, ok := data.(auditNoter); ok {
		return n.AuditNote()
	}
	return ""
}

func (c *caseCore) state() string { return c.machine.Current() }

func (c *caseCore) terminal() bool { return c.ct.Machine.IsTerminal(c.state()) }

// allowedEvents are the people's events legal now, sorted.
func (c *caseCore) allowedEvents() []string {
	legal := statemachines.Allowed(c.machine)
	var out []string
	for i := range c.ct.Events {
		e := &c.ct.Events[i]
		for _, fe := range e.FSMEvents {
			if slices.Contains(legal, fe) {
				out = append(out, e.Name)
				break
			}
		}
	}
	if len(c.manualTasks()) > 0 {
		out = append(out, EventTaskDone)
	}
	slices.Sort(out)
	return out
}

// fire moves the machine and writes the audit line.
func (c *caseCore) fire(ctx workflow.Context, event string, actor Actor, note string) error {
	from := c.state()
	if err := statemachines.Fire(c.machine, event); err != nil {
		var illegal *statemachines.IllegalTransitionError
		if errors.As(err, &illegal) {
			return refuseIllegal(event, illegal.State, c.allowedEvents())
		}
		return err
	}
	c.seq++
	c.history = append(c.history, HistoryEntry{At: workflow.Now(ctx), Event: event, From: from, To: c.state(), Actor: actor.Label(), Note: note})
	c.searchChanged(ctx)
	return nil
}

// note writes an audit line that moves nothing (a task breached, a letter failed).
func (c *caseCore) note(ctx workflow.Context, event, note string) {
	c.history = append(c.history, HistoryEntry{At: workflow.Now(ctx), Event: event, From: c.state(), To: c.state(), Actor: RoleSystem, Note: note})
}

// key is the idempotency key of a side effect: workflow ID + step.
func (c *caseCore) key(step string) string { return WorkflowID(c.meta.Type, c.meta.ID) + "/" + step }

// step names a side effect of the current event uniquely within the case.
func (c *caseCore) step(name string) string { return strconv.Itoa(c.seq) + "-" + name }

// addDeadline computes a deadline from a policy and starts tracking it.
func (c *caseCore) addDeadline(ctx workflow.Context, name, policy string, start time.Time) (Deadline, error) {
	d, err := c.cals.Due(policy, start)
	if err != nil {
		return Deadline{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unable to compute deadline %s: %v", name, err), "Config", err)
	}
	dl := Deadline{Name: name, Due: d.Due, Basis: d.Basis}
	c.deadline = slices.DeleteFunc(c.deadline, func(x Deadline) bool { return x.Name == name })
	c.deadline = append(c.deadline, dl)
	c.searchChanged(ctx)
	return dl, nil
}

func (c *caseCore) findDeadline(name string) *Deadline {
	for i := range c.deadline {
		if c.deadline[i].Name == name {
			return &c.deadline[i]
		}
	}
	return nil
}

// meet marks a deadline kept (or late, if it had already breached).
func (c *caseCore) meet(ctx workflow.Context, name string) {
	if d := c.findDeadline(name); d != nil && !d.Met {
		at := workflow.Now(ctx)
		d.Met, d.MetAt = true, &at
		if !d.Breached {
			c.countDeadline(ctx, MetricDeadlinesMet, d)
		}
		c.searchChanged(ctx)
	}
}

// breach marks a deadline broken.
func (c *caseCore) breach(ctx workflow.Context, name string) {
	if d := c.findDeadline(name); d != nil && !d.Met && !d.Breached {
		d.Breached = true
		c.countDeadline(ctx, MetricDeadlinesBreached, d)
		c.note(ctx, "deadline_breached", fmt.Sprintf("%s was due %s", name, d.Due.Format(time.RFC3339)))
		c.searchChanged(ctx)
	}
}

// watchDeadline breaches the named deadline when it passes unmet. It runs beside
// the case's main line and ends when the deadline is met or the case ends.
func (c *caseCore) watchDeadline(ctx workflow.Context, name string) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		d := c.findDeadline(name)
		if d == nil {
			return
		}
		due := d.Due
		kept := func() bool {
			d := c.findDeadline(name)
			return d == nil || d.Met || d.Due != due || c.terminal()
		}
		timedOut, err := c.waitUntil(ctx, due, "", kept)
		// An error is a cancelled case: nothing is breached by a cancellation.
		if err == nil && timedOut {
			c.watching(ctx, func() bool { return !kept() }, func() { c.breach(ctx, name) })
		}
	})
}

// addTask opens a human task.
func (c *caseCore) addTask(ctx workflow.Context, t Task) Task {
	c.taskSeq++
	t.ID = fmt.Sprintf("%s-t%d", c.meta.ID, c.taskSeq)
	t.CaseID = c.meta.ID
	c.tasks = append(c.tasks, t)
	c.searchChanged(ctx)
	return t
}

// closeTask closes an open task.
func (c *caseCore) closeTask(ctx workflow.Context, id string) {
	i := slices.IndexFunc(c.tasks, func(t Task) bool { return t.ID == id })
	if i < 0 {
		return
	}
	c.done = append(c.done, c.tasks[i])
	c.tasks = slices.Delete(c.tasks, i, i+1)
	c.searchChanged(ctx)
}

func (c *caseCore) findTask(id string) *Task {
	for i := range c.tasks {
		if c.tasks[i].ID == id {
			return &c.tasks[i]
		}
	}
	return nil
}

// view is the case as people see it.
func (c *caseCore) view() CaseView {
	v := CaseView{
		ID:            c.meta.ID,
		Type:          c.meta.Type,
		WorkflowID:    WorkflowID(c.meta.Type, c.meta.ID),
		State:         c.state(),
		Closed:        c.terminal(),
		AllowedEvents: c.allowedEvents(),
		Tasks:         slices.Clone(c.tasks),
		Deadlines:     slices.Clone(c.deadline),
		History:       slices.Clone(c.history),
		OpenedAt:      c.openedAt,
		Related:       slices.Clone(c.related),
	}
	if v.Related == nil {
		v.Related = []CaseLink{}
	}
	if v.AllowedEvents == nil {
		v.AllowedEvents = []string{}
	}
	if v.Tasks == nil {
		v.Tasks = []Task{}
	}
	if c.behaviour != nil {
		v.Data = c.behaviour.View()
	}
	return v
}

// result is where the case stands after an event: the UpdateEvent update's
// result since slimV1.
func (c *caseCore) result() EventResult {
	r := EventResult{ID: c.meta.ID, Type: c.meta.Type, State: c.state(), Closed: c.terminal(), AllowedEvents: c.allowedEvents()}
	if r.AllowedEvents == nil {
		r.AllowedEvents = []string{}
	}
	return r
}

// searchValues are the search attributes a case keeps, as of now.
type searchValues struct {
	breached  bool
	next      time.Time // zero: unset
	roles     []string
	assignees []string
	related   []string // nil: not set (cases recorded before it replay the same)
}

// search computes the case's search attributes.
func (c *caseCore) search() searchValues {
	v := searchValues{roles: []string{}, assignees: []string{}}
	for _, d := range c.deadline {
		v.breached = v.breached || d.Breached
		if !d.Met && !d.Breached && (v.next.IsZero() || d.Due.Before(v.next)) {
			v.next = d.Due
		}
	}
	for _, t := range c.tasks {
		if t.Due.Before(v.next) || v.next.IsZero() {
			v.next = t.Due
		}
		if !slices.Contains(v.roles, t.Role) {
			v.roles = append(v.roles, t.Role)
		}
		// Names are at most MaxAssigneeChars (the types check them); the
		// attribute keeps the first MaxAssignees, well under Temporal's 2 KiB.
		for _, name := range []string{t.Assignee, t.ClaimedBy} {
			if name != "" && !slices.Contains(v.assignees, name) && len(v.assignees) < MaxAssignees {
				v.assignees = append(v.assignees, name)
			}
		}
	}
	if c.terminal() {
		v.next = time.Time{}
	}
	if len(c.related) > 0 {
		v.related = make([]string, len(c.related))
		for i, l := range c.related {
			v.related[i] = l.WorkflowID
		}
	}
	return v
}

// searchChanged notes that a search attribute may have changed. Runs before
// slimV1 upsert them all at once; later runs leave it to the search flusher.
func (c *caseCore) searchChanged(ctx workflow.Context) {
	if c.slim < slimV1 {
		c.upsertSearch(ctx)
		return
	}
	c.moves++
	if !c.searchDirty {
		c.searchDirty = true
		workflow.Go(c.flushCtx, c.flushLater)
	}
}

// upsertSearch keeps the search attributes in step with the case: every one of
// them, one command per change (runs before slimV1).
func (c *caseCore) upsertSearch(ctx workflow.Context) {
	v := c.search()
	updates := []temporal.SearchAttributeUpdate{
		SearchCaseType.ValueSet(c.meta.Type),
		SearchCaseState.ValueSet(c.state()),
		SearchCaseBreached.ValueSet(v.breached),
		SearchCaseTaskRoles.ValueSet(v.roles),
		SearchCaseAssignees.ValueSet(v.assignees),
	}
	if v.next.IsZero() {
		updates = append(updates, SearchCaseDeadline.ValueUnset())
	} else {
		updates = append(updates, SearchCaseDeadline.ValueSet(v.next))
	}
	// Only cases with links carry the attribute: cases recorded before it
	// existed replay the same commands.
	if v.related != nil {
		updates = append(updates, SearchCaseRelated.ValueSet(v.related))
	}
	// Only an unregistered attribute can fail here; the case goes on without it.
	_ = workflow.UpsertTypedSearchAttributes(ctx, updates...)
}

// flushSearch upserts the search attributes whose value differs from what the
// workflow has set (the start's included), in one command; none if none does.
func (c *caseCore) flushSearch(ctx workflow.Context) {
	c.searchDirty = false
	v := c.search()
	cur := workflow.GetTypedSearchAttributes(ctx)
	var updates []temporal.SearchAttributeUpdate
	if got, ok := cur.GetKeyword(SearchCaseType); !ok || got != c.meta.Type {
		updates = append(updates, SearchCaseType.ValueSet(c.meta.Type))
	}
	if got, ok := cur.GetKeyword(SearchCaseState); !ok || got != c.state() {
		updates = append(updates, SearchCaseState.ValueSet(c.state()))
	}
	if got, ok := cur.GetBool(SearchCaseBreached); !ok || got != v.breached {
		updates = append(updates, SearchCaseBreached.ValueSet(v.breached))
	}
	if got, _ := cur.GetKeywordList(SearchCaseTaskRoles); !slices.Equal(got, v.roles) {
		updates = append(updates, SearchCaseTaskRoles.ValueSet(v.roles))
	}
	if got, _ := cur.GetKeywordList(SearchCaseAssignees); !slices.Equal(got, v.assignees) {
		updates = append(updates, SearchCaseAssignees.ValueSet(v.assignees))
	}
	got, ok := cur.GetTime(SearchCaseDeadline)
	switch {
	case v.next.IsZero() && ok:
		updates = append(updates, SearchCaseDeadline.ValueUnset())
	case !v.next.IsZero() && (!ok || !got.Equal(v.next)):
		updates = append(updates, SearchCaseDeadline.ValueSet(v.next))
	}
	if got, _ := cur.GetKeywordList(SearchCaseRelated); v.related != nil && !slices.Equal(got, v.related) {
		updates = append(updates, SearchCaseRelated.ValueSet(v.related))
	}
	if len(updates) == 0 {
		return
	}
	// Only an unregistered attribute can fail here; the case goes on without it.
	_ = workflow.UpsertTypedSearchAttributes(ctx, updates...)
}

// flushLater is the search flusher (slimV1), started when a search attribute
// may have changed and none is pending: it waits one more pass of the
// workflow's coroutines, so that the handlers and watchers woken by the same
// workflow task make their changes too, then upserts what changed — one
// command per workflow task, and only when a value changed. It ends there, so
// a parked case keeps no goroutine for it.
//
// Since release2612b it waits pass after pass until one goes by without a
// move (moves): a change or a result can wake a coroutine that changes more
// in a later pass (the intake settling lets a waiting event apply its side
// effects), and one pass would upsert before that and again after it. Each
// pass it waits counts as progress, so the workflow task runs the next one;
// the passes end once nothing moves.
func (c *caseCore) flushLater(ctx workflow.Context) {
	for {
		seen := c.moves
		passed := false
		err := workflow.Await(ctx, func() bool {
			if passed {
				return true
			}
			passed = true
			return false
		})
		// The flusher's context is disconnected: no cancellation ends it.
		if err != nil {
			return
		}
		if c.release < release2612b || c.moves == seen {
			break
		}
	}
	if c.release >= release2612c && c.terminal() {
		// A case that has ended completes once its handlers have (finish), and
		// the server folds the upserts of the workflow task that completes it
		// into its close record: its last values wait for that task instead of
		// costing a visibility write of their own while the closing event's
		// side effects run.
		if err := awaitHandlers(ctx); err != nil {
			return
		}
	}
	if c.searchDirty {
		c.flushSearch(ctx)
	}
}

// awaitHandlers waits until no update handler of the case is running.
func awaitHandlers(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// finish waits for running handlers and returns the result.
func (c *caseCore) finish(ctx workflow.Context) (*CaseResult, error) {
	if err := awaitHandlers(ctx); err != nil {
		return nil, err
	}
	if c.slim >= slimV1 {
		// The close's change reaches visibility with the close.
		c.flushSearch(ctx)
	}
	if c.release >= release2612 {
		// Where the case ended, without building the view it no longer returns.
		return &CaseResult{ID: c.meta.ID, Type: c.meta.Type, State: c.state(), Closed: c.terminal()}, nil
	}
	view := c.view()
	return &CaseResult{View: &view}, nil
}

// changeVersion is the version of a change release2612 folds in, asked where
// its commands first differ: the run's own for a run started before the
// release, the folded version for a run started on it. Only for the changes
// listed at release2612.
func (c *caseCore) changeVersion(ctx workflow.Context, change string, folded workflow.Version) workflow.Version {
	if c.release >= release2612 {
		return folded
	}
	return workflow.GetVersion(ctx, change, workflow.DefaultVersion, folded)
}

// relate links a case to this one.
func (c *caseCore) relate(ctx workflow.Context, link CaseLink) {
	if !slices.ContainsFunc(c.related, func(l CaseLink) bool { return l.WorkflowID == link.WorkflowID }) {
		c.related = append(c.related, link)
		c.searchChanged(ctx)
	}
}

// awaitUntil waits until cond holds or due passes and reports whether due
// passed first. Its timer is cancelled when cond wins: a kept deadline leaves
// no timer behind to fire later. Since release2612d the wait's condition asks
// the timer whether it has fired; runs started before watch it from a
// coroutine, as they were recorded (the same commands, a pass later).
func (c *caseCore) awaitUntil(ctx workflow.Context, due time.Time, summary string, cond func() bool) (bool, error) {
	if cond() {
		return false, nil
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimerWithOptions(tctx, until(ctx, due), workflow.TimerOptions{Summary: summary})
	if c.release >= release2612d {
		if err := workflow.Await(ctx, func() bool { return timer.IsReady() || cond() }); err != nil {
			return false, err
		}
		if cond() {
			return false, nil
		}
		// Ready and not kept: fired, or cancelled with the case, which
		// breaches nothing.
		if err := timer.Get(ctx, nil); err != nil {
			return false, err
		}
		return true, nil
	}
	fired := false
	workflow.Go(ctx, func(ctx workflow.Context) { fired = timer.Get(ctx, nil) == nil })
	if err := workflow.Await(ctx, func() bool { return fired || cond() }); err != nil {
		return false, err
	}
	return !cond(), nil
}

// zone is the time zone of the calendar a policy counts on, for times in
// letters; UTC when the policy is unknown.
func (c *caseCore) zone(policy string) *time.Location {
	if p, err := c.cals.Policy(policy); err == nil {
		if cal, err := c.cals.Calendar(p.Calendar); err == nil {
			return cal.NextWorkingDayStart(c.openedAt).Location()
		}
	}
	return time.UTC
}

// until is the time left before due, at least zero.
func until(ctx workflow.Context, due time.Time) time.Duration {
	d := due.Sub(workflow.Now(ctx))
	if d < 0 {
		return 0
	}
	return d
}

// activityOptions retry transient failures for as long as it takes, with backoff.
var activityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

// act executes an activity. A failure that no retry mends becomes a supervisor
// task on the case instead of a stuck or failed case; ok reports success.
func (c *caseCore) act(ctx workflow.Context, step string, activity any, in any, out any) bool {
	err := c.run(ctx, activity, in, out)
	if err == nil {
		return true
	}
	c.failed(ctx, step, err)
	return false
}

// run executes an activity with the case's options and waits for it; its
// result is a move (the search flusher's moves).
func (c *caseCore) run(ctx workflow.Context, activity any, in any, out any) error {
	actx := workflow.WithActivityOptions(ctx, activityOptions)
	err := workflow.ExecuteActivity(actx, activity, in).Get(actx, out)
	c.moves++
	return err
}

// failed notes a side effect that no retry mended and gives it to a
// supervisor as a task.
func (c *caseCore) failed(ctx workflow.Context, step string, err error) {
	due := workflow.Now(ctx)
	c.note(ctx, "side_effect_failed", fmt.Sprintf("%s: %v", step, err))
	c.addTask(ctx, Task{Title: fmt.Sprintf("Не выполнено действие «%s»: %v — выполните вручную", step, rootMessage(err)), Role: RoleSupervisor, Due: due})
}

// rootMessage is the innermost message of a Temporal error chain.
func rootMessage(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// mail sends a templated letter once per (case, step).
func (c *caseCore) mail(ctx workflow.Context, step, template string, to, cc []string, data map[string]any, attachments []string) bool {
	var out activities.SendMailResult
	return c.act(ctx, step, a.SendMail, c.letterInput(step, template, to, cc, data, attachments), &out)
}

// letterInput is the SendMail input of a letter, once per (case, step): its
// data cut to what the template prints (activities.LetterData).
func (c *caseCore) letterInput(step, template string, to, cc []string, data map[string]any, attachments []string) activities.SendMailInput {
	return activities.SendMailInput{
		Key: c.key(step), CaseID: c.meta.ID, Step: step, Template: template,
		To: compact(to), Cc: compact(cc), Data: activities.LetterData(template, data), Attachments: attachments,
	}
}

// compact drops empty addresses and repeats, keeping order.
func compact(addrs []string) []string {
	var out []string
	for _, s := range addrs {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
