//go:build unix

package crashtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/mail/smtptest"
)

// crashSize is how hard TestCrashRecovery pushes.
type crashSize struct {
	cases, kills int
	// interval is the pace of new intakes; at most concurrency run at once.
	interval    time.Duration
	concurrency int
	// Every verdictEvery-th case gets the engineer's verdict as soon as it waits for one.
	verdictEvery int
	// budget bounds the whole test.
	budget time.Duration
}

// crashSizeFromEnv is the short form, or the long one with CASEFLOW_CRASH_LONG set.
func crashSizeFromEnv() crashSize {
	if v := os.Getenv("CASEFLOW_CRASH_LONG"); v != "" && v != "0" {
		return crashSize{cases: 200, kills: 10, interval: 100 * time.Millisecond, concurrency: 6, verdictEvery: 8, budget: 15 * time.Minute}
	}
	return crashSize{cases: 20, kills: 2, interval: 150 * time.Millisecond, concurrency: 4, verdictEvery: 4, budget: 5 * time.Minute}
}

// TestCrashRecovery opens PLC cases through the API at a steady pace, SIGKILLs
// caseflow dev in the middle of it several times and restarts it on the same data
// dir. Each kill is aimed just after the SMTP server accepted a letter, where the
// engine is between the wire, the outbox and Temporal. Afterwards:
//
//   - every intake that was answered 2xx names one case, and it exists;
//   - an intake sent again with its Idempotency-Key after a restart answers 200
//     with the same case, and the case list holds exactly one case per key;
//   - every case reaches its state: awaiting_verdict, or confirmed for those
//     that got a verdict (sent with an Idempotency-Key, retried across kills);
//   - every deadline keeps the due time it had when first seen, and is still
//     pending unless the verdict met it;
//   - every expected letter is on the wire, nothing else, and none twice beyond
//     the window mail.Service documents (accepted by SMTP, not yet marked sent).
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crashtest builds caseflow and kills it under load; skipped with -short")
	}
	size := crashSizeFromEnv()
	began := time.Now()
	smtp := smtptest.Start(t)
	c := newChild(t, smtp.Addr())
	c.start()
	c.waitHealthy(2 * time.Minute)

	ctx, cancel := context.WithTimeout(context.Background(), size.budget)
	defer cancel()
	l := newLoad(newAPI("http://"+c.httpAddr), size)
	go l.run(ctx)
	t.Cleanup(func() {
		cancel()
		<-l.done
	})

	var marks []killMark
	for k := range size.kills {
		want := int32((k + 1) * size.cases / (size.kills + 1))
		require.True(t, waitFor(2*time.Minute, 20*time.Millisecond, func() bool { return l.opened.Load() >= want }),
			"only %d of %d intakes answered before kill %d", l.opened.Load(), want, k+1)
		// Aim at the mail windows. Odd kills land just after the SMTP server took a
		// letter, before its sender marks it sent; even kills just after the outbox
		// marked it sent, before Temporal hears the activity is done.
		outbox := openOutboxReader(t, c.recordsDB())
		n := len(smtp.Messages())
		msgs, err := smtp.WaitFor(n+1, time.Minute)
		require.NoError(t, err, "no letter before kill %d", k+1)
		aim := "just after the SMTP server took a letter"
		if k%2 == 1 {
			aim = "just after the outbox marked a letter sent"
			if !waitMarkedSent(outbox, msgs[n].MessageID, 30*time.Second) {
				aim = "after a letter was never marked sent within 30s"
			}
		} else {
			time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
		}
		c.kill()
		require.NoError(t, outbox.Close())
		mark := killMark{accepted: len(smtp.Messages()), sent: outboxSent(t, c.recordsDB())}
		marks = append(marks, mark)
		t.Logf("kill %d at %s, %s: %d intakes answered, %d letters on the wire, %d sent in the outbox",
			k+1, time.Since(began).Round(time.Millisecond), aim, l.opened.Load(), mark.accepted, len(mark.sent))
		c.start()
		c.waitHealthy(2 * time.Minute)
		l.replay(ctx, t, 8)
	}

	select {
	case <-l.done:
	case <-ctx.Done():
		t.Fatalf("the load did not finish within %s", size.budget)
	}
	t.Logf("load done at %s", time.Since(began).Round(time.Millisecond))

	// One case per key, whatever the retries.
	ids := map[string]*plcCase{}
	var retried, foundStarted int
	for _, pc := range l.cases {
		require.Empty(t, pc.failure, "case %d (key %s)", pc.n, pc.key)
		require.NotEmpty(t, pc.id, "case %d (key %s) was never opened", pc.n, pc.key)
		for _, a := range pc.answers {
			assert.Equal(t, pc.id, a.id, "intake key %s answered %d with another case", pc.key, a.status)
		}
		if pc.tries > 1 {
			retried++
			if pc.answers[0].status == http.StatusOK {
				foundStarted++
			}
		}
		if other, dup := ids[pc.id]; dup {
			t.Fatalf("keys %s and %s opened the same case %s", other.key, pc.key, pc.id)
		}
		ids[pc.id] = pc
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)

	// Every accepted case reaches its state.
	states := map[string]string{}
	api := newAPI("http://" + c.httpAddr)
	ok := waitFor(3*time.Minute, 500*time.Millisecond, func() bool {
		for id, pc := range ids {
			want := pc.wantState()
			if states[id] == want {
				continue
			}
			v, status, err := api.view(ctx, id)
			if err != nil || status != http.StatusOK {
				states[id] = fmt.Sprintf("HTTP %d %v", status, err)
				return false
			}
			if states[id] = v.State; v.State != want {
				return false
			}
		}
		return true
	})
	require.True(t, ok, "cases not in their state: %v", notIn(states, ids))
	t.Logf("every case in its state at %s", time.Since(began).Round(time.Millisecond))
	waitQuiet(t, dialTemporal(t, c.temporalAddr), sorted, 3*time.Minute)
	t.Logf("no activity pending at %s", time.Since(began).Round(time.Millisecond))

	// Deadlines keep their due times; only the verdict met one.
	for id, pc := range ids {
		v, status, err := api.view(ctx, id)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		assert.Contains(t, pc.deadlines, "verdict", "case %s", id)
		assert.Contains(t, pc.deadlines, "customer_callback", "case %s", id)
		for name, due := range pc.deadlines {
			i := slices.IndexFunc(v.Deadlines, func(d deadline) bool { return d.Name == name })
			if !assert.GreaterOrEqual(t, i, 0, "case %s lost deadline %s", id, name) {
				continue
			}
			d := v.Deadlines[i]
			assert.True(t, d.Due.Equal(due), "case %s deadline %s: due %s after the kills, %s before", id, name, d.Due, due)
			assert.False(t, d.Breached, "case %s deadline %s breached", id, name)
			assert.Equal(t, pc.verdict && name == "verdict", d.Met, "case %s deadline %s met=%t", id, name, d.Met)
		}
	}

	// The case list holds the opened cases and no other.
	var listed []string
	var listErr error
	ok = waitFor(time.Minute, 500*time.Millisecond, func() bool {
		listed, listErr = api.listCaseIDs(ctx)
		return listErr == nil && slices.Equal(listed, sorted)
	})
	require.True(t, ok, "GET /v1/cases lists %d cases for %d keys (err %v): extra %v, missing %v",
		len(listed), len(sorted), listErr, minus(listed, sorted), minus(sorted, listed))

	// Each letter once, bar the documented window.
	expected := expectedLetters(ids)
	msgs := smtp.Messages()
	problems, tolerated := mailVerdict(msgs, expected, marks)
	for _, s := range tolerated {
		t.Logf("at-least-once window: %s", s)
	}
	assert.Empty(t, problems, "mail")

	t.Logf("%d cases, %d kills, %d intakes retried (%d found already started), %d verdicts, %d letters for %d expected, %d in the documented window; took %s",
		len(ids), size.kills, retried, foundStarted, len(ids)/size.verdictEvery, len(msgs), len(expected), len(tolerated), time.Since(began).Round(time.Millisecond))
	t.Logf("child log lines with \"database is locked\": %d", countMatches(c.stderrOf(), "database is locked"))
}

