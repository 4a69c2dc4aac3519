package statemachines

// States of a telecom CASE (seed 003, the table «Состояние case»).
const (
	TelecomOpen         = "open"               // OPEN: just created or accepted from the queue
	TelecomDispatched   = "open_dispatch"      // OPEN-DISPATCH: in the category's queue, not yet worked on
	TelecomRejectReturn = "open_reject_return" // OPEN-REJECT RETURN: returned to its creator as wrongly created
	TelecomForwarded    = "open_forwarded"     // OPEN-FORWARDED: sent on to another queue
	TelecomClosed       = "closed"             // CLOSED: found by search; a repeat contact may still come
	TelecomArchived     = "archived"           // the quiet period after closing passed: the workflow ends
)

// Events of a telecom CASE: the seed's buttons and the engine's archive.
const (
	TelecomSave          = "save"     // «Сохранить»: stays in the creator's folder
	TelecomDispatch      = "dispatch" // «Направить»: to the category's queue
	TelecomAccept        = "accept"
	TelecomForward       = "forward"
	TelecomReject        = "reject_return"
	TelecomComment       = "comment"
	TelecomClose         = "close"
	TelecomRepeatContact = "repeat_contact"
	TelecomArchive       = "archive"
)

// telecomLive are the states of a case not yet closed.
var telecomLive = []string{TelecomOpen, TelecomDispatched, TelecomRejectReturn, TelecomForwarded}

// telecomFound are the states in which the case can be found and answers a
// repeat contact: the live ones and closed.
var telecomFound = []string{TelecomOpen, TelecomDispatched, TelecomRejectReturn, TelecomForwarded, TelecomClosed}

// Telecom is the machine of a telecom CASE.
var Telecom = &Definition{
	Name:     "telecom_case",
	Initial:  TelecomOpen,
	States:   []string{TelecomOpen, TelecomDispatched, TelecomRejectReturn, TelecomForwarded, TelecomClosed, TelecomArchived},
	Terminal: []string{TelecomArchived},
	Transitions: []Transition{
		{Event: TelecomSave, From: []string{TelecomOpen}, To: Stay},
		{Event: TelecomDispatch, From: []string{TelecomOpen}, To: TelecomDispatched},
		{Event: TelecomAccept, From: []string{TelecomDispatched, TelecomForwarded}, To: TelecomOpen},
		{Event: TelecomForward, From: []string{TelecomOpen, TelecomDispatched, TelecomForwarded}, To: TelecomForwarded},
		{Event: TelecomReject, From: []string{TelecomOpen, TelecomDispatched, TelecomForwarded}, To: TelecomRejectReturn},
		{Event: TelecomComment, From: telecomFound, To: Stay},
		{Event: TelecomClose, From: telecomLive, To: TelecomClosed},
		{Event: TelecomRepeatContact, From: telecomFound, To: Stay},
		{Event: TelecomArchive, From: []string{TelecomClosed}, To: TelecomArchived},
	},
}
