package workflows

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// SLA policy names the telecom CASE uses.
const (
	PolicyTelecomUndispatched = "telecom.undispatched"
	PolicyTelecomUrgent       = "telecom.urgent"
	PolicyTelecomResolution   = "telecom.resolution"
	PolicyTelecomRepeatNotice = "telecom.repeat_notice"
	PolicyTelecomClosedQuiet  = "telecom.closed_quiet"
)

// Customer kinds of a telecom CASE.
const (
	TelecomB2C = "b2c"
	TelecomB2B = "b2b"
)

// Lines a repeat contact of a closed CASE is transferred to when the customer
// disagrees with the decision.
const (
	TelecomLineRetention = "retention" // линия Сохранения
	TelecomLineEquipment = "equipment" // линия Экспертов оборудования
)

// Repeat-contact rules (the seed's «Вопрос абонента по ранее созданному case»).
const (
	TelecomRuleTransfer    = "closed_disagrees_transfer" // 1: closed, the customer disagrees
	TelecomRuleClosed      = "closed_informed"           // closed, the customer does not dispute it
	TelecomRuleRequeue     = "dispatch_requeue"          // 2: in a queue, overdue or insisting
	TelecomRuleComment     = "open_comment"              // 3: open, overdue or insisting
	TelecomRuleInformed    = "in_time_informed"          // not overdue, not insisting: the status only
	TelecomRuleRejected    = "reject_return_informed"    // returned to its creator: the creator acts
	TelecomRepeatMark      = "ПОВТОР"                    // marks the subject of a re-queued CASE
	TelecomRepeatComment   = "Повтор"                    // the comment of rule 3
	TelecomRejectedComment = "Возврат"                   // starts the comment a rejected return leaves
)

// Scripts the engine gives the operator to say. None promises a balance
// correction or a call-back (the seed's «Никогда абоненту не обещаем…»); a
// test checks every one. The case is "заявка" to the customer.
const (
	// TelecomRepeatPhrase is the seed's standard phrase of rules 2 and 3.
	TelecomRepeatPhrase = "Я внес(ла) комментарий в Вашу заявку, чтобы ускорить ее рассмотрение. Ожидайте, пожалуйста, уведомления в течение суток."
	// TelecomTransferScript announces the transfer of rule 1 (%s: the line).
	TelecomTransferScript = "Соединяю Вас со специалистами линии «%s»: они рассмотрят Ваше несогласие с решением по заявке № %s."
	// TelecomClosedScript is the status of a closed CASE the customer does not dispute.
	TelecomClosedScript = "Ваша заявка № %s рассмотрена и закрыта."
	// TelecomInWorkScript is the status of a CASE within its resolution time.
	TelecomInWorkScript = "Ваша заявка № %s находится на рассмотрении, срок рассмотрения ещё не истёк."
	// TelecomNoDiscountScript answers a discount asked for again within the window.
	TelecomNoDiscountScript = "По этому вопросу скидка уже предоставлялась %s, повторно она не предоставляется."
)

// telecomScripts are every script the engine may return, with placeholder
// values, for the test that reads them all.
func telecomScripts() []string {
	return []string{
		TelecomRepeatPhrase,
		fmt.Sprintf(TelecomTransferScript, "Сохранения", "1"),
		fmt.Sprintf(TelecomClosedScript, "1"),
		fmt.Sprintf(TelecomInWorkScript, "1"),
		fmt.Sprintf(TelecomNoDiscountScript, "01.09.2026"),
	}
}

// DefaultTelecomDisagreeLines is the seed's mapping of categories to the line
// a customer who disagrees with a closed CASE is transferred to.
var DefaultTelecomDisagreeLines = map[string]string{
	"BackOffice":                TelecomLineRetention,
	"BackOffice Сохранения":     TelecomLineRetention,
	"Эксперты поддержка":        TelecomLineRetention,
	"Личный кабинет/mobile b2b": TelecomLineRetention,
	"Эксперты оборудования":     TelecomLineEquipment,
	"Личный кабинет/mobile b2c": TelecomLineEquipment,
}

// TelecomIntake opens a telecom CASE (seed 003).
type TelecomIntake struct {
	CommonIntake
	Category     string `json:"category" jsonschema:"description=the CASE's category: it picks the queue and the resolution time"`
	Subject      string `json:"subject"`
	CustomerKind string `json:"customer_kind" jsonschema:"enum=b2c,enum=b2b"`
	// CreatedBy is the operator who creates the CASE: its folder is theirs.
	CreatedBy string `json:"created_by" jsonschema:"description=the creating operator's API name: the CASE is in their folder"`
}

