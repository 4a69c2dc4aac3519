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
	problems = append(problems, inlineSecrets("codec.keys", "key", c.Codec.Keys, "CASEFLOW_CODEC_KEY")...)
	problems = append(problems, inlineSecrets("links.keys", "link signing key", c.Links.Keys, "")...)
	problems = append(problems, inlineSecrets("event_signing.keys", "key", c.Signing.Keys, "CASEFLOW_EVENT_KEY")...)
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

// inlineSecrets names each key of a ring written into the config file, which
// only dev accepts; env, when set, is the variable (and its _FILE twin) that
// may carry the key instead of secret_env.
func inlineSecrets(section, what string, keys []Key, env string) []string {
	instead := "give secret_env"
	if env != "" {
		instead += ", or " + env + " or " + env + "_FILE"
	}
	var problems []string
	for i, k := range keys {
		if k.Secret != "" {
			problems = append(problems, fmt.Sprintf("%s[%d].secret (%s): a %s written into the config file is refused outside dev: %s", section, i, k.ID, what, instead))
		}
	}
	return problems
}
