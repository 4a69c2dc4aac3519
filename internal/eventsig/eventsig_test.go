package eventsig_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/eventsig"
	"github.com/caseflow/caseflow/workflows"
)

// TestSignVerify: a signature binds the actor, the role, the event, the data,
// the case and the update, for MaxAge; any change is refused, naming why.
func TestSignVerify(t *testing.T) {
	ring, err := eventsig.New("b", map[string][]byte{"a": bytes.Repeat([]byte{1}, 32), "b": bytes.Repeat([]byte{2}, 32)})
	require.NoError(t, err)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	signed := func() workflows.EventRequest {
		req := workflows.EventRequest{Event: "verdict", Data: json.RawMessage(`{ "plc": true, "comment": "<огонь> & дым" }`),
			Actor: workflows.Actor{Name: "engineer-1", Role: "engineer"}}
		require.NoError(t, ring.Sign(&req, "plc-1", "u-1", now))
		return req
	}
	req := signed()
	require.NotNil(t, req.Sig)
	assert.Equal(t, "b", req.Sig.KeyID)
	require.NoError(t, ring.Verify(req, "plc-1", "u-1", now.Add(time.Minute)))

	// As the SDK's JSON converter carries it: the data re-encoded.
	raw, err := json.Marshal(req)
	require.NoError(t, err)
	var carried workflows.EventRequest
	require.NoError(t, json.Unmarshal(raw, &carried))
	require.NoError(t, ring.Verify(carried, "plc-1", "u-1", now), "the data as the worker decodes it")

	for what, change := range map[string]func(r *workflows.EventRequest){
		"actor name": func(r *workflows.EventRequest) { r.Actor.Name = "supervisor-1" },
		"actor role": func(r *workflows.EventRequest) { r.Actor.Role = "supervisor" },
		"event":      func(r *workflows.EventRequest) { r.Event = "close" },
		"data":       func(r *workflows.EventRequest) { r.Data = json.RawMessage(`{"plc":false,"comment":"x"}`) },
		"issued at":  func(r *workflows.EventRequest) { r.Sig.IssuedAt = r.Sig.IssuedAt.Add(time.Second) },
	} {
		r := signed()
		change(&r)
		err := ring.Verify(r, "plc-1", "u-1", now)
		require.Error(t, err, what)
		assert.Contains(t, err.Error(), "does not match", what)
	}
	assert.ErrorContains(t, ring.Verify(signed(), "plc-2", "u-1", now), "does not match", "another case")
	assert.ErrorContains(t, ring.Verify(signed(), "plc-1", "u-2", now), "does not match", "another update")
	assert.ErrorContains(t, ring.Verify(signed(), "plc-1", "u-1", now.Add(eventsig.MaxAge+time.Second)), "more than 10m0s")
	assert.ErrorContains(t, ring.Verify(signed(), "plc-1", "u-1", now.Add(-eventsig.MaxSkew-time.Second)), "in the future")
	unsigned := signed()
	unsigned.Sig = nil
	assert.ErrorContains(t, ring.Verify(unsigned, "plc-1", "u-1", now), "not signed")

	// Rotation: a worker holding only the old key refuses the new one's signatures.
	old, err := eventsig.New("", map[string][]byte{"a": bytes.Repeat([]byte{1}, 32)})
	require.NoError(t, err)
	assert.ErrorContains(t, old.Verify(signed(), "plc-1", "u-1", now), `key ID "b"`)
	r := workflows.EventRequest{Event: "x"}
	assert.Error(t, old.Sign(&r, "plc-1", "u", now), "a ring without an active key does not sign")

	_, err = eventsig.New("a", map[string][]byte{"a": {1, 2}})
	assert.ErrorContains(t, err, "want 32")
}
