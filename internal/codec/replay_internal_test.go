package codec

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// TestReplaySealsUncompressed checks what a replaying workflow's converter
// seals with: the same sealed format and key, the body not compressed, and
// Decode reading it like any other payload. Outside a workflow the converter
// compresses.
func TestReplaySealsUncompressed(t *testing.T) {
	c, err := New(Keys{Active: "k1", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{1}, KeySize)}})
	require.NoError(t, err)
	clear, err := converter.GetDefaultDataConverter().ToPayload(map[string]string{
		"body": strings.Repeat("Технику не перемещать, не разбирать, не отмывать. ", 20),
	})
	require.NoError(t, err)
	open := func(p *commonpb.Payload) []byte {
		t.Helper()
		id, plain := sealedPlain(t, c, p)
		require.Equal(t, "k1", id)
		return plain
	}

	replayed, err := uncompressed{c}.Encode([]*commonpb.Payload{clear})
	require.NoError(t, err)
	require.Equal(t, byte(jsonMark), open(replayed[0])[0], "sealed as it is")
	dec, err := c.Decode(replayed)
	require.NoError(t, err)
	require.True(t, proto.Equal(clear, dec[0]))

	live, err := DataConverter(c).ToPayload(map[string]string{"body": strings.Repeat("Технику не перемещать, не разбирать, не отмывать. ", 20)})
	require.NoError(t, err)
	require.Equal(t, byte(compressedMark), open(live)[0], "compressed outside a replay")
	require.Less(t, len(live.Data), len(replayed[0].Data)/2)
}

// replayedResult stands for an update's result that knows its workflow replays.
type replayedResult struct {
	Body     string `json:"body"`
	replayed bool
}

func (r replayedResult) Replayed() bool { return r.replayed }

// TestReplayedValueSealsUncompressed: a value that says its workflow replays
// (an update's result, which the SDK encodes without a workflow context) is
// sealed uncompressed; the same value from a first run is compressed.
func TestReplayedValueSealsUncompressed(t *testing.T) {
	c, err := New(Keys{Active: "k1", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{1}, KeySize)}})
	require.NoError(t, err)
	body := strings.Repeat("Технику не перемещать, не разбирать, не отмывать. ", 20)
	first := func(p *commonpb.Payload) byte {
		t.Helper()
		_, plain := sealedPlain(t, c, p)
		return plain[0]
	}
	dc := DataConverter(c)
	for _, tt := range []struct {
		replayed bool
		want     byte
	}{{true, jsonMark}, {false, compressedMark}} {
		v := replayedResult{Body: body, replayed: tt.replayed}
		ps, err := dc.ToPayloads(v)
		require.NoError(t, err)
		require.Equal(t, tt.want, first(ps.Payloads[0]), "replayed %v", tt.replayed)
		p, err := dc.ToPayload(v)
		require.NoError(t, err)
		require.Equal(t, tt.want, first(p), "replayed %v", tt.replayed)
		var back replayedResult
		require.NoError(t, dc.FromPayloads(ps, &back))
		require.Equal(t, body, back.Body)
	}
}

// sealedPlain opens a sealed payload with c's key and returns the key's ID
// and what was sealed: its first byte says whether it was compressed.
func sealedPlain(t *testing.T, c *Codec, p *commonpb.Payload) (string, []byte) {
	t.Helper()
	id, sealed, header, err := opening(p)
	require.NoError(t, err)
	plain, err := c.aeads[id].Open(nil, nil, sealed, header)
	require.NoError(t, err)
	return id, plain
}
