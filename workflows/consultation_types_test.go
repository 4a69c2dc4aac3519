package workflows

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/activities"
)

// validCallForm is a complete call registration that every rule accepts.
func validCallForm() ConsultationForm {
	return ConsultationForm{
		ConsultationFields: ConsultationFields{
			Brand: "Haier", Model: "HW60-BP12959A", Category: "washing_machine", L1: "Консультация", L2: "Эксплуатация", L3: "Режимы",
			Priority: PriorityNormal, ServiceDate: "2026-11-23", ServiceType: ServiceTypeConsultation,
		},
		Customer:    Customer{Phone: "+7 926 111-22-33"},
		Description: "Клиент интересуется, какой режим СМА выбрать для пуховика.",
	}
}

// validChatForm is a complete registration of a chat about SR-000001.
func validChatForm() ConsultationForm {
	return ConsultationForm{
		ConsultationFields: ConsultationFields{
			Brand: "Haier", Model: "HW60-BP12959A", Serial: "SN-42", PurchaseDate: "2025-03-01", Seller: "М.Видео",
			Category: "washing_machine", L1: RepeatL1, L2: RepeatL2, L3: "Статус заявки", RepeatContact: true, OriginalSR: "SR-000001",
			Priority: PriorityNormal, ServiceDate: "2026-11-23", ServiceType: ServiceTypeConsultation,
			TicketURL: "https://secure.usedesk.ru/tickets/149421403",
		},
		Customer:    Customer{Email: "sidorova@example.com"},
		Description: "чат, тикет https://secure.usedesk.ru/tickets/149421403",
	}
}

// onRecord is SR-000001 as the records hold it.
var onRecord = &activities.RequestOnRecord{Number: "SR-000001", Found: true, Model: "HW60-BP12959A", Serial: "sn-42", PurchaseDate: "2025-03-01", Store: "М.Видео"}

