package httpapi

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/caseflow/caseflow/workflows"
)

// Bodies of the existing tests (api_test.go, internal/integration, workflows),
// as seeds of the fuzz targets and the requests of the access matrix. The first
// body of each case type and event is a valid one.

// seedIntakes are intake bodies by case type.
var seedIntakes = map[string][]string{
	"telecom_case": {
		// workflows telecom_test.go telecomIntake
		`{"type":"telecom_case","channel":"phone","customer":{"full_name":"Смирнов Олег","phone":"+7 903 000-00-01"},"description":"Списание за услугу, которую абонент не подключал","category":"BackOffice","subject":"Несогласие со списанием","customer_kind":"b2c","created_by":"operator-1"}`,
		`{"type":"telecom_case","category":"BackOffice","subject":"x","customer_kind":"b2g","description":"x","created_by":"operator-1"}`,
		`{"type":"telecom_case","category":"BackOffice","subject":"x","customer_kind":"b2b","description":"x"}`,
	},
	"call": {
		// workflows call_test.go conductIntake
		`{"type":"call","channel":"phone","caller_number":"+7 903 000-00-01","call_id":"c-1"}`,
		`{"type":"call","caller_number":"0611"}`,
	},
	"broadband_lead": {
		// workflows broadband_lead_test.go businessLead
		`{"type":"broadband_lead","channel":"phone","caller":"potential_business","city":"Казань","contact_person":"Иванов Иван","phone":"+7 843 000-00-01","organisation":"ООО Ромашка"}`,
		`{"type":"broadband_lead","caller":"partner"}`,
		`{"type":"broadband_lead","caller":"potential_business","city":"Казань"}`,
		`{"type":"broadband_lead","caller":"friend"}`,
	},
	"dispute": {
		// workflows dispute_test.go disputeIntake
		`{"type":"dispute","channel":"phone","path":"hotline","customer":{"full_name":"Петров Пётр","phone":"+7 912 000-00-01"},"product":{"brand":"Haier","model":"HW70","category":"washing_machine"},"description":"Не отжимает после ремонта","request_number":"SR-1001","asc_report_available":true,"documents":["act-1001.pdf"]}`,
		`{"type":"dispute","channel":"phone","path":"fax"}`,
		`{"type":"dispute","channel":"email","path":"direct_mail","customer":{"full_name":"П","email":"bad"}}`,
	},
	"plc": {
		// api_test.go plcIntake
		`{"type":"plc","channel":"phone","customer":{"full_name":"Иванов Иван Иванович","phone":"+7 (900) 123-45-67","email":"customer@example.com","address":"г. Москва, ул. Примерная, д. 1, кв. 2"},"product":{"brand":"Haier","model":"C2F637CWRG","category":"Холодильники","purchase_date":"2024-05-17","store":"М.Видео"},"description":"Холодильник задымился и оплавился, повреждён пол на кухне","mood":"взволнован","demands":["замена холодильника"]}`,
		// internal/integration plcBody("email")
		`{"type":"plc","channel":"email","customer":{"full_name":"Петрова Анна Сергеевна","phone":"+7 916 555-12-34","email":"petrova@example.com","address":"Казань, ул. Тестовая, 7"},"product":{"brand":"Haier","model":"C2F637CWRG","category":"refrigerator","purchase_date":"2024-12-20","store":"Эльдорадо"},"description":"Холодильник задымился и загорелся, повреждён кухонный гарнитур","mood":"напугана","demands":["компенсация кухни"],"attachments":["mail-2211.eml"],"source_ticket":"usedesk:9001"}`,
		// workflows plcIntake(ChannelChat)
		`{"type":"plc","channel":"chat","customer":{"full_name":"Иванов Иван Иванович","phone":"+7 912 345-67-89","email":"ivanov@example.com","address":"Москва, ул. Примерная, 1"},"product":{"brand":"Haier","model":"HW60-BP10919B","category":"washing_machine","purchase_date":"2025-03-01","store":"М.Видео"},"description":"Стиральная машина загорелась во время стирки, обгорел пол","mood":"взволнован, требует срочного решения","demands":["заменить технику","компенсировать ремонт пола"],"previous_service":[{"number":"SR-777","date":"2025-03-05","asc":"АСЦ Север"}],"attachments":["call-recording-42.mp3"],"source_ticket":"usedesk:5555","has_nrp_act":false,"compensation_demanded":true,"volunteered_damage":"пол на кухне"}`,
		// workflows plc_test.go: the НРП exclusion
		`{"type":"plc","channel":"phone","customer":{"full_name":"А","phone":"+79120000000"},"product":{},"has_nrp_act":true,"compensation_demanded":true}`,
		// api_test.go TestIntakeBadBodies and workflows plc_test.go
		`{"type":"plc","channel":"phone","victims":2}`,
		`{"type":"plc","channel":"phone","customer":{"full_name":"И","phone":79001234567}}`,
		`{"type":"plc","channel":"phone","product":{"purchase_date":"17.05.2024"}}`,
		`{"type": "plc", "channel": }`,
		`[1, 2]`,
		``,
		`{"type":"spaceship"}`,
		`{"type":7}`,
		`{"channel":"phone"}`,
	},
	"reclamation": {
		// internal/integration claimBody
		`{"type":"reclamation","channel":"email","received_by":"operator-1","received_by_email":"operator1@example.com","client":"АО «Заказчик»","client_email":"claims@client.example.com","project":"Линия розлива Л-2","serial_numbers":["SN-1001","SN-1002"],"shipment_date":"2025-09-01","shipment_responsible":"Сидоров С. С.","documents":["claim.pdf","photo-1.jpg"],"comment":"Оборудование выдаёт продукцию несоответствующего качества"}`,
		// workflows claimIntake
		`{"type":"reclamation","channel":"email","received_by":"operator-1","received_by_email":"operator1@example.com","client":"ООО «Ромашка»","client_email":"claims@romashka.example.com","project":"Линия розлива Л-2","serial_numbers":["SN-001","SN-002"],"shipment_date":"2025-09-01","shipment_responsible":"Сидоров С. С.","documents":["claim-letter.pdf"],"comment":"Линия выдаёт продукцию несоответствующего качества: недолив 5 %."}`,
		`{"type":"reclamation","channel":"in_person","received_by":"expert-1","received_by_role":"expert","client":"ООО «Ромашка»","customer":{"email":"boss@romashka.example.com"},"project":"П","shipment_date":"2025-09-01","shipment_responsible":"С","documents":["a"],"comment":"к","contract_number":"Д-1"}`,
		// workflows reclamation_test.go
		`{"type":"reclamation","claim_number":7}`,
		// a claim by phone without the client's e-mail, with its kind and period
		`{"type":"reclamation","channel":"phone","received_by":"operator-1","client":"ООО «Ромашка»","kind":"breakdown","period":"warranty","project":"П","shipment_date":"2025-09-01","shipment_responsible":"С","documents":["a"],"comment":"к"}`,
	},
	"consultation": {
		// workflows consultation_test.go callIntake, chatIntake
		`{"type":"consultation","source":"call","channel":"phone","customer":{"full_name":"Сидорова Мария Петровна","phone":"+7 926 111-22-33"},"brand":"Haier"}`,
		`{"type":"consultation","source":"online_chat","channel":"chat","customer":{"email":"sidorova@example.com"},"brand":"Haier","category":"washing_machine","original_sr":"SR-000001","ticket_url":"https://secure.usedesk.ru/tickets/149421403"}`,
		// workflows consultation_types_test.go
		`{"type":"consultation","source":"call","call_ended_at":"2026-11-23T10:05:00+03:00","transferred_to":"casarte"}`,
		`{"type":"consultation","source":"email"}`,
		`{"type":"consultation","source":"call","product":{"brand":"Haier"}}`,
	},
}

