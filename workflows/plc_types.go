package workflows

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// SLA policy names the PLC case uses.
const (
	PolicyPLCVerdict          = "plc.verdict"
	PolicyPLCEscalationStep   = "plc.escalation_step"
	PolicyPLCCustomerCallback = "plc.customer_callback"
	PolicyPLCPlannedDate      = "plc.planned_date"
	PolicyPLCASCCallback      = "plc.asc_callback"
)

// Usedesk and GSIS values the PLC seed prescribes.
const (
	PLCTicketCategory   = "PLC"
	PLCTicketTag        = "B2B_внутренние_коммуникации"
	TicketStatusOnHold  = "На удержании"
	TicketStatusDone    = "Выполнено"
	TicketStatusClosed  = "Закрыт"
	PriorityUrgent      = "СРОЧНО"
	PriorityNormal      = "обычный"
	PLCDescriptionStart = "PLC"
)

// PLCPhoneScript is what the operator says on the phone (seed 000).
const PLCPhoneScript = "Ваше обращение зафиксировано. В течение рабочих суток с вами свяжется специалист для визита и диагностики. Просим подготовить чек, гарантийный талон, документы об установке."

// PLCPhoneHelp asks the caller for any conclusion or acts (the seed's step 2);
// the mailbox is directory.redirects.help.
const PLCPhoneHelp = "Если у вас есть заключение или акты, пришлите их, пожалуйста, на %s."

// Kinds of incident a PLC intake records (SPEC §3.1).
const (
	IncidentFire           = "fire"
	IncidentSmokeBurn      = "smoke_burn"
	IncidentExplosion      = "explosion"
	IncidentLeakFlood      = "leak_flood"
	IncidentPropertyDamage = "property_damage"
)

// PLCRecommendations are given to every PLC customer.
const PLCRecommendations = "Технику не перемещать, не разбирать, не отмывать, не касаться её до прихода мастера из АСЦ."

// PLCDocuments is the checklist of the seed.
var PLCDocuments = []Document{
	{"fire_report", "Донесение о пожаре"},
	{"refusal_decision", "Постановление об отказе в возбуждении уголовного дела"},
	{"receipt_warranty", "Чек, гарантийный талон"},
	{"installation_doc", "Документ об установке бытовой техники"},
	{"mounting_doc", "Документ о монтаже"},
	{"gas_connection_act", "Акт подключения газа"},
}

// PreviousService is an earlier installation or repair the customer mentions.
type PreviousService struct {
	Number string `json:"number"`
	Date   string `json:"date,omitempty" jsonschema:"format=date"`
	ASC    string `json:"asc,omitempty"`
}

// PLCIntake is the body that opens a product-liability case. Damage figures and
// victims have no field of their own: they are recorded only as the customer's own
// words in VolunteeredDamage.
type PLCIntake struct {
	CommonIntake
	Mood                 string            `json:"mood,omitempty" jsonschema:"description=the customer's mood"`
	Demands              []string          `json:"demands,omitempty" jsonschema:"description=every demand the customer voiced"`
	HasNRPAct            bool              `json:"has_nrp_act,omitempty" jsonschema:"description=the customer already has a confirmed НРП act"`
	CompensationDemanded bool              `json:"compensation_demanded,omitempty"`
	PreviousService      []PreviousService `json:"previous_service,omitempty"`
	VolunteeredDamage    string            `json:"volunteered_damage,omitempty" jsonschema:"description=only what the customer said unasked"`
	// Attachments are references to the call recording (phone) or the customer's mail (email).
	Attachments []string `json:"attachments,omitempty"`
	// SourceTicket is the customer's chat or mail ticket, cross-linked with the PLC ticket.
	SourceTicket string `json:"source_ticket,omitempty"`
	// Incident is the kind of incident; the fire documents apply to a fire (or
	// an explosion) only.
	Incident string `json:"incident,omitempty" jsonschema:"enum=fire,enum=smoke_burn,enum=explosion,enum=leak_flood,enum=property_damage"`
}

// fire reports whether the fire documents apply: a fire or an explosion, or an
// incident not recorded (intakes before the field existed).
func (in *PLCIntake) fire() bool {
	return in.Incident == "" || in.Incident == IncidentFire || in.Incident == IncidentExplosion
}

