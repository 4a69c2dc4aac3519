package codec

import (
	"context"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/internal/payload"
)

// DataConverter is the SDK's default data converter with every payload passed
// through c. Set it as client.Options.DataConverter of every client and worker.
//
// Inside workflow code (the workflow's input, activity and child results) a
// payload c cannot decrypt panics instead of returning an error; see
// WorkerDataConverter. Elsewhere (clients, activities, the codec endpoint) the
// error is returned as usual.
func DataConverter(c *Codec) converter.DataConverter {
	return newDataConverter(c)
}

// newDataConverter is DataConverter, the base of WorkerDataConverter.
func newDataConverter(c *Codec) *dataConverter {
	return &dataConverter{
		DataConverter: converter.NewCodecDataConverter(payload.DataConverter(), c),
		replay:        converter.NewCodecDataConverter(payload.DataConverter(), uncompressed{c}),
		codec:         c,
	}
}

// WorkerDataConverter is DataConverter for the client a worker polls with:
// whatever the worker decodes but an activity's input and heartbeats panics on a
// payload c cannot decrypt.
//
// The SDK returns an error from a workflow's input decoding as the workflow's
// failure, and rejects an update whose arguments it cannot decode: a worker
// that lacks a key would fail every case encrypted with it and refuse every
// event. A panic while a workflow task is processed — in workflow code, or where
// the SDK decodes update arguments with a converter that is not told it works
// for a workflow — fails only the workflow task (worker.Options.
// WorkflowPanicPolicy's default, BlockWorkflow), which Temporal retries: the case
// waits, its pending workflow task visible with its attempts and this error,
// until a worker holding the key takes it. An activity gets the error (it is
// retried). Give clients that are no worker's, such as the API's, DataConverter:
// a panic there would abort a request.
//
// A worker also refuses a payload that is not encrypted: whoever wrote it
// bypassed the API (a client of the namespace without the codec). An
// unencrypted update or query argument is an error, so the update is rejected
// before the case sees it; an unencrypted workflow input (or anything else
// decoded for workflow code) panics like an undecryptable one, so the workflow
// task fails and is retried and the case never runs on it — and never fails.
func WorkerDataConverter(c *Codec) converter.DataConverter {
	d := newDataConverter(c)
	d.inWorkflow, d.worker = true, true
	return d
}

// uncompressed is c sealing without compression.
type uncompressed struct{ *Codec }

// Encode implements converter.PayloadCodec.
func (u uncompressed) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	return u.encode(payloads, false)
}

// PlaintextError is a worker's refusal of a payload that is not encrypted.
type PlaintextError struct {
	// Encoding is the payload's encoding metadata.
	Encoding string
}

func (e *PlaintextError) Error() string {
	return fmt.Sprintf("codec: refused a payload that is not encrypted (encoding %q): caseflow's workers take only payloads sealed by a caseflow client", e.Encoding)
}

// dataConverter is the codec data converter, told by the SDK whether it works
// for workflow code (converter.ContextAware).
type dataConverter struct {
	converter.DataConverter
	// replay is DataConverter sealing without compression: what workflow
	// code encodes while it replays (see ToPayloads).
	replay converter.DataConverter
	// wf is the workflow the converter encodes for (WithWorkflowContext).
	wf    converter.WorkflowContext
	codec *Codec
	// inWorkflow panics on a payload the codec cannot decrypt.
	inWorkflow bool
	// worker panics but for activities (WithContext), and refuses unencrypted
	// payloads.
	worker bool
	// workflowCode decodes for workflow code (WithWorkflowContext): the
	// workflow's input, activity results; an unencrypted payload panics there.
	workflowCode bool
}

var (
	_ converter.ContextAware                          = (*dataConverter)(nil)
	_ converter.DataConverterWithSerializationContext = (*dataConverter)(nil)
)

// FromPayload implements converter.DataConverter.
func (d *dataConverter) FromPayload(p *commonpb.Payload, valuePtr any) error {
	if err := d.sealed(p); err != nil {
		return err
	}
	return d.check(d.DataConverter.FromPayload(p, valuePtr))
}

// FromPayloads implements converter.DataConverter.
func (d *dataConverter) FromPayloads(ps *commonpb.Payloads, valuePtrs ...any) error {
	for _, p := range ps.GetPayloads() {
		if err := d.sealed(p); err != nil {
			return err
		}
	}
	return d.check(d.DataConverter.FromPayloads(ps, valuePtrs...))
}

