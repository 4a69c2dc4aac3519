package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caseflow/caseflow/activities"
)

// Outbox row statuses.
const (
	// MailPending is a reserved letter not yet delivered (in flight, or waiting for a
	// retry after a transient failure).
	MailPending = "pending"
	// MailSent is a delivered letter, or in dev mode one that would have been sent.
	MailSent = "sent"
	// MailFailed is a letter the mail server refused for good; Error says why.
	MailFailed = "failed"
)

// OutboxEntry is an outbox row: the letter and where it stands.
type OutboxEntry struct {
	activities.SentMail
	// Status is MailPending, MailSent or MailFailed.
	Status string `json:"status"`
	// Error is the last permanent failure of a MailFailed row.
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// OutboxQuery selects letters from the outbox.
type OutboxQuery struct {
	// CaseID keeps one case's letters; empty means every case.
	CaseID string
	// Limit caps the page; zero or less means 100, and at most 1000 are returned.
	Limit int
	// BeforeID pages backwards: only letters with a smaller ID. Zero means from the newest.
	BeforeID int64
}

const outboxCols = `id, key, case_id, step, from_addr, to_addrs, cc_addrs, subject, body, attachments, message_id, status, error, created_at, sent_at`

func scanOutbox(row rowScanner) (OutboxEntry, error) {
	var e OutboxEntry
	var to, cc, att string
	err := row.Scan(&e.ID, &e.Key, &e.CaseID, &e.Step, &e.From, &to, &cc, &e.Subject, &e.Body, &att,
		&e.MessageID, &e.Status, &e.Error, timeCol{&e.CreatedAt}, timeCol{&e.SentAt})
	if err != nil {
		return e, err
	}
	return e, errors.Join(decodeJSON(to, &e.To), decodeJSON(cc, &e.Cc), decodeJSON(att, &e.Attachments))
}

// ReserveMail records the letter under its key before delivery. A new key becomes
// a pending row with messageID. A key already sent is left untouched and reported
// with alreadySent=true: the caller must not deliver it again. A key pending or
// failed from an earlier attempt is refreshed with m's content (its ID, message ID
// and created_at kept) and set pending again, so the caller delivers it now.
func (s *Store) ReserveMail(ctx context.Context, m activities.Mail, messageID string) (activities.SentMail, bool, error) {
	if m.Key == "" {
		return activities.SentMail{}, false, missingKey("reserve mail")
	}
	to, err1 := encodeList(m.To)
	cc, err2 := encodeList(m.Cc)
	att, err3 := encodeList(m.Attachments)
	if err := errors.Join(err1, err2, err3); err != nil {
		return activities.SentMail{}, false, fmt.Errorf("unable to encode mail %s: %w", m.Key, err)
	}
	var e OutboxEntry
	err := s.inTx(ctx, func(r runner) error {
		_, err := r.exec(ctx, `INSERT INTO outbox (key, case_id, step, from_addr, to_addrs, cc_addrs, subject, body, attachments,
				message_id, status, error, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', '', ?)
			ON CONFLICT (key) DO UPDATE SET case_id = excluded.case_id, step = excluded.step, from_addr = excluded.from_addr,
				to_addrs = excluded.to_addrs, cc_addrs = excluded.cc_addrs, subject = excluded.subject, body = excluded.body,
				attachments = excluded.attachments, status = 'pending', error = ''
			WHERE outbox.status <> 'sent'`,
			m.Key, m.CaseID, m.Step, m.From, to, cc, m.Subject, m.Body, att, messageID, s.clock())
		if err != nil {
			return err
		}
		e, _, err = queryOne(ctx, r, scanOutbox, `SELECT `+outboxCols+` FROM outbox WHERE key = ?`, m.Key)
		return err
	})
	if err != nil {
		return activities.SentMail{}, false, fmt.Errorf("unable to reserve mail %s: %w", m.Key, err)
	}
	return e.SentMail, e.Status == MailSent, nil
}

// MarkMailSent marks a reserved letter sent at the given time and returns it. A
// letter already sent keeps its first sent_at. An unknown key is activities.ErrNotFound.
func (s *Store) MarkMailSent(ctx context.Context, key string, at time.Time) (activities.SentMail, error) {
	var e OutboxEntry
	err := s.inTx(ctx, func(r runner) error {
		if _, err := r.exec(ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, error = '' WHERE key = ? AND status <> 'sent'`,
			s.orNow(at), key); err != nil {
			return err
		}
		var found bool
		var err error
		e, found, err = queryOne(ctx, r, scanOutbox, `SELECT `+outboxCols+` FROM outbox WHERE key = ?`, key)
		return errors.Join(err, notFoundIf(err == nil && !found))
	})
	if err != nil {
		return activities.SentMail{}, fmt.Errorf("unable to mark mail %s sent: %w", key, err)
	}
	return e.SentMail, nil
}

// MarkMailFailed marks a reserved letter failed for good with the reason. A letter
// already sent stays sent. An unknown key is activities.ErrNotFound.
func (s *Store) MarkMailFailed(ctx context.Context, key, errText string) error {
	err := s.inTx(ctx, func(r runner) error {
		if _, err := r.exec(ctx, `UPDATE outbox SET status = 'failed', error = ? WHERE key = ? AND status <> 'sent'`, errText, key); err != nil {
			return err
		}
		var one int
		_, found, err := queryOne(ctx, r, scanInt(&one), `SELECT 1 FROM outbox WHERE key = ?`, key)
		return errors.Join(err, notFoundIf(err == nil && !found))
	})
	if err != nil {
		return fmt.Errorf("unable to mark mail %s failed: %w", key, err)
	}
	return nil
}

// GetMail returns the outbox row of a key, whatever its status. An unknown key is
// activities.ErrNotFound.
func (s *Store) GetMail(ctx context.Context, key string) (OutboxEntry, error) {
	e, found, err := queryOne(ctx, s.r(), scanOutbox, `SELECT `+outboxCols+` FROM outbox WHERE key = ?`, key)
	if err == nil && !found {
		err = activities.ErrNotFound
	}
	if err != nil {
		return OutboxEntry{}, fmt.Errorf("unable to get mail %s: %w", key, err)
	}
	return e, nil
}

// ListOutbox returns sent letters (delivered, or "would send" in dev mode), newest
// first by outbox ID; page on with BeforeID set to the last ID seen. Pending rows
// (not yet delivered, or waiting for a retry) and failed rows (refused for good)
// are not listed; GetMail shows any row by key.
func (s *Store) ListOutbox(ctx context.Context, q OutboxQuery) ([]activities.SentMail, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 100
	case limit > 1000:
		limit = 1000
	}
	query := `SELECT ` + outboxCols + ` FROM outbox WHERE status = 'sent'`
	var args []any
	if q.CaseID != "" {
		query += ` AND case_id = ?`
		args = append(args, q.CaseID)
	}
	if q.BeforeID > 0 {
		query += ` AND id < ?`
		args = append(args, q.BeforeID)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	entries, err := queryAll(ctx, s.r(), scanOutbox, query, args...)
	if err != nil {
		return nil, fmt.Errorf("unable to list outbox: %w", err)
	}
	out := make([]activities.SentMail, len(entries))
	for i, e := range entries {
		out[i] = e.SentMail
	}
	return out, nil
}

// CountOutbox counts the letters ListOutbox would list: sent ones, of one case or,
// with an empty caseID, of all cases.
func (s *Store) CountOutbox(ctx context.Context, caseID string) (int, error) {
	query := `SELECT COUNT(*) FROM outbox WHERE status = 'sent'`
	var args []any
	if caseID != "" {
		query += ` AND case_id = ?`
		args = append(args, caseID)
	}
	var n int
	if err := s.r().queryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("unable to count outbox: %w", err)
	}
	return n, nil
}
