package statemachines

// States of a broadband (ШПД) contact (seed 003, «Передача юридических лиц»).
// Only a potential business customer opens a lead; every other caller is
// answered with the line to call and the case ends at intake.
const (
	LeadIntake           = "intake"
	LeadRouted           = "routed"            // answered with the line to call: no lead
	LeadAwaitingCallback = "awaiting_callback" // the lead waits for the business department's call
	LeadCalledBack       = "called_back"       // the business department called the customer
	LeadClosed           = "closed"
)

// Events of a broadband contact. Route and Open are the engine's, at intake.
const (
	LeadRoute           = "route"
	LeadOpen            = "open_lead"
	LeadCalledBackEvent = "called_back"
	LeadClose           = "close"
)

// BroadbandLead is the broadband contact machine.
var BroadbandLead = &Definition{
	Name:     "broadband_lead",
	Initial:  LeadIntake,
	States:   []string{LeadIntake, LeadRouted, LeadAwaitingCallback, LeadCalledBack, LeadClosed},
	Terminal: []string{LeadRouted, LeadClosed},
	Transitions: []Transition{
		{Event: LeadRoute, From: []string{LeadIntake}, To: LeadRouted},
		{Event: LeadOpen, From: []string{LeadIntake}, To: LeadAwaitingCallback},
		{Event: LeadCalledBackEvent, From: []string{LeadAwaitingCallback}, To: LeadCalledBack},
		{Event: LeadClose, From: []string{LeadAwaitingCallback, LeadCalledBack}, To: LeadClosed},
	},
}