// seedEvents are event data by case type and event.
var seedEvents = map[string]map[string][]string{
	"telecom_case": {
		"forward":        {`{"queue":"equipment-experts"}`, `{}`},
		"reject_return":  {`{"reason":"Неверная категория"}`, `{}`},
		"comment":        {`{"text":"Абонент уточнил номер договора"}`, `{"text":""}`},
		"close":          {`{"note":"услуга отключена","discount":true}`},
		"repeat_contact": {`{"customer_insists":true}`, `{"disagrees":true}`, `{"disagrees":"yes"}`},
	},
	"dispute": {
		"engineer_answer":   {`{"text":"Дефект не подтверждён","clear":true}`, `{"text":"x"}`, `{"clear":"yes"}`},
		"customer_response": {`{"accepted":false,"legal_threat":true,"statement":"подам в суд"}`, `{}`},
		"task_done":         {`{"task_id":"t1","note":"сделано вручную"}`, `{"task_id":""}`},
	},
	"plc": {
		"call_attempt":          {`{"reached":false,"note":"не берёт трубку"}`, `{"reached":true,"note":"обещал ответить"}`, `{}`},
		"verdict":               {`{"plc":true,"comment":"возгорание по вине техники"}`, `{"plc":false}`, `{"comment":"посмотрю"}`, `{"plc":"yes"}`},
		"specialist_contacted":  {`{"note":"визит завтра"}`},
		"repeat_contact":        {`{"note":"снова звонит"}`, `null`},
		"documents_received":    {`{"documents":["fire_report","receipt_warranty"],"attachments":["fire-report.pdf"]}`, `{"documents":["fire_report","refusal_decision"],"attachments":["fire.pdf"]}`, `{"documents":["passport"]}`},
		"nrp_act_uploaded":      {`{"act_number":"НРП-15","attachment":"nrp-15.pdf"}`, `{"act_number":"НРП-42","attachment":"nrp-42.pdf"}`},
		"service_request":       {`{"note":"просьба группы PLC"}`, `{"asc":"АСЦ Север","reason":"МСС не обслуживает район"}`},
		"answer_preparing":      {`{"warranty":false,"note":"акт НРП"}`, `{"note":"x"}`},
		"satisfaction_reported": {`{"level":4,"comment":"доволен компенсацией"}`, `{"level":5}`, `{"level":9}`},
		"close":                 {`{"note":"урегулировано"}`, `{"note":"компенсация выплачена"}`},
	},
	"reclamation": {
		"return_for_data": {`{"comment":"Нет номера договора"}`, `{"comment":"Укажите номер договора"}`},
		"resubmit":        {`{"comment":"Добавлены серийные номера","serial_numbers":["SN-002","SN-003"],"documents":["act-12.pdf"]}`, `{"comment":"Номер договора указан","contract_number":"Д-17/2025"}`},
		"reject":          {`{"reason":"Недолив вызван нарушением клиентом регламента обслуживания (п. 4.2 договора)."}`, `{}`},
		"open_investigation": {
			`{"hearing_date":"2025-10-24","executors":[{"document":"contract","name":"executor-1","email":"executor1@example.com"},{"document":"technical_specification","name":"executor-1","email":"executor1@example.com"},{"document":"acceptance_documents","name":"executor-2","email":"executor2@example.com"},{"document":"monitoring_data","name":"executor-1","email":"executor1@example.com"}]}`,
			`{"hearing_date":"2025-10-24","executors":[{"document":"contract","name":"executor-1","email":"executor1@example.com"}]}`,
		},
		"request_document": {`{"document":"Рекламационный акт клиента","name":"executor-1","email":"ivanov@example.com"}`},
		"document_ready":   {`{"task_id":"c1-t3","note":"готово","attachments":["doc-0.pdf"]}`, `{"task_id":""}`},
		"commission_held": {
			`{"protocol":"Комиссия установила: недолив вызван износом дозатора №3.","causes":"Износ дозатора №3 сверх ресурса","members":["Заместитель технического директора по качеству","Иванов И. И."],"plan":[{"task":"Заменить дозатор №3","assignee":"executor-1","due":"2 working days"},{"task":"Провести повторный мониторинг линии","assignee":"executor-2","email":"petrov@example.com","due":"2025-10-24"}]}`,
			`{"protocol":"x","plan":[{"task":"x","assignee":"executor-1","due":"soon"}]}`,
		},
		"task_reported":       {`{"task_id":"c1-t9","report":"Дозатор заменён, акт 45"}`},
		"client_confirmation": {`{"resolved":true,"comment":"Клиент подтвердил устранение"}`, `{"resolved":false,"comment":"Недолив повторился"}`, `{"resolved":true,"hearing_date":"2025-10-24"}`},
	},
	"call": {
		"warn":     {`{"reason":"obscenity"}`, `{"reason":"inaudible"}`, `{"reason":"rude"}`},
		"heard":    {`{}`},
		"end_call": {`{"note":"клиента не слышно"}`, `{}`},
	},
	"broadband_lead": {
		"called_back": {`{"note":"договорились о встрече"}`, `{}`},
		"close":       {`{"outcome":"договор"}`, `{}`},
	},
	"consultation": {
		"call_ended":  {`{}`, `{"at":"2026-11-23T10:05:00+03:00","transferred_to":"b2b"}`, `{"at":"yesterday"}`},
		"handed_over": {`{"department":"VOC","note":"жалоба на сервис"}`, `{"department":"Naumen","customer_held":true}`, `{"department":"Casarte"}`},
		"registered": {
			`{"model":"HW60-BP12959A","category":"washing_machine","l1":"Консультация","l2":"Эксплуатация","l3":"Режимы стирки","advice":["prepare_documents"],"description":"Клиент интересуется, почему СМА не отжимает бельё."}`,
			`{"l3":"Статус заявки","description":"чат, тикет https://secure.usedesk.ru/tickets/149421403"}`,
			`{"priority":"высокий"}`,
		},
		"complete": {`{"closed_at":"2026-11-23T11:29:00+03:00"}`, `{}`},
		"cancel":   {`{"reason":"звонок прервался, клиент не ответил"}`, `{}`},
	},
}

