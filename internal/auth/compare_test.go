package auth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/config"
)

// TestAuthenticatorKeepsOnlyHashes: what the Authenticator holds of a token is
// its SHA-256, a fixed 32 bytes whatever the token's length; no string field
// but the caller's name and role.
func TestAuthenticatorKeepsOnlyHashes(t *testing.T) {
	et := reflect.TypeFor[entry]()
	for i := range et.NumField() {
		f := et.Field(i)
		switch f.Name {
		case "hash":
			assert.Equal(t, reflect.Array, f.Type.Kind())
			assert.Equal(t, 32, f.Type.Len())
		case "caller":
			assert.Equal(t, reflect.TypeFor[Caller](), f.Type)
		default:
			t.Errorf("entry has a field %s %s: a token must be kept only as its hash", f.Name, f.Type)
		}
	}
}

// TestAuthenticateComparesInConstantTime reads Authenticate's source: a timing
// test of a few nanoseconds would be flaky, but the shape that makes the
// comparison constant-time can be checked. The presented token is hashed with
// SHA-256 (so what is compared has the same length whatever the token's), the
// hash is compared with subtle.ConstantTimeCompare against every configured
// hash in a loop that never stops early, and nothing else compares: no ==, no
// bytes.Equal, no map lookup by token.
func TestAuthenticateComparesInConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "auth.go", nil, 0)
	require.NoError(t, err)
	var fn *ast.FuncDecl
	for _, d := range file.Decls {
		if f, ok := d.(*ast.FuncDecl); ok && f.Name.Name == "Authenticate" && f.Recv != nil {
			fn = f
		}
	}
	require.NotNil(t, fn, "(*Authenticator).Authenticate in auth.go")

	calls := map[string]int{}
	var loops []*ast.RangeStmt
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok {
					calls[pkg.Name+"."+sel.Sel.Name]++
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				t.Errorf("%s: Authenticate compares with %s; compare hashes with subtle.ConstantTimeCompare", fset.Position(n.Pos()), n.Op)
			}
		case *ast.IndexExpr:
			if id, ok := n.Index.(*ast.Ident); ok && (id.Name == "token" || id.Name == "sum") {
				t.Errorf("%s: Authenticate looks a token up by index (a map lookup is not constant-time)", fset.Position(n.Pos()))
			}
		case *ast.RangeStmt:
			loops = append(loops, n)
		}
		return true
	})
	assert.Equal(t, 1, calls["sha256.Sum256"], "the presented token is hashed once: %v", calls)
	for _, bad := range []string{"bytes.Equal", "bytes.Compare", "strings.Compare", "strings.EqualFold", "reflect.DeepEqual", "slices.Equal", "slices.Index", "slices.Contains"} {
		assert.Zero(t, calls[bad], "Authenticate calls %s", bad)
	}

	require.Len(t, loops, 1, "one loop over the configured tokens")
	loop := loops[0]
	sel, ok := loop.X.(*ast.SelectorExpr)
	require.True(t, ok)
	assert.Equal(t, "entries", sel.Sel.Name, "the loop ranges over every configured entry")
	compared := false
	ast.Inspect(loop.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BranchStmt:
			t.Errorf("%s: the loop stops early (%s): every hash must be compared", fset.Position(n.Pos()), n.Tok)
		case *ast.ReturnStmt:
			t.Errorf("%s: the loop returns early: every hash must be compared", fset.Position(n.Pos()))
		case *ast.IfStmt:
			t.Errorf("%s: the loop branches: pick the match with subtle.ConstantTimeSelect", fset.Position(n.Pos()))
		case *ast.CallExpr:
			if s, ok := n.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "ConstantTimeCompare" {
				if pkg, ok := s.X.(*ast.Ident); ok && pkg.Name == "subtle" {
					compared = true
				}
			}
		}
		return true
	})
	assert.True(t, compared, "the loop compares with subtle.ConstantTimeCompare")
}

// TestAuthenticateLengthsAndNearMisses: tokens of any length, and tokens one
// character off a configured one, are refused; every configured token,
// the first and the last included, is its own caller.
func TestAuthenticateLengthsAndNearMisses(t *testing.T) {
	tokens := []config.Token{
		{Name: "first", Role: "operator", Token: "first-secret-0123456789"},
		{Name: "middle", Role: "engineer", Token: "m"},
		{Name: "last", Role: "admin", Token: strings.Repeat("L", 4096)},
	}
	a, err := New(tokens)
	require.NoError(t, err)
	check := func(header string) (Caller, bool) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", header)
		return a.Authenticate(r)
	}
	for _, tok := range tokens {
		got, ok := check("Bearer " + tok.Token)
		assert.True(t, ok, tok.Name)
		assert.Equal(t, Caller{Name: tok.Name, Role: tok.Role}, got)

		s := tok.Token
		for _, miss := range []string{
			s + "x", s[:len(s)-1] + "x", "x" + s[1:], strings.ToUpper(s), s + s,
		} {
			if miss == s {
				continue
			}
			_, ok := check("Bearer " + miss)
			assert.False(t, ok, "%s: a near miss of %.20s… is refused", tok.Name, s)
		}
		if len(s) > 1 {
			_, ok := check("Bearer " + s[:len(s)-1])
			assert.False(t, ok, "%s: a prefix is refused", tok.Name)
		}
	}
	for _, n := range []int{1, 31, 32, 33, 64, 1 << 16} {
		_, ok := check("Bearer " + strings.Repeat("z", n))
		assert.False(t, ok, "a token of %d bytes", n)
	}
}
