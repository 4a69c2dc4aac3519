package workflows

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/caseflow/caseflow/internal/strictjson"
)

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
		decode:   func(raw json.RawMessage) (any, error) { return strictjson.Decode[T](raw) },
	}
	if route != nil {
		spec.route = func(v any) string { return route(v.(*T)) }
	}
	return spec
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
