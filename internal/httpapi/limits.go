package httpapi

import (
	"encoding/json"
	"errors"
	"reflect"

	"github.com/caseflow/caseflow/internal/strictjson"
)

// Limits of the JSON of an intake or an event, beyond those of every document
// (strictjson.MaxStringChars…). A body is at most MaxBodyBytes, but what reaches
// Temporal is that JSON decoded and encoded again, where each of <, > and &
// takes six bytes: without these limits a 1 MiB body could become a 6 MiB
// workflow input, over Temporal's 2 MiB payload limit, and each update's answer
// carries the case's data again.
const (
	// MaxIntakeBytes is the most bytes an intake may take once encoded for Temporal.
	MaxIntakeBytes = 256 << 10
	// MaxEventDataBytes is the most bytes an event's data may take once encoded
	// for Temporal; it holds a string of strictjson.MaxStringChars characters
	// however escaped.
	MaxEventDataBytes = 64 << 10
)

// checkJSON reads the JSON value raw against the Go type t it is to be decoded
// into (nil: any JSON) as strictjson.Check does, and refuses with an invalid
// error naming the field by its path in the request body (prefix, e.g. "data",
// before it).
func checkJSON(raw []byte, t reflect.Type, prefix string) error {
	if err := strictjson.Check(raw, t, prefix); err != nil {
		return invalidField(err, strictjson.BodyField)
	}
	return nil
}

// invalidField turns a *strictjson.FieldError into an invalid error naming its
// field; any other error names field.
func invalidField(err error, field string) *Error {
	var fe *strictjson.FieldError
	if errors.As(err, &fe) {
		return fieldErrorf(fe.Field, "%s", fe.Problem)
	}
	return fieldErrorf(field, "%v", err)
}

// checkEncodedSize refuses a value whose JSON, as Temporal's data converter
// writes it, is over limit bytes; field names the value in the request body.
func checkEncodedSize(v any, limit int, field, what string) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fieldErrorf(field, "unable to encode %s: %v", what, err)
	}
	if len(raw) > limit {
		return fieldErrorf(field, "%s is too large: %d bytes once encoded, at most %d (%d KiB)", what, len(raw), limit, limit>>10)
	}
	return nil
}
