package statemachines

// States of a call's conduct (seed 003, «Работа с прерванными звонками»): a short
// case per call that counts the customer's breaches of conduct.
const (
	CallInCall    = "in_call"   // the conversation goes on
	CallInaudible = "inaudible" // the customer cannot be heard: the standard phrases' window runs
	CallEnded     = "ended"
)

// Events of a call. Warn, CannotHear, Heard and EndCall come from the operator;
// ConductLimit and InaudibleEnd are the engine's: the count or the window that
// ends the call.
const (
	CallWarn         = "warn"
	CallCannotHear   = "cannot_hear"
	CallHeard        = "heard"
	CallEndCall      = "end_call"
	CallConductLimit = "conduct_limit"
	CallInaudibleEnd = "inaudible_end"
)

// Call is the call conduct machine. A warning under its reason's limit keeps the
// call going; the one past it ends the call (conduct_limit). The inaudible
// window ends the call when it lapses or its phrases run out (inaudible_end).
var Call = &Definition{
	Name:     "call",
	Initial:  CallInCall,
	States:   []string{CallInCall, CallInaudible, CallEnded},
	Terminal: []string{CallEnded},
	Transitions: []Transition{
		{Event: CallWarn, From: []string{CallInCall}, To: Stay},
		{Event: CallCannotHear, From: []string{CallInCall}, To: CallInaudible},
		{Event: CallCannotHear, From: []string{CallInaudible}, To: Stay},
		{Event: CallHeard, From: []string{CallInaudible}, To: CallInCall},
		{Event: CallConductLimit, From: []string{CallInCall}, To: CallEnded},
		{Event: CallInaudibleEnd, From: []string{CallInaudible}, To: CallEnded},
		{Event: CallEndCall, From: []string{CallInCall, CallInaudible}, To: CallEnded},
	},
}
