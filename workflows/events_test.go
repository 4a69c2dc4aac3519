package workflows

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeStrictNamesTheJSONField(t *testing.T) {
	cases := map[string]struct {
		body, field, problem string
	}{
		"type mismatch inside an embedded struct": {`{"customer":{"phone":7}}`, "customer.phone", "must be a string"},
		"type mismatch at the top":                {`{"mood":true}`, "mood", "must be a string"},
		"unknown field":                           {`{"colour":"red"}`, "colour", "unknown field"},
		"trailing data":                           {`{} {}`, "data", "unexpected data"},
		"malformed":                               {`{"mood":`, "data", "incomplete JSON"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeStrict[PLCIntake](json.RawMessage(tc.body))
			var fe *FieldError
			require.True(t, errors.As(err, &fe), "want a *FieldError, got %v", err)
			assert.Equal(t, tc.field, fe.Field)
			assert.Contains(t, fe.Problem, tc.problem)
		})
	}
}
