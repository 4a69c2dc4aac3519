package bench

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caseflow/caseflow/activities"
)

// requestStep is the step of the PLC request to the engineer: the moment the
// latency scenario measures to.
const requestStep = "plc-request"

// probe notes when each case's engineer mail reaches the mailer, by case ID. The
// driver may ask before or after the mail arrives: whoever comes first makes the
// entry.
type probe struct {
	mu      sync.Mutex
	entries map[string]*handed
}

// handed is one case's moment of handing the request mail to the mailer.
type handed struct {
	done chan struct{}
	at   time.Time
}

func newProbe() *probe { return &probe{entries: map[string]*handed{}} }

func (p *probe) entry(caseID string) *handed {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.entries[caseID]
	if !ok {
		e = &handed{done: make(chan struct{})}
		p.entries[caseID] = e
	}
	return e
}

// hand records that the case's request mail reached the mailer now. A repeated
// hand (a retried activity) keeps the first moment.
func (p *probe) hand(caseID string) {
	at := time.Now()
	e := p.entry(caseID)
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.at.IsZero() {
		e.at = at
		close(e.done)
	}
}

// wait returns when the case's request mail was handed to the mailer, waiting for
// it if need be, and forgets the case.
func (p *probe) wait(ctx context.Context, caseID string) (time.Time, error) {
	e := p.entry(caseID)
	select {
	case <-e.done:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
	p.mu.Lock()
	delete(p.entries, caseID)
	p.mu.Unlock()
	return e.at, nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var (
	_ activities.Mailer  = (*Mailer)(nil)
	_ activities.Records = (*Records)(nil)
)

// Mailer is caseflow's mail port for the benchmark: it takes Latency per letter,
// tells the probe when a PLC request arrives and keeps nothing, so memory
// measured with parked cases is the engine's, not the mock's.
type Mailer struct {
	Latency time.Duration
	probe   *probe
	seq     atomic.Int64
}

// Send waits Latency and answers as a fresh send.
func (m *Mailer) Send(ctx context.Context, mail activities.Mail) (activities.SentMail, error) {
	if mail.Step == requestStep {
		m.probe.hand(mail.CaseID)
	}
	if err := sleep(ctx, m.Latency); err != nil {
		return activities.SentMail{}, err
	}
	return activities.SentMail{Mail: mail, ID: m.seq.Add(1), MessageID: "<" + mail.Key + "@bench>", SentAt: time.Now().UTC()}, nil
}

// Records is caseflow's records port for the benchmark: every call takes Latency
// and numbers what it creates; nothing is kept.
type Records struct {
	Latency time.Duration
	seq     atomic.Int64
}

func (r *Records) next(ctx context.Context) (int64, error) {
	if err := sleep(ctx, r.Latency); err != nil {
		return 0, err
	}
	return r.seq.Add(1), nil
}

// CreateConsultation numbers a consultation unless it has a number.
func (r *Records) CreateConsultation(ctx context.Context, c activities.Consultation) (activities.Consultation, error) {
	n, err := r.next(ctx)
	if err != nil {
		return c, err
	}
	if c.Number == "" {
		c.Number = "CONS-" + strconv.FormatInt(n, 10)
	}
	c.CreatedAt = time.Now().UTC()
	return c, nil
}

// CreateServiceRequest numbers a service request.
func (r *Records) CreateServiceRequest(ctx context.Context, s activities.ServiceRequest) (activities.ServiceRequest, error) {
	n, err := r.next(ctx)
	if err != nil {
		return s, err
	}
	s.Number, s.CreatedAt = "SR-"+strconv.FormatInt(n, 10), time.Now().UTC()
	return s, nil
}

// CreateTicket gives a ticket an ID.
func (r *Records) CreateTicket(ctx context.Context, t activities.Ticket) (activities.Ticket, error) {
	n, err := r.next(ctx)
	if err != nil {
		return t, err
	}
	t.ID, t.CreatedAt = n, time.Now().UTC()
	t.UpdatedAt = t.CreatedAt
	return t, nil
}

// UpdateTicketStatus answers with the ticket in its new status.
func (r *Records) UpdateTicketStatus(ctx context.Context, id int64, status string) (activities.Ticket, error) {
	if _, err := r.next(ctx); err != nil {
		return activities.Ticket{}, err
	}
	return activities.Ticket{ID: id, Status: status, UpdatedAt: time.Now().UTC()}, nil
}

// AddTicketComment answers with the comment.
func (r *Records) AddTicketComment(ctx context.Context, c activities.TicketComment) (activities.TicketComment, error) {
	if _, err := r.next(ctx); err != nil {
		return c, err
	}
	c.CreatedAt = time.Now().UTC()
	return c, nil
}

// GetTicket knows no ticket: the benchmark keeps none.
func (r *Records) GetTicket(ctx context.Context, id int64) (activities.Ticket, []activities.TicketComment, error) {
	return activities.Ticket{}, nil, activities.ErrNotFound
}

// FindServiceRequest takes Latency and knows no request: the benchmark keeps none.
func (r *Records) FindServiceRequest(ctx context.Context, number string) (activities.ServiceRequest, activities.Consultation, error) {
	if err := sleep(ctx, r.Latency); err != nil {
		return activities.ServiceRequest{}, activities.Consultation{}, err
	}
	return activities.ServiceRequest{}, activities.Consultation{}, activities.ErrNotFound
}

// CreateClaim numbers a claim.
func (r *Records) CreateClaim(ctx context.Context, c activities.Claim) (activities.Claim, error) {
	n, err := r.next(ctx)
	if err != nil {
		return c, err
	}
	c.Number = n
	return c, nil
}

// UpdateClaimStage answers with the claim in its new stage.
func (r *Records) UpdateClaimStage(ctx context.Context, number int64, stage string) (activities.Claim, error) {
	if _, err := r.next(ctx); err != nil {
		return activities.Claim{}, err
	}
	return activities.Claim{Number: number, Stage: stage}, nil
}

// UpsertClaimTask answers with the task.
func (r *Records) UpsertClaimTask(ctx context.Context, t activities.ClaimTask) (activities.ClaimTask, error) {
	if _, err := r.next(ctx); err != nil {
		return t, err
	}
	return t, nil
}

// ListClaimTasks knows no task.
func (r *Records) ListClaimTasks(ctx context.Context, number int64) ([]activities.ClaimTask, error) {
	return nil, nil
}

// ListCaseRecords knows no record.
func (r *Records) ListCaseRecords(ctx context.Context, caseID string) (activities.CaseRecords, error) {
	return activities.CaseRecords{}, nil
}

// RecordDiscount takes Latency and answers with the discount.
func (r *Records) RecordDiscount(ctx context.Context, d activities.Discount) (activities.Discount, error) {
	if _, err := r.next(ctx); err != nil {
		return d, err
	}
	return d, nil
}

// FindDiscounts takes Latency and knows no discount.
func (r *Records) FindDiscounts(ctx context.Context, customer, subject string, since time.Time) ([]activities.Discount, error) {
	if err := sleep(ctx, r.Latency); err != nil {
		return nil, err
	}
	return []activities.Discount{}, nil
}
