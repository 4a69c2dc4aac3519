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
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/caseflow/caseflow/internal/calendar"
	"github.com/caseflow/caseflow/workflows"
)

// Config is the whole configuration file.
type Config struct {
	Calendars map[string]calendar.CalendarConfig `yaml:"calendars"`
	SLA       map[string]calendar.PolicyConfig   `yaml:"sla"`
	Directory workflows.Directory                `yaml:"directory"`
	Options   workflows.Options                  `yaml:"options"`
	Mail      Mail                               `yaml:"mail"`
	Auth      Auth                               `yaml:"auth"`
	Codec     Codec                              `yaml:"codec"`

	// Warnings are non-fatal findings of Load (a year without calendar data).
	Warnings []string `yaml:"-"`
	set      *calendar.Set
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

// Codec configures the payload encryption of Temporal data.
type Codec struct {
	// Active is the ID of the key new payloads are encrypted with.
	Active string `yaml:"active"`
	Keys   []Key  `yaml:"keys"`
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

// check validates the whole config and builds the calendar set.
func (c *Config) check() error {
	set, warnings, err := calendar.Config{Calendars: c.Calendars, SLA: c.SLA}.Build()
	if err != nil {
		return err
	}
	c.set, c.Warnings = set, warnings
	d := c.Directory
	var problems []string
	need := func(key, v string) {
		if strings.TrimSpace(v) == "" {
			problems = append(problems, key+" is required")
		}
	}
	need("directory.default_engineer.email", d.DefaultEngineer.Email)
	need("directory.head_of_technical_support.email", d.HeadOfTechnicalSupport.Email)
	need("directory.supervisors_mailbox", d.SupervisorsMailbox)
	need("directory.complaints_mailbox", d.ComplaintsMailbox)
	need("directory.redirects.service_b2b", d.Redirects.ServiceB2B)
	need("directory.preferred_asc", d.PreferredASC)
	need("mail.from", c.Mail.From)
	if len(d.EscalationChain) == 0 {
		problems = append(problems, "directory.escalation_chain must name at least one call")
	}
	for i, s := range d.EscalationChain {
		if s.Role != "addressee" && s.Contact.Phone == "" && s.Contact.Name == "" {
			problems = append(problems, fmt.Sprintf("directory.escalation_chain[%d] needs a contact (or role: addressee)", i))
		}
		need(fmt.Sprintf("directory.escalation_chain[%d].title", i), s.Title)
	}
	for cat, e := range d.EngineersByCategory {
		need("directory.engineers_by_category."+cat+".email", e.Email)
	}
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
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Calendars is the calendar set built from the calendars and sla sections.
func (c *Config) CalendarSet() *calendar.Set { return c.set }

// Env is the configuration snapshot a new case starts with.
func (c *Config) Env() workflows.CaseEnv {
	return workflows.CaseEnv{Calendars: c.set, Directory: c.Directory, Options: c.Options}
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
