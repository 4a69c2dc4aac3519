package workflows

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/caseflow/caseflow/activities"
)

// PolicyConsultationPostCall is the post-call window: a call's consultation is
// registered by call end + this.
const PolicyConsultationPostCall = "consultation.post_call"

// Sources of a consultation (GSIS «Источник»). Email, online_chat and usedesk are
// written contacts about an earlier request.
const (
	SourceCall       = "call"
	SourceEmail      = "email"
	SourceOnlineChat = "online_chat"
	SourceUsedesk    = "usedesk"
)

// Sources lists the consultation's sources.
var Sources = []string{SourceCall, SourceEmail, SourceOnlineChat, SourceUsedesk}

// Who calls when it is not the card's owner (GSIS «Звонок от»).
const (
	CallFromStore = "store" // a store's employee
	CallFromASC   = "asc"   // a service centre's (АСЦ) employee
	CallFromOther = "other" // someone else, not the card's owner
)

// Departments a request is handed to without holding the customer.
var Departments = []string{"VOC", "RC", "Naumen"}

// Values the seed prescribes for a consultation.
const (
	ServiceTypeConsultation = "консультация"
	RepeatL1                = "Политика"
	RepeatL2                = "Обслуживание"
)

// Advice a consultation records: what the customer was told (seed 002).
const (
	// AdviceCallBackWithData: the customer could not name the model, the purchase
	// or the delivery date.
	AdviceCallBackWithData = "call_back_with_data"
	// AdvicePrepareDocuments: advice on a fault was given.
	AdvicePrepareDocuments = "prepare_documents"
	// AdviceSupportPersonalData: wrong personal data in the account on the site.
	AdviceSupportPersonalData = "support_personal_data"
)

// consultationAdvice are the advice lines by code; %s is the support mailbox.
var consultationAdvice = map[string]string{
	AdviceCallBackWithData:    "Рекомендовано уточнить модель / дату покупки или дату доставки и перезвонить на горячую линию, подготовив документы о покупке, либо оформить заявку в приложении EVO или на сайте haieronline в разделе «Сервис и поддержка».",
	AdvicePrepareDocuments:    "Даны рекомендации по устранению неисправности. Если проблема сохранится, при повторном звонке подготовьте документы о покупке — они нужны для оформления заявки.",
	AdviceSupportPersonalData: "Неверные данные в личном кабинете на сайте haieronline.ru: напишите на %s с адреса, указанного при регистрации.",
}

// Rules of the GSIS form (seed 002), named in refusals with the seed's words.
const (
	RuleBrand            = "brand_required"
	RuleModel            = "model_when_needed"
	RuleCategory         = "category_when_clear"
	RulePurchase         = "purchase_when_needed"
	RuleMarketplace      = "marketplace_seller"
	RuleCategories       = "l1_l2_l3_required"
	RuleCallerNumber     = "caller_number"
	RuleCustomerCard     = "customer_card"
	RuleOriginalSR       = "original_sr_repeat"
	RuleOriginalSRClosed = "original_sr_not_when_closed"
	RulePKAct            = "original_sr_holds_pk_act"
	RulePriority         = "priority_normal"
	RuleDescription      = "description_required"
	RuleAbbreviations    = "approved_abbreviations"
	RuleQuestion         = "customer_question"
	RuleServiceDate      = "service_date"
	RuleServiceType      = "service_type_consultation"
	RuleRepeatEmail      = "repeat_email_in_card"
	RuleRepeatMatch      = "repeat_matches_request"
	RuleRepeatCategories = "repeat_l1_l2"
	RuleRepeatTicket     = "repeat_description_ticket"
	RuleRepeatToday      = "repeat_service_date_today"
	RuleSource           = "source"
)

