// Package activities holds caseflow's side effects: mail and records. Workflows call
// them through `var a *Activities`; the worker registers one Activities value whose
// ports (Mailer, Records) are the real adapters, and tests give it in-memory ones.
package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
)

// Activities carries the ports every activity needs. Exported methods are the
// activities; helpers stay unexported.
type Activities struct {
	Mail    Mailer
	Records Records
	// From is the sender address of every letter.
	From string
	// Cases opens linked cases; nil where no case opens another.
	Cases CaseOpener
	// SMS sends text messages; nil where the worker has no SMS gateway (then
	// every SMS fails permanently and becomes a supervisor's task).
	SMS SMSSender
	// Links signs the action links of letters that ask for a decision; nil:
	// such letters go out without links (the decision is made through the API).
	Links Linker
	// Helpdesk replies in customers' own tickets; nil where the worker has
	// none (then a reply fails permanently and becomes a supervisor's task).
	Helpdesk Helpdesk
}

// AssignTicket hands a ticket to a group, once per key.
func (a *Activities) AssignTicket(ctx context.Context, in TicketAssignment) (*TicketAssignment, error) {
	if a.Helpdesk == nil {
		err := fmt.Errorf("unable to hand ticket %d to %s: this worker has no helpdesk port", in.TicketID, in.Group)
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
	}
	out, err := a.Helpdesk.AssignTicket(ctx, in)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to hand ticket %d to %s: %w", in.TicketID, in.Group, err))
	}
	return &out, nil
}

// ReplyInTicket posts a reply to the customer in the customer's own ticket,
// once per key.
func (a *Activities) ReplyInTicket(ctx context.Context, in TicketReply) (*TicketReply, error) {
	if a.Helpdesk == nil {
		err := fmt.Errorf("unable to reply in ticket %s: this worker has no helpdesk port", in.Ticket)
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
	}
	r, err := a.Helpdesk.ReplyInTicket(ctx, in)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to reply in ticket %s: %w", in.Ticket, err))
	}
	return &TicketReply{Key: r.Key, CaseID: r.CaseID, Ticket: r.Ticket, CreatedAt: r.CreatedAt}, nil
}

// OpenCase opens a case of another type (once per key) and returns it.
func (a *Activities) OpenCase(ctx context.Context, in OpenCaseInput) (*OpenedCase, error) {
	if a.Cases == nil {
		err := fmt.Errorf("unable to open a %s case: this worker has no case opener", in.Type)
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
	}
	out, err := a.Cases.OpenCase(ctx, in)
	if err != nil {
		var perm *PermanentError
		if errors.As(err, &perm) {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unable to open a %s case: %v", in.Type, err), ErrTypePermanent, err)
		}
		return nil, fmt.Errorf("unable to open a %s case: %w", in.Type, err)
	}
	return &out, nil
}

// ErrTypePermanent is the Temporal error type of a failure no retry can mend.
const ErrTypePermanent = "PermanentFailure"

// ErrTypeBounced is the Temporal error type of a letter the mail server refused
// for good at RCPT or DATA (a 5xx): the recipient will not read it. It is
// permanent, like ErrTypePermanent; a case that waits for the recipient's
// decision escalates at once instead of waiting out the deadline.
const ErrTypeBounced = "MailBounced"

// SendMailInput asks for one letter rendered from a template. Key is the
// idempotency key (workflow ID + step) made by the workflow.
type SendMailInput struct {
	Key      string         `json:"key"`
	CaseID   string         `json:"case_id"`
	Step     string         `json:"step"`
	Template string         `json:"template"`
	To       []string       `json:"to"`
	Cc       []string       `json:"cc,omitempty"`
	Data     map[string]any `json:"data"`
	// Attachments are references (call recording, the customer's mail).
	Attachments []string `json:"attachments,omitempty"`
	// CaseType and Actions: a letter that asks for a decision carries one
	// signed link per allowed outcome; the template prints them as .Actions.
	CaseType string   `json:"case_type,omitempty"`
	Actions  []Action `json:"actions,omitempty"`
}

// SendMailResult is the outbox's receipt for a letter as the case's history
// keeps it: the letter's row in the outbox. The outbox keeps the letter, its
// Message-ID and when it went out (GET /v1/outbox), and no workflow reads more
// than that the letter went. Results recorded before 2026-12-07 also carry the
// Message-ID, the time and the duplicate flag (and, earlier still, the
// subject); they decode as this.
type SendMailResult struct {
	OutboxID int64 `json:"outbox_id"`
	// Duplicate is true when the key had been sent already and nothing went
	// out now: for the worker's metrics, not kept in history.
	Duplicate bool `json:"-"`
}

// SendMail renders a template and hands the letter to the mailer, once per key.
func (a *Activities) SendMail(ctx context.Context, in SendMailInput) (*SendMailResult, error) {
	res, err := a.sendMail(ctx, in)
	countLetter(ctx, in.Template, res, err)
	return res, err
}

