//go:build unix

package crashtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/mail/smtptest"
)

// Bounds of the graceful shutdown.
const (
	// smtpHold is how long the SMTP proxy holds back the answer to a letter: the
	// shutdown meets that delivery in flight.
	smtpHold = 5 * time.Second
	// exitBound is how long caseflow dev may take to exit after SIGTERM.
	exitBound = 45 * time.Second
	// inFlight intakes are on the wire when SIGTERM goes out.
	inFlight = 6
)

// TestGracefulShutdown sends SIGTERM to caseflow dev while intakes are in flight
// on the API and a letter is in flight to the SMTP server, then starts it again on
// the same data dir. It checks that:
//
//   - every intake either got a 2xx, and its case exists after the restart, or
//     got no answer and was never processed: its connection was refused, or,
//     sent again with its key, it opens its case (201). None got a 5xx or any
//     other error answer;
//   - the process exits with status 0 within exitBound;
//   - the restart is healthy and neither run logs "database is locked";
//   - every case reaches awaiting_verdict and every letter is on the wire
//     exactly once: a graceful stop leaves no delivery to repeat.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("crashtest builds caseflow and stops it under load; skipped with -short")
	}
	began := time.Now()
	smtp := smtptest.Start(t)
	proxy := startSlowSMTP(t, smtp.Addr(), smtpHold)
	c := newChild(t, proxy.Addr())
	c.start()
	c.waitHealthy(2 * time.Minute)
	api := newAPI("http://" + c.httpAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	prefix := fmt.Sprintf("term-%08x-", rand.Uint32())

	// A case whose first letter is then accepted by the SMTP server, its answer
	// held back: a delivery is in flight.
	warm := prefix + "warm"
	status, raw, err := api.do(ctx, "POST", "/v1/cases", "expert", plcIntake(warm), "Idempotency-Key", warm)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, "%s", raw)
	_, err = smtp.WaitFor(1, time.Minute)
	require.NoError(t, err)

	// Intakes on the wire, each on its own connection; SIGTERM once all are written.
	results := make([]*shot, inFlight)
	var written sync.WaitGroup
	for i := range results {
		results[i] = &shot{key: fmt.Sprintf("%sinflight-%d", prefix, i+1), written: written.Done}
		written.Add(1)
	}
	var shots sync.WaitGroup
	for _, s := range results {
		shots.Go(func() { s.send(ctx, api) })
	}
	require.True(t, waitGroup(&written, 30*time.Second), "the in-flight intakes were not written within 30s")

	// More intakes while the process stops, until it is gone.
	r := c.current()
	var late []*shot
	var lateMu sync.Mutex
	shots.Go(func() {
		for i := 1; r.alive(); i++ {
			s := &shot{key: fmt.Sprintf("%slate-%d", prefix, i), written: func() {}}
			s.send(ctx, api)
			lateMu.Lock()
			late = append(late, s)
			lateMu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
	})
	took, exitErr := c.terminate(exitBound)
	shots.Wait()
	proxy.holding.Store(false)
	t.Logf("run 1 exited %v after SIGTERM in %s; %d late intakes", exitErr, took.Round(time.Millisecond), len(late))
	require.NoError(t, exitErr, "caseflow dev must exit 0 on SIGTERM")

	c.start()
	c.waitHealthy(2 * time.Minute)
	logs := c.stderrOf()
	assert.Zero(t, countMatches(logs, "database is locked"), "\"database is locked\" in the child's log")
	if n := countMatches(logs, "database is closed"); n > 0 {
		t.Errorf("%d lines with \"database is closed\": the store closed under running work", n)
	}

	// Each intake answered 2xx, or was never processed.
	ids := []string{}
	var answered, refused int
	for _, s := range append(results, late...) {
		switch {
		case s.err == nil && s.status/100 == 2:
			answered++
			ids = append(ids, s.id)
			v, status, err := api.view(ctx, s.id)
			assert.NoError(t, err)
			assert.Equal(t, http.StatusOK, status, "case %s of intake %s (answered %d) after the restart", s.id, s.key, s.status)
			assert.Equal(t, s.id, v.ID)
		case s.err == nil:
			t.Errorf("intake %s (written=%t) answered %d during the shutdown: %s", s.key, s.wrote, s.status, s.raw)
		case isDialError(s.err):
			refused++
		default:
			refused++
			t.Logf("intake %s (written=%t) got no answer: %v", s.key, s.wrote, s.err)
			status, raw, _, err := api.retry(ctx, "POST", "/v1/cases", "expert", plcIntake(s.key), "Idempotency-Key", s.key)
			require.NoError(t, err)
			var o opened
			_ = json.Unmarshal(raw, &o)
			assert.Equal(t, http.StatusCreated, status,
				"intake %s failed with %q (written=%t) yet was processed: sent again it found its case: %s", s.key, s.err, s.wrote, raw)
			ids = append(ids, o.ID)
		}
	}
	t.Logf("%d in-flight and %d late intakes: %d answered 2xx, %d got no answer and were never processed", inFlight, len(late), answered, refused)
	status, raw, err = api.do(ctx, "POST", "/v1/cases", "expert", plcIntake(warm), "Idempotency-Key", warm)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "%s", raw)
	var o opened
	require.NoError(t, json.Unmarshal(raw, &o))
	ids = append(ids, o.ID)

	// Every case gets through its intake, and every letter went out once.
	var stuck []string
	ok := waitFor(3*time.Minute, 500*time.Millisecond, func() bool {
		stuck = stuck[:0]
		for _, id := range ids {
			if v, status, err := api.view(ctx, id); err != nil || status != http.StatusOK || v.State != "awaiting_verdict" {
				stuck = append(stuck, fmt.Sprintf("%s: %d %q %v", id, status, v.State, err))
			}
		}
		return len(stuck) == 0
	})
	require.True(t, ok, "cases not awaiting the verdict: %v", stuck)
	waitQuiet(t, dialTemporal(t, c.temporalAddr), ids, 3*time.Minute)
	expected := map[string]bool{}
	for _, id := range ids {
		for _, step := range intakeLetters {
			expected[messageIDOf(id, step)] = true
		}
	}
	problems, _ := mailVerdict(smtp.Messages(), expected, nil)
	assert.Empty(t, problems, "mail after a graceful shutdown")
	t.Logf("%d cases, %d letters; took %s", len(ids), len(smtp.Messages()), time.Since(began).Round(time.Millisecond))
}

