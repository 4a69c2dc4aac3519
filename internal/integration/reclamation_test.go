package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/caseflow/caseflow/internal/calendar"
	"github.com/caseflow/caseflow/internal/mail/smtptest"
	"github.com/caseflow/caseflow/workflows"
)

const claimClientEmail = "claims@client.example.com"

func claimBody(project string) map[string]any {
	return map[string]any{
		"type": "reclamation", "channel": "email",
		"received_by": "operator-1", "received_by_email": "operator1@example.com",
		"client": "АО «Заказчик»", "client_email": claimClientEmail, "project": project,
		"serial_numbers": []string{"SN-1001", "SN-1002"}, "shipment_date": "2025-09-01",
		"shipment_responsible": "Сидоров С. С.", "documents": []string{"claim.pdf", "photo-1.jpg"},
		"comment": "Оборудование выдаёт продукцию несоответствующего качества",
	}
}

// TestReclamationThroughTheAPI drives a claim over HTTP through a return for data,
// an investigation and two remediation cycles (the first ends in continue-as-new
// on the real server) to closed, checks the letters on the wire and the records,
// and numbers ten concurrent intakes with no gap and no duplicate.
func TestReclamationThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id := h.open("operator", "claim-e2e-main", claimBody("Линия розлива Л-2"))
	wid := workflows.WorkflowID("reclamation", id)
	view := h.waitState(id, "qualification")
	data := view["data"].(map[string]any)
	assert.EqualValues(t, 1, data["claim_number"])
	assert.NotEmpty(t, data["registered_at"])
	assert.Contains(t, data["title"], "АО «Заказчик», проект «Линия розлива Л-2»")

	numbers := h.concurrentClaims(10)

	// Qualification: the director's task is in the director's inbox.
	assert.Equal(t, id, h.inboxTask("quality_director", "", id)["case_id"])
	status, out := h.call("POST", "/v1/cases/"+id+"/events", "executor", map[string]any{"event": "reject", "data": map[string]any{"reason": "x"}})
	assert.Equal(t, http.StatusForbidden, status, "%v", out)
	h.event(id, "quality_director", "return_for_data", map[string]any{"comment": "Укажите номер договора"})
	status, out = h.call("POST", "/v1/cases/"+id+"/events", "expert", map[string]any{"event": "resubmit", "data": map[string]any{"comment": "x"}})
	assert.Equal(t, http.StatusForbidden, status, "the initiator's task is operator-1's: %v", out)
	h.event(id, "operator", "resubmit", map[string]any{"comment": "Номер договора указан", "contract_number": "Д-17/2025"})

	// Investigation: three documents for executor-1, one for executor-2.
	hearing := workingDateAhead(t, 10)
	h.event(id, "quality_director", "open_investigation", map[string]any{
		"hearing_date": hearing.Format(time.DateOnly),
		"executors": []any{
			map[string]any{"document": "contract", "name": "executor-1", "email": "executor1@example.com"},
			map[string]any{"document": "technical_specification", "name": "executor-1", "email": "executor1@example.com"},
			map[string]any{"document": "acceptance_documents", "name": "executor-2", "email": "executor2@example.com"},
			map[string]any{"document": "monitoring_data", "name": "executor-1", "email": "executor1@example.com"},
		},
	})
	status, inbox := h.call("GET", "/v1/tasks", "executor", nil)
	require.Equal(t, http.StatusOK, status, "%v", inbox)
	mine := 0
	for _, it := range inbox["items"].([]any) {
		task := it.(map[string]any)
		assert.Equal(t, "executor-1", task["assignee"], "an executor sees only its own tasks")
		assert.NotEmpty(t, task["due"])
		if task["case_id"] == id {
			mine++
		}
	}
	assert.Equal(t, 3, mine)

	view = h.view(id)
	theirs := claimTaskID(view, "document", "executor-2")
	status, out = h.call("POST", "/v1/cases/"+id+"/events", "executor", map[string]any{"event": "document_ready", "data": map[string]any{"task_id": theirs}})
	assert.Equal(t, http.StatusForbidden, status, "executors act only on their own tasks: %v", out)
	status, out = h.call("POST", "/v1/cases/"+id+"/events", "quality_director", map[string]any{"event": "commission_held",
		"data": map[string]any{"protocol": "x", "plan": []any{map[string]any{"task": "x", "assignee": "executor-1"}}}})
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, "collecting_documents", errField(out, "state"))
	for range 3 {
		h.event(id, "executor", "document_ready", map[string]any{"task_id": claimTaskID(h.view(id), "document", "executor-1"), "note": "готово"})
	}
	view = h.event(id, "quality_director", "document_ready", map[string]any{"task_id": theirs, "note": "принято от executor-2"})
	assert.Equal(t, "commission", view["state"])

	// Cycle 1 ends unresolved: the run continues as new.
	run1 := h.runID(ctx, wid)
	h.event(id, "quality_director", "commission_held", map[string]any{
		"protocol": "Недолив вызван износом дозатора", "causes": "Износ дозатора",
		"plan": []any{map[string]any{"task": "Заменить дозатор", "assignee": "executor-1", "due": "2 working days"}},
	})
	h.event(id, "executor", "task_reported", map[string]any{"task_id": claimTaskID(h.view(id), "action", "executor-1"), "report": "Дозатор заменён"})
	view = h.event(id, "quality_director", "client_confirmation", map[string]any{"resolved": false, "comment": "Недолив повторился"})
	assert.Equal(t, "commission", view["state"])
	var run2 string
	require.Eventually(t, func() bool { run2 = h.runID(ctx, wid); return run2 != run1 }, 30*time.Second, 50*time.Millisecond,
		"the run continues as new after an unresolved cycle")

	// Cycle 2 on the new run, then closed.
	view = h.view(id)
	assert.Equal(t, "commission", view["state"])
	assert.EqualValues(t, 1, view["data"].(map[string]any)["claim_number"])
	h.event(id, "quality_director", "commission_held", map[string]any{
		"protocol": "Обнаружена трещина корпуса", "causes": "Трещина корпуса дозатора",
		"plan": []any{map[string]any{"task": "Заменить корпус дозатора", "assignee": "executor-1"}},
	})
	h.event(id, "executor", "task_reported", map[string]any{"task_id": claimTaskID(h.view(id), "action", "executor-1"), "report": "Корпус заменён"})
	closed := h.event(id, "quality_director", "client_confirmation", map[string]any{"resolved": true, "comment": "Претензий нет"})
	assert.Equal(t, "closed", closed["state"])
	assert.Equal(t, []any{}, closed["allowed_events"])

	// Letters on the wire: 10 qualification letters of the other claims; for this
	// one 2 qualification, 1 return, 1 notice, 10 task letters, 2 protocols, the
	// closing package and the apology.
	msgs, err := h.smtp.WaitFor(28, 30*time.Second)
	require.NoError(t, err)
	claim1 := func(subject string) []smtptest.Message {
		var out []smtptest.Message
		for _, m := range msgs {
			if strings.HasPrefix(m.Subject, "Рекламация № 1: "+subject) {
				out = append(out, m)
			}
		}
		return out
	}
	assert.Len(t, claim1("квалифицируйте претензию"), 2)
	ret := claim1("нужны дополнительные данные")
	require.Len(t, ret, 1)
	assert.Equal(t, []string{"operator1@example.com"}, ret[0].To)
	notice := claim1("претензии дан официальный ход")
	require.Len(t, notice, 1)
	assert.Equal(t, []string{claimClientEmail}, notice[0].To)
	assert.Contains(t, notice[0].Body, "Регистрационный номер: 1 от ")
	assert.Contains(t, notice[0].Body, "Дата разбирательства: "+hearing.Format("02.01.2006"))
	// six executor tasks and the director's two commission and two confirmation tasks
	assert.Len(t, claim1("вам поручена задача"), 10)
	protocols := claim1("протокол заседания комиссии")
	require.Len(t, protocols, 2)
	assert.Contains(t, protocols[0].Body+protocols[1].Body, "1. Заменить дозатор — ответственный: executor-1, срок: ")
	closing := claim1("пакет документов о закрытии претензии")
	require.Len(t, closing, 1)
	assert.Contains(t, closing[0].Body, "Дозатор заменён")
	assert.Contains(t, closing[0].Body, "Корпус заменён")
	apology := claim1("письмо руководства компании")
	require.Len(t, apology, 1)
	assert.Equal(t, []string{claimClientEmail}, apology[0].To)
	assert.Equal(t, []string{"management@example.com"}, apology[0].Cc)
	assert.Contains(t, apology[0].Body, "извинения")
	for mid, n := range h.smtp.CountByMessageID() {
		assert.Equal(t, 1, n, "letter %s was mailed %d times", mid, n)
	}

	// Records: the card at its last stage and its task list.
	recs, err := h.store.ListCaseRecords(ctx, id)
	require.NoError(t, err)
	require.Len(t, recs.Claims, 1)
	assert.Equal(t, "closed", recs.Claims[0].Stage)
	assert.Equal(t, "Линия розлива Л-2", recs.Claims[0].Fields["project"])
	tasks, err := h.store.ListClaimTasks(ctx, 1)
	require.NoError(t, err)
	statuses := map[string]int{}
	for _, ct := range tasks {
		statuses[ct.Status]++
	}
	// 2 qualification, 1 return, 4 documents, 2 commission, 2 actions, 2 confirmations; the archive.
	assert.Equal(t, map[string]int{"done": 13, "archived": 1}, statuses)

	// Ten concurrent intakes: numbers 2..11, no gap, no duplicate.
	slices.Sort(numbers)
	want := make([]int64, 10)
	for i := range want {
		want[i] = int64(i + 2)
	}
	assert.Equal(t, want, numbers)

	recordRun(t, h, wid, run1, "reclamation_release_run1_history.json")
	recordRun(t, h, wid, run2, "reclamation_release_run2_history.json")
}

