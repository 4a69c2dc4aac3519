package config

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// CheckProduction refuses what is fit for a developer's machine only, for
// `caseflow api` and `caseflow worker` and a `caseflow dev` that other machines
// can reach: the shipped example's well-known tokens (dev-operator, …), however
// given, and secrets written into the file itself (a token or a codec key), which
// travels through editors, backups and repositories. Every problem names its key
// and says what to give instead.
func (c *Config) CheckProduction() error {
	known, err := exampleTokenHashes()
	if err != nil {
		return err
	}
	var problems []string
	for i, t := range c.Auth.Tokens {
		key := fmt.Sprintf("auth.tokens[%d]", i)
		if t.Token != "" {
			problems = append(problems, fmt.Sprintf("%s.token (%s): a token written into the config file is refused outside dev: give token_env (an environment variable) or token_sha256", key, t.Name))
		}
		h, err := t.Hash()
		if err != nil {
			continue // Parse has named it
		}
		for _, k := range known {
			if subtle.ConstantTimeCompare(h[:], k[:]) == 1 {
				problems = append(problems, fmt.Sprintf("%s (%s) is a well-known token of the shipped example config: anyone can use it; make a new one (openssl rand -base64 32)", key, t.Name))
				break
			}
		}
	}
	for i, k := range c.Codec.Keys {
		if k.Secret != "" {
			problems = append(problems, fmt.Sprintf("codec.keys[%d].secret (%s): a key written into the config file is refused outside dev: give secret_env, or CASEFLOW_CODEC_KEY or CASEFLOW_CODEC_KEY_FILE", i, k.ID))
		}
	}
	for i, k := range c.Links.Keys {
		if k.Secret != "" {
			problems = append(problems, fmt.Sprintf("links.keys[%d].secret (%s): a link signing key written into the config file is refused outside dev: give secret_env", i, k.ID))
		}
	}
	for i, k := range c.Signing.Keys {
		if k.Secret != "" {
			problems = append(problems, fmt.Sprintf("event_signing.keys[%d].secret (%s): a key written into the config file is refused outside dev: give secret_env, or CASEFLOW_EVENT_KEY or CASEFLOW_EVENT_KEY_FILE", i, k.ID))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// exampleTokenHashes are the SHA-256 of the shipped example's tokens.
func exampleTokenHashes() ([][32]byte, error) {
	var ex struct {
		Auth Auth `yaml:"auth"`
	}
	if err := yaml.Unmarshal(example, &ex); err != nil {
		return nil, fmt.Errorf("the shipped example config is broken: %w", err)
	}
	hashes := make([][32]byte, 0, len(ex.Auth.Tokens))
	for _, t := range ex.Auth.Tokens {
		h, err := t.Hash()
		if err != nil {
			return nil, fmt.Errorf("the shipped example config is broken: %w", err)
		}
		hashes = append(hashes, h)
	}
	return hashes, nil
}