// ruleWords are the seed's words of each rule.
var ruleWords = map[string]string{
	RuleBrand:            "Выбираем бренд, по которому обращается клиент",
	RuleModel:            "Вводим модель изделия — запрашиваем, если нужно для консультации",
	RuleCategory:         "Категорию товара нужно выбирать всегда, если она ясна из темы разговора",
	RulePurchase:         "Заполняем «Дату покупки» и «Продавец» — если нужно для консультации или клиент проговорил эти данные",
	RuleMarketplace:      "если покупка была на маркетплейсе, и клиент назвал продавца, то указываем именно продавца",
	RuleCategories:       "Выбираем категории L1\\ L2\\ L3",
	RuleCallerNumber:     "«Звонок От» — магазин/АСЦ, «номер звонившего» — номер телефона представителя",
	RuleCustomerCard:     "Обращение регистрируем в карточке клиента, а не на номер магазина",
	RuleOriginalSR:       "при повторном обращении по вопросу заявки\\консультации указываем номер исходного запроса",
	RuleOriginalSRClosed: "Если ранее вопрос был закрыт, то указывать SR предыдущей заявки/консультации не надо",
	RulePKAct:            "несколько заявок по одной и той же технике — выбираем исходный SR той заявки, где имеется АКТ ПК",
	RulePriority:         "Приоритет «обычный»",
	RuleDescription:      "Заполняем описание заказчика",
	RuleAbbreviations:    "оформлена без непонятных сокращений (допускается: СМА, ПММ, ТВ, ЭВН и т.д.)",
	RuleQuestion:         "содержать в себе всю информацию звонка, включая вопрос клиента, с которым он обратился",
	RuleServiceDate:      "Заполняем … дату обслуживания",
	RuleServiceType:      "Тип обслуживания — «консультация»",
	RuleRepeatEmail:      "Заполняем в карточке клиента «электронный адрес»",
	RuleRepeatMatch:      "«№ модели», «Серийный #», «Дата покупки», «Магазин» — должны быть идентичны заявке указанной клиентом",
	RuleRepeatCategories: "Выбираем категории L1\\ L2\\ L3 — Политика / Обслуживание",
	RuleRepeatTicket:     "Описание заказчика: пишем чат либо почта и добавляем ссылку на тикет",
	RuleRepeatToday:      "Дата обслуживания — сегодня",
	RuleSource:           "Выбираем источник — «Email» либо «Online chat»",
}

// ruleErr refuses a field under a rule of the seed, naming the rule.
func ruleErr(field, rule, format string, args ...any) *FieldError {
	return fieldErr(field, "%s (rule %s: «%s»)", fmt.Sprintf(format, args...), rule, ruleWords[rule])
}

// ConsultationFields are the GSIS consultation's fields (seed 002 «Порядок
// заполнения данных в GSIS»). The intake gives what is known when the contact
// starts; the registered event completes them.
type ConsultationFields struct {
	Brand string `json:"brand,omitempty"`
	Model string `json:"model,omitempty"`
	// ModelNeeded says the consultation needs the model (diagnostics, spare parts…).
	ModelNeeded bool   `json:"model_needed,omitempty" jsonschema:"description=the consultation needs the model"`
	Serial      string `json:"serial,omitempty"`
	Category    string `json:"category,omitempty"`
	// CategoryUnclear says the product category is not clear from the conversation.
	CategoryUnclear bool   `json:"category_unclear,omitempty" jsonschema:"description=the product category is not clear from the conversation"`
	PurchaseDate    string `json:"purchase_date,omitempty" jsonschema:"format=date"`
	// Seller is who sold the appliance: «ФМ» is enough for a brand store; for a
	// marketplace purchase the seller the customer named, not the marketplace.
	Seller      string `json:"seller,omitempty" jsonschema:"description=«ФМ» is enough for a brand store; a marketplace purchase names the seller on it"`
	Marketplace string `json:"marketplace,omitempty" jsonschema:"description=the marketplace the appliance was bought on"`
	// PurchaseNeeded says the consultation needs the purchase date and seller.
	PurchaseNeeded bool   `json:"purchase_needed,omitempty" jsonschema:"description=the consultation needs the purchase date and the seller"`
	L1             string `json:"l1,omitempty"`
	L2             string `json:"l2,omitempty"`
	L3             string `json:"l3,omitempty"`
	// CallFrom is set when the caller is not the card's owner.
	CallFrom     string `json:"call_from,omitempty" jsonschema:"enum=store,enum=asc,enum=other"`
	CallerNumber string `json:"caller_number,omitempty" jsonschema:"description=the representative's phone number"`
	// RepeatContact: the customer contacts again about a request or consultation.
	RepeatContact    bool   `json:"repeat_contact,omitempty"`
	OriginalSR       string `json:"original_sr,omitempty" jsonschema:"description=the earlier request or consultation (Исходный SR)"`
	OriginalSRClosed bool   `json:"original_sr_closed,omitempty" jsonschema:"description=the earlier question was closed: no original SR"`
	// ExchangeReturn: the question is an exchange or a return.
	ExchangeReturn bool `json:"exchange_return,omitempty"`
	// PKActSR is the request holding the ПК act when the customer has several
	// requests on the same appliance.
	PKActSR     string `json:"pk_act_sr,omitempty" jsonschema:"description=the request holding the АКТ ПК among several on the same appliance"`
	Priority    string `json:"priority,omitempty" jsonschema:"enum=обычный"`
	ServiceDate string `json:"service_date,omitempty" jsonschema:"format=date"`
	ServiceType string `json:"service_type,omitempty" jsonschema:"enum=консультация"`
	TicketURL   string `json:"ticket_url,omitempty" jsonschema:"format=uri,description=the chat or mail ticket (Usedesk)"`
	// Advice is what the customer was told.
	Advice []string `json:"advice,omitempty" jsonschema:"enum=call_back_with_data,enum=prepare_documents,enum=support_personal_data"`
	// LeadsToRequest: a store's or service centre's employee wants a service
	// request, or the consultation leads to one.
	LeadsToRequest bool `json:"leads_to_request,omitempty" jsonschema:"description=a store's or ASC's employee wants a request (or the consultation leads to one)"`
}

