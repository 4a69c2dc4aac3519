// Package workflows holds one Temporal workflow per case type, the shared case
// engine they are built on, and the registry that describes them to the API.
package workflows

import (
	"go.temporal.io/sdk/temporal"
)

// TaskQueue is the task queue every caseflow worker polls.
const TaskQueue = "caseflow"

// Wire names of the handlers every case workflow registers.
const (
	// UpdateEvent applies a person's event to a case and returns an EventResult
	// (a CaseView in runs started before the slim-history change).
	UpdateEvent = "event"
	// QueryView returns the case's CaseView.
	QueryView = "view"
	// QueryState returns the case's state, a string: what the answer to an
	// intake sent again shows, without building and sealing the whole view.
	QueryState = "state"
)

// Typed search attributes caseflow keeps on every case. None carries personal data.
var (
	SearchCaseType      = temporal.NewSearchAttributeKeyKeyword("CaseType")
	SearchCaseState     = temporal.NewSearchAttributeKeyKeyword("CaseState")
	SearchCaseBreached  = temporal.NewSearchAttributeKeyBool("CaseBreached")
	SearchCaseDeadline  = temporal.NewSearchAttributeKeyTime("CaseDeadline")
	SearchCaseTaskRoles = temporal.NewSearchAttributeKeyKeywordList("CaseTaskRoles")
	SearchCaseAssignees = temporal.NewSearchAttributeKeyKeywordList("CaseTaskAssignees")
	// SearchCaseRelated holds the workflow IDs of related cases: the Temporal UI
	// finds a dispute's claim with CaseRelated = 'dispute-…' and back.
	SearchCaseRelated = temporal.NewSearchAttributeKeyKeywordList("CaseRelated")
)

// SearchAttributes lists every search attribute key, for registering them with a
// namespace.
var SearchAttributes = []temporal.SearchAttributeKey{
	SearchCaseType, SearchCaseState, SearchCaseBreached, SearchCaseDeadline, SearchCaseTaskRoles, SearchCaseAssignees,
	SearchCaseRelated,
}

// WorkflowID is the workflow ID of a case: "<type>-<case id>".
func WorkflowID(caseType, caseID string) string { return caseType + "-" + caseID }
