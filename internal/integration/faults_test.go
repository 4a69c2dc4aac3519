package integration

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	_ "modernc.org/sqlite" // a second connection that locks the records database
)

// TestWorkerFaults: an SMTP server that is down and a records database that is
// locked past its busy timeout are transient faults — the activities retry with
// backoff and every letter still goes out exactly once; a recipient the server
// refuses for good becomes a supervisor's task on a case that goes on.
func TestWorkerFaults(t *testing.T) {
	h := newHarness(t)

	t.Run("SMTP down, then up: every letter once", func(t *testing.T) {
		h.smtp.Reset()
		h.smtp.SetDown(true)
		id := h.open("expert", "faults-smtp-down", plcBody("email"))
		// The letters are retried while the server refuses connections; the case
		// is recorded and waits for its request to reach the engineer. Wait until
		// a send has failed (not a fixed time), then bring the server back.
		h.waitActivityFailed(workflows.WorkflowID("plc", id), "421")
		require.Empty(t, h.smtp.Messages(), "nothing reached a server that was down")
		h.smtp.SetDown(false)
		h.waitState(id, "awaiting_verdict")
		msgs, err := h.smtp.WaitFor(3, 30*time.Second)
		require.NoError(t, err)
		require.NotNil(t, findSubject(msgs, "PLC "+customerName+" CONS-"), "the request reached the engineer after the outage")
		assertEachLetterOnce(t, h)
		_, view := h.call("GET", "/v1/cases/"+id, "admin", nil)
		assert.Empty(t, view["tasks"], "a transient outage leaves no manual work")
	})

	t.Run("a verdict during an outage meets its deadline at once", func(t *testing.T) {
		h.smtp.Reset()
		h.smtp.SetDown(true)
		id := h.open("expert", "faults-verdict-in-outage", plcBody("email"))
		wid := workflows.WorkflowID("plc", id)
		h.waitActivityFailed(wid, "421")
		// The verdict's side effects (the PLC group's letter) wait for the
		// intake's letters, so its answer waits for the outage to end: send it
		// beside the test.
		answered := make(chan int, 1)
		go func() {
			verdict := map[string]any{"event": "verdict", "data": map[string]any{"plc": true, "comment": "PLC: возгорание"}}
			status, _, _ := h.do("POST", "/v1/cases/"+id+"/events", "engineer", verdict)
			answered <- status
		}()
		// The verdict is in while the letters still fail: its deadline is met
		// then, not when the outage ends (a long outage would breach it).
		view := h.waitState(id, "confirmed")
		verdict := deadlineOf(t, view, "verdict")
		assert.Equal(t, true, verdict["met"], "the verdict's deadline is met when the verdict comes: %v", verdict)
		assert.Equal(t, false, verdict["breached"], "%v", verdict)
		require.Empty(t, h.smtp.Messages(), "the server is still down")

		h.smtp.SetDown(false)
		select {
		case status := <-answered:
			require.Equal(t, http.StatusOK, status, "the verdict's answer once its letters are out")
		case <-time.After(time.Minute):
			t.Fatal("the verdict never answered after the outage")
		}
		msgs, err := h.smtp.WaitFor(4, 30*time.Second)
		require.NoError(t, err)
		require.NotNil(t, findSubject(msgs, "PLC "+customerName+" CONS-"), "the request reached the engineer after the outage")
		assertEachLetterOnce(t, h)
		// The verdict's state and the deadline it met reach visibility in one
		// upsert, and its effects add none after it.
		var last *commonpb.SearchAttributes
		for _, e := range h.history(wid, "") {
			if a := e.GetUpsertWorkflowSearchAttributesEventAttributes(); a != nil {
				last = a.GetSearchAttributes()
			}
		}
		require.NotNil(t, last)
		assert.Equal(t, `"confirmed"`, string(last.GetIndexedFields()["CaseState"].GetData()), "the last upsert is the verdict's")
		assert.Contains(t, last.GetIndexedFields(), "CaseDeadline", "the verdict's upsert moves the deadline too")
		recordRun(t, h, wid, "", "plc_verdict_in_outage_history.json")
	})

	t.Run("records database locked past the busy timeout", func(t *testing.T) {
		h.smtp.Reset()
		db, err := sql.Open("sqlite", h.records)
		require.NoError(t, err)
		defer db.Close()
		conn, err := db.Conn(context.Background())
		require.NoError(t, err)
		defer conn.Close()
		_, err = conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE")
		require.NoError(t, err)
		id := h.open("expert", "faults-db-locked", plcBody("email"))
		// The lock outlasts the store's busy_timeout: hold it until an attempt
		// has failed with "database is locked", then release it so a retry succeeds.
		h.waitActivityFailed(workflows.WorkflowID("plc", id), "locked")
		_, err = conn.ExecContext(context.Background(), "COMMIT")
		require.NoError(t, err)
		h.waitState(id, "awaiting_verdict")
		msgs, err := h.smtp.WaitFor(3, 30*time.Second)
		require.NoError(t, err)
		request := findSubject(msgs, "PLC "+customerName+" CONS-")
		require.NotNil(t, request, "the request went out once the database was free")
		assertEachLetterOnce(t, h)
		_, view := h.call("GET", "/v1/cases/"+id, "admin", nil)
		assert.Empty(t, view["tasks"], "a lock that clears leaves no manual work")
	})

	t.Run("a refused recipient becomes a supervisor task", func(t *testing.T) {
		h.smtp.Reset()
		h.smtp.RejectRecipient("engineer.fridges@example.com")
		id := h.open("expert", "faults-refused", plcBody("email"))
		view := h.waitState(id, "awaiting_verdict")
		var tasks []any
		require.Eventually(t, func() bool {
			_, view = h.call("GET", "/v1/cases/"+id, "admin", nil)
			tasks, _ = view["tasks"].([]any)
			return len(tasks) > 0
		}, 30*time.Second, 50*time.Millisecond, "no task for the refused letter: %v", view)
		task := tasks[0].(map[string]any)
		assert.Equal(t, "supervisor", task["role"])
		assert.Contains(t, task["title"], "выполните вручную")

		status, out := h.call("GET", "/v1/tasks?role=supervisor", "supervisor", nil)
		require.Equal(t, http.StatusOK, status)
		items, _ := out["items"].([]any)
		found := false
		for _, it := range items {
			found = found || strings.Contains(it.(map[string]any)["case_id"].(string), id)
		}
		assert.True(t, found, "the supervisor's inbox shows the task: %v", out)
		// The case is not stuck: the engineer's verdict still moves it.
		h.event(id, "engineer", "verdict", map[string]any{"plc": false, "comment": "не PLC"})
		assertEachLetterOnce(t, h)
	})
}

