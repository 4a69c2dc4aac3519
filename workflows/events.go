package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"
)

// validator is implemented by intake and event data that check themselves.
type validator interface{ Validate() error }

// EventSpec describes one event people may send to a case type: who may send it,
// which fsm events it can fire and the shape of its data.
type EventSpec struct {
	Name  string
	Doc   string
	Roles []string
	// FSMEvents are the machine events this event may fire; Route picks one from the data.
	FSMEvents []string
	// DataType is the Go type of the event's data, for its JSON schema.
	DataType reflect.Type
	decode   func(json.RawMessage) (any, error)
	route    func(any) string
}

// Decode parses and checks the event's data; a problem comes back as *FieldError.
func (e *EventSpec) Decode(raw json.RawMessage) (any, error) { return e.decode(raw) }

// FSMEvent is the machine event that data fires.
func (e *EventSpec) FSMEvent(data any) string {
	if e.route != nil {
		return e.route(data)
	}
	return e.FSMEvents[0]
}

// Allows reports whether role may send the event. Admins may send every event but
// the engine's own.
func (e *EventSpec) Allows(role string) bool {
	return role == RoleAdmin || slices.Contains(e.Roles, role)
}

// newEvent describes an event whose data is a T. Without fsmEvents the event
// fires the machine event of its own name; route picks one of several and may be
// nil when there is one.
func newEvent[T any](name, doc string, roles []string, route func(*T) string, fsmEvents ...string) EventSpec {
	if len(fsmEvents) == 0 {
		fsmEvents = []string{name}
	}
	spec := EventSpec{
		Name: name, Doc: doc, Roles: roles, FSMEvents: fsmEvents,
		DataType: reflect.TypeFor[T](),
		decode:   func(raw json.RawMessage) (any, error) { return DecodeStrict[T](raw) },
	}
	if route != nil {
		spec.route = func(v any) string { return route(v.(*T)) }
	}
	return spec
}

// DecodeStrict parses JSON into a new T, refusing unknown fields, type mismatches
// and trailing data, then runs T's own Validate. Errors are *FieldError.
func DecodeStrict[T any](raw json.RawMessage) (*T, error) {
	v := new(T)
	if len(bytes.TrimSpace(raw)) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return nil, jsonFieldError(err, reflect.TypeFor[T]())
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fieldErr("data", "unexpected data after the JSON object")
		}
	}
	if val, ok := any(v).(validator); ok {
		if err := val.Validate(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return nil, fe
			}
			return nil, fieldErr("data", "%v", err)
		}
	}
	return v, nil
}

// jsonFieldError turns an encoding/json error decoding into t into a FieldError
// naming the field by its JSON path.
func jsonFieldError(err error, t reflect.Type) *FieldError {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := JSONPath(t, typeErr.Field)
		if field == "" {
			field = "data"
		}
		return fieldErr(field, "must be %s, not %s", JSONKind(typeErr.Type), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fieldErr("data", "malformed JSON at byte %d: %v", syntaxErr.Offset, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldErr(name, "unknown field")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fieldErr("data", "incomplete JSON")
	default:
		return fieldErr("data", "%v", err)
	}
}

// JSONPath turns the field path encoding/json reports for t into the path a
// client wrote: since Go 1.24 the path names untagged embedded structs
// ("CommonIntake.customer.phone"), which the JSON document does not have.
func JSONPath(t reflect.Type, field string) string {
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

// JSONKind names the JSON a Go type takes, for error messages: "a string",
// "a number", "an array"…
func JSONKind(t reflect.Type) string {
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

// Common checks used by intake and event data.

func required(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return fieldErr(field, "is required")
	}
	return nil
}

func oneOf(field, v string, allowed ...string) error {
	if !slices.Contains(allowed, v) {
		return fieldErr(field, "must be one of %s, not %q", strings.Join(allowed, ", "), v)
	}
	return nil
}

func isoDate(field, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return fieldErr(field, "must be a date YYYY-MM-DD, not %q", v)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
