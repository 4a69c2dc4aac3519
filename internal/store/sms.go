package store

import (
	"context"
	"fmt"

	"github.com/caseflow/caseflow/activities"
)

var _ activities.SMSSender = (*Store)(nil)

const smsCols = `id, key, case_id, step, to_number, text, created_at`

func scanSMS(row rowScanner) (activities.SentSMS, error) {
	var m activities.SentSMS
	err := row.Scan(&m.ID, &m.Key, &m.CaseID, &m.Step, &m.To, &m.Text, timeCol{&m.SentAt})
	return m, err
}

// SendSMS queues a text message in the SMS outbox, once per key: a repeated key
// returns the stored message with Duplicate set and queues nothing. The
// outbox is what a gateway (the Infocentre's SMS program) delivers from.
func (s *Store) SendSMS(ctx context.Context, m activities.SMS) (activities.SentSMS, error) {
	if m.Key == "" {
		return activities.SentSMS{}, missingKey("send sms")
	}
	var out activities.SentSMS
	err := s.inTx(ctx, func(r runner) error {
		res, err := r.exec(ctx, `INSERT INTO sms_outbox (key, case_id, step, to_number, text, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`, m.Key, m.CaseID, m.Step, m.To, m.Text, s.clock())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		out, _, err = queryOne(ctx, r, scanSMS, `SELECT `+smsCols+` FROM sms_outbox WHERE key = ?`, m.Key)
		out.Duplicate = n == 0
		return err
	})
	if err != nil {
		return activities.SentSMS{}, fmt.Errorf("unable to queue sms %s: %w", m.Key, err)
	}
	return out, nil
}

// ListSMS lists a case's text messages, oldest first.
func (s *Store) ListSMS(ctx context.Context, caseID string) ([]activities.SentSMS, error) {
	out, err := queryAll(ctx, s.r(), scanSMS, `SELECT `+smsCols+` FROM sms_outbox WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("unable to list sms of case %s: %w", caseID, err)
	}
	return out, nil
}
