package statemachines

// States of a product-liability case (seed 000).
const (
	PLCIntake          = "intake"           // being registered
	PLCRedirected      = "redirected_b2b"   // НРП act + compensation: sent to ServiceB2B, not a PLC
	PLCAwaitingVerdict = "awaiting_verdict" // engineer's verdict due within 3 working hours
	PLCEscalating      = "escalating"       // verdict overdue: the call chain runs
	PLCChainExhausted  = "chain_exhausted"  // every call of the chain made, still no verdict
	PLCConfirmed       = "confirmed"        // the engineer confirmed PLC; the PLC group works it
	PLCNotPLC          = "closed_not_plc"   // not a PLC: standard service request, ticket closed
	PLCClosed          = "closed"           // settled and closed
)

// Events of a product-liability case. Register, Redirect and VerdictOverdue are the
// engine's own; the rest come from people.
const (
	PLCRegister         = "register"
	PLCRedirect         = "redirect_b2b"
	PLCVerdictOverdue   = "verdict_overdue"
	PLCCallAttempt      = "call_attempt"
	PLCChainExhaust     = "chain_exhausted"
	PLCSpecialistCalled = "specialist_contacted"
	PLCVerdictPLC       = "verdict_plc"
	PLCVerdictNotPLC    = "verdict_not_plc"
	PLCRepeatContact    = "repeat_contact"
	PLCDocuments        = "documents_received"
	PLCNRPActUploaded   = "nrp_act_uploaded"
	PLCSatisfaction     = "satisfaction_reported"
	PLCClose            = "close"
	// PLCServiceRequest is the urgent service request made at the PLC group's
	// request («по просьбе оформляем заявку»), PLCAnswerPreparing the group
	// preparing its answer after the visit (seed 000).
	PLCServiceRequest  = "service_request"
	PLCAnswerPreparing = "answer_preparing"
)

var (
	waiting = []string{PLCAwaitingVerdict, PLCEscalating, PLCChainExhausted}
	open    = []string{PLCAwaitingVerdict, PLCEscalating, PLCChainExhausted, PLCConfirmed}
)

// PLC is the product-liability case machine.
var PLC = &Definition{
	Name:     "plc",
	Initial:  PLCIntake,
	States:   []string{PLCIntake, PLCRedirected, PLCAwaitingVerdict, PLCEscalating, PLCChainExhausted, PLCConfirmed, PLCNotPLC, PLCClosed},
	Terminal: []string{PLCRedirected, PLCNotPLC, PLCClosed},
	Transitions: []Transition{
		{Event: PLCRegister, From: []string{PLCIntake}, To: PLCAwaitingVerdict},
		{Event: PLCRedirect, From: []string{PLCIntake}, To: PLCRedirected},
		{Event: PLCVerdictOverdue, From: []string{PLCAwaitingVerdict}, To: PLCEscalating},
		{Event: PLCCallAttempt, From: []string{PLCEscalating}, To: Stay},
		{Event: PLCChainExhaust, From: []string{PLCEscalating}, To: PLCChainExhausted},
		{Event: PLCVerdictPLC, From: waiting, To: PLCConfirmed},
		{Event: PLCVerdictNotPLC, From: waiting, To: PLCNotPLC},
		{Event: PLCSpecialistCalled, From: open, To: Stay},
		{Event: PLCRepeatContact, From: open, To: Stay},
		{Event: PLCDocuments, From: open, To: Stay},
		{Event: PLCNRPActUploaded, From: []string{PLCConfirmed}, To: Stay},
		{Event: PLCSatisfaction, From: []string{PLCConfirmed}, To: Stay},
		{Event: PLCClose, From: []string{PLCConfirmed}, To: PLCClosed},
		{Event: PLCServiceRequest, From: []string{PLCConfirmed}, To: Stay},
		{Event: PLCAnswerPreparing, From: []string{PLCConfirmed}, To: Stay},
	},
}
