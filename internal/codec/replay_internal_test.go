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
		id, sealed, header, err := opening(p)
		require.NoError(t, err)
		require.Equal(t, "k1", id)
		plain, err := c.aeads[id].Open(nil, nil, sealed, header)
		require.NoError(t, err)
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
