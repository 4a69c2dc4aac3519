package integration

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/proto"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/mail/smtptest"
	"github.com/caseflow/caseflow/workflows"
)

const (
	customerName  = "Петрова Анна Сергеевна"
	customerPhone = "+7 916 555-12-34"
)

func plcBody(channel string) map[string]any {
	body := map[string]any{
		"type": "plc", "channel": channel,
		"customer":      map[string]any{"full_name": customerName, "phone": customerPhone, "email": "petrova@example.com", "address": "Казань, ул. Тестовая, 7"},
		"product":       map[string]any{"brand": "Haier", "model": "C2F637CWRG", "category": "refrigerator", "purchase_date": "2024-12-20", "store": "Эльдорадо"},
		"description":   "Холодильник задымился и загорелся, повреждён кухонный гарнитур",
		"mood":          "напугана",
		"demands":       []string{"компенсация кухни"},
		"attachments":   []string{"mail-2211.eml"},
		"source_ticket": "usedesk:9001",
	}
	return body
}

// TestPLCThroughTheAPI drives a PLC case from intake to closed over HTTP and
// checks the letters on the wire and the records written.
func TestPLCThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	id := h.open("expert", "plc-e2e-1", plcBody("email"))
	view := h.waitState(id, "awaiting_verdict")
	assert.Equal(t, []any{"documents_received", "repeat_contact", "specialist_contacted", "verdict"}, view["allowed_events"])

	msgs, err := h.smtp.WaitFor(3, 20*time.Second)
	require.NoError(t, err)
	request := findSubject(msgs, "PLC "+customerName+" CONS-")
	require.NotNil(t, request, "the PLC request reaches the engineer")
	assert.Equal(t, []string{"engineer.fridges@example.com"}, request.To)
	assert.Equal(t, []string{"head.techsupport@example.com"}, request.Cc)
	assert.Contains(t, request.Body, "На почте было зафиксировано обращение PLC")
	assert.Contains(t, request.Body, "1. Номер телефона: "+customerPhone)
	interim := findSubject(msgs, "Ваше обращение CONS-")
	require.NotNil(t, interim)
	assert.Equal(t, []string{"petrova@example.com"}, interim.To)

	status, out := h.call("POST", "/v1/cases/"+id+"/events", "supervisor", map[string]any{"event": "close"})
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, "awaiting_verdict", errField(out, "state"))
	assertParkedCoroutines(t, h, workflows.WorkflowID("plc", id))

	h.event(id, "engineer", "verdict", map[string]any{"plc": true, "comment": "возгорание компрессора"})
	h.event(id, "operator", "documents_received", map[string]any{"documents": []string{"fire_report", "refusal_decision"}, "attachments": []string{"fire.pdf"}})
	h.event(id, "supervisor", "service_request", map[string]any{"note": "по просьбе группы PLC"})
	h.event(id, "expert", "answer_preparing", map[string]any{"warranty": false, "note": "акт НРП"})
	h.event(id, "expert", "nrp_act_uploaded", map[string]any{"act_number": "НРП-7", "attachment": "nrp-7.pdf"})
	h.event(id, "supervisor", "satisfaction_reported", map[string]any{"level": 5})
	closed := h.event(id, "supervisor", "close", map[string]any{"note": "компенсация выплачена"})
	assert.Equal(t, "closed", closed["state"])
	// The API that opened the case sends the event without looking the case
	// up: the server's refusal of an update to a closed workflow is the 409.
	status, out = h.call("POST", "/v1/cases/"+id+"/events", "operator", map[string]any{"event": "repeat_contact", "data": map[string]any{"note": "снова звонит"}})
	assert.Equal(t, http.StatusConflict, status, "%v", out)
	assert.Equal(t, "closed", errField(out, "state"))

	msgs, err = h.smtp.WaitFor(7, 20*time.Second)
	require.NoError(t, err)
	group := findSubject(msgs, "PLC "+customerName+" CONS-")
	require.NotNil(t, group)
	var groupLetter *smtptest.Message
	for i := range msgs {
		if strings.Contains(msgs[i].Body, "признан PLC") {
			groupLetter = &msgs[i]
		}
	}
	require.NotNil(t, groupLetter, "the whole PLC group is mailed")
	assert.Contains(t, groupLetter.Cc, "supervisors@example.com")
	assert.Contains(t, groupLetter.Cc, "quality.expert@example.com")
	nrp := findBody(msgs, "акт НРП загружен")
	require.NotNil(t, nrp)
	assert.Contains(t, nrp.Cc, "complaints@example.com")
	for id, n := range h.smtp.CountByMessageID() {
		assert.Equal(t, 1, n, "letter %s was mailed %d times", id, n)
	}

	recs, err := h.store.ListCaseRecords(context.Background(), id)
	require.NoError(t, err)
	require.Len(t, recs.Tickets, 1)
	assert.Equal(t, "PLC", recs.Tickets[0].Category)
	assert.Equal(t, "B2B_внутренние_коммуникации", recs.Tickets[0].Tag)
	assert.Equal(t, "Выполнено", recs.Tickets[0].Status)
	assert.Equal(t, []string{"usedesk:9001"}, recs.Tickets[0].Linked)
	handed, err := h.store.ListTicketAssignments(context.Background(), id)
	require.NoError(t, err)
	require.Len(t, handed, 1, "the ticket goes to the claims group with the НРП act")
	assert.Equal(t, "claims.group@example.com", handed[0].Group)
	require.Len(t, recs.ServiceRequests, 1)
	assert.Equal(t, "СРОЧНО", recs.ServiceRequests[0].Priority)
	assert.True(t, strings.HasPrefix(recs.ServiceRequests[0].Description, "PLC"))

	status, outbox := h.call("GET", "/v1/outbox?case_id="+id, "admin", nil)
	require.Equal(t, http.StatusOK, status)
	assert.NotEmpty(t, outbox)

	recordRun(t, h, workflows.WorkflowID("plc", id), "", "plc_release2612d_history.json")
	assertSlimHistory(t, h, workflows.WorkflowID("plc", id))
	assertIntakeAtOnce(t, h, workflows.WorkflowID("plc", id))
	assertNoPersonalDataInTemporal(t, h)
}

