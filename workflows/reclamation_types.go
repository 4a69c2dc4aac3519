package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// SLA policy names the claim settlement uses.
const (
	PolicyClaimQualification = "reclamation.qualification"
	PolicyClaimDocument      = "reclamation.document"
	PolicyClaimTaskReminder  = "reclamation.task_reminder"
	PolicyClaimActionTask    = "reclamation.action_task"
)

// Kinds of claim tasks.
const (
	ClaimTaskQualification = "qualification"  // the quality director qualifies the claim
	ClaimTaskInitiatorData = "initiator_data" // the initiator completes the data
	ClaimTaskDocument      = "document"       // an executor prepares a document
	ClaimTaskCommission    = "commission"     // the quality director holds the commission meeting
	ClaimTaskAction        = "action"         // an executor carries out a step of the action plan
	ClaimTaskConfirmation  = "confirmation"   // the quality director gets the client's confirmation
)

// Kinds of claim (seed 004: «о некомплектности, о поломке или … продукцию
// несоответствующего качества») and the period the claim falls in («в момент
// продажи или гарантийного периода»).
const (
	ClaimKindIncompleteness = "incompleteness"
	ClaimKindBreakdown      = "breakdown"
	ClaimKindQuality        = "quality"
	ClaimPeriodSale         = "sale"
	ClaimPeriodWarranty     = "warranty"
)

// ClaimTaskArchived is the status of the archive record of a closed claim.
const ClaimTaskArchived = "archived"

// ClaimDocuments are the documents every investigation gathers (seed 004); the
// quality director may add others.
var ClaimDocuments = []Document{
	{"contract", "Договор между предприятием и клиентом"},
	{"technical_specification", "Техническое задание"},
	{"acceptance_documents", "Приёмо-сдаточные документы"},
	{"monitoring_data", "Данные последнего мониторинга"},
}

// ClaimIntake is the claim registration form (seed 004). The registration
// date, the claim number and the title are the system's.
type ClaimIntake struct {
	CommonIntake
	// ReceivedBy is the employee who received the claim, its initiator: the name the
	// API knows them by, since the return-for-data task is theirs.
	ReceivedBy string `json:"received_by" jsonschema:"description=the employee who received the claim (its initiator) as the API names them"`
	// ReceivedByRole is the initiator's role, for their task; default operator.
	ReceivedByRole string `json:"received_by_role,omitempty" jsonschema:"enum=operator,enum=expert,enum=supervisor,enum=engineer,enum=quality_director,enum=executor"`
	// ReceivedByEmail, when given, gets the quality director's return-for-data notes.
	ReceivedByEmail string `json:"received_by_email,omitempty" jsonschema:"format=email"`
	Client          string `json:"client" jsonschema:"description=the client who claims"`
	// ClientEmail receives the written letters; customer.email serves when it is
	// empty. Without either (a claim by phone or in person) the letters become
	// tasks for the initiator to deliver.
	ClientEmail string `json:"client_email,omitempty" jsonschema:"format=email,description=where the client's written letters go; without it the initiator delivers them"`
	// Kind is what the client claims; Period whether the claim falls in the sale
	// or the warranty period.
	Kind                string   `json:"kind,omitempty" jsonschema:"enum=incompleteness,enum=breakdown,enum=quality,description=incompleteness | breakdown | quality (the equipment makes products of inadequate quality)"`
	Period              string   `json:"period,omitempty" jsonschema:"enum=sale,enum=warranty,description=the claim falls in the sale or the warranty period"`
	Project             string   `json:"project" jsonschema:"description=the project the claimed work was done in"`
	ContractNumber      string   `json:"contract_number,omitempty" jsonschema:"description=if known"`
	SerialNumbers       []string `json:"serial_numbers,omitempty" jsonschema:"description=equipment serial numbers if known"`
	ShipmentDate        string   `json:"shipment_date" jsonschema:"format=date"`
	ShipmentResponsible string   `json:"shipment_responsible" jsonschema:"description=who was responsible for the shipment"`
	Documents           []string `json:"documents" jsonschema:"description=electronic copies of documents (references)"`
	Comment             string   `json:"comment" jsonschema:"description=the situation and the client's complaints"`
}

