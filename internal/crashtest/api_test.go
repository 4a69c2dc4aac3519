//go:build unix

package crashtest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/mail"
	"github.com/caseflow/caseflow/internal/mail/smtptest"
	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// apiClient calls the child's HTTP API with the example config's dev tokens.
type apiClient struct {
	base   string
	hc     *http.Client
	tokens map[string]string
}

func newAPI(base string) *apiClient {
	a := &apiClient{base: base, hc: &http.Client{Timeout: 60 * time.Second}, tokens: map[string]string{}}
	for _, tok := range config.Example().Auth.Tokens {
		if _, ok := a.tokens[tok.Role]; !ok {
			a.tokens[tok.Role] = tok.Token
		}
	}
	return a
}

// do sends one request as role and reads the whole answer; err is a transport
// error (no answer).
func (a *apiClient) do(ctx context.Context, method, path, role string, body any, header ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.tokens[role])
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, raw, nil
}

// retry repeats a call that got no answer or a 5xx, as a client does across a
// crash, until any other answer or until ctx ends. It returns the last answer and
// the number of attempts.
func (a *apiClient) retry(ctx context.Context, method, path, role string, body any, header ...string) (int, []byte, int, error) {
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		status, raw, err := a.do(ctx, method, path, role, body, header...)
		if err == nil && status < 500 {
			return status, raw, attempt, nil
		}
		if err == nil {
			err = fmt.Errorf("HTTP %d: %s", status, raw)
		}
		select {
		case <-ctx.Done():
			return status, raw, attempt, fmt.Errorf("gave up after %d attempts: %w (last: %v)", attempt, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, time.Second)
	}
}

// opened is the answer of POST /v1/cases.
type opened struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// caseView is the part of GET /v1/cases/{id} the tests read.
type caseView struct {
	ID        string     `json:"id"`
	State     string     `json:"state"`
	Deadlines []deadline `json:"deadlines"`
}

// deadline is one deadline of a case view.
type deadline struct {
	Name     string    `json:"name"`
	Due      time.Time `json:"due"`
	Breached bool      `json:"breached"`
	Met      bool      `json:"met"`
}

// view reads a case; the view is empty unless the status is 200.
func (a *apiClient) view(ctx context.Context, id string) (caseView, int, error) {
	var v caseView
	status, raw, err := a.do(ctx, "GET", "/v1/cases/"+id, "admin", nil)
	if err != nil || status != http.StatusOK {
		return v, status, err
	}
	return v, status, json.Unmarshal(raw, &v)
}

