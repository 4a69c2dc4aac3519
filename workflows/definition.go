package workflows

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/internal/calendar"
	"github.com/caseflow/caseflow/internal/strictjson"
	"github.com/caseflow/caseflow/statemachines"
)

// Intake is what a case type's intake body implements, on its pointer: the checks
// of the body and the case's title for the Temporal UI.
type Intake[I any] interface {
	*I
	// Validate checks the body; problems are *FieldError naming the field.
	Validate() error
	// Memo is the case's title for the Temporal UI. It carries no personal data.
	Memo() string
}

// Policy is an SLA policy a case type declares: a named deadline, its default
// duration in working time and the calendar it counts on. The config's `sla`
// section may change both.
type Policy struct {
	Name string `json:"name"`
	// Default is the duration when the config names none, e.g. "3 working hours".
	Default string `json:"default"`
	// Calendar is the calendar it counts on; empty: the default calendar.
	Calendar string `json:"calendar,omitempty"`
	Doc      string `json:"doc"`
}

// NoOptions is the options of a case type that has none.
type NoOptions struct{}

// NoDirectory is the directory of a case type that reads no directory roles.
type NoDirectory struct{}

// Definition declares a case type: everything the platform needs to know of it.
// I is the intake body, D the directory roles the type reads (a struct whose
// fields are keys of the config's `directory` section, each with a `doc` tag),
// O its behaviour switches (keys of the `options` section).
type Definition[I any, D any, O any] struct {
	Name    string
	Title   string
	Machine *statemachines.Definition
	// IntakeRoles may open a case of the type.
	IntakeRoles []string
	// ReadRoles may read every case of the type (the API's read matrix; the
	// config's access.read overrides it). Empty: DefaultReadRoles of the
	// intake and event roles.
	ReadRoles []string
	// Policies are the type's SLA policies.
	Policies []Policy
	// Calendars are the calendars the type's code reads by name, beside its
	// policies' (a case's snapshot holds only these and its policies').
	Calendars []string
	// Events are the events people may send.
	Events []EventSpec
	// New builds the behaviour of a running case on the shared core. It may
	// restore a carried state (continue-as-new) but must not block.
	New func(ctx workflow.Context, c *caseCore, in *CaseInput[I, D, O]) (Behaviour, error)
}

// Behaviour is what a case type adds to the shared core: its main line, its
// guards, the side effects of people's events and its part of the case view.
type Behaviour interface {
	// Run is the case's main line, called once the handlers are set up. It
	// returns nil when the case has reached a terminal state, or the error that
	// ends the run (a continue-as-new among them).
	Run(ctx workflow.Context) error
	// Guard refuses an event the machine allows but the case's data does not.
	Guard(ev *Event) error
	// Apply runs the side effects of a person's event, after the core has fired
	// its machine event.
	Apply(ctx workflow.Context, ev *Event) error
	// View is the type's part of the case view.
	View() any
}

// Recorder is a Behaviour whose events settle something by themselves — a
// deadline met, tasks ended — that must not wait for side effects. Since
// release2612c the core calls Record as the event enters, holding the case's
// lock, before the event's side effects wait for the intake's; Apply then
// leaves those to it. Record issues no activity.
type Recorder interface {
	Record(ctx workflow.Context, ev *Event)
}

// Event is a person's event on its way into a case: checked, decoded, and (in
// Apply) already fired.
type Event struct {
	Request EventRequest
	Spec    *EventSpec
	// Data is the decoded data, a pointer to the event's data type.
	Data any
	// From is the state the case was in before the event.
	From string
}

// Name is the event's name.
func (e *Event) Name() string { return e.Spec.Name }

// Actor is who sent the event.
func (e *Event) Actor() Actor { return e.Request.Actor }

// Who is the sender as the audit trail names them.
func (e *Event) Who() string { return e.Request.Actor.Label() }

// CaseInput starts a case, or continues one: Carry and Data are set when a run
// continues as new.
type CaseInput[I any, D any, O any] struct {
	Case   CaseMeta  `json:"case"`
	Intake I         `json:"intake"`
	Env    Env[D, O] `json:"env" payload:"shared"` // shared by the cases decoding the same snapshot (internal/payload): read-only
	// Carry is the shared state of a case that continues as new.
	Carry *CoreState `json:"carry,omitempty"`
	// Data is the type's own state of a case that continues as new.
	Data json.RawMessage `json:"data,omitempty"`
	// LegacyData is Data as runs before case types were declarations wrote it
	// (under the key "claim"); read, never written.
	LegacyData json.RawMessage `json:"claim,omitempty"`
}

// carried is the type's own state carried from the run before, nil when none.
func (in *CaseInput[I, D, O]) carried() json.RawMessage {
	if in.Data != nil {
		return in.Data
	}
	return in.LegacyData
}

// next is the input of the next run of the same case: the carried shared state
// and the type's own.
func (in *CaseInput[I, D, O]) next(carry *CoreState, data any) (*CaseInput[I, D, O], error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("unable to carry the case's data: %w", err)
	}
	return &CaseInput[I, D, O]{Case: in.Case, Intake: in.Intake, Env: in.Env, Carry: carry, Data: raw}, nil
}