// concurrentClaims opens n claims at once and returns their claim numbers.
func (h *harness) concurrentClaims(n int) []int64 {
	h.t.Helper()
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = h.post(fmt.Sprintf("claim-e2e-%d", i), claimBody(fmt.Sprintf("Проект %d", i)))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(h.t, err)
	}
	// The same key again is the same case, and takes no number.
	again, err := h.post("claim-e2e-0", claimBody("Проект 0"))
	require.NoError(h.t, err)
	require.Equal(h.t, ids[0], again)
	var numbers []int64
	for _, id := range ids {
		v := h.waitState(id, "qualification")
		numbers = append(numbers, int64(v["data"].(map[string]any)["claim_number"].(float64)))
	}
	return numbers
}

// post opens a case as an operator without failing the test from a goroutine.
func (h *harness) post(key string, body any) (string, error) {
	status, out, err := h.do("POST", "/v1/cases", "operator", body, "Idempotency-Key", key)
	if err != nil {
		return "", err
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return "", fmt.Errorf("open %s: %d %v", key, status, out)
	}
	return out["id"].(string), nil
}

func (h *harness) view(id string) map[string]any {
	h.t.Helper()
	status, v := h.call("GET", "/v1/cases/"+id, "admin", nil)
	require.Equal(h.t, http.StatusOK, status, "%v", v)
	return v
}