// TestConsultationFormRules checks each rule of seed 002 that a registration
// must pass: every refusal names its field and its rule.
func TestConsultationFormRules(t *testing.T) {
	rows := []struct {
		name   string
		chat   bool
		change func(f *ConsultationForm)
		// field and rule of the refusal; "" accepts.
		field, rule string
	}{
		{name: "a complete call"},
		{name: "a complete chat", chat: true},
		{name: "brand required", change: func(f *ConsultationForm) { f.Brand = "" }, field: "brand", rule: RuleBrand},
		{name: "model when the consultation needs it", change: func(f *ConsultationForm) { f.Model, f.ModelNeeded = "", true }, field: "model", rule: RuleModel},
		{name: "no model needed, none given", change: func(f *ConsultationForm) { f.Model = "" }},
		{name: "model needed, the customer told to call back with it", change: func(f *ConsultationForm) {
			f.Model, f.ModelNeeded, f.Advice = "", true, []string{AdviceCallBackWithData}
		}},
		{name: "category when clear", change: func(f *ConsultationForm) { f.Category = "" }, field: "category", rule: RuleCategory},
		{name: "category not clear", change: func(f *ConsultationForm) { f.Category, f.CategoryUnclear = "", true }},
		{name: "purchase date when needed", change: func(f *ConsultationForm) { f.PurchaseNeeded, f.Seller = true, "ФМ" }, field: "purchase_date", rule: RulePurchase},
		{name: "seller when needed", change: func(f *ConsultationForm) { f.PurchaseNeeded, f.PurchaseDate = true, "2025-03-01" }, field: "seller", rule: RulePurchase},
		{name: "ФМ is enough for a brand store", change: func(f *ConsultationForm) { f.PurchaseNeeded, f.PurchaseDate, f.Seller = true, "2025-03-01", "ФМ" }},
		{name: "purchase needed, the customer told to call back with it", change: func(f *ConsultationForm) {
			f.PurchaseNeeded, f.Advice = true, []string{AdviceCallBackWithData}
		}},
		{name: "a marketplace is not a seller", change: func(f *ConsultationForm) { f.Seller = "Wildberries" }, field: "seller", rule: RuleMarketplace},
		{name: "a marketplace is not a seller, however spelt", change: func(f *ConsultationForm) { f.Seller = "яндекс.маркет" }, field: "seller", rule: RuleMarketplace},
		{name: "the seller on a marketplace", change: func(f *ConsultationForm) { f.Seller, f.Marketplace = "ИП Петров", "Wildberries" }},
		{name: "l1 required", change: func(f *ConsultationForm) { f.L1 = "" }, field: "l1", rule: RuleCategories},
		{name: "l2 required", change: func(f *ConsultationForm) { f.L2 = "" }, field: "l2", rule: RuleCategories},
		{name: "l3 required", change: func(f *ConsultationForm) { f.L3 = " " }, field: "l3", rule: RuleCategories},
		{name: "a store calls: the caller's number", change: func(f *ConsultationForm) { f.CallFrom = CallFromStore }, field: "caller_number", rule: RuleCallerNumber},
		{name: "an ASC calls: the caller's number", change: func(f *ConsultationForm) { f.CallFrom = CallFromASC }, field: "caller_number", rule: RuleCallerNumber},
		{name: "a store calls, registered in the customer's card", change: func(f *ConsultationForm) { f.CallFrom, f.CallerNumber = CallFromStore, "+7 495 222-33-44" }},
		{name: "never on the store's number", change: func(f *ConsultationForm) {
			f.CallFrom, f.CallerNumber, f.Customer.Phone = CallFromStore, "+7 (495) 222-33-44", "+7 495 222 33 44"
		}, field: "customer.phone", rule: RuleCustomerCard},
		{name: "the customer's card", change: func(f *ConsultationForm) { f.Customer.Phone = "" }, field: "customer.phone", rule: RuleCustomerCard},
		{name: "call from someone unknown", change: func(f *ConsultationForm) { f.CallFrom = "neighbour" }, field: "call_from"},
		{name: "original SR of a repeat contact", change: func(f *ConsultationForm) { f.RepeatContact = true }, field: "original_sr", rule: RuleOriginalSR},
		{name: "a repeat contact about a closed question", change: func(f *ConsultationForm) { f.RepeatContact, f.OriginalSRClosed = true, true }},
		{name: "no original SR when it was closed", change: func(f *ConsultationForm) {
			f.RepeatContact, f.OriginalSRClosed, f.OriginalSR = true, true, "SR-000001"
		}, field: "original_sr", rule: RuleOriginalSRClosed},
		{name: "exchange: the request holding the ПК act", change: func(f *ConsultationForm) {
			f.ExchangeReturn, f.PKActSR, f.OriginalSR = true, "SR-000002", "SR-000001"
		}, field: "original_sr", rule: RulePKAct},
		{name: "exchange: the ПК act's request named", change: func(f *ConsultationForm) { f.ExchangeReturn, f.PKActSR = true, "SR-000002" }, field: "original_sr", rule: RulePKAct},
		{name: "exchange: the ПК act's request", change: func(f *ConsultationForm) { f.ExchangeReturn, f.PKActSR, f.OriginalSR = true, "SR-000002", "sr-000002" }},
		{name: "priority обычный", change: func(f *ConsultationForm) { f.Priority = "срочный" }, field: "priority", rule: RulePriority},
		{name: "service type консультация", change: func(f *ConsultationForm) { f.ServiceType = "заявка" }, field: "service_type", rule: RuleServiceType},
		{name: "service date required", change: func(f *ConsultationForm) { f.ServiceDate = "" }, field: "service_date", rule: RuleServiceDate},
		{name: "service date is a date", change: func(f *ConsultationForm) { f.ServiceDate = "23.11.2026" }, field: "service_date"},
		{name: "description required", change: func(f *ConsultationForm) { f.Description = "" }, field: "description", rule: RuleDescription},
		{name: "no unapproved abbreviation", change: func(f *ConsultationForm) { f.Description = "Клиент спрашивает про ХЛД." }, field: "description", rule: RuleAbbreviations},
		{name: "approved abbreviations, models and Latin names", change: func(f *ConsultationForm) {
			f.Description = "Клиент спрашивает, подключается ли ТВ HW60-BP12959A по HDMI и USB, и про ЭВН."
		}},
		{name: "the customer's question", change: func(f *ConsultationForm) { f.Description = "Проведена консультация." }, field: "description", rule: RuleQuestion},
		{name: "advice is a known code", change: func(f *ConsultationForm) { f.Advice = []string{"be_nice"} }, field: "advice[0]"},
		{name: "chat: the e-mail in the card", chat: true, change: func(f *ConsultationForm) { f.Customer.Email = "" }, field: "customer.email", rule: RuleRepeatEmail},
		{name: "chat: the request named", chat: true, change: func(f *ConsultationForm) { f.OriginalSR = "" }, field: "original_sr", rule: RuleOriginalSR},
		{name: "chat: L1 Политика", chat: true, change: func(f *ConsultationForm) { f.L1 = "Консультация" }, field: "l1", rule: RuleRepeatCategories},
		{name: "chat: L2 Обслуживание", chat: true, change: func(f *ConsultationForm) { f.L2 = "Эксплуатация" }, field: "l2", rule: RuleRepeatCategories},
		{name: "chat: the ticket link", chat: true, change: func(f *ConsultationForm) { f.TicketURL = "" }, field: "ticket_url", rule: RuleRepeatTicket},
		{name: "chat: the ticket link is a link", chat: true, change: func(f *ConsultationForm) { f.TicketURL = "usedesk 149421403" }, field: "ticket_url"},
		{name: "chat: the description carries the link", chat: true, change: func(f *ConsultationForm) { f.Description = "чат с клиентом" }, field: "description", rule: RuleRepeatTicket},
		{name: "chat: the description names the channel", chat: true, change: func(f *ConsultationForm) { f.Description = f.TicketURL }, field: "description", rule: RuleRepeatTicket},
		{name: "chat: service date today", chat: true, change: func(f *ConsultationForm) { f.ServiceDate = "2026-11-22" }, field: "service_date", rule: RuleRepeatToday},
		{name: "chat: the model matches the request", chat: true, change: func(f *ConsultationForm) { f.Model = "HW70" }, field: "model", rule: RuleRepeatMatch},
		{name: "chat: the serial matches the request", chat: true, change: func(f *ConsultationForm) { f.Serial = "SN-43" }, field: "serial", rule: RuleRepeatMatch},
		{name: "chat: the purchase date matches the request", chat: true, change: func(f *ConsultationForm) { f.PurchaseDate = "2025-03-02" }, field: "purchase_date", rule: RuleRepeatMatch},
		{name: "chat: the store matches the request", chat: true, change: func(f *ConsultationForm) { f.Seller = "Эльдорадо" }, field: "seller", rule: RuleRepeatMatch},
		{name: "chat: case and spacing aside", chat: true, change: func(f *ConsultationForm) { f.Seller, f.Serial = "м.видео ", "SN-42" }},
		{name: "chat: no question asked of a ticket link", chat: true, change: func(f *ConsultationForm) { f.Description = "почта: " + f.TicketURL }},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			f, c := validCallForm(), formCheck{source: SourceCall, complete: true, opts: &ConsultationOptions{}, today: "2026-11-23"}
			if r.chat {
				f, c.source, c.request = validChatForm(), SourceOnlineChat, onRecord
			}
			if r.change != nil {
				r.change(&f)
			}
			err := f.check(c)
			if r.field == "" {
				assert.NoError(t, err)
				return
			}
			var fe *FieldError
			require.True(t, errors.As(err, &fe), "want a refusal of %s, got %v", r.field, err)
			assert.Equal(t, r.field, fe.Field, "%v", err)
			if r.rule != "" {
				assert.Contains(t, fe.Problem, "rule "+r.rule+": «"+ruleWords[r.rule]+"»")
			}
		})
	}
}

