package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/cases"
	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/internal/devserver/devservertest"
	"github.com/caseflow/caseflow/internal/eventsig"
	"github.com/caseflow/caseflow/internal/httpapi"
	"github.com/caseflow/caseflow/internal/mail"
	"github.com/caseflow/caseflow/internal/mail/smtptest"
	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// TestOnlyTheAPIChangesACase is issue 16 item 4: whoever can write to the
// Temporal namespace, without the API, changes no case. An update with a forged
// actor — unsigned, or signed for another actor — is rejected, as is an
// unencrypted one; an unencrypted start never runs (its workflow task fails
// and is retried, the workflow stays open and runs nothing); the API's own
// signed events go through.
func TestOnlyTheAPIChangesACase(t *testing.T) {
	if testing.Short() {
		t.Skip("boots the embedded Temporal server; skipped with -short")
	}
	ctx := context.Background()
	cdc, err := codec.New(codec.Keys{Active: "k", Keys: map[string][]byte{"k": bytes.Repeat([]byte{7}, codec.KeySize)}})
	require.NoError(t, err)
	ring, err := eventsig.New("s", map[string][]byte{"s": bytes.Repeat([]byte{9}, eventsig.KeySize)})
	require.NoError(t, err)

	h := &harness{t: t, cfg: config.Example(), smtp: smtptest.Start(t), tokens: map[string]string{}}
	for _, tok := range h.cfg.Auth.Tokens {
		if _, ok := h.tokens[tok.Role]; !ok {
			h.tokens[tok.Role] = tok.Token
		}
	}
	h.server = devservertest.Start(t, devserver.Options{SearchAttributes: workflows.SearchAttributeTypes()})
	h.client = devservertest.Client(t, h.server, client.Options{DataConverter: codec.DataConverter(cdc), FailureConverter: codec.FailureConverter(cdc)})
	plain := devservertest.Client(t, h.server, client.Options{})
	h.store, err = store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "records.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.store.Close() })
	h.mail, err = mail.NewSMTP(mail.SMTPConfig{Addr: h.smtp.Addr(), TLS: mail.TLSNone})
	require.NoError(t, err)

	// The worker as caseflow runs it: it refuses plaintext and checks signatures.
	wc := devservertest.Client(t, h.server, client.Options{DataConverter: codec.WorkerDataConverter(cdc), FailureConverter: codec.FailureConverter(cdc)})
	w := worker.New(wc, workflows.TaskQueue, worker.Options{Interceptors: []interceptor.WorkerInterceptor{eventsig.WorkerInterceptor(ring, time.Now)}})
	workflows.Register(w, &activities.Activities{Mail: mail.New(h.store, h.mail, h.cfg.Mail.From, time.Now), Records: h.store, From: h.cfg.Mail.From,
		Cases: &cases.Starter{Client: wc, Settings: h.cfg.Settings}, SMS: h.store})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	authn, err := auth.New(h.cfg.Auth.Tokens)
	require.NoError(t, err)
	api, err := httpapi.New(httpapi.Config{
		Temporal: h.client, Namespace: h.server.Namespace(), Outbox: h.store, Auth: authn,
		Settings: h.cfg.Settings, DataConverter: codec.DataConverter(cdc), Signer: ring,
	})
	require.NoError(t, err)
	h.api = httptest.NewServer(api)
	t.Cleanup(h.api.Close)

	id := h.open("expert", "signed-"+uuid.NewString(), plcBody("email"))
	h.waitState(id, "awaiting_verdict")
	wfID := workflows.WorkflowID("plc", id)
	verdict := json.RawMessage(`{"plc":true,"comment":"возгорание"}`)
	update := func(c client.Client, req workflows.EventRequest, updateID string) error {
		uctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		hd, err := c.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
			UpdateID: updateID, WorkflowID: wfID, UpdateName: workflows.UpdateEvent,
			Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return err
		}
		var v workflows.CaseView
		return hd.Get(uctx, &v)
	}
	engineer := workflows.Actor{Name: "engineer-1", Role: workflows.RoleEngineer}

	// 1. Encrypted with the codec key (as the UI's codec endpoint would), but
	// not signed: a forged engineer's verdict.
	err = update(h.client, workflows.EventRequest{Event: "verdict", Data: verdict, Actor: engineer}, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the event is not signed")

	// 2. Signed for an operator's repeat contact, sent as the engineer's verdict.
	req := workflows.EventRequest{Event: "verdict", Data: verdict, Actor: workflows.Actor{Name: "operator-1", Role: workflows.RoleOperator}}
	require.NoError(t, ring.Sign(&req, wfID, "u-1", time.Now()))
	req.Actor = engineer
	err = update(h.client, req, "u-1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not match")

	// 3. Signed by a key the worker lacks.
	other, err := eventsig.New("x", map[string][]byte{"x": bytes.Repeat([]byte{3}, eventsig.KeySize)})
	require.NoError(t, err)
	req = workflows.EventRequest{Event: "verdict", Data: verdict, Actor: engineer}
	require.NoError(t, other.Sign(&req, wfID, "u-2", time.Now()))
	err = update(h.client, req, "u-2")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `key ID "x"`)

	// 4. Signed well, but for another case.
	req = workflows.EventRequest{Event: "verdict", Data: verdict, Actor: engineer}
	require.NoError(t, ring.Sign(&req, workflows.WorkflowID("plc", uuid.NewString()), "u-3", time.Now()))
	require.Error(t, update(h.client, req, "u-3"))

	// 5. Not encrypted at all.
	req = workflows.EventRequest{Event: "verdict", Data: verdict, Actor: engineer}
	require.NoError(t, ring.Sign(&req, wfID, "u-4", time.Now()))
	err = update(plain, req, "u-4")
	require.Error(t, err)
	// The rejection's message is sealed too; a client without the key sees its type.
	assert.Contains(t, err.Error(), "PlaintextError")

	v := h.waitState(id, "awaiting_verdict")
	for _, e := range v["history"].([]any) {
		assert.NotEqual(t, "verdict", e.(map[string]any)["event"], "no refused update entered the case")
	}

	// 6. Through the API: signed, it goes through.
	h.event(id, "engineer", "verdict", map[string]any{"plc": true, "comment": "возгорание"})
	h.waitState(id, "confirmed")

	// 7. An unencrypted start never runs: its workflow task fails and is
	// retried; the workflow stays open, with no completed workflow task.
	plainID := workflows.WorkflowID("plc", uuid.NewString())
	_, err = plain.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: plainID, TaskQueue: workflows.TaskQueue}, "plc", map[string]any{"case": map[string]any{"id": "x", "type": "plc"}})
	require.NoError(t, err)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		d, err := h.client.DescribeWorkflowExecution(ctx, plainID, "")
		require.NoError(t, err)
		require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING.String(), d.GetWorkflowExecutionInfo().GetStatus().String(), "an unencrypted start must not fail or close")
		if d.GetPendingWorkflowTask().GetAttempt() >= 2 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the unencrypted start's workflow task was never retried")
	}
	for _, e := range h.history(plainID, "") {
		require.NotEqual(t, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, e.GetEventType(), "the unencrypted start ran")
	}
	require.NoError(t, h.client.TerminateWorkflow(ctx, plainID, "", "test done"))
}
