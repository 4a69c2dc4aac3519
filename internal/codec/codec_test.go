package codec_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/caseflow/caseflow/internal/codec"
)

const (
	customerName  = "Иванов Иван Иванович"
	customerPhone = "+7 912 345-67-89"
)

// caller is a stand-in for a workflow input holding personal data.
type caller struct {
	CaseID string `json:"case_id"`
	Name   string `json:"name"`
	Phone  string `json:"phone"`
}

func testCaller() caller {
	return caller{CaseID: "PLC-42", Name: customerName, Phone: customerPhone}
}

const keyFileName = "codec.key"

func key(b byte) []byte { return bytes.Repeat([]byte{b}, codec.KeySize) }

func newCodec(t *testing.T, active string, ids ...string) *codec.Codec {
	t.Helper()
	keys := codec.Keys{Active: active, Keys: map[string][]byte{}}
	for i, id := range ids {
		keys.Keys[id] = key(byte(i + 1))
	}
	c, err := codec.New(keys)
	require.NoError(t, err)
	return c
}

// requireNoPersonalData fails if the payload, metadata included, holds the name or phone.
func requireNoPersonalData(t *testing.T, p *commonpb.Payload) {
	t.Helper()
	raw, err := proto.Marshal(p)
	require.NoError(t, err)
	for _, s := range []string{customerName, "Иванов", customerPhone, "345-67-89", "json/plain"} {
		require.NotContains(t, string(raw), s)
	}
}

func TestNewChecksKeys(t *testing.T) {
	for name, tc := range map[string]struct {
		keys codec.Keys
		want string
	}{
		"no active":      {codec.Keys{Keys: map[string][]byte{"k1": key(1)}}, "no active key ID"},
		"active unknown": {codec.Keys{Active: "k2", Keys: map[string][]byte{"k1": key(1)}}, `"k2" names no key`},
		"short key":      {codec.Keys{Active: "k1", Keys: map[string][]byte{"k1": key(1)[:16]}}, `key ID "k1" is 16 bytes, want 32`},
		"short old key":  {codec.Keys{Active: "k2", Keys: map[string][]byte{"k1": {1}, "k2": key(2)}}, `key ID "k1" is 1 bytes`},
		"empty ID":       {codec.Keys{Active: "k1", Keys: map[string][]byte{"k1": key(1), "": key(2)}}, "empty ID"},
		"long ID":        {codec.Keys{Active: "k1", Keys: map[string][]byte{"k1": key(1), strings.Repeat("k", 256): key(2)}}, "is 256 bytes, want at most 255"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := codec.New(tc.keys)
			require.ErrorContains(t, err, tc.want)
		})
	}
	c, err := codec.New(codec.Keys{Active: "k1", Keys: map[string][]byte{"k1": key(1)}})
	require.NoError(t, err)
	require.Equal(t, "k1", c.ActiveKeyID())
}

