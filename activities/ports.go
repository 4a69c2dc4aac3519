package activities

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned by a Records adapter when the addressed record does not exist.
var ErrNotFound = errors.New("record not found")

// Mail is one outgoing letter, already rendered. Key identifies the (case, step) that
// sends it: an adapter delivers each key at most once and answers a repeated Send
// with the stored letter.
type Mail struct {
	Key     string   `json:"key"`
	CaseID  string   `json:"case_id"`
	Step    string   `json:"step"`
	From    string   `json:"from,omitempty"`
	To      []string `json:"to"`
	Cc      []string `json:"cc,omitempty"`
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
	// Attachments names files the letter refers to (call recording, customer's mail);
	// the engine carries references, not the bytes.
	Attachments []string `json:"attachments,omitempty"`
}

// SentMail is a letter as the outbox recorded it.
type SentMail struct {
	Mail
	ID        int64     `json:"id"`
	MessageID string    `json:"message_id"`
	SentAt    time.Time `json:"sent_at"`
	// Duplicate is true when the key had already been sent and nothing went out now.
	Duplicate bool `json:"duplicate"`
}

// Mailer delivers letters exactly once per Mail.Key and keeps them in the outbox.
type Mailer interface {
	Send(ctx context.Context, m Mail) (SentMail, error)
}

