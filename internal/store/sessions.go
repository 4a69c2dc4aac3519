package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Session is a login of the operator console.
type Session struct {
	Caller  string
	Role    string
	Created time.Time
	Seen    time.Time
}

// sessionKey is what the table keeps of a session ID: its SHA-256, so a copy of
// the database opens no session.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// CreateSession keeps a new session under its ID.
func (s *Store) CreateSession(ctx context.Context, id, caller, role string) error {
	now := s.clock()
	_, err := s.r().exec(ctx, `INSERT INTO console_sessions (id_hash, caller, role, created_at, seen_at) VALUES (?, ?, ?, ?, ?)`,
		sessionKey(id), caller, role, now, now)
	if err != nil {
		return fmt.Errorf("unable to create a console session: %w", err)
	}
	return nil
}

// TouchSession finds a live session and marks it seen now. A session idle
// longer than idle or older than maxAge is deleted and not found (ok false).
func (s *Store) TouchSession(ctx context.Context, id string, idle, maxAge time.Duration) (Session, bool, error) {
	key := sessionKey(id)
	now := s.clock()
	var out Session
	var found bool
	err := s.inTx(ctx, func(r runner) error {
		var err error
		out, found, err = queryOne(ctx, r, func(row rowScanner) (Session, error) {
			var x Session
			return x, row.Scan(&x.Caller, &x.Role, timeCol{&x.Created}, timeCol{&x.Seen})
		}, `SELECT caller, role, created_at, seen_at FROM console_sessions WHERE id_hash = ?`, key)
		if err != nil || !found {
			return err
		}
		if now.Sub(out.Seen) > idle || now.Sub(out.Created) > maxAge {
			found = false
			_, err = r.exec(ctx, `DELETE FROM console_sessions WHERE id_hash = ?`, key)
			return err
		}
		out.Seen = now
		_, err = r.exec(ctx, `UPDATE console_sessions SET seen_at = ? WHERE id_hash = ?`, now, key)
		return err
	})
	if err != nil {
		return Session{}, false, fmt.Errorf("unable to read a console session: %w", err)
	}
	return out, found, nil
}

// DeleteSession ends a session (logout); an unknown ID is no error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.r().exec(ctx, `DELETE FROM console_sessions WHERE id_hash = ?`, sessionKey(id)); err != nil {
		return fmt.Errorf("unable to delete a console session: %w", err)
	}
	return nil
}

// PurgeSessions deletes the sessions seen last before cutoff.
func (s *Store) PurgeSessions(ctx context.Context, cutoff time.Time) error {
	if _, err := s.r().exec(ctx, `DELETE FROM console_sessions WHERE seen_at < ?`, dbTime(cutoff)); err != nil {
		return fmt.Errorf("unable to purge console sessions: %w", err)
	}
	return nil
}
