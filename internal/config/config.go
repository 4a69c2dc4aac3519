// Package config loads caseflow's configuration file: calendars and SLA policies,
// the directory (who gets what), tokens, mail and encryption settings. A config is
// checked as a whole on load; every problem names its key.
package config

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/caseflow/caseflow/internal/actionlink"

	"github.com/caseflow/caseflow/internal/calendar"
	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/workflows"
)

// Config is the whole configuration file.
type Config struct {
	Calendars map[string]calendar.CalendarConfig `yaml:"calendars"`
	SLA       map[string]calendar.PolicyConfig   `yaml:"sla"`
	// Directory and Options are read key by key by the case types that declare
	// them (GET /v1/case-types lists each type's keys).
	Directory map[string]any `yaml:"directory"`
	Options   map[string]any `yaml:"options"`
	Mail      Mail           `yaml:"mail"`
	Auth      Auth           `yaml:"auth"`
	Codec     Codec          `yaml:"codec"`
	Links     Links          `yaml:"links"`
	Access    Access         `yaml:"access"`
	// Signing is the key ring of event signatures (internal/eventsig).
	Signing Signing `yaml:"event_signing"`

	// Warnings are non-fatal findings of Load (a year without calendar data).
	Warnings []string `yaml:"-"`
	set      *calendar.Set
	settings *workflows.Settings
}

// Mail configures outgoing mail.
type Mail struct {
	From string `yaml:"from"`
}

// Auth lists the API's bearer tokens.
type Auth struct {
	Tokens []Token `yaml:"tokens"`
}

// Token maps a bearer token to a caller. Give the token itself (Token), the name of
// an environment variable that holds it (TokenEnv), or its SHA-256 in hex
// (TokenSHA256) so that the file never holds the secret.
type Token struct {
	Name        string `yaml:"name"`
	Role        string `yaml:"role"`
	Token       string `yaml:"token"`
	TokenEnv    string `yaml:"token_env"`
	TokenSHA256 string `yaml:"token_sha256"`
}

// Hash is the SHA-256 of the token, as compared at the API.
func (t Token) Hash() ([32]byte, error) {
	var h [32]byte
	switch {
	case t.TokenSHA256 != "":
		b, err := hex.DecodeString(t.TokenSHA256)
		if err != nil || len(b) != 32 {
			return h, fmt.Errorf("token_sha256 must be 64 hex digits")
		}
		copy(h[:], b)
		return h, nil
	case t.TokenEnv != "":
		v := os.Getenv(t.TokenEnv)
		if v == "" {
			return h, fmt.Errorf("environment variable %s (token_env) is empty", t.TokenEnv)
		}
		return sha256.Sum256([]byte(v)), nil
	case t.Token != "":
		return sha256.Sum256([]byte(t.Token)), nil
	}
	return h, errors.New("needs token, token_env or token_sha256")
}

// Access overrides the read matrix (internal/access): for a case type, the
// roles that read all its cases. A type not named keeps the registry's default
// (GET /v1/case-types: read_roles); admins read every case, and anybody else
// only the cases where they hold a task.
type Access struct {
	Read map[string][]string `yaml:"read"`
}

// Signing is the key ring the API signs events with and the worker checks
// their signatures with (internal/eventsig): HMAC-SHA256 keys, base64 of 32
// bytes, like codec keys. Active is the key the API signs with; a worker
// checks with every key. An ID left empty is the key's fingerprint.
type Signing struct {
	Active string `yaml:"active"`
	Keys   []Key  `yaml:"keys"`
}

// Codec configures the payload encryption of Temporal data.
type Codec struct {
	// Active is the ID of the key new payloads are encrypted with.
	Active string `yaml:"active"`
	Keys   []Key  `yaml:"keys"`
	// SealedFormat is the sealed format new payloads are written in: 2 (the
	// default when 0), or 1 during an upgrade from a release before format 2,
	// while its workers may still run: they read only format 1.
	SealedFormat int `yaml:"sealed_format"`
}

// Key is one AES-256 key: base64 of 32 bytes, inline or from an environment variable.
type Key struct {
	ID        string `yaml:"id"`
	Secret    string `yaml:"secret"`
	SecretEnv string `yaml:"secret_env"`
}

// Bytes decodes the key.
func (k Key) Bytes() ([]byte, error) {
	s := k.Secret
	if k.SecretEnv != "" {
		s = os.Getenv(k.SecretEnv)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("key %q must be base64 of 32 bytes", k.ID)
	}
	return b, nil
}

// Links configures the signed action links of letters that ask for a decision
// (README "A decision by mail"). Without keys, letters carry no links.
type Links struct {
	// BaseURL is the API as a recipient's mail client reaches it
	// (https://cases.example.com); links are BaseURL/act/<token>.
	BaseURL string `yaml:"base_url"`
	// Margin is added to the decision's deadline to make a link's expiry
	// (a Go duration, such as 168h); empty: 7 days.
	Margin string `yaml:"margin"`
	// TTL is the life of a link whose decision has no deadline; empty: 14 days.
	TTL string `yaml:"ttl"`
	// Active is the ID of the key new links are signed with; every key of Keys
	// is accepted, so a key is rotated as codec keys are.
	Active string `yaml:"active"`
	Keys   []Key  `yaml:"keys"`
}

