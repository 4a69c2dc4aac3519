package payload

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// TagShared is the struct tag that marks a field whose decoded value is shared:
// `payload:"shared"`.
const TagShared = "shared"

// JSONConverter is the SDK's JSON payload converter ("json/plain"): it encodes
// with it, byte for byte, and decodes as it does, except for one thing. When the
// target is a struct (or a pointer to one) with fields tagged `payload:"shared"`,
// each such field's value is decoded once per distinct encoding — the SHA-256 of
// the field's raw JSON — and every later payload with the same bytes gets the
// same decoded value: the same pointers, maps and slices. The same bytes always
// give the same value, so the sharing is invisible to a workflow and to replay,
// provided a shared value is read-only: code that needs to change one of its
// maps or slices clones it first.
//
// A shared field is an exported, named field of the struct itself (not of an
// embedded one), and no other field of the struct may have a JSON name equal to
// its own up to case. A struct that decodes itself (json.Unmarshaler) is decoded
// as the SDK would, without sharing. A shared field is replaced, not merged
// into: decode into a fresh value, as the SDK does.
//
// It keeps at most max distinct values; past that a value is decoded for its
// payload alone. It is safe for concurrent use.
type JSONConverter struct {
	sdk   converter.JSONPayloadConverter
	plans sync.Map // reflect.Type of the value pointer → *plan

	mu     sync.Mutex
	max    int
	values map[sharedKey]reflect.Value
}

var _ converter.PayloadConverter = (*JSONConverter)(nil)

// sharedKey names a decoded value: its type and the SHA-256 of its encoding.
type sharedKey struct {
	t   reflect.Type
	sum [sha256.Size]byte
}

// plan is how values of one target type decode: the shared fields of the
// struct it points to (none: decode as the SDK does).
type plan struct {
	fields []sharedField
	// ptrs is the number of pointers between the value pointer's element and
	// the struct.
	ptrs int
	err  error
}

// sharedField is a field tagged `payload:"shared"`.
type sharedField struct {
	index int
	key   string // its JSON name
	name  string // Struct.Field, for errors
	typ   reflect.Type
}

// NewJSONConverter returns a converter that keeps at most max shared values.
// A process uses one, JSON(), so that all its clients and workers share; a
// separate one is for tests.
func NewJSONConverter(max int) *JSONConverter {
	return &JSONConverter{max: max, values: map[sharedKey]reflect.Value{}}
}

// Encoding is "json/plain", the SDK's JSON converter's.
func (c *JSONConverter) Encoding() string { return c.sdk.Encoding() }

// ToPayload encodes value as the SDK's JSON converter does.
func (c *JSONConverter) ToPayload(value any) (*commonpb.Payload, error) {
	return c.sdk.ToPayload(value)
}

// ToString is the payload's JSON.
func (c *JSONConverter) ToString(p *commonpb.Payload) string { return c.sdk.ToString(p) }

// FromPayload decodes p into valuePtr, sharing the values of its shared fields.
func (c *JSONConverter) FromPayload(p *commonpb.Payload, valuePtr any) error {
	pl := c.plan(reflect.TypeOf(valuePtr))
	if pl.err != nil {
		return fmt.Errorf("%w: %w", converter.ErrUnableToDecode, pl.err)
	}
	if len(pl.fields) == 0 {
		return c.sdk.FromPayload(p, valuePtr)
	}
	if err := c.decode(p.GetData(), valuePtr, pl); err != nil {
		return fmt.Errorf("%w: %w", converter.ErrUnableToDecode, err)
	}
	return nil
}

// Len is the number of shared values kept.
func (c *JSONConverter) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.values)
}