// answer is one 2xx answer to an intake.
type answer struct {
	status int
	id     string
}

// plcCase is one case of the load, by its Idempotency-Key.
type plcCase struct {
	n       int
	key     string
	verdict bool

	mu      sync.Mutex
	id      string
	answers []answer
	tries   int
	// deadlines are the due times as the case first showed them.
	deadlines map[string]time.Time
	failure   string
}

func (pc *plcCase) wantState() string {
	if pc.verdict {
		return "confirmed"
	}
	return "awaiting_verdict"
}

func (pc *plcCase) fail(format string, args ...any) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.failure == "" {
		pc.failure = fmt.Sprintf(format, args...)
	}
}

// load opens the cases at a steady pace and follows each up.
type load struct {
	api    *apiClient
	size   crashSize
	cases  []*plcCase
	opened atomic.Int32
	done   chan struct{}
}

func newLoad(api *apiClient, size crashSize) *load {
	l := &load{api: api, size: size, done: make(chan struct{})}
	run := rand.Uint32()
	for i := range size.cases {
		l.cases = append(l.cases, &plcCase{
			n: i + 1, key: fmt.Sprintf("crash-%08x-%04d", run, i+1), verdict: (i+1)%size.verdictEvery == 0,
		})
	}
	return l
}

// run opens a case every interval, at most concurrency at once, and follows each
// up; it closes done when all have ended.
func (l *load) run(ctx context.Context) {
	defer close(l.done)
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, l.size.concurrency)
	tick := time.NewTicker(l.size.interval)
	defer tick.Stop()
	for _, pc := range l.cases {
		select {
		case <-tick.C:
		case <-ctx.Done():
			pc.fail("never sent: %v", ctx.Err())
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			pc.fail("never sent: %v", ctx.Err())
			continue
		}
		wg.Go(func() {
			ok := l.open(ctx, pc)
			<-sem
			if ok {
				l.follow(ctx, pc)
			}
		})
	}
}

