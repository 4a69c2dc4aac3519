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

// EventRequest is the input of the UpdateEvent update.
type EventRequest struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data,omitempty"`
	Actor Actor           `json:"actor"`
}

// Task is an open human task of a case.
type Task struct {
	ID       string    `json:"id"`
	CaseID   string    `json:"case_id"`
	Title    string    `json:"title"`
	Role     string    `json:"role"`
	Assignee string    `json:"assignee,omitempty"`
	Due      time.Time `json:"due"`
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

// CaseView is what a case shows: the query's answer and every update's result.
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
	Data          any            `json:"data"`
}

// CaseResult is what a case workflow returns when it ends.
type CaseResult struct {
	View CaseView `json:"view"`
}

// Contact is a person or mailbox of the directory.
type Contact struct {
	Name  string `json:"name,omitempty" yaml:"name"`
	Email string `json:"email,omitempty" yaml:"email"`
	Phone string `json:"phone,omitempty" yaml:"phone"`
}

// EscalationStep is one call of the PLC escalation chain. Role "addressee" means
// the engineer the request went to.
type EscalationStep struct {
	Role    string  `json:"role" yaml:"role"`
	Title   string  `json:"title" yaml:"title"`
	Contact Contact `json:"contact" yaml:"contact"`
}

// Directory says who gets what. It is configuration, handed to each case in its
// input, so a running case keeps the directory it started with.
type Directory struct {
	// EngineersByCategory maps a product category to its responsible engineer.
	EngineersByCategory map[string]Contact `json:"engineers_by_category" yaml:"engineers_by_category"`
	// DefaultEngineer takes categories nobody is named for.
	DefaultEngineer        Contact          `json:"default_engineer" yaml:"default_engineer"`
	HeadOfTechnicalSupport Contact          `json:"head_of_technical_support" yaml:"head_of_technical_support"`
	PLCCopyList            []Contact        `json:"plc_copy_list" yaml:"plc_copy_list"`
	ShiftAlert             []string         `json:"shift_alert" yaml:"shift_alert"`
	SupervisorsMailbox     string           `json:"supervisors_mailbox" yaml:"supervisors_mailbox"`
	ComplaintsMailbox      string           `json:"complaints_mailbox" yaml:"complaints_mailbox"`
	ClaimsGroup            string           `json:"claims_group" yaml:"claims_group"`
	EscalationChain        []EscalationStep `json:"escalation_chain" yaml:"escalation_chain"`
	PreferredASC           string           `json:"preferred_asc" yaml:"preferred_asc"`
	ASCs                   []Contact        `json:"ascs" yaml:"ascs"`
	Redirects              Redirects        `json:"redirects" yaml:"redirects"`
	QualityDirector        Contact          `json:"quality_director" yaml:"quality_director"`
	Management             Contact          `json:"management" yaml:"management"`
}

// Redirects are the mailboxes customers and colleagues are sent to.
type Redirects struct {
	ServiceB2B string `json:"service_b2b" yaml:"service_b2b"`
	Help       string `json:"help" yaml:"help"`
	ShopHelp   string `json:"shop_help" yaml:"shop_help"`
	CallCenter string `json:"call_center" yaml:"call_center"`
	Support    string `json:"support" yaml:"support"`
}

// Engineer returns the engineer responsible for a product category.
func (d Directory) Engineer(category string) Contact {
	if c, ok := d.EngineersByCategory[category]; ok && c.Email != "" {
		return c
	}
	return d.DefaultEngineer
}

// Options are behaviour switches of the configuration.
type Options struct {
	// PlannedDateWorkingDay makes the PLC ticket's planned date the next working day
	// instead of the seed's "next day".
	PlannedDateWorkingDay bool `json:"planned_date_working_day" yaml:"planned_date_working_day"`
}

// CaseEnv is the configuration snapshot a case starts with: calendars and SLA
// policies, the directory and behaviour switches. It travels in the workflow input
// so that replay never sees a later configuration.
type CaseEnv struct {
	Calendars *calendar.Set `json:"calendars"`
	Directory Directory     `json:"directory"`
	Options   Options       `json:"options"`
}

// CaseMeta identifies a case.
type CaseMeta struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}