// OpenableBy refuses an operator a chat or mail PLC: «Все обращения передаются и
// обрабатываются только экспертами».
func (in *PLCIntake) OpenableBy(role string) error {
	if in.Channel != ChannelPhone && role == RoleOperator {
		return fmt.Errorf("a PLC case that came by %s is handled only by experts (seed 000: «Все обращения передаются и обрабатываются только экспертами»)", in.Channel)
	}
	return nil
}

// Excluded reports the seed's exclusion: a confirmed НРП act and a compensation
// demand make it a ServiceB2B matter, not a PLC.
func (in *PLCIntake) Excluded() bool { return in.HasNRPAct && in.CompensationDemanded }

// Validate checks what the seed requires of a PLC intake.
func (in *PLCIntake) Validate() error {
	if err := validChannel(in.Channel, ChannelPhone, ChannelChat, ChannelEmail); err != nil {
		return err
	}
	if in.Incident != "" {
		if err := oneOf("incident", in.Incident, IncidentFire, IncidentSmokeBurn, IncidentExplosion, IncidentLeakFlood, IncidentPropertyDamage); err != nil {
			return err
		}
	}
	errs := []error{
		required("customer.full_name", in.Customer.FullName),
		validPhone("customer.phone", in.Customer.Phone),
	}
	if in.Channel == ChannelEmail || in.Customer.Email != "" {
		errs = append(errs, validEmail("customer.email", in.Customer.Email))
	}
	if !in.Excluded() {
		errs = append(errs,
			required("customer.address", in.Customer.Address),
			required("product.model", in.Product.Model),
			required("product.category", in.Product.Category),
			required("product.purchase_date", in.Product.PurchaseDate),
			isoDate("product.purchase_date", in.Product.PurchaseDate),
			required("product.store", in.Product.Store),
			required("description", in.Description),
			required("mood", in.Mood),
		)
	}
	for i, p := range in.PreviousService {
		errs = append(errs, required(fmt.Sprintf("previous_service[%d].number", i), p.Number),
			isoDate(fmt.Sprintf("previous_service[%d].date", i), p.Date))
	}
	for i, d := range in.Demands {
		errs = append(errs, required(fmt.Sprintf("demands[%d]", i), d))
	}
	return firstErr(errs...)
}

// Memo is the case's title for the Temporal UI: channel, category, model.
func (in *PLCIntake) Memo() string {
	return strings.TrimSpace(fmt.Sprintf("PLC · %s · %s %s", in.Channel, in.Product.Category, in.Product.Model))
}

// PLCInput starts a product-liability case.
type PLCInput = CaseInput[PLCIntake, PLCDirectory, PLCOptions]

// PLCDirectory is who a PLC case writes to and calls: keys of the config's
// directory section.
type PLCDirectory struct {
	EngineersByCategory    map[string]Contact `json:"engineers_by_category" doc:"product category → the responsible engineer (the PLC request's addressee)"`
	DefaultEngineer        Contact            `json:"default_engineer" doc:"the engineer for categories nobody is named for"`
	HeadOfTechnicalSupport Contact            `json:"head_of_technical_support" doc:"in copy of every PLC request"`
	PLCCopyList            []CopyLine         `json:"plc_copy_list" doc:"the PLC group's copy list, a line per role: {name, email} or {name, emails: [A, B]} for a line naming several («Ответственный менеджер за АСЦ A / B»); the engineer, the head of technical support and the supervisors' mailbox are always in copy"`
	ShiftAlert             []string           `json:"shift_alert" doc:"mailboxes alerted urgently on every PLC (supervisors and experts on shift)"`
	SupervisorsMailbox     string             `json:"supervisors_mailbox" doc:"the supervisors' mailbox"`
	ComplaintsMailbox      string             `json:"complaints_mailbox" doc:"joins the thread when the НРП act is uploaded"`
	ClaimsGroup            string             `json:"claims_group" doc:"the claims group the ticket goes to with the НРП act"`
	EscalationChain        []EscalationStep   `json:"escalation_chain" doc:"the call chain when no verdict comes: role addressee (the engineer) first, then contacts with name and phone"`
	PreferredASC           string             `json:"preferred_asc" doc:"the service centre a PLC service request goes to (МСС)"`
	ASCs                   []Contact          `json:"ascs" doc:"service centres and their addresses"`
	Redirects              Redirects          `json:"redirects" doc:"mailboxes customers are sent to: service_b2b, help, shop_help, call_center, support"`
}

