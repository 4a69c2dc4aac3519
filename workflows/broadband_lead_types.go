package workflows

import (
	"strings"
	"time"
)

// PolicyLeadCallback is the window the business department has to call a lead
// back: «если в течении 2(двух) рабочих дней ему не перезвонят, он может
// обратиться по номеру 8-800-700-7007».
const PolicyLeadCallback = "telecom.lead_callback"

// Who calls about broadband (ШПД) (seed 003, «Сводная таблица и инструкции по
// переключению»). Only a potential business customer opens a lead.
const (
	CallerSubscriber = "existing_subscriber"  // a subscriber already: 8 800 700 8000
	CallerIndividual = "potential_individual" // a potential private customer: the ШПД line
	CallerPartner    = "partner"              // the company's partner: the business line
	CallerStateBody  = "state_body"           // a state body: the business line
	CallerBusiness   = "potential_business"   // a potential business customer: a lead
)

// LeadCallers are the callers a broadband intake names.
var LeadCallers = []string{CallerSubscriber, CallerIndividual, CallerPartner, CallerStateBody, CallerBusiness}

// Lines a broadband caller is sent to, by default (seed 003).
const (
	DefaultSubscriberLine = "8 800 700 8000"
	DefaultBusinessLine   = "8 800 700 7007"
	BusinessLineHours     = "в будние дни с 08:00 до 20:00"
)

// LeadIntake is a broadband contact: who calls and, for a potential business
// customer, the lead's fields («Уточнить город, конт. лицо, конт. телефон,
// название организации»).
type LeadIntake struct {
	CommonIntake
	Caller        string `json:"caller" jsonschema:"enum=existing_subscriber,enum=potential_individual,enum=partner,enum=state_body,enum=potential_business"`
	City          string `json:"city,omitempty"`
	ContactPerson string `json:"contact_person,omitempty"`
	Phone         string `json:"phone,omitempty"`
	Organisation  string `json:"organisation,omitempty"`
	// AcuteConflict: a subscriber who categorically refuses to call the number
	// given; only then is the call transferred to the ШПД line.
	AcuteConflict bool `json:"acute_conflict,omitempty" jsonschema:"description=an existing subscriber in an acute conflict who refuses to call back: transfer to the ШПД line"`
}

// Validate checks the caller and, for a lead, its four fields.
func (in *LeadIntake) Validate() error {
	if err := oneOf("caller", in.Caller, LeadCallers...); err != nil {
		return err
	}
	if in.Caller != CallerBusiness {
		return nil
	}
	return firstErr(required("city", in.City), required("contact_person", in.ContactPerson),
		validPhone("phone", in.Phone), required("organisation", in.Organisation))
}

// Memo is the case's title; it carries no personal data.
func (in *LeadIntake) Memo() string {
	return strings.TrimSpace("ШПД · " + in.Caller + " · " + in.City)
}

// LeadInput starts a broadband contact.
type LeadInput = CaseInput[LeadIntake, NoDirectory, LeadOptions]

// LeadOptions are the lines a broadband caller is sent to: keys of the config's
// options section.
type LeadOptions struct {
	SubscriberLine string `json:"broadband_subscriber_line" doc:"the number an existing broadband subscriber is given (default 8 800 700 8000)"`
	BusinessLine   string `json:"broadband_business_line" doc:"the business line's number, for partners, state bodies and a lead not called back (default 8 800 700 7007); its hours are the business_line calendar"`
}

// Validate fills the seed's numbers.
func (o *LeadOptions) Validate() error {
	if o.SubscriberLine == "" {
		o.SubscriberLine = DefaultSubscriberLine
	}
	if o.BusinessLine == "" {
		o.BusinessLine = DefaultBusinessLine
	}
	return nil
}

// CalledBackData: the business department called the customer.
type CalledBackData struct {
	Note string `json:"note,omitempty"`
}

// AuditNote is the note.
func (d *CalledBackData) AuditNote() string { return d.Note }

// LeadCloseData closes the lead, with its outcome.
type LeadCloseData struct {
	Outcome string `json:"outcome"`
}

// Validate requires the outcome.
func (d *LeadCloseData) Validate() error { return required("outcome", d.Outcome) }

// AuditNote is the outcome.
func (d *LeadCloseData) AuditNote() string { return d.Outcome }

// LeadData is the broadband contact's part of the case view.
type LeadData struct {
	Intake LeadIntake `json:"intake"`
	// Routing is the answer the operator gives: the line to call or the lead's
	// script. It never promises a call.
	Routing LeadRouting `json:"routing"`
	// BusinessLine says whether the business line answers, as of the intake or
	// the last event.
	BusinessLine LineStatus `json:"business_line"`
	CalledBackAt *time.Time `json:"called_back_at,omitempty"`
	// Lapsed is set when the callback window passed with no call.
	Lapsed  bool   `json:"lapsed"`
	Outcome string `json:"outcome,omitempty"`
}

// LeadRouting is the answer to a broadband caller.
type LeadRouting struct {
	// Action: give_number, transfer_shpd or lead.
	Action string `json:"action"`
	Number string `json:"number,omitempty"`
	Script string `json:"script"`
}

// Routing actions.
const (
	RouteGiveNumber   = "give_number"
	RouteTransferShpd = "transfer_shpd"
	RouteLead         = "lead"
)

// LineStatus is whether the business line is open at a moment.
type LineStatus struct {
	Number    string    `json:"number"`
	Hours     string    `json:"hours"`
	Open      bool      `json:"open"`
	CheckedAt time.Time `json:"checked_at"`
	// NextOpen is when it opens next, when closed.
	NextOpen *time.Time `json:"next_open,omitempty"`
}