func (a *Activities) sendMail(ctx context.Context, in SendMailInput) (*SendMailResult, error) {
	data, err := a.withLinks(in)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
	}
	subject, body, err := Render(in.Template, data)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
	}
	if len(in.To) == 0 {
		err := fmt.Errorf("letter %s has no recipient", in.Step)
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
	}
	sent, err := a.Mail.Send(ctx, Mail{
		Key: in.Key, CaseID: in.CaseID, Step: in.Step, From: a.From,
		To: in.To, Cc: in.Cc, Subject: subject, Body: body, Attachments: in.Attachments,
	})
	if err != nil {
		var perm *PermanentError
		if errors.As(err, &perm) && perm.Bounced {
			err := fmt.Errorf("unable to send %s: %w", in.Step, err)
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeBounced, err)
		}
		return nil, classify(fmt.Errorf("unable to send %s: %w", in.Step, err))
	}
	return &SendMailResult{OutboxID: sent.ID, Duplicate: sent.Duplicate}, nil
}

// SendSMSInput asks for one text message. Key is the idempotency key (workflow
// ID + step) made by the workflow.
type SendSMSInput struct {
	Key    string `json:"key"`
	CaseID string `json:"case_id"`
	Step   string `json:"step"`
	To     string `json:"to"`
	Text   string `json:"text"`
}

// SendSMSResult is what the SMS outbox recorded.
type SendSMSResult struct {
	OutboxID  int64     `json:"outbox_id"`
	SentAt    time.Time `json:"sent_at"`
	Duplicate bool      `json:"duplicate"`
}

// SendSMS hands a text message to the SMS sender, once per key.
func (a *Activities) SendSMS(ctx context.Context, in SendSMSInput) (*SendSMSResult, error) {
	if a.SMS == nil {
		err := fmt.Errorf("unable to send sms %s: this worker has no SMS sender", in.Step)
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
	}
	if in.To == "" {
		err := fmt.Errorf("unable to send sms %s: no recipient number", in.Step)
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
	}
	sent, err := a.SMS.SendSMS(ctx, SMS{Key: in.Key, CaseID: in.CaseID, Step: in.Step, To: in.To, Text: in.Text})
	if err != nil {
		return nil, classify(fmt.Errorf("unable to send sms %s: %w", in.Step, err))
	}
	return &SendSMSResult{OutboxID: sent.ID, SentAt: sent.SentAt, Duplicate: sent.Duplicate}, nil
}

// CreateConsultation records a GSIS consultation (idempotent by Key) and
// answers with its receipt (see ticketReceipt).
func (a *Activities) CreateConsultation(ctx context.Context, in Consultation) (*Consultation, error) {
	c, err := a.Records.CreateConsultation(ctx, in)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to create consultation: %w", err))
	}
	return &Consultation{Key: c.Key, CaseID: c.CaseID, Number: c.Number, CreatedAt: c.CreatedAt}, nil
}

// CreateServiceRequest records a GSIS service request (idempotent by Key) and
// answers with its receipt.
func (a *Activities) CreateServiceRequest(ctx context.Context, in ServiceRequest) (*ServiceRequest, error) {
	r, err := a.Records.CreateServiceRequest(ctx, in)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to create service request: %w", err))
	}
	return &ServiceRequest{Key: r.Key, CaseID: r.CaseID, Number: r.Number, ConsultationNumber: r.ConsultationNumber,
		ASC: r.ASC, Priority: r.Priority, PLC: r.PLC, CreatedAt: r.CreatedAt}, nil
}

// CreateTicket opens a Usedesk ticket (idempotent by Key) and answers with its
// receipt.
func (a *Activities) CreateTicket(ctx context.Context, in Ticket) (*Ticket, error) {
	t, err := a.Records.CreateTicket(ctx, in)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to create ticket: %w", err))
	}
	return ticketReceipt(t), nil
}

// LookupRequestInput names a service request to look up.
type LookupRequestInput struct {
	Number string `json:"number"`
}

// RequestOnRecord is a service request as the records hold it, with the product
// fields of the consultation it was made from: what a consultation about it
// copies and must match. Found is false when the records do not know the number.
type RequestOnRecord struct {
	Number             string `json:"number"`
	Found              bool   `json:"found"`
	ConsultationNumber string `json:"consultation_number,omitempty"`
	Model              string `json:"model,omitempty"`
	Serial             string `json:"serial,omitempty"`
	PurchaseDate       string `json:"purchase_date,omitempty"`
	Store              string `json:"store,omitempty"`
}

// LookupServiceRequest reads a service request and its product fields. A number
// the records do not know is an answer (Found false), not a failure.
func (a *Activities) LookupServiceRequest(ctx context.Context, in LookupRequestInput) (*RequestOnRecord, error) {
	sr, cons, err := a.Records.FindServiceRequest(ctx, in.Number)
	if errors.Is(err, ErrNotFound) {
		return &RequestOnRecord{Number: in.Number}, nil
	}
	if err != nil {
		return nil, classify(fmt.Errorf("unable to look up service request %s: %w", in.Number, err))
	}
	out := &RequestOnRecord{Number: sr.Number, Found: true, ConsultationNumber: sr.ConsultationNumber}
	f := cons.Fields
	out.Model, out.Serial, out.PurchaseDate = f["model"], f["serial"], f["purchase_date"]
	// The PLC consultation names the shop "store", the consultation's own "seller".
	out.Store = f["store"]
	if out.Store == "" {
		out.Store = f["seller"]
	}
	return out, nil
}

