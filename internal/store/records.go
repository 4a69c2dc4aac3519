package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/caseflow/caseflow/activities"
)

// Counter names in the counters table.
const (
	counterConsultation   = "consultation"
	counterServiceRequest = "service_request"
	counterTicket         = "ticket"
	counterClaim          = "claim"
)

// errEmptyKey rejects a create without an idempotency key; no retry can mend it.
var errEmptyKey = errors.New("empty idempotency key")

// missingKey is the error for a record without a key.
func missingKey(what string) error {
	return fmt.Errorf("unable to %s: %w", what, &activities.PermanentError{Err: errEmptyKey})
}

// errLostRace says a concurrent transaction inserted the same key first.
var errLostRace = errors.New("key inserted concurrently")

// createOnce is the idempotent create shared by every numbered record. In one
// transaction it looks the key up (find), and if absent takes the next value of
// counter and inserts the row (insert reports whether a row went in). The number
// and the row commit together, so a failed or duplicate insert rolls the counter
// back: numbers have no gaps. Losing a race to a concurrent create of the same key
// rolls back too, and the winner's row is returned.
func (s *Store) createOnce(ctx context.Context, counter string,
	find func(context.Context, runner) (bool, error),
	insert func(context.Context, runner, int64) (bool, error),
) error {
	err := s.inTx(ctx, func(r runner) error {
		found, err := find(ctx, r)
		if err != nil || found {
			return err
		}
		var n int64
		if err := r.queryRow(ctx, `UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value`, counter).Scan(&n); err != nil {
			return fmt.Errorf("unable to take the next %s number: %w", counter, err)
		}
		inserted, err := insert(ctx, r, n)
		if err != nil {
			return err
		}
		if !inserted {
			return errLostRace
		}
		if found, err := find(ctx, r); err != nil || !found {
			return errors.Join(errors.New("inserted row not found"), err)
		}
		return nil
	})
	if errors.Is(err, errLostRace) {
		found, ferr := find(ctx, s.r())
		if ferr != nil {
			return ferr
		}
		if !found {
			return errors.New("key inserted concurrently but not found")
		}
		return nil
	}
	return err
}

