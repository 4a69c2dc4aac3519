package workflows

import (
	"encoding/json"
	"fmt"
	"github.com/caseflow/caseflow/internal/calendar"
	"reflect"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/statemachines"
)

// registry is the one place a case type is registered.
var registry = []*CaseType{
	plcType,
	claimType,
	disputeType,
	consultationType,
	telecomType,
	callType,
	leadType,
}

// CaseType is everything the platform knows about a case type: its machine, its
// workflow, its intake, the events people may send, and what it reads of the
// configuration. Define builds one from a Definition.
type CaseType struct {
	Name    string
	Title   string
	Machine *statemachines.Definition
	// IntakeRoles may open a case of this type.
	IntakeRoles []string
	// ReadRoles may read every case of this type: the default of the API's
	// read matrix (internal/access), which the config may override. An
	// executor not listed reads only the cases where it holds a task.
	ReadRoles []string
	// Workflow is the workflow function; its input is what NewInput returns.
	Workflow any
	// IntakeType is the Go type of the intake body, for its JSON schema.
	IntakeType reflect.Type
	Events     []EventSpec
	// Policies are the type's SLA policies.
	Policies []Policy
	// Calendars are the calendars the type's code reads by name, beside its
	// policies'.
	Calendars []string
	// Directory and Options are the keys of the config's directory and options
	// sections the type reads; DirectoryType and OptionsType hold them all.
	Directory     []SettingKey
	Options       []SettingKey
	DirectoryType reflect.Type
	OptionsType   reflect.Type

	decodeIntake func(raw json.RawMessage) (any, error)
	memo         func(intake any) string
	prepare      func(s *Settings) (any, error)
	newInput     func(meta CaseMeta, intake any, env any) any
}

// WorkflowTaskPollers is how a worker of the case types polls for workflow
// tasks: autoscaled, with pollers of its own for the task queue beside those
// of its sticky queue. The SDK's default pollers share both queues and, while
// the sticky queue reports a backlog, poll only it: a query of a closed case
// (the view an event that closes it answers with) and a case started
// elsewhere wait on the task queue until that backlog is gone, seconds at
// saturation.
func WorkflowTaskPollers() worker.PollerBehavior {
	return worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{})
}

// Register registers every case type's workflow (named after the type) and the
// activities with a worker.
func Register(r worker.Registry, acts *activities.Activities) {
	for _, t := range registry {
		r.RegisterWorkflowWithOptions(t.Workflow, workflow.RegisterOptions{Name: t.Name})
	}
	r.RegisterActivity(acts)
}

// SearchAttributeTypes maps caseflow's search attributes to their types, for
// registering them with a namespace.
func SearchAttributeTypes() map[string]enumspb.IndexedValueType {
	out := make(map[string]enumspb.IndexedValueType, len(SearchAttributes))
	for _, k := range SearchAttributes {
		out[k.GetName()] = k.GetValueType()
	}
	return out
}

// EnvCalendars is the part of a deployment's calendars a case of the type
// carries in its snapshot: its policies, the calendars they count on and the
// ones its code reads by name — not every type's (a third of a PLC's input).
func (t *CaseType) EnvCalendars(all *calendar.Set) *calendar.Set {
	names := make([]string, len(t.Policies))
	for i, p := range t.Policies {
		names[i] = p.Name
	}
	return all.Subset(names, t.Calendars...)
}

// CanOpen reports whether role may open a case of this type.
func (t *CaseType) CanOpen(role string) bool {
	return role == RoleAdmin || slices.Contains(t.IntakeRoles, role)
}

// DefaultReadRoles is the read matrix's default for a case type: who opens its
// cases or acts on them (the intake and event roles), supervisors and admins —
// but not executors, who read only the cases where they hold a task.
func DefaultReadRoles(intake []string, events []EventSpec) []string {
	out := []string{}
	add := func(roles ...string) {
		for _, r := range roles {
			if r != RoleExecutor && r != RoleSystem && !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	add(intake...)
	for _, e := range events {
		add(e.Roles...)
	}
	add(RoleSupervisor, RoleAdmin)
	// In the order of Roles, whatever order the declaration gives.
	slices.SortFunc(out, func(a, b string) int { return slices.Index(Roles, a) - slices.Index(Roles, b) })
	return out
}

// Types lists the registered case types.
func Types() []*CaseType { return slices.Clone(registry) }

// Lookup finds a registered case type by name.
func Lookup(name string) (*CaseType, bool) {
	i := slices.IndexFunc(registry, func(t *CaseType) bool { return t.Name == name })
	if i < 0 {
		return nil, false
	}
	return registry[i], true
}

// TypeNames lists the registered case type names.
func TypeNames() []string {
	names := make([]string, len(registry))
	for i, t := range registry {
		names[i] = t.Name
	}
	return names
}

// Event finds one of the type's events by name.
func (t *CaseType) Event(name string) *EventSpec {
	for i := range t.Events {
		if t.Events[i].Name == name {
			return &t.Events[i]
		}
	}
	for i := range PlatformEvents {
		if PlatformEvents[i].Name == name {
			return &PlatformEvents[i]
		}
	}
	return nil
}

// EventNames lists the type's events.
func (t *CaseType) EventNames() []string {
	names := make([]string, 0, len(t.Events)+len(PlatformEvents))
	for _, e := range slices.Concat(t.Events, PlatformEvents) {
		names = append(names, e.Name)
	}
	return names
}

// DecodeIntake parses and checks an intake body; problems are *FieldError.
func (t *CaseType) DecodeIntake(raw json.RawMessage) (any, error) { return t.decodeIntake(raw) }

// NewInput builds the workflow input of a new case: the intake and the type's
// snapshot of the settings.
func (t *CaseType) NewInput(meta CaseMeta, intake any, s *Settings) (any, error) {
	env, ok := s.envs[t.Name]
	if !ok {
		var err error
		if env, err = t.prepare(s); err != nil {
			return nil, fmt.Errorf("case type %s: %w", t.Name, err)
		}
	}
	return t.newInput(meta, intake, env), nil
}

// openerChecker is an intake that refuses some roles beyond the type's intake
// roles (a PLC by chat or mail is the experts').
type openerChecker interface{ OpenableBy(role string) error }

// CheckOpener refuses a role the decoded intake does not allow to open it;
// admins open every case.
func (t *CaseType) CheckOpener(role string, intake any) error {
	if c, ok := intake.(openerChecker); ok && role != RoleAdmin {
		return c.OpenableBy(role)
	}
	return nil
}

// Memo is the case's title for the Temporal UI; it carries no personal data.
func (t *CaseType) Memo(intake any) string { return t.memo(intake) }

// SystemEvents lists the machine events of the type that no person may send: the
// engine's own.
func (t *CaseType) SystemEvents() []string {
	var out []string
	for _, fe := range t.Machine.Events() {
		person := false
		for _, e := range t.Events {
			if slices.Contains(e.FSMEvents, fe) {
				person = true
			}
		}
		if !person {
			out = append(out, fe)
		}
	}
	return out
}

// DefaultWorkflowCache is how many cases a worker keeps in memory between their
// events unless told otherwise (caseflow dev and worker --workflow-cache); the
// SDK's own default is 10,000. An evicted case replays its history on its next
// event.
const DefaultWorkflowCache = 1000