// plan returns the cached plan for values of type t, making it the first time.
func (c *JSONConverter) plan(t reflect.Type) *plan {
	if pl, ok := c.plans.Load(t); ok {
		return pl.(*plan)
	}
	pl, _ := c.plans.LoadOrStore(t, makePlan(t))
	return pl.(*plan)
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// makePlan finds the shared fields of the struct t points to, through any
// number of pointers.
func makePlan(t reflect.Type) *plan {
	if t == nil || t.Kind() != reflect.Pointer {
		return &plan{} // the SDK's converter reports it
	}
	s, ptrs := t.Elem(), 0
	for s.Kind() == reflect.Pointer {
		s, ptrs = s.Elem(), ptrs+1
	}
	if s.Kind() != reflect.Struct {
		return &plan{}
	}
	if p := reflect.PointerTo(s); p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler) {
		return &plan{}
	}
	pl := &plan{ptrs: ptrs}
	for i := range s.NumField() {
		f := s.Field(i)
		if f.Tag.Get("payload") != TagShared {
			continue
		}
		if !f.IsExported() || f.Anonymous || f.Tag.Get("json") == "-" {
			return &plan{err: fmt.Errorf("payload: %s.%s is tagged shared but is not an exported, named field with a JSON name", s, f.Name)}
		}
		pl.fields = append(pl.fields, sharedField{index: i, key: jsonName(f), name: s.String() + "." + f.Name, typ: f.Type})
	}
	for _, sf := range pl.fields {
		for i := range s.NumField() {
			f := s.Field(i)
			if i != sf.index && f.IsExported() && strings.EqualFold(jsonName(f), sf.key) {
				return &plan{err: fmt.Errorf("payload: %s shares its JSON name %q, up to case, with %s", sf.name, sf.key, f.Name)}
			}
		}
	}
	return pl
}

// jsonName is the key encoding/json reads f from.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

// decode decodes data into valuePtr: the shared fields from the kept values,
// the rest as encoding/json does.
func (c *JSONConverter) decode(data []byte, valuePtr any, pl *plan) error {
	raws, rest, ok := split(data, pl.fields)
	if !ok {
		// Not an object with a shared field, or not JSON: the SDK's converter
		// decodes it, or says why it cannot.
		return json.Unmarshal(data, valuePtr)
	}
	values := make([]reflect.Value, len(pl.fields))
	for i, raw := range raws {
		if raw == nil {
			continue
		}
		v, err := c.shared(&pl.fields[i], raw)
		if err != nil {
			return err
		}
		values[i] = v
	}
	if err := json.Unmarshal(rest, valuePtr); err != nil {
		return err
	}
	s := reflect.ValueOf(valuePtr).Elem()
	for range pl.ptrs {
		s = s.Elem()
	}
	for i, v := range values {
		if v.IsValid() {
			s.Field(pl.fields[i].index).Set(v)
		}
	}
	return nil
}

// split reads the members of the JSON object in data: it returns the raw value
// of each shared field (nil when absent or null; when repeated, the one
// encoding/json would keep) and data with those values replaced by null. ok is
// false when data is not an object or holds no shared field.
func split(data []byte, fields []sharedField) (raws [][]byte, rest []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	type span struct{ from, to int64 }
	var spans []span
	raws = make([][]byte, len(fields))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		key, _ := tok.(string)
		afterKey := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, false
		}
		for i, f := range fields {
			if key == f.key || strings.EqualFold(key, f.key) {
				spans = append(spans, span{afterKey, dec.InputOffset()})
				switch {
				case string(raw) != "null":
					raws[i] = raw
				case nullable(f.typ):
					raws[i] = nil
				}
			}
		}
	}
	if _, err := dec.Token(); err != nil || len(spans) == 0 {
		return nil, nil, false
	}
	rest = make([]byte, 0, len(data))
	last := int64(0)
	for _, s := range spans {
		rest = append(rest, data[last:s.from]...)
		rest = append(rest, ":null"...)
		last = s.to
	}
	rest = append(rest, data[last:]...)
	return raws, rest, true
}

// nullable reports whether JSON null sets a value of type t to its zero value;
// for other types encoding/json ignores it.
func nullable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return true
	}
	return false
}

// shared returns the decoded value of raw for field f: the kept one, or a new
// one, kept if there is room.
func (c *JSONConverter) shared(f *sharedField, raw []byte) (reflect.Value, error) {
	k := sharedKey{t: f.typ, sum: sha256.Sum256(raw)}
	c.mu.Lock()
	v, ok := c.values[k]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	p := reflect.New(f.typ)
	if err := json.Unmarshal(raw, p.Interface()); err != nil {
		return reflect.Value{}, fmt.Errorf("payload: unable to decode the shared field %s: %w", f.name, err)
	}
	v = p.Elem()
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept, ok := c.values[k]; ok {
		return kept, nil // decoded meanwhile by another payload: share that one
	}
	if len(c.values) < c.max {
		c.values[k] = v
	}
	return v, nil
}
