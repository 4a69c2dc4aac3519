package console

import (
	"regexp"
	"strings"
)

// The console's Russian names of the engine's identifiers: case types, states,
// events, roles, fields and enum values. A page never shows a bare identifier
// (TestEveryIdentifierHasALabel checks every registered type's).

var typeLabels = map[string]string{
	"plc": "PLC (возгорание техники)", "reclamation": "Рекламация", "dispute": "Несогласие с заключением",
	"consultation": "Консультация (ГСИС)", "telecom_case": "Обращение (CASE)", "call": "Звонок",
	"broadband_lead": "ШПД: обращение и лид",
}

var roleLabels = map[string]string{
	"operator": "оператор", "expert": "эксперт", "supervisor": "супервайзер", "engineer": "инженер",
	"quality_director": "директор по качеству", "executor": "исполнитель", "admin": "администратор", "system": "система",
}

var stateLabels = map[string]string{
	"intake": "Приём", "awaiting_verdict": "Ждёт вердикта инженера", "escalating": "Эскалация", "chain_exhausted": "Цепочка исчерпана",
	"collecting_documents": "Сбор документов", "documents_collected": "Документы собраны", "nrp_act": "Акт НРП",
	"customer_feedback": "Обратная связь клиента", "closed": "Закрыто", "closed_not_plc": "Закрыто: не PLC",
	"redirected": "Перенаправлено", "registration": "Регистрация", "awaiting_data": "Ждёт данных", "qualification": "Квалификация",
	"rejected": "Отклонено", "commission": "Комиссия", "remediation": "Устранение", "awaiting_confirmation": "Ждёт подтверждения",
	"plan_completed": "План выполнен", "awaiting_asc_report": "Ждёт акта АСЦ", "expert_call": "Звонок эксперта",
	"awaiting_engineer": "Ждёт инженера", "answer_unclear": "Ответ неясен", "awaiting_demands": "Ждёт требований",
	"hand_off": "Передача", "handed_off": "Передано", "awaiting_close": "Ждёт закрытия", "other_asc_recommended": "Рекомендован другой АСЦ",
	"other_asc_callback": "Ждёт звонка от другого АСЦ", "new_request_other_asc": "Новая заявка в другой АСЦ",
	"redirected_non_warranty": "Перенаправлено: не гарантия", "triage_direct_mail": "Разбор: прямое письмо",
	"in_call": "Идёт звонок", "post_call": "Поствызов", "registered": "Зарегистрировано", "completed": "Завершено",
	"cancelled": "Отменено", "not_registered": "Не регистрируется", "open": "Открыто", "open_dispatch": "Направлено в очередь",
	"open_reject_return": "Возвращено с отказом", "open_forwarded": "Переадресовано", "archived": "В архиве",
	"ended": "Завершён", "cannot_hear": "Клиента не слышно", "routed": "Направлено на линию", "awaiting_callback": "Ждёт обратного звонка",
	"in_contact": "На связи", "called_back": "Перезвонили", "inaudible": "Клиента не слышно", "redirected_b2b": "Перенаправлено в B2B", "resolved": "Решено", "confirmed": "Подтверждено",
}

