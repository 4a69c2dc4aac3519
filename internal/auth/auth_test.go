package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/config"
)

func TestAuthenticate(t *testing.T) {
	sum := sha256.Sum256([]byte("hashed-secret"))
	a, err := New([]config.Token{
		{Name: "ivanova", Role: "operator", Token: "op-secret"},
		{Name: "petrov", Role: "engineer", TokenSHA256: hex.EncodeToString(sum[:])},
	})
	require.NoError(t, err)

	cases := map[string]struct {
		header string
		want   Caller
		ok     bool
	}{
		"plain token":         {"Bearer op-secret", Caller{"ivanova", "operator"}, true},
		"hashed token":        {"Bearer hashed-secret", Caller{"petrov", "engineer"}, true},
		"scheme in any case":  {"bearer op-secret", Caller{"ivanova", "operator"}, true},
		"no header":           {"", Caller{}, false},
		"wrong token":         {"Bearer nope", Caller{}, false},
		"basic scheme":        {"Basic op-secret", Caller{}, false},
		"scheme without one":  {"Bearer ", Caller{}, false},
		"token without space": {"Beareop-secret", Caller{}, false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if c.header != "" {
				r.Header.Set("Authorization", c.header)
			}
			got, ok := a.Authenticate(r)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestNewRefusesBadTokens(t *testing.T) {
	cases := map[string][]config.Token{
		"none":         nil,
		"no name":      {{Role: "admin", Token: "x"}},
		"unknown role": {{Name: "a", Role: "boss", Token: "x"}},
		"no secret":    {{Name: "a", Role: "admin"}},
		"same secret":  {{Name: "a", Role: "admin", Token: "x"}, {Name: "b", Role: "operator", Token: "x"}},
	}
	for name, tokens := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(tokens)
			assert.Error(t, err)
		})
	}
}

func TestNewRandomToken(t *testing.T) {
	a, b := NewRandomToken(), NewRandomToken()
	assert.NotEqual(t, a, b)
	assert.GreaterOrEqual(t, len(a), 26)
}
