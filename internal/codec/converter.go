package codec

import (
	"context"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

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
	return &dataConverter{DataConverter: converter.NewCodecDataConverter(payload.DataConverter(), c), codec: c}
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
func WorkerDataConverter(c *Codec) converter.DataConverter {
	return &dataConverter{DataConverter: converter.NewCodecDataConverter(payload.DataConverter(), c), codec: c, inWorkflow: true, worker: true}
}

// dataConverter is the codec data converter, told by the SDK whether it works
// for workflow code (converter.ContextAware).
type dataConverter struct {
	converter.DataConverter
	codec *Codec
	// inWorkflow panics on a payload the codec cannot decrypt.
	inWorkflow bool
	// worker panics but for activities (WithContext).
	worker bool
}

var (
	_ converter.ContextAware                          = (*dataConverter)(nil)
	_ converter.DataConverterWithSerializationContext = (*dataConverter)(nil)
)

// FromPayload implements converter.DataConverter.
func (d *dataConverter) FromPayload(p *commonpb.Payload, valuePtr any) error {
	return d.check(d.DataConverter.FromPayload(p, valuePtr))
}

// FromPayloads implements converter.DataConverter.
func (d *dataConverter) FromPayloads(ps *commonpb.Payloads, valuePtrs ...any) error {
	return d.check(d.DataConverter.FromPayloads(ps, valuePtrs...))
}

// WithWorkflowContext implements converter.ContextAware: decoding for workflow code.
func (d *dataConverter) WithWorkflowContext(converter.WorkflowContext) converter.DataConverter {
	return &dataConverter{DataConverter: d.DataConverter, codec: d.codec, inWorkflow: true, worker: d.worker}
}

// WithContext implements converter.ContextAware: decoding for an activity or a
// client, which get the error.
func (d *dataConverter) WithContext(context.Context) converter.DataConverter {
	return &dataConverter{DataConverter: d.DataConverter, codec: d.codec, worker: d.worker}
}

// WithSerializationContext implements converter.DataConverterWithSerializationContext.
func (d *dataConverter) WithSerializationContext(sc converter.SerializationContext) converter.DataConverter {
	return &dataConverter{
		DataConverter: converter.WithDataConverterSerializationContext(d.DataConverter, sc),
		codec:         d.codec, inWorkflow: d.inWorkflow, worker: d.worker,
	}
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
