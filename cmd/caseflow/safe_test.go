package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/config"
)

// productionConfig is the shipped example with auth (and codec) replaced by
// text: a config that passes config.CheckProduction when text is sound.
func productionConfig(t *testing.T, text string) string {
	t.Helper()
	ex := string(config.ExampleYAML())
	i := strings.Index(ex, "\nauth:")
	require.Positive(t, i, "the example has an auth section")
	return writeConfig(t, ex[:i]+"\n"+text)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// clearEnv keeps the caller's CASEFLOW_ variables out of a test of the CLI.
func clearEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "CASEFLOW_") {
			t.Setenv(name, "")
			require.NoError(t, os.Unsetenv(name))
		}
	}
}

// TestOutsideDevAConfigIsRequired: caseflow api and worker never fall back to
// the example config and its well-known tokens.
func TestOutsideDevAConfigIsRequired(t *testing.T) {
	clearEnv(t)
	records := "sqlite:" + filepath.Join(t.TempDir(), "records.db")
	for _, cmd := range []string{"api", "worker"} {
		_, _, err := runCLI(t, cmd, "--records", records)
		require.ErrorContains(t, err, "--config (CASEFLOW_CONFIG) is required", cmd)
	}
}

// TestOutsideDevTheExampleSecretsAreRefused: the example's tokens, however
// given, and secrets written into the config file stop api and worker, each
// problem naming its key.
func TestOutsideDevTheExampleSecretsAreRefused(t *testing.T) {
	clearEnv(t)
	records := "sqlite:" + filepath.Join(t.TempDir(), "records.db")
	example := writeConfig(t, string(config.ExampleYAML()))
	for _, cmd := range []string{"api", "worker"} {
		_, _, err := runCLI(t, cmd, "--config", example, "--records", records)
		require.Error(t, err, cmd)
		assert.Contains(t, err.Error(), "auth.tokens[0] (operator-1) is a well-known token of the shipped example config")
		assert.Contains(t, err.Error(), "auth.tokens[0].token (operator-1): a token written into the config file is refused outside dev")
	}

	t.Setenv("TEST_OPERATOR_TOKEN", "dev-operator")
	disguised := productionConfig(t, `auth:
  tokens:
    - {name: ops, role: operator, token_sha256: `+sha256Hex("dev-supervisor")+`}
    - {name: ops2, role: operator, token_env: TEST_OPERATOR_TOKEN}
`)
	_, _, err := runCLI(t, "api", "--config", disguised, "--records", records)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "auth.tokens[0] (ops) is a well-known token")
	assert.Contains(t, err.Error(), "auth.tokens[1] (ops2) is a well-known token")

	key, err := codec.GenerateKey()
	require.NoError(t, err)
	inlineKey := productionConfig(t, "codec:\n  active: k1\n  keys:\n    - {id: k1, secret: \""+key+"\"}\n")
	_, _, err = runCLI(t, "worker", "--config", inlineKey, "--records", records)
	require.ErrorContains(t, err, "codec.keys[0].secret (k1): a key written into the config file is refused outside dev")
}

// TestPlaintextOnlyOnLoopback: a plaintext API on an address other machines
// reach needs TLS or a TLS proxy said to be in front, in api and in dev; the
// embedded Temporal server and UI, which have no authentication, stay on loopback.
func TestPlaintextOnlyOnLoopback(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	_, _, err := runCLI(t, "api", "--http", "0.0.0.0:8080", "--config", productionConfig(t, ""), "--records", "sqlite:"+filepath.Join(dir, "r.db"))
	require.ErrorContains(t, err, "--http 0.0.0.0:8080 is not a loopback address and would serve plaintext HTTP: give --http-tls-cert and --http-tls-key, or --behind-tls-proxy")
	_, _, err = runCLI(t, "dev", "--data", dir, "--http", ":8080")
	require.ErrorContains(t, err, "--http :8080 is not a loopback address")
	_, _, err = runCLI(t, "dev", "--data", dir, "--http", "0.0.0.0:8080", "--behind-tls-proxy")
	require.ErrorContains(t, err, "--config (CASEFLOW_CONFIG) is required", "dev that others reach holds to the production rules")
	_, _, err = runCLI(t, "dev", "--data", dir, "--temporal", "0.0.0.0:7233")
	require.ErrorContains(t, err, "--temporal 0.0.0.0:7233 must be a loopback address")
	_, _, err = runCLI(t, "dev", "--data", dir, "--ui", "192.0.2.1:8233")
	require.ErrorContains(t, err, "--ui 192.0.2.1:8233 must be a loopback address")

	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:8080": true, "localhost:8080": true, "127.0.0.2:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "192.0.2.1:8080": false, "example.com:80": false, "nonsense": false,
	} {
		assert.Equal(t, want, isLoopback(addr), addr)
	}
	var l listenFlags
	_, err = l.check("--http", "0.0.0.0:8080")
	require.Error(t, err)
	l.behindTLSProxy = true
	tlsCfg, err := l.check("--http", "0.0.0.0:8080")
	require.NoError(t, err)
	assert.Nil(t, tlsCfg, "the proxy terminates TLS")
	l = listenFlags{tlsCert: filepath.Join(dir, "missing.pem")}
	_, err = l.check("--http", "0.0.0.0:8080")
	require.ErrorContains(t, err, "--http-tls-cert and --http-tls-key go together")
}