func TestDataConverterRoundTrip(t *testing.T) {
	dc := codec.DataConverter(newCodec(t, "k1", "k1"))

	p, err := dc.ToPayload(testCaller())
	require.NoError(t, err)
	require.Equal(t, codec.EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	id, err := codec.SealedKeyID(p)
	require.NoError(t, err)
	require.Equal(t, "k1", id)
	require.Len(t, p.Metadata, 1)
	requireNoPersonalData(t, p)

	var got caller
	require.NoError(t, dc.FromPayload(p, &got))
	require.Equal(t, testCaller(), got)

	// Several values, as workflow arguments travel.
	ps, err := dc.ToPayloads(testCaller(), customerPhone, 7)
	require.NoError(t, err)
	for _, p := range ps.Payloads {
		requireNoPersonalData(t, p)
	}
	var (
		gotCaller caller
		gotPhone  string
		gotInt    int
	)
	require.NoError(t, dc.FromPayloads(ps, &gotCaller, &gotPhone, &gotInt))
	require.Equal(t, testCaller(), gotCaller)
	require.Equal(t, customerPhone, gotPhone)
	require.Equal(t, 7, gotInt)
}

// TestDataConverterSharesSnapshots checks that the codec's converter decodes a
// field tagged payload:"shared" once for every encrypted payload carrying it, and
// that the plaintext it encrypts is what the SDK's default converter writes.
func TestDataConverterSharesSnapshots(t *testing.T) {
	type snapshot struct {
		Mailboxes map[string]string `json:"mailboxes"`
	}
	type input struct {
		CaseID string    `json:"case_id"`
		Env    *snapshot `json:"env" payload:"shared"`
	}
	c := newCodec(t, "k1", "k1")
	dc := codec.DataConverter(c)
	env := &snapshot{Mailboxes: map[string]string{"complaints": "complaints@example.com"}}
	decode := func(caseID string) *input {
		p, err := dc.ToPayload(input{CaseID: caseID, Env: env})
		require.NoError(t, err)
		plain, err := c.Decode([]*commonpb.Payload{p})
		require.NoError(t, err)
		want, err := converter.GetDefaultDataConverter().ToPayload(input{CaseID: caseID, Env: env})
		require.NoError(t, err)
		require.True(t, proto.Equal(want, plain[0]), "encrypted %v, want %v", plain[0], want)
		var in *input
		require.NoError(t, dc.FromPayload(p, &in))
		require.Equal(t, caseID, in.CaseID)
		return in
	}
	a, b := decode("PLC-1"), decode("PLC-2")
	require.Equal(t, env, a.Env)
	require.Same(t, a.Env, b.Env)
}

func TestEncodeUsesFreshNonceAndKeepsInput(t *testing.T) {
	c := newCodec(t, "k1", "k1")
	clear, err := converter.GetDefaultDataConverter().ToPayload(testCaller())
	require.NoError(t, err)
	before := proto.Clone(clear)

	a, err := c.Encode([]*commonpb.Payload{clear})
	require.NoError(t, err)
	b, err := c.Encode([]*commonpb.Payload{clear})
	require.NoError(t, err)
	require.True(t, proto.Equal(before, clear), "Encode must not mutate its input")
	require.NotEqual(t, a[0].Data, b[0].Data, "same value, same ciphertext: nonce reused")
	// The sealed header (format, key ID) is the same; the 12-byte nonce after it is not.
	require.Equal(t, []byte("\x02\x02k1"), a[0].Data[:4])
	require.Equal(t, a[0].Data[:4], b[0].Data[:4])
	require.NotEqual(t, a[0].Data[4:16], b[0].Data[4:16], "nonce reused")

	sealed := proto.Clone(a[0])
	dec, err := c.Decode(a)
	require.NoError(t, err)
	require.True(t, proto.Equal(clear, dec[0]))
	require.True(t, proto.Equal(sealed, a[0]), "Decode must not mutate its input")
}

func TestRotation(t *testing.T) {
	old := newCodec(t, "k1", "k1")
	dcOld := codec.DataConverter(old)
	p1, err := dcOld.ToPayload(testCaller())
	require.NoError(t, err)

	// The same ring, k2 now active, k1 kept for the history written with it.
	rotated, err := codec.New(codec.Keys{Active: "k2", Keys: map[string][]byte{"k1": key(1), "k2": key(2)}})
	require.NoError(t, err)
	dc := codec.DataConverter(rotated)

	var got caller
	require.NoError(t, dc.FromPayload(p1, &got))
	require.Equal(t, testCaller(), got)

	p2, err := dc.ToPayload(testCaller())
	require.NoError(t, err)
	id, err := codec.SealedKeyID(p2)
	require.NoError(t, err)
	require.Equal(t, "k2", id)
	require.NotContains(t, p2.Metadata, codec.MetadataKeyID, "the key ID is sealed in the data, not named in the metadata")
	got = caller{}
	require.NoError(t, dc.FromPayload(p2, &got))
	require.Equal(t, testCaller(), got)

	// The old codec knows nothing of k2.
	err = dcOld.FromPayload(p2, &got)
	require.ErrorContains(t, err, `unknown key ID "k2"`)
}

func TestDecodeErrors(t *testing.T) {
	c := newCodec(t, "k1", "k1")
	enc, err := c.Encode([]*commonpb.Payload{mustPayload(t, testCaller())})
	require.NoError(t, err)

	t.Run("unknown key ID", func(t *testing.T) {
		other := newCodec(t, "k9", "k9")
		_, err := other.Decode(enc)
		require.ErrorContains(t, err, `unknown key ID "k1"`)
	})
	t.Run("wrong key under the same ID", func(t *testing.T) {
		other, err := codec.New(codec.Keys{Active: "k1", Keys: map[string][]byte{"k1": key(9)}})
		require.NoError(t, err)
		_, err = other.Decode(enc)
		require.ErrorContains(t, err, `key ID "k1"`)
	})
	t.Run("flipped byte", func(t *testing.T) {
		// sealedV2, key ID length, "k1", nonce (12), ciphertext, tag (16)
		for _, i := range []int{0, 1, 4, 16, len(enc[0].Data) - 1} {
			tampered := proto.Clone(enc[0]).(*commonpb.Payload)
			tampered.Data[i] ^= 0x01
			_, err := c.Decode([]*commonpb.Payload{tampered})
			require.Error(t, err, "byte %d", i)
			var ue *codec.UndecryptableError
			require.ErrorAs(t, err, &ue, "byte %d", i)
		}
		tampered := proto.Clone(enc[0]).(*commonpb.Payload)
		tampered.Data[4] ^= 0x01
		_, err := c.Decode([]*commonpb.Payload{tampered})
		require.ErrorContains(t, err, `unable to decrypt payload with key ID "k1"`)
	})
	t.Run("key ID changed to another key of the ring", func(t *testing.T) {
		// The header is authenticated: naming another key the ring holds does
		// not make the payload open under it, nor pass for a payload of it.
		ring, err := codec.New(codec.Keys{Active: "k1", Keys: map[string][]byte{"k1": key(1), "k2": key(1)}})
		require.NoError(t, err)
		renamed := proto.Clone(enc[0]).(*commonpb.Payload)
		require.Equal(t, byte('1'), renamed.Data[3])
		renamed.Data[3] = '2'
		_, err = ring.Decode([]*commonpb.Payload{renamed})
		require.ErrorContains(t, err, `unable to decrypt payload with key ID "k2"`)
	})
	t.Run("truncated", func(t *testing.T) {
		short := proto.Clone(enc[0]).(*commonpb.Payload)
		short.Data = short.Data[:10]
		_, err := c.Decode([]*commonpb.Payload{short})
		require.ErrorContains(t, err, `key ID "k1"`)
		short.Data = short.Data[:3]
		_, err = c.Decode([]*commonpb.Payload{short})
		require.ErrorContains(t, err, "names no key")
	})
	t.Run("no key ID", func(t *testing.T) {
		bare := proto.Clone(enc[0]).(*commonpb.Payload)
		bare.Data[0] = 0x07 // neither sealed format
		_, err := c.Decode([]*commonpb.Payload{bare})
		require.ErrorContains(t, err, codec.MetadataKeyID)
		_, err = codec.SealedKeyID(bare)
		require.ErrorContains(t, err, "names no key")
	})
	t.Run("through the data converter", func(t *testing.T) {
		tampered := proto.Clone(enc[0]).(*commonpb.Payload)
		tampered.Data[20] ^= 0x80
		var got caller
		err := codec.DataConverter(c).FromPayload(tampered, &got)
		require.ErrorContains(t, err, `key ID "k1"`)
	})
}

func TestDecodePassesClearPayloadsThrough(t *testing.T) {
	c := newCodec(t, "k1", "k1")
	clear := mustPayload(t, testCaller()) // written before encryption was switched on
	out, err := c.Decode([]*commonpb.Payload{clear})
	require.NoError(t, err)
	require.True(t, proto.Equal(clear, out[0]))

	var got caller
	require.NoError(t, codec.DataConverter(c).FromPayload(clear, &got))
	require.Equal(t, testCaller(), got)
}

func TestFailureConverterEncryptsMessage(t *testing.T) {
	c := newCodec(t, "k1", "k1")
	fc := codec.FailureConverter(c)
	f := fc.ErrorToFailure(temporal.NewApplicationError("unable to call "+customerPhone, "CallFailed"))
	require.NotContains(t, f.GetMessage(), customerPhone)
	requireNoPersonalData(t, f.GetEncodedAttributes())

	back := fc.FailureToError(f)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(back, &appErr))
	require.Equal(t, "CallFailed", appErr.Type())
	require.Contains(t, appErr.Error(), customerPhone)
}

