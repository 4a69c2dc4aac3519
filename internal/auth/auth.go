// Package auth authenticates API callers by bearer token. Tokens are configured
// by their SHA-256 (config.Token.Hash); a presented token is hashed and compared
// with every configured hash in constant time, and no token is ever logged.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/workflows"
)

// Caller is who an authenticated request comes from: the token's name and role.
type Caller struct {
	Name string
	Role string
}

// entry is one configured token.
type entry struct {
	hash   [sha256.Size]byte
	caller Caller
}

// Authenticator maps bearer tokens to callers.
type Authenticator struct {
	entries []entry
}

// New builds an Authenticator from configured tokens. Every token needs a name, a
// known role and a hash; two tokens with the same secret are refused, since the
// caller they stand for would be ambiguous.
func New(tokens []config.Token) (*Authenticator, error) {
	if len(tokens) == 0 {
		return nil, errors.New("no API tokens configured")
	}
	a := &Authenticator{entries: make([]entry, 0, len(tokens))}
	for i, t := range tokens {
		if strings.TrimSpace(t.Name) == "" {
			return nil, fmt.Errorf("token %d has no name", i)
		}
		if !slices.Contains(workflows.Roles, t.Role) {
			return nil, fmt.Errorf("token %s: role must be one of %s, not %q", t.Name, strings.Join(workflows.Roles, ", "), t.Role)
		}
		h, err := t.Hash()
		if err != nil {
			return nil, fmt.Errorf("token %s: %w", t.Name, err)
		}
		for _, e := range a.entries {
			if e.hash == h {
				return nil, fmt.Errorf("tokens %s and %s have the same secret", e.caller.Name, t.Name)
			}
		}
		a.entries = append(a.entries, entry{hash: h, caller: Caller{Name: t.Name, Role: t.Role}})
	}
	return a, nil
}

// Authenticate reads "Authorization: Bearer <token>" and returns the caller the
// token belongs to. Every configured hash is compared, whichever matches, so the
// time taken does not tell which token (if any) matched.
func (a *Authenticator) Authenticate(r *http.Request) (Caller, bool) {
	token, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return Caller{}, false
	}
	sum := sha256.Sum256([]byte(token))
	match := -1
	for i := range a.entries {
		eq := subtle.ConstantTimeCompare(sum[:], a.entries[i].hash[:])
		match = subtle.ConstantTimeSelect(eq, i, match)
	}
	if match < 0 {
		return Caller{}, false
	}
	return a.entries[match].caller, true
}

// bearer extracts the token of a Bearer authorization header.
func bearer(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// NewRandomToken returns a fresh random token (128 bits, base32), for dev mode.
func NewRandomToken() string { return rand.Text() }
