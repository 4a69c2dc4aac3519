//go:build unix

package crashtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/mail"
	"github.com/caseflow/caseflow/internal/mail/smtptest"
	"github.com/caseflow/caseflow/internal/pgtest"
)

// TestTopology runs caseflow the way one who outgrows `caseflow dev` does, as
// five processes of the real binary: `caseflow server` (Temporal on PostgreSQL,
// its schema set up by caseflow), two `caseflow worker` and two `caseflow api`,
// records and outbox in PostgreSQL, mail to a loopback SMTP server. It
//
//   - measures cases/s through one API and one worker, then through two of each:
//     a case counts when its three intake letters are on the SMTP server;
//   - opens cases through both APIs at a steady pace, SIGKILLs one worker in the
//     middle and measures how long the survivor takes to finish every case that
//     was in flight at the kill;
//   - checks that every acknowledged case reaches its next state (the verdict's
//     cases confirmed; the others escalating once their one-minute verdict
//     deadline passes), every letter is on the wire once (the documented SMTP
//     window aside, reported), every deadline keeps its due time, and the
//     verdict deadline breaches exactly once: one breach, one verdict_overdue.
//
// It needs PostgreSQL (CASEFLOW_TEST_POSTGRES, as the store tests): it makes
// three databases of its own and drops them at the end.
func TestTopology(t *testing.T) {
	if testing.Short() {
		t.Skip("TestTopology builds caseflow and runs five processes on PostgreSQL; skipped with -short")
	}
	began := time.Now()
	pg := topologyPostgres(t)
	smtp := smtptest.Start(t)
	cfgPath, env, tokens := topologyConfig(t)
	base := pickPorts(t, 9)
	addr := func(i int) string { return "127.0.0.1:" + strconv.Itoa(base+i) }
	frontend := addr(0) // and its four neighbours, devserver's internal ports
	bin := caseflowBinary(t)

	proc := func(name, httpAddr string, args ...string) *child {
		c := &child{t: t, name: name, env: env, bin: bin, httpAddr: httpAddr, args: args}
		t.Cleanup(c.cleanup)
		return c
	}
	server := proc("caseflow server", "", "server", "--temporal", frontend, "--log-level", "warn")
	server.env = append(slices.Clone(env), "CASEFLOW_TEMPORAL_DB="+pg.dsn(pg.temporal))
	worker := func(n int) *child {
		return proc(fmt.Sprintf("caseflow worker %d", n), addr(6+n), "worker", "--config", cfgPath,
			"--temporal-address", frontend, "--records", pg.dsn(pg.records), "--health", addr(6+n),
			"--smtp", smtp.Addr(), "--smtp-tls", mail.TLSNone, "--log-level", "warn")
	}
	api := func(n int) *child {
		return proc(fmt.Sprintf("caseflow api %d", n), addr(4+n), "api", "--config", cfgPath,
			"--temporal-address", frontend, "--records", pg.dsn(pg.records), "--http", addr(4+n), "--log-level", "warn")
	}
	server.start()
	waitStdout(t, server, "caseflow server is up", 2*time.Minute)
	t.Logf("caseflow server on PostgreSQL up at %s", time.Since(began).Round(time.Millisecond))
	w1, a1 := worker(1), api(1)
	w1.start()
	a1.start()
	w1.waitHealthy(time.Minute)
	a1.waitHealthy(time.Minute)
	client := func(c *child) *apiClient {
		a := newAPI("http://" + c.httpAddr)
		a.tokens = tokens
		return a
	}
	api1 := client(a1)

	// Throughput, one of each, then two of each.
	const burst, burstConcurrency = 40, 10
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var all []*plcCase
	one, cases := throughput(ctx, t, smtp, []*apiClient{api1}, "one", burst, burstConcurrency)
	all = append(all, cases...)
	w2, a2 := worker(2), api(2)
	w2.start()
	a2.start()
	w2.waitHealthy(time.Minute)
	a2.waitHealthy(time.Minute)
	api2 := client(a2)
	two, cases := throughput(ctx, t, smtp, []*apiClient{api1, api2}, "two", burst, burstConcurrency)
	all = append(all, cases...)

	// A steady load through both APIs; worker 1 dies in the middle of it.
	size := crashSize{cases: 20, interval: 120 * time.Millisecond, concurrency: 4, verdictEvery: 3, budget: 3 * time.Minute}
	loads := []*load{newLoad(api1, size), newLoad(api2, size)}
	for _, l := range loads {
		go l.run(ctx)
		all = append(all, l.cases...)
	}
	t.Cleanup(func() {
		cancel()
		for _, l := range loads {
			<-l.done
		}
	})
	require.True(t, waitFor(time.Minute, 10*time.Millisecond, func() bool {
		return loads[0].opened.Load()+loads[1].opened.Load() >= int32(size.cases)
	}), "the load did not get half way")
	inFlight := unfinished(all, smtp.Messages())
	w1.kill()
	killedAt := time.Now()
	mark := killMark{accepted: len(smtp.Messages()), sent: outboxSentIn(t, pg.dsn(pg.records))}
	t.Logf("worker 1 SIGKILLed at %s: %d intakes answered, %d letters on the wire, %d cases in flight",
		killedAt.Sub(began).Round(time.Millisecond), loads[0].opened.Load()+loads[1].opened.Load(), mark.accepted, len(inFlight))
	// When each case in flight at the kill had its intake letters: the dead
	// worker's workflow tasks move on after their sticky timeout, its
	// activities only after their start-to-close timeout.
	finished := map[*plcCase]time.Duration{}
	require.True(t, waitFor(2*time.Minute, 20*time.Millisecond, func() bool {
		left := unfinished(inFlight, smtp.Messages())
		for _, pc := range inFlight {
			if _, seen := finished[pc]; !seen && !slices.Contains(left, pc) {
				finished[pc] = time.Since(killedAt)
			}
		}
		return len(left) == 0
	}), "cases in flight at the kill never finished their intake: %v", keysOf(unfinished(inFlight, smtp.Messages())))
	takeover := time.Since(killedAt)
	times := slices.Sorted(maps.Values(finished))
	for _, l := range loads {
		select {
		case <-l.done:
		case <-ctx.Done():
			t.Fatalf("the load did not finish: %v", ctx.Err())
		}
	}
	require.True(t, w2.current().alive(), "the surviving worker exited: %v", w2.current().waitErr)

	// Every acknowledged case: one per key, in its next state.
	ids := map[string]*plcCase{}
	for _, pc := range all {
		require.Empty(t, pc.failure, "case %d (key %s)", pc.n, pc.key)
		require.NotEmpty(t, pc.id, "case %d (key %s) was never opened", pc.n, pc.key)
		if other, dup := ids[pc.id]; dup {
			t.Fatalf("keys %s and %s opened the same case %s", other.key, pc.key, pc.id)
		}
		ids[pc.id] = pc
	}
	want := func(pc *plcCase) string {
		if pc.verdict {
			return "confirmed"
		}
		return "escalating" // the one-minute verdict deadline passed
	}
	views := map[string]topoView{}
	states := map[string]string{}
	ok := waitFor(2*time.Minute, time.Second, func() bool {
		done := true
		for id, pc := range ids {
			if views[id].State == want(pc) {
				continue
			}
			v, err := topoViewOf(ctx, api2, id)
			if err != nil {
				states[id] = err.Error()
				done = false
				continue
			}
			views[id], states[id] = v, v.State
			done = done && v.State == want(pc)
		}
		return done
	})
	require.True(t, ok, "cases not in their next state: %v", func() map[string]string {
		out := map[string]string{}
		for id, pc := range ids {
			if states[id] != want(pc) {
				out[id] = fmt.Sprintf("%q, want %q", states[id], want(pc))
			}
		}
		return out
	}())
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	waitQuiet(t, dialTemporal(t, frontend), sorted, 2*time.Minute)

	// Deadlines: due times kept; the verdict's fired once where it was missed.
	for id, pc := range ids {
		v, err := topoViewOf(ctx, api1, id)
		require.NoError(t, err)
		for name, due := range pc.deadlines {
			i := slices.IndexFunc(v.Deadlines, func(d deadline) bool { return d.Name == name })
			if assert.GreaterOrEqual(t, i, 0, "case %s lost deadline %s", id, name) {
				assert.True(t, v.Deadlines[i].Due.Equal(due), "case %s deadline %s: due %s, first seen %s", id, name, v.Deadlines[i].Due, due)
			}
		}
		i := slices.IndexFunc(v.Deadlines, func(d deadline) bool { return d.Name == "verdict" })
		require.GreaterOrEqual(t, i, 0, "case %s has no verdict deadline", id)
		verdict := v.Deadlines[i]
		breaches, overdue := 0, 0
		for _, h := range v.History {
			if h.Event == "deadline_breached" && strings.HasPrefix(h.Note, "verdict was due") {
				breaches++
			}
			if h.Event == "verdict_overdue" {
				overdue++
			}
		}
		if pc.verdict {
			assert.True(t, verdict.Met && !verdict.Breached, "case %s: verdict deadline met=%t breached=%t", id, verdict.Met, verdict.Breached)
			assert.Zero(t, breaches+overdue, "case %s: the verdict came in time, yet the deadline fired", id)
		} else {
			assert.True(t, verdict.Breached && !verdict.Met, "case %s: verdict deadline met=%t breached=%t", id, verdict.Met, verdict.Breached)
			assert.Equal(t, 1, breaches, "case %s: the verdict deadline breached %d times", id, breaches)
			assert.Equal(t, 1, overdue, "case %s: verdict_overdue fired %d times", id, overdue)
		}
	}

	// Each letter once, whichever worker sent it (bar the documented window).
	expected := expectedLetters(ids)
	msgs := smtp.Messages()
	problems, tolerated := mailVerdict(msgs, expected, []killMark{mark})
	for _, s := range tolerated {
		t.Logf("at-least-once window: %s", s)
	}
	assert.Empty(t, problems, "mail")
	sent := outboxSentIn(t, pg.dsn(pg.records))
	for id := range expected {
		assert.True(t, sent[id], "letter %s not marked sent in the outbox", id)
	}

	t.Logf("topology figures (2 CPUs, PostgreSQL, every process on this machine): 1 API + 1 worker %s; 2 APIs + 2 workers %s; takeover after SIGKILL of a worker: %s until the %d cases in flight at the kill had all their intake letters (each case: %s)",
		one, two, takeover.Round(time.Millisecond), len(inFlight), roundAll(times))
	t.Logf("%d cases (%d with a verdict), %d letters for %d expected, %d in the documented window; took %s",
		len(ids), countVerdicts(ids), len(msgs), len(expected), len(tolerated), time.Since(began).Round(time.Millisecond))
}