func TestHandler(t *testing.T) {
	c := newCodec(t, "k1", "k1")
	srv := httptest.NewServer(http.StripPrefix("/codec", codec.Handler(c)))
	t.Cleanup(srv.Close)

	clear := mustPayload(t, testCaller())
	enc, err := c.Encode([]*commonpb.Payload{clear})
	require.NoError(t, err)

	t.Run("decode", func(t *testing.T) {
		// The UI's request: Payloads JSON, the query string it adds, its namespace header.
		status, body := post(t, srv.URL+"/codec/decode?preserveStorageRefs=true", payloadsJSON(t, enc...))
		require.Equal(t, http.StatusOK, status, body)
		require.Contains(t, body, `"payloads"`)
		require.NotContains(t, body, base64.StdEncoding.EncodeToString([]byte(codec.EncodingEncrypted)))
		got := parsePayloads(t, body)
		require.Len(t, got, 1)
		require.True(t, proto.Equal(clear, got[0]), "got %v", got[0])

		var v caller
		require.NoError(t, converter.GetDefaultDataConverter().FromPayload(got[0], &v))
		require.Equal(t, testCaller(), v)
	})
	t.Run("encode", func(t *testing.T) {
		status, body := post(t, srv.URL+"/codec/encode", payloadsJSON(t, clear))
		require.Equal(t, http.StatusOK, status, body)
		got := parsePayloads(t, body)
		require.Len(t, got, 1)
		requireNoPersonalData(t, got[0])
		dec, err := c.Decode(got)
		require.NoError(t, err)
		require.True(t, proto.Equal(clear, dec[0]))
	})
	t.Run("tampered", func(t *testing.T) {
		tampered := proto.Clone(enc[0]).(*commonpb.Payload)
		tampered.Data[15] ^= 0x01
		status, body := post(t, srv.URL+"/codec/decode", payloadsJSON(t, tampered))
		require.Equal(t, http.StatusBadRequest, status)
		require.Contains(t, body, `key ID "k1"`)
		require.NotContains(t, body, customerPhone)
	})
	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/codec/decode")
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
}