// TestConsultationIntakeValidate checks what an intake must carry when the
// contact starts, through the type's own decoding as the API calls it.
func TestConsultationIntakeValidate(t *testing.T) {
	rows := []struct {
		name, body  string
		field, rule string
	}{
		{name: "a call as it starts", body: `{"type":"consultation","source":"call","channel":"phone","customer":{"phone":"+7 926 111-22-33"},"brand":"Haier"}`},
		{name: "a call after its end", body: `{"type":"consultation","source":"call","call_ended_at":"2026-11-23T10:05:00+03:00","transferred_to":"casarte"}`},
		{name: "a chat about a request", body: `{"type":"consultation","source":"online_chat","channel":"chat","original_sr":"SR-1","ticket_url":"https://secure.usedesk.ru/tickets/1"}`},
		{name: "a Usedesk cancellation by mail", body: `{"type":"consultation","source":"usedesk","channel":"email","original_sr":"SR-1"}`},
		{name: "source required", body: `{"type":"consultation"}`, field: "source"},
		{name: "source known", body: `{"type":"consultation","source":"telegram"}`, field: "source"},
		{name: "channel agrees with the source", body: `{"type":"consultation","source":"call","channel":"chat"}`, field: "channel"},
		{name: "GSIS fields at the top level", body: `{"type":"consultation","source":"call","product":{"brand":"Haier"}}`, field: "product"},
		{name: "a line's name", body: `{"type":"consultation","source":"call","transferred_to":"Casarte"}`, field: "transferred_to"},
		{name: "the call's end is a time", body: `{"type":"consultation","source":"call","call_ended_at":"10:05"}`, field: "call_ended_at"},
		{name: "only a call ends", body: `{"type":"consultation","source":"email","original_sr":"SR-1","call_ended_at":"2026-11-23T10:05:00+03:00"}`, field: "call_ended_at"},
		{name: "a written contact names its request", body: `{"type":"consultation","source":"email"}`, field: "original_sr", rule: RuleOriginalSR},
		{name: "priority at intake", body: `{"type":"consultation","source":"call","priority":"срочный"}`, field: "priority", rule: RulePriority},
		{name: "the representative's number", body: `{"type":"consultation","source":"call","call_from":"store","caller_number":"12"}`, field: "caller_number"},
		{name: "unknown field", body: `{"type":"consultation","source":"call","mood":"злой"}`, field: "mood"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			_, err := consultationType.DecodeIntake(json.RawMessage(r.body))
			if r.field == "" {
				assert.NoError(t, err)
				return
			}
			var fe *FieldError
			require.True(t, errors.As(err, &fe), "want a refusal of %s, got %v", r.field, err)
			assert.Equal(t, r.field, fe.Field, "%v", err)
			if r.rule != "" {
				assert.Contains(t, fe.Problem, "rule "+r.rule)
			}
		})
	}
}