func roundAll(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Round(100 * time.Millisecond).String()
	}
	return out
}

// rate is one throughput measurement.
type rate struct {
	n       int
	elapsed time.Duration
}

func (r rate) String() string {
	return fmt.Sprintf("%.1f cases/s (%d cases in %s)", float64(r.n)/r.elapsed.Seconds(), r.n, r.elapsed.Round(time.Millisecond))
}

// throughput opens n PLC cases through apis in turn, at most concurrency at
// once, and times them until the last intake letter of every one is on the
// SMTP server.
func throughput(ctx context.Context, t *testing.T, smtp *smtptest.Server, apis []*apiClient, label string, n, concurrency int) (rate, []*plcCase) {
	t.Helper()
	run := randomHex(t, 4)
	cases := make([]*plcCase, n)
	for i := range cases {
		cases[i] = &plcCase{n: i + 1, key: fmt.Sprintf("topo-%s-%s-%04d", label, run, i+1)}
	}
	began := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, concurrency)
	var failed atomic.Int32
	for i, pc := range cases {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			status, raw, _, err := apis[i%len(apis)].retry(ctx, "POST", "/v1/cases", "expert", plcIntake(pc.key), "Idempotency-Key", pc.key)
			var o opened
			if err != nil || status != http.StatusCreated || json.Unmarshal(raw, &o) != nil {
				pc.fail("intake answered %d %v: %s", status, err, raw)
				failed.Add(1)
				return
			}
			pc.mu.Lock()
			pc.id = o.ID
			pc.mu.Unlock()
		})
	}
	wg.Wait()
	require.Zero(t, failed.Load(), "intakes failed")
	require.True(t, waitFor(2*time.Minute, 10*time.Millisecond, func() bool {
		return len(unfinished(cases, smtp.Messages())) == 0
	}), "%s: cases without their intake letters: %v", label, keysOf(unfinished(cases, smtp.Messages())))
	r := rate{n: n, elapsed: time.Since(began)}
	t.Logf("throughput through %d API(s) and %d worker(s): %s", len(apis), len(apis), r)
	return r, cases
}

