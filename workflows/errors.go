package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/internal/strictjson"
	"github.com/caseflow/caseflow/statemachines"
)

// Temporal error types of refused events. They are stable: the API maps them to
// HTTP statuses.
const (
	ErrTypeIllegalTransition = "IllegalTransition" // 409
	ErrTypeInvalidData       = "InvalidData"       // 400
	ErrTypeUnknownEvent      = "UnknownEvent"      // 400
	ErrTypeForbidden         = "Forbidden"         // 403
	ErrTypeCaseLimit         = "CaseLimit"         // 422: the case is full
)

// Limits that keep a case's history and view bounded: each accepted event's
// answer carries the whole view, so an unbounded audit trail would grow the
// history quadratically and, past Temporal's 2 MiB, stop the case.
const (
	// MaxSelfLoops is the most events that leave a case in its state (repeat
	// contacts, comments, ASC answers…) one case takes.
	MaxSelfLoops = 200
	// MaxNoteBytes is the most bytes of people's notes in one case's audit trail.
	MaxNoteBytes = 256 << 10
	// MaxAssignees is the most assignee names the CaseTaskAssignees search
	// attribute holds (Temporal caps a value at 2 KiB); the case's tasks keep all.
	MaxAssignees = 16
	// MaxAssigneeChars is the longest assignee name a task takes: names are the
	// API's caller names, not free text.
	MaxAssigneeChars = 64
)

// refuseLimit refuses an event that would take a case past one of its limits.
func refuseLimit(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrTypeCaseLimit, nil)
}

// FieldError names the input field at fault, by its JSON path, and what is
// wrong with it: strict decoding and each type's Validate return it.
type FieldError = strictjson.FieldError

// fieldErr builds a FieldError.
func fieldErr(field, format string, args ...any) *FieldError {
	return strictjson.Errorf(field, format, args...)
}

// RefusalDetails travel with a refused event's Temporal error.
type RefusalDetails struct {
	Field         string   `json:"field,omitempty"`
	State         string   `json:"state,omitempty"`
	AllowedEvents []string `json:"allowed_events,omitempty"`
}

// refuseIllegal turns an illegal transition into a non-retryable Temporal error
// naming the state and the events allowed in it.
func refuseIllegal(event, state string, allowed []string) error {
	e := &statemachines.IllegalTransitionError{Event: event, State: state, Allowed: allowed}
	return temporal.NewNonRetryableApplicationError(e.Error(), ErrTypeIllegalTransition, nil,
		RefusalDetails{State: state, AllowedEvents: allowed})
}

// refuseData turns bad event data into a non-retryable Temporal error naming the field.
func refuseData(errType string, err error) error {
	var fe *FieldError
	d := RefusalDetails{}
	if errors.As(err, &fe) {
		d.Field = fe.Field
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), errType, nil, d)
}