// assertEachLetterOnce fails when a Message-ID reached the SMTP server twice.
func assertEachLetterOnce(t *testing.T, h *harness) {
	t.Helper()
	for id, n := range h.smtp.CountByMessageID() {
		assert.Equal(t, 1, n, "letter %s was sent %d times", id, n)
	}
}

// waitActivityFailed waits until one of the workflow's pending activities has
// failed an attempt with a message containing what (a condition, not a fixed time).
func (h *harness) waitActivityFailed(workflowID, what string) {
	h.t.Helper()
	var seen []string
	require.Eventually(h.t, func() bool {
		d, err := h.client.DescribeWorkflowExecution(context.Background(), workflowID, "")
		if err != nil {
			return false
		}
		seen = seen[:0]
		for _, a := range d.GetPendingActivities() {
			if f := a.GetLastFailure(); f != nil && a.GetAttempt() > 1 {
				seen = append(seen, a.GetActivityType().GetName()+": "+f.GetMessage())
				if strings.Contains(f.GetMessage(), what) {
					return true
				}
			}
		}
		return false
	}, time.Minute, 50*time.Millisecond, "no activity of %s failed with %q; failures seen: %v", workflowID, what, seen)
}

// deadlineOf is the named deadline of a case view.
func deadlineOf(t *testing.T, view map[string]any, name string) map[string]any {
	t.Helper()
	ds, _ := view["deadlines"].([]any)
	for _, d := range ds {
		if m, ok := d.(map[string]any); ok && m["name"] == name {
			return m
		}
	}
	t.Fatalf("no deadline %s in %v", name, view["deadlines"])
	return nil
}
