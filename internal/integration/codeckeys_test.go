package integration

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/internal/devserver/devservertest"
	"github.com/caseflow/caseflow/internal/httpapi"
	"github.com/caseflow/caseflow/internal/mail/smtptest"
	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// TestWorkerWithoutTheKeyNeverFailsACase runs the split-process setup of issue
// 16 with mismatched keys: an API whose active key the only worker lacks. A case
// opened there, and an event sent to a case the worker can read, must not fail
// the case or be refused: the workflow task fails and is retried, the stuck hook
// names the key, until a worker holding the key takes it.
func TestWorkerWithoutTheKeyNeverFailsACase(t *testing.T) {
	if testing.Short() {
		t.Skip("boots the embedded Temporal server; skipped with -short")
	}
	ctx := context.Background()
	oldKey, newKey := bytes.Repeat([]byte{1}, codec.KeySize), bytes.Repeat([]byte{2}, codec.KeySize)
	mustNew := func(keys codec.Keys, opts ...codec.Option) *codec.Codec {
		c, err := codec.New(keys, opts...)
		require.NoError(t, err)
		return c
	}
	apiCodec := mustNew(codec.Keys{Active: "new", Keys: map[string][]byte{"old": oldKey, "new": newKey}})
	stuck := make(chan string, 64)
	lackingCodec := mustNew(codec.Keys{Active: "old", Keys: map[string][]byte{"old": oldKey}},
		codec.OnStuckWorkflowTask(func(keyID string, _ error) {
			select {
			case stuck <- keyID:
			default:
			}
		}))
	keyedCodec := mustNew(codec.Keys{Active: "old", Keys: map[string][]byte{"old": oldKey, "new": newKey}})

	h := &harness{t: t, cfg: config.Example(), smtp: smtptest.Start(t), tokens: map[string]string{}}
	for _, tok := range h.cfg.Auth.Tokens {
		if _, ok := h.tokens[tok.Role]; !ok {
			h.tokens[tok.Role] = tok.Token
		}
	}
	h.server = devservertest.Start(t, devserver.Options{SearchAttributes: workflows.SearchAttributeTypes()})
	h.client = devservertest.Client(t, h.server, client.Options{
		DataConverter: codec.DataConverter(apiCodec), FailureConverter: codec.FailureConverter(apiCodec),
	})
	workerClient := func(c *codec.Codec) client.Client {
		return devservertest.Client(t, h.server, client.Options{
			DataConverter: codec.WorkerDataConverter(c), FailureConverter: codec.FailureConverter(c),
		})
	}
	lackingClient, keyedClient := workerClient(lackingCodec), workerClient(keyedCodec)
	var err error
	h.records = filepath.Join(t.TempDir(), "records.db")
	h.store, err = store.Open(ctx, "sqlite:"+h.records)
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.store.Close() })
	h.api = h.serveAPI(h.client, apiCodec)
	oldAPI := h.serveAPI(devservertest.Client(t, h.server, client.Options{DataConverter: codec.DataConverter(lackingCodec)}), lackingCodec)

	// 1. The case's input is sealed with a key the worker lacks.
	lacking := h.startWorker(lackingClient)
	id := h.open("expert", "plc-unknown-key", plcBody("email"))
	h.requireStuck(id, stuck)
	lacking.Stop() // a worker holding the key replaces it; the case carries on
	keyed := h.startWorker(keyedClient)
	h.waitStateWithin(id, "awaiting_verdict", 90*time.Second)

	// 2. An event is sealed with a key the worker lacks, on a case it can read.
	main := h.api
	h.api = oldAPI
	id2 := h.open("expert", "plc-unknown-key-2", plcBody("email"))
	h.waitState(id2, "awaiting_verdict")
	h.api = main
	keyed.Stop()
	lacking = h.startWorker(lackingClient)
	type answer struct {
		status int
		body   map[string]any
	}
	answered := make(chan answer, 1)
	verdict := map[string]any{"event": "verdict", "data": map[string]any{"plc": true, "comment": "возгорание"}}
	const key = "verdict-plc-unknown-key-2"
	go func() {
		// do, not call: a failure here must not end the test from a goroutine.
		status, body, err := h.do("POST", "/v1/cases/"+id2+"/events", "engineer", verdict, "Idempotency-Key", key)
		if err != nil {
			body = map[string]any{"error": err.Error()}
		}
		answered <- answer{status, body}
	}()
	h.requireStuck(id2, stuck)
	select {
	case a := <-answered:
		// Only the 503 of an event whose 30 s ran out while no worker could
		// read the case: it says to send the event again, which comes below.
		require.Equal(t, http.StatusServiceUnavailable, a.status,
			"the event was answered while no worker could read it; it must wait: %v", a.body)
		require.Contains(t, fmt.Sprint(a.body), "keeps failing", "%v", a.body)
		answered <- a
	default:
	}
	lacking.Stop()
	h.startWorker(keyedClient)
	// The server retries a failing workflow task with a growing backoff (10 s,
	// 20 s, …): on a loaded machine the lacking worker may have failed it a few
	// times more before it stopped, so the keyed worker may wait minutes for it.
	h.waitStateWithin(id2, "confirmed", 4*time.Minute)
	select {
	case a := <-answered:
		if a.status == http.StatusServiceUnavailable {
			// The keyed worker came after the event's 30 s: the API said to
			// send it again with the same key, which answers with the one
			// update that was applied.
			t.Logf("the event answered 503 before the keyed worker took the case: %v", a.body)
			a.status, a.body = h.call("POST", "/v1/cases/"+id2+"/events", "engineer", verdict, "Idempotency-Key", key)
		}
		require.Equal(t, http.StatusOK, a.status, "the event waited for a worker holding the key: %v", a.body)
		require.Equal(t, "confirmed", a.body["state"], "%v", a.body)
	case <-time.After(time.Minute):
		t.Fatal("the event was never answered")
	}
	d, err := h.client.DescribeWorkflowExecution(ctx, workflows.WorkflowID("plc", id2), "")
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, d.GetWorkflowExecutionInfo().GetStatus())
}

