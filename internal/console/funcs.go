package console

import (
	"html/template"
	"strings"
	"time"
)

// funcs are the templates' helpers.
func (c *Console) funcs() template.FuncMap {
	return template.FuncMap{
		"typeLabel":  typeLabel,
		"stateLabel": stateLabel,
		"eventLabel": eventLabel,
		"roleLabel":  roleLabel,
		"human":      humanText,
		"clock":      c.clock,
		"clockp": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return c.clock(*t)
		},
		"shortID":  shortID,
		"duration": durationLabel,
		"join":     func(s []string) string { return strings.Join(s, ", ") },
	}
}
