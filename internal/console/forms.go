package console

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// field is one control of a form generated from a JSON schema.
type field struct {
	// Name is the JSON path of the value ("customer.phone"): the control's name.
	Name string
	// ID is the control's element ID (an error summary links to it).
	ID    string
	Label string
	// Kind: text, date, number, bool, select, list (one value a line),
	// json (anything else, as JSON), group (an object's fields, a fieldset).
	Kind     string
	Required bool
	Options  []option
	Value    string
	Error    string
	Hint     string
	Fields   []field
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// schema is the part of a JSON schema the forms read.
type schema struct {
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Format      string          `json:"format"`
	Enum        []any           `json:"enum"`
	Items       *schema         `json:"items"`
	Properties  json.RawMessage `json:"properties"`
	Required    []string        `json:"required"`
}

// fieldsOf builds the controls of an object schema, in the schema's order
// (the Go struct's), skipping the names in skip.
func fieldsOf(raw json.RawMessage, prefix string, skip ...string) []field {
	var s schema
	if json.Unmarshal(raw, &s) != nil || len(s.Properties) == 0 {
		return nil
	}
	var props map[string]json.RawMessage
	_ = json.Unmarshal(s.Properties, &props)
	var out []field
	for _, name := range orderedKeys(s.Properties) {
		if prefix == "" && contains(skip, name) {
			continue
		}
		var p schema
		_ = json.Unmarshal(props[name], &p)
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		f := field{Name: path, ID: "f-" + path, Label: fieldLabel(name, p.Title), Required: contains(s.Required, name)}
		switch {
		case len(p.Enum) > 0:
			f.Kind = "select"
			f.Options = append(f.Options, option{Value: "", Label: "—"})
			for _, v := range p.Enum {
				sv, _ := v.(string)
				f.Options = append(f.Options, option{Value: sv, Label: valueLabel(sv)})
			}
		case p.Type == "string" && p.Format == "date":
			f.Kind = "date"
		case p.Type == "string":
			f.Kind = "text"
		case p.Type == "integer" || p.Type == "number":
			f.Kind = "number"
		case p.Type == "boolean":
			f.Kind = "bool"
			f.Options = []option{{Value: "", Label: "—"}, {Value: "true", Label: "Да"}, {Value: "false", Label: "Нет"}}
		case p.Type == "array" && p.Items != nil && (p.Items.Type == "string" || p.Items.Type == "integer"):
			f.Kind = "list"
			f.Hint = "по одному значению в строке"
			if len(p.Items.Enum) > 0 {
				var vals []string
				for _, v := range p.Items.Enum {
					if sv, ok := v.(string); ok {
						vals = append(vals, valueLabel(sv)+" — "+sv)
					}
				}
				f.Hint = "по одному в строке; возможные значения: " + strings.Join(vals, "; ")
			}
		case p.Type == "object" && len(p.Properties) > 0:
			f.Kind = "group"
			f.Fields = fieldsOf(props[name], path)
		default:
			f.Kind = "json"
			f.Hint = "в формате JSON"
		}
		out = append(out, f)
	}
	return out
}

// orderedKeys are the keys of a JSON object in their order.
func orderedKeys(raw json.RawMessage) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// fill puts the submitted values back into the controls.
func fill(fields []field, form url.Values) {
	for i := range fields {
		f := &fields[i]
		if f.Kind == "group" {
			fill(f.Fields, form)
			continue
		}
		f.Value = form.Get(f.Name)
		for j := range f.Options {
			f.Options[j].Selected = f.Options[j].Value == f.Value
		}
	}
}

// collect builds the JSON object of the submitted form: typed by the controls,
// empty controls left out (the API then names a missing required field).
func collect(fields []field, form url.Values) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		key := f.Name[strings.LastIndex(f.Name, ".")+1:]
		v := strings.TrimSpace(form.Get(f.Name))
		switch f.Kind {
		case "group":
			if sub := collect(f.Fields, form); len(sub) > 0 {
				out[key] = sub
			}
			continue
		case "list":
			var items []string
			for _, line := range strings.Split(v, "\n") {
				if line = strings.TrimSpace(line); line != "" {
					items = append(items, line)
				}
			}
			if len(items) > 0 {
				out[key] = items
			}
			continue
		}
		if v == "" {
			continue
		}
		switch f.Kind {
		case "number":
			if n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64); err == nil {
				out[key] = n
			} else {
				out[key] = v // the API names the field that is not a number
			}
		case "bool":
			out[key] = v == "true"
		case "json":
			if json.Valid([]byte(v)) {
				out[key] = json.RawMessage(v)
			} else {
				out[key] = v
			}
		default:
			out[key] = v
		}
	}
	return out
}

// markError sets the error of the control the API's field path names and
// reports its ID and label; ok is false when no control has that name.
func markError(fields []field, path, message string) (id, label string, ok bool) {
	for i := range fields {
		f := &fields[i]
		if f.Kind == "group" {
			if id, label, ok := markError(f.Fields, path, message); ok {
				return id, label, ok
			}
			continue
		}
		if f.Name == path || strings.HasPrefix(path, f.Name+".") || strings.HasPrefix(path, f.Name+"[") {
			f.Error = message
			return f.ID, f.Label, true
		}
	}
	return "", "", false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