// Env is the configuration snapshot a case starts with: calendars and SLA
// policies, the type's directory roles and options. It travels in the workflow
// input so that replay never sees a later configuration.
type Env[D any, O any] struct {
	Calendars *calendar.Set `json:"calendars"`
	Directory D             `json:"directory"`
	Options   O             `json:"options"`
}

// intakeDirectory is a type's directory that a case keeps only part of: what
// its intake can use (the engineer of its product's category, not every
// category's). The snapshot travels in the case's input, so what the case can
// never read is history bytes for nothing. forIntake returns a copy and
// leaves the type's shared snapshot as it is.
type intakeDirectory[D any] interface{ forIntake(intake any) D }

// Define builds a case type from its declaration; the registry lists what it
// returns. It panics on a declaration that cannot work (a broken machine, an
// event firing no machine event): those are programming errors found at start.
func Define[I any, D any, O any, PI Intake[I]](d Definition[I, D, O]) *CaseType {
	ct := &CaseType{
		Name: d.Name, Title: d.Title, Machine: d.Machine, IntakeRoles: d.IntakeRoles,
		ReadRoles: d.ReadRoles, Policies: d.Policies, Calendars: d.Calendars, Events: d.Events,
		IntakeType:    reflect.TypeFor[I](),
		DirectoryType: reflect.TypeFor[D](),
		OptionsType:   reflect.TypeFor[O](),
		Directory:     settingKeys(reflect.TypeFor[D]()),
		Options:       settingKeys(reflect.TypeFor[O]()),
	}
	if len(ct.ReadRoles) == 0 {
		ct.ReadRoles = DefaultReadRoles(d.IntakeRoles, d.Events)
	}
	if err := d.Machine.Validate(); err != nil {
		panic(fmt.Sprintf("case type %s: %v", d.Name, err))
	}
	for _, e := range d.Events {
		for _, fe := range e.FSMEvents {
			if !slices.Contains(d.Machine.Events(), fe) {
				panic(fmt.Sprintf("case type %s: event %s fires %q, which machine %s does not have", d.Name, e.Name, fe, d.Machine.Name))
			}
		}
	}
	ct.decodeIntake = func(raw json.RawMessage) (any, error) {
		v, err := strictjson.Decode[I](raw)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
	ct.memo = func(intake any) string { return PI(intake.(*I)).Memo() }
	ct.prepare = func(s *Settings) (any, error) {
		dir, err := decodeSettings[D](s.Directory, "directory", ct.Directory)
		if err != nil {
			return nil, err
		}
		opts, err := decodeSettings[O](s.Options, "options", ct.Options)
		if err != nil {
			return nil, err
		}
		return Env[D, O]{Calendars: ct.EnvCalendars(s.Calendars), Directory: dir, Options: opts}, nil
	}
	ct.newInput = func(meta CaseMeta, intake any, env any) any {
		e := env.(Env[D, O])
		if n, ok := any(e.Directory).(intakeDirectory[D]); ok {
			e.Directory = n.forIntake(intake)
		}
		return &CaseInput[I, D, O]{Case: meta, Intake: *intake.(*I), Env: e}
	}
	ct.Workflow = func(ctx workflow.Context, in *CaseInput[I, D, O]) (*CaseResult, error) {
		c := newCore(ctx, in.Case, ct, in.Env.Calendars)
		if l, ok := any(&in.Intake).(interface{ links() []CaseLink }); ok {
			c.related = slices.Clone(l.links())
		}
		b, err := d.New(ctx, c, in)
		if err != nil {
			return nil, err
		}
		c.behaviour = b
		if err := c.setup(ctx); err != nil {
			return nil, err
		}
		if err := c.behaviour.Run(ctx); err != nil {
			return nil, err
		}
		return c.finish(ctx)
	}
	return ct
}

// SettingKey is one key of the config's `directory` or `options` section that
// a case type reads.
type SettingKey struct {
	Key string `json:"key"`
	Doc string `json:"doc"`
	// Type is the Go type of its value, for its JSON schema.
	Type reflect.Type `json:"-"`
}

// settingKeys lists the keys a directory or options struct reads: its fields'
// JSON names, with their doc tags.
func settingKeys(t reflect.Type) []SettingKey {
	var out []SettingKey
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		out = append(out, SettingKey{Key: name, Doc: f.Tag.Get("doc"), Type: f.Type})
	}
	return out
}

// decodeSettings decodes a T from the keys of section it reads and checks it
// (T's own Validate may fill defaults); errors name the section's key.
func decodeSettings[T any](section map[string]json.RawMessage, name string, keys []SettingKey) (T, error) {
	var zero T
	obj := map[string]json.RawMessage{}
	for _, k := range keys {
		if v, ok := section[k.Key]; ok {
			obj[k.Key] = v
		}
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return zero, err
	}
	v, err := strictjson.Decode[T](raw)
	if err != nil {
		return zero, prefixField(name, err)
	}
	return *v, nil
}

// prefixField puts a section's name before the field a FieldError names.
func prefixField(prefix string, err error) error {
	if fe, ok := err.(*FieldError); ok {
		return fieldErr(prefix+"."+fe.Field, "%s", fe.Problem)
	}
	return fmt.Errorf("%s: %w", prefix, err)
}