// TestHandlerBoundsBodies: a request with Temporal's largest payload (2 MiB)
// is served; one over MaxRequestBody is refused, with 413 when its length is
// declared and 400 when it is sent in chunks, before it is decrypted.
func TestHandlerBoundsBodies(t *testing.T) {
	c := newCodec(t, "k1", "k1")
	srv := httptest.NewServer(codec.Handler(c))
	t.Cleanup(srv.Close)

	largest := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("binary/plain")}, Data: bytes.Repeat([]byte{'x'}, 2<<20)}
	body := payloadsJSON(t, largest)
	require.Less(t, len(body), codec.MaxRequestBody)
	status, answer := post(t, srv.URL+"/encode", body)
	require.Equal(t, http.StatusOK, status, "%.300s", answer)

	over := payloadsJSON(t, largest, largest)
	require.Greater(t, len(over), codec.MaxRequestBody)
	status, answer = post(t, srv.URL+"/encode", over)
	require.Equal(t, http.StatusRequestEntityTooLarge, status, "%.300s", answer)
	require.Contains(t, answer, "4 MiB")

	req, err := http.NewRequest(http.MethodPost, srv.URL+"/encode", io.MultiReader(bytes.NewReader(over))) // no length: chunked
	require.NoError(t, err)
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	answerBytes, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%.300s", answerBytes)
	require.Contains(t, string(answerBytes), "too large")
}

