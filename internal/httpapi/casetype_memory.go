package httpapi

import (
	"sync"

	"github.com/caseflow/caseflow/workflows"
)

// maxRememberedCases bounds typeMemory: about 100 bytes a case, so a few MiB.
const maxRememberedCases = 1 << 16

// typeMemory remembers the type of the cases this process has opened or found.
// A case ID names one workflow of one type for ever (its workflow ID is the
// type's name and the ID), so what it remembers never goes stale; it only
// spares the lookups that find a case's type: one DescribeWorkflowExecution
// per registered type until one answers. Full, it forgets everything and
// starts again.
type typeMemory struct {
	mu    sync.Mutex
	types map[string]*workflows.CaseType
}

// remember notes that case id is of type t.
func (m *typeMemory) remember(id string, t *workflows.CaseType) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.types == nil || len(m.types) >= maxRememberedCases {
		m.types = make(map[string]*workflows.CaseType)
	}
	m.types[id] = t
}

// typeOf is the remembered type of case id, or nil.
func (m *typeMemory) typeOf(id string) *workflows.CaseType {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.types[id]
}
