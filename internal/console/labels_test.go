package console

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/invopop/jsonschema"

	"github.com/caseflow/caseflow/workflows"
)

// TestEveryIdentifierHasALabel: every case type, state, event (a person's,
// the machine's, the platform's, the system's), role and form field of every
// registered type has its Russian name, so no page shows an identifier.
func TestEveryIdentifierHasALabel(t *testing.T) {
	var missing []string
	need := func(dict map[string]string, kind, name string) {
		if _, ok := dict[name]; !ok && !slices.Contains(missing, kind+" "+name) {
			missing = append(missing, kind+" "+name)
		}
	}
	for _, role := range workflows.Roles {
		need(roleLabels, "role", role)
	}
	for _, ct := range workflows.Types() {
		need(typeLabels, "type", ct.Name)
		for _, s := range ct.Machine.States {
			need(stateLabels, "state", s)
		}
		for _, e := range ct.Machine.Events() {
			need(eventLabels, "event", e)
		}
		for _, e := range ct.SystemEvents() {
			need(eventLabels, "event", e)
		}
		for _, name := range schemaFields(t, ct.IntakeType) {
			need(fieldLabels, "field", name)
		}
		for _, e := range slices.Concat(ct.Events, workflows.PlatformEvents) {
			need(eventLabels, "event", e.Name)
			for _, name := range schemaFields(t, e.DataType) {
				need(fieldLabels, "field", name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d identifiers without a label: %q", len(missing), missing)
	}
}

// schemaFields are the property names of a type's schema, nested ones too.
func schemaFields(t *testing.T, typ reflect.Type) []string {
	if typ == nil {
		return nil
	}
	r := &jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	raw, err := json.Marshal(r.ReflectFromType(typ))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(raw json.RawMessage)
	walk = func(raw json.RawMessage) {
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Items      json.RawMessage            `json:"items"`
		}
		_ = json.Unmarshal(raw, &s)
		for name, p := range s.Properties {
			if name != "type" {
				out = append(out, name)
			}
			walk(p)
		}
		if s.Items != nil {
			walk(s.Items)
		}
	}
	walk(raw)
	return out
}