// TestPasswordsStayOffTheCommandLine: ps shows a process's arguments to every
// local user; passwords come from the environment or a file.
func TestPasswordsStayOffTheCommandLine(t *testing.T) {
	clearEnv(t)
	for _, args := range [][]string{
		{"worker", "--smtp-password", "s3cret"},
		{"api", "-smtp-password=s3cret"},
		{"dev", "--smtp-password="},
	} {
		_, _, err := runCLI(t, args...)
		require.ErrorContains(t, err, "--smtp-password on the command line is visible to every local user (ps): set CASEFLOW_SMTP_PASSWORD or give --smtp-password-file", "%v", args)
	}
	for _, dsn := range []string{
		"postgres://caseflow:s3cret@db.example.com/caseflow",
		"postgresql://caseflow@db.example.com/caseflow?password=s3cret",
		"host=db.example.com user=caseflow password=s3cret",
	} {
		_, _, err := runCLI(t, "worker", "--records", dsn)
		require.ErrorContains(t, err, "--records holds a password", dsn)
		_, _, err = runCLI(t, "api", "--records="+dsn)
		require.ErrorContains(t, err, "--records holds a password", dsn)
	}
	_, _, err := runCLI(t, "server", "--temporal-db", "postgres://temporal:s3cret@db.example.com/temporal")
	require.ErrorContains(t, err, "--temporal-db holds a password")
	_, _, err = runCLI(t, "dev", "--temporal-visibility-db=postgres://temporal:s3cret@db.example.com/vis")
	require.ErrorContains(t, err, "--temporal-visibility-db holds a password")
	for _, args := range [][]string{
		{"worker", "--temporal-api-key", "eyJhbGciOi"},
		{"api", "--temporal-api-key=eyJhbGciOi"},
	} {
		_, _, err = runCLI(t, args...)
		require.ErrorContains(t, err, "--temporal-api-key on the command line is visible to every local user (ps): set CASEFLOW_TEMPORAL_API_KEY or give --temporal-api-key-file", "%v", args)
	}
	// Without a password on the command line the next check speaks.
	_, _, err = runCLI(t, "worker", "--records", "postgres://caseflow@db.example.com/caseflow")
	require.ErrorContains(t, err, "--config")
	t.Setenv("CASEFLOW_RECORDS", "postgres://caseflow:s3cret@db.example.com/caseflow")
	_, _, err = runCLI(t, "worker")
	require.ErrorContains(t, err, "--config", "the environment may hold a DSN with a password")

	file := filepath.Join(t.TempDir(), "dsn")
	require.NoError(t, os.WriteFile(file, []byte("postgres://caseflow:s3cret@db.example.com/caseflow\n"), 0o600))
	r := recordsFlags{file: file}
	dsn, err := r.dsn()
	require.NoError(t, err)
	assert.Equal(t, "postgres://caseflow:s3cret@db.example.com/caseflow", dsn)

	pw := filepath.Join(t.TempDir(), "smtp-password")
	require.NoError(t, os.WriteFile(pw, []byte("s3cret\n"), 0o600))
	c := common{smtpPasswordFile: pw}
	c.smtp.Addr = "127.0.0.1:25"
	_, err = c.transport()
	require.NoError(t, err)
	c.smtp.Password = "from-env"
	_, err = c.transport()
	require.ErrorContains(t, err, "not both")
}

