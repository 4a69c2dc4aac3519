package store

import (
	"context"
	"errors"
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

const assignmentCols = `key, case_id, ticket_id, group_name, created_at`

func scanAssignment(row rowScanner) (activities.TicketAssignment, error) {
	var a activities.TicketAssignment
	err := row.Scan(&a.Key, &a.CaseID, &a.TicketID, &a.Group, timeCol{&a.CreatedAt})
	return a, err
}

// AssignTicket records a ticket's hand-over to a group, once per key: a repeated
// key returns the stored one. An unknown ticket is activities.ErrNotFound.
func (s *Store) AssignTicket(ctx context.Context, in activities.TicketAssignment) (activities.TicketAssignment, error) {
	if in.Key == "" {
		return activities.TicketAssignment{}, missingKey("assign ticket")
	}
	var out activities.TicketAssignment
	err := s.inTx(ctx, func(r runner) error {
		stored, found, err := queryOne(ctx, r, scanAssignment, `SELECT `+assignmentCols+` FROM ticket_assignments WHERE key = ?`, in.Key)
		if err != nil || found {
			out = stored
			return err
		}
		var one int
		if _, found, err := queryOne(ctx, r, scanInt(&one), `SELECT 1 FROM tickets WHERE id = ?`, in.TicketID); err != nil || !found {
			return errors.Join(err, notFoundIf(!found))
		}
		if _, err := r.exec(ctx, `INSERT INTO ticket_assignments (`+assignmentCols+`) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (key) DO NOTHING`, in.Key, in.CaseID, in.TicketID, in.Group, s.clock()); err != nil {
			return err
		}
		out, _, err = queryOne(ctx, r, scanAssignment, `SELECT `+assignmentCols+` FROM ticket_assignments WHERE key = ?`, in.Key)
		return err
	})
	if err != nil {
		return activities.TicketAssignment{}, fmt.Errorf("unable to hand ticket %d to %s: %w", in.TicketID, in.Group, err)
	}
	return out, nil
}

// ListTicketAssignments lists a case's ticket hand-overs, oldest first.
func (s *Store) ListTicketAssignments(ctx context.Context, caseID string) ([]activities.TicketAssignment, error) {
	out, err := queryAll(ctx, s.r(), scanAssignment, `SELECT `+assignmentCols+` FROM ticket_assignments WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("unable to list the ticket hand-overs of case %s: %w", caseID, err)
	}
	return out, nil
}