// DiscountQuery asks for a customer's discounts on a subject since a moment.
type DiscountQuery struct {
	Customer string    `json:"customer"`
	Subject  string    `json:"subject"`
	Since    time.Time `json:"since"`
}

// DiscountsFound are the discounts a DiscountQuery found, newest first.
type DiscountsFound struct {
	Discounts []Discount `json:"discounts"`
}

// FindDiscounts answers whether a customer got a discount on a subject since a moment.
func (a *Activities) FindDiscounts(ctx context.Context, in DiscountQuery) (*DiscountsFound, error) {
	ds, err := a.Records.FindDiscounts(ctx, in.Customer, in.Subject, in.Since)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to find discounts: %w", err))
	}
	return &DiscountsFound{Discounts: ds}, nil
}

// RecordDiscount records a discount given (idempotent by Key).
func (a *Activities) RecordDiscount(ctx context.Context, in Discount) (*Discount, error) {
	d, err := a.Records.RecordDiscount(ctx, in)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to record discount: %w", err))
	}
	return &d, nil
}

// TicketStatusInput sets a ticket's status.
type TicketStatusInput struct {
	TicketID int64  `json:"ticket_id"`
	Status   string `json:"status"`
}

// SetTicketStatus sets a ticket's status; the value is absolute, so a retry is harmless.
func (a *Activities) SetTicketStatus(ctx context.Context, in TicketStatusInput) (*Ticket, error) {
	t, err := a.Records.UpdateTicketStatus(ctx, in.TicketID, in.Status)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to set ticket %d status: %w", in.TicketID, err))
	}
	return ticketReceipt(t), nil
}

// AddTicketComment adds a comment to a ticket (idempotent by Key); the answer
// is its receipt, without the body.
func (a *Activities) AddTicketComment(ctx context.Context, in TicketComment) (*TicketComment, error) {
	c, err := a.Records.AddTicketComment(ctx, in)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to comment on ticket %d: %w", in.TicketID, err))
	}
	return &TicketComment{Key: c.Key, TicketID: c.TicketID, Private: c.Private, CreatedAt: c.CreatedAt}, nil
}

// CreateClaim registers a claim card and assigns its sequential number (idempotent by Key).
func (a *Activities) CreateClaim(ctx context.Context, in Claim) (*Claim, error) {
	c, err := a.Records.CreateClaim(ctx, in)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to register claim: %w", err))
	}
	return claimReceipt(c), nil
}

// ClaimStageInput moves a claim card to a stage.
type ClaimStageInput struct {
	Number int64  `json:"number"`
	Stage  string `json:"stage"`
}

// SetClaimStage moves a claim card to a stage (absolute, so a retry is harmless).
func (a *Activities) SetClaimStage(ctx context.Context, in ClaimStageInput) (*Claim, error) {
	c, err := a.Records.UpdateClaimStage(ctx, in.Number, in.Stage)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to move claim %d to %s: %w", in.Number, in.Stage, err))
	}
	return claimReceipt(c), nil
}

// UpsertClaimTask creates or updates a task on a claim card (by Key); the
// answer is its receipt, without title and report.
func (a *Activities) UpsertClaimTask(ctx context.Context, in ClaimTask) (*ClaimTask, error) {
	t, err := a.Records.UpsertClaimTask(ctx, in)
	if err != nil {
		return nil, classify(fmt.Errorf("unable to save claim task %s: %w", in.Key, err))
	}
	return &ClaimTask{Key: t.Key, ClaimNumber: t.ClaimNumber, Assignee: t.Assignee, Due: t.Due, Status: t.Status, CompletedAt: t.CompletedAt}, nil
}

// The records and helpdesk calls answer with a receipt: the record's identity
// (key, number or ID), its status and times, without the texts, copy lists and
// fields the case sent, which it already holds. A result is stored in the
// case's history once and read on every replay; the records store keeps the
// whole record. Histories recorded before hold whole records, which decode
// into the same types.

// ticketReceipt is a ticket's receipt.
func ticketReceipt(t Ticket) *Ticket {
	return &Ticket{Key: t.Key, CaseID: t.CaseID, ID: t.ID, Status: t.Status, Priority: t.Priority, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// claimReceipt is a claim card's receipt.
func claimReceipt(c Claim) *Claim {
	return &Claim{Key: c.Key, CaseID: c.CaseID, Number: c.Number, Stage: c.Stage, RegisteredAt: c.RegisteredAt, UpdatedAt: c.UpdatedAt}
}

// classify makes a permanent failure non-retryable and leaves the rest to retries.
func classify(err error) error {
	var perm *PermanentError
	if errors.As(err, &perm) || errors.Is(err, ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
	}
	return err
}
