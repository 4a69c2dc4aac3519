package workflows

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// SLA policy names the dispute uses.
const (
	PolicyDisputeEngineerAnswer = "dispute.engineer_answer"
	PolicyDisputeCustomerAnswer = "dispute.customer_answer"
	PolicyDisputeCustomerCall   = "dispute.customer_call"
)

// Values the dispute seed prescribes.
const (
	// DisputeSubject starts the outgoing request's subject; ФИО and the request
	// number follow.
	DisputeSubject = "Не согласен с заключением, что техника исправна."
	// PriorityExtreme is the ticket priority that filters these requests out of the list.
	PriorityExtreme = "Экстремальный"
	// DisputeConsultationStart is the fixed first sentence of the final consultation.
	DisputeConsultationStart = "В случае повторного обращения перевести звонок на эксперта, консультацию не проводить"
	// DisputePromise is what the expert tells the customer on the first call.
	DisputePromise = "Ваш вопрос находится на персональном контроле и будет решён в течение трёх рабочих дней (или быстрее, если ответ будет получен раньше), после проверки документов и действий АСЦ."
	// DisputeOtherASCAdvice is the recommendation of row 4.
	DisputeOtherASCAdvice = "Рекомендуем обратиться в сторонний сервисный центр либо в наш АСЦ на платной основе."
	// DisputeNonWarrantyArticle is the article row 5 sends the operator to.
	DisputeNonWarrantyArticle = "Клиент не согласен с заключением мастера, что случай негарантийный"
)

// Paths a dispute arrives by.
const (
	DisputePathHotline    = "hotline"
	DisputePathWebForm    = "web_form"
	DisputePathDirectMail = "direct_mail"
)

// Triage outcomes: where a dispute goes first (SPEC §3.2, the seed's table).
const (
	TriageRedirect    = "redirect_non_warranty" // row 5
	TriageOtherASC    = "recommend_other_asc"   // row 4
	TriageNewRequest  = "new_request_other_asc" // row 1
	TriageExpert      = "expert"                // row 2
	TriageUsedesk     = "usedesk_agent"         // row 3
	TriageDirectMail  = "direct_mail"           // the direct-mail path
	triageNoCondition = ""
)

// Triage conditions a rule may require, all of them.
const (
	CondDamageOrMisuse  = "damage_or_misuse"
	CondSeveralContacts = "several_contacts"
	CondNoASCRequest    = "no_asc_request"
	CondDirectMail      = "direct_mail"
	CondNoASCReport     = "no_asc_report"
	CondWebForm         = "web_form"
	CondOtherASCInCity  = "other_asc_in_city"
)

var (
	triageOutcomes   = []string{TriageRedirect, TriageOtherASC, TriageNewRequest, TriageExpert, TriageUsedesk, TriageDirectMail}
	triageConditions = []string{CondDamageOrMisuse, CondSeveralContacts, CondNoASCRequest, CondDirectMail, CondNoASCReport, CondWebForm, CondOtherASCInCity}
)

// TriageRule sends a dispute to an outcome when all its conditions hold (any of
// its alternatives, when Any is given).
type TriageRule struct {
	All  []string `json:"all,omitempty"`
	Any  []string `json:"any,omitempty"`
	Then string   `json:"then"`
}

// DefaultTriage is the seed's table with its lost condition column
// reconstructed (SPEC §3.2), first match wins; the last rule takes the rest.
var DefaultTriage = []TriageRule{
	{All: []string{CondDamageOrMisuse}, Then: TriageRedirect},
	{Any: []string{CondSeveralContacts, CondNoASCRequest}, Then: TriageOtherASC},
	{All: []string{CondDirectMail}, Then: TriageDirectMail},
	{All: []string{CondNoASCReport}, Then: TriageUsedesk},
	{All: []string{CondWebForm}, Then: TriageExpert},
	{All: []string{CondOtherASCInCity}, Then: TriageNewRequest},
	{Then: TriageExpert},
}

// DefaultLegalCues are the words of a customer that threaten the company, in
// their Russian word forms: each is a pattern a whole word must match.
var DefaultLegalCues = []string{
	`суд(|а|у|ом|е|ы|ов|ам|ами|ах)`, `судебн\pL*`, `засуд\pL*`, `засуж\pL*`, `судиться`, `сужусь`,
	`роспотребнадзор\pL*`, `прокуратур\pL*`, `прокурор\pL*`,
	`претензи\pL*`, `юрист\pL*`, `адвокат\pL*`, `иск(|а|у|ом|е|и|ов)`,
	`имидж\pL*`, `сми`, `журналист\pL*`, `соцсет\pL*`, `telegram`, `телеграм\pL*`,
}