// shot is one intake sent around the shutdown, on its own connection.
type shot struct {
	key string
	// written is called once: when the request is on the wire, or has failed
	// before it got there.
	written func()

	wrote  bool
	status int
	raw    []byte
	id     string
	err    error
}

func (s *shot) send(ctx context.Context, api *apiClient) {
	var once sync.Once
	done := func() { once.Do(s.written) }
	defer done()
	body, err := json.Marshal(plcIntake(s.key))
	if err != nil {
		s.err = err
		return
	}
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) {
		s.wrote = true
		done()
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), "POST", api.base+"/v1/cases", bytes.NewReader(body))
	if err != nil {
		s.err = err
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+api.tokens["expert"])
	req.Header.Set("Idempotency-Key", s.key)
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Do(req)
	if err != nil {
		s.err = err
		return
	}
	defer resp.Body.Close()
	s.status = resp.StatusCode
	if s.raw, s.err = io.ReadAll(resp.Body); s.err != nil {
		return
	}
	var o opened
	if s.status/100 == 2 {
		if err := json.Unmarshal(s.raw, &o); err != nil || o.ID == "" {
			s.err = fmt.Errorf("2xx without a case ID: %s", s.raw)
		}
		s.id = o.ID
	}
}

// isDialError reports a request that never reached the server: the connection
// was refused.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// waitGroup waits for wg up to timeout; it reports whether wg finished.
func waitGroup(wg *sync.WaitGroup, timeout time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}