// Validate checks the registration form. The contract and serial numbers are
// optional: the seed enters them "if there is information".
func (in *ClaimIntake) Validate() error {
	errs := []error{
		validChannel(in.Channel, ChannelPhone, ChannelSMS, ChannelEmail, ChannelInPerson),
		required("received_by", in.ReceivedBy),
	}
	if in.ReceivedByRole != "" {
		errs = append(errs, oneOf("received_by_role", in.ReceivedByRole, Roles...))
	}
	if in.ReceivedByEmail != "" {
		errs = append(errs, validEmail("received_by_email", in.ReceivedByEmail))
	}
	errs = append(errs, required("client", in.Client))
	// The seed asks for no e-mail (a claim may come by phone, SMS or in person):
	// without one the initiator delivers the letters.
	if in.ClientEmail != "" {
		errs = append(errs, validEmail("client_email", in.ClientEmail))
	}
	if in.Customer.Email != "" {
		errs = append(errs, validEmail("customer.email", in.Customer.Email))
	}
	if in.Kind != "" {
		errs = append(errs, oneOf("kind", in.Kind, ClaimKindIncompleteness, ClaimKindBreakdown, ClaimKindQuality))
	}
	if in.Period != "" {
		errs = append(errs, oneOf("period", in.Period, ClaimPeriodSale, ClaimPeriodWarranty))
	}
	errs = append(errs,
		required("project", in.Project),
		required("shipment_date", in.ShipmentDate),
		isoDate("shipment_date", in.ShipmentDate),
		required("shipment_responsible", in.ShipmentResponsible),
	)
	for i, s := range in.SerialNumbers {
		errs = append(errs, required(fmt.Sprintf("serial_numbers[%d]", i), s))
	}
	if len(in.Documents) == 0 {
		errs = append(errs, fieldErr("documents", "must list at least one document"))
	}
	for i, d := range in.Documents {
		errs = append(errs, required(fmt.Sprintf("documents[%d]", i), d))
	}
	errs = append(errs, required("comment", in.Comment))
	return firstErr(errs...)
}

// clientEmail is where the client's letters go.
func (in *ClaimIntake) clientEmail() string {
	if in.ClientEmail != "" {
		return in.ClientEmail
	}
	return in.Customer.Email
}

// initiatorRole is the role of the initiator's task.
func (in *ClaimIntake) initiatorRole() string {
	if in.ReceivedByRole != "" {
		return in.ReceivedByRole
	}
	return RoleOperator
}

// Memo is the claim's title for the Temporal UI: its project.
func (in *ClaimIntake) Memo() string { return "Рекламация · проект " + in.Project }

// ClaimInput starts a claim settlement, or continues one.
type ClaimInput = CaseInput[ClaimIntake, ClaimDirectory, ClaimOptions]

// ClaimOptions are the claim's switches: keys of the config's options section.
type ClaimOptions struct {
	CardURL string `json:"claim_card_url" doc:"the link to a claim's card printed in the quality director's task letters; {id} is replaced by the case's id (e.g. https://caseflow.example.com/cases/{id})"`
}

// cardURL is the link to the case's card; "" when none is configured.
func (o *ClaimOptions) cardURL(id string) string { return strings.ReplaceAll(o.CardURL, "{id}", id) }

// ClaimDirectory is who a claim writes to: keys of the config's directory section.
type ClaimDirectory struct {
	QualityDirector Contact `json:"quality_director" doc:"the quality director (ЗТДК) who qualifies claims and holds the commission"`
	Management      Contact `json:"management" doc:"the signatory of the final apology letter"`
}

