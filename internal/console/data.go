package console

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// datum is one line of a case's data as the case page lists it.
type datum struct {
	Label string
	Value string
	Items []datum
}

// describe lists a case's data (the type's view) in the order the type keeps
// it, with Russian names; empty values are left out.
func (c *Console) describe(raw json.RawMessage) (string, []datum) {
	raw = json.RawMessage(strings.TrimSpace(string(raw)))
	if len(raw) == 0 {
		return "", nil
	}
	switch raw[0] {
	case '{':
		var fields map[string]json.RawMessage
		_ = json.Unmarshal(raw, &fields)
		var out []datum
		for _, k := range orderedKeys(raw) {
			v, items := c.describe(fields[k])
			if v != "" || len(items) > 0 {
				out = append(out, datum{Label: fieldLabel(k, ""), Value: v, Items: items})
			}
		}
		return "", out
	case '[':
		var list []json.RawMessage
		_ = json.Unmarshal(raw, &list)
		var scalars []string
		var out []datum
		for i, x := range list {
			v, items := c.describe(x)
			if len(items) > 0 {
				out = append(out, datum{Label: fmt.Sprint(i + 1), Items: items})
			} else if v != "" {
				scalars = append(scalars, v)
			}
		}
		return strings.Join(scalars, "; "), out
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return c.clock(t), nil
		}
		if l, ok := valueLabels[s]; ok {
			return l, nil
		}
		return humanText(s), nil
	case 't':
		return "да", nil
	case 'f':
		return "нет", nil
	case 'n':
		return "", nil
	}
	return string(raw), nil
}
