// Package mail delivers caseflow's letters: Service implements activities.Mailer
// over the outbox in internal/store and a Transport (SMTP in production, none in
// dev mode, where letters only land in the outbox).
package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/store"
)

// Outbox is the part of the store the mailer needs; *store.Store implements it.
type Outbox interface {
	// ReserveMail records the letter as pending, or reports it already sent.
	ReserveMail(ctx context.Context, m activities.Mail, messageID string) (activities.SentMail, bool, error)
	// MarkMailSent records the delivery time.
	MarkMailSent(ctx context.Context, key string, at time.Time) (activities.SentMail, error)
	// MarkMailFailed records a permanent failure.
	MarkMailFailed(ctx context.Context, key, errText string) error
}

var _ Outbox = (*store.Store)(nil)

// Transport puts one letter on the wire. The letter carries its MessageID and, in
// SentAt, the Date to stamp on it. A failure no retry can mend (the server refused
// the letter or a recipient for good, an invalid address) is returned as, or wraps,
// *activities.PermanentError; anything else is taken as transient.
type Transport interface {
	Deliver(ctx context.Context, letter activities.SentMail) error
}

// Service sends each letter once per Mail.Key and keeps it in the outbox.
//
// Send reserves the key in the outbox, delivers, then marks the row sent. A key
// already sent is answered from the outbox with Duplicate=true and nothing goes out.
// Delivery is at least once in one narrow window: if the process dies (or the
// outbox write fails) after the server accepted the letter but before the row is
// marked sent, a retry delivers it again. The retry carries the same Message-ID,
// derived from the key, so mail clients and servers that deduplicate on it show
// the letter once. Within one process, concurrent Sends of one key are serialised.
type Service struct {
	outbox    Outbox
	transport Transport
	from      string
	clock     func() time.Time

	mu    sync.Mutex
	inUse map[string]*keyLock
}

// keyLock serialises Sends of one key within the process.
type keyLock struct {
	sync.Mutex
	users int
}

var _ activities.Mailer = (*Service)(nil)

// New returns a mailer over outbox. A nil transport is dev mode: letters are marked
// sent in the outbox ("would send") and nothing is delivered; pass an untyped nil,
// not a nil *SMTPTransport. from is the sender for letters without Mail.From; a
// nil clock means time.Now.
func New(outbox Outbox, transport Transport, from string, clock func() time.Time) *Service {
	if clock == nil {
		clock = time.Now
	}
	return &Service{outbox: outbox, transport: transport, from: from, clock: clock, inUse: map[string]*keyLock{}}
}

// MessageID derives a letter's Message-ID from its idempotency key, so every
// attempt to send one key carries the same ID: <first 24 hex of sha256(key)@caseflow>.
func MessageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:])[:24] + "@" + messageIDDomain + ">"
}

// messageIDDomain is the right-hand side of caseflow's Message-IDs.
const messageIDDomain = "caseflow"

// markTimeout bounds the outbox write after a delivery; it runs even when the
// caller's context is cancelled, to keep the re-delivery window small.
const markTimeout = 10 * time.Second

// Send delivers m once per m.Key. A repeated key returns the stored letter with
// Duplicate=true. A permanent refusal marks the outbox row failed and returns
// *activities.PermanentError; a transient failure returns a plain error and leaves
// the row pending for the retry.
func (s *Service) Send(ctx context.Context, m activities.Mail) (activities.SentMail, error) {
	if m.Key == "" {
		return activities.SentMail{}, &activities.PermanentError{Err: errors.New("unable to send mail: empty idempotency key")}
	}
	if len(m.To) == 0 {
		return activities.SentMail{}, &activities.PermanentError{Err: fmt.Errorf("unable to send mail %s: no recipient", m.Key)}
	}
	if m.From == "" {
		m.From = s.from
	}
	unlock := s.lock(m.Key)
	defer unlock()

	letter, alreadySent, err := s.outbox.ReserveMail(ctx, m, MessageID(m.Key))
	if err != nil {
		return activities.SentMail{}, fmt.Errorf("unable to send mail %s: %w", m.Key, err)
	}
	if alreadySent {
		letter.Duplicate = true
		return letter, nil
	}
	at := s.clock().UTC()
	if s.transport != nil {
		letter.SentAt = at
		if err := s.transport.Deliver(ctx, letter); err != nil {
			var perm *activities.PermanentError
			if errors.As(err, &perm) {
				markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
				defer cancel()
				if merr := s.outbox.MarkMailFailed(markCtx, m.Key, err.Error()); merr != nil {
					// Retryable on purpose: the row is still pending, and the retry
					// meets the same refusal and records it.
					return activities.SentMail{}, fmt.Errorf("unable to send mail %s: %v; unable to record the failure: %w", m.Key, err, merr)
				}
				return activities.SentMail{}, &activities.PermanentError{Err: fmt.Errorf("unable to send mail %s: %w", m.Key, err), Bounced: perm.Bounced}
			}
			return activities.SentMail{}, fmt.Errorf("unable to send mail %s: %w", m.Key, err)
		}
	}
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	sent, err := s.outbox.MarkMailSent(markCtx, m.Key, at)
	if err != nil {
		return activities.SentMail{}, fmt.Errorf("unable to record mail %s as sent: %w", m.Key, err)
	}
	return sent, nil
}

// lock takes the in-process lock of key and returns its release.
func (s *Service) lock(key string) func() {
	s.mu.Lock()
	l := s.inUse[key]
	if l == nil {
		l = &keyLock{}
		s.inUse[key] = l
	}
	l.users++
	s.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		s.mu.Lock()
		if l.users--; l.users == 0 {
			delete(s.inUse, key)
		}
		s.mu.Unlock()
	}
}
