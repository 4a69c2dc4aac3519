package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/eventsig"
)

// TestServerCommandRules: caseflow server needs its PostgreSQL database and,
// having no authentication, keeps its frontend and UI on loopback unless told.
func TestServerCommandRules(t *testing.T) {
	clearEnv(t)
	db := "postgres://temporal@db.example.com/temporal"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"server"}, "--temporal-db (CASEFLOW_TEMPORAL_DB) or --temporal-db-file is required"},
		{[]string{"server", "--temporal-db", db, "--temporal", "0.0.0.0:7233"}, "--temporal 0.0.0.0:7233 is not a loopback address"},
		{[]string{"server", "--temporal-db", db, "--ui", "0.0.0.0:8233"}, "--ui 0.0.0.0:8233 must be a loopback address"},
		{[]string{"server", "--temporal-db", db, "--history-shards", "0"}, "--history-shards 0: want 1 to 16384"},
		{[]string{"server", "--temporal-db", db, "--temporal-db-max-conns", "0"}, "--temporal-db-max-conns 0: want 1 to 1000"},
		{[]string{"server", "--temporal-visibility-db", db}, "--temporal-visibility-db needs --temporal-db"},
		{[]string{"server", "--temporal-db", db, "--temporal-db-file", "x"}, "give --temporal-db or --temporal-db-file, not both"},
		{[]string{"dev", "--temporal-db", "mysql://temporal@db.example.com/temporal", "--data", t.TempDir(), "--temporal", "127.0.0.1:0", "--ui="}, `scheme "mysql"`},
	} {
		_, _, err := runCLI(t, tc.args...)
		require.ErrorContains(t, err, tc.want, "%v", tc.args)
	}
}

// TestTemporalAPIKey: the API key from CASEFLOW_TEMPORAL_API_KEY or a file
// reaches the frontend as a bearer token, over TLS only; it goes with mTLS's
// certificate never.
func TestTemporalAPIKey(t *testing.T) {
	clearEnv(t)
	var mu sync.Mutex
	var seen []string
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", "16") // UNAUTHENTICATED: the dial gives up
		w.WriteHeader(http.StatusOK)
	}))
	front.EnableHTTP2 = true
	front.StartTLS()
	t.Cleanup(front.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw}), 0o600))
	key, err := codec.GenerateKey()
	require.NoError(t, err)
	t.Setenv("CASEFLOW_CODEC_KEY", key)
	t.Setenv("CASEFLOW_EVENT_KEY", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xE}, eventsig.KeySize)))
	cfg := productionConfig(t, "")
	addr := strings.TrimPrefix(front.URL, "https://")
	worker := func(args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var out, errOut bytes.Buffer
		return run(ctx, append([]string{"worker", "--config", cfg, "--records", "sqlite:" + filepath.Join(dir, "r.db"),
			"--temporal-address", addr, "--tls-ca", ca, "--tls-server-name", "example.com"}, args...), &out, &errOut)
	}

	t.Setenv("CASEFLOW_TEMPORAL_API_KEY", "key-from-env")
	require.Error(t, worker(), "the frontend refuses every call")
	t.Setenv("CASEFLOW_TEMPORAL_API_KEY", "")
	file := filepath.Join(dir, "api-key")
	require.NoError(t, os.WriteFile(file, []byte("key-from-file\n"), 0o600))
	require.Error(t, worker("--temporal-api-key-file", file))
	mu.Lock()
	assert.Contains(t, seen, "Bearer key-from-env")
	assert.Contains(t, seen, "Bearer key-from-file")
	mu.Unlock()

	both := temporalFlags{apiKey: "k", tlsCert: "client.pem"}
	_, err = both.credentials()
	require.ErrorContains(t, err, "give a Temporal API key or a client certificate (--tls-cert), not both")

	// Without --tls-ca an API key still turns TLS on, with the system's roots.
	tf := temporalFlags{apiKey: "k"}
	tlsCfg, err := tf.tlsConfig()
	require.NoError(t, err)
	require.NotNil(t, tlsCfg)
	tf = temporalFlags{}
	tlsCfg, err = tf.tlsConfig()
	require.NoError(t, err)
	assert.Nil(t, tlsCfg, "no key, no certificate: plaintext to a local cluster")
}

// TestWorkerHealthIsNotReadyWithoutTemporal: the worker's probe answers 503
// while Temporal does not answer (TestTopology waits for its 200).
func TestWorkerHealthIsNotReadyWithoutTemporal(t *testing.T) {
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	defer c.Close()
	srv, ln, err := serveHealth("127.0.0.1:0", c, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}
