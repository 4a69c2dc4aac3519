package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/eventsig"
)

// TestEventSigningKeys: outside dev there is no signing without a key; the
// environment's key is named by its fingerprint; dev makes one key file and
// keeps it, which a worker beside it reads through CASEFLOW_EVENT_KEY_FILE.
func TestEventSigningKeys(t *testing.T) {
	clearEnv(t)
	example := config.Example()
	_, err := signingFrom(example, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no event signing key")

	key := bytes.Repeat([]byte{0xC}, eventsig.KeySize)
	t.Setenv("CASEFLOW_EVENT_KEY", base64.StdEncoding.EncodeToString(key))
	r, err := signingFrom(example, "")
	require.NoError(t, err)
	assert.Equal(t, eventsig.KeyID(key), r.ActiveKeyID())
	require.NoError(t, os.Unsetenv("CASEFLOW_EVENT_KEY"))

	file := filepath.Join(t.TempDir(), "data", "event.key")
	dev, err := signingFrom(example, file)
	require.NoError(t, err)
	info, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	again, err := signingFrom(example, file)
	require.NoError(t, err)
	assert.Equal(t, dev.ActiveKeyID(), again.ActiveKeyID(), "dev keeps its key across restarts")

	t.Setenv("CASEFLOW_EVENT_KEY_FILE", file)
	worker, err := signingFrom(example, "")
	require.NoError(t, err)
	assert.Equal(t, dev.ActiveKeyID(), worker.ActiveKeyID(), "a worker beside dev holds dev's key")
}