// inboxTask returns the role's inbox task of the case.
func (h *harness) inboxTask(role, assignee, caseID string) map[string]any {
	h.t.Helper()
	status, out := h.call("GET", "/v1/tasks?role="+role+"&assignee="+assignee, role, nil)
	require.Equal(h.t, http.StatusOK, status, "%v", out)
	for _, it := range out["items"].([]any) {
		if task := it.(map[string]any); task["case_id"] == caseID {
			require.Equal(h.t, role, task["role"])
			require.NotEmpty(h.t, task["due"])
			return task
		}
	}
	h.t.Fatalf("no %s task of case %s in the inbox: %v", role, caseID, out)
	return nil
}

func (h *harness) runID(ctx context.Context, wid string) string {
	h.t.Helper()
	d, err := h.client.DescribeWorkflowExecution(ctx, wid, "")
	require.NoError(h.t, err)
	return d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}

// claimTaskID finds the open claim task of a kind and assignee in a case view.
func claimTaskID(view map[string]any, kind, assignee string) string {
	data, _ := view["data"].(map[string]any)
	tasks, _ := data["tasks"].([]any)
	for _, t := range tasks {
		task := t.(map[string]any)
		if task["kind"] == kind && task["assignee"] == assignee && (task["status"] == "open" || task["status"] == "overdue") {
			return task["task_id"].(string)
		}
	}
	return ""
}

// workingDateAhead is the first working day at least days from today, on the
// default calendar.
func workingDateAhead(t *testing.T, days int) time.Time {
	cal, err := calendar.Default().Calendar(calendar.DefaultCalendar)
	require.NoError(t, err)
	d := time.Now().AddDate(0, 0, days)
	for !cal.Day(d.Year(), d.Month(), d.Day()).Working {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// recordRun writes one run's history (runID "": the latest run) to
// workflows/testdata for the replay tests when CASEFLOW_RECORD_HISTORY is set.
func recordRun(t *testing.T, h *harness, workflowID, runID, file string) {
	if os.Getenv("CASEFLOW_RECORD_HISTORY") == "" {
		return
	}
	hist := &historypb.History{Events: h.history(workflowID, runID)}
	raw, err := protojson.MarshalOptions{Indent: "  "}.Marshal(hist)
	require.NoError(t, err)
	// A recorded history guards the cases started before a change: a new
	// recording never overwrites one (CASEFLOW_RECORD_OVERWRITE=1 for a history
	// of code that has never run outside a branch).
	path := filepath.Join("..", "..", "workflows", "testdata", file)
	if _, err := os.Stat(path); err == nil && os.Getenv("CASEFLOW_RECORD_OVERWRITE") == "" {
		t.Fatalf("workflows/testdata/%s exists and guards the cases it recorded: record the new behaviour under a new name", file)
	}
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	t.Logf("recorded %d history events of run %s to workflows/testdata/%s", len(hist.Events), runID, file)
}
