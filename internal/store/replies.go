package store

import (
	"context"
	"fmt"

	"github.com/caseflow/caseflow/activities"
)

var _ activities.Helpdesk = (*Store)(nil)

const replyCols = `key, case_id, ticket, body, created_at`

func scanReply(row rowScanner) (activities.TicketReply, error) {
	var r activities.TicketReply
	err := row.Scan(&r.Key, &r.CaseID, &r.Ticket, &r.Body, timeCol{&r.CreatedAt})
	return r, err
}

// ReplyInTicket records a public reply in a customer's own ticket, once per key:
// a repeated key returns the stored reply and records nothing.
func (s *Store) ReplyInTicket(ctx context.Context, in activities.TicketReply) (activities.TicketReply, error) {
	if in.Key == "" {
		return activities.TicketReply{}, missingKey("reply in ticket")
	}
	var out activities.TicketReply
	err := s.inTx(ctx, func(r runner) error {
		if _, err := r.exec(ctx, `INSERT INTO ticket_replies (`+replyCols+`) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (key) DO NOTHING`, in.Key, in.CaseID, in.Ticket, in.Body, s.clock()); err != nil {
			return err
		}
		var err error
		out, _, err = queryOne(ctx, r, scanReply, `SELECT `+replyCols+` FROM ticket_replies WHERE key = ?`, in.Key)
		return err
	})
	if err != nil {
		return activities.TicketReply{}, fmt.Errorf("unable to reply in ticket %s: %w", in.Ticket, err)
	}
	return out, nil
}

// ListTicketReplies lists a case's replies in customers' tickets, oldest first.
func (s *Store) ListTicketReplies(ctx context.Context, caseID string) ([]activities.TicketReply, error) {
	out, err := queryAll(ctx, s.r(), scanReply, `SELECT `+replyCols+` FROM ticket_replies WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("unable to list the ticket replies of case %s: %w", caseID, err)
	}
	return out, nil
}