// complete fills the fields src gives: strings it sets replace, flags it sets
// stay set, advice adds up.
func (f *ConsultationFields) complete(src ConsultationFields) {
	dst, from := reflect.ValueOf(f).Elem(), reflect.ValueOf(src)
	for i := range dst.NumField() {
		d, s := dst.Field(i), from.Field(i)
		switch d.Kind() {
		case reflect.String:
			if s.String() != "" {
				d.SetString(s.String())
			}
		case reflect.Bool:
			d.SetBool(d.Bool() || s.Bool())
		}
	}
	for _, a := range src.Advice {
		if !slices.Contains(f.Advice, a) {
			f.Advice = append(f.Advice, a)
		}
	}
}

// ConsultationForm is the GSIS form a consultation registers: its fields, the
// customer's card and the description («описание заказчика»).
type ConsultationForm struct {
	ConsultationFields
	Customer    Customer `json:"customer"`
	Description string   `json:"description"`
}

// formCheck is what a form is checked against besides itself.
type formCheck struct {
	// source is the contact's source; "" for event data checked on its own.
	source string
	// complete checks a registration: every required field. Without it only the
	// values given are checked.
	complete bool
	// opts are the type's options; nil leaves their rules to the registration.
	opts *ConsultationOptions
	// today is the contact's date (YYYY-MM-DD); "" skips the rules that need it.
	today string
	// request is the earlier request as the records hold it; nil when unknown.
	request *activities.RequestOnRecord
}

// written reports whether a source is a written contact about an earlier request.
func written(source string) bool {
	return source == SourceEmail || source == SourceOnlineChat || source == SourceUsedesk
}

// check applies the rules of seed 002 a machine can check. Errors name the
// field and the rule.
func (f *ConsultationForm) check(c formCheck) error {
	errs := f.checkValues(c)
	if c.complete {
		errs = append(errs, f.checkComplete(c)...)
	}
	return firstErr(errs...)
}

// checkValues checks the values given, whatever else is missing.
func (f *ConsultationForm) checkValues(c formCheck) []error {
	var errs []error
	if f.CallFrom != "" {
		errs = append(errs, oneOf("call_from", f.CallFrom, CallFromStore, CallFromASC, CallFromOther))
	}
	if f.CallerNumber != "" {
		errs = append(errs, validPhone("caller_number", f.CallerNumber))
	}
	if f.Customer.Phone != "" {
		errs = append(errs, validPhone("customer.phone", f.Customer.Phone))
	}
	if f.Customer.Email != "" {
		errs = append(errs, validEmail("customer.email", f.Customer.Email))
	}
	errs = append(errs, isoDate("purchase_date", f.PurchaseDate), isoDate("service_date", f.ServiceDate))
	if f.Priority != "" && !strings.EqualFold(f.Priority, PriorityNormal) {
		errs = append(errs, ruleErr("priority", RulePriority, "must be %q, not %q", PriorityNormal, f.Priority))
	}
	if f.ServiceType != "" && !strings.EqualFold(f.ServiceType, ServiceTypeConsultation) {
		errs = append(errs, ruleErr("service_type", RuleServiceType, "must be %q, not %q", ServiceTypeConsultation, f.ServiceType))
	}
	if f.OriginalSRClosed && f.OriginalSR != "" && !written(c.source) {
		errs = append(errs, ruleErr("original_sr", RuleOriginalSRClosed, "must be empty: the earlier question was closed"))
	}
	if f.ExchangeReturn && f.PKActSR != "" && f.OriginalSR != "" && !strings.EqualFold(f.OriginalSR, f.PKActSR) {
		errs = append(errs, ruleErr("original_sr", RulePKAct, "must be %s, the request holding the ПК act, not %s", f.PKActSR, f.OriginalSR))
	}
	if f.TicketURL != "" {
		if u, err := url.Parse(f.TicketURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fieldErr("ticket_url", "must be the ticket's http(s) link, not %q", f.TicketURL))
		}
	}
	for i, a := range f.Advice {
		errs = append(errs, oneOf(fmt.Sprintf("advice[%d]", i), a, AdviceCallBackWithData, AdvicePrepareDocuments, AdviceSupportPersonalData))
	}
	if (f.CallFrom == CallFromStore || f.CallFrom == CallFromASC) && f.CallerNumber != "" && f.Customer.Phone != "" &&
		digits(f.CallerNumber) == digits(f.Customer.Phone) {
		errs = append(errs, ruleErr("customer.phone", RuleCustomerCard, "must be the customer's own number, not the representative's %s", f.CallerNumber))
	}
	if c.opts != nil && f.Seller != "" {
		if m := c.opts.marketplace(f.Seller); m != "" {
			errs = append(errs, ruleErr("seller", RuleMarketplace, "%q is a marketplace: name the seller on it (the marketplace goes to marketplace; leave seller empty if the customer did not name one)", m))
		}
	}
	return errs
}