// DisputeIntake opens a dispute (seed 001): the customer disagrees with the
// technician's conclusion that the appliance is fine.
type DisputeIntake struct {
	CommonIntake
	// RequestNumber is the disputed service request in GSIS.
	RequestNumber string `json:"request_number" jsonschema:"description=the disputed service request (GSIS)"`
	Path          string `json:"path" jsonschema:"enum=hotline,enum=web_form,enum=direct_mail"`
	// The triage inputs.
	ASCReportAvailable bool `json:"asc_report_available,omitempty" jsonschema:"description=the ASC's report of the first visit is in GSIS"`
	OtherASCInCity     bool `json:"other_asc_in_city,omitempty" jsonschema:"description=another ASC serves the customer's city"`
	EarlierContacts    int  `json:"earlier_contacts,omitempty" jsonschema:"description=earlier contacts about the same fault"`
	NoASCRequest       bool `json:"no_asc_request,omitempty" jsonschema:"description=the disputed request is a «Нет АСЦ» request"`
	DamageOrMisuse     bool `json:"damage_or_misuse,omitempty" jsonschema:"description=the ASC found physical damage or misuse"`
	// ASC is the service centre of the disputed request, its address from GSIS.
	ASC       Contact  `json:"asc,omitempty"`
	Demands   []string `json:"demands,omitempty" jsonschema:"description=the customer's demands, if stated"`
	Documents []string `json:"documents,omitempty" jsonschema:"description=written documents (acts of work done…), references"`
	// CustomerStatement is the customer's own words, scanned for legal-threat cues.
	CustomerStatement string `json:"customer_statement,omitempty"`
	// LegalIntent is set when the customer said they will go to court or to Роспотребнадзор.
	LegalIntent bool `json:"legal_intent,omitempty"`
	// CustomerTicket is the customer's own ticket (the direct-mail path).
	CustomerTicket string `json:"customer_ticket,omitempty"`
	// Questions are the concrete questions for the engineer.
	Questions []string `json:"questions,omitempty"`
}

// Validate checks what the seed needs to act on a dispute.
func (in *DisputeIntake) Validate() error {
	errs := []error{
		validChannel(in.Channel, ChannelPhone, ChannelChat, ChannelEmail, ChannelWebForm),
		required("customer.full_name", in.Customer.FullName),
		required("request_number", in.RequestNumber),
		required("path", in.Path), oneOf("path", in.Path, DisputePathHotline, DisputePathWebForm, DisputePathDirectMail),
		required("product.category", in.Product.Category),
		required("description", in.Description),
	}
	if in.Customer.Phone != "" {
		errs = append(errs, validPhone("customer.phone", in.Customer.Phone))
	}
	if in.Customer.Email != "" || in.Path == DisputePathDirectMail {
		errs = append(errs, validEmail("customer.email", in.Customer.Email))
	}
	if in.ASC.Email != "" {
		errs = append(errs, validEmail("asc.email", in.ASC.Email))
	}
	if in.EarlierContacts < 0 {
		errs = append(errs, fieldErr("earlier_contacts", "must be 0 or more, not %d", in.EarlierContacts))
	}
	errs = append(errs, nonEmptyItems("demands", in.Demands), nonEmptyItems("documents", in.Documents), nonEmptyItems("questions", in.Questions))
	return firstErr(errs...)
}

// Memo is the dispute's title for the Temporal UI.
func (in *DisputeIntake) Memo() string {
	return strings.TrimSpace(fmt.Sprintf("Спор о заключении АСЦ · %s · %s · заявка %s", in.Path, in.Product.Category, in.RequestNumber))
}

// conditions are the triage conditions the intake meets.
func (in *DisputeIntake) conditions() []string {
	var out []string
	add := func(ok bool, c string) {
		if ok {
			out = append(out, c)
		}
	}
	add(in.DamageOrMisuse, CondDamageOrMisuse)
	add(in.EarlierContacts > 1, CondSeveralContacts)
	add(in.NoASCRequest, CondNoASCRequest)
	add(in.Path == DisputePathDirectMail, CondDirectMail)
	add(!in.ASCReportAvailable, CondNoASCReport)
	add(in.Path == DisputePathWebForm, CondWebForm)
	add(in.OtherASCInCity, CondOtherASCInCity)
	return out
}