func TestCORS(t *testing.T) {
	const ui = "http://127.0.0.1:8233"
	h := codec.CORS(ui, codec.Handler(newCodec(t, "k1", "k1")))

	preflight := func(origin string) *http.Response {
		req := httptest.NewRequest(http.MethodOptions, "/decode", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace,authorization")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	resp := preflight(ui)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, ui, resp.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "POST")
	for _, hdr := range []string{"Content-Type", "X-Namespace", "Authorization"} {
		require.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), hdr)
	}

	resp = preflight("http://evil.example")
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	require.NotEqual(t, http.StatusNoContent, resp.StatusCode)

	req := httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(`{"payloads":[]}`))
	req.Header.Set("Origin", ui)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, ui, rec.Header().Get("Access-Control-Allow-Origin"))
}

func TestGenerateKey(t *testing.T) {
	a, err := codec.GenerateKey()
	require.NoError(t, err)
	b, err := codec.GenerateKey()
	require.NoError(t, err)
	require.NotEqual(t, a, b)
	raw, err := base64.StdEncoding.DecodeString(a)
	require.NoError(t, err)
	require.Len(t, raw, codec.KeySize)
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", keyFileName)

	id, k, err := codec.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(id, "dev-"), id)
	require.Len(t, k, codec.KeySize)
	info, err := os.Stat(path)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		require.Equal(t, fs.FileMode(0o600), info.Mode().Perm())
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")

	// A restart reads the same key, and it decrypts what the first run wrote.
	before, err := codec.New(codec.Keys{Active: id, Keys: map[string][]byte{id: k}})
	require.NoError(t, err)
	p, err := codec.DataConverter(before).ToPayload(testCaller())
	require.NoError(t, err)

	id2, k2, err := codec.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	require.Equal(t, id, id2)
	require.Equal(t, k, k2)
	after, err := codec.New(codec.Keys{Active: id2, Keys: map[string][]byte{id2: k2}})
	require.NoError(t, err)
	var got caller
	require.NoError(t, codec.DataConverter(after).FromPayload(p, &got))
	require.Equal(t, testCaller(), got)

	t.Run("another data dir gets another key", func(t *testing.T) {
		id3, k3, err := codec.LoadOrCreateKeyFile(filepath.Join(t.TempDir(), keyFileName))
		require.NoError(t, err)
		require.NotEqual(t, id, id3)
		require.NotEqual(t, k, k3)
	})
	t.Run("concurrent first starts agree", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), keyFileName)
		var wg sync.WaitGroup
		ids := make([]string, 8)
		errs := make([]error, 8)
		for i := range ids {
			wg.Go(func() { ids[i], _, errs[i] = codec.LoadOrCreateKeyFile(path) })
		}
		wg.Wait()
		for i := range ids {
			require.NoError(t, errs[i])
			require.Equal(t, ids[0], ids[i])
		}
	})
	t.Run("readable by others", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no permission bits")
		}
		loose := filepath.Join(t.TempDir(), keyFileName)
		_, _, err := codec.LoadOrCreateKeyFile(loose)
		require.NoError(t, err)
		require.NoError(t, os.Chmod(loose, 0o644))
		_, _, err = codec.LoadOrCreateKeyFile(loose)
		require.ErrorContains(t, err, "chmod 600")
	})
	t.Run("corrupt", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), keyFileName)
		require.NoError(t, os.WriteFile(bad, []byte(`{"id":"dev-1","secret":"c2hvcnQ="}`), 0o600))
		_, _, err := codec.LoadOrCreateKeyFile(bad)
		require.ErrorContains(t, err, "32 bytes")
	})
}

// The workflow-level test: a workflow's input, update, memo and result go through
// the codec, and what the SDK hands to the server holds no personal data.

const confirmUpdate = "confirm"

// callInput is the trivial workflow's input.
type callInput struct {
	Caller caller `json:"caller"`
}

// confirmInput is the trivial workflow's update input.
type confirmInput struct {
	CallbackPhone string `json:"callback_phone"`
}

// callResult is the trivial workflow's result.
type callResult struct {
	Summary string `json:"summary"`
}