// open sends the intake until it is answered other than by a 5xx.
func (l *load) open(ctx context.Context, pc *plcCase) bool {
	status, raw, tries, err := l.api.retry(ctx, "POST", "/v1/cases", "expert", plcIntake(pc.key), "Idempotency-Key", pc.key)
	pc.mu.Lock()
	pc.tries = tries
	pc.mu.Unlock()
	if err != nil {
		pc.fail("intake: %v", err)
		return false
	}
	var o opened
	if status != http.StatusCreated && status != http.StatusOK || json.Unmarshal(raw, &o) != nil || o.ID == "" {
		pc.fail("intake answered %d: %s", status, raw)
		return false
	}
	pc.mu.Lock()
	pc.id = o.ID
	pc.answers = append(pc.answers, answer{status, o.ID})
	pc.mu.Unlock()
	l.opened.Add(1)
	return true
}

// follow records the case's deadlines as first shown and, for a verdict case,
// sends the engineer's verdict once the case awaits it.
func (l *load) follow(ctx context.Context, pc *plcCase) {
	var v caseView
	poll := func(every time.Duration, cond func() bool) bool {
		for {
			var status int
			var err error
			if v, status, err = l.api.view(ctx, pc.id); err == nil && status == http.StatusOK && cond() {
				return true
			}
			select {
			case <-ctx.Done():
				return false
			case <-time.After(every):
			}
		}
	}
	if !poll(200*time.Millisecond, func() bool { return len(v.Deadlines) > 0 }) {
		pc.fail("case %s never showed its deadlines", pc.id)
		return
	}
	due := map[string]time.Time{}
	for _, d := range v.Deadlines {
		due[d.Name] = d.Due
	}
	pc.mu.Lock()
	pc.deadlines = due
	pc.mu.Unlock()
	if !pc.verdict {
		return
	}
	if !poll(500*time.Millisecond, func() bool { return v.State == "awaiting_verdict" }) {
		pc.fail("case %s never awaited the verdict (state %q)", pc.id, v.State)
		return
	}
	body := map[string]any{"event": "verdict", "data": map[string]any{"plc": true, "comment": "возгорание компрессора"}}
	status, raw, _, err := l.api.retry(ctx, "POST", "/v1/cases/"+pc.id+"/events", "engineer", body, "Idempotency-Key", "verdict-"+pc.key)
	if err != nil {
		pc.fail("verdict on %s: %v", pc.id, err)
		return
	}
	var after caseView
	if status != http.StatusOK || json.Unmarshal(raw, &after) != nil || after.State != "confirmed" {
		pc.fail("verdict on %s answered %d: %s", pc.id, status, raw)
	}
}

// replay sends the intakes of up to n opened cases again, with their keys: each
// must answer 200 with the case it opened.
func (l *load) replay(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	var picked []*plcCase
	for _, i := range rand.Perm(len(l.cases)) {
		pc := l.cases[i]
		pc.mu.Lock()
		opened := pc.id != ""
		pc.mu.Unlock()
		if opened {
			picked = append(picked, pc)
		}
		if len(picked) == n {
			break
		}
	}
	for _, pc := range picked {
		status, raw, _, err := l.api.retry(ctx, "POST", "/v1/cases", "expert", plcIntake(pc.key), "Idempotency-Key", pc.key)
		require.NoError(t, err, "intake %s sent again", pc.key)
		var o opened
		_ = json.Unmarshal(raw, &o)
		pc.mu.Lock()
		want := pc.id
		if status/100 == 2 {
			pc.answers = append(pc.answers, answer{status, o.ID})
		}
		pc.mu.Unlock()
		assert.Equal(t, http.StatusOK, status, "intake %s sent again after a restart must find its case: %s", pc.key, raw)
		assert.Equal(t, want, o.ID, "intake %s sent again after a restart names another case", pc.key)
	}
}

// notIn lists the cases whose last seen state is not the wanted one.
func notIn(states map[string]string, ids map[string]*plcCase) map[string]string {
	out := map[string]string{}
	for id, pc := range ids {
		if states[id] != pc.wantState() {
			out[id] = fmt.Sprintf("%q, want %q", states[id], pc.wantState())
		}
	}
	return out
}

// minus is a without b.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// expectedLetters is the Message-ID of every letter the cases should have sent:
// the intake's, and the verdict's where a verdict was given.
func expectedLetters(ids map[string]*plcCase) map[string]bool {
	expected := map[string]bool{}
	for id, pc := range ids {
		for _, step := range intakeLetters {
			expected[messageIDOf(id, step)] = true
		}
		if pc.verdict {
			for _, step := range verdictLetters {
				expected[messageIDOf(id, step)] = true
			}
		}
	}
	return expected
}
