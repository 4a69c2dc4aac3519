// Package access decides who may read which case. Every read of a case — its
// view, its place in a list, its tasks in an inbox, a link to it from another
// case — goes through one function, Reads.Check, so the API and any other
// reader (an operator console) answer the same question the same way.
//
// The rule: an admin reads every case; a role in the case type's read matrix
// (workflows.CaseType.ReadRoles, overridden per type by the config's
// access.read) reads every case of the type; anybody else — an executor above
// all — reads only the cases where they hold an open task (a task assigned to
// their name).
package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/workflows"
)

// Case is what a read check knows of a case: its type and the names its open
// tasks are assigned to (from its view, or from the CaseAssignees search
// attribute of a listing).
type Case struct {
	Type      string
	Assignees []string
}

// FromView is the Case of a case view.
func FromView(v workflows.CaseView) Case {
	c := Case{Type: v.Type}
	for _, t := range v.Tasks {
		if t.Assignee != "" && !slices.Contains(c.Assignees, t.Assignee) {
			c.Assignees = append(c.Assignees, t.Assignee)
		}
	}
	return c
}

// Reads is the read matrix: for each case type, the roles that read all its
// cases. The zero value is not usable; build one with New.
type Reads struct {
	byType map[string][]string
}

// New builds the read matrix from the registry's defaults and the config's
// overrides (case type → roles; nil keeps the defaults). An override naming an
// unknown case type or role is refused; admin reads every type whatever the
// override says.
func New(overrides map[string][]string) (*Reads, error) {
	r := &Reads{byType: map[string][]string{}}
	for _, t := range workflows.Types() {
		r.byType[t.Name] = slices.Clone(t.ReadRoles)
	}
	var problems []string
	for _, name := range sortedKeys(overrides) {
		if _, ok := r.byType[name]; !ok {
			problems = append(problems, fmt.Sprintf("access.read.%s: no such case type (known: %s)", name, strings.Join(workflows.TypeNames(), ", ")))
			continue
		}
		roles := []string{workflows.RoleAdmin}
		for _, role := range overrides[name] {
			if !slices.Contains(workflows.Roles, role) {
				problems = append(problems, fmt.Sprintf("access.read.%s: unknown role %q (known: %s)", name, role, strings.Join(workflows.Roles, ", ")))
				continue
			}
			if !slices.Contains(roles, role) {
				roles = append(roles, role)
			}
		}
		r.byType[name] = roles
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return r, nil
}

// Defaults is the read matrix of the registry alone.
func Defaults() *Reads {
	r, err := New(nil)
	if err != nil {
		panic(err) // the registry names its own types and roles
	}
	return r
}

// Check is the one read check: nil when caller may read c, else an error that
// says why not. Every reader of cases calls it for every case it shows.
func (r *Reads) Check(caller auth.Caller, c Case) error {
	if caller.Role == workflows.RoleAdmin || slices.Contains(r.byType[c.Type], caller.Role) {
		return nil
	}
	if caller.Name != "" && slices.Contains(c.Assignees, caller.Name) {
		return nil
	}
	return &DeniedError{Role: caller.Role, Type: c.Type, readers: r.byType[c.Type]}
}

// Roles is who reads every case of the type (the matrix's row).
func (r *Reads) Roles(caseType string) []string { return slices.Clone(r.byType[caseType]) }

// Scope narrows a listing before each of its cases passes Check: the types
// whose every case caller reads, and whether caller reads other cases only
// where a task is assigned to its name (its name then, "" otherwise).
// A listing may show (types) ∪ (cases with a task assigned to byTask).
func (r *Reads) Scope(caller auth.Caller) (types []string, byTask string) {
	for _, t := range workflows.TypeNames() {
		if caller.Role == workflows.RoleAdmin || slices.Contains(r.byType[t], caller.Role) {
			types = append(types, t)
		}
	}
	if len(types) < len(r.byType) {
		byTask = caller.Name
	}
	return types, byTask
}

// DeniedError is Check's refusal.
type DeniedError struct {
	Role    string
	Type    string
	readers []string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("role %q may read only the %s cases where it holds a task (every %s case: %s)",
		e.Role, e.Type, e.Type, strings.Join(e.readers, ", "))
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
