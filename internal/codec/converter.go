package codec

import (
	"context"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// DataConverter is the SDK's default data converter with every payload passed
// through c. Set it as client.Options.DataConverter of every client and worker.
//
// Inside workflow code (the workflow's input, update and signal arguments,
// activity and child results) a payload c cannot decrypt panics instead of
// returning an error. The SDK returns an error from a workflow's input decoding as
// the workflow's failure, and rejects an update whose arguments it cannot decode:
// a worker that lacks a key would fail every case encrypted with it. A panic in
// workflow code fails only the workflow task (worker.Options.WorkflowPanicPolicy's
// default, BlockWorkflow), which Temporal retries: the case waits, its pending
// workflow task visible with its attempts and this error, until a worker holding
// the key takes it. Outside workflow code (clients, activities, the codec
// endpoint) the error is returned as usual.
func DataConverter(c *Codec) converter.DataConverter {
	return &dataConverter{DataConverter: converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c), codec: c}
}

// dataConverter is the codec data converter, told by the SDK whether it works
// for workflow code (converter.ContextAware).
type dataConverter struct {
	converter.DataConverter
	codec      *Codec
	inWorkflow bool
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
	return &dataConverter{DataConverter: d.DataConverter, codec: d.codec, inWorkflow: true}
}

// WithContext implements converter.ContextAware: decoding for an activity or a
// client, which get the error.
func (d *dataConverter) WithContext(context.Context) converter.DataConverter {
	return &dataConverter{DataConverter: d.DataConverter, codec: d.codec}
}

// WithSerializationContext implements converter.DataConverterWithSerializationContext.
func (d *dataConverter) WithSerializationContext(sc converter.SerializationContext) converter.DataConverter {
	return &dataConverter{
		DataConverter: converter.WithDataConverterSerializationContext(d.DataConverter, sc),
		codec:         d.codec, inWorkflow: d.inWorkflow,
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