// nonEmptyItems refuses an empty item of a list.
func nonEmptyItems(field string, items []string) error {
	for i, v := range items {
		if err := required(fmt.Sprintf("%s[%d]", field, i), v); err != nil {
			return err
		}
	}
	return nil
}

// DisputeInput starts a dispute.
type DisputeInput = CaseInput[DisputeIntake, DisputeDirectory, DisputeOptions]

// DisputeDirectory is who a dispute writes to: keys of the config's directory section.
type DisputeDirectory struct {
	EngineersByCategory map[string]Contact `json:"engineers_by_category" doc:"product category → the responsible engineer (the outgoing request's addressee)"`
	DefaultEngineer     Contact            `json:"default_engineer" doc:"the engineer for categories nobody is named for"`
	DisputeCopyList     []Contact          `json:"dispute_copy_list" doc:"the experts in copy of every outgoing dispute request (the ASC is added from the case)"`
	EscalationManager   Contact            `json:"dispute_escalation_manager" doc:"in copy of a re-sent request «в крайнем случае для оперативного решения»; optional"`
	HPCCManager         Contact            `json:"hpcc_manager" doc:"the HPCC manager the Usedesk agent asks for the ASC's act and defect description"`
	ClaimsGroup         string             `json:"claims_group" doc:"the claims department's mailbox (the hand-off by mail)"`
	SupervisorsMailbox  string             `json:"supervisors_mailbox" doc:"the supervisors' mailbox"`
}

// forIntake keeps of the engineers by category only the intake's: a dispute
// names its engineer once, from its intake's category (triage).
func (d DisputeDirectory) forIntake(intake any) DisputeDirectory {
	d.EngineersByCategory = engineersFor(d.EngineersByCategory, intake.(*DisputeIntake).Product.Category)
	return d
}

// Validate requires whom a dispute writes to.
func (d *DisputeDirectory) Validate() error {
	errs := []error{
		required("default_engineer.email", d.DefaultEngineer.Email),
		required("hpcc_manager.email", d.HPCCManager.Email),
		required("claims_group", d.ClaimsGroup),
	}
	for i, c := range d.DisputeCopyList {
		errs = append(errs, required(fmt.Sprintf("dispute_copy_list[%d].email", i), c.Email))
	}
	return firstErr(errs...)
}

// Engineer returns the engineer responsible for a product category.
func (d *DisputeDirectory) Engineer(category string) Contact {
	return engineerFor(d.EngineersByCategory, d.DefaultEngineer, category)
}

// Hand-off modes.
const (
	HandoffCase = "case" // open a linked claim case
	HandoffMail = "mail" // mail the claims department
)

// DisputeOptions are the dispute's switches: keys of the config's options section.
type DisputeOptions struct {
	Triage []TriageRule `json:"dispute_triage" doc:"the triage table, first match wins (default: the seed's table as SPEC §3.2 reconstructs it)"`
	// NoNewRequestCategories never get a new request at another ASC.
	NoNewRequestCategories []string `json:"dispute_no_new_request_categories" doc:"categories that never get a new request at another ASC (default: air_conditioner)"`
	EngineerResendLimit    int      `json:"dispute_engineer_resend_limit" doc:"how many times the engineer is written to again after 3 silent working days before a supervisor takes over (default 3)"`
	LegalCues              []string `json:"dispute_legal_cues" doc:"patterns a whole word of the customer's must match to count as a legal-threat cue (default: суд, Роспотребнадзор, прокуратура, претензия, юрист, имидж, СМИ, соцсети… in their word forms)"`
	Handoff                string   `json:"dispute_handoff" doc:"case: the hand-off opens a linked claim case; mail: it mails the claims department (default case)"`
}