// CopyLine is one line of the PLC group's copy list: a role and its address, or
// its addresses when the line names several.
type CopyLine struct {
	Role   string   `json:"role,omitempty"`
	Name   string   `json:"name"`
	Email  string   `json:"email,omitempty"`
	Emails []string `json:"emails,omitempty"`
}

// addresses are the line's addresses.
func (l CopyLine) addresses() []string { return compact(append([]string{l.Email}, l.Emails...)) }

// EscalationStep is one call of the PLC escalation chain. Role "addressee" means
// the engineer the request went to.
type EscalationStep struct {
	Role    string  `json:"role"`
	Title   string  `json:"title"`
	Contact Contact `json:"contact"`
}

// Redirects are the mailboxes customers and colleagues are sent to.
type Redirects struct {
	ServiceB2B string `json:"service_b2b"`
	Help       string `json:"help"`
	ShopHelp   string `json:"shop_help"`
	CallCenter string `json:"call_center"`
	Support    string `json:"support"`
}

// Engineer returns the engineer responsible for a product category.
func (d *PLCDirectory) Engineer(category string) Contact {
	return engineerFor(d.EngineersByCategory, d.DefaultEngineer, category)
}

// forIntake keeps of the engineers by category only the intake's: a case
// names its engineer once, from its intake's category (startClocks).
func (d PLCDirectory) forIntake(intake any) PLCDirectory {
	d.EngineersByCategory = engineersFor(d.EngineersByCategory, intake.(*PLCIntake).Product.Category)
	return d
}

// engineersFor is byCategory narrowed to category: a new map, since
// byCategory is the type's snapshot, shared by every case.
func engineersFor(byCategory map[string]Contact, category string) map[string]Contact {
	c, ok := byCategory[category]
	if !ok {
		return nil
	}
	return map[string]Contact{category: c}
}

// engineerFor is the engineer named for a category, else the default one.
func engineerFor(byCategory map[string]Contact, fallback Contact, category string) Contact {
	if c, ok := byCategory[category]; ok && c.Email != "" {
		return c
	}
	return fallback
}

// Validate requires whom every PLC case writes to and calls.
func (d *PLCDirectory) Validate() error {
	errs := []error{
		required("default_engineer.email", d.DefaultEngineer.Email),
		required("head_of_technical_support.email", d.HeadOfTechnicalSupport.Email),
		required("supervisors_mailbox", d.SupervisorsMailbox),
		required("complaints_mailbox", d.ComplaintsMailbox),
		required("redirects.service_b2b", d.Redirects.ServiceB2B),
		required("preferred_asc", d.PreferredASC),
	}
	if len(d.EscalationChain) == 0 {
		errs = append(errs, fieldErr("escalation_chain", "must name at least one call"))
	}
	for i, s := range d.EscalationChain {
		if s.Role != "addressee" && s.Contact.Phone == "" && s.Contact.Name == "" {
			errs = append(errs, fieldErr(fmt.Sprintf("escalation_chain[%d]", i), "needs a contact (or role: addressee)"))
		}
		errs = append(errs, required(fmt.Sprintf("escalation_chain[%d].title", i), s.Title))
	}
	for i, l := range d.PLCCopyList {
		if len(l.addresses()) == 0 {
			errs = append(errs, fieldErr(fmt.Sprintf("plc_copy_list[%d]", i), "needs email or emails"))
		}
	}
	for _, cat := range slices.Sorted(maps.Keys(d.EngineersByCategory)) {
		errs = append(errs, required("engineers_by_category."+cat+".email", d.EngineersByCategory[cat].Email))
	}
	return firstErr(errs...)
}

