package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/workflows"
)

// Error codes of the API's error body. Each maps to one HTTP status in status.
const (
	// ECodeInvalid is bad input: a field, header or parameter (400).
	ECodeInvalid = "invalid"
	// ECodeUnauthorized is a missing or unknown bearer token (401).
	ECodeUnauthorized = "unauthorized"
	// ECodeForbidden is a caller whose role may not do this (403).
	ECodeForbidden = "forbidden"
	// ECodeNotFound is an unknown case or route (404).
	ECodeNotFound = "not_found"
	// ECodeMethodNotAllowed is a known path called with the wrong method (405).
	ECodeMethodNotAllowed = "method_not_allowed"
	// ECodeConflict is an event not legal in the case's state, or a closed case (409).
	ECodeConflict = "conflict"
	// ECodeTooLarge is a request body over MaxBodyBytes (413).
	ECodeTooLarge = "too_large"
	// ECodeKeyReused is an Idempotency-Key sent again with a different intake (422).
	ECodeKeyReused = "idempotency_key_reused"
	// ECodeCaseLimit is an event that would take a case past its limits (422).
	ECodeCaseLimit = "case_limit"
	// ECodeUnavailable is Temporal not answering (503).
	ECodeUnavailable = "unavailable"
	// ECodeInternal is anything else; the cause is logged, not shown (500).
	ECodeInternal = "internal"
)

// Error is the API's one coded error. Its JSON is the body of every error answer:
// {"error": {"code", "message", "field", "state", "allowed_events"}}, empty keys
// omitted.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the input at fault, as a dotted path of the request body (or
	// the query parameter or header name).
	Field string `json:"field,omitempty"`
	// State and AllowedEvents describe a case that refused an event.
	State         string   `json:"state,omitempty"`
	AllowedEvents []string `json:"allowed_events,omitempty"`
	// allowedEmpty keeps "allowed_events": [] in the body of a closed case.
	allowedEmpty bool
	// cause is logged for internal errors, never shown.
	cause error
}

// Error is the code, the field at fault if any, and the message.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Code + ": " + e.Field + ": " + e.Message
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// MarshalJSON writes allowed_events as [] for a closed case and omits it otherwise
// when empty.
func (e *Error) MarshalJSON() ([]byte, error) {
	type plain Error
	if e.allowedEmpty && len(e.AllowedEvents) == 0 {
		return json.Marshal(struct {
			*plain
			AllowedEvents []string `json:"allowed_events"`
		}{(*plain)(e), []string{}})
	}
	return json.Marshal((*plain)(e))
}

// errorf builds a coded error.
func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// fieldErrorf builds an "invalid" error naming a field.
func fieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: ECodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// status is the one place an error code becomes an HTTP status.
func status(code string) int {
	switch code {
	case ECodeInvalid:
		return http.StatusBadRequest
	case ECodeUnauthorized:
		return http.StatusUnauthorized
	case ECodeForbidden:
		return http.StatusForbidden
	case ECodeNotFound:
		return http.StatusNotFound
	case ECodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case ECodeConflict:
		return http.StatusConflict
	case ECodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case ECodeKeyReused, ECodeCaseLimit:
		return http.StatusUnprocessableEntity
	case ECodeUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// codeOf is the coded form of any error: an *Error as it is, a cancelled or timed
// out call as unavailable, anything else internal.
func codeOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.As(err, &unavailable), errors.As(err, &deadline):
		return &Error{Code: ECodeUnavailable, Message: "Temporal did not answer in time; try again", cause: err}
	}
	return &Error{Code: ECodeInternal, Message: "internal error", cause: err}
}

// writeError answers with the coded form of err and logs what the caller does not see.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := codeOf(err)
	if e.Code == ECodeUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="caseflow"`)
	}
	if e.cause != nil && (e.Code == ECodeInternal || e.Code == ECodeUnavailable) {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", e.cause.Error()))
	}
	writeJSON(w, status(e.Code), struct {
		Error *Error `json:"error"`
	}{e})
}

// eventError maps a refused or failed event (the UpdateEvent update) to a coded
// error: the workflow's stable ApplicationError types, and Temporal's own errors.
// A closed workflow is reported by the caller, which knows the case.
func eventError(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		var d workflows.RefusalDetails
		if appErr.HasDetails() {
			_ = appErr.Details(&d)
		}
		msg := appErr.Message()
		switch appErr.Type() {
		case workflows.ErrTypeIllegalTransition:
			return &Error{Code: ECodeConflict, Message: msg, State: d.State, AllowedEvents: d.AllowedEvents, allowedEmpty: true}
		case workflows.ErrTypeInvalidData:
			return &Error{Code: ECodeInvalid, Message: msg, Field: dataField(d.Field)}
		case workflows.ErrTypeUnknownEvent:
			field := d.Field
			if field == "" {
				field = "event"
			}
			return &Error{Code: ECodeInvalid, Message: msg, Field: field}
		case workflows.ErrTypeForbidden:
			return &Error{Code: ECodeForbidden, Message: msg}
		case workflows.ErrTypeCaseLimit:
			return &Error{Code: ECodeCaseLimit, Message: msg}
		}
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return &Error{Code: ECodeNotFound, Message: "no such case", cause: err}
	}
	var notReady *serviceerror.WorkflowNotReady
	if errors.As(err, &notReady) {
		return &Error{Code: ECodeUnavailable, cause: err, Message: "the case takes no events now: its workflow task keeps failing " +
			"(a worker cannot run it; the worker's log says why), so the event is not applied yet; send it again " +
			"with the same Idempotency-Key, which applies it once, when a worker runs the case"}
	}
	return err
}

// dataField turns a field of an event's data into its path in the request body.
func dataField(field string) string {
	switch {
	case field == "":
		return "data"
	case field == "data", strings.HasPrefix(field, "data."):
		return field
	}
	return "data." + field
}
