// Package strictjson decodes JSON strictly and names what is wrong by its JSON
// path. Both the workflows (an event's data, in the update validator) and the
// HTTP API (an intake, an event body) decode through it, so a document is taken
// or refused the same way, in the same words, at both ends.
//
// Strict means: no unknown field, no value of the wrong JSON type, no key given
// twice (encoding/json matches a struct field's key case-insensitively and keeps
// the last one, so {"plc":true,"PLC":false} would quietly decode as false), no
// data after the value, and nothing over the limits (MaxStringChars…).
//
// It imports only the standard library.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// FieldError names the input field at fault, by its JSON path
// ("customer.phone", "previous_service[1].number"), and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Errorf builds a FieldError.
func Errorf(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// DataField names a whole decoded document in Decode's errors.
const DataField = "data"

// validator is implemented by values that check themselves once decoded.
type validator interface{ Validate() error }

// Decode parses raw into a new T and refuses, with a *FieldError naming the
// JSON path, what Check refuses (unknown fields, type mismatches, duplicate
// keys, values over the limits, trailing data), then runs T's own
// Validate() error if it has one. An empty or null raw is a zero T, validated.
// A problem of the document as a whole names DataField.
func Decode[T any](raw []byte) (*T, error) {
	v := new(T)
	t := reflect.TypeFor[T]()
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null")) {
		if err := walk(raw, t, "", DataField); err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return nil, decodeError(err, t)
		}
	}
	if val, ok := any(v).(validator); ok {
		if err := val.Validate(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return nil, fe
			}
			return nil, Errorf(DataField, "%v", err)
		}
	}
	return v, nil
}

// decodeError turns an encoding/json error decoding into t into a FieldError
// naming the field by its JSON path. The walk before the decoding refuses
// almost all of these first, with the path's array indices too.
func decodeError(err error, t reflect.Type) *FieldError {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := jsonPath(t, typeErr.Field)
		if field == "" {
			field = DataField
		}
		return Errorf(field, "must be %s, not %s", kind(typeErr.Type), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return Errorf(DataField, "malformed JSON at byte %d: %v", syntaxErr.Offset, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return Errorf(name, "unknown field")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(DataField, "incomplete JSON")
	default:
		return Errorf(DataField, "%v", err)
	}
}

// jsonPath turns the field path encoding/json reports for t into the path a
// client wrote: since Go 1.24 the path names untagged embedded structs
// ("CommonIntake.customer.phone"), which the JSON document does not have.
func jsonPath(t reflect.Type, field string) string {
	embedded := map[string]bool{}
	embeddedNames(t, embedded, map[reflect.Type]bool{})
	if len(embedded) == 0 {
		return field
	}
	parts := strings.Split(field, ".")
	parts = slices.DeleteFunc(parts, func(p string) bool { return embedded[p] })
	return strings.Join(parts, ".")
}

// embeddedNames collects the Go names of the untagged embedded structs within t.
func embeddedNames(t reflect.Type, into map[string]bool, seen map[reflect.Type]bool) {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); f.Anonymous && name == "" {
			into[f.Name] = true
		}
		embeddedNames(f.Type, into, seen)
	}
}

// kind names the JSON a Go type takes, for error messages: "a string",
// "a number", "an array"…
func kind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.Kind().String()
}