// checkComplete checks what a registration requires.
func (f *ConsultationForm) checkComplete(c formCheck) []error {
	var errs []error
	advised := slices.Contains(f.Advice, AdviceCallBackWithData)
	errs = append(errs, ruleRequired("brand", f.Brand, RuleBrand))
	if f.ModelNeeded && f.Model == "" && !advised {
		errs = append(errs, ruleErr("model", RuleModel, "is required: the consultation needs the model; if the customer could not name it, record the advice %s", AdviceCallBackWithData))
	}
	if f.Category == "" && !f.CategoryUnclear {
		errs = append(errs, ruleErr("category", RuleCategory, "is required unless category_unclear says the conversation did not make it clear"))
	}
	if f.PurchaseNeeded && !advised {
		if f.PurchaseDate == "" {
			errs = append(errs, ruleErr("purchase_date", RulePurchase, "is required: the consultation needs it; if the customer could not name it, record the advice %s", AdviceCallBackWithData))
		}
		if f.Seller == "" && f.Marketplace == "" {
			errs = append(errs, ruleErr("seller", RulePurchase, "is required: the consultation needs it («ФМ» is enough for a brand store)"))
		}
	}
	errs = append(errs, ruleRequired("l1", f.L1, RuleCategories), ruleRequired("l2", f.L2, RuleCategories), ruleRequired("l3", f.L3, RuleCategories))
	if f.CallFrom == CallFromStore || f.CallFrom == CallFromASC {
		errs = append(errs, ruleRequired("caller_number", f.CallerNumber, RuleCallerNumber))
	}
	if written(c.source) {
		errs = append(errs, f.checkRepeat(c)...)
	} else {
		errs = append(errs, ruleRequired("customer.phone", f.Customer.Phone, RuleCustomerCard))
		if f.RepeatContact && !f.OriginalSRClosed {
			errs = append(errs, ruleRequired("original_sr", f.OriginalSR, RuleOriginalSR))
		}
	}
	if f.ExchangeReturn && f.PKActSR != "" {
		errs = append(errs, ruleRequired("original_sr", f.OriginalSR, RulePKAct))
	}
	errs = append(errs, ruleRequired("description", f.Description, RuleDescription))
	if c.opts != nil && f.Description != "" {
		if bad := c.opts.unapproved(f.Description); len(bad) > 0 {
			errs = append(errs, ruleErr("description", RuleAbbreviations, "uses abbreviations that are not approved: %s (approved: %s)",
				strings.Join(bad, ", "), strings.Join(c.opts.abbreviations(), ", ")))
		}
		if !written(c.source) && !c.opts.asksQuestion(f.Description) {
			errs = append(errs, ruleErr("description", RuleQuestion, "must include the customer's question (none of %q found)", c.opts.questionMarkers()))
		}
	}
	errs = append(errs, ruleRequired("service_date", f.ServiceDate, RuleServiceDate), ruleRequired("service_type", f.ServiceType, RuleServiceType),
		ruleRequired("priority", f.Priority, RulePriority))
	return errs
}