// Event data of the claim settlement.
type (
	// ClaimReturnData returns the claim to its initiator for more data.
	ClaimReturnData struct {
		Comment string `json:"comment" jsonschema:"description=what data is missing"`
	}
	// ClaimResubmitData is the initiator's completed data. Given fields replace the
	// form's (serial numbers and documents are added to it).
	ClaimResubmitData struct {
		Comment             string   `json:"comment" jsonschema:"description=what was completed"`
		ContractNumber      string   `json:"contract_number,omitempty"`
		SerialNumbers       []string `json:"serial_numbers,omitempty"`
		ShipmentDate        string   `json:"shipment_date,omitempty" jsonschema:"format=date"`
		ShipmentResponsible string   `json:"shipment_responsible,omitempty"`
		Documents           []string `json:"documents,omitempty"`
		ClientEmail         string   `json:"client_email,omitempty" jsonschema:"format=email"`
	}
	// ClaimRejectData rejects the claim as unfounded.
	ClaimRejectData struct {
		Reason string `json:"reason" jsonschema:"description=why the claim is unfounded; the client reads it"`
	}
	// ClaimExecutor names who prepares a document for the investigation.
	ClaimExecutor struct {
		// Document is a ClaimDocuments code or the title of another document.
		Document string `json:"document" jsonschema:"description=contract | technical_specification | acceptance_documents | monitoring_data | the title of another document"`
		Name     string `json:"name" jsonschema:"description=the executor as the API names them"`
		Email    string `json:"email" jsonschema:"format=email"`
	}
	// ClaimInvestigationData opens the investigation.
	ClaimInvestigationData struct {
		// HearingDate is YYYY-MM-DD (the commission meets by the close of that working
		// day) or an RFC 3339 time.
		HearingDate string          `json:"hearing_date" jsonschema:"description=YYYY-MM-DD or an RFC 3339 time"`
		Executors   []ClaimExecutor `json:"executors" jsonschema:"description=who prepares which document; the four standard documents are required"`
	}
	// ClaimDocumentReadyData reports a document task done.
	ClaimDocumentReadyData struct {
		TaskID      string   `json:"task_id"`
		Note        string   `json:"note,omitempty"`
		Attachments []string `json:"attachments,omitempty"`
	}
	// ClaimPlanItem is a step of the commission's action plan.
	ClaimPlanItem struct {
		Task     string `json:"task"`
		Assignee string `json:"assignee" jsonschema:"description=the executor as the API names them"`
		// Email may be left out for an executor the claim already knows.
		Email string `json:"email,omitempty" jsonschema:"format=email"`
		// Due is an RFC 3339 time, a date (the close of that working day) or working
		// time from now ("3 working days"); empty: reclamation.action_task.
		Due string `json:"due,omitempty" jsonschema:"description=RFC 3339 time | YYYY-MM-DD | working time such as 3 working days"`
	}
	// ClaimCommissionData is the commission meeting's outcome.
	ClaimCommissionData struct {
		Protocol string          `json:"protocol"`
		Causes   string          `json:"causes,omitempty" jsonschema:"description=the causes of the claim the commission found (for the archive)"`
		Members  []string        `json:"members,omitempty"`
		Plan     []ClaimPlanItem `json:"plan"`
	}
	// ClaimTaskReportData is an executor's report on an action-plan task.
	ClaimTaskReportData struct {
		TaskID      string   `json:"task_id"`
		Report      string   `json:"report"`
		Attachments []string `json:"attachments,omitempty"`
	}
	// ClaimConfirmationData is the client's answer on the remediation.
	ClaimConfirmationData struct {
		Resolved *bool  `json:"resolved"`
		Comment  string `json:"comment,omitempty"`
		// HearingDate dates the next commission meeting when not resolved;
		// empty: reclamation.document from now.
		HearingDate string `json:"hearing_date,omitempty" jsonschema:"description=next commission meeting when not resolved: YYYY-MM-DD or RFC 3339"`
	}
)

// AuditNote is the comment.
func (d *ClaimReturnData) AuditNote() string { return d.Comment }

// AuditNote is the comment.
func (d *ClaimResubmitData) AuditNote() string { return d.Comment }

// AuditNote is the reason.
func (d *ClaimRejectData) AuditNote() string { return d.Reason }

// AuditNote names the document and its executor.
func (d *ClaimExecutor) AuditNote() string { return d.Document + " → " + d.Name }

// AuditNote is the hearing date.
func (d *ClaimInvestigationData) AuditNote() string { return "hearing " + d.HearingDate }

