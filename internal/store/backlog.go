package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MailBacklog is what waits in the outbox: letters reserved and not yet
// delivered (in flight, or waiting for a retry after a transient failure).
type MailBacklog struct {
	Waiting int
	// Oldest is when the oldest waiting letter was first reserved; zero when
	// none waits.
	Oldest time.Time
}

// MailBacklog counts the outbox's pending letters and finds the oldest, for the
// operators' gauges.
func (s *Store) MailBacklog(ctx context.Context) (MailBacklog, error) {
	var b MailBacklog
	r := s.r()
	if err := r.queryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE status = 'pending'`).Scan(&b.Waiting); err != nil {
		return b, fmt.Errorf("unable to count waiting letters: %w", err)
	}
	if b.Waiting == 0 {
		return b, nil
	}
	// The row with the smallest ID was reserved first: a refreshed row keeps its ID.
	err := r.queryRow(ctx, `SELECT created_at FROM outbox WHERE status = 'pending' ORDER BY id LIMIT 1`).Scan(timeCol{&b.Oldest})
	if errors.Is(err, sql.ErrNoRows) {
		return b, nil // delivered meanwhile
	}
	if err != nil {
		return b, fmt.Errorf("unable to find the oldest waiting letter: %w", err)
	}
	return b, nil
}
