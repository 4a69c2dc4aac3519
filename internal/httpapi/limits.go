package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/caseflow/caseflow/workflows"
)

// Limits of the JSON of an intake or an event. A body is at most MaxBodyBytes,
// but what reaches Temporal is that JSON decoded and encoded again, where each
// of <, > and & takes six bytes: without these limits a 1 MiB body could become
// a 6 MiB workflow input, over Temporal's 2 MiB payload limit, and each update's
// answer carries the case's data again.
const (
	// MaxStringChars is the most characters of a string value.
	MaxStringChars = 10_000
	// MaxKeyChars is the most characters of an object key: no field name is longer.
	MaxKeyChars = 100
	// MaxArrayItems is the most items of an array.
	MaxArrayItems = 1000
	// MaxDepth is the deepest nesting of objects and arrays.
	MaxDepth = 16
	// MaxIntakeBytes is the most bytes an intake may take once encoded for Temporal.
	MaxIntakeBytes = 256 << 10
	// MaxEventDataBytes is the most bytes an event's data may take once encoded
	// for Temporal; it holds a string of MaxStringChars characters however escaped.
	MaxEventDataBytes = 64 << 10
)

// checkJSON reads the JSON value raw against the Go type t it is to be decoded
// into (nil: any JSON) and refuses, naming the field by its path in the request
// body (prefix, e.g. "data", before it): an unknown field, a value of the wrong
// JSON type, and a value over the limits above. encoding/json names an unknown
// field without its path and a field inside an array without its index; this
// names both. raw must be well-formed JSON.
func checkJSON(raw []byte, t reflect.Type, prefix string) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	c := &jsonChecker{dec: json.NewDecoder(bytes.NewReader(raw))}
	c.dec.UseNumber()
	if err := c.value(prefix, t, 0); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		if prefix == "" {
			prefix = "body"
		}
		return fieldErrorf(prefix, "malformed JSON: %v", err)
	}
	return nil
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

// jsonChecker walks one JSON document token by token.
type jsonChecker struct {
	dec *json.Decoder
}

// value checks the next value of the document, found at path, against t.
func (c *jsonChecker) value(path string, t reflect.Type, depth int) error {
	t = decodedType(t)
	tok, err := c.dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if depth >= MaxDepth {
			return fieldErrorf(orBody(path), "nests objects and arrays deeper than %d levels", MaxDepth)
		}
		if v == '{' {
			return c.object(path, t, depth)
		}
		return c.array(path, t, depth)
	case string:
		if n := utf8.RuneCountInString(v); n > MaxStringChars {
			return fieldErrorf(orBody(path), "must be at most %d characters, has %d", MaxStringChars, n)
		}
		if t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return nil // []byte takes base64 text
		}
		return mismatch(path, t, "string", reflect.String)
	case json.Number:
		return mismatch(path, t, "number", reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64)
	case bool:
		return mismatch(path, t, "bool", reflect.Bool)
	}
	return nil // null fits every type
}

// object checks the members of an object whose '{' was read.
func (c *jsonChecker) object(path string, t reflect.Type, depth int) error {
	if err := mismatch(path, t, "object", reflect.Struct, reflect.Map); err != nil {
		return err
	}
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	for c.dec.More() {
		tok, err := c.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if n := utf8.RuneCountInString(key); n > MaxKeyChars {
			return fieldErrorf(orBody(path), "has a key of %d characters; a field name is at most %d", n, MaxKeyChars)
		}
		name := key
		if name == "" {
			name = `""`
		}
		member := join(path, name)
		var mt reflect.Type
		switch {
		case t == nil:
		case t.Kind() == reflect.Map:
			mt = t.Elem()
		default:
			var ok bool
			if mt, ok = fieldOf(fields, key); !ok {
				return fieldErrorf(member, "unknown field")
			}
		}
		if err := c.value(member, mt, depth+1); err != nil {
			return err
		}
	}
	_, err := c.dec.Token() // '}'
	return err
}

// array checks the items of an array whose '[' was read.
func (c *jsonChecker) array(path string, t reflect.Type, depth int) error {
	if err := mismatch(path, t, "array", reflect.Slice, reflect.Array); err != nil {
		return err
	}
	var elem reflect.Type
	if t != nil {
		elem = t.Elem()
	}
	for i := 0; c.dec.More(); i++ {
		if i == MaxArrayItems {
			return fieldErrorf(orBody(path), "must have at most %d items", MaxArrayItems)
		}
		if err := c.value(fmt.Sprintf("%s[%d]", path, i), elem, depth+1); err != nil {
			return err
		}
	}
	_, err := c.dec.Token() // ']'
	return err
}

// mismatch refuses a JSON value of kind got where t (nil: anything) wants none
// of kinds, in the words encoding/json's errors use in workflows.DecodeStrict.
func mismatch(path string, t reflect.Type, got string, kinds ...reflect.Kind) error {
	if t == nil {
		return nil
	}
	for _, k := range kinds {
		if t.Kind() == k {
			return nil
		}
	}
	return fieldErrorf(orBody(path), "must be %s, not %s", workflows.JSONKind(t), got)
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodedType is the type a JSON value decodes into: pointers followed; nil (no
// check) for an interface or a type that decodes itself.
func decodedType(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Kind() == reflect.Interface || t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) ||
			t.Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
			return nil
		}
		if t.Kind() != reflect.Pointer {
			return t
		}
		t = t.Elem()
	}
	return nil
}

// fieldOf finds a struct's field by JSON key as encoding/json does: the exact
// name, else one equal under case folding.
func fieldOf(fields map[string]reflect.Type, key string) (reflect.Type, bool) {
	if t, ok := fields[key]; ok {
		return t, true
	}
	for name, t := range fields {
		if strings.EqualFold(name, key) {
			return t, true
		}
	}
	return nil, false
}

// fieldCache holds jsonFields by type.
var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps the JSON names of a struct's fields, those of untagged embedded
// structs included, to their types. A shallower field hides a deeper one of the
// same name.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = ft
	}
	for _, et := range embedded {
		for name, ft := range jsonFields(et) {
			if _, ok := m[name]; !ok {
				m[name] = ft
			}
		}
	}
	fieldCache.Store(t, m)
	return m
}

// join appends a member name to a path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// orBody names the whole body when path is empty.
func orBody(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