// checkRepeat checks a written contact about an earlier request.
func (f *ConsultationForm) checkRepeat(c formCheck) []error {
	errs := []error{ruleRequired("customer.email", f.Customer.Email, RuleRepeatEmail), ruleRequired("original_sr", f.OriginalSR, RuleOriginalSR)}
	if !strings.EqualFold(f.L1, RepeatL1) && f.L1 != "" {
		errs = append(errs, ruleErr("l1", RuleRepeatCategories, "must be %q, not %q", RepeatL1, f.L1))
	}
	if !strings.EqualFold(f.L2, RepeatL2) && f.L2 != "" {
		errs = append(errs, ruleErr("l2", RuleRepeatCategories, "must be %q, not %q", RepeatL2, f.L2))
	}
	errs = append(errs, ruleRequired("ticket_url", f.TicketURL, RuleRepeatTicket))
	if f.TicketURL != "" && f.Description != "" {
		low := strings.ToLower(f.Description)
		channel := strings.Contains(low, "чат") || strings.Contains(low, "почт") || strings.Contains(low, "тикет")
		if !strings.Contains(f.Description, f.TicketURL) || !channel {
			errs = append(errs, ruleErr("description", RuleRepeatTicket, "must name the channel (чат / почта) and carry the ticket link %s, e.g. «тикет %s»", f.TicketURL, f.TicketURL))
		}
	}
	if c.today != "" && f.ServiceDate != "" && f.ServiceDate != c.today {
		errs = append(errs, ruleErr("service_date", RuleRepeatToday, "must be today, %s, not %s", c.today, f.ServiceDate))
	}
	if r := c.request; r != nil && r.Found && strings.EqualFold(r.Number, f.OriginalSR) {
		for _, m := range []struct{ field, recorded, given string }{
			{"model", r.Model, f.Model}, {"serial", r.Serial, f.Serial},
			{"purchase_date", r.PurchaseDate, f.PurchaseDate}, {"seller", r.Store, f.Seller},
		} {
			if m.recorded != "" && m.given != "" && !sameValue(m.recorded, m.given) {
				errs = append(errs, ruleErr(m.field, RuleRepeatMatch, "must match request %s, which records %q, not %q", r.Number, m.recorded, m.given))
			}
		}
	}
	return errs
}

// ruleRequired refuses an empty field under a rule.
func ruleRequired(field, v, rule string) error {
	if strings.TrimSpace(v) == "" {
		return ruleErr(field, rule, "is required")
	}
	return nil
}

