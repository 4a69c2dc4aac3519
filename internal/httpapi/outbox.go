package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/store"
)

// Page sizes of GET /v1/outbox.
const (
	defaultOutboxLimit = 100
	maxOutboxLimit     = 1000
)

// letter is one letter of GET /v1/outbox.
type letter struct {
	ID      int64     `json:"id"`
	CaseID  string    `json:"case_id"`
	Step    string    `json:"step"`
	To      []string  `json:"to"`
	Cc      []string  `json:"cc"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	SentAt  time.Time `json:"sent_at"`
}

// letterList is the answer of GET /v1/outbox.
type letterList struct {
	Items []letter `json:"items"`
	// NextBeforeID, when set, is the before_id of the next (older) page.
	NextBeforeID int64 `json:"next_before_id,omitempty"`
}

// listOutbox answers GET /v1/outbox?case_id=&limit=&before_id= (admins only, in
// routeTable): the letters sent, newest first.
func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request, _ auth.Caller) error {
	q := r.URL.Query()
	oq := store.OutboxQuery{Limit: defaultOutboxLimit}
	if v := q.Get("case_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return fieldErrorf("case_id", "a case ID is a UUID, not %q", v)
		}
		oq.CaseID = id.String()
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxOutboxLimit {
			return fieldErrorf("limit", "must be a number from 1 to %d, not %q", maxOutboxLimit, v)
		}
		oq.Limit = n
	}
	if v := q.Get("before_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return fieldErrorf("before_id", "must be a positive letter ID, not %q", v)
		}
		oq.BeforeID = n
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	sent, err := s.cfg.Outbox.ListOutbox(ctx, oq)
	if err != nil {
		return err
	}
	out := letterList{Items: make([]letter, 0, len(sent))}
	for _, m := range sent {
		out.Items = append(out.Items, letter{
			ID: m.ID, CaseID: m.CaseID, Step: m.Step, To: nonNil(m.To), Cc: nonNil(m.Cc),
			Subject: m.Subject, Body: m.Body, SentAt: m.SentAt,
		})
	}
	if len(sent) == oq.Limit && len(sent) > 0 {
		out.NextBeforeID = sent[len(sent)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