func callWorkflow(ctx workflow.Context, in *callInput) (*callResult, error) {
	var callback string
	err := workflow.SetUpdateHandlerWithOptions(ctx, confirmUpdate,
		func(ctx workflow.Context, u *confirmInput) (string, error) {
			callback = u.CallbackPhone
			return "confirmed " + u.CallbackPhone, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, u *confirmInput) error {
			if u.CallbackPhone == "" {
				return errors.New("callback_phone is required")
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	if err := workflow.UpsertMemo(ctx, map[string]any{"caller": in.Caller.Name}); err != nil {
		return nil, err
	}
	if err := workflow.Await(ctx, func() bool { return callback != "" }); err != nil {
		return nil, err
	}
	return &callResult{Summary: in.Caller.Name + ", callback " + callback}, nil
}

// recordingConverter keeps every payload the SDK encodes: what would reach history.
type recordingConverter struct {
	converter.DataConverter
	mu      sync.Mutex
	encoded []*commonpb.Payload
}

func (r *recordingConverter) ToPayload(value any) (*commonpb.Payload, error) {
	p, err := r.DataConverter.ToPayload(value)
	if err == nil {
		r.record(p)
	}
	return p, err
}

func (r *recordingConverter) ToPayloads(values ...any) (*commonpb.Payloads, error) {
	ps, err := r.DataConverter.ToPayloads(values...)
	if err == nil {
		r.record(ps.GetPayloads()...)
	}
	return ps, err
}

func (r *recordingConverter) record(ps ...*commonpb.Payload) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.encoded = append(r.encoded, ps...)
}

type workflowSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment
	dc  *recordingConverter
}

func TestWorkflowSuite(t *testing.T) { suite.Run(t, new(workflowSuite)) }

func (s *workflowSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.dc = &recordingConverter{DataConverter: codec.DataConverter(newCodec(s.T(), "k1", "k1"))}
	s.env.SetDataConverter(s.dc)
	s.env.RegisterWorkflow(callWorkflow)
}

func (s *workflowSuite) TearDownTest() { s.env.AssertExpectations(s.T()) }

func (s *workflowSuite) TestPersonalDataIsEncrypted() {
	const callback = "+7 999 111-22-33"
	var updated string
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(confirmUpdate, "confirm-1", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { s.Fail("update rejected", err) },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				s.Require().NoError(err)
				updated, _ = v.(string)
			},
		}, &confirmInput{CallbackPhone: callback})
	}, time.Minute)

	s.env.ExecuteWorkflow(callWorkflow, &callInput{Caller: testCaller()})

	s.Require().True(s.env.IsWorkflowCompleted())
	s.Require().NoError(s.env.GetWorkflowError())
	var res callResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(customerName+", callback "+callback, res.Summary)
	s.Equal("confirmed "+callback, updated)

	// Input, memo, update argument and result: at least four payloads, all sealed.
	s.dc.mu.Lock()
	defer s.dc.mu.Unlock()
	s.GreaterOrEqual(len(s.dc.encoded), 4)
	for _, p := range s.dc.encoded {
		s.Equal(codec.EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
		requireNoPersonalData(s.T(), p)
		raw, err := proto.Marshal(p)
		s.Require().NoError(err)
		s.NotContains(string(raw), callback)
	}
}

func mustPayload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func payloadsJSON(t *testing.T, ps ...*commonpb.Payload) []byte {
	t.Helper()
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: ps})
	require.NoError(t, err)
	return b
}

func parsePayloads(t *testing.T, body string) []*commonpb.Payload {
	t.Helper()
	var ps commonpb.Payloads
	require.NoError(t, protojson.Unmarshal([]byte(body), &ps), body)
	return ps.Payloads
}

func post(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// sealAsBefore seals plain with key(1) as the codec did before it compressed:
// the whole marshalled payload, nothing in front.
func sealAsBefore(t *testing.T, plain []byte) *commonpb.Payload {
	t.Helper()
	block, err := aes.NewCipher(key(1))
	require.NoError(t, err)
	aead, err := cipher.NewGCMWithRandomNonce(block)
	require.NoError(t, err)
	return &commonpb.Payload{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte(codec.EncodingEncrypted), codec.MetadataKeyID: []byte("k1")},
		Data:     aead.Seal(nil, nil, plain, nil),
	}
}

