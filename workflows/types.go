package workflows

import (
	"encoding/json"
	"time"

	"github.com/caseflow/caseflow/internal/calendar"
)

// Roles of the people and systems that act on cases.
const (
	RoleOperator        = "operator"
	RoleExpert          = "expert"
	RoleSupervisor      = "supervisor"
	RoleEngineer        = "engineer"
	RoleQualityDirector = "quality_director"
	RoleExecutor        = "executor"
	RoleAdmin           = "admin"
	// RoleSystem marks events the engine raises itself; no caller may send them.
	RoleSystem = "system"
)

// Roles lists every role a token may carry.
var Roles = []string{RoleOperator, RoleExpert, RoleSupervisor, RoleEngineer, RoleQualityDirector, RoleExecutor, RoleAdmin}

// Actor is who sends an event.
type Actor struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// Label is how the audit trail names the actor: the name, else the role.
func (a Actor) Label() string {
	if a.Name != "" {
		return a.Name
	}
	return a.Role
}

// EventRequest is the input of the UpdateEvent update.
type EventRequest struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data,omitempty"`
	Actor Actor           `json:"actor"`
	// Sig is the API's signature of the request (internal/eventsig), which
	// the worker checks before the case sees the event; the workflow ignores it.
	Sig *EventSig `json:"sig,omitempty"`
}

// EventSig is an HMAC-SHA256 over an event request, the case it goes to and
// the update that carries it (internal/eventsig).
type EventSig struct {
	KeyID    string    `json:"key_id"`
	IssuedAt time.Time `json:"issued_at"`
	MAC      []byte    `json:"mac"`
}

// Task is an open human task of a case.
type Task struct {
	ID       string `json:"id"`
	CaseID   string `json:"case_id"`
	Title    string `json:"title"`
	Role     string `json:"role"`
	Assignee string `json:"assignee,omitempty"`
	// ClaimedBy names the person who took the task (claim_task) until they
	// give it back (unclaim_task) or it is done.
	ClaimedBy string    `json:"claimed_by,omitempty"`
	Due       time.Time `json:"due"`
	// Event names the events that complete the task.
	Events []string `json:"events,omitempty"`
}

// Deadline is a tracked promise of a case and its basis.
type Deadline struct {
	Name     string         `json:"name"`
	Due      time.Time      `json:"due"`
	Breached bool           `json:"breached"`
	Met      bool           `json:"met"`
	MetAt    *time.Time     `json:"met_at,omitempty"`
	Basis    calendar.Basis `json:"basis"`
}

// HistoryEntry is one line of a case's audit trail.
type HistoryEntry struct {
	At    time.Time `json:"at"`
	Event string    `json:"event"`
	From  string    `json:"from"`
	To    string    `json:"to"`
	Actor string    `json:"actor"`
	Note  string    `json:"note,omitempty"`
}

// EventResult is the UpdateEvent update's result since the slim-history change:
// where the case stands after the event. Its fields are CaseView's, under the
// same names; the whole view is the QueryView query's answer (runs started
// before the change answer the update with the whole view).
type EventResult struct {
	ID            string   `json:"id"`
	Type          string   `json:"type"`
	State         string   `json:"state"`
	Closed        bool     `json:"closed"`
	AllowedEvents []string `json:"allowed_events"`
	// replayed is set when the workflow replays: the SDK encodes an update's
	// result without telling the converter, and drops it once it matches
	// the history, so the codec seals it uncompressed (codec.Replayed).
	replayed bool
}

// Replayed implements codec.Replayed.
func (r EventResult) Replayed() bool { return r.replayed }

// CaseView is what a case shows: the query's answer (and the update's result
// in runs started before the slim-history change).
type CaseView struct {
	ID            string         `json:"id"`
	Type          string         `json:"type"`
	WorkflowID    string         `json:"workflow_id"`
	State         string         `json:"state"`
	Closed        bool           `json:"closed"`
	AllowedEvents []string       `json:"allowed_events"`
	Tasks         []Task         `json:"tasks"`
	Deadlines     []Deadline     `json:"deadlines"`
	History       []HistoryEntry `json:"history"`
	OpenedAt      time.Time      `json:"opened_at"`
	// Related are the cases this one opened or was opened from.
	Related []CaseLink `json:"related"`
	Data    any        `json:"data"`
}

// CaseLink names a related case: a dispute's claim, the dispute a claim came from.
type CaseLink struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	WorkflowID string `json:"workflow_id"`
	// Relation says what the linked case is to this one ("claim", "dispute").
	Relation string `json:"relation"`
}

// CaseResult is what a case workflow returns when it ends: since release2612
// the case's identity and final state, its view read by the view query (a
// worker answers it for a closed case too); before, the whole final view.
type CaseResult struct {
	View   *CaseView `json:"view,omitempty"`
	ID     string    `json:"id,omitempty"`
	Type   string    `json:"type,omitempty"`
	State  string    `json:"state,omitempty"`
	Closed bool      `json:"closed,omitempty"`
}

// Contact is a person or mailbox of the directory: a building block of the
// directory roles case types declare.
type Contact struct {
	Name  string `json:"name,omitempty" yaml:"name"`
	Email string `json:"email,omitempty" yaml:"email"`
	Phone string `json:"phone,omitempty" yaml:"phone"`
}

// CaseMeta identifies a case.
type CaseMeta struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}