// sameValue compares two spellings of a value: case and spacing aside.
func sameValue(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// digits is a phone number's digits.
func digits(phone string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
}

// ConsultationIntake opens a consultation: when the call starts (or the chat or
// mail arrives), with what is known then. A call transferred to a line in
// options.unregistered_transfers is not registered.
type ConsultationIntake struct {
	CommonIntake
	ConsultationFields
	Source string `json:"source" jsonschema:"enum=call,enum=email,enum=online_chat,enum=usedesk"`
	// TransferredTo is the line the call was transferred to, when known at intake.
	TransferredTo string `json:"transferred_to,omitempty" jsonschema:"description=the line the call was transferred to (casarte, b2b, service_experts, computer_equipment get no consultation)"`
	// CallEndedAt is when the call ended, when the intake comes after it.
	CallEndedAt string `json:"call_ended_at,omitempty" jsonschema:"format=date-time"`
}

// channelOf is the intake channels each source agrees with.
var channelOf = map[string][]string{
	SourceCall: {ChannelPhone}, SourceEmail: {ChannelEmail}, SourceOnlineChat: {ChannelChat},
	SourceUsedesk: {ChannelChat, ChannelEmail, ChannelWebForm},
}

// Validate checks the intake: its source, the values given and what a written
// contact needs to be looked up. The registration's rules wait for the
// registered event, when the form is complete.
func (in *ConsultationIntake) Validate() error {
	if err := required("source", in.Source); err != nil {
		return err
	}
	if err := oneOf("source", in.Source, Sources...); err != nil {
		return err
	}
	errs := []error{}
	if in.Channel != "" {
		errs = append(errs, oneOf("channel", in.Channel, channelOf[in.Source]...))
	}
	if in.Product != (Product{}) {
		errs = append(errs, fieldErr("product", "a consultation takes the GSIS fields brand, model, serial, category, purchase_date and seller at the top level"))
	}
	if in.TransferredTo != "" && !isToken(in.TransferredTo) {
		errs = append(errs, fieldErr("transferred_to", "must be a line's name in lower case (casarte, b2b, service_experts, computer_equipment, …), not %q", in.TransferredTo))
	}
	if in.CallEndedAt != "" {
		if in.Source != SourceCall {
			errs = append(errs, fieldErr("call_ended_at", "only a call ends: source is %s", in.Source))
		} else if _, err := time.Parse(time.RFC3339, in.CallEndedAt); err != nil {
			errs = append(errs, fieldErr("call_ended_at", "must be an RFC 3339 time, not %q", in.CallEndedAt))
		}
	}
	if written(in.Source) {
		errs = append(errs, ruleRequired("original_sr", in.OriginalSR, RuleOriginalSR))
	}
	form := in.form()
	errs = append(errs, form.check(formCheck{source: in.Source}))
	return firstErr(errs...)
}

// form is the intake's part of the GSIS form.
func (in *ConsultationIntake) form() ConsultationForm {
	f := ConsultationForm{ConsultationFields: in.ConsultationFields, Customer: in.Customer, Description: in.Description}
	f.Advice = slices.Clone(f.Advice)
	return f
}

// Memo is the case's title for the Temporal UI: source, brand and category.
func (in *ConsultationIntake) Memo() string {
	return strings.TrimSpace(fmt.Sprintf("Консультация · %s · %s %s", in.Source, in.Brand, in.Category))
}

// isToken reports whether v is a lower-case name: letters, digits, underscores.
func isToken(v string) bool {
	for _, r := range v {
		if !(r == '_' || unicode.IsDigit(r) || (unicode.IsLetter(r) && unicode.IsLower(r))) {
			return false
		}
	}
	return v != ""
}

// ConsultationInput starts a consultation.
type ConsultationInput = CaseInput[ConsultationIntake, ConsultationDirectory, ConsultationOptions]

// ConsultationDirectory is whom a consultation writes to: the redirect
// mailboxes, the same key and shape the PLC case reads.
type ConsultationDirectory struct {
	Redirects Redirects `json:"redirects" doc:"mailboxes: shop_help (a store employee's request), call_center (an ASC employee's request), support (wrong personal data on the site); the PLC case reads the same key"`
}

// Validate requires the mailboxes a consultation routes to.
func (d *ConsultationDirectory) Validate() error {
	return firstErr(
		required("redirects.shop_help", d.Redirects.ShopHelp),
		required("redirects.call_center", d.Redirects.CallCenter),
		required("redirects.support", d.Redirects.Support),
	)
}

// Defaults of the consultation's options.
var (
	DefaultApprovedAbbreviations = []string{"СМА", "ПММ", "ТВ", "ЭВН"}
	DefaultQuestionMarkers       = []string{"?", "вопрос", "интересу", "спрашива", "уточня", "просит", "хочет узнать"}
	DefaultMarketplaces          = []string{"Ozon", "Озон", "Wildberries", "Вайлдберриз", "WB", "Яндекс Маркет", "Яндекс.Маркет", "Мегамаркет", "СберМегаМаркет", "AliExpress"}
	DefaultUnregisteredTransfers = []string{"casarte", "b2b", "service_experts", "computer_equipment"}
)

// ConsultationOptions are the consultation's switches: keys of the config's
// options section. An absent key takes its default; an empty list is empty.
type ConsultationOptions struct {
	ApprovedAbbreviations []string `json:"approved_abbreviations" doc:"abbreviations a consultation's description may use (a word in Cyrillic capitals is an abbreviation); default СМА, ПММ, ТВ, ЭВН"`
	QuestionMarkers       []string `json:"question_markers" doc:"the description includes the customer's question when it contains one of these (lower-case substrings); default ?, вопрос, интересу, спрашива, уточня, просит, хочет узнать"`
	Marketplaces          []string `json:"marketplaces" doc:"marketplaces whose name is not a seller: a marketplace purchase names the seller on it; default Ozon, Wildberries, Яндекс Маркет, Мегамаркет, AliExpress…"`
	UnregisteredTransfers []string `json:"unregistered_transfers" doc:"lines whose transferred calls get no consultation; default casarte, b2b, service_experts, computer_equipment (seed 002, memos of 10.07.2025 and 22.10.2025)"`
}

// Validate refuses empty entries and lines that are not lower-case names.
func (o *ConsultationOptions) Validate() error {
	var errs []error
	for _, l := range []struct {
		name string
		list []string
	}{{"approved_abbreviations", o.ApprovedAbbreviations}, {"question_markers", o.QuestionMarkers}, {"marketplaces", o.Marketplaces}} {
		for i, v := range l.list {
			errs = append(errs, required(fmt.Sprintf("%s[%d]", l.name, i), v))
		}
	}
	for i, v := range o.UnregisteredTransfers {
		if !isToken(v) {
			errs = append(errs, fieldErr(fmt.Sprintf("unregistered_transfers[%d]", i), "must be a line's name in lower case, not %q", v))
		}
	}
	return firstErr(errs...)
}

func orDefault(v, def []string) []string {
	if v == nil {
		return def
	}
	return v
}

func (o *ConsultationOptions) abbreviations() []string {
	return orDefault(o.ApprovedAbbreviations, DefaultApprovedAbbreviations)
}

func (o *ConsultationOptions) questionMarkers() []string {
	return orDefault(o.QuestionMarkers, DefaultQuestionMarkers)
}

// unregistered reports whether calls transferred to line get no consultation.
func (o *ConsultationOptions) unregistered(line string) bool {
	return slices.Contains(orDefault(o.UnregisteredTransfers, DefaultUnregisteredTransfers), line)
}

// marketplace is the marketplace a seller names, "" when it names none.
func (o *ConsultationOptions) marketplace(seller string) string {
	norm := func(s string) string {
		return strings.Join(strings.Fields(strings.ReplaceAll(strings.ToLower(s), ".", " ")), " ")
	}
	for _, m := range orDefault(o.Marketplaces, DefaultMarketplaces) {
		if norm(m) == norm(seller) {
			return m
		}
	}
	return ""
}

// unapproved lists the abbreviations of a text that are not approved: words of
// two or more Cyrillic capitals. Links, and words with digits (models), are not
// words here.
func (o *ConsultationOptions) unapproved(text string) []string {
	var bad []string
	for _, field := range strings.Fields(text) {
		if strings.Contains(field, "://") {
			continue
		}
		for _, w := range strings.FieldsFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if abbreviation(w) && !slices.ContainsFunc(o.abbreviations(), func(a string) bool { return strings.EqualFold(a, w) }) && !slices.Contains(bad, w) {
				bad = append(bad, w)
			}
		}
	}
	return bad
}

