package statemachines

// States of a claim settlement (рекламация, seed 004).
const (
	RecRegistration  = "registration"          // the card is being registered: number, date, title
	RecQualification = "qualification"         // the quality director (ЗТДК) qualifies the claim
	RecAwaitingData  = "awaiting_data"         // returned to the initiator for more data
	RecRejected      = "rejected"              // found unfounded; the client was told in writing
	RecDocuments     = "collecting_documents"  // investigation opened: executors prepare the documents
	RecCommission    = "commission"            // every document is in: the commission meets
	RecRemediation   = "remediation"           // the action plan's tasks are with the executors
	RecConfirmation  = "awaiting_confirmation" // every task reported: the client confirms or not
	RecClosed        = "closed"                // resolved: closing package, archive, apology sent
)

// Events of a claim settlement. Register, DocumentsCollected and PlanCompleted are
// the engine's own; the rest come from people.
const (
	RecRegister           = "register"
	RecReturnForData      = "return_for_data"
	RecResubmit           = "resubmit"
	RecReject             = "reject"
	RecOpenInvestigation  = "open_investigation"
	RecRequestDocument    = "request_document"
	RecDocumentReady      = "document_ready"
	RecDocumentsCollected = "documents_collected"
	RecCommissionHeld     = "commission_held"
	RecTaskReported       = "task_reported"
	RecPlanCompleted      = "plan_completed"
	RecConfirmResolved    = "confirm_resolved"
	RecConfirmUnresolved  = "confirm_unresolved"
)

// Reclamation is the claim settlement machine. The remediation cycle
// (commission → remediation → awaiting_confirmation) repeats until the client
// confirms that every remark is resolved.
var Reclamation = &Definition{
	Name:    "reclamation",
	Initial: RecRegistration,
	States: []string{RecRegistration, RecQualification, RecAwaitingData, RecRejected, RecDocuments,
		RecCommission, RecRemediation, RecConfirmation, RecClosed},
	Terminal: []string{RecRejected, RecClosed},
	Transitions: []Transition{
		{Event: RecRegister, From: []string{RecRegistration}, To: RecQualification},
		{Event: RecReturnForData, From: []string{RecQualification}, To: RecAwaitingData},
		{Event: RecResubmit, From: []string{RecAwaitingData}, To: RecQualification},
		{Event: RecReject, From: []string{RecQualification}, To: RecRejected},
		{Event: RecOpenInvestigation, From: []string{RecQualification}, To: RecDocuments},
		{Event: RecRequestDocument, From: []string{RecDocuments}, To: Stay},
		{Event: RecDocumentReady, From: []string{RecDocuments}, To: Stay},
		{Event: RecDocumentsCollected, From: []string{RecDocuments}, To: RecCommission},
		{Event: RecCommissionHeld, From: []string{RecCommission}, To: RecRemediation},
		{Event: RecTaskReported, From: []string{RecRemediation}, To: Stay},
		{Event: RecPlanCompleted, From: []string{RecRemediation}, To: RecConfirmation},
		{Event: RecConfirmResolved, From: []string{RecConfirmation}, To: RecClosed},
		{Event: RecConfirmUnresolved, From: []string{RecConfirmation}, To: RecCommission},
	},
}
