// Package activitiestest provides in-memory Mailer and Records for workflow tests
// and benchmarks: real, if forgetful, implementations of the activity ports with
// the same idempotency rules as the SQL store, plus hooks to inject failures.
package activitiestest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/caseflow/caseflow/activities"
)

var (
	_ activities.Mailer  = (*Mailer)(nil)
	_ activities.Records = (*Records)(nil)
)

// Mailer keeps letters in memory, once per key.
type Mailer struct {
	mu    sync.Mutex
	sent  []activities.SentMail
	tries map[string]int
	calls map[string]int
	// SendFn, when set, is called before a letter is stored; an error fails the send.
	SendFn func(m activities.Mail, attempt int) error
	// Delay, when set, is slept before each send (benchmarks' fixed latency).
	Delay time.Duration
}

// Send stores the letter unless its key was sent before.
func (m *Mailer) Send(ctx context.Context, mail activities.Mail) (activities.SentMail, error) {
	if m.Delay > 0 {
		select {
		case <-time.After(m.Delay):
		case <-ctx.Done():
			return activities.SentMail{}, ctx.Err()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.calls == nil {
		m.calls = map[string]int{}
	}
	m.calls[mail.Key]++
	for _, s := range m.sent {
		if s.Key == mail.Key {
			s.Duplicate = true
			return s, nil
		}
	}
	if m.tries == nil {
		m.tries = map[string]int{}
	}
	m.tries[mail.Key]++
	if m.SendFn != nil {
		if err := m.SendFn(mail, m.tries[mail.Key]); err != nil {
			return activities.SentMail{}, err
		}
	}
	s := activities.SentMail{Mail: mail, ID: int64(len(m.sent) + 1), MessageID: "<" + mail.Key + "@test>", SentAt: time.Now().UTC()}
	m.sent = append(m.sent, s)
	return s, nil
}

// Calls counts the sends asked for a key: failed attempts, the delivery, and
// any repeat the outbox answered as a duplicate.
func (m *Mailer) Calls(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[key]
}

// Sent lists the letters sent, oldest first.
func (m *Mailer) Sent() []activities.SentMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sent)
}

// ByStep returns the letters whose step contains name.
func (m *Mailer) ByStep(name string) []activities.SentMail {
	var out []activities.SentMail
	for _, s := range m.Sent() {
		if s.Step == name || containsStep(s.Step, name) {
			out = append(out, s)
		}
	}
	return out
}

func containsStep(step, name string) bool {
	return len(step) > len(name) && step[len(step)-len(name)-1:] == "-"+name
}

// Records keeps records in memory, idempotent by key.
type Records struct {
	mu            sync.Mutex
	consultations []activities.Consultation
	requests      []activities.ServiceRequest
	tickets       []activities.Ticket
	comments      []activities.TicketComment
	claims        []activities.Claim
	claimTasks    []activities.ClaimTask
	discounts     []activities.Discount
	replies       []activities.TicketReply
	assignments   []activities.TicketAssignment
	// Delay, when set, is slept before each call (benchmarks' fixed latency).
	Delay time.Duration
}