// abbreviation reports whether a word is two or more Cyrillic capitals.
func abbreviation(w string) bool {
	n := 0
	for _, r := range w {
		if !unicode.Is(unicode.Cyrillic, r) || !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2
}

// asksQuestion reports whether a description includes the customer's question.
func (o *ConsultationOptions) asksQuestion(text string) bool {
	low := strings.ToLower(text)
	return slices.ContainsFunc(o.questionMarkers(), func(m string) bool { return strings.Contains(low, strings.ToLower(m)) })
}

// Event data of the consultation.
type (
	// CallEndedData is the call's end, from the telephony: when, and the line it
	// was transferred to, if any.
	CallEndedData struct {
		// At is when the call ended (RFC 3339); empty: now.
		At            string `json:"at,omitempty" jsonschema:"format=date-time"`
		TransferredTo string `json:"transferred_to,omitempty" jsonschema:"description=the line the call was transferred to (casarte, b2b, service_experts, computer_equipment get no consultation)"`
	}
	// HandedOverData is a request handed to a related department. The customer
	// is not held: a call ends and the registration goes on in post-call.
	HandedOverData struct {
		Department string `json:"department" jsonschema:"enum=VOC,enum=RC,enum=Naumen"`
		// CustomerHeld reports that the customer was put on hold anyway (a breach
		// of the seed's rule, recorded).
		CustomerHeld bool   `json:"customer_held,omitempty"`
		Note         string `json:"note,omitempty"`
	}
	// ConsultationRegisteredData completes the GSIS form, during the contact or in
	// post-call: given fields complete the intake's.
	ConsultationRegisteredData struct {
		ConsultationFields
		// Customer completes the customer's card.
		Customer    *Customer `json:"customer,omitempty"`
		Description string    `json:"description,omitempty" jsonschema:"description=описание заказчика: the whole call, the customer's question included"`
	}
	// ConsultationCompleteData says the chat or ticket closed: «Завершено».
	ConsultationCompleteData struct {
		// ClosedAt is when the chat or ticket closed (RFC 3339); empty: now.
		ClosedAt string `json:"closed_at,omitempty" jsonschema:"format=date-time"`
		Note     string `json:"note,omitempty"`
	}
	// ConsultationCancelData withdraws a consultation.
	ConsultationCancelData struct {
		Reason string `json:"reason"`
	}
)

// Validate checks the end's time and the line.
func (d *CallEndedData) Validate() error {
	if d.At != "" {
		if _, err := time.Parse(time.RFC3339, d.At); err != nil {
			return fieldErr("at", "must be an RFC 3339 time, not %q", d.At)
		}
	}
	if d.TransferredTo != "" && !isToken(d.TransferredTo) {
		return fieldErr("transferred_to", "must be a line's name in lower case, not %q", d.TransferredTo)
	}
	return nil
}

// AuditNote is the line the call went to, if any.
func (d *CallEndedData) AuditNote() string {
	if d.TransferredTo != "" {
		return "transferred to " + d.TransferredTo
	}
	return ""
}

// Validate requires a known department.
func (d *HandedOverData) Validate() error {
	if err := required("department", d.Department); err != nil {
		return err
	}
	return oneOf("department", d.Department, Departments...)
}

// AuditNote is the department, and a hold if there was one.
func (d *HandedOverData) AuditNote() string {
	held := "customer not held"
	if d.CustomerHeld {
		held = "customer HELD (against the seed's rule)"
	}
	return strings.TrimSpace(fmt.Sprintf("%s, %s. %s", d.Department, held, d.Note))
}

// Validate checks the values given; the registration's rules are checked
// against the whole form when the event reaches the case.
func (d *ConsultationRegisteredData) Validate() error {
	f := ConsultationForm{ConsultationFields: d.ConsultationFields, Description: d.Description}
	if d.Customer != nil {
		f.Customer = *d.Customer
	}
	return f.check(formCheck{})
}

// Validate checks the time.
func (d *ConsultationCompleteData) Validate() error {
	if d.ClosedAt != "" {
		if _, err := time.Parse(time.RFC3339, d.ClosedAt); err != nil {
			return fieldErr("closed_at", "must be an RFC 3339 time, not %q", d.ClosedAt)
		}
	}
	return nil
}

// AuditNote is the note.
func (d *ConsultationCompleteData) AuditNote() string { return d.Note }

// Validate requires the reason.
func (d *ConsultationCancelData) Validate() error { return required("reason", d.Reason) }

// AuditNote is the reason.
func (d *ConsultationCancelData) AuditNote() string { return d.Reason }

// HandOff is a request handed to a related department.
type HandOff struct {
	Department   string    `json:"department"`
	At           time.Time `json:"at"`
	By           string    `json:"by"`
	CustomerHeld bool      `json:"customer_held"`
	Note         string    `json:"note,omitempty"`
}

// AdviceLine is advice the customer was given.
type AdviceLine struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// Routing is a letter that routed a request to a mailbox.
type Routing struct {
	Mailbox string `json:"mailbox"`
	Reason  string `json:"reason"`
	Sent    bool   `json:"sent"`
}

// ConsultationData is the consultation's part of the case view.
type ConsultationData struct {
	Intake ConsultationIntake `json:"intake"`
	// Form is the GSIS form as registered.
	Form *ConsultationForm `json:"form,omitempty"`
	// Number is the GSIS consultation's number.
	Number string `json:"number,omitempty"`
	// Request is the earlier request as the records hold it (written contacts).
	Request     *activities.RequestOnRecord `json:"request,omitempty"`
	CallEndedAt *time.Time                  `json:"call_ended_at,omitempty"`
	// TransferredTo is the line the call went to; NotRegistered says why a
	// transferred call gets no consultation.
	TransferredTo string       `json:"transferred_to,omitempty"`
	NotRegistered string       `json:"not_registered,omitempty"`
	HandOffs      []HandOff    `json:"hand_offs"`
	Advice        []AdviceLine `json:"advice"`
	Routed        []Routing    `json:"routed"`
	// RegisteredIn is the state the registration came in: in_call, post_call or
	// in_contact; Late is set when it came after the post-call deadline.
	RegisteredIn   string     `json:"registered_in,omitempty"`
	RegisteredAt   *time.Time `json:"registered_at,omitempty"`
	RegisteredBy   string     `json:"registered_by,omitempty"`
	Late           bool       `json:"late"`
	TicketClosedAt *time.Time `json:"ticket_closed_at,omitempty"`
	CompletedAt    *time.Time `json:"completed_at,omitempty"`
	CancelReason   string     `json:"cancel_reason,omitempty"`
}