// Validate checks what the seed needs to create a CASE.
func (in *TelecomIntake) Validate() error {
	errs := []error{
		required("category", in.Category), required("subject", in.Subject),
		required("customer_kind", in.CustomerKind), oneOf("customer_kind", in.CustomerKind, TelecomB2C, TelecomB2B),
		required("description", in.Description), required("created_by", in.CreatedBy),
		checkAssigneeName("created_by", in.CreatedBy),
		// The subscriber's number: the discount records know the customer by it.
		validPhone("customer.phone", in.Customer.Phone),
	}
	if in.Channel != "" {
		errs = append(errs, oneOf("channel", in.Channel, Channels...))
	}
	return firstErr(errs...)
}

// subscriber is the customer as the discount records know them: the phone's
// digits, a Russian number's leading 8 written as 7.
func (in *TelecomIntake) subscriber() string {
	var b strings.Builder
	for _, r := range in.Customer.Phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) == 11 && d[0] == '8' {
		d = "7" + d[1:]
	}
	return d
}

// checkAssigneeName keeps a name fit for a task's assignee (and the task
// listing's query): printable, no quotes or backslashes.
func checkAssigneeName(field, v string) error {
	if strings.ContainsAny(v, "'\"\\\n\r\t") || len(v) > 200 {
		return fieldErr(field, "must be a name without quotes, backslashes or control characters, at most 200 characters")
	}
	return nil
}

// Memo is the CASE's title for the Temporal UI.
func (in *TelecomIntake) Memo() string {
	return fmt.Sprintf("CASE · %s · %s", in.Category, in.CustomerKind)
}

// TelecomInput starts a telecom CASE.
type TelecomInput = CaseInput[TelecomIntake, TelecomDirectory, TelecomOptions]

// TelecomDirectory is where a CASE goes: keys of the config's directory section.
type TelecomDirectory struct {
	Queues        map[string]string `json:"telecom_queues" doc:"CASE category → the queue «Направить» sends it to"`
	DefaultQueue  string            `json:"telecom_default_queue" doc:"the queue of categories no queue is named for"`
	RetentionLine Contact           `json:"telecom_retention_line" doc:"the Retention line (линия Сохранения): name and phone"`
	EquipmentLine Contact           `json:"telecom_equipment_line" doc:"the Equipment experts line (линия Экспертов оборудования): name and phone"`
}

// Validate requires the default queue and both lines.
func (d *TelecomDirectory) Validate() error {
	errs := []error{
		required("telecom_default_queue", d.DefaultQueue), checkAssigneeName("telecom_default_queue", d.DefaultQueue),
		required("telecom_retention_line.name", d.RetentionLine.Name),
		required("telecom_equipment_line.name", d.EquipmentLine.Name),
	}
	for _, k := range slices.Sorted(maps.Keys(d.Queues)) {
		errs = append(errs, required("telecom_queues."+k, d.Queues[k]), checkAssigneeName("telecom_queues."+k, d.Queues[k]))
	}
	return firstErr(errs...)
}

// Queue is the queue of a category.
func (d *TelecomDirectory) Queue(category string) string {
	if q, ok := d.Queues[category]; ok {
		return q
	}
	return d.DefaultQueue
}

// TelecomOptions are the CASE's switches: keys of the config's options section.
type TelecomOptions struct {
	Resolution          map[string]string `json:"telecom_resolution" doc:"CASE category → its resolution time, e.g. \"5 working days\" (the seed names none; other categories: the telecom.resolution policy)"`
	DisagreeLines       map[string]string `json:"telecom_disagree_lines" doc:"CASE category → retention | equipment: the line a customer who disagrees with a closed CASE is transferred to (default: the seed's list; other categories: retention)"`
	DiscountWindowMonth int               `json:"telecom_discount_window_months" doc:"no discount again on the same question within this many months (default 4: the seed says 3–4, the longer refuses the repeat)"`
}

// Validate fills the defaults and checks the durations and lines.
func (o *TelecomOptions) Validate() error {
	if o.DisagreeLines == nil {
		o.DisagreeLines = maps.Clone(DefaultTelecomDisagreeLines)
	}
	if o.DiscountWindowMonth == 0 {
		o.DiscountWindowMonth = 4
	}
	if o.DiscountWindowMonth < 0 {
		return fieldErr("telecom_discount_window_months", "must be 1 or more, not %d", o.DiscountWindowMonth)
	}
	for _, k := range slices.Sorted(maps.Keys(o.Resolution)) {
		if _, err := ParseDue("telecom_resolution."+k, o.Resolution[k], true); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o.DisagreeLines)) {
		if err := oneOf("telecom_disagree_lines."+k, o.DisagreeLines[k], TelecomLineRetention, TelecomLineEquipment); err != nil {
			return err
		}
	}
	return nil
}

// line is the line a customer who disagrees with a closed CASE of the category goes to.
func (o *TelecomOptions) line(category string) string {
	if l, ok := o.DisagreeLines[category]; ok {
		return l
	}
	return TelecomLineRetention
}