// assertSlimHistory checks what a case keeps in its history (the caseflow-slim
// and caseflow-release changes): one version marker and its one
// TemporalChangeVersion upsert, at most one search-attribute upsert of its own
// per workflow task, the closed state upserted in the workflow task that
// completes the case (the server folds it into the close record), update
// results and a workflow result that are not the whole view, and a visibility
// record in step with the closed case.
func assertSlimHistory(t *testing.T, h *harness, wid string) {
	t.Helper()
	ctx := context.Background()
	upserts, tasks, inTask, markers, versionUpserts, results, size := 0, 0, 0, 0, 0, 0, 0
	var taskUpserts []string      // the current workflow task's, for the message
	closedIn, completedIn := 0, 0 // the workflow tasks that upserted the closed state and completed the case
	for _, ev := range h.history(wid, "") {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			tasks++
			inTask, taskUpserts = 0, nil
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			markers++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
			completedIn = tasks
			assert.Less(t, dataBytes(ev.GetWorkflowExecutionCompletedEventAttributes().GetResult()), 512, "event %d: the case's result is its state, not the view", ev.GetEventId())
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			fields := ev.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
			if _, sdk := fields["TemporalChangeVersion"]; sdk {
				versionUpserts++
				continue
			}
			upserts++
			inTask++
			if string(fields["CaseState"].GetData()) == `"closed"` {
				closedIn = tasks
			}
			keys := slices.Sorted(maps.Keys(fields))
			taskUpserts = append(taskUpserts, fmt.Sprintf("event %d %v", ev.GetEventId(), keys))
			assert.LessOrEqual(t, inTask, 1, "a second upsert in one workflow task: %v", taskUpserts)
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
			assert.Less(t, dataBytes(ev.GetWorkflowExecutionUpdateCompletedEventAttributes().GetOutcome().GetSuccess()), 1024, "event %d: an update's result is small, not the view", ev.GetEventId())
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			n := dataBytes(ev.GetActivityTaskCompletedEventAttributes().GetResult())
			results += n
			assert.Less(t, n, 400, "event %d: an activity answers with a receipt, not the record it stored", ev.GetEventId())
		}
		size += proto.Size(ev)
	}
	assert.Positive(t, upserts)
	assert.Equal(t, completedIn, closedIn, "the closed state is upserted in the workflow task that completes the case (task %d), not in task %d while the close's side effects run", completedIn, closedIn)
	assert.Equal(t, 1, markers, "one version marker: the release's")
	assert.Equal(t, 1, versionUpserts, "one TemporalChangeVersion upsert: the release's")
	t.Logf("%d search-attribute upserts in %d workflow tasks; history %d bytes, activity results %d of them", upserts, tasks, size, results)
	require.Eventually(t, func() bool {
		resp, err := h.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: h.server.Namespace(), Query: fmt.Sprintf("WorkflowId = '%s' AND CaseState = 'closed'", wid),
		})
		return err == nil && len(resp.GetExecutions()) == 1
	}, 20*time.Second, 100*time.Millisecond, "the visibility record shows the closed state")
}