// unfinished are the opened cases of cs whose intake letters are not all in msgs.
func unfinished(cs []*plcCase, msgs []smtptest.Message) []*plcCase {
	on := map[string]bool{}
	for _, m := range msgs {
		on[m.MessageID] = true
	}
	var out []*plcCase
	for _, pc := range cs {
		pc.mu.Lock()
		id := pc.id
		pc.mu.Unlock()
		if id == "" {
			continue
		}
		for _, step := range intakeLetters {
			if !on[messageIDOf(id, step)] {
				out = append(out, pc)
				break
			}
		}
	}
	return out
}

func keysOf(cs []*plcCase) []string {
	out := make([]string, len(cs))
	for i, pc := range cs {
		out[i] = pc.key
	}
	return out
}

func countVerdicts(ids map[string]*plcCase) int {
	n := 0
	for _, pc := range ids {
		if pc.verdict {
			n++
		}
	}
	return n
}

// topoView is the part of a case view TestTopology reads.
type topoView struct {
	State     string     `json:"state"`
	Deadlines []deadline `json:"deadlines"`
	History   []struct {
		Event string `json:"event"`
		Note  string `json:"note"`
	} `json:"history"`
}

func topoViewOf(ctx context.Context, a *apiClient, id string) (topoView, error) {
	var v topoView
	status, raw, err := a.do(ctx, "GET", "/v1/cases/"+id, "admin", nil)
	if err != nil {
		return v, err
	}
	if status != http.StatusOK {
		return v, fmt.Errorf("HTTP %d: %s", status, raw)
	}
	return v, json.Unmarshal(raw, &v)
}