func TestPayloadsAreCompressedBeforeSealing(t *testing.T) {
	c := newCodec(t, "k1", "k1")
	big := testCaller()
	big.Name = strings.Repeat("Холодильник задымился и загорелся, повреждён кухонный гарнитур. ", 60)
	header := len("\x02\x02k1")
	for _, tt := range []struct {
		name   string
		value  any
		shrink bool
	}{
		{"large", big, true},
		// A letter's result: a hundred bytes, most of them field names the
		// dictionary holds.
		{"small", map[string]any{"outbox_id": 17, "message_id": "<plc-1/shift-alert@caseflow>", "sent_at": "2026-12-07T14:26:00.00210527Z", "duplicate": false}, true},
		{"tiny", "intake", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clear := mustPayload(t, tt.value)
			enc, err := c.Encode([]*commonpb.Payload{clear})
			require.NoError(t, err)
			body := 1 + len(clear.Data) // jsonMark and the JSON: the encoding is implied
			if tt.shrink {
				require.Less(t, len(enc[0].Data), header+12+body*3/4+16, "a %d-byte body is sealed compressed", body)
			} else {
				require.Len(t, enc[0].Data, header+12+body+16, "a tiny payload is sealed as it is")
			}
			require.Len(t, enc[0].Metadata, 1, "the sealed payload names only its encoding")
			dec, err := c.Decode(enc)
			require.NoError(t, err)
			require.True(t, proto.Equal(clear, dec[0]))
		})
	}
	t.Run("a payload with more metadata than its encoding", func(t *testing.T) {
		// A search attribute's type, a binary/null value: kept whole.
		for _, clear := range []*commonpb.Payload{
			{Metadata: map[string][]byte{converter.MetadataEncoding: []byte("json/plain"), "type": []byte("Keyword")}, Data: []byte(`"confirmed"`)},
			{Metadata: map[string][]byte{converter.MetadataEncoding: []byte("binary/null")}},
			{Metadata: map[string][]byte{converter.MetadataEncoding: []byte("json/protobuf"), "messageType": []byte("temporal.api.common.v1.Payloads")}, Data: []byte(strings.Repeat(`{"payloads":[]}`, 10))},
		} {
			enc, err := c.Encode([]*commonpb.Payload{clear})
			require.NoError(t, err)
			dec, err := c.Decode(enc)
			require.NoError(t, err)
			require.True(t, proto.Equal(clear, dec[0]), "%v", clear.Metadata)
		}
	})
	requireNoPersonalData(t, mustEncode(t, c, big))

	t.Run("sealed before compression existed", func(t *testing.T) {
		clear := mustPayload(t, big)
		plain, err := proto.Marshal(clear)
		require.NoError(t, err)
		dec, err := c.Decode([]*commonpb.Payload{sealAsBefore(t, plain)})
		require.NoError(t, err)
		require.True(t, proto.Equal(clear, dec[0]))
	})
	t.Run("sealed compressed before the dictionary and the sealed header", func(t *testing.T) {
		clear := mustPayload(t, big)
		plain, err := proto.Marshal(clear)
		require.NoError(t, err)
		enc, err := zstd.NewWriter(nil)
		require.NoError(t, err)
		dec, err := c.Decode([]*commonpb.Payload{sealAsBefore(t, enc.EncodeAll(plain, []byte{0x00}))})
		require.NoError(t, err)
		require.True(t, proto.Equal(clear, dec[0]))
	})
	t.Run("a corrupt compressed frame", func(t *testing.T) {
		_, err := c.Decode([]*commonpb.Payload{sealAsBefore(t, []byte{0x00, 0xff, 0xfe, 0x01})})
		require.ErrorContains(t, err, `unable to decompress payload decrypted with key ID "k1"`)
		var ue *codec.UndecryptableError
		require.ErrorAs(t, err, &ue)
	})
}

