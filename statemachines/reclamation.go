package statemachines

// States of a claim settlement (рекламация, seed 004).
const (
	ClaimRegistration  = "registration"          // the card is being registered: number, date, title
	ClaimQualification = "qualification"         // the quality director (ЗТДК) qualifies the claim
	ClaimAwaitingData  = "awaiting_data"         // returned to the initiator for more data
	ClaimRejected      = "rejected"              // found unfounded; the client was told in writing
	ClaimDocuments     = "collecting_documents"  // investigation opened: executors prepare the documents
	ClaimCommission    = "commission"            // every document is in: the commission meets
	ClaimRemediation   = "remediation"           // the action plan's tasks are with the executors
	ClaimConfirmation  = "awaiting_confirmation" // every task reported: the client confirms or not
	ClaimClosed        = "closed"                // resolved: closing package, archive, apology sent
)

// Events of a claim settlement. Register, DocumentsCollected and PlanCompleted are
// the engine's own; the rest come from people.
const (
	ClaimRegister           = "register"
	ClaimReturnForData      = "return_for_data"
	ClaimResubmit           = "resubmit"
	ClaimReject             = "reject"
	ClaimOpenInvestigation  = "open_investigation"
	ClaimRequestDocument    = "request_document"
	ClaimDocumentReady      = "document_ready"
	ClaimDocumentsCollected = "documents_collected"
	ClaimCommissionHeld     = "commission_held"
	ClaimTaskReported       = "task_reported"
	ClaimPlanCompleted      = "plan_completed"
	ClaimConfirmResolved    = "confirm_resolved"
	ClaimConfirmUnresolved  = "confirm_unresolved"
)

// Claim is the claim settlement machine. The remediation cycle
// (commission → remediation → awaiting_confirmation) repeats until the client
// confirms that every remark is resolved.
var Claim = &Definition{
	Name:    "reclamation",
	Initial: ClaimRegistration,
	States: []string{ClaimRegistration, ClaimQualification, ClaimAwaitingData, ClaimRejected, ClaimDocuments,
		ClaimCommission, ClaimRemediation, ClaimConfirmation, ClaimClosed},
	Terminal: []string{ClaimRejected, ClaimClosed},
	Transitions: []Transition{
		{Event: ClaimRegister, From: []string{ClaimRegistration}, To: ClaimQualification},
		{Event: ClaimReturnForData, From: []string{ClaimQualification}, To: ClaimAwaitingData},
		{Event: ClaimResubmit, From: []string{ClaimAwaitingData}, To: ClaimQualification},
		{Event: ClaimReject, From: []string{ClaimQualification}, To: ClaimRejected},
		{Event: ClaimOpenInvestigation, From: []string{ClaimQualification}, To: ClaimDocuments},
		{Event: ClaimRequestDocument, From: []string{ClaimDocuments}, To: Stay},
		{Event: ClaimDocumentReady, From: []string{ClaimDocuments}, To: Stay},
		{Event: ClaimDocumentsCollected, From: []string{ClaimDocuments}, To: ClaimCommission},
		{Event: ClaimCommissionHeld, From: []string{ClaimCommission}, To: ClaimRemediation},
		{Event: ClaimTaskReported, From: []string{ClaimRemediation}, To: Stay},
		{Event: ClaimPlanCompleted, From: []string{ClaimRemediation}, To: ClaimConfirmation},
		{Event: ClaimConfirmResolved, From: []string{ClaimConfirmation}, To: ClaimClosed},
		{Event: ClaimConfirmUnresolved, From: []string{ClaimConfirmation}, To: ClaimCommission},
	},
}
