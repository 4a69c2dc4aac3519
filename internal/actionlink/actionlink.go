// Package actionlink signs and checks the action links of letters that ask a
// person for a decision (SPEC §5 "Answer from the mailbox"). A link names one
// case, one outcome of one event and the recipient's role, and when it expires;
// it is signed with HMAC-SHA256 under a key of a ring that rotates like the codec
// keys (new links are signed with the active key, every key of the ring is
// accepted). A link carries no personal data: the case's ID, its type, the
// outcome's code, a role and a time.
package actionlink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/caseflow/caseflow/activities"
)

// Link is what a signed link lets its holder do.
type Link struct {
	// Type and Case name the case (its type and ID).
	Type string `json:"t"`
	Case string `json:"c"`
	// Event is the event the link sends and Outcome which of its outcomes
	// (workflows.MailAction): "plc", "not_plc", "answer", …
	Event   string `json:"e"`
	Outcome string `json:"o"`
	// Role is the recipient's role: the event is sent as that role.
	Role string `json:"r"`
	// Expires is the end of the link's life, in Unix seconds.
	Expires int64 `json:"x"`
	// Key is the ID of the key that signed the link.
	Key string `json:"k"`
}

// ExpiresAt is Expires as a time.
func (l Link) ExpiresAt() time.Time { return time.Unix(l.Expires, 0).UTC() }

// Errors of Check.
var (
	// ErrInvalid is a link that is malformed, altered or signed by no key of the ring.
	ErrInvalid = errors.New("the link is damaged or was not made by caseflow")
	// ErrExpired is a genuine link past its time.
	ErrExpired = errors.New("the link has expired")
)

// MinKeyBytes is the shortest key the ring accepts (256 bits).
const MinKeyBytes = 32

// Ring holds the signing keys, the base URL links point to and their default lifetimes.
type Ring struct {
	active  string
	keys    map[string][]byte
	baseURL string
	// Margin is added to a decision's deadline to make its link's expiry.
	Margin time.Duration
	// TTL is the life of a link whose decision has no deadline.
	TTL time.Duration
}

// Defaults of a ring's lifetimes.
const (
	DefaultMargin = 7 * 24 * time.Hour
	DefaultTTL    = 14 * 24 * time.Hour
)

// New makes a ring: keys by ID, the active one signs. baseURL is where the API
// is reached from a recipient's mail client (https://cases.example.com); links
// are baseURL + "/act/" + token. Zero margin and ttl take the defaults.
func New(keys map[string][]byte, active, baseURL string, margin, ttl time.Duration) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("action links need at least one key")
	}
	for id, k := range keys {
		if id == "" || strings.ContainsAny(id, ".\"") {
			return nil, fmt.Errorf("action link key ID %q: give a plain name", id)
		}
		if len(k) < MinKeyBytes {
			return nil, fmt.Errorf("action link key %q has %d bytes: at least %d", id, len(k), MinKeyBytes)
		}
	}
	if _, ok := keys[active]; !ok {
		return nil, fmt.Errorf("the active action link key %q is not in the ring", active)
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("action link base URL %q: give an absolute http(s) URL without query", baseURL)
	}
	if margin < 0 || ttl < 0 {
		return nil, errors.New("action link margin and ttl cannot be negative")
	}
	if margin == 0 {
		margin = DefaultMargin
	}
	if ttl == 0 {
		ttl = DefaultTTL
	}
	r := &Ring{active: active, keys: map[string][]byte{}, baseURL: strings.TrimRight(baseURL, "/"), Margin: margin, TTL: ttl}
	for id, k := range keys {
		r.keys[id] = append([]byte(nil), k...)
	}
	return r, nil
}

// Expiry is when a link for a decision due at due expires: due plus the margin,
// or now plus the TTL when there is no deadline.
func (r *Ring) Expiry(due, now time.Time) time.Time {
	if due.IsZero() {
		return now.Add(r.TTL)
	}
	return due.Add(r.Margin)
}

// Sign makes the token of l, signed with the active key (l.Key is set to it).
// The same link gives the same token: a letter sent again carries the same links.
func (r *Ring) Sign(l Link) (string, error) {
	if l.Type == "" || l.Case == "" || l.Event == "" || l.Outcome == "" || l.Role == "" || l.Expires == 0 {
		return "", fmt.Errorf("unable to sign an action link without case, event, outcome, role and expiry: %+v", l)
	}
	l.Key = r.active
	body, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("unable to sign an action link: %w", err)
	}
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(r.mac(r.keys[r.active], payload)), nil
}

// URL is the address of a token's confirmation page.
func (r *Ring) URL(token string) string { return r.baseURL + "/act/" + token }

// Check verifies a token's signature and time and returns its link. An altered
// or unknown token is ErrInvalid; a genuine one past its expiry is ErrExpired,
// returned with the link.
func (r *Ring) Check(token string, now time.Time) (Link, error) {
	var l Link
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 2048 {
		return l, ErrInvalid
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return l, ErrInvalid
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return l, ErrInvalid
	}
	var claimed struct {
		Key string `json:"k"`
	}
	if json.Unmarshal(body, &claimed) != nil {
		return l, ErrInvalid
	}
	key, ok := r.keys[claimed.Key]
	if !ok || !hmac.Equal(mac, r.mac(key, payload)) {
		return l, ErrInvalid
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if dec.Decode(&l) != nil {
		return Link{}, ErrInvalid
	}
	if !now.Before(l.ExpiresAt()) {
		return l, ErrExpired
	}
	return l, nil
}

// ID is a short, stable name of a token (from its signature): the audit trail
// names the link by it, and a second submit of the link finds the first by it.
func ID(token string) string {
	_, sig, _ := strings.Cut(token, ".")
	sum := sha256.Sum256([]byte(sig))
	return hex.EncodeToString(sum[:8])
}

// mac is the signature of a payload under key, bound to this use.
func (r *Ring) mac(key []byte, payload string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("caseflow action link v1\n"))
	h.Write([]byte(payload))
	return h.Sum(nil)
}

// ActionURL is the signed URL of an action of a case (activities.Linker): it
// expires after the action's deadline plus the margin.
func (r *Ring) ActionURL(caseType, caseID string, a activities.Action) (string, error) {
	tok, err := r.Sign(Link{Type: caseType, Case: caseID, Event: a.Event, Outcome: a.Outcome, Role: a.Role,
		Expires: r.Expiry(a.Due, time.Now()).Unix()})
	if err != nil {
		return "", err
	}
	return r.URL(tok), nil
}

var _ activities.Linker = (*Ring)(nil)