// sealed refuses, in a worker, a payload that is not encrypted: an error for
// update and query arguments (the update is rejected), a panic in workflow code
// (the workflow task fails and is retried; the case never runs on it).
func (d *dataConverter) sealed(p *commonpb.Payload) error {
	if !d.worker || p == nil {
		return nil
	}
	enc := string(p.GetMetadata()[converter.MetadataEncoding])
	if enc == EncodingEncrypted {
		return nil
	}
	err := &PlaintextError{Encoding: enc}
	if d.workflowCode {
		panic(fmt.Errorf("workflow task stopped: %w; the task fails and is retried, and the case does not run on it (start cases through the caseflow API)", err))
	}
	return err
}

// Replayed is a value workflow code hands the SDK to encode where the SDK
// gives the converter no workflow context, so that the converter cannot ask
// whether the workflow replays: an update's result (the SDK's update protocol
// encodes it with the converter it holds). A value whose Replayed is true is
// sealed uncompressed, as a replaying workflow's commands are: the SDK drops
// it once it matches the history.
type Replayed interface {
	Replayed() bool
}

// replayedValue reports whether value is a Replayed value that says so.
func replayedValue(value any) bool {
	r, ok := value.(Replayed)
	return ok && r.Replayed()
}

// ToPayload implements converter.DataConverter.
func (d *dataConverter) ToPayload(value any) (*commonpb.Payload, error) {
	if d.replaying() || replayedValue(value) {
		return d.replay.ToPayload(value)
	}
	return d.DataConverter.ToPayload(value)
}

// ToPayloads implements converter.DataConverter. A replaying workflow builds
// each command again, activity inputs included, and the SDK drops them once
// they match the recorded ones: their payloads are sealed without being
// compressed, which was a tenth of a replay's CPU. Such a payload is valid
// wherever it goes (only larger), so a command the SDK did send from a replay
// would lose nothing.
func (d *dataConverter) ToPayloads(values ...any) (*commonpb.Payloads, error) {
	if d.replaying() || (len(values) == 1 && replayedValue(values[0])) {
		return d.replay.ToPayloads(values...)
	}
	return d.DataConverter.ToPayloads(values...)
}

// replaying reports whether the converter encodes for a workflow replaying
// its history.
func (d *dataConverter) replaying() (r bool) {
	if d.wf == nil {
		return false
	}
	// A context the SDK holds no workflow environment in encodes as usual.
	defer func() {
		if recover() != nil {
			r = false
		}
	}()
	return workflow.IsReplaying(d.wf)
}

// WithWorkflowContext implements converter.ContextAware: decoding for workflow code.
func (d *dataConverter) WithWorkflowContext(ctx converter.WorkflowContext) converter.DataConverter {
	w := d.with()
	w.inWorkflow, w.workflowCode, w.wf = true, true, ctx
	return w
}

// WithContext implements converter.ContextAware: decoding for an activity or a
// client, which get the error.
func (d *dataConverter) WithContext(context.Context) converter.DataConverter {
	w := d.with()
	w.inWorkflow, w.workflowCode, w.wf = false, false, nil
	return w
}

// WithSerializationContext implements converter.DataConverterWithSerializationContext.
func (d *dataConverter) WithSerializationContext(sc converter.SerializationContext) converter.DataConverter {
	w := d.with()
	w.DataConverter = converter.WithDataConverterSerializationContext(d.DataConverter, sc)
	w.replay = converter.WithDataConverterSerializationContext(d.replay, sc)
	return w
}

// with is a copy of d.
func (d *dataConverter) with() *dataConverter {
	w := *d
	return &w
}

// check panics, in workflow code, on a payload the codec cannot decrypt.
func (d *dataConverter) check(err error) error {
	var undecryptable *UndecryptableError
	if err == nil || !d.inWorkflow || !errors.As(err, &undecryptable) {
		return err
	}
	if d.codec.stuck != nil {
		d.codec.stuck(undecryptable.KeyID, err)
	}
	panic(fmt.Errorf("workflow task stuck: %w; this worker holds no such key, so the task fails and is retried until a worker holding key ID %q takes it (the case does not fail)", err, undecryptable.KeyID))
}