func mustEncode(t *testing.T, c *codec.Codec, v any) *commonpb.Payload {
	t.Helper()
	enc, err := c.Encode([]*commonpb.Payload{mustPayload(t, v)})
	require.NoError(t, err)
	return enc[0]
}

// TestDictionaryIsFrozen pins the compression dictionary: every payload
// compressed with it names it by ID, and stays readable only while the bytes
// under that ID do not change. A new dictionary is a new file and a new ID.
func TestDictionaryIsFrozen(t *testing.T) {
	raw, err := os.ReadFile("zstd-dict-1.txt")
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	require.Equal(t, dictionary1SHA256, hex.EncodeToString(sum[:]),
		"zstd-dict-1.txt changed: payloads compressed with it would no longer open; restore it and add a new dictionary under a new ID")
}

const dictionary1SHA256 = "25771546f8c007bc9a67adfa1bf2da365dfa59edccb24261d6af5e34589a07ee"

// openAsBefore reads a payload as a worker released before sealed format 2
// did: the key ID from its metadata, no additional data, the payload
// marshalled whole, and compressed frames with no dictionary.
func openAsBefore(t *testing.T, p *commonpb.Payload) *commonpb.Payload {
	t.Helper()
	require.Equal(t, "k1", string(p.Metadata[codec.MetadataKeyID]), "format 1 names its key in the metadata")
	block, err := aes.NewCipher(key(1))
	require.NoError(t, err)
	aead, err := cipher.NewGCMWithRandomNonce(block)
	require.NoError(t, err)
	plain, err := aead.Open(nil, nil, p.Data, nil)
	require.NoError(t, err)
	if plain[0] == 0x00 {
		dec, err := zstd.NewReader(nil) // no dictionary: that worker has none
		require.NoError(t, err)
		defer dec.Close()
		plain, err = dec.DecodeAll(plain[1:], nil)
		require.NoError(t, err)
	}
	out := &commonpb.Payload{}
	require.NoError(t, proto.Unmarshal(plain, out))
	return out
}

// TestWriteFormat1 is the rolling upgrade from a release before sealed format
// 2: a codec told to write format 1 writes what the older workers read, and
// reads both formats itself.
func TestWriteFormat1(t *testing.T) {
	c, err := codec.New(codec.Keys{Active: "k1", Keys: map[string][]byte{"k1": key(1)}}, codec.WriteFormat(1))
	require.NoError(t, err)
	big := testCaller()
	big.Name = strings.Repeat("Холодильник задымился и загорелся, повреждён кухонный гарнитур. ", 60)
	for _, v := range []any{big, testCaller(), nil} {
		clear := mustPayload(t, v)
		enc, err := c.Encode([]*commonpb.Payload{clear})
		require.NoError(t, err)
		require.Equal(t, codec.EncodingEncrypted, string(enc[0].Metadata[converter.MetadataEncoding]))
		require.True(t, proto.Equal(clear, openAsBefore(t, enc[0])), "an older worker reads %v", v)
		dec, err := c.Decode(enc)
		require.NoError(t, err)
		require.True(t, proto.Equal(clear, dec[0]))
		id, err := codec.SealedKeyID(enc[0])
		require.NoError(t, err)
		require.Equal(t, "k1", id)
	}
	big1 := mustEncode(t, c, big)
	requireNoPersonalData(t, big1)
	require.Less(t, len(big1.Data), len(mustPayload(t, big).Data)/2, "format 1 still compresses a large payload")

	// Format 2, written by a codec of the same ring, opens here too.
	c2 := newCodec(t, "k1", "k1")
	dec, err := c.Decode([]*commonpb.Payload{mustEncode(t, c2, big)})
	require.NoError(t, err)
	require.True(t, proto.Equal(mustPayload(t, big), dec[0]))

	for _, n := range []int{0, 3} {
		_, err := codec.New(codec.Keys{Active: "k1", Keys: map[string][]byte{"k1": key(1)}}, codec.WriteFormat(n))
		require.ErrorContains(t, err, fmt.Sprintf("sealed format %d: want 2, or 1 while workers released before format 2 may run", n))
	}
}