func (r *Records) wait(ctx context.Context) error {
	if r.Delay <= 0 {
		return nil
	}
	select {
	case <-time.After(r.Delay):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CreateConsultation stores a consultation, numbering it unless it has a number.
func (r *Records) CreateConsultation(ctx context.Context, c activities.Consultation) (activities.Consultation, error) {
	if err := r.wait(ctx); err != nil {
		return c, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.consultations, func(x activities.Consultation) bool { return x.Key == c.Key }); i >= 0 {
		return r.consultations[i], nil
	}
	if c.Number == "" {
		c.Number = fmt.Sprintf("CONS-%06d", len(r.consultations)+1)
	}
	c.CreatedAt = time.Now().UTC()
	r.consultations = append(r.consultations, c)
	return c, nil
}

// CreateServiceRequest stores a service request with the next number.
func (r *Records) CreateServiceRequest(ctx context.Context, s activities.ServiceRequest) (activities.ServiceRequest, error) {
	if err := r.wait(ctx); err != nil {
		return s, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.requests, func(x activities.ServiceRequest) bool { return x.Key == s.Key }); i >= 0 {
		return r.requests[i], nil
	}
	s.Number = fmt.Sprintf("SR-%06d", len(r.requests)+1)
	s.CreatedAt = time.Now().UTC()
	r.requests = append(r.requests, s)
	return s, nil
}

// CreateTicket stores a ticket with the next ID.
func (r *Records) CreateTicket(ctx context.Context, t activities.Ticket) (activities.Ticket, error) {
	if err := r.wait(ctx); err != nil {
		return t, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.tickets, func(x activities.Ticket) bool { return x.Key == t.Key }); i >= 0 {
		return r.tickets[i], nil
	}
	t.ID = int64(len(r.tickets) + 1)
	t.CreatedAt = time.Now().UTC()
	t.UpdatedAt = t.CreatedAt
	r.tickets = append(r.tickets, t)
	return t, nil
}

// UpdateTicketStatus sets a ticket's status.
func (r *Records) UpdateTicketStatus(ctx context.Context, id int64, status string) (activities.Ticket, error) {
	if err := r.wait(ctx); err != nil {
		return activities.Ticket{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.tickets {
		if r.tickets[i].ID == id {
			r.tickets[i].Status = status
			r.tickets[i].UpdatedAt = time.Now().UTC()
			return r.tickets[i], nil
		}
	}
	return activities.Ticket{}, fmt.Errorf("ticket %d: %w", id, activities.ErrNotFound)
}

// AddTicketComment stores a comment once per key.
func (r *Records) AddTicketComment(ctx context.Context, c activities.TicketComment) (activities.TicketComment, error) {
	if err := r.wait(ctx); err != nil {
		return c, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.comments, func(x activities.TicketComment) bool { return x.Key == c.Key }); i >= 0 {
		return r.comments[i], nil
	}
	c.CreatedAt = time.Now().UTC()
	r.comments = append(r.comments, c)
	return c, nil
}

// GetTicket returns a ticket and its comments.
func (r *Records) GetTicket(ctx context.Context, id int64) (activities.Ticket, []activities.TicketComment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.tickets {
		if t.ID == id {
			var cs []activities.TicketComment
			for _, c := range r.comments {
				if c.TicketID == id {
					cs = append(cs, c)
				}
			}
			return t, cs, nil
		}
	}
	return activities.Ticket{}, nil, fmt.Errorf("ticket %d: %w", id, activities.ErrNotFound)
}

// FindServiceRequest returns a service request by number and the consultation
// it was made from.
func (r *Records) FindServiceRequest(ctx context.Context, number string) (activities.ServiceRequest, activities.Consultation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.requests, func(x activities.ServiceRequest) bool { return x.Number == number })
	if i < 0 {
		return activities.ServiceRequest{}, activities.Consultation{}, fmt.Errorf("service request %s: %w", number, activities.ErrNotFound)
	}
	sr := r.requests[i]
	var cons activities.Consultation
	if j := slices.IndexFunc(r.consultations, func(x activities.Consultation) bool { return x.Number == sr.ConsultationNumber }); j >= 0 && sr.ConsultationNumber != "" {
		cons = r.consultations[j]
	}
	return sr, cons, nil
}

// CreateClaim stores a claim with the next number.
func (r *Records) CreateClaim(ctx context.Context, c activities.Claim) (activities.Claim, error) {
	if err := r.wait(ctx); err != nil {
		return c, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.claims, func(x activities.Claim) bool { return x.Key == c.Key }); i >= 0 {
		return r.claims[i], nil
	}
	c.Number = int64(len(r.claims) + 1)
	if c.RegisteredAt.IsZero() {
		c.RegisteredAt = time.Now().UTC()
	}
	c.UpdatedAt = c.RegisteredAt
	r.claims = append(r.claims, c)
	return c, nil
}

// UpdateClaimStage moves a claim to a stage.
func (r *Records) UpdateClaimStage(ctx context.Context, number int64, stage string) (activities.Claim, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.claims {
		if r.claims[i].Number == number {
			r.claims[i].Stage = stage
			r.claims[i].UpdatedAt = time.Now().UTC()
			return r.claims[i], nil
		}
	}
	return activities.Claim{}, fmt.Errorf("claim %d: %w", number, activities.ErrNotFound)
}

// UpsertClaimTask creates or replaces a claim task by key.
func (r *Records) UpsertClaimTask(ctx context.Context, t activities.ClaimTask) (activities.ClaimTask, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.claimTasks, func(x activities.ClaimTask) bool { return x.Key == t.Key }); i >= 0 {
		r.claimTasks[i] = t
		return t, nil
	}
	r.claimTasks = append(r.claimTasks, t)
	return t, nil
}

// ListClaimTasks lists a claim's tasks.
func (r *Records) ListClaimTasks(ctx context.Context, number int64) ([]activities.ClaimTask, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []activities.ClaimTask
	for _, t := range r.claimTasks {
		if t.ClaimNumber == number {
			out = append(out, t)
		}
	}
	return out, nil
}

// ListCaseRecords returns everything kept for a case.
func (r *Records) ListCaseRecords(ctx context.Context, caseID string) (activities.CaseRecords, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out activities.CaseRecords
	for _, c := range r.consultations {
		if c.CaseID == caseID {
			out.Consultations = append(out.Consultations, c)
		}
	}
	for _, s := range r.requests {
		if s.CaseID == caseID {
			out.ServiceRequests = append(out.ServiceRequests, s)
		}
	}
	var ids []int64
	for _, t := range r.tickets {
		if t.CaseID == caseID {
			out.Tickets = append(out.Tickets, t)
			ids = append(ids, t.ID)
		}
	}
	for _, c := range r.comments {
		if slices.Contains(ids, c.TicketID) {
			out.Comments = append(out.Comments, c)
		}
	}
	for _, c := range r.claims {
		if c.CaseID == caseID {
			out.Claims = append(out.Claims, c)
		}
	}
	return out, nil
}

// RecordDiscount keeps a discount once per key.
func (r *Records) RecordDiscount(ctx context.Context, d activities.Discount) (activities.Discount, error) {
	if err := r.wait(ctx); err != nil {
		return d, err
	}
	if d.Key == "" {
		return d, &activities.PermanentError{Err: fmt.Errorf("record discount: empty idempotency key")}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.discounts, func(x activities.Discount) bool { return x.Key == d.Key }); i >= 0 {
		return r.discounts[i], nil
	}
	if d.GivenAt.IsZero() {
		d.GivenAt = time.Now().UTC()
	}
	r.discounts = append(r.discounts, d)
	return d, nil
}

// FindDiscounts lists the customer's discounts on subject since a moment, newest first.
func (r *Records) FindDiscounts(ctx context.Context, customer, subject string, since time.Time) ([]activities.Discount, error) {
	if err := r.wait(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []activities.Discount{}
	for _, d := range r.discounts {
		if d.Customer == customer && d.Subject == subject && !d.GivenAt.Before(since) {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b activities.Discount) int { return b.GivenAt.Compare(a.GivenAt) })
	return out, nil
}

var _ activities.SMSSender = (*SMSSender)(nil)

// SMSSender keeps text messages in memory, once per key.
type SMSSender struct {
	mu    sync.Mutex
	sent  []activities.SentSMS
	tries map[string]int
	// SendFn, when set, is called before a message is stored; an error fails the send.
	SendFn func(m activities.SMS, attempt int) error
}

// SendSMS stores the message unless its key was sent before.
func (s *SMSSender) SendSMS(_ context.Context, m activities.SMS) (activities.SentSMS, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.sent {
		if x.Key == m.Key {
			x.Duplicate = true
			return x, nil
		}
	}
	if s.tries == nil {
		s.tries = map[string]int{}
	}
	s.tries[m.Key]++
	if s.SendFn != nil {
		if err := s.SendFn(m, s.tries[m.Key]); err != nil {
			return activities.SentSMS{}, err
		}
	}
	x := activities.SentSMS{SMS: m, ID: int64(len(s.sent) + 1), SentAt: time.Now().UTC()}
	s.sent = append(s.sent, x)
	return x, nil
}

// Sent lists the messages sent, oldest first.
func (s *SMSSender) Sent() []activities.SentSMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

var _ activities.Helpdesk = (*Records)(nil)

// ReplyInTicket keeps a reply in a customer's ticket once per key.
func (r *Records) ReplyInTicket(ctx context.Context, in activities.TicketReply) (activities.TicketReply, error) {
	if err := r.wait(ctx); err != nil {
		return in, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.replies, func(x activities.TicketReply) bool { return x.Key == in.Key }); i >= 0 {
		return r.replies[i], nil
	}
	in.CreatedAt = time.Now().UTC()
	r.replies = append(r.replies, in)
	return in, nil
}

// Replies are the replies posted in customers' tickets, oldest first.
func (r *Records) Replies() []activities.TicketReply {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.replies)
}

// AssignTicket keeps a ticket's hand-over to a group once per key.
func (r *Records) AssignTicket(ctx context.Context, in activities.TicketAssignment) (activities.TicketAssignment, error) {
	if err := r.wait(ctx); err != nil {
		return in, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.assignments, func(x activities.TicketAssignment) bool { return x.Key == in.Key }); i >= 0 {
		return r.assignments[i], nil
	}
	in.CreatedAt = time.Now().UTC()
	r.assignments = append(r.assignments, in)
	return in, nil
}

// Assignments are the tickets' hand-overs to groups, oldest first.
func (r *Records) Assignments() []activities.TicketAssignment {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.assignments)
}