// requireStuck waits until the case's workflow task has failed and been
// retried, the case still running, and the stuck hook has named the key "new".
func (h *harness) requireStuck(id string, stuck <-chan string) {
	h.t.Helper()
	wfID := workflows.WorkflowID("plc", id)
	// Both must come: the hook of the worker without the key, and the
	// workflow task retried. Either may come first: a task that timed out on
	// a stopped worker is retried too, before the worker without the key
	// has taken it (seen under the race detector).
	reported, retried := false, false
	for deadline := time.Now().Add(time.Minute); !reported || !retried; time.Sleep(100 * time.Millisecond) {
		d, err := h.client.DescribeWorkflowExecution(context.Background(), wfID, "")
		require.NoError(h.t, err)
		require.Equal(h.t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING.String(), d.GetWorkflowExecutionInfo().GetStatus().String(),
			"a worker without the key must not close the case")
		retried = retried || d.GetPendingWorkflowTask().GetAttempt() >= 2
		select {
		case keyID := <-stuck:
			require.Equal(h.t, "new", keyID, "the stuck hook names the missing key")
			reported = true
		default:
		}
		require.True(h.t, time.Now().Before(deadline),
			"within a minute: the worker without the key reported a stuck task %v, the task was retried %v", reported, retried)
	}
	for len(stuck) > 0 {
		<-stuck
	}
}

// serveAPI serves the API on c with the harness's store and tokens.
func (h *harness) serveAPI(c client.Client, cdc *codec.Codec) *httptest.Server {
	h.t.Helper()
	authn, err := auth.New(h.cfg.Auth.Tokens)
	require.NoError(h.t, err)
	api, err := httpapi.New(httpapi.Config{
		Temporal: c, Namespace: h.server.Namespace(), Outbox: h.store, Auth: authn,
		Settings: h.cfg.Settings, DataConverter: codec.DataConverter(cdc),
		Logger: devservertest.Logger(h.t).With("logger", "api"),
	})
	require.NoError(h.t, err)
	srv := httptest.NewServer(api)
	h.t.Cleanup(srv.Close)
	return srv
}
