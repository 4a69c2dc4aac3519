package codec_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"

	"github.com/caseflow/caseflow/internal/codec"
)

// TestUndecryptableInWorkflowCodePanics: a payload under a key the worker lacks
// must stop the workflow task (a panic in workflow code), never come back as an
// error, which the SDK would make the workflow's failure; clients and activities
// still get the error.
func TestUndecryptableInWorkflowCodePanics(t *testing.T) {
	writer := codec.DataConverter(newCodec(t, "k2", "k1", "k2"))
	p, err := writer.ToPayloads(testCaller())
	require.NoError(t, err)

	var stuck []string
	c, err := codec.New(codec.Keys{Active: "k1", Keys: map[string][]byte{"k1": key(1)}},
		codec.OnStuckWorkflowTask(func(keyID string, _ error) { stuck = append(stuck, keyID) }))
	require.NoError(t, err)
	dc := codec.DataConverter(c)
	aware, ok := dc.(converter.ContextAware)
	require.True(t, ok, "the SDK tells the converter when it decodes for workflow code")

	var got caller
	var undecryptable *codec.UndecryptableError
	err = dc.FromPayloads(p, &got)
	require.True(t, errors.As(err, &undecryptable), "%v", err)
	require.Equal(t, "k2", undecryptable.KeyID)
	require.Error(t, aware.WithContext(context.Background()).FromPayloads(p, &got), "activities get the error")
	require.Empty(t, stuck)

	inWorkflow := aware.WithWorkflowContext(nil)
	require.PanicsWithError(t,
		`workflow task stuck: codec: payload is encrypted with unknown key ID "k2"; this worker holds no such key, so the task fails and is retried until a worker holding key ID "k2" takes it (the case does not fail)`,
		func() { _ = inWorkflow.FromPayloads(p, &got) })
	require.Panics(t, func() { _ = inWorkflow.FromPayload(p.Payloads[0], &got) })
	require.Equal(t, []string{"k2", "k2"}, stuck)

	// A serialization context keeps the workflow's behaviour.
	scoped := converter.WithDataConverterSerializationContext(inWorkflow, converter.WorkflowSerializationContext{Namespace: "default", WorkflowID: "plc-1"})
	require.Panics(t, func() { _ = scoped.FromPayloads(p, &got) })

	// Decodable payloads and plain decoding errors pass as before.
	mine, err := dc.ToPayloads(testCaller())
	require.NoError(t, err)
	require.NoError(t, inWorkflow.FromPayloads(mine, &got))
	require.Equal(t, testCaller(), got)
	var n int
	require.Error(t, inWorkflow.FromPayloads(mine, &n), "a type mismatch is an error, not a key problem")
}

// TestWorkerDataConverterPanicsButForActivities: the SDK decodes update
// arguments with a converter it does not tell it works for a workflow; on a
// worker, only an activity (told by WithContext) gets the error.
func TestWorkerDataConverterPanicsButForActivities(t *testing.T) {
	writer := codec.DataConverter(newCodec(t, "k2", "k1", "k2"))
	p, err := writer.ToPayloads(testCaller())
	require.NoError(t, err)
	var stuck []string
	c, err := codec.New(codec.Keys{Active: "k1", Keys: map[string][]byte{"k1": key(1)}},
		codec.OnStuckWorkflowTask(func(keyID string, _ error) { stuck = append(stuck, keyID) }))
	require.NoError(t, err)
	dc := codec.WorkerDataConverter(c)
	scoped := converter.WithDataConverterSerializationContext(dc, converter.WorkflowSerializationContext{Namespace: "default", WorkflowID: "plc-1"})

	var got caller
	require.Panics(t, func() { _ = dc.FromPayloads(p, &got) }, "update arguments")
	require.Panics(t, func() { _ = scoped.FromPayloads(p, &got) }, "update arguments, with the workflow's serialization context")
	require.Panics(t, func() { _ = dc.(converter.ContextAware).WithWorkflowContext(nil).FromPayloads(p, &got) })
	require.Equal(t, []string{"k2", "k2", "k2"}, stuck)

	activity := dc.(converter.ContextAware).WithContext(context.Background())
	var undecryptable *codec.UndecryptableError
	require.ErrorAs(t, activity.FromPayloads(p, &got), &undecryptable, "an activity's input")
	require.ErrorAs(t, converter.WithDataConverterSerializationContext(activity, converter.ActivitySerializationContext{}).FromPayloads(p, &got), &undecryptable)
}

// TestWorkerRefusesPlaintext: a worker takes only encrypted payloads. An
// unencrypted update argument is an error (the SDK rejects the update), an
// unencrypted workflow input panics (the workflow task fails and is retried),
// and a client that is no worker's still reads plaintext.
func TestWorkerRefusesPlaintext(t *testing.T) {
	plain, err := converter.GetDefaultDataConverter().ToPayloads(testCaller())
	require.NoError(t, err)
	c := newCodec(t, "k1", "k1")
	dc := codec.WorkerDataConverter(c)
	scoped := converter.WithDataConverterSerializationContext(dc, converter.WorkflowSerializationContext{Namespace: "default", WorkflowID: "plc-1"})

	var got caller
	var refused *codec.PlaintextError
	require.ErrorAs(t, dc.FromPayloads(plain, &got), &refused, "an update's arguments")
	require.ErrorAs(t, scoped.FromPayloads(plain, &got), &refused, "an update's arguments, with the workflow's serialization context")
	require.ErrorAs(t, dc.FromPayload(plain.GetPayloads()[0], &got), &refused)
	require.PanicsWithError(t, `workflow task stopped: codec: refused a payload that is not encrypted (encoding "json/plain"): caseflow's workers take only payloads sealed by a caseflow client; the task fails and is retried, and the case does not run on it (start cases through the caseflow API)`,
		func() { _ = dc.(converter.ContextAware).WithWorkflowContext(nil).FromPayloads(plain, &got) }, "a workflow's input")

	sealed, err := codec.DataConverter(c).ToPayloads(testCaller())
	require.NoError(t, err)
	require.NoError(t, dc.FromPayloads(sealed, &got), "a sealed payload passes")
	require.Equal(t, testCaller(), got)
	require.NoError(t, codec.DataConverter(c).FromPayloads(plain, &got), "a client that is no worker's reads plaintext")
}