// TestConsultationEventData checks the events' own data.
func TestConsultationEventData(t *testing.T) {
	rows := []struct {
		event, data, field string
	}{
		{"call_ended", `{}`, ""},
		{"call_ended", `{"at":"2026-11-23T10:05:00+03:00","transferred_to":"b2b"}`, ""},
		{"call_ended", `{"at":"yesterday"}`, "at"},
		{"handed_over", `{"department":"RC"}`, ""},
		{"handed_over", `{}`, "department"},
		{"handed_over", `{"department":"Casarte"}`, "department"},
		{"registered", `{"l1":"Консультация","description":"Клиент спрашивает…"}`, ""},
		{"registered", `{"priority":"высокий"}`, "priority"},
		{"registered", `{"customer":{"email":"nope"}}`, "customer.email"},
		{"complete", `{"closed_at":"2026-11-23T11:29:00+03:00"}`, ""},
		{"complete", `{"closed_at":"11:29"}`, "closed_at"},
		{"cancel", `{"reason":"звонок прервался"}`, ""},
		{"cancel", `{}`, "reason"},
	}
	for _, r := range rows {
		t.Run(r.event+" "+r.data, func(t *testing.T) {
			_, err := consultationType.Event(r.event).Decode(json.RawMessage(r.data))
			if r.field == "" {
				assert.NoError(t, err)
				return
			}
			var fe *FieldError
			require.True(t, errors.As(err, &fe), "got %v", err)
			assert.Equal(t, r.field, fe.Field)
		})
	}
}

func TestConsultationSettings(t *testing.T) {
	assert.NoError(t, (&ConsultationOptions{}).Validate())
	assert.NoError(t, (&ConsultationOptions{UnregisteredTransfers: []string{"casarte", "computer_equipment"}}).Validate())
	assert.EqualError(t, (&ConsultationOptions{UnregisteredTransfers: []string{"B2B"}}).Validate(), `unregistered_transfers[0]: must be a line's name in lower case, not "B2B"`)
	assert.EqualError(t, (&ConsultationOptions{ApprovedAbbreviations: []string{"СМА", ""}}).Validate(), "approved_abbreviations[1]: is required")
	o := ConsultationOptions{}
	assert.True(t, o.unregistered("service_experts"), "the seed's lines by default")
	assert.Equal(t, DefaultApprovedAbbreviations, o.abbreviations())
	assert.Empty(t, (&ConsultationOptions{ApprovedAbbreviations: []string{}}).abbreviations(), "an empty list is empty, not the default")

	dir := consultationDirectory()
	assert.NoError(t, dir.Validate())
	dir.Redirects.CallCenter = ""
	assert.EqualError(t, dir.Validate(), "redirects.call_center: is required")
}