// PLCOptions are the PLC case's behaviour switches: keys of the config's
// options section.
type PLCOptions struct {
	PlannedDateWorkingDay bool `json:"planned_date_working_day" doc:"true: the PLC ticket's planned date is the next working day instead of the seed's next day"`
}

// Event data of the PLC case.
type (
	// CallAttemptData records one call of the escalation chain.
	CallAttemptData struct {
		Reached *bool  `json:"reached"`
		Note    string `json:"note,omitempty"`
	}
	// VerdictData is the engineer's verdict.
	VerdictData struct {
		PLC     *bool  `json:"plc"`
		Comment string `json:"comment,omitempty"`
	}
	// NoteData carries a free note (repeat contact, specialist contacted, close).
	NoteData struct {
		Note        string   `json:"note,omitempty"`
		Attachments []string `json:"attachments,omitempty"`
	}
	// DocumentsData lists documents the customer sent.
	DocumentsData struct {
		Documents   []string `json:"documents" jsonschema:"enum=fire_report,enum=refusal_decision,enum=receipt_warranty,enum=installation_doc,enum=mounting_doc,enum=gas_connection_act"`
		Attachments []string `json:"attachments,omitempty"`
	}
	// NRPActData is the НРП act uploaded to the ticket's internal comments:
	// its number and the act itself are required (the PLC's Guard, so that runs
	// started before keep the events they took).
	NRPActData struct {
		ActNumber  string `json:"act_number,omitempty" jsonschema:"description=the act's number (required)"`
		Attachment string `json:"attachment,omitempty" jsonschema:"description=the act: a reference to the uploaded file (required)"`
	}
	// ServiceRequestData asks for the urgent service request of a PLC: МСС
	// (directory.preferred_asc) unless another ASC is named, with the reason.
	ServiceRequestData struct {
		ASC    string `json:"asc,omitempty" jsonschema:"description=the ASC; empty: the preferred one (МСС)"`
		Reason string `json:"reason,omitempty" jsonschema:"description=why not the preferred ASC (required for another one)"`
		Note   string `json:"note,omitempty"`
	}
	// AnswerPreparingData records the visit's outcome: the PLC group prepares
	// its answer.
	AnswerPreparingData struct {
		Warranty *bool  `json:"warranty"`
		Note     string `json:"note,omitempty"`
	}
	// SatisfactionData is the customer's satisfaction with the settlement, 1 to 5.
	SatisfactionData struct {
		Level   *int   `json:"level"`
		Comment string `json:"comment,omitempty"`
	}
)

// AuditNote is the call's outcome.
func (d *CallAttemptData) AuditNote() string {
	return strings.TrimSpace(fmt.Sprintf("reached=%t %s", *d.Reached, d.Note))
}

// AuditNote is the verdict's comment.
func (d *VerdictData) AuditNote() string { return d.Comment }

// AuditNote is the note.
func (d *NoteData) AuditNote() string { return d.Note }

// AuditNote lists the documents.
func (d *DocumentsData) AuditNote() string { return strings.Join(d.Documents, ", ") }

// AuditNote is the act's number.
func (d *NRPActData) AuditNote() string { return d.ActNumber }

// AuditNote is the ASC and the reason.
func (d *ServiceRequestData) AuditNote() string {
	return strings.TrimSpace(d.ASC + " " + d.Reason + " " + d.Note)
}

// AuditNote is the warranty decision and the note.
func (d *AnswerPreparingData) AuditNote() string {
	return strings.TrimSpace(fmt.Sprintf("warranty=%t %s", *d.Warranty, d.Note))
}

// Validate requires whether the case is a warranty one.
func (d *AnswerPreparingData) Validate() error {
	if d.Warranty == nil {
		return fieldErr("warranty", "is required: whether the visit found the case a warranty one (true or false)")
	}
	return nil
}

// AuditNote is the level and the comment.
func (d *SatisfactionData) AuditNote() string { return fmt.Sprintf("level %d %s", *d.Level, d.Comment) }

// Validate requires the call's outcome.
func (d *CallAttemptData) Validate() error {
	if d.Reached == nil {
		return fieldErr("reached", "is required (true or false)")
	}
	return nil
}

