package statemachines

// States of a consultation registration (seed 002). A call is registered during
// the call or in post-call; a chat, e-mail or Usedesk contact about an earlier
// request is registered during the contact and completed once it closes.
const (
	ConsultationIntake        = "intake"         // being opened
	ConsultationInCall        = "in_call"        // the call goes on; it may be registered now
	ConsultationPostCall      = "post_call"      // the call ended: registration due by the end of post-call
	ConsultationInContact     = "in_contact"     // a chat / e-mail / Usedesk contact about an earlier request
	ConsultationAwaitingClose = "awaiting_close" // registered; «Завершено» waits for the chat or ticket to close
	ConsultationCompleted     = "completed"      // registered in GSIS and completed
	ConsultationNotRegistered = "not_registered" // the call went to a line whose calls get no consultation
	ConsultationCancelled     = "cancelled"      // withdrawn, with a reason
)

// Events of a consultation registration. StartCall, OpenContact and Transfer are
// the engine's own; the rest come from people and intake services.
const (
	ConsultationStartCall   = "start_call"
	ConsultationOpenContact = "open_contact"
	ConsultationTransfer    = "transfer"
	ConsultationCallEnded   = "call_ended"
	ConsultationHandedOver  = "handed_over"
	ConsultationRegistered  = "registered"
	ConsultationComplete    = "complete"
	ConsultationCancel      = "cancel"
)

// Consultation is the consultation registration machine. A call that ends
// without being registered enters post-call, whose deadline the workflow keeps;
// a hand-off to a related department ends the call at once (the customer is
// never held) and the registration goes on in post-call.
var Consultation = &Definition{
	Name:    "consultation",
	Initial: ConsultationIntake,
	States: []string{ConsultationIntake, ConsultationInCall, ConsultationPostCall, ConsultationInContact,
		ConsultationAwaitingClose, ConsultationCompleted, ConsultationNotRegistered, ConsultationCancelled},
	Terminal: []string{ConsultationCompleted, ConsultationNotRegistered, ConsultationCancelled},
	Transitions: []Transition{
		{Event: ConsultationStartCall, From: []string{ConsultationIntake}, To: ConsultationInCall},
		{Event: ConsultationOpenContact, From: []string{ConsultationIntake}, To: ConsultationInContact},
		{Event: ConsultationCallEnded, From: []string{ConsultationIntake, ConsultationInCall}, To: ConsultationPostCall},
		{Event: ConsultationTransfer, From: []string{ConsultationIntake, ConsultationPostCall}, To: ConsultationNotRegistered},
		{Event: ConsultationHandedOver, From: []string{ConsultationInCall}, To: ConsultationPostCall},
		{Event: ConsultationHandedOver, From: []string{ConsultationPostCall, ConsultationInContact, ConsultationAwaitingClose}, To: Stay},
		{Event: ConsultationRegistered, From: []string{ConsultationInCall, ConsultationPostCall}, To: ConsultationCompleted},
		{Event: ConsultationRegistered, From: []string{ConsultationInContact}, To: ConsultationAwaitingClose},
		{Event: ConsultationComplete, From: []string{ConsultationAwaitingClose}, To: ConsultationCompleted},
		{Event: ConsultationCancel, From: []string{ConsultationInCall, ConsultationPostCall, ConsultationInContact, ConsultationAwaitingClose}, To: ConsultationCancelled},
	},
}