// inserted reports whether an INSERT ... ON CONFLICT DO NOTHING wrote its row.
func inserted(res interface{ RowsAffected() (int64, error) }, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// encodeJSON stores a list or map as JSON text, and an empty one as an empty string.
func encodeJSON[T any](v T, empty bool) (string, error) {
	if empty {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// decodeJSON reads what encodeJSON stored; an empty string leaves dst at its zero value.
func decodeJSON(s string, dst any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), dst)
}

func encodeList(l []string) (string, error) { return encodeJSON(l, len(l) == 0) }

const consultationCols = `seq, key, case_id, number, description, fields, created_at`

func scanConsultation(row rowScanner) (activities.Consultation, error) {
	var c activities.Consultation
	var seq int64
	var fields string
	if err := row.Scan(&seq, &c.Key, &c.CaseID, &c.Number, &c.Description, &fields, timeCol{&c.CreatedAt}); err != nil {
		return c, err
	}
	return c, decodeJSON(fields, &c.Fields)
}

// CreateConsultation records a GSIS consultation numbered CONS-000001, CONS-000002, …
// A repeated key returns the stored consultation unchanged.
func (s *Store) CreateConsultation(ctx context.Context, c activities.Consultation) (activities.Consultation, error) {
	if c.Key == "" {
		return activities.Consultation{}, missingKey("create consultation")
	}
	fields, err := encodeJSON(c.Fields, len(c.Fields) == 0)
	if err != nil {
		return activities.Consultation{}, fmt.Errorf("unable to encode consultation fields: %w", err)
	}
	createdAt := s.orNow(c.CreatedAt)
	var out activities.Consultation
	err = s.createOnce(ctx, counterConsultation,
		func(ctx context.Context, r runner) (found bool, err error) {
			out, found, err = queryOne(ctx, r, scanConsultation, `SELECT `+consultationCols+` FROM consultations WHERE key = ?`, c.Key)
			return found, err
		},
		func(ctx context.Context, r runner, n int64) (bool, error) {
			return inserted(r.exec(ctx, `INSERT INTO consultations (`+consultationCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (key) DO NOTHING`,
				n, c.Key, c.CaseID, fmt.Sprintf("CONS-%06d", n), c.Description, fields, createdAt))
		})
	if err != nil {
		return activities.Consultation{}, fmt.Errorf("unable to create consultation %s: %w", c.Key, err)
	}
	return out, nil
}

const serviceRequestCols = `seq, key, case_id, number, consultation_number, asc_name, priority, description, plc, created_at`

func scanServiceRequest(row rowScanner) (activities.ServiceRequest, error) {
	var r activities.ServiceRequest
	var seq int64
	err := row.Scan(&seq, &r.Key, &r.CaseID, &r.Number, &r.ConsultationNumber, &r.ASC, &r.Priority,
		&r.Description, &r.PLC, timeCol{&r.CreatedAt})
	return r, err
}

// CreateServiceRequest records a GSIS service request numbered SR-000001, SR-000002, …
// A repeated key returns the stored request unchanged.
func (s *Store) CreateServiceRequest(ctx context.Context, sr activities.ServiceRequest) (activities.ServiceRequest, error) {
	if sr.Key == "" {
		return activities.ServiceRequest{}, missingKey("create service request")
	}
	createdAt := s.orNow(sr.CreatedAt)
	var out activities.ServiceRequest
	err := s.createOnce(ctx, counterServiceRequest,
		func(ctx context.Context, r runner) (found bool, err error) {
			out, found, err = queryOne(ctx, r, scanServiceRequest, `SELECT `+serviceRequestCols+` FROM service_requests WHERE key = ?`, sr.Key)
			return found, err
		},
		func(ctx context.Context, r runner, n int64) (bool, error) {
			return inserted(r.exec(ctx, `INSERT INTO service_requests (`+serviceRequestCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (key) DO NOTHING`,
				n, sr.Key, sr.CaseID, fmt.Sprintf("SR-%06d", n), sr.ConsultationNumber, sr.ASC, sr.Priority,
				sr.Description, sr.PLC, createdAt))
		})
	if err != nil {
		return activities.ServiceRequest{}, fmt.Errorf("unable to create service request %s: %w", sr.Key, err)
	}
	return out, nil
}

const ticketCols = `id, key, case_id, subject, category, tag, status, priority, planned_date, to_addrs, cc_addrs, linked, created_at, updated_at`

func scanTicket(row rowScanner) (activities.Ticket, error) {
	var t activities.Ticket
	var to, cc, linked string
	err := row.Scan(&t.ID, &t.Key, &t.CaseID, &t.Subject, &t.Category, &t.Tag, &t.Status, &t.Priority,
		&t.PlannedDate, &to, &cc, &linked, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt})
	if err != nil {
		return t, err
	}
	return t, errors.Join(decodeJSON(to, &t.To), decodeJSON(cc, &t.Cc), decodeJSON(linked, &t.Linked))
}

// CreateTicket opens a ticket with the next sequential ID (1, 2, …). A repeated key
// returns the stored ticket unchanged.
func (s *Store) CreateTicket(ctx context.Context, t activities.Ticket) (activities.Ticket, error) {
	if t.Key == "" {
		return activities.Ticket{}, missingKey("create ticket")
	}
	to, err1 := encodeList(t.To)
	cc, err2 := encodeList(t.Cc)
	linked, err3 := encodeList(t.Linked)
	if err := errors.Join(err1, err2, err3); err != nil {
		return activities.Ticket{}, fmt.Errorf("unable to encode ticket %s: %w", t.Key, err)
	}
	createdAt := s.orNow(t.CreatedAt)
	updatedAt := createdAt
	if !t.UpdatedAt.IsZero() {
		updatedAt = dbTime(t.UpdatedAt)
	}
	var out activities.Ticket
	err := s.createOnce(ctx, counterTicket,
		func(ctx context.Context, r runner) (found bool, err error) {
			out, found, err = queryOne(ctx, r, scanTicket, `SELECT `+ticketCols+` FROM tickets WHERE key = ?`, t.Key)
			return found, err
		},
		func(ctx context.Context, r runner, n int64) (bool, error) {
			return inserted(r.exec(ctx, `INSERT INTO tickets (`+ticketCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (key) DO NOTHING`,
				n, t.Key, t.CaseID, t.Subject, t.Category, t.Tag, t.Status, t.Priority, t.PlannedDate,
				to, cc, linked, createdAt, updatedAt))
		})
	if err != nil {
		return activities.Ticket{}, fmt.Errorf("unable to create ticket %s: %w", t.Key, err)
	}
	return out, nil
}

// UpdateTicketStatus sets a ticket's status. updated_at moves only when the status
// changes, so a repeat is a no-op. An unknown ticket is activities.ErrNotFound.
func (s *Store) UpdateTicketStatus(ctx context.Context, ticketID int64, status string) (activities.Ticket, error) {
	var out activities.Ticket
	err := s.inTx(ctx, func(r runner) error {
		t, found, err := queryOne(ctx, r, scanTicket, `SELECT `+ticketCols+` FROM tickets WHERE id = ?`, ticketID)
		if err != nil {
			return err
		}
		if !found {
			return activities.ErrNotFound
		}
		if t.Status != status {
			if _, err := r.exec(ctx, `UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?`, status, s.clock(), ticketID); err != nil {
				return err
			}
			if t, _, err = queryOne(ctx, r, scanTicket, `SELECT `+ticketCols+` FROM tickets WHERE id = ?`, ticketID); err != nil {
				return err
			}
		}
		out = t
		return nil
	})
	if err != nil {
		return activities.Ticket{}, fmt.Errorf("unable to update ticket %d status: %w", ticketID, err)
	}
	return out, nil
}

const commentCols = `key, ticket_id, body, is_private, created_at`

func scanComment(row rowScanner) (activities.TicketComment, error) {
	var c activities.TicketComment
	err := row.Scan(&c.Key, &c.TicketID, &c.Body, &c.Private, timeCol{&c.CreatedAt})
	return c, err
}

// AddTicketComment adds a comment to a ticket. A repeated key returns the stored
// comment unchanged; an unknown ticket is activities.ErrNotFound.
func (s *Store) AddTicketComment(ctx context.Context, c activities.TicketComment) (activities.TicketComment, error) {
	if c.Key == "" {
		return activities.TicketComment{}, missingKey("add ticket comment")
	}
	createdAt := s.orNow(c.CreatedAt)
	var out activities.TicketComment
	err := s.inTx(ctx, func(r runner) error {
		stored, found, err := queryOne(ctx, r, scanComment, `SELECT `+commentCols+` FROM ticket_comments WHERE key = ?`, c.Key)
		if err != nil || found {
			out = stored
			return err
		}
		var one int
		if _, found, err := queryOne(ctx, r, scanInt(&one), `SELECT 1 FROM tickets WHERE id = ?`, c.TicketID); err != nil || !found {
			return errors.Join(err, notFoundIf(!found))
		}
		if _, err := r.exec(ctx, `INSERT INTO ticket_comments (`+commentCols+`) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (key) DO NOTHING`, c.Key, c.TicketID, c.Body, c.Private, createdAt); err != nil {
			return err
		}
		out, _, err = queryOne(ctx, r, scanComment, `SELECT `+commentCols+` FROM ticket_comments WHERE key = ?`, c.Key)
		return err
	})
	if err != nil {
		return activities.TicketComment{}, fmt.Errorf("unable to add comment %s to ticket %d: %w", c.Key, c.TicketID, err)
	}
	return out, nil
}

// scanInt scans a one-column integer row into dst.
func scanInt(dst *int) func(rowScanner) (int, error) {
	return func(row rowScanner) (int, error) { return *dst, row.Scan(dst) }
}

// notFoundIf returns activities.ErrNotFound when cond holds.
func notFoundIf(cond bool) error {
	if cond {
		return activities.ErrNotFound
	}
	return nil
}

// GetTicket returns a ticket and its comments, oldest first. An unknown ticket is
// activities.ErrNotFound.
func (s *Store) GetTicket(ctx context.Context, ticketID int64) (activities.Ticket, []activities.TicketComment, error) {
	t, found, err := queryOne(ctx, s.r(), scanTicket, `SELECT `+ticketCols+` FROM tickets WHERE id = ?`, ticketID)
	if err == nil && !found {
		err = activities.ErrNotFound
	}
	if err != nil {
		return activities.Ticket{}, nil, fmt.Errorf("unable to get ticket %d: %w", ticketID, err)
	}
	comments, err := queryAll(ctx, s.r(), scanComment, `SELECT `+commentCols+` FROM ticket_comments WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return activities.Ticket{}, nil, fmt.Errorf("unable to get comments of ticket %d: %w", ticketID, err)
	}
	return t, comments, nil
}

// FindServiceRequest returns a service request by its number and the
// consultation it was made from (zero when there is none). An unknown number is
// activities.ErrNotFound.
func (s *Store) FindServiceRequest(ctx context.Context, number string) (activities.ServiceRequest, activities.Consultation, error) {
	sr, found, err := queryOne(ctx, s.r(), scanServiceRequest, `SELECT `+serviceRequestCols+` FROM service_requests WHERE number = ?`, number)
	if err == nil && !found {
		err = activities.ErrNotFound
	}
	if err != nil {
		return activities.ServiceRequest{}, activities.Consultation{}, fmt.Errorf("unable to find service request %s: %w", number, err)
	}
	var cons activities.Consultation
	if sr.ConsultationNumber != "" {
		cons, _, err = queryOne(ctx, s.r(), scanConsultation, `SELECT `+consultationCols+` FROM consultations WHERE number = ?`, sr.ConsultationNumber)
		if err != nil {
			return activities.ServiceRequest{}, activities.Consultation{}, fmt.Errorf("unable to find consultation %s of service request %s: %w", sr.ConsultationNumber, number, err)
		}
	}
	return sr, cons, nil
}

const claimCols = `number, key, case_id, title, stage, fields, registered_at, updated_at`

func scanClaim(row rowScanner) (activities.Claim, error) {
	var c activities.Claim
	var fields string
	if err := row.Scan(&c.Number, &c.Key, &c.CaseID, &c.Title, &c.Stage, &fields, timeCol{&c.RegisteredAt}, timeCol{&c.UpdatedAt}); err != nil {
		return c, err
	}
	return c, decodeJSON(fields, &c.Fields)
}

// CreateClaim registers a claim card with the next claim number: 1, 2, … with no
// gaps, assigned in the transaction that inserts the card, so concurrent intakes
// never share or skip a number and restarts keep counting. A repeated key returns
// the card with the number it got first. Fields read back through JSON (numbers
// come back as float64).
func (s *Store) CreateClaim(ctx context.Context, c activities.Claim) (activities.Claim, error) {
	if c.Key == "" {
		return activities.Claim{}, missingKey("create claim")
	}
	fields, err := encodeJSON(c.Fields, len(c.Fields) == 0)
	if err != nil {
		return activities.Claim{}, fmt.Errorf("unable to encode claim fields: %w", err)
	}
	registeredAt := s.orNow(c.RegisteredAt)
	updatedAt := registeredAt
	if !c.UpdatedAt.IsZero() {
		updatedAt = dbTime(c.UpdatedAt)
	}
	var out activities.Claim
	err = s.createOnce(ctx, counterClaim,
		func(ctx context.Context, r runner) (found bool, err error) {
			out, found, err = queryOne(ctx, r, scanClaim, `SELECT `+claimCols+` FROM claims WHERE key = ?`, c.Key)
			return found, err
		},
		func(ctx context.Context, r runner, n int64) (bool, error) {
			return inserted(r.exec(ctx, `INSERT INTO claims (`+claimCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (key) DO NOTHING`,
				n, c.Key, c.CaseID, c.Title, c.Stage, fields, registeredAt, updatedAt))
		})
	if err != nil {
		return activities.Claim{}, fmt.Errorf("unable to create claim %s: %w", c.Key, err)
	}
	return out, nil
}

// UpdateClaimStage moves a claim card to a stage. updated_at moves only when the
// stage changes, so a repeat is a no-op. An unknown claim is activities.ErrNotFound.
func (s *Store) UpdateClaimStage(ctx context.Context, number int64, stage string) (activities.Claim, error) {
	var out activities.Claim
	err := s.inTx(ctx, func(r runner) error {
		c, found, err := queryOne(ctx, r, scanClaim, `SELECT `+claimCols+` FROM claims WHERE number = ?`, number)
		if err != nil {
			return err
		}
		if !found {
			return activities.ErrNotFound
		}
		if c.Stage != stage {
			if _, err := r.exec(ctx, `UPDATE claims SET stage = ?, updated_at = ? WHERE number = ?`, stage, s.clock(), number); err != nil {
				return err
			}
			if c, _, err = queryOne(ctx, r, scanClaim, `SELECT `+claimCols+` FROM claims WHERE number = ?`, number); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	if err != nil {
		return activities.Claim{}, fmt.Errorf("unable to move claim %d to stage %s: %w", number, stage, err)
	}
	return out, nil
}

const claimTaskCols = `key, claim_number, title, assignee, due, status, report, completed_at`

func scanClaimTask(row rowScanner) (activities.ClaimTask, error) {
	var t activities.ClaimTask
	var completed time.Time
	err := row.Scan(&t.Key, &t.ClaimNumber, &t.Title, &t.Assignee, timeCol{&t.Due}, &t.Status, &t.Report, timeCol{&completed})
	if !completed.IsZero() {
		t.CompletedAt = &completed
	}
	return t, err
}

// UpsertClaimTask creates a task on a claim card, or updates the task with the same
// key (title, assignee, due, status, report, completed_at; the card stays the one it
// was created on). An unknown claim is activities.ErrNotFound.
func (s *Store) UpsertClaimTask(ctx context.Context, t activities.ClaimTask) (activities.ClaimTask, error) {
	if t.Key == "" {
		return activities.ClaimTask{}, missingKey("save claim task")
	}
	var completed any
	if t.CompletedAt != nil {
		completed = nullTime(*t.CompletedAt)
	}
	var out activities.ClaimTask
	err := s.inTx(ctx, func(r runner) error {
		var one int
		if _, found, err := queryOne(ctx, r, scanInt(&one), `SELECT 1 FROM claims WHERE number = ?`, t.ClaimNumber); err != nil || !found {
			return errors.Join(err, notFoundIf(!found))
		}
		if _, err := r.exec(ctx, `INSERT INTO claim_tasks (`+claimTaskCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET title = excluded.title, assignee = excluded.assignee, due = excluded.due,
				status = excluded.status, report = excluded.report, completed_at = excluded.completed_at`,
			t.Key, t.ClaimNumber, t.Title, t.Assignee, nullTime(t.Due), t.Status, t.Report, completed); err != nil {
			return err
		}
		var err error
		out, _, err = queryOne(ctx, r, scanClaimTask, `SELECT `+claimTaskCols+` FROM claim_tasks WHERE key = ?`, t.Key)
		return err
	})
	if err != nil {
		return activities.ClaimTask{}, fmt.Errorf("unable to save claim task %s: %w", t.Key, err)
	}
	return out, nil
}

// ListClaimTasks returns a claim card's tasks, oldest first. An unknown claim is
// activities.ErrNotFound.
func (s *Store) ListClaimTasks(ctx context.Context, number int64) ([]activities.ClaimTask, error) {
	var one int
	_, found, err := queryOne(ctx, s.r(), scanInt(&one), `SELECT 1 FROM claims WHERE number = ?`, number)
	if err == nil && !found {
		err = activities.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("unable to list tasks of claim %d: %w", number, err)
	}
	tasks, err := queryAll(ctx, s.r(), scanClaimTask, `SELECT `+claimTaskCols+` FROM claim_tasks WHERE claim_number = ? ORDER BY id`, number)
	if err != nil {
		return nil, fmt.Errorf("unable to list tasks of claim %d: %w", number, err)
	}
	return tasks, nil
}

// ListCaseRecords returns everything recorded for a case, each list oldest first
// (empty lists, never nil). Claim tasks are not included: ListClaimTasks has them.
func (s *Store) ListCaseRecords(ctx context.Context, caseID string) (activities.CaseRecords, error) {
	var out activities.CaseRecords
	var errs [5]error
	r := s.r()
	out.Consultations, errs[0] = queryAll(ctx, r, scanConsultation, `SELECT `+consultationCols+` FROM consultations WHERE case_id = ? ORDER BY seq`, caseID)
	out.ServiceRequests, errs[1] = queryAll(ctx, r, scanServiceRequest, `SELECT `+serviceRequestCols+` FROM service_requests WHERE case_id = ? ORDER BY seq`, caseID)
	out.Tickets, errs[2] = queryAll(ctx, r, scanTicket, `SELECT `+ticketCols+` FROM tickets WHERE case_id = ? ORDER BY id`, caseID)
	out.Comments, errs[3] = queryAll(ctx, r, scanComment, `SELECT c.key, c.ticket_id, c.body, c.is_private, c.created_at
		FROM ticket_comments c JOIN tickets t ON t.id = c.ticket_id WHERE t.case_id = ? ORDER BY c.id`, caseID)
	out.Claims, errs[4] = queryAll(ctx, r, scanClaim, `SELECT `+claimCols+` FROM claims WHERE case_id = ? ORDER BY number`, caseID)
	if err := errors.Join(errs[:]...); err != nil {
		return activities.CaseRecords{}, fmt.Errorf("unable to list records of case %s: %w", caseID, err)
	}
	return out, nil
}

const discountCols = `key, case_id, customer, subject, given_at`

func scanDiscount(row rowScanner) (activities.Discount, error) {
	var d activities.Discount
	err := row.Scan(&d.Key, &d.CaseID, &d.Customer, &d.Subject, timeCol{&d.GivenAt})
	return d, err
}

// RecordDiscount records a discount given; a repeated key returns the stored
// discount unchanged.
func (s *Store) RecordDiscount(ctx context.Context, d activities.Discount) (activities.Discount, error) {
	if d.Key == "" {
		return activities.Discount{}, missingKey("record discount")
	}
	var out activities.Discount
	err := s.inTx(ctx, func(r runner) error {
		if _, err := r.exec(ctx, `INSERT INTO discounts (`+discountCols+`) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			d.Key, d.CaseID, d.Customer, d.Subject, dbTime(s.orNow(d.GivenAt))); err != nil {
			return err
		}
		var err error
		out, _, err = queryOne(ctx, r, scanDiscount, `SELECT `+discountCols+` FROM discounts WHERE key = ?`, d.Key)
		return err
	})
	if err != nil {
		return activities.Discount{}, fmt.Errorf("unable to record discount %s: %w", d.Key, err)
	}
	return out, nil
}

// FindDiscounts lists a customer's discounts on a subject given at or after
// since, newest first.
func (s *Store) FindDiscounts(ctx context.Context, customer, subject string, since time.Time) ([]activities.Discount, error) {
	out, err := queryAll(ctx, s.r(), scanDiscount, `SELECT `+discountCols+` FROM discounts
		WHERE customer = ? AND subject = ? AND given_at >= ? ORDER BY given_at DESC, key`, customer, subject, dbTime(since))
	if err != nil {
		return nil, fmt.Errorf("unable to find discounts: %w", err)
	}
	if out == nil {
		out = []activities.Discount{}
	}
	return out, nil
}
