package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// Limits of a document. They bound what a decoded value may hold whatever the
// size of its JSON: a caller with a byte limit on the encoded value (Temporal's
// payload limit) still needs them, as each of <, > and & takes six bytes once
// encoded again.
const (
	// MaxStringChars is the most characters of a string value.
	MaxStringChars = 10_000
	// MaxKeyChars is the most characters of an object key: no field name is longer.
	MaxKeyChars = 100
	// MaxArrayItems is the most items of an array.
	MaxArrayItems = 1000
	// MaxDepth is the deepest nesting of objects and arrays.
	MaxDepth = 16
)

// BodyField names the whole document in Check's errors when there is no prefix.
const BodyField = "body"

// Check reads the JSON value raw against the Go type t it is to be decoded into
// (nil: any JSON) and refuses, with a *FieldError naming the field by its path
// after prefix ("data" gives "data.note", "data.documents[1]"): malformed JSON,
// an unknown field, a value of the wrong JSON type, a key given twice in one
// object (exactly, or for a struct field in another case: encoding/json would
// keep the last), a value over the limits above, and data after the value. A
// problem of the whole document names prefix, or BodyField when prefix is
// empty. An empty raw passes.
//
// encoding/json names an unknown field without its path and a field inside an
// array without its index; this names both.
func Check(raw []byte, t reflect.Type, prefix string) error {
	root := prefix
	if root == "" {
		root = BodyField
	}
	return walk(raw, t, prefix, root)
}

// walk is Check, naming the whole document root.
func walk(raw []byte, t reflect.Type, prefix, root string) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	w := &walker{dec: json.NewDecoder(bytes.NewReader(raw)), root: root}
	w.dec.UseNumber()
	if err := w.value(prefix, t, 0); err != nil {
		return w.named(err)
	}
	if _, err := w.dec.Token(); !errors.Is(err, io.EOF) {
		return Errorf(root, "unexpected data after the JSON value")
	}
	return nil
}

// walker walks one JSON document token by token.
type walker struct {
	dec  *json.Decoder
	root string
}

// named turns an error of the token reader into a FieldError naming the document.
func (w *walker) named(err error) *FieldError {
	var fe *FieldError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &fe):
		return fe
	case errors.As(err, &syntaxErr):
		return Errorf(w.root, "malformed JSON at byte %d: %v", syntaxErr.Offset, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(w.root, "incomplete JSON")
	}
	return Errorf(w.root, "malformed JSON: %v", err)
}

// or names the whole document when path is empty.
func (w *walker) or(path string) string {
	if path == "" {
		return w.root
	}
	return path
}

// value checks the next value of the document, found at path, against t.
func (w *walker) value(path string, t reflect.Type, depth int) error {
	t = decodedType(t)
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if depth >= MaxDepth {
			return Errorf(w.or(path), "nests objects and arrays deeper than %d levels", MaxDepth)
		}
		if v == '{' {
			return w.object(path, t, depth)
		}
		return w.array(path, t, depth)
	case string:
		if n := utf8.RuneCountInString(v); n > MaxStringChars {
			return Errorf(w.or(path), "must be at most %d characters, has %d", MaxStringChars, n)
		}
		if t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return nil // []byte takes base64 text
		}
		return w.mismatch(path, t, "string", reflect.String)
	case json.Number:
		return w.mismatch(path, t, "number", reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64)
	case bool:
		return w.mismatch(path, t, "bool", reflect.Bool)
	}
	return nil // null fits every type
}

// object checks the members of an object whose '{' was read.
func (w *walker) object(path string, t reflect.Type, depth int) error {
	if err := w.mismatch(path, t, "object", reflect.Struct, reflect.Map); err != nil {
		return err
	}
	var fields *structFields
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	var seen map[string]string // the member's name (a struct field's JSON name) → its key as sent
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if n := utf8.RuneCountInString(key); n > MaxKeyChars {
			return Errorf(w.or(path), "has a key of %d characters; a field name is at most %d", n, MaxKeyChars)
		}
		name := key
		if name == "" {
			name = `""`
		}
		member := join(path, name)
		var mt reflect.Type
		same := key
		switch {
		case t == nil:
		case t.Kind() == reflect.Map:
			mt = t.Elem()
		default:
			f, ok := fields.lookup(key)
			if !ok {
				return Errorf(member, "unknown field")
			}
			mt, same = f.typ, f.name
		}
		if seen == nil {
			seen = map[string]string{}
		}
		if first, dup := seen[same]; dup {
			if first == key {
				return Errorf(member, "is given twice; give each field once")
			}
			return Errorf(member, "is the same field as %q (keys match whatever their case); give each field once", first)
		}
		seen[same] = key
		if err := w.value(member, mt, depth+1); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // '}'
	return err
}

// array checks the items of an array whose '[' was read.
func (w *walker) array(path string, t reflect.Type, depth int) error {
	if err := w.mismatch(path, t, "array", reflect.Slice, reflect.Array); err != nil {
		return err
	}
	var elem reflect.Type
	if t != nil {
		elem = t.Elem()
	}
	for i := 0; w.dec.More(); i++ {
		if i == MaxArrayItems {
			return Errorf(w.or(path), "must have at most %d items", MaxArrayItems)
		}
		if err := w.value(fmt.Sprintf("%s[%d]", path, i), elem, depth+1); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // ']'
	return err
}

// mismatch refuses a JSON value of kind got where t (nil: anything) wants none
// of kinds, in the words of Decode's errors from encoding/json.
func (w *walker) mismatch(path string, t reflect.Type, got string, kinds ...reflect.Kind) error {
	if t == nil {
		return nil
	}
	for _, k := range kinds {
		if t.Kind() == k {
			return nil
		}
	}
	return Errorf(w.or(path), "must be %s, not %s", kind(t), got)
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

// field is a struct field as encoding/json sees it.
type field struct {
	name string // its JSON name
	typ  reflect.Type
}

// structFields are a struct's fields by JSON name, in the order encoding/json
// prefers them for a key that matches none exactly.
type structFields struct {
	list   []field
	byName map[string]int
}

// lookup finds the field a key decodes into as encoding/json does: the exact
// name, else the first equal under case folding. It never ranges over a map:
// workflow code decodes through it, and must be deterministic.
func (s *structFields) lookup(key string) (field, bool) {
	if i, ok := s.byName[key]; ok {
		return s.list[i], true
	}
	for _, f := range s.list {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return field{}, false
}

// fieldCache holds jsonFields by type.
var fieldCache sync.Map // reflect.Type → *structFields

// jsonFields lists the JSON fields of a struct, those of untagged embedded
// structs included, after its own. A shallower field hides a deeper one of the
// same name.
func jsonFields(t reflect.Type) *structFields {
	if s, ok := fieldCache.Load(t); ok {
		return s.(*structFields)
	}
	s := &structFields{byName: map[string]int{}}
	add := func(f field) {
		if _, ok := s.byName[f.name]; !ok {
			s.byName[f.name] = len(s.list)
			s.list = append(s.list, f)
		}
	}
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
		add(field{name: name, typ: ft})
	}
	for _, et := range embedded {
		for _, f := range jsonFields(et).list {
			add(f)
		}
	}
	fieldCache.Store(t, s)
	return s
}

// join appends a member name to a path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