// listCaseIDs pages through GET /v1/cases?type=plc.
func (a *apiClient) listCaseIDs(ctx context.Context) ([]string, error) {
	var ids []string
	token := ""
	for {
		q := url.Values{"type": {"plc"}, "page_size": {"1000"}}
		if token != "" {
			q.Set("page_token", token)
		}
		status, raw, err := a.do(ctx, "GET", "/v1/cases?"+q.Encode(), "admin", nil)
		if err != nil {
			return nil, err
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("GET /v1/cases: %d %s", status, raw)
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextPageToken string `json:"next_page_token"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if token = page.NextPageToken; token == "" {
			slices.Sort(ids)
			return ids, nil
		}
	}
}

// plcIntake is an email-channel PLC intake: the case mails the shift alert, the
// customer's interim answer and the engineer's request, then awaits the verdict.
func plcIntake(key string) map[string]any {
	return map[string]any{
		"type": "plc", "channel": "email",
		"customer":    map[string]any{"full_name": "Петрова Анна Сергеевна", "phone": "+7 916 555-12-34", "email": "petrova@example.com", "address": "Казань, ул. Тестовая, 7"},
		"product":     map[string]any{"brand": "Haier", "model": "C2F637CWRG", "category": "refrigerator", "purchase_date": "2024-12-20", "store": "Эльдорадо"},
		"description": "Холодильник задымился (" + key + ")",
		"mood":        "напугана",
		"demands":     []string{"компенсация"},
	}
}

// intakeLetters are the steps that mail during a PLC intake on the email channel.
var intakeLetters = []string{"shift-alert", "customer-interim", "plc-request"}

// verdictLetters are the steps that mail when the engineer confirms PLC.
var verdictLetters = []string{"plc-group"}

// messageIDOf is the Message-ID of a case's letter of step: mail derives it from
// the idempotency key the workflow gives the step.
func messageIDOf(caseID, step string) string {
	return mail.MessageID(workflows.WorkflowID("plc", caseID) + "/" + step)
}

// waitFor polls cond every interval until it holds or timeout passes; it
// returns whether it held.
func waitFor(timeout, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}

// dialTemporal connects to the child's embedded Temporal frontend. The client
// only describes workflows, so it needs no payload codec.
func dialTemporal(t *testing.T, addr string) client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tc, err := client.DialContext(ctx, client.Options{
		HostPort: addr, Namespace: "default",
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	return tc
}

// waitQuiet waits until no case has an activity or a workflow task pending: every
// retry a kill left behind has run, so every letter that will ever go out has.
func waitQuiet(t *testing.T, tc client.Client, ids []string, timeout time.Duration) {
	t.Helper()
	var busy []string
	ok := waitFor(timeout, 500*time.Millisecond, func() bool {
		busy = busy[:0]
		for _, id := range ids {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			d, err := tc.DescribeWorkflowExecution(ctx, workflows.WorkflowID("plc", id), "")
			cancel()
			switch {
			case err != nil:
				busy = append(busy, id+": "+err.Error())
			case len(d.GetPendingActivities()) > 0 || d.GetPendingWorkflowTask() != nil:
				busy = append(busy, fmt.Sprintf("%s: %d activities, workflow task %v", id, len(d.GetPendingActivities()), d.GetPendingWorkflowTask() != nil))
			}
		}
		return len(busy) == 0
	})
	require.True(t, ok, "cases still busy after %s: %v", timeout, busy)
}

// outboxSent lists the Message-IDs the outbox in a records DB holds as sent. Call
// it only while no caseflow runs on the file.
func outboxSent(t *testing.T, path string) map[string]bool {
	t.Helper()
	return outboxSentIn(t, "sqlite:"+path)
}

// outboxSentIn lists the Message-IDs the outbox of the records store dsn holds
// as sent.
func outboxSentIn(t *testing.T, dsn string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	sent := map[string]bool{}
	var before int64
	for {
		page, err := st.ListOutbox(ctx, store.OutboxQuery{Limit: 1000, BeforeID: before})
		require.NoError(t, err)
		for _, m := range page {
			sent[m.MessageID] = true
			before = m.ID
		}
		if len(page) < 1000 {
			return sent
		}
	}
}

// openOutboxReader opens a running caseflow's records DB read-only, to watch
// the outbox while the engine writes it.
func openOutboxReader(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(2000)")
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	require.NoError(t, db.Ping())
	return db
}

// waitMarkedSent polls the outbox until the letter's row is marked sent and
// reports whether that happened within timeout. It polls without pause: the
// caller kills the process the moment the row is committed.
func waitMarkedSent(db *sql.DB, messageID string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var status string
		if err := db.QueryRow(`SELECT status FROM outbox WHERE message_id = ?`, messageID).Scan(&status); err == nil && status == store.MailSent {
			return true
		}
	}
	return false
}

// killMark is what the test saw at one SIGKILL, once the process was gone: how
// many letters the SMTP server had accepted, and which Message-IDs the outbox
// held as sent.
type killMark struct {
	accepted int
	sent     map[string]bool
}

// mailVerdict checks the letters on the wire against the expected Message-IDs.
// Every expected letter must have arrived and nothing else. A letter may arrive
// again only in the window mail.Service documents: the process died after the
// SMTP server accepted it and before the outbox recorded it sent. So between two
// copies of a letter there must be a kill, and at every such kill the outbox must
// still have held the letter as pending. It returns the failures and, apart, the
// copies that the documented window explains.
func mailVerdict(msgs []smtptest.Message, expected map[string]bool, kills []killMark) (problems, tolerated []string) {
	at := map[string][]int{}
	for i, m := range msgs {
		at[m.MessageID] = append(at[m.MessageID], i)
	}
	for id := range expected {
		if len(at[id]) == 0 {
			problems = append(problems, "letter "+id+" never arrived")
		}
	}
	for id, idx := range at {
		if !expected[id] {
			problems = append(problems, fmt.Sprintf("unexpected letter %s (%q) arrived %d time(s)", id, msgs[idx[0]].Subject, len(idx)))
			continue
		}
		for j := 1; j < len(idx); j++ {
			var between []int
			for k, m := range kills {
				if idx[j-1] < m.accepted && m.accepted <= idx[j] {
					between = append(between, k)
				}
			}
			subject := msgs[idx[j]].Subject
			if len(between) == 0 {
				problems = append(problems, fmt.Sprintf("letter %s (%q) mailed twice (copies #%d and #%d on the wire) with no crash in between", id, subject, idx[j-1], idx[j]))
				continue
			}
			if k := slices.IndexFunc(between, func(k int) bool { return kills[k].sent[id] }); k >= 0 {
				problems = append(problems, fmt.Sprintf("letter %s (%q) mailed again (copy #%d) although the outbox held it as sent at kill %d", id, subject, idx[j], between[k]+1))
				continue
			}
			tolerated = append(tolerated, fmt.Sprintf("letter %s (%q) mailed again (copy #%d) after kill %v caught it accepted by SMTP but not yet marked sent", id, subject, idx[j], plus1(between)))
		}
	}
	slices.Sort(problems)
	slices.Sort(tolerated)
	return problems, tolerated
}

func plus1(ks []int) []int {
	out := make([]int, len(ks))
	for i, k := range ks {
		out[i] = k + 1
	}
	return out
}

// countMatches counts the lines of log that contain s.
func countMatches(log, s string) int {
	n := 0
	for line := range strings.SplitSeq(log, "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}
