package statemachines

// States of a dispute: the customer disagrees that the appliance is fine (seed 001).
const (
	DisputeIntake           = "intake"                  // being triaged
	DisputeNewRequest       = "new_request_other_asc"   // a new request at another ASC of the city
	DisputeRedirected       = "redirected_non_warranty" // damage or misuse: the non-warranty article
	DisputeOtherASCCallback = "other_asc_callback"      // web form: the expert calls to recommend another ASC
	DisputeOtherASC         = "other_asc_recommended"   // a third-party or paid ASC is recommended
	DisputeAwaitingReport   = "awaiting_asc_report"     // the Usedesk agent asked the HPCC manager for the report
	DisputeExpertCall       = "expert_call"             // the expert calls the customer: personal control, 3 working days
	DisputeAwaitingEngineer = "awaiting_engineer"       // the outgoing request waits for the responsible engineer
	DisputeAnswerUnclear    = "answer_unclear"          // the engineer's answer needs clarifying questions
	DisputeCustomerFeedback = "customer_feedback"       // the expert gives the customer the engineer's answer
	DisputeAwaitingDemands  = "awaiting_demands"        // the customer threatens but stated no demands
	DisputeResolved         = "resolved"                // final consultation recorded; a repeat contact may still come
	DisputeHandedOff        = "handed_off"              // passed to the claims department
	DisputeClosed           = "closed"
)

// Events of a dispute. Triage, the engineer's silence, the request for demands
// and the hand-off are the engine's; the rest come from people.
const (
	DisputeTriageNewRequest   = "triage_new_request"
	DisputeTriageRedirect     = "triage_redirect"
	DisputeTriageOtherASC     = "triage_other_asc"
	DisputeTriageOtherASCCall = "triage_other_asc_call"
	DisputeTriageAgent        = "triage_usedesk_agent"
	DisputeTriageExpert       = "triage_expert"
	DisputeTriageDirectMail   = "triage_direct_mail"
	DisputeReportReceived     = "asc_report_received"
	DisputeExpertCalled       = "expert_called_customer"
	DisputeEngineerSilent     = "engineer_silent"
	DisputeASCAnswer          = "asc_answer_received"
	DisputeAnswerClear        = "engineer_answer_clear"
	DisputeAnswerVague        = "engineer_answer_unclear"
	DisputeClarification      = "clarification_requested"
	DisputeCustomerAccepts    = "customer_accepts"
	DisputeCustomerThreatens  = "customer_threatens"
	DisputeDemandsRequested   = "demands_requested"
	DisputeDemandsStated      = "demands_stated"
	DisputeRepeatContact      = "repeat_contact"
	DisputeOfficialClaim      = "official_claim_received"
	DisputeHandoffConfirmed   = "handoff_confirmed"
	DisputeHandoffDeclined    = "handoff_declined"
	DisputeHandOff            = "hand_off"
	DisputeClose              = "close"
)

// disputeOpen are the states in which the customer may still come back and the
// claims department may still take the case.
var disputeOpen = []string{DisputeAwaitingReport, DisputeExpertCall, DisputeAwaitingEngineer, DisputeAnswerUnclear,
	DisputeCustomerFeedback, DisputeAwaitingDemands, DisputeResolved}

// Dispute is the machine of a customer who disagrees that the appliance is fine.
var Dispute = &Definition{
	Name:    "dispute",
	Initial: DisputeIntake,
	States: []string{DisputeIntake, DisputeNewRequest, DisputeRedirected, DisputeOtherASCCallback, DisputeOtherASC,
		DisputeAwaitingReport, DisputeExpertCall, DisputeAwaitingEngineer, DisputeAnswerUnclear, DisputeCustomerFeedback,
		DisputeAwaitingDemands, DisputeResolved, DisputeHandedOff, DisputeClosed},
	Terminal: []string{DisputeNewRequest, DisputeRedirected, DisputeOtherASC, DisputeHandedOff, DisputeClosed},
	Transitions: []Transition{
		{Event: DisputeTriageNewRequest, From: []string{DisputeIntake}, To: DisputeNewRequest},
		{Event: DisputeTriageRedirect, From: []string{DisputeIntake}, To: DisputeRedirected},
		{Event: DisputeTriageOtherASC, From: []string{DisputeIntake}, To: DisputeOtherASC},
		{Event: DisputeTriageOtherASCCall, From: []string{DisputeIntake}, To: DisputeOtherASCCallback},
		{Event: DisputeTriageAgent, From: []string{DisputeIntake}, To: DisputeAwaitingReport},
		{Event: DisputeTriageExpert, From: []string{DisputeIntake}, To: DisputeExpertCall},
		{Event: DisputeTriageDirectMail, From: []string{DisputeIntake}, To: DisputeAwaitingEngineer},
		{Event: DisputeReportReceived, From: []string{DisputeAwaitingReport}, To: DisputeExpertCall},
		{Event: DisputeExpertCalled, From: []string{DisputeOtherASCCallback}, To: DisputeOtherASC},
		{Event: DisputeExpertCalled, From: []string{DisputeExpertCall}, To: DisputeAwaitingEngineer},
		{Event: DisputeEngineerSilent, From: []string{DisputeAwaitingEngineer}, To: Stay},
		{Event: DisputeASCAnswer, From: []string{DisputeAwaitingEngineer}, To: Stay},
		{Event: DisputeAnswerClear, From: []string{DisputeAwaitingEngineer}, To: DisputeCustomerFeedback},
		{Event: DisputeAnswerVague, From: []string{DisputeAwaitingEngineer}, To: DisputeAnswerUnclear},
		{Event: DisputeClarification, From: []string{DisputeAnswerUnclear}, To: DisputeAwaitingEngineer},
		{Event: DisputeCustomerAccepts, From: []string{DisputeCustomerFeedback}, To: DisputeResolved},
		{Event: DisputeCustomerThreatens, From: []string{DisputeCustomerFeedback}, To: Stay},
		{Event: DisputeDemandsRequested, From: disputeOpen, To: DisputeAwaitingDemands},
		{Event: DisputeDemandsStated, From: []string{DisputeAwaitingDemands}, To: Stay},
		{Event: DisputeRepeatContact, From: disputeOpen, To: Stay},
		{Event: DisputeOfficialClaim, From: disputeOpen, To: Stay},
		{Event: DisputeHandoffConfirmed, From: disputeOpen, To: Stay},
		{Event: DisputeHandoffDeclined, From: disputeOpen, To: Stay},
		{Event: DisputeHandOff, From: disputeOpen, To: DisputeHandedOff},
		{Event: DisputeClose, From: []string{DisputeResolved}, To: DisputeClosed},
	},
}
