// Package payload converts the values caseflow hands to Temporal into payloads
// and back: the SDK's default converters, with a JSON converter that writes the
// same bytes and, on decoding, shares the decoded value of a struct field tagged
// `payload:"shared"` among every payload that carries the same encoding of it.
//
// The field it is made for is a case's configuration snapshot
// (workflows.CaseInput.Env): thousands of parked cases start from a handful of
// configurations, and each would otherwise hold its own decoded copy of the
// compiled calendars, directory and options (see docs/performance.md).
package payload

import "go.temporal.io/sdk/converter"

// MaxShared bounds the distinct values this process keeps decoded for shared
// fields: one per configuration its open cases started with. Past it a value is
// decoded for its payload alone, as if it were not shared.
const MaxShared = 64

var (
	processJSON = NewJSONConverter(MaxShared)

	dataConverter = converter.NewCompositeDataConverter(
		converter.NewNilPayloadConverter(),
		converter.NewByteSlicePayloadConverter(),
		converter.NewProtoJSONPayloadConverter(),
		converter.NewProtoPayloadConverter(),
		processJSON,
	)
)

// JSON is this process's JSON converter: every data converter built on it
// shares one set of decoded values.
func JSON() *JSONConverter { return processJSON }

// DataConverter is the SDK's default data converter — the same payload
// converters in the same order — with JSON in place of the SDK's JSON converter.
// The SDK makes every client's, worker's and replayer's converter
// transfer-aware itself, as the default one is.
func DataConverter() converter.DataConverter { return dataConverter }