var eventLabels = map[string]string{
	"task_done": "Задача выполнена вручную", "claim_task": "Взять задачу", "unclaim_task": "Вернуть задачу",
	"call_attempt": "Попытка дозвона", "verdict": "Вердикт инженера", "verdict_plc": "Вердикт: PLC", "verdict_not_plc": "Вердикт: не PLC",
	"verdict_overdue": "Вердикт просрочен", "specialist_contacted": "Связались со специалистом", "repeat_contact": "Повторное обращение",
	"documents_received": "Получены документы", "nrp_act_uploaded": "Загружен акт НРП", "satisfaction_reported": "Удовлетворённость клиента",
	"close": "Закрыть", "return_for_data": "Вернуть за данными", "resubmit": "Отправить повторно", "reject": "Отклонить",
	"open_investigation": "Начать расследование", "request_document": "Запросить документ", "document_ready": "Документ готов",
	"commission_held": "Комиссия проведена", "task_reported": "Отчёт по задаче", "client_confirmation": "Подтверждение клиента",
	"asc_report_received": "Получен акт АСЦ", "expert_called_customer": "Эксперт позвонил клиенту", "engineer_answer": "Ответ инженера",
	"answer_preparing": "Группа PLC готовит ответ", "service_request": "Срочная заявка в АСЦ",
	"engineer_answer_clear": "Ясный ответ инженера", "engineer_answer_unclear": "Неясный ответ инженера",
	"asc_answer_received": "Получен ответ АСЦ", "clarification_requested": "Запрошено уточнение", "customer_response": "Ответ клиента",
	"demands_stated": "Требования заявлены", "official_claim_received": "Получена официальная претензия",
	"handoff_confirmed": "Передача подтверждена", "handoff_declined": "Передача отклонена", "call_ended": "Звонок завершён",
	"handed_over": "Передано на другую линию", "registered": "Зарегистрировать", "complete": "Завершить", "cancel": "Отменить",
	"save": "Сохранить", "dispatch": "Направить", "accept": "Принять", "forward": "Переадресовать", "reject_return": "Вернуть с отказом",
	"comment": "Комментарий", "warn": "Предупреждение", "heard": "Клиента слышно", "end_call": "Завершить звонок",
	"called_back": "Перезвонили", "engineer_silent": "Инженер молчит", "archive": "В архив", "register": "Регистрация",
	"start_call": "Начало звонка", "transfer": "Перевод звонка", "route": "Направление на линию", "inaudible": "Клиента не слышно",
	"inaudible_end": "Конец: клиента не слышно", "conduct_limit": "Конец: нарушение правил", "customer_accepts": "Клиент согласен",
	"customer_threatens": "Клиент угрожает", "demands_requested": "Запрошены требования", "hand_off": "Передача",
	"confirm_resolved": "Подтверждено: решено", "confirm_unresolved": "Подтверждено: не решено", "open_lead": "Открыть лид",
	"open_contact": "Открыть обращение", "context": "Контекст", "triage_redirect": "Разбор: перенаправить",
	"triage_other_asc": "Разбор: другой АСЦ", "triage_other_asc_call": "Разбор: звонок другого АСЦ",
	"triage_new_request": "Разбор: новая заявка", "triage_expert": "Разбор: эксперт", "triage_usedesk_agent": "Разбор: агент Usedesk",
	"triage_direct_mail": "Разбор: прямое письмо", "deadline_breached": "Срок нарушен", "task_reminder": "Напоминание о задаче",
	"task_overdue": "Задача просрочена", "continued_as_new": "Продолжено в новом прогоне", "side_effect_failed": "Действие не выполнено",
	"intake": "Приём", "cannot_hear": "Клиента не слышно", "chain_exhausted": "Цепочка исчерпана",
	"documents_collected": "Документы собраны", "plan_completed": "План выполнен", "redirect_b2b": "Перенаправить в B2B",
}