// Validate fills the defaults and checks the triage table and the cues.
func (o *DisputeOptions) Validate() error {
	if o.Triage == nil {
		o.Triage = slices.Clone(DefaultTriage)
	}
	if o.NoNewRequestCategories == nil {
		o.NoNewRequestCategories = []string{"air_conditioner"}
	}
	if o.EngineerResendLimit == 0 {
		o.EngineerResendLimit = 3
	}
	if o.LegalCues == nil {
		o.LegalCues = slices.Clone(DefaultLegalCues)
	}
	if o.Handoff == "" {
		o.Handoff = HandoffCase
	}
	if o.EngineerResendLimit < 0 {
		return fieldErr("dispute_engineer_resend_limit", "must be 1 or more, not %d", o.EngineerResendLimit)
	}
	if err := oneOf("dispute_handoff", o.Handoff, HandoffCase, HandoffMail); err != nil {
		return err
	}
	for i, r := range o.Triage {
		f := fmt.Sprintf("dispute_triage[%d]", i)
		if err := oneOf(f+".then", r.Then, triageOutcomes...); err != nil {
			return err
		}
		for j, c := range slices.Concat(r.All, r.Any) {
			if err := oneOf(fmt.Sprintf("%s.conditions[%d]", f, j), c, triageConditions...); err != nil {
				return err
			}
		}
	}
	if last := o.Triage[len(o.Triage)-1]; len(o.Triage) == 0 || len(last.All)+len(last.Any) > 0 {
		return fieldErr("dispute_triage", "must end with a rule without conditions: every dispute goes somewhere")
	}
	for i, c := range o.LegalCues {
		if _, err := compileCue(c); err != nil {
			return fieldErr(fmt.Sprintf("dispute_legal_cues[%d]", i), "%v", err)
		}
	}
	return nil
}

// triage is the outcome of the first rule the intake meets.
func (o *DisputeOptions) triage(in *DisputeIntake) (string, int) {
	met := in.conditions()
	for i, r := range o.Triage {
		all := !slices.ContainsFunc(r.All, func(c string) bool { return !slices.Contains(met, c) })
		anyOf := len(r.Any) == 0 || slices.ContainsFunc(r.Any, func(c string) bool { return slices.Contains(met, c) })
		if all && anyOf {
			return r.Then, i
		}
	}
	return TriageExpert, -1
}

// compileCue compiles a cue pattern that a whole lower-case word must match.
func compileCue(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + strings.ToLower(pattern) + `)$`)
}

// LegalCue is a legal-threat cue found in the customer's words.
type LegalCue struct {
	Word string `json:"word"`
	// Quote is the sentence that holds it.
	Quote  string    `json:"quote"`
	Source string    `json:"source"`
	At     time.Time `json:"at"`
}

// findCues scans text for whole words that match a cue; each sentence is
// quoted once.
func findCues(patterns []string, text string) []LegalCue {
	var res []*regexp.Regexp
	for _, p := range patterns {
		if re, err := compileCue(p); err == nil {
			res = append(res, re)
		}
	}
	var out []LegalCue
	for _, sentence := range splitSentences(text) {
		words := strings.FieldsFunc(strings.ToLower(sentence), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for _, w := range words {
			if slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(w) }) {
				out = append(out, LegalCue{Word: w, Quote: strings.TrimSpace(sentence)})
				break
			}
		}
	}
	return out
}

// splitSentences cuts text at sentence ends.
func splitSentences(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == '!' || r == '?' || r == '\n' })
}

// Event data of the dispute.
type (
	// DisputeNoteData carries a note and documents.
	DisputeNoteData struct {
		Note      string   `json:"note,omitempty"`
		Documents []string `json:"documents,omitempty"`
	}
	// EngineerAnswerData is the responsible engineer's answer.
	EngineerAnswerData struct {
		Text  string `json:"text"`
		Clear *bool  `json:"clear" jsonschema:"description=true: fit to give the customer; false: clarifying questions are needed"`
	}
	// ASCAnswerData is an ASC's answer in the thread: recorded, it never ends the wait.
	ASCAnswerData struct {
		Text string `json:"text"`
	}
	// ClarificationData are the questions to the engineer.
	ClarificationData struct {
		Questions []string `json:"questions"`
	}
	// CustomerResponseData is the customer's answer to the engineer's explanation.
	CustomerResponseData struct {
		Accepted    *bool    `json:"accepted" jsonschema:"description=the customer accepts the arguments (even unhappy)"`
		LegalThreat bool     `json:"legal_threat,omitempty" jsonschema:"description=the customer intends to go to court, an agency or to harm the company's image"`
		Demands     []string `json:"demands,omitempty"`
		Statement   string   `json:"statement,omitempty" jsonschema:"description=the customer's own words"`
	}
	// DemandsData are the customer's demands.
	DemandsData struct {
		Demands []string `json:"demands"`
	}
	// DisputeRepeatData is a repeat contact of the customer.
	DisputeRepeatData struct {
		WithDemands bool     `json:"with_demands,omitempty"`
		Demands     []string `json:"demands,omitempty"`
		Statement   string   `json:"statement,omitempty" jsonschema:"description=the customer's own words"`
	}
)