// validIntake is a valid intake body of a case type, or a body naming only the
// type (which is refused as invalid) for a type without seeds.
func validIntake(caseType string) (body string, valid bool) {
	if s := seedIntakes[caseType]; len(s) > 0 {
		return s[0], true
	}
	return fmt.Sprintf(`{"type":%q}`, caseType), false
}

// eventBodyOf is the body of POST /v1/cases/{id}/events.
func eventBodyOf(event, data string) string {
	if data == "" {
		return fmt.Sprintf(`{"event":%q}`, event)
	}
	return fmt.Sprintf(`{"event":%q,"data":%s}`, event, data)
}

// validEvent is the body of a valid event, or of the event without data for an
// event without seeds.
func validEvent(caseType, event string) (body string, valid bool) {
	if s := seedEvents[caseType][event]; len(s) > 0 {
		return eventBodyOf(event, s[0]), true
	}
	return eventBodyOf(event, ""), false
}

// TestSeedsAreValid keeps the seeds honest: the first of each is accepted by
// the case type's own decoding, so the access matrix can expect a success.
func TestSeedsAreValid(t *testing.T) {
	for name, bodies := range seedIntakes {
		ct, ok := workflows.Lookup(name)
		if !ok {
			t.Errorf("seed of unknown case type %s", name)
			continue
		}
		if _, err := ct.DecodeIntake(json.RawMessage(bodies[0])); err != nil {
			t.Errorf("the first %s intake seed is invalid: %v", name, err)
		}
	}
	for name, events := range seedEvents {
		ct, ok := workflows.Lookup(name)
		if !ok {
			t.Errorf("seed of unknown case type %s", name)
			continue
		}
		for event, data := range events {
			spec := ct.Event(event)
			if spec == nil {
				t.Errorf("seed of unknown event %s of %s", event, name)
				continue
			}
			if _, err := spec.Decode(json.RawMessage(data[0])); err != nil {
				t.Errorf("the first %s %s seed is invalid: %v", name, event, err)
			}
		}
	}
}