// TestCodecKeyRing: CASEFLOW_CODEC_KEY's ID is the key's fingerprint, the dev
// key file's JSON and the file itself are accepted with their own ID, and an ID
// that would name two keys is refused.
func TestCodecKeyRing(t *testing.T) {
	clearEnv(t)
	keyA, keyB := bytes.Repeat([]byte{0xA}, codec.KeySize), bytes.Repeat([]byte{0xB}, codec.KeySize)
	b64 := base64.StdEncoding.EncodeToString
	sumA := sha256.Sum256(keyA)
	idA := "sha256-" + hex.EncodeToString(sumA[:8])
	require.Equal(t, idA, codec.KeyID(keyA))
	example := config.Example()

	t.Setenv("CASEFLOW_CODEC_KEY", b64(keyA))
	c, err := codecFrom(example, "")
	require.NoError(t, err)
	assert.Equal(t, idA, c.ActiveKeyID(), "the key's fingerprint, not a fixed name")
	t.Setenv("CASEFLOW_CODEC_KEY", b64(keyB))
	c2, err := codecFrom(example, "")
	require.NoError(t, err)
	assert.NotEqual(t, c.ActiveKeyID(), c2.ActiveKeyID(), "another key, another ID")

	// A payload sealed under the old fixed ID "env" still opens with the same key.
	legacy, err := codec.New(codec.Keys{Active: "env", Keys: map[string][]byte{"env": keyB}})
	require.NoError(t, err)
	sealed, err := codec.DataConverter(legacy).ToPayload("kept")
	require.NoError(t, err)
	var got string
	require.NoError(t, codec.DataConverter(c2).FromPayload(sealed, &got))
	assert.Equal(t, "kept", got)

	// The dev key file, as JSON in the variable or by path.
	keyFile := filepath.Join(t.TempDir(), "codec.key")
	devID, devKey, err := codec.LoadOrCreateKeyFile(keyFile)
	require.NoError(t, err)
	raw, err := os.ReadFile(keyFile)
	require.NoError(t, err)
	t.Setenv("CASEFLOW_CODEC_KEY", string(raw))
	c, err = codecFrom(example, "")
	require.NoError(t, err)
	assert.Equal(t, devID, c.ActiveKeyID())
	t.Setenv("CASEFLOW_CODEC_KEY", "")
	t.Setenv("CASEFLOW_CODEC_KEY_FILE", keyFile)
	c, err = codecFrom(example, "")
	require.NoError(t, err)
	assert.Equal(t, devID, c.ActiveKeyID())
	t.Setenv("CASEFLOW_CODEC_KEY", b64(keyA))
	_, err = codecFrom(example, "")
	require.ErrorContains(t, err, "not both")
	t.Setenv("CASEFLOW_CODEC_KEY", "")

	// The config names another key under the dev key's ID: refused, not shadowed.
	clash, err := config.Parse([]byte(strings.Replace(string(config.ExampleYAML()), "\nauth:",
		"\ncodec:\n  active: "+devID+"\n  keys:\n    - {id: "+devID+", secret: \""+b64(keyA)+"\"}\nauth:", 1)))
	require.NoError(t, err)
	_, err = codecFrom(clash, "")
	require.ErrorContains(t, err, `CASEFLOW_CODEC_KEY_FILE: key ID "`+devID+`" already names another key`)
	require.NotEqual(t, devKey, keyA)

	t.Setenv("CASEFLOW_CODEC_KEY_FILE", "")
	t.Setenv("CASEFLOW_CODEC_KEY", "not a key")
	_, err = codecFrom(example, "")
	require.ErrorContains(t, err, "CASEFLOW_CODEC_KEY must be base64 of 32 bytes or a key file's JSON")
}

// TestCodecWritesTheConfiguredFormat: codec.sealed_format 1 makes the codec
// write what workers released before format 2 read (the key ID in the
// metadata); unset, it writes format 2.
func TestCodecWritesTheConfiguredFormat(t *testing.T) {
	clearEnv(t)
	t.Setenv("CASEFLOW_CODEC_KEY", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xA}, codec.KeySize)))
	for format, wantMetadata := range map[string]int{"": 1, "\ncodec:\n  sealed_format: 1": 2, "\ncodec:\n  sealed_format: 2": 1} {
		cfg, err := config.Parse([]byte(strings.Replace(string(config.ExampleYAML()), "\nauth:", format+"\nauth:", 1)))
		require.NoError(t, err)
		c, err := codecFrom(cfg, "")
		require.NoError(t, err)
		sealed, err := codec.DataConverter(c).ToPayload("kept")
		require.NoError(t, err)
		assert.Len(t, sealed.Metadata, wantMetadata, "config %q", format)
		if wantMetadata == 2 {
			assert.Equal(t, c.ActiveKeyID(), string(sealed.Metadata[codec.MetadataKeyID]))
		}
	}
}