// AuditNote is the task and the note.
func (d *ClaimDocumentReadyData) AuditNote() string { return d.TaskID + " " + d.Note }

// AuditNote counts the plan's steps.
func (d *ClaimCommissionData) AuditNote() string {
	return fmt.Sprintf("protocol and a plan of %d steps", len(d.Plan))
}

// AuditNote is the task and the report.
func (d *ClaimTaskReportData) AuditNote() string { return d.TaskID + " " + d.Report }

// AuditNote is the client's comment.
func (d *ClaimConfirmationData) AuditNote() string { return d.Comment }

// Validate requires the comment.
func (d *ClaimReturnData) Validate() error { return required("comment", d.Comment) }

// Validate requires a comment and well-formed fields.
func (d *ClaimResubmitData) Validate() error {
	errs := []error{required("comment", d.Comment), isoDate("shipment_date", d.ShipmentDate)}
	if d.ClientEmail != "" {
		errs = append(errs, validEmail("client_email", d.ClientEmail))
	}
	for i, s := range d.SerialNumbers {
		errs = append(errs, required(fmt.Sprintf("serial_numbers[%d]", i), s))
	}
	for i, s := range d.Documents {
		errs = append(errs, required(fmt.Sprintf("documents[%d]", i), s))
	}
	return firstErr(errs...)
}

// Validate requires the reason.
func (d *ClaimRejectData) Validate() error { return required("reason", d.Reason) }

// Validate requires the document, the executor and their e-mail.
func (d *ClaimExecutor) Validate() error { return d.check("") }

func (d *ClaimExecutor) check(prefix string) error {
	return firstErr(required(prefix+"document", d.Document), required(prefix+"name", d.Name), assigneeName(prefix+"name", d.Name),
		required(prefix+"email", d.Email), validEmail(prefix+"email", d.Email))
}

// assigneeName refuses a name no caller has: an assignee is named as the API
// names its caller, at most MaxAssigneeChars.
func assigneeName(field, v string) error {
	if n := len([]rune(v)); n > MaxAssigneeChars {
		return fieldErr(field, "must be the assignee's name as the API knows them, at most %d characters, not %d", MaxAssigneeChars, n)
	}
	return nil
}

// Validate requires the hearing date and an executor for each standard document,
// each document once.
func (d *ClaimInvestigationData) Validate() error {
	if err := required("hearing_date", d.HearingDate); err != nil {
		return err
	}
	if _, err := ParseDue("hearing_date", d.HearingDate, false); err != nil {
		return err
	}
	if len(d.Executors) == 0 {
		return fieldErr("executors", "must name who prepares each document")
	}
	var seen []string
	for i := range d.Executors {
		e := &d.Executors[i]
		if err := e.check(fmt.Sprintf("executors[%d].", i)); err != nil {
			return err
		}
		if slices.Contains(seen, e.Document) {
			return fieldErr(fmt.Sprintf("executors[%d].document", i), "%q is listed twice", e.Document)
		}
		seen = append(seen, e.Document)
	}
	for _, doc := range ClaimDocuments {
		if !slices.Contains(seen, doc.Code) {
			return fieldErr("executors", "no executor for %s (%s)", doc.Code, doc.Title)
		}
	}
	return nil
}

// Validate requires the task.
func (d *ClaimDocumentReadyData) Validate() error { return required("task_id", d.TaskID) }

// Validate requires the protocol and a plan of at least one step.
func (d *ClaimCommissionData) Validate() error {
	if err := required("protocol", d.Protocol); err != nil {
		return err
	}
	if len(d.Plan) == 0 {
		return fieldErr("plan", "must have at least one step")
	}
	for i, p := range d.Plan {
		f := fmt.Sprintf("plan[%d].", i)
		errs := []error{required(f+"task", p.Task), required(f+"assignee", p.Assignee), assigneeName(f+"assignee", p.Assignee)}
		if p.Email != "" {
			errs = append(errs, validEmail(f+"email", p.Email))
		}
		if err := firstErr(errs...); err != nil {
			return err
		}
		if _, err := ParseDue(f+"due", p.Due, true); err != nil {
			return err
		}
	}
	return nil
}

