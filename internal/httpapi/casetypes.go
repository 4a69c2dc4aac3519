package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"

	"github.com/invopop/jsonschema"

	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/workflows"
)

// caseTypeDoc describes a registered case type to API clients.
type caseTypeDoc struct {
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	States      []string `json:"states"`
	Initial     string   `json:"initial"`
	Terminal    []string `json:"terminal"`
	IntakeRoles []string `json:"intake_roles"`
	// ReadRoles read every case of the type (the read matrix); others read
	// only the cases where they hold a task.
	ReadRoles    []string        `json:"read_roles"`
	IntakeSchema json.RawMessage `json:"intake_schema"`
	Events       []eventDoc      `json:"events"`
	SystemEvents []string        `json:"system_events"`
	Mermaid      string          `json:"mermaid"`
	// Policies are the type's SLA policies: the declared default and what this
	// deployment's config makes of it.
	Policies []policyDoc `json:"policies"`
	// Directory and Options are the keys of the config's directory and options
	// sections the type reads, each with its JSON schema.
	Directory []settingDoc `json:"directory"`
	Options   []settingDoc `json:"options"`
}

// policyDoc describes an SLA policy of a case type.
type policyDoc struct {
	workflows.Policy
	// Configured is the policy as this deployment counts it, e.g. "3 working hours".
	Configured string `json:"configured"`
	// ConfiguredCalendar is the calendar it counts on here.
	ConfiguredCalendar string `json:"configured_calendar"`
}

// settingDoc describes a directory role or an option a case type reads.
type settingDoc struct {
	Key    string          `json:"key"`
	Doc    string          `json:"doc"`
	Schema json.RawMessage `json:"schema"`
}

// eventDoc describes an event people may send.
type eventDoc struct {
	Name string `json:"name"`
	Doc  string `json:"doc"`
	// From are the states the event is legal in; To the states it leads to.
	From  []string `json:"from"`
	To    []string `json:"to"`
	Roles []string `json:"roles"`
	// Schema is the JSON schema of the event's data.
	Schema json.RawMessage `json:"schema"`
}

// describeCaseTypes builds the description of every registered case type once,
// with the policies as settings configures them.
func describeCaseTypes(settings *workflows.Settings) ([]caseTypeDoc, error) {
	var out []caseTypeDoc
	for _, t := range workflows.Types() {
		intake, err := schemaOf(t.IntakeType)
		if err != nil {
			return nil, fmt.Errorf("httpapi: intake schema of %s: %w", t.Name, err)
		}
		d := caseTypeDoc{
			Name: t.Name, Title: t.Title,
			States: nonNil(t.Machine.States), Initial: t.Machine.Initial, Terminal: nonNil(t.Machine.Terminal),
			IntakeRoles: nonNil(t.IntakeRoles), IntakeSchema: intake,
			SystemEvents: nonNil(t.SystemEvents()), Mermaid: t.Machine.Mermaid(),
			Policies: []policyDoc{}, Directory: []settingDoc{}, Options: []settingDoc{},
		}
		for _, p := range t.Policies {
			pd := policyDoc{Policy: p}
			if settings != nil && settings.Calendars != nil {
				if got, err := settings.Calendars.Policy(p.Name); err == nil {
					pd.Configured, pd.ConfiguredCalendar = got.String(), got.Calendar
				}
			}
			d.Policies = append(d.Policies, pd)
		}
		for _, section := range []struct {
			keys []workflows.SettingKey
			into *[]settingDoc
		}{{t.Directory, &d.Directory}, {t.Options, &d.Options}} {
			for _, k := range section.keys {
				schema, err := schemaOf(k.Type)
				if err != nil {
					return nil, fmt.Errorf("httpapi: schema of %s setting %s: %w", t.Name, k.Key, err)
				}
				*section.into = append(*section.into, settingDoc{Key: k.Key, Doc: k.Doc, Schema: schema})
			}
		}
		for _, e := range slices.Concat(t.Events, workflows.PlatformEvents) {
			schema, err := schemaOf(e.DataType)
			if err != nil {
				return nil, fmt.Errorf("httpapi: schema of %s event %s: %w", t.Name, e.Name, err)
			}
			ed := eventDoc{Name: e.Name, Doc: e.Doc, Roles: nonNil(e.Roles), Schema: schema, From: []string{}, To: []string{}}
			for _, fe := range e.FSMEvents {
				from, to := t.Machine.Edges(fe)
				ed.From = union(ed.From, from)
				ed.To = union(ed.To, to)
			}
			d.Events = append(d.Events, ed)
		}
		out = append(out, d)
	}
	return out, nil
}

// schemaOf reflects a Go type into a self-contained JSON schema (no $refs).
func schemaOf(t reflect.Type) (json.RawMessage, error) {
	if t == nil {
		return json.RawMessage(`{}`), nil
	}
	r := &jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	return json.Marshal(r.ReflectFromType(t))
}

// union is the sorted set of the items of a and b.
func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// listCaseTypes answers GET /v1/case-types: the engine describes itself.
func (s *Server) listCaseTypes(w http.ResponseWriter, r *http.Request, _ auth.Caller) error {
	writeJSON(w, http.StatusOK, map[string]any{"items": s.caseTypes})
	return nil
}