var fieldLabels = map[string]string{
	"task_id": "Задача", "note": "Примечание", "comment": "Комментарий", "reached": "Дозвонились", "plc": "Это PLC",
	"documents": "Документы", "attachments": "Вложения", "attachment": "Вложение", "act_number": "Номер акта", "level": "Оценка",
	"channel": "Канал", "customer": "Клиент", "full_name": "ФИО", "phone": "Телефон", "email": "Эл. почта", "address": "Адрес",
	"product": "Изделие", "brand": "Бренд", "model": "Модель", "category": "Категория", "purchase_date": "Дата покупки",
	"store": "Магазин", "serial": "Серийный номер", "description": "Описание", "consultation_number": "Номер консультации",
	"request_numbers": "Номера заявок", "related": "Связанные обращения", "mood": "Настроение клиента", "demands": "Требования",
	"source_ticket": "Исходный тикет", "received_by": "Принял", "client": "Заказчик", "client_email": "Эл. почта заказчика",
	"project": "Проект", "serial_numbers": "Серийные номера", "shipment_date": "Дата отгрузки", "shipment_responsible": "Ответственный за отгрузку",
	"contract_number": "Номер договора", "reason": "Причина", "hearing_date": "Дата комиссии", "executors": "Исполнители",
	"document": "Документ", "name": "Имя", "report": "Отчёт", "decision": "Решение", "causes": "Причины", "remedies": "Меры",
	"plan": "План", "task": "Задача", "assignee": "Исполнитель", "due": "Срок", "accepted": "Принято", "text": "Текст",
	"clear": "Ответ ясен", "questions": "Вопросы", "statement": "Заявление", "legal_threat": "Угроза суда", "answer": "Ответ",
	"customer_insists": "Клиент настаивает", "disagrees": "Не согласен", "queue": "Очередь", "discount": "Скидка",
	"source": "Источник", "call_from": "Звонок с номера", "call_id": "Номер звонка", "call_ended_at": "Звонок завершён",
	"transferred_to": "Переведён на", "l1": "Уровень 1", "l2": "Уровень 2", "l3": "Уровень 3", "advice": "Советы",
	"caller_number": "Номер звонящего", "caller": "Звонящий", "city": "Город", "contact_person": "Контактное лицо",
	"organisation": "Организация", "acute_conflict": "Острый конфликт", "created_by": "Создал", "subject": "Тема",
	"service_request_number": "Номер сервисной заявки", "seller": "Продавец", "marketplace": "Маркетплейс",
	"incident": "Происшествие", "compensation_demanded": "Требует компенсации", "damage_or_misuse": "Повреждение или нарушение эксплуатации",
	"several_contacts": "Несколько обращений", "no_asc_request": "Нет заявки в АСЦ", "direct_mail": "Прямое письмо",
	"no_asc_report": "Нет акта АСЦ", "web_form": "Веб-форма", "other_asc_in_city": "Другой АСЦ в городе", "asc": "АСЦ",
	"request_number": "Номер заявки", "service_date": "Дата обслуживания", "service_type": "Вид обслуживания",
	"previous_service": "Прежнее обслуживание", "customer_kind": "Тип клиента", "with_demands": "С требованиями",
	"legal_intent": "Намерение обратиться в суд", "customer_reply": "Ответ клиента", "customer_statement": "Слова клиента",
	"satisfaction": "Удовлетворённость", "number": "Номер", "date": "Дата", "members": "Участники", "remarks": "Замечания",
	"recommendations": "Рекомендации", "works": "Работы", "protocol": "Протокол", "resolved": "Решено", "kind": "Вид", "period": "Период (продажи или гарантии)", "warranty": "Гарантийный случай",
	"earlier_contacts": "Прежние обращения", "volunteered_damage": "Сам сообщил о повреждении", "exchange_return": "Обмен или возврат",
	"purchase_needed": "Нужна покупка", "model_needed": "Нужна модель", "category_unclear": "Категория неясна",
	"pk_act_sr": "Акт ПК по заявке", "original_sr": "Исходная заявка", "original_sr_closed": "Исходная заявка закрыта",
	"ticket_id": "Номер тикета", "agent_ticket_id": "Тикет агента", "thread_to": "Кому", "thread_cc": "Копия", "line": "Линия",
	"department": "Отдел", "quote": "Цитата", "word": "Слово", "mode": "Режим", "at": "Время", "by": "Кто", "title": "Название",
	"role": "Роль", "type": "Тип", "state": "Состояние", "event": "Событие", "code": "Код", "path": "Путь", "rule": "Правило",
	"received_at": "Получено", "registered_at": "Зарегистрировано", "registered_by": "Зарегистрировал", "registered_in": "Где зарегистрировано",
	"handoff": "Передача", "outcome": "Исход", "hand_offs": "Передачи", "heard": "Клиента слышно", "warnings": "Предупреждения",
	"received_by_email": "Эл. почта принявшего", "received_by_role": "Роль принявшего", "cancel_reason": "Причина отмены",
	"priority": "Приоритет", "ticket_url": "Ссылка на тикет", "end_reason": "Причина завершения", "inaudible": "Не слышно",
	"planned_date": "Плановая дата", "escalation_level": "Уровень эскалации", "has_nrp_act": "Есть акт НРП", "claim": "Претензия",
	"claim_number": "Номер рекламации", "cycle": "Цикл", "form": "Форма", "customer_ticket": "Тикет клиента",
	"customer_held": "Клиент на удержании", "question": "Вопрос", "asc_report_available": "Есть акт АСЦ",
	"closed_at": "Закрыто", "id": "Номер", "leads_to_request": "Ведёт к заявке", "relation": "Связь",
	"repeat_contact": "Повторное обращение", "workflow_id": "Процесс", "comments": "Комментарии", "allowed": "Разрешено",
	"window_months": "Окно, месяцев", "intake": "Приём", "tasks": "Задачи", "deadline": "Отслеживаемый срок", "status": "Статус",
	"undispatched_flag": "Отмечено: не направлено", "basis": "Основание", "routing": "Маршрут", "script": "Скрипт",
	"deadlines": "Сроки", "history": "Журнал", "done_by": "Выполнил", "done_at": "Выполнено", "remind_at": "Напомнить",
	"reminded": "Напомнено", "consultations": "Консультации", "service_requests": "Сервисные заявки", "tickets": "Тикеты",
	"claims": "Рекламации", "key": "Ключ", "case_id": "Обращение", "stage": "Этап", "fields": "Поля", "updated_at": "Изменено",
	"asc_name": "АСЦ", "body": "Текст", "is_private": "Внутренний", "created_at": "Создано", "given_at": "Выдано", "sent_at": "Отправлено", "calls": "Звонки", "open": "Открыто",
}

