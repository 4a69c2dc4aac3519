package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/workflows"
)

// TestConsultationThroughTheAPI opens consultations over HTTP and completes
// them: a store employee's call handed over to VOC and registered in post-call
// (its routing letter on the wire, the post-call timer cancelled), a chat about
// a request on record, and a call transferred to Casarte.
func TestConsultationThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	id := h.open("operator", "consultation-e2e-call", map[string]any{
		"type": "consultation", "source": "call", "channel": "phone",
		"customer": map[string]any{"full_name": "Орлова Ольга", "phone": "+7 916 700-11-22"},
		"brand":    "Haier", "call_from": "store", "caller_number": "+7 495 222-33-44",
	})
	h.waitState(id, "in_call")
	status, out := h.call("POST", "/v1/cases/"+id+"/events", "operator", map[string]any{"event": "complete"})
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, "in_call", errField(out, "state"))
	assert.Equal(t, []any{"call_ended", "cancel", "handed_over", "registered"}, errField(out, "allowed_events"))

	view := h.event(id, "operator", "handed_over", map[string]any{"department": "VOC"})
	assert.Equal(t, "post_call", view["state"])
	deadlines := view["deadlines"].([]any)
	require.Len(t, deadlines, 1)
	assert.Equal(t, "post_call", deadlines[0].(map[string]any)["name"])

	status, out = h.call("POST", "/v1/cases/"+id+"/events", "operator", map[string]any{"event": "registered", "data": map[string]any{
		"l1": "Консультация", "l2": "Гарантия", "l3": "Оформление заявки", "category": "refrigerator",
		"description": "Сотрудник магазина спрашивает, как оформить заявку на ХЛД клиента."}})
	assert.Equal(t, http.StatusBadRequest, status, "%v", out)
	assert.Equal(t, "data.description", errField(out, "field"))

	done := h.event(id, "operator", "registered", map[string]any{
		"model": "C2F637CWRG", "category": "refrigerator", "l1": "Консультация", "l2": "Гарантия", "l3": "Оформление заявки",
		"leads_to_request": true,
		"description":      "Сотрудник магазина спрашивает, как оформить заявку: холодильник клиента не морозит.",
	})
	assert.Equal(t, "completed", done["state"])
	data := done["data"].(map[string]any)
	assert.Equal(t, "CONS-000001", data["number"])
	assert.Equal(t, false, data["late"])

	msgs, err := h.smtp.WaitFor(1, 20*time.Second)
	require.NoError(t, err)
	routing := findSubject(msgs, "Консультация CONS-000001: сотрудник магазина")
	require.NotNil(t, routing, "the store's request goes to shop.help@")
	assert.Equal(t, []string{"shop.help@example.com"}, routing.To)
	assert.Contains(t, routing.Body, "+7 495 222-33-44")

	recs, err := h.store.ListCaseRecords(ctx, id)
	require.NoError(t, err)
	require.Len(t, recs.Consultations, 1)
	assert.Equal(t, "VOC", recs.Consultations[0].Fields["handed_over"])
	assert.Equal(t, "+7 916 700-11-22", recs.Consultations[0].Fields["customer_phone"], "the customer's card, not the store's number")

	wid := workflows.WorkflowID("consultation", id)
	require.NoError(t, h.client.GetWorkflow(ctx, wid, "").Get(ctx, nil))
	var timers []enumspb.EventType
	for _, ev := range h.history(wid, "") {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED, enumspb.EVENT_TYPE_TIMER_FIRED, enumspb.EVENT_TYPE_TIMER_CANCELED:
			timers = append(timers, ev.GetEventType())
		}
	}
	assert.Equal(t, []enumspb.EventType{enumspb.EVENT_TYPE_TIMER_STARTED, enumspb.EVENT_TYPE_TIMER_CANCELED}, timers,
		"the registration cancels the post-call timer")
	recordRun(t, h, wid, "", "consultation_history.json")

	// A chat about a request on record: copied from it, checked against it,
	// completed once the ticket closes.
	earlier, err := h.store.CreateConsultation(ctx, activities.Consultation{Key: "earlier", CaseID: "earlier", Description: "заявка",
		Fields: map[string]string{"model": "HW60-BP12959A", "purchase_date": "2025-03-01", "store": "М.Видео"}})
	require.NoError(t, err)
	sr, err := h.store.CreateServiceRequest(ctx, activities.ServiceRequest{Key: "earlier-sr", CaseID: "earlier", ConsultationNumber: earlier.Number, Priority: "обычный"})
	require.NoError(t, err)
	chat := h.open("operator", "consultation-e2e-chat", map[string]any{
		"type": "consultation", "source": "online_chat", "channel": "chat",
		"customer": map[string]any{"email": "orlova@example.com"}, "brand": "Haier", "category": "washing_machine",
		"original_sr": sr.Number, "ticket_url": "https://secure.usedesk.ru/tickets/149421403",
	})
	h.waitState(chat, "in_contact")
	// The contact's state comes first, then the lookup of its request.
	view = h.waitView(chat, 30*time.Second, "the looked-up request", func(v map[string]any) bool {
		d, _ := v["data"].(map[string]any)
		return d["request"] != nil
	})
	assert.Equal(t, true, view["data"].(map[string]any)["request"].(map[string]any)["found"])
	status, out = h.call("POST", "/v1/cases/"+chat+"/events", "operator", map[string]any{"event": "registered", "data": map[string]any{
		"model": "HW80", "l3": "Статус заявки", "description": "чат, тикет https://secure.usedesk.ru/tickets/149421403"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "data.model", errField(out, "field"))
	view = h.event(chat, "operator", "registered", map[string]any{"l3": "Статус заявки", "description": "чат, тикет https://secure.usedesk.ru/tickets/149421403"})
	assert.Equal(t, "awaiting_close", view["state"])
	view = h.event(chat, "operator", "complete", map[string]any{})
	assert.Equal(t, "completed", view["state"])
	form := view["data"].(map[string]any)["form"].(map[string]any)
	assert.Equal(t, "HW60-BP12959A", form["model"], "copied from the request")
	assert.Equal(t, "Политика", form["l1"])

	// A call transferred to Casarte gets no consultation.
	casarte := h.open("operator", "consultation-e2e-casarte", map[string]any{
		"type": "consultation", "source": "call", "transferred_to": "casarte", "call_ended_at": time.Now().Format(time.RFC3339),
	})
	view = h.waitState(casarte, "not_registered")
	assert.Contains(t, view["data"].(map[string]any)["not_registered"], "консультацию в GSIS не оформляем")
	recs, err = h.store.ListCaseRecords(ctx, casarte)
	require.NoError(t, err)
	assert.Empty(t, recs.Consultations)
}