// Validate requires the task and the report.
func (d *ClaimTaskReportData) Validate() error {
	return firstErr(required("task_id", d.TaskID), required("report", d.Report))
}

// Validate requires the client's answer.
func (d *ClaimConfirmationData) Validate() error {
	if d.Resolved == nil {
		return fieldErr("resolved", "is required (true: every remark is resolved, false: the cycle repeats)")
	}
	if d.HearingDate != "" {
		if *d.Resolved {
			return fieldErr("hearing_date", "only dates the next meeting of an unresolved claim")
		}
		if _, err := ParseDue("hearing_date", d.HearingDate, false); err != nil {
			return err
		}
	}
	return nil
}

// ClaimTaskEntry is a task on the claim card: who, by when, and how it ended.
type ClaimTaskEntry struct {
	DueTask
	// Document is the document a document task prepares.
	Document string `json:"document,omitempty"`
	// Cycle is the remediation cycle of an action or commission task.
	Cycle int `json:"cycle,omitempty"`
}

// ClaimReturn is one return of the claim to its initiator.
type ClaimReturn struct {
	Comment         string     `json:"comment"`
	By              string     `json:"by"`
	At              time.Time  `json:"at"`
	Completion      string     `json:"completion,omitempty"`
	ResubmittedBy   string     `json:"resubmitted_by,omitempty"`
	ResubmittedAt   *time.Time `json:"resubmitted_at,omitempty"`
	CompletedFields []string   `json:"completed_fields,omitempty"`
}

// ClaimDecision is the quality director's decision on the claim.
type ClaimDecision struct {
	Outcome     string    `json:"outcome"` // rejected | investigation
	Reason      string    `json:"reason,omitempty"`
	HearingDate string    `json:"hearing_date,omitempty"`
	HearingDue  time.Time `json:"hearing_due,omitzero"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// ClaimCommission is one commission meeting and its plan.
type ClaimCommission struct {
	Cycle    int      `json:"cycle"`
	Protocol string   `json:"protocol"`
	Causes   string   `json:"causes,omitempty"`
	Members  []string `json:"members,omitempty"`
	// Tasks are the IDs of the plan's tasks, in plan order.
	Tasks []string  `json:"tasks"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// ClaimConfirmation is the client's answer at the end of a cycle.
type ClaimConfirmation struct {
	Cycle    int       `json:"cycle"`
	Resolved bool      `json:"resolved"`
	Comment  string    `json:"comment,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// ClaimArchive is what the company's archive keeps of a closed claim: the client's
// remarks, the causes and the remedies.
type ClaimArchive struct {
	Remarks  []string `json:"remarks"`
	Causes   []string `json:"causes"`
	Remedies []string `json:"remedies"`
}

// ClaimData is the claim card: the case view's data.
type ClaimData struct {
	ClaimNumber  int64     `json:"claim_number"`
	RegisteredAt time.Time `json:"registered_at"`
	Title        string    `json:"title"`
	// Form is the registration form as last completed.
	Form          ClaimIntake         `json:"form"`
	Returns       []ClaimReturn       `json:"returns"`
	Decision      *ClaimDecision      `json:"decision,omitempty"`
	Cycle         int                 `json:"cycle"`
	Commissions   []ClaimCommission   `json:"commissions"`
	Confirmations []ClaimConfirmation `json:"confirmations"`
	Tasks         []ClaimTaskEntry    `json:"tasks"`
	// Letters are the letters to a client without an e-mail, each a task for
	// the initiator to deliver.
	Letters []ClaimLetter `json:"letters,omitempty"`
	// Works is the closing package's full list of works.
	Works    []string      `json:"works,omitempty"`
	Archive  *ClaimArchive `json:"archive,omitempty"`
	ClosedAt *time.Time    `json:"closed_at,omitempty"`
}

// ClaimLetter is a letter to the client that the initiator delivers (the
// client gave no e-mail): its text and the initiator's task.
type ClaimLetter struct {
	Step    string    `json:"step"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	TaskID  string    `json:"task_id"`
	At      time.Time `json:"at"`
}
