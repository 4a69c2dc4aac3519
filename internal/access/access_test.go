package access_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/access"
	"github.com/caseflow/caseflow/internal/auth"
)

// TestDefaultMatrix: the registry's defaults, written out here by hand from the
// seeds: who opens a type's cases or acts on them reads them; supervisors and
// admins read everything; an executor only where it holds a task.
func TestDefaultMatrix(t *testing.T) {
	want := map[string][]string{
		"plc":            {"operator", "expert", "supervisor", "engineer", "admin"},
		"reclamation":    {"operator", "expert", "supervisor", "engineer", "quality_director", "admin"},
		"dispute":        {"operator", "expert", "supervisor", "engineer", "admin"},
		"consultation":   {"operator", "expert", "supervisor", "admin"},
		"telecom_case":   {"operator", "expert", "supervisor", "admin"},
		"call":           {"operator", "expert", "supervisor", "admin"},
		"broadband_lead": {"operator", "expert", "supervisor", "admin"},
	}
	r := access.Defaults()
	every := []string{"operator", "expert", "supervisor", "engineer", "quality_director", "executor", "admin"}
	for typ, readers := range want {
		assert.Equal(t, readers, r.Roles(typ), typ)
		for _, role := range every {
			err := r.Check(auth.Caller{Name: role + "-1", Role: role}, access.Case{Type: typ})
			if contains(readers, role) {
				assert.NoError(t, err, "%s reads every %s case", role, typ)
			} else {
				var denied *access.DeniedError
				require.True(t, errors.As(err, &denied), "%s must not read every %s case", role, typ)
				assert.Contains(t, err.Error(), "where it holds a task")
			}
		}
	}
}

// TestExecutorReadsWhereItHoldsATask: an executor reads a case while a task of
// it is assigned to its name, and no other.
func TestExecutorReadsWhereItHoldsATask(t *testing.T) {
	r := access.Defaults()
	ex := auth.Caller{Name: "executor-1", Role: "executor"}
	assert.NoError(t, r.Check(ex, access.Case{Type: "reclamation", Assignees: []string{"executor-2", "executor-1"}}))
	assert.Error(t, r.Check(ex, access.Case{Type: "reclamation", Assignees: []string{"executor-2"}}))
	assert.Error(t, r.Check(ex, access.Case{Type: "reclamation"}))
	assert.Error(t, r.Check(auth.Caller{Role: "executor"}, access.Case{Type: "reclamation", Assignees: []string{""}}), "a nameless caller holds no task")

	types, byTask := r.Scope(ex)
	assert.Empty(t, types)
	assert.Equal(t, "executor-1", byTask)
	types, byTask = r.Scope(auth.Caller{Name: "s", Role: "supervisor"})
	assert.Len(t, types, 7)
	assert.Empty(t, byTask, "a supervisor reads everything: no task scope")
	types, byTask = r.Scope(auth.Caller{Name: "qd", Role: "quality_director"})
	assert.Equal(t, []string{"reclamation"}, types)
	assert.Equal(t, "qd", byTask)
}

// TestConfigOverrides: the config replaces a type's readers; admins keep
// reading; unknown types and roles are refused by name.
func TestConfigOverrides(t *testing.T) {
	r, err := access.New(map[string][]string{"plc": {"supervisor", "executor"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"admin", "supervisor", "executor"}, r.Roles("plc"))
	assert.Error(t, r.Check(auth.Caller{Name: "o", Role: "operator"}, access.Case{Type: "plc"}))
	assert.NoError(t, r.Check(auth.Caller{Name: "e", Role: "executor"}, access.Case{Type: "plc"}))
	assert.NoError(t, r.Check(auth.Caller{Name: "a", Role: "admin"}, access.Case{Type: "plc"}))
	assert.NoError(t, r.Check(auth.Caller{Name: "o", Role: "operator"}, access.Case{Type: "dispute"}), "other types keep their defaults")

	_, err = access.New(map[string][]string{"plcc": {"supervisor"}, "dispute": {"boss"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `access.read.plcc: no such case type`)
	assert.Contains(t, err.Error(), `access.read.dispute: unknown role "boss"`)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