// topologyDBs are the test's PostgreSQL databases, dropped when it ends.
type topologyDBs struct {
	base              *url.URL
	temporal, records string
}

// dsn is the test server's DSN of database db.
func (p topologyDBs) dsn(db string) string {
	u := *p.base
	u.Path = "/" + db
	return u.String()
}

// topologyPostgres names the test's databases on CASEFLOW_TEST_POSTGRES's
// server, makes the records one (caseflow server makes Temporal's two) and drops
// all three when the test ends. Without a server it skips, as the store tests
// do, but in CI.
func topologyPostgres(t *testing.T) topologyDBs {
	t.Helper()
	dsn, admin := pgtest.Temporal(t)
	base, err := url.Parse(dsn)
	require.NoError(t, err)
	name := fmt.Sprintf("caseflow_topology_%d_%s", os.Getpid(), randomHex(t, 4))
	p := topologyDBs{base: base, temporal: name + "_temporal", records: name + "_records"}
	// Registered first, so it runs after every process is gone.
	t.Cleanup(func() {
		for _, db := range []string{p.records, p.temporal, p.temporal + "_visibility"} {
			if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + db + ` WITH (FORCE)`); err != nil {
				t.Errorf("drop database %s: %v", db, err)
			}
		}
	})
	_, err = admin.Exec(`CREATE DATABASE ` + p.records)
	require.NoError(t, err)
	return p
}

// topologyConfig writes a production config: the shipped example with tokens
// from the environment, a one-minute verdict deadline (so that it fires during
// the test) and escalation steps of a day (so that nothing fires after it). It
// returns the file, the environment every process gets (tokens, the codec key)
// and the tokens by role.
func topologyConfig(t *testing.T) (path string, env []string, tokens map[string]string) {
	t.Helper()
	raw := string(config.ExampleYAML())
	i := strings.Index(raw, "\nauth:")
	require.GreaterOrEqual(t, i, 0, "the example config has no auth section")
	raw = raw[:i+1]
	for old, repl := range map[string]string{
		"plc.verdict: 3 working hours":            "plc.verdict: 1 minute",
		"plc.escalation_step: 30 working minutes": "plc.escalation_step: 1 day",
	} {
		require.Contains(t, raw, old, "the example config changed")
		raw = strings.Replace(raw, old, repl, 1)
	}
	raw += "auth:\n  tokens:\n"
	tokens = map[string]string{}
	for _, role := range []string{"expert", "engineer", "admin"} {
		v := "TOPOLOGY_" + strings.ToUpper(role) + "_TOKEN"
		raw += fmt.Sprintf("    - {name: topology-%s, role: %s, token_env: %s}\n", role, role, v)
		tokens[role] = randomHex(t, 16)
		env = append(env, v+"="+tokens[role])
	}
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	env = append(env, "CASEFLOW_CODEC_KEY="+base64.StdEncoding.EncodeToString(key))
	// The API signs each event and every worker checks it: one key for all.
	eventKey := make([]byte, 32)
	_, err = rand.Read(eventKey)
	require.NoError(t, err)
	env = append(env, "CASEFLOW_EVENT_KEY="+base64.StdEncoding.EncodeToString(eventKey))
	path = filepath.Join(t.TempDir(), "caseflow.yaml")
	require.NoError(t, os.WriteFile(path, []byte(raw), 0o600))
	return path, env, tokens
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return fmt.Sprintf("%x", b)
}

// pickPorts finds n consecutive free loopback ports below the ephemeral range
// and returns the first.
func pickPorts(t *testing.T, n int) int {
	t.Helper()
	for range 1000 {
		base := 20000 + mrand.IntN(12000)
		if portsFree(base, base+n-1) {
			return base
		}
	}
	t.Fatalf("unable to find %d free consecutive loopback ports", n)
	return 0
}

// waitStdout waits until the current run of c has printed s.
func waitStdout(t *testing.T, c *child, s string, timeout time.Duration) {
	t.Helper()
	r := c.current()
	require.True(t, waitFor(timeout, 50*time.Millisecond, func() bool {
		return strings.Contains(r.stdout.String(), s) || !r.alive()
	}), "%s did not print %q within %s", c.name, s, timeout)
	require.True(t, r.alive(), "%s exited: %v\n%s", c.name, r.waitErr, r.stderr.String())
}