// PermanentError marks a failure that no retry can mend (an address the server
// refuses, for example); activities turn it into a non-retryable Temporal error.
// Bounced says the mail server refused the letter for good at RCPT or DATA.
type PermanentError struct {
	Err     error
	Bounced bool
}

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Consultation is a GSIS consultation record (обращение с типом «Консультация»).
type Consultation struct {
	Key         string            `json:"key"`
	CaseID      string            `json:"case_id"`
	Number      string            `json:"number"`
	Description string            `json:"description"`
	Fields      map[string]string `json:"fields,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
}

// ServiceRequest is a GSIS service request (ЗАЯВКА).
type ServiceRequest struct {
	Key                string    `json:"key"`
	CaseID             string    `json:"case_id"`
	Number             string    `json:"number"`
	ConsultationNumber string    `json:"consultation_number"`
	ASC                string    `json:"asc"`
	Priority           string    `json:"priority"`
	Description        string    `json:"description"`
	PLC                bool      `json:"plc"`
	CreatedAt          time.Time `json:"created_at"`
}

// Ticket is a Usedesk ticket as caseflow keeps it.
type Ticket struct {
	Key         string    `json:"key"`
	CaseID      string    `json:"case_id"`
	ID          int64     `json:"id"`
	Subject     string    `json:"subject"`
	Category    string    `json:"category"`
	Tag         string    `json:"tag"`
	Status      string    `json:"status"`
	Priority    string    `json:"priority"`
	PlannedDate string    `json:"planned_date,omitempty"` // YYYY-MM-DD
	To          []string  `json:"to,omitempty"`
	Cc          []string  `json:"cc,omitempty"`
	Linked      []string  `json:"linked,omitempty"` // cross-linked ticket references
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TicketComment is a comment on a ticket; Private comments are internal.
type TicketComment struct {
	Key       string    `json:"key"`
	TicketID  int64     `json:"ticket_id"`
	Body      string    `json:"body"`
	Private   bool      `json:"private"`
	CreatedAt time.Time `json:"created_at"`
}

// Claim is a claim card (Bitrix24-style) of the reclamation case type.
type Claim struct {
	Key          string         `json:"key"`
	CaseID       string         `json:"case_id"`
	Number       int64          `json:"number"`
	Title        string         `json:"title"`
	Stage        string         `json:"stage"`
	Fields       map[string]any `json:"fields,omitempty"`
	RegisteredAt time.Time      `json:"registered_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

// ClaimTask is a task on a claim card.
type ClaimTask struct {
	Key         string     `json:"key"`
	ClaimNumber int64      `json:"claim_number"`
	Title       string     `json:"title"`
	Assignee    string     `json:"assignee"`
	Due         time.Time  `json:"due"`
	Status      string     `json:"status"`
	Report      string     `json:"report,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// Records is the system of record behind the activities: GSIS, Usedesk and the
// claim cards. Every create is idempotent by Key: a second call with the same key
// returns the record the first one made, with its number, and changes nothing.
type Records interface {
	CreateConsultation(ctx context.Context, c Consultation) (Consultation, error)
	CreateServiceRequest(ctx context.Context, r ServiceRequest) (ServiceRequest, error)
	CreateTicket(ctx context.Context, t Ticket) (Ticket, error)
	// UpdateTicketStatus sets an absolute status, so a repeat is harmless.
	UpdateTicketStatus(ctx context.Context, ticketID int64, status string) (Ticket, error)
	AddTicketComment(ctx context.Context, c TicketComment) (TicketComment, error)
	GetTicket(ctx context.Context, ticketID int64) (Ticket, []TicketComment, error)
	// FindServiceRequest returns a service request by its number and the
	// consultation it was made from (the zero Consultation when the records hold
	// none). An unknown number is ErrNotFound.
	FindServiceRequest(ctx context.Context, number string) (ServiceRequest, Consultation, error)
	// CreateClaim assigns the next claim number, gap-free across restarts and
	// concurrent callers; a repeated key returns the number it got first.
	CreateClaim(ctx context.Context, c Claim) (Claim, error)
	UpdateClaimStage(ctx context.Context, number int64, stage string) (Claim, error)
	UpsertClaimTask(ctx context.Context, t ClaimTask) (ClaimTask, error)
	ListClaimTasks(ctx context.Context, number int64) ([]ClaimTask, error)
	ListCaseRecords(ctx context.Context, caseID string) (CaseRecords, error)
	// RecordDiscount records a discount given to a customer; a repeated key
	// returns the discount the first call recorded.
	RecordDiscount(ctx context.Context, d Discount) (Discount, error)
	// FindDiscounts lists a customer's discounts on a subject given at or after
	// since, newest first (empty, never nil, when there are none).
	FindDiscounts(ctx context.Context, customer, subject string, since time.Time) ([]Discount, error)
}

// Discount is a discount given to a customer on a question (a telecom CASE's
// category), kept so that none is given again on it within a window.
type Discount struct {
	Key    string `json:"key"`
	CaseID string `json:"case_id"`
	// Customer identifies the subscriber: the digits of the phone number.
	Customer string    `json:"customer"`
	Subject  string    `json:"subject"`
	GivenAt  time.Time `json:"given_at"`
}

// CaseRecords is everything the records store holds for one case.
type CaseRecords struct {
	Consultations   []Consultation   `json:"consultations"`
	ServiceRequests []ServiceRequest `json:"service_requests"`
	Tickets         []Ticket         `json:"tickets"`
	Comments        []TicketComment  `json:"comments"`
	Claims          []Claim          `json:"claims"`
}

// OpenCaseInput asks for a new case of another type, opened the way an intake
// opens one. Key is the idempotency key (workflow ID + step): the same key
// always finds the same case.
type OpenCaseInput struct {
	Key  string `json:"key"`
	Type string `json:"type"`
	// Intake is the new case's intake body, checked like an API intake.
	Intake json.RawMessage `json:"intake"`
}

// OpenedCase is the case an OpenCaseInput opened, or found opened already.
type OpenedCase struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	WorkflowID string `json:"workflow_id"`
	Created    bool   `json:"created"`
}

// CaseOpener opens cases: a dispute's hand-off opens a claim. A refused intake
// is a *PermanentError.
type CaseOpener interface {
	OpenCase(ctx context.Context, in OpenCaseInput) (OpenedCase, error)
}

// SMS is one outgoing text message. Key identifies the (case, step) that sends
// it: an adapter delivers each key at most once and answers a repeated Send with
// the stored message.
type SMS struct {
	Key    string `json:"key"`
	CaseID string `json:"case_id"`
	Step   string `json:"step"`
	To     string `json:"to"`
	Text   string `json:"text"`
}

// SentSMS is a text message as the outbox recorded it.
type SentSMS struct {
	SMS
	ID     int64     `json:"id"`
	SentAt time.Time `json:"sent_at"`
	// Duplicate is true when the key had already been sent and nothing went out now.
	Duplicate bool `json:"duplicate"`
}

// SMSSender delivers text messages exactly once per SMS.Key and keeps them in
// its outbox, as a Mailer does letters.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) (SentSMS, error)
}

// TicketReply is a reply to the customer in the customer's own ticket (a chat
// or mail ticket caseflow did not open, known by its reference such as
// "usedesk:9001"): Usedesk's POST /create/comment with type public, which the
// chat customer reads in the chat. Key identifies the (case, step) once.
type TicketReply struct {
	Key       string    `json:"key"`
	CaseID    string    `json:"case_id"`
	Ticket    string    `json:"ticket"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// TicketAssignment hands a ticket to a group (Usedesk's POST /update/ticket
// with group_id): the PLC ticket goes to the claims group with the НРП act.
// Key identifies the (case, step) once.
type TicketAssignment struct {
	Key       string    `json:"key"`
	CaseID    string    `json:"case_id"`
	TicketID  int64     `json:"ticket_id"`
	Group     string    `json:"group"`
	CreatedAt time.Time `json:"created_at"`
}

// Helpdesk posts replies in customers' tickets and hands tickets to groups,
// once per key.
type Helpdesk interface {
	ReplyInTicket(ctx context.Context, r TicketReply) (TicketReply, error)
	AssignTicket(ctx context.Context, a TicketAssignment) (TicketAssignment, error)
}