var valueLabels = map[string]string{
	"phone": "телефон", "chat": "чат", "email": "эл. почта", "web_form": "веб-форма", "sms": "СМС", "in_person": "лично",
	"call": "звонок", "mail": "письмо", "usedesk": "Usedesk",
	"washing_machine": "стиральная машина", "refrigerator": "холодильник", "cooking": "плита или духовой шкаф",
	"air_conditioner": "кондиционер", "water_heater": "водонагреватель", "dishwasher": "посудомоечная машина", "tv": "телевизор",
	"other": "другое", "fire_report": "справка о пожаре", "receipt_warranty": "чек и гарантия", "refusal_decision": "отказ в возбуждении дела",
	"passport": "паспорт", "insult": "оскорбление", "obscenity": "нецензурная брань", "nonconstructive": "неконструктивный разговор",
	"off_topic": "не по теме", "existing_subscriber": "абонент", "potential_individual": "будущий абонент (физлицо)",
	"potential_business": "будущий клиент (бизнес)", "partner": "партнёр", "state_body": "госорган",
	"contract": "договор", "technical_specification": "техническое задание", "acceptance_documents": "документы приёмки",
	"monitoring_data": "данные мониторинга", "open": "открыта", "done": "выполнена", "overdue": "просрочена", "folder": "папка", "prepare_documents": "подготовить документы", "voc": "VOC", "rc": "RC", "naumen": "Naumen",
}

// label finds a name in a dictionary; an unknown name is shown with spaces
// for its underscores (a type added without labels stays readable).
func label(dict map[string]string, name string) string {
	if l, ok := dict[name]; ok {
		return l
	}
	return strings.ReplaceAll(name, "_", " ")
}

func typeLabel(name string) string  { return label(typeLabels, name) }
func stateLabel(name string) string { return label(stateLabels, name) }
func eventLabel(name string) string { return label(eventLabels, name) }
func roleLabel(name string) string  { return label(roleLabels, name) }
func valueLabel(name string) string { return label(valueLabels, name) }

// fieldLabel is a field's schema title, else its Russian name.
func fieldLabel(name, title string) string {
	if title != "" {
		return title
	}
	return label(fieldLabels, name)
}

// policyLabel names an SLA policy by its duration.
func policyLabel(policy, duration string) string {
	if duration == "" {
		return policy
	}
	return durationLabel(duration) + " (" + policy + ")"
}

// durations are the words of a policy's duration ("3 working hours").
var durations = strings.NewReplacer(
	"working minutes", "рабочих мин", "working minute", "рабочая мин", "working hours", "рабочих ч", "working hour", "рабочий ч",
	"working days", "рабочих дн", "working day", "рабочий дн", "next day", "следующий день",
	"minutes", "мин", "minute", "мин", "hours", "ч", "hour", "ч", "days", "дн", "day", "дн", "seconds", "с",
)

// durationLabel is a policy's duration in Russian.
func durationLabel(d string) string { return durations.Replace(d) }

// identifier is a snake_case name inside free text (a task's title names the
// events that complete it).
var identifier = regexp.MustCompile(`\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b`)

// humanText replaces the identifiers a text names by their labels.
func humanText(s string) string {
	return identifier.ReplaceAllStringFunc(s, func(id string) string {
		for _, d := range []map[string]string{eventLabels, stateLabels, fieldLabels, roleLabels, valueLabels, typeLabels} {
			if l, ok := d[id]; ok {
				return "«" + l + "»"
			}
		}
		return strings.ReplaceAll(id, "_", " ")
	})
}
