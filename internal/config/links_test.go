package config

import (
	"strings"
	"testing"
	"time"
)

func TestLinksConfig(t *testing.T) {
	ex := Example()
	r, err := ex.Links.Ring()
	if err != nil || r == nil {
		t.Fatalf("the example's links: %v, %v", r, err)
	}
	if r.Margin != 168*time.Hour || r.TTL != 336*time.Hour {
		t.Errorf("margin %s, ttl %s", r.Margin, r.TTL)
	}
	if err := ex.CheckProduction(); err == nil || !strings.Contains(err.Error(), "links.keys[0].secret (dev-links-1)") {
		t.Errorf("an inline link key outside dev: %v", err)
	}
	if r, err := (Links{}).Ring(); r != nil || err != nil {
		t.Errorf("no keys, no links: %v, %v", r, err)
	}
	base := string(ExampleYAML())
	for name, c := range map[string]struct{ from, to, want string }{
		"no base url": {"base_url: http://127.0.0.1:8080", "base_url: ''", "base URL"},
		"bad margin":  {"margin: 168h", "margin: a week", "links.margin"},
		"no active":   {"active: dev-links-1", "active: other", `active action link key "other"`},
		"short key":   {`secret: "Vp6RJO0YLrajEILoJ0qFk0kwD9B5DX9eFz4ldA60DNU="`, `secret: "c2hvcnQ="`, "links.keys[0]"},
	} {
		_, err := Parse([]byte(strings.Replace(base, c.from, c.to, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