// AuditNote is the note.
func (d *DisputeNoteData) AuditNote() string { return d.Note }

// AuditNote is the answer.
func (d *EngineerAnswerData) AuditNote() string { return d.Text }

// AuditNote is the answer.
func (d *ASCAnswerData) AuditNote() string { return d.Text }

// AuditNote lists the questions.
func (d *ClarificationData) AuditNote() string { return strings.Join(d.Questions, "; ") }

// AuditNote is the customer's words.
func (d *CustomerResponseData) AuditNote() string { return d.Statement }

// AuditNote lists the demands.
func (d *DemandsData) AuditNote() string { return strings.Join(d.Demands, "; ") }

// AuditNote is the customer's words.
func (d *DisputeRepeatData) AuditNote() string { return d.Statement }

// Validate requires the answer and whether it is clear.
func (d *EngineerAnswerData) Validate() error {
	if err := required("text", d.Text); err != nil {
		return err
	}
	if d.Clear == nil {
		return fieldErr("clear", "is required (true: fit for the customer, false: questions follow)")
	}
	return nil
}

// Validate requires the answer.
func (d *ASCAnswerData) Validate() error { return required("text", d.Text) }

// Validate requires a question.
func (d *ClarificationData) Validate() error {
	if len(d.Questions) == 0 {
		return fieldErr("questions", "must ask at least one question")
	}
	return nonEmptyItems("questions", d.Questions)
}

// Validate requires the customer's answer.
func (d *CustomerResponseData) Validate() error {
	if d.Accepted == nil {
		return fieldErr("accepted", "is required (true: the customer accepts the arguments)")
	}
	return nonEmptyItems("demands", d.Demands)
}

// Validate requires a demand.
func (d *DemandsData) Validate() error {
	if len(d.Demands) == 0 {
		return fieldErr("demands", "must state at least one demand")
	}
	return nonEmptyItems("demands", d.Demands)
}

// Validate requires the demands a repeat contact with demands brings.
func (d *DisputeRepeatData) Validate() error {
	if d.WithDemands && len(d.Demands) == 0 {
		return fieldErr("demands", "must list the demands of a repeat contact with_demands")
	}
	return nonEmptyItems("demands", d.Demands)
}

// DisputeRequest is one letter of the outgoing request to the engineer.
type DisputeRequest struct {
	N      int       `json:"n"`
	Kind   string    `json:"kind"` // request | resend | clarification
	To     string    `json:"to"`
	Cc     []string  `json:"cc,omitempty"`
	SentAt time.Time `json:"sent_at"`
}

// DisputeData is the dispute's part of the case view.
type DisputeData struct {
	Intake      DisputeIntake    `json:"intake"`
	Triage      string           `json:"triage"`
	TriageRule  int              `json:"triage_rule"`
	Engineer    Contact          `json:"engineer"`
	Reply       string           `json:"customer_reply,omitempty"`
	TicketID    int64            `json:"ticket_id,omitempty"`
	AgentTicket int64            `json:"agent_ticket_id,omitempty"`
	Requests    []DisputeRequest `json:"requests"`
	// Resends counts the letters to a silent engineer.
	Resends        int             `json:"resends"`
	EngineerAnswer *EngineerAnswer `json:"engineer_answer,omitempty"`
	ASCAnswers     []string        `json:"asc_answers,omitempty"`
	Questions      []string        `json:"questions,omitempty"`
	Demands        []string        `json:"demands,omitempty"`
	Cues           []LegalCue      `json:"legal_cues"`
	Consultation   string          `json:"consultation_number,omitempty"`
	ServiceRequest string          `json:"service_request_number,omitempty"`
	Handoff        *DisputeHandoff `json:"handoff,omitempty"`
	// Tasks are the dispute's tasks with a due date, open and done.
	Tasks DueTasks `json:"tasks"`
}

// EngineerAnswer is the engineer's answer as recorded.
type EngineerAnswer struct {
	Text  string    `json:"text"`
	Clear bool      `json:"clear"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// DisputeHandoff is the hand-off to the claims department.
type DisputeHandoff struct {
	Reason string    `json:"reason"`
	Mode   string    `json:"mode"`
	Claim  *CaseLink `json:"claim,omitempty"`
	At     time.Time `json:"at"`
}
