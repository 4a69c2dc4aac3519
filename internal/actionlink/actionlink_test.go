package actionlink

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func ring(t *testing.T, active string, keys map[string][]byte) *Ring {
	t.Helper()
	r, err := New(keys, active, "https://cases.example.com/", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var (
	k1 = bytes.Repeat([]byte{1}, 32)
	k2 = bytes.Repeat([]byte{2}, 32)
)

func TestSignCheckRotateExpire(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	old := ring(t, "a", map[string][]byte{"a": k1})
	l := Link{Type: "plc", Case: "6f1c1a52-7d2b-4c1e-9a53-1b5d3f0e2a11", Event: "verdict", Outcome: "plc", Role: "engineer",
		Expires: now.Add(time.Hour).Unix()}
	tok, err := old.Sign(l)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := old.Sign(l)
	if again != tok {
		t.Fatal("the same link must give the same token (a re-sent letter carries the same links)")
	}
	if got := old.URL(tok); got != "https://cases.example.com/act/"+tok {
		t.Fatalf("URL = %s", got)
	}
	got, err := old.Check(tok, now)
	if err != nil || got.Case != l.Case || got.Outcome != "plc" || got.Key != "a" {
		t.Fatalf("Check = %+v, %v", got, err)
	}
	// Rotation: b signs new links, a's links still work; a ring without a refuses them.
	rotated := ring(t, "b", map[string][]byte{"a": k1, "b": k2})
	if _, err := rotated.Check(tok, now); err != nil {
		t.Fatalf("a link signed by an older key of the ring: %v", err)
	}
	newTok, _ := rotated.Sign(l)
	if _, err := old.Check(newTok, now); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a key the ring lacks: %v, want ErrInvalid", err)
	}
	// Expiry.
	if _, err := old.Check(tok, now.Add(time.Hour)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	// Tampering: another outcome under the old signature.
	payload, sig, _ := strings.Cut(tok, ".")
	body, _ := base64.RawURLEncoding.DecodeString(payload)
	forged := base64.RawURLEncoding.EncodeToString(bytes.Replace(body, []byte(`"o":"plc"`), []byte(`"o":"not_plc"`), 1)) + "." + sig
	for name, bad := range map[string]string{"forged": forged, "empty": "", "no signature": payload, "garbage": "%%%.%%%", "cut": tok[:len(tok)-3]} {
		if _, err := old.Check(bad, now); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if ID(tok) == ID(newTok) || len(ID(tok)) != 16 {
		t.Errorf("IDs %s %s", ID(tok), ID(newTok))
	}
	// Nothing personal: the token decodes to the case ID, type, outcome, role, time, key.
	if strings.Contains(string(body), "@") {
		t.Errorf("token body %s", body)
	}
}

func TestNewRefusesBadRings(t *testing.T) {
	for name, f := range map[string]func() (*Ring, error){
		"no keys":    func() (*Ring, error) { return New(nil, "a", "https://x.example.com", 0, 0) },
		"short key":  func() (*Ring, error) { return New(map[string][]byte{"a": k1[:16]}, "a", "https://x.example.com", 0, 0) },
		"no active":  func() (*Ring, error) { return New(map[string][]byte{"a": k1}, "b", "https://x.example.com", 0, 0) },
		"bad url":    func() (*Ring, error) { return New(map[string][]byte{"a": k1}, "a", "cases.example.com", 0, 0) },
		"neg margin": func() (*Ring, error) { return New(map[string][]byte{"a": k1}, "a", "https://x.example.com", -1, 0) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	r := ring(t, "a", map[string][]byte{"a": k1})
	due := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	if got := r.Expiry(due, due.Add(-time.Hour)); !got.Equal(due.Add(DefaultMargin)) {
		t.Errorf("Expiry = %s", got)
	}
	if got := r.Expiry(time.Time{}, due); !got.Equal(due.Add(DefaultTTL)) {
		t.Errorf("Expiry without a deadline = %s", got)
	}
}