// Event data of the telecom CASE.
type (
	// TelecomNoteData carries an optional note.
	TelecomNoteData struct {
		Note string `json:"note,omitempty"`
	}
	// TelecomForwardData names the queue the CASE is forwarded to.
	TelecomForwardData struct {
		Queue string `json:"queue"`
		Note  string `json:"note,omitempty"`
	}
	// TelecomRejectData is why the CASE goes back to its creator.
	TelecomRejectData struct {
		Reason string `json:"reason"`
	}
	// TelecomCommentData is a comment on the CASE.
	TelecomCommentData struct {
		Text string `json:"text"`
	}
	// TelecomCloseData closes the CASE; Discount records a discount given.
	TelecomCloseData struct {
		Note     string `json:"note,omitempty"`
		Discount bool   `json:"discount,omitempty" jsonschema:"description=a discount was given on the CASE's question"`
	}
	// TelecomRepeatData is the customer's repeat contact about the CASE.
	TelecomRepeatData struct {
		CustomerInsists bool   `json:"customer_insists,omitempty" jsonschema:"description=the customer insists on a solution now"`
		Disagrees       bool   `json:"disagrees,omitempty" jsonschema:"description=the customer disagrees with the decision of the closed CASE"`
		Note            string `json:"note,omitempty"`
	}
)

// AuditNote is the note.
func (d *TelecomNoteData) AuditNote() string { return d.Note }

// AuditNote names the queue.
func (d *TelecomForwardData) AuditNote() string {
	return strings.TrimSpace("→ " + d.Queue + " " + d.Note)
}

// AuditNote is the reason.
func (d *TelecomRejectData) AuditNote() string { return d.Reason }

// AuditNote is the comment.
func (d *TelecomCommentData) AuditNote() string { return d.Text }

// AuditNote is the note and the discount.
func (d *TelecomCloseData) AuditNote() string {
	if d.Discount {
		return strings.TrimSpace(d.Note + " (скидка предоставлена)")
	}
	return d.Note
}

// AuditNote says what the customer wants.
func (d *TelecomRepeatData) AuditNote() string {
	return strings.TrimSpace(fmt.Sprintf("insists=%t disagrees=%t %s", d.CustomerInsists, d.Disagrees, d.Note))
}

// Validate requires the queue.
func (d *TelecomForwardData) Validate() error {
	return firstErr(required("queue", d.Queue), checkAssigneeName("queue", d.Queue))
}

// Validate requires the reason: the creator must read it.
func (d *TelecomRejectData) Validate() error { return required("reason", d.Reason) }

// Validate requires the text.
func (d *TelecomCommentData) Validate() error { return required("text", d.Text) }

// TelecomComment is a comment on the CASE.
type TelecomComment struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Text string    `json:"text"`
}

// TelecomRepeat is a repeat contact as the engine answered it.
type TelecomRepeat struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	State   string    `json:"state"`
	Overdue bool      `json:"overdue"`
	Insists bool      `json:"customer_insists"`
	Rule    string    `json:"rule"`
	Script  string    `json:"script"`
	// Line is the line the customer is transferred to (rule 1).
	Line    string   `json:"line,omitempty"`
	Contact *Contact `json:"contact,omitempty"`
}

// TelecomDiscountAnswer says whether a discount may be given on the CASE's question.
type TelecomDiscountAnswer struct {
	Allowed bool `json:"allowed"`
	// Last is the date of the discount within the window that refuses it.
	Last string `json:"last,omitempty"`
	// LastCase is the CASE that discount was given on.
	LastCase     string `json:"last_case,omitempty"`
	WindowMonths int    `json:"window_months"`
	Script       string `json:"script,omitempty"`
	// Basis says what the answer is drawn from.
	Basis string `json:"basis"`
}

// TelecomData is the CASE's part of the case view.
type TelecomData struct {
	Intake TelecomIntake `json:"intake"`
	// Subject is the current subject (marked ПОВТОР when re-queued).
	Subject string `json:"subject"`
	// Number is how the operator names the CASE to the customer: «заявка №…».
	Number       string           `json:"number"`
	Queue        string           `json:"queue"`
	DispatchedAt *time.Time       `json:"dispatched_at,omitempty"`
	AcceptedBy   string           `json:"accepted_by,omitempty"`
	Undispatched bool             `json:"undispatched_flag"`
	RejectReason string           `json:"reject_reason,omitempty"`
	Comments     []TelecomComment `json:"comments"`
	Repeats      []TelecomRepeat  `json:"repeats"`
	// Script is the last script the engine gave the operator to say.
	Script        string                `json:"script,omitempty"`
	Discount      TelecomDiscountAnswer `json:"discount"`
	DiscountGiven string                `json:"discount_given,omitempty"`
	ClosedAt      *time.Time            `json:"closed_at,omitempty"`
	Tasks         DueTasks              `json:"tasks"`
}