// assertIntakeAtOnce checks a PLC intake of release2612b: once the
// consultation is recorded, the engineer's request, the shift alert, the
// customer's interim letter and the ticket are scheduled in one workflow task,
// the request first.
func assertIntakeAtOnce(t *testing.T, h *harness, wid string) {
	t.Helper()
	events := h.history(wid, "")
	require.NotEmpty(t, events)
	// The API and the worker share the client here, as in caseflow dev: the
	// server hands the first workflow task back with the start (eager start),
	// so the intake's letters are not queued through matching first.
	assert.True(t, events[0].GetWorkflowExecutionStartedEventAttributes().GetEagerExecutionAccepted(),
		"the case starts eagerly on the worker of the process that opened it")
	var scheduled []*historypb.ActivityTaskScheduledEventAttributes
	for _, ev := range events {
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
			scheduled = append(scheduled, a)
		}
	}
	require.GreaterOrEqual(t, len(scheduled), 5)
	assert.Equal(t, "CreateConsultation", scheduled[0].GetActivityType().GetName())
	var names []string
	for _, a := range scheduled[1:5] {
		names = append(names, a.GetActivityType().GetName())
		assert.Equal(t, scheduled[1].GetWorkflowTaskCompletedEventId(), a.GetWorkflowTaskCompletedEventId(),
			"the intake's letters and ticket go out in one workflow task")
	}
	// The letters' steps are sealed in their inputs; the request is the one
	// with the decision links, scheduled first.
	assert.Equal(t, []string{"SendMail", "SendMail", "SendMail", "CreateTicket"}, names)
	var first activities.SendMailInput
	require.NoError(t, h.dc.FromPayloads(scheduled[1].GetInput(), &first))
	assert.Equal(t, "plc-request", first.Step)
}

// dataBytes is the size of the payloads' data.
func dataBytes(ps *commonpb.Payloads) int {
	n := 0
	for _, p := range ps.GetPayloads() {
		n += len(p.GetData())
	}
	return n
}

// assertNoPersonalDataInTemporal scans Temporal's SQLite files for the
// customer's name and phone: the codec must have encrypted every payload.
func assertNoPersonalDataInTemporal(t *testing.T, h *harness) {
	t.Helper()
	var scanned int
	for _, suffix := range []string{"", "-wal"} {
		raw, err := os.ReadFile(h.server.DBPath() + suffix)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		scanned += len(raw)
		for _, secret := range []string{customerName, customerPhone, "Петрова", "916 555"} {
			assert.NotContains(t, string(raw), secret, "personal data in clear in %s%s", filepath.Base(h.server.DBPath()), suffix)
		}
	}
	require.Positive(t, scanned, "the Temporal database was scanned")
}

func findSubject(msgs []smtptest.Message, prefix string) *smtptest.Message {
	for i := range msgs {
		if strings.HasPrefix(msgs[i].Subject, prefix) {
			return &msgs[i]
		}
	}
	return nil
}

func findBody(msgs []smtptest.Message, part string) *smtptest.Message {
	for i := range msgs {
		if strings.Contains(msgs[i].Body, part) {
			return &msgs[i]
		}
	}
	return nil
}

func errField(out map[string]any, key string) any {
	e, _ := out["error"].(map[string]any)
	return e[key]
}

// TestDeadlinesCountFromIntakeNotFromTheWorker opens a PLC case while no worker
// runs and starts one later: the verdict's deadline counts from the workflow's
// start (the intake), not from when a worker first ran the case (issue 11).
func TestDeadlinesCountFromIntakeNotFromTheWorker(t *testing.T) {
	h := newHarnessWithoutWorker(t)
	id := h.open("operator", "plc-late-worker", plcBody("phone"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := h.client.DescribeWorkflowExecution(ctx, workflows.WorkflowID("plc", id), "")
	require.NoError(t, err)
	started := d.GetWorkflowExecutionInfo().GetStartTime().AsTime()
	// The workers are down for a while: the case waits in Temporal.
	time.Sleep(2 * time.Second)
	h.startWorker(h.client)

	view := h.waitState(id, "awaiting_verdict")
	var basis map[string]any
	for _, dl := range view["deadlines"].([]any) {
		if d := dl.(map[string]any); d["name"] == "verdict" {
			basis = d["basis"].(map[string]any)
		}
	}
	require.NotNil(t, basis, "the verdict deadline: %v", view["deadlines"])
	start, err := time.Parse(time.RFC3339Nano, basis["start"].(string))
	require.NoError(t, err)
	assert.True(t, start.Equal(started), "the verdict counts from the intake %s, not from the worker's first run (%s)", started, start)
	opened, err := time.Parse(time.RFC3339Nano, view["opened_at"].(string))
	require.NoError(t, err)
	assert.True(t, opened.Equal(started), "the case view's opened_at is the intake too")
}

// assertParkedCoroutines checks, with the SDK's __stack_trace query, that a
// PLC case parked awaiting its verdict keeps three coroutines: its main line's
// wait and the watchers of the verdict's and the customer callback's
// deadlines, each watching its timer from its own condition (release2612d)
// instead of from one more coroutine (six before). A workflow
// task resumes every coroutine on each of its passes, in the first run and on
// every replay.
func assertParkedCoroutines(t *testing.T, h *harness, workflowID string) {
	t.Helper()
	var trace string
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		v, err := h.client.QueryWorkflow(context.Background(), workflowID, "", "__stack_trace")
		require.NoError(c, err)
		require.NoError(c, v.Get(&trace))
		assert.Equal(c, 3, strings.Count(trace, "coroutine "), "a parked case keeps its main line and one watcher per deadline:\n%s", trace)
	}, 20*time.Second, 100*time.Millisecond)
	assert.NotContains(t, trace, "awaitUntil.func", "no coroutine waits on a timer alone:\n%s", trace)
}
