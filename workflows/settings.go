package workflows

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/caseflow/caseflow/internal/calendar"
)

// Settings is a deployment's configuration as the case types read it: the
// calendars and SLA policies, and the config file's `directory` and `options`
// sections key by key. NewSettings checks it against every registered type.
type Settings struct {
	Calendars *calendar.Set
	Directory map[string]json.RawMessage
	Options   map[string]json.RawMessage
	// envs is each type's decoded snapshot, by type name.
	envs map[string]any
}

// NewSettings checks a configuration against the registered case types: every
// directory and options key is one some type declares, and each type's part
// decodes and passes the type's own checks. Errors name the key and the type.
func NewSettings(cals *calendar.Set, directory, options map[string]json.RawMessage) (*Settings, error) {
	s := &Settings{Calendars: cals, Directory: directory, Options: options, envs: map[string]any{}}
	var problems []string
	problems = append(problems, undeclared("directory", directory, func(t *CaseType) []SettingKey { return t.Directory })...)
	problems = append(problems, undeclared("options", options, func(t *CaseType) []SettingKey { return t.Options })...)
	for _, t := range registry {
		for _, p := range t.Policies {
			if _, err := cals.Policy(p.Name); err != nil {
				problems = append(problems, fmt.Sprintf("sla.%s: %v (declared by case type %s)", p.Name, err, t.Name))
			}
		}
		env, err := t.prepare(s)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%v (case type %s)", err, t.Name))
			continue
		}
		s.envs[t.Name] = env
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return s, nil
}

// undeclared names the keys of a section no registered type reads.
func undeclared(section string, keys map[string]json.RawMessage, of func(*CaseType) []SettingKey) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		found := false
		for _, t := range registry {
			found = found || slices.ContainsFunc(of(t), func(s SettingKey) bool { return s.Key == k })
		}
		if !found {
			out = append(out, fmt.Sprintf("%s.%s: no case type reads this key (%s)", section, k, declaredKeys(of)))
		}
	}
	return out
}

// declaredKeys lists each type's keys of a section, for error messages.
func declaredKeys(of func(*CaseType) []SettingKey) string {
	var parts []string
	for _, t := range registry {
		var keys []string
		for _, k := range of(t) {
			keys = append(keys, k.Key)
		}
		if len(keys) > 0 {
			parts = append(parts, t.Name+": "+strings.Join(keys, ", "))
		}
	}
	if len(parts) == 0 {
		return "no type reads any"
	}
	return strings.Join(parts, "; ")
}

// PolicyDefaults are the SLA policies every registered type declares, with
// their defaults, for building the calendar set. A policy two types declare
// must have the same default.
func PolicyDefaults() ([]calendar.PolicyDefault, error) {
	var out []calendar.PolicyDefault
	owner := map[string]string{}
	for _, t := range registry {
		for _, p := range t.Policies {
			d := calendar.PolicyDefault{Name: p.Name, Duration: p.Default, Calendar: p.Calendar}
			if d.Calendar == "" {
				d.Calendar = calendar.DefaultCalendar
			}
			if i := slices.IndexFunc(out, func(o calendar.PolicyDefault) bool { return o.Name == p.Name }); i >= 0 {
				if out[i] != d {
					return nil, fmt.Errorf("policy %s: case types %s and %s declare different defaults", p.Name, owner[p.Name], t.Name)
				}
				continue
			}
			owner[p.Name] = t.Name
			out = append(out, d)
		}
	}
	return out, nil
}

// PolicyOwners maps each declared policy to the types that declare it.
func PolicyOwners() map[string][]string {
	out := map[string][]string{}
	for _, t := range registry {
		for _, p := range t.Policies {
			out[p.Name] = append(out[p.Name], t.Name)
		}
	}
	return out
}

// EnvOf is the snapshot a new case of the named type starts with: an
// Env[D, O] of the type's directory and options.
func (s *Settings) EnvOf(caseType string) (any, bool) {
	env, ok := s.envs[caseType]
	return env, ok
}
