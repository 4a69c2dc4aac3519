// Package integration runs caseflow end to end in one process: the embedded
// Temporal server, a real SQLite records store, the real mail service against a
// loopback SMTP server, the worker and the HTTP API on free ports.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/actionlink"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/cases"
	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/internal/devserver/devservertest"
	"github.com/caseflow/caseflow/internal/httpapi"
	"github.com/caseflow/caseflow/internal/mail"
	"github.com/caseflow/caseflow/internal/mail/smtptest"
	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// harness is one running caseflow.
type harness struct {
	t      testing.TB
	server *devserver.Server
	client client.Client
	// dc is client's data converter (the test-only key of workflows/testdata).
	dc    converter.DataConverter
	store *store.Store
	smtp  *smtptest.Server
	api   *httptest.Server
	// service is the API behind api (the console mounts on it).
	service *httpapi.Server
	cfg     *config.Config
	// records is the path of the SQLite records database.
	records string
	// tokens maps a role to a bearer token of the example config.
	tokens map[string]string
	mail   mail.Transport
	// links signs the letters' action links, to the API's address.
	links *actionlink.Ring
}

// newHarness boots caseflow in the test's process.
func newHarness(t testing.TB) *harness {
	h := newHarnessWithoutWorker(t)
	h.startWorker(h.client)
	return h
}

// startWorker starts a worker on c with the harness's store and SMTP server.
func (h *harness) startWorker(c client.Client) worker.Worker {
	h.t.Helper()
	w := worker.New(c, workflows.TaskQueue, worker.Options{WorkflowTaskPollerBehavior: workflows.WorkflowTaskPollers()})
	acts := &activities.Activities{Mail: mail.New(h.store, h.mail, h.cfg.Mail.From, time.Now), Records: h.store, From: h.cfg.Mail.From,
		Cases: &cases.Starter{Client: c, Settings: h.cfg.Settings}, SMS: h.store, Helpdesk: h.store}
	if h.links != nil {
		acts.Links = h.links // a nil *Ring in the interface would not be nil
	}
	workflows.Register(w, acts)
	require.NoError(h.t, w.Start())
	h.t.Cleanup(w.Stop)
	return w
}

// newHarnessWithoutWorker boots the server, the store and the API; no worker
// runs cases until startWorker.
func newHarnessWithoutWorker(t testing.TB) *harness {
	t.Helper()
	return newHarnessOn(t, config.Example())
}

// newHarnessWith boots caseflow on cfg and starts its worker.
func newHarnessWith(t testing.TB, cfg *config.Config) *harness {
	t.Helper()
	h := newHarnessOn(t, cfg)
	h.startWorker(h.client)
	return h
}

// newHarnessOn boots the server, the store and the API on cfg, without a worker.
func newHarnessOn(t testing.TB, cfg *config.Config) *harness {
	t.Helper()
	if testing.Short() {
		t.Skip("CASEFLOW_ integration tests boot the embedded Temporal server; skipped with -short")
	}
	ctx := context.Background()
	h := &harness{t: t, cfg: cfg, smtp: smtptest.Start(t)}
	h.tokens = map[string]string{}
	for _, tok := range h.cfg.Auth.Tokens {
		if _, ok := h.tokens[tok.Role]; !ok {
			h.tokens[tok.Role] = tok.Token
		}
	}
	// The test-only key of workflows/testdata, so recorded histories replay there.
	key, err := os.ReadFile(filepath.Join("..", "..", "workflows", "testdata", "replay-key.txt"))
	require.NoError(t, err)
	cdc := mustCodec(t, strings.TrimSpace(string(key)))

	h.server = devservertest.Start(t, devserver.Options{SearchAttributes: workflows.SearchAttributeTypes()})
	h.dc = codec.DataConverter(cdc)
	h.client = devservertest.Client(t, h.server, client.Options{DataConverter: h.dc})

	h.records = filepath.Join(t.TempDir(), "records.db")
	h.store, err = store.Open(ctx, "sqlite:"+h.records)
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.store.Close() })
	h.mail, err = mail.NewSMTP(mail.SMTPConfig{Addr: h.smtp.Addr(), TLS: mail.TLSNone})
	require.NoError(t, err)

	authn, err := auth.New(h.cfg.Auth.Tokens)
	require.NoError(t, err)
	// The server first, so the links can point at its address.
	var api http.Handler
	h.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { api.ServeHTTP(w, r) }))
	t.Cleanup(h.api.Close)
	lc := h.cfg.Links
	lc.BaseURL = h.api.URL
	h.links, err = lc.Ring()
	require.NoError(t, err)
	srv, err := httpapi.New(httpapi.Config{
		Temporal: h.client, Namespace: h.server.Namespace(), Outbox: h.store, Auth: authn,
		Settings: h.cfg.Settings, DataConverter: codec.DataConverter(cdc), Codec: codec.Handler(cdc), Links: h.links,
	})
	require.NoError(t, err)
	api, h.service = srv, srv
	return h
}

func mustCodec(t testing.TB, key string) *codec.Codec {
	var k config.Key
	k.ID, k.Secret = "test", key
	b, err := k.Bytes()
	require.NoError(t, err)
	c, err := codec.New(codec.Keys{Active: "test", Keys: map[string][]byte{"test": b}})
	require.NoError(t, err)
	return c
}

// call sends a request as role ("" = no token) and decodes the JSON answer.
func (h *harness) call(method, path, role string, body any, header ...string) (int, map[string]any) {
	h.t.Helper()
	status, out, err := h.do(method, path, role, body, header...)
	require.NoError(h.t, err)
	return status, out
}

// do is call without failing the test: safe from a goroutine.
func (h *harness) do(method, path, role string, body any, header ...string) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.api.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+h.tokens[role])
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			return 0, nil, fmt.Errorf("%w: %s", err, raw)
		}
	}
	return resp.StatusCode, out, nil
}

// open opens a case and returns its id.
func (h *harness) open(role, key string, body any) string {
	h.t.Helper()
	status, out := h.call("POST", "/v1/cases", role, body, "Idempotency-Key", key)
	require.Equal(h.t, http.StatusCreated, status, "%v", out)
	return out["id"].(string)
}

// event posts an event and requires success; it returns the new view.
func (h *harness) event(id, role, event string, data any) map[string]any {
	h.t.Helper()
	status, out := h.call("POST", "/v1/cases/"+id+"/events", role, map[string]any{"event": event, "data": data})
	require.Equal(h.t, http.StatusOK, status, "%s: %v", event, out)
	return out
}

// waitState polls the case until it reaches state.
func (h *harness) waitState(id, state string) map[string]any {
	h.t.Helper()
	return h.waitStateWithin(id, state, 30*time.Second)
}

// waitStateWithin polls the case until it reaches state, for at most d.
func (h *harness) waitStateWithin(id, state string, d time.Duration) map[string]any {
	h.t.Helper()
	var last map[string]any
	require.Eventually(h.t, func() bool {
		_, last = h.call("GET", "/v1/cases/"+id, "admin", nil)
		return last["state"] == state
	}, d, 50*time.Millisecond, "case %s never reached %s: %v", id, state, fmt.Sprint(last["state"]))
	return last
}

// history is a run's whole history (runID "" is the latest run).
func (h *harness) history(wid, runID string) []*historypb.HistoryEvent {
	h.t.Helper()
	it := h.client.GetWorkflowHistory(context.Background(), wid, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(h.t, err)
		events = append(events, ev)
	}
	return events
}