// Validate requires the verdict.
func (d *VerdictData) Validate() error {
	if d.PLC == nil {
		return fieldErr("plc", "is required (true: PLC, false: not PLC)")
	}
	return nil
}

// Validate requires known document codes.
func (d *DocumentsData) Validate() error {
	if len(d.Documents) == 0 {
		return fieldErr("documents", "must list at least one document")
	}
	for i, code := range d.Documents {
		if !slices.ContainsFunc(PLCDocuments, func(doc Document) bool { return doc.Code == code }) {
			codes := make([]string, len(PLCDocuments))
			for j, doc := range PLCDocuments {
				codes[j] = doc.Code
			}
			return fieldErr(fmt.Sprintf("documents[%d]", i), "must be one of %s, not %q", strings.Join(codes, ", "), code)
		}
	}
	return nil
}

// Validate requires a level from 1 to 5.
func (d *SatisfactionData) Validate() error {
	if d.Level == nil || *d.Level < 1 || *d.Level > 5 {
		return fieldErr("level", "is required: 1 (very dissatisfied) to 5 (very satisfied)")
	}
	return nil
}

// CallAttempt is one recorded call of the escalation chain.
type CallAttempt struct {
	Level   int       `json:"level"`
	Title   string    `json:"title"`
	Reached bool      `json:"reached"`
	Note    string    `json:"note,omitempty"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
}

// DocumentStatus is one line of the documents checklist.
type DocumentStatus struct {
	Document
	Received   bool       `json:"received"`
	ReceivedAt *time.Time `json:"received_at,omitempty"`
	Awaited    bool       `json:"awaited"`
}

// PLCVerdict is the verdict as recorded.
type PLCVerdict struct {
	PLC     bool      `json:"plc"`
	Comment string    `json:"comment,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// PLCData is the PLC-specific part of the case view.
type PLCData struct {
	Intake             PLCIntake `json:"intake"`
	ConsultationNumber string    `json:"consultation_number,omitempty"`
	TicketID           int64     `json:"ticket_id,omitempty"`
	TicketStatus       string    `json:"ticket_status,omitempty"`
	// TicketGroup is the group the PLC ticket was handed to (the claims group,
	// with the НРП act).
	TicketGroup          string      `json:"ticket_group,omitempty"`
	PlannedDate          string      `json:"planned_date,omitempty"`
	Engineer             Contact     `json:"engineer"`
	CustomerReply        string      `json:"customer_reply,omitempty"`
	Recommendations      string      `json:"recommendations"`
	RedirectedTo         string      `json:"redirected_to,omitempty"`
	Verdict              *PLCVerdict `json:"verdict,omitempty"`
	ServiceRequestNumber string      `json:"service_request_number,omitempty"`
	// ASCCallbackDue is when the ASC promised to call (not PLC): told to the
	// customer, tracked by the service request, not by this case.
	ASCCallbackDue   *time.Time       `json:"asc_callback_due,omitempty"`
	EscalationLevel  int              `json:"escalation_level"`
	CallAttempts     []CallAttempt    `json:"call_attempts"`
	Documents        []DocumentStatus `json:"documents"`
	ThreadTo         []string         `json:"thread_to,omitempty"`
	ThreadCc         []string         `json:"thread_cc,omitempty"`
	ComplaintsJoined bool             `json:"complaints_joined"`
	NRPAct           *NRPActData      `json:"nrp_act,omitempty"`
	// ServiceRequestASC is where the urgent request went, and why not МСС.
	ServiceRequestASC    string `json:"service_request_asc,omitempty"`
	ServiceRequestReason string `json:"service_request_reason,omitempty"`
	// AnswerPreparing is the visit's outcome: the PLC group prepares its answer.
	AnswerPreparing *PLCAnswerPreparing `json:"answer_preparing,omitempty"`
	Satisfaction    *int                `json:"satisfaction,omitempty"`
	Attachments     []string            `json:"attachments,omitempty"`
}

// PLCAnswerPreparing is the visit's outcome as recorded.
type PLCAnswerPreparing struct {
	Warranty bool      `json:"warranty"`
	Note     string    `json:"note,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}