// Ring is the key ring of the action links; nil when no keys are configured.
func (l Links) Ring() (*actionlink.Ring, error) {
	if len(l.Keys) == 0 {
		return nil, nil
	}
	keys := map[string][]byte{}
	for i, k := range l.Keys {
		b, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("links.keys[%d]: %w", i, err)
		}
		if _, dup := keys[k.ID]; dup {
			return nil, fmt.Errorf("links.keys[%d].id %q is used twice: a link names its key by id", i, k.ID)
		}
		keys[k.ID] = b
	}
	var margin, ttl time.Duration
	for _, d := range []struct {
		key, v string
		to     *time.Duration
	}{{"links.margin", l.Margin, &margin}, {"links.ttl", l.TTL, &ttl}} {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%s %q: give a positive Go duration such as 168h", d.key, d.v)
		}
		*d.to = v
	}
	r, err := actionlink.New(keys, l.Active, l.BaseURL, margin, ttl)
	if err != nil {
		return nil, fmt.Errorf("links: %w", err)
	}
	return r, nil
}

// Load reads and checks a config file.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to read config: %w", err)
	}
	cfg, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse reads and checks config YAML. Unknown keys are errors: a typo must not
// silently drop an escalation step.
func Parse(raw []byte) (*Config, error) {
	cfg := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// check validates the whole config, builds the calendar set and checks the
// directory, options and sla sections against what the case types declare.
func (c *Config) check() error {
	var problems []string
	owners := workflows.PolicyOwners()
	for _, name := range slices.Sorted(maps.Keys(c.SLA)) {
		if len(owners[name]) == 0 {
			problems = append(problems, fmt.Sprintf("sla.%s: no case type declares this policy (%s)", name, declaredPolicies(owners)))
		}
	}
	defaults, err := workflows.PolicyDefaults()
	if err != nil {
		return err
	}
	set, warnings, err := calendar.Config{Calendars: c.Calendars, SLA: c.SLA, Defaults: defaults}.Build()
	if err != nil {
		return err
	}
	c.set, c.Warnings = set, warnings
	dir, err := jsonSection("directory", c.Directory)
	if err != nil {
		return err
	}
	opts, err := jsonSection("options", c.Options)
	if err != nil {
		return err
	}
	if c.settings, err = workflows.NewSettings(set, dir, opts); err != nil {
		problems = append(problems, err.Error())
	}
	need := func(key, v string) {
		if strings.TrimSpace(v) == "" {
			problems = append(problems, key+" is required")
		}
	}
	need("mail.from", c.Mail.From)
	names := map[string]bool{}
	for i, t := range c.Auth.Tokens {
		key := fmt.Sprintf("auth.tokens[%d]", i)
		need(key+".name", t.Name)
		if !slices.Contains(workflows.Roles, t.Role) {
			problems = append(problems, fmt.Sprintf("%s.role must be one of %s, not %q", key, strings.Join(workflows.Roles, ", "), t.Role))
		}
		if names[t.Name] {
			problems = append(problems, fmt.Sprintf("%s.name %q is used twice", key, t.Name))
		}
		names[t.Name] = true
		if _, err := t.Hash(); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", key, err))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Access.Read)) {
		if _, ok := workflows.Lookup(name); !ok {
			problems = append(problems, fmt.Sprintf("access.read.%s: no such case type (known: %s)", name, strings.Join(workflows.TypeNames(), ", ")))
		}
		for _, role := range c.Access.Read[name] {
			if !slices.Contains(workflows.Roles, role) {
				problems = append(problems, fmt.Sprintf("access.read.%s: unknown role %q (known: %s)", name, role, strings.Join(workflows.Roles, ", ")))
			}
		}
	}
	if len(c.Codec.Keys) > 0 {
		found := false
		ids := map[string]bool{}
		for i, k := range c.Codec.Keys {
			if _, err := k.Bytes(); err != nil {
				problems = append(problems, fmt.Sprintf("codec.keys[%d]: %v", i, err))
			}
			if ids[k.ID] {
				problems = append(problems, fmt.Sprintf("codec.keys[%d].id %q is used twice: a payload names its key by id", i, k.ID))
			}
			ids[k.ID] = true
			found = found || k.ID == c.Codec.Active
		}
		if !found {
			problems = append(problems, fmt.Sprintf("codec.active %q names no key in codec.keys", c.Codec.Active))
		}
	}
	if f := c.Codec.SealedFormat; f != 0 {
		if p := codec.FormatProblem(f); p != "" {
			problems = append(problems, fmt.Sprintf("codec.sealed_format %d: %s (0 or unset is 2)", f, p))
		}
	}
	if _, err := c.Links.Ring(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Calendars is the calendar set built from the calendars and sla sections.
func (c *Config) CalendarSet() *calendar.Set { return c.set }

// Settings is the configuration as the case types read it: a new case starts
// with its type's snapshot of it.
func (c *Config) Settings() *workflows.Settings { return c.settings }

// jsonSection encodes each key of a YAML section as JSON, the form the case
// types decode their part from.
func jsonSection(name string, section map[string]any) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(section))
	for k, v := range section {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %v", name, k, err)
		}
		out[k] = raw
	}
	return out, nil
}

// declaredPolicies lists the declared policies, for error messages.
func declaredPolicies(owners map[string][]string) string {
	names := slices.Sorted(maps.Keys(owners))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + " (" + strings.Join(owners[n], ", ") + ")"
	}
	return "declared: " + strings.Join(parts, ", ")
}

//go:embed example.yaml
var example []byte

// Example is the shipped example configuration (example addresses, dev tokens).
func Example() *Config {
	cfg, err := Parse(example)
	if err != nil {
		panic("the shipped example config is broken: " + err.Error())
	}
	return cfg
}

// ExampleYAML is the text of the shipped example configuration.
func ExampleYAML() []byte { return bytes.Clone(example) }
