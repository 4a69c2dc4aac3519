// Package codec keeps customers' personal data out of Temporal history in clear.
//
// A Codec encrypts every payload the SDK writes — workflow and activity inputs and
// results, signal, query and update payloads, memos, heartbeat details and (with
// FailureConverter) error messages — with AES-256-GCM under the active key, and
// decrypts with whichever key a payload names, so payloads written before a key
// rotation stay readable while their key is kept. Handler serves the same codec over
// HTTP for the Temporal UI and CLI.
//
// A payload is compressed (zstd, primed with a dictionary of caseflow's own
// vocabulary) before it is sealed when that makes it shorter: a case's input,
// its letters and its events are JSON that shrinks to a third or less, and
// history bytes are what the server writes, keeps and replays. Payloads sealed
// before compression existed, or too small to gain, are sealed as they are;
// Decode reads both. A sealed payload's length then says how repetitive its
// content is, as well as how long: visible to whoever reads the Temporal
// database or history, never the content.
//
// Search attributes never pass through the codec: the server must index them, so
// they are stored in clear and must not carry personal data.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/klauspost/compress/zstd"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

const (
	// EncodingEncrypted is the "encoding" metadata of an encrypted payload.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID is the metadata entry that named the key of a payload
	// sealed before the key ID moved into the sealed data (see "The sealed
	// format"); Decode still reads it.
	MetadataKeyID = "encryption-key-id"

	// KeySize is the size of a key in bytes (AES-256).
	KeySize = 32
	// maxKeyID bounds a key ID: a sealed payload names its key in one length byte.
	maxKeyID = 255

	// MaxRequestBody bounds a codec HTTP request (4 MiB). Temporal limits a
	// payload to 2 MiB, which its Payloads JSON (base64) carries in under 3 MiB;
	// the UI sends a few payloads at a time. A larger body is not a request the
	// UI makes, and each byte of it is held in memory, then decrypted.
	MaxRequestBody = 4 << 20
)

// Keys is the key ring: every key that may have encrypted a stored payload, by ID,
// and the ID of the one new payloads are encrypted with. Rotate by adding a key and
// making it Active; drop an old key only once no retained history uses it.
//
// With random nonces a key must not encrypt more than 2^32 payloads; rotate well
// before that.
type Keys struct {
	// Active is the ID of the key Encode uses.
	Active string
	// Keys maps a key ID to its KeySize-byte key.
	Keys map[string][]byte
}

// Codec encrypts and decrypts payloads. It implements converter.PayloadCodec and is
// safe for concurrent use.
type Codec struct {
	active string
	// header starts every payload Encode seals: sealedV2 and the active key ID.
	header []byte
	aeads  map[string]cipher.AEAD
	// stuck, when set, hears of every workflow task stopped on a payload the codec
	// cannot decrypt (see DataConverter).
	stuck func(keyID string, err error)
	// format is the sealed format Encode writes: 2, or 1 while workers older
	// than format 2 may read what this one writes (WriteFormat).
	format int
}

var _ converter.PayloadCodec = (*Codec)(nil)

// Option tunes a Codec beyond its keys.
type Option func(*Codec)

// OnStuckWorkflowTask makes f hear of every workflow task that stops because a
// payload it reads cannot be decrypted here (see DataConverter), with the key ID
// the payload names: a metric and a log line say the case waits for a worker
// holding that key. f must be safe for concurrent use.
func OnStuckWorkflowTask(f func(keyID string, err error)) Option {
	return func(c *Codec) { c.stuck = f }
}

// WriteFormat makes Encode write the given sealed format: 2 (the default), or
// 1, which every caseflow worker reads, including those released before
// format 2 existed. Decode reads both whatever this says. Write 1 during an
// upgrade from such a release, while an older worker may still take a
// workflow task, and 2 once none runs: a payload in format 2 stops an older
// worker's task, as a missing key does, until a newer worker takes it.
func WriteFormat(n int) Option {
	return func(c *Codec) { c.format = n }
}

// FormatProblem says what is wrong with n as a sealed format to write, or ""
// when WriteFormat takes it.
func FormatProblem(n int) string {
	if n == sealedV1 || n == sealedV2 {
		return ""
	}
	return fmt.Sprintf("want %d, or %d while workers released before format %d may run", sealedV2, sealedV1, sealedV2)
}

// UndecryptableError is Decode's error for a payload it cannot decrypt: one
// encrypted with a key this codec lacks, with another secret under a key ID it
// holds, or damaged. None of these is the case's fault; they are the process's.
type UndecryptableError struct {
	// KeyID is the key ID the payload names ("" when it names none).
	KeyID string
	msg   string
	err   error
}

func (e *UndecryptableError) Error() string {
	if e.err != nil {
		return "codec: " + e.msg + ": " + e.err.Error()
	}
	return "codec: " + e.msg
}

func (e *UndecryptableError) Unwrap() error { return e.err }

// New checks keys and returns a Codec for them: Active must name a key, and every
// key must have a non-empty ID and be KeySize bytes long.
func New(keys Keys, opts ...Option) (*Codec, error) {
	if keys.Active == "" {
		return nil, errors.New("codec: no active key ID")
	}
	if _, ok := keys.Keys[keys.Active]; !ok {
		return nil, fmt.Errorf("codec: active key ID %q names no key", keys.Active)
	}
	ids := make([]string, 0, len(keys.Keys))
	for id := range keys.Keys {
		ids = append(ids, id)
	}
	sort.Strings(ids) // the first bad key in a stable order
	c := &Codec{active: keys.Active, aeads: make(map[string]cipher.AEAD, len(ids)), format: sealedV2}
	for _, id := range ids {
		key := keys.Keys[id]
		if id == "" {
			return nil, errors.New("codec: a key has an empty ID")
		}
		if len(id) > maxKeyID {
			return nil, fmt.Errorf("codec: key ID %q is %d bytes, want at most %d", id, len(id), maxKeyID)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("codec: key ID %q is %d bytes, want %d", id, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("codec: key ID %q: %w", id, err)
		}
		// Seal prepends a fresh random 12-byte nonce; Open reads it back.
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("codec: key ID %q: %w", id, err)
		}
		c.aeads[id] = aead
	}
	c.header = append([]byte{sealedV2, byte(len(keys.Active))}, keys.Active...)
	for _, o := range opts {
		o(c)
	}
	if p := FormatProblem(c.format); p != "" {
		return nil, fmt.Errorf("codec: sealed format %d: %s", c.format, p)
	}
	return c, nil
}

// ActiveKeyID is the ID of the key Encode uses.
func (c *Codec) ActiveKeyID() string { return c.active }

// Encode implements converter.PayloadCodec: each payload, metadata included, is
// encrypted whole with the active key into a new payload whose metadata says only
// that it is encrypted (see "The sealed format").
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	return c.encode(payloads, true)
}

// encode seals payloads, compressing those that gain when compress is set.
func (c *Codec) encode(payloads []*commonpb.Payload, compress bool) ([]*commonpb.Payload, error) {
	if c.format == sealedV1 {
		return c.encodeV1(payloads, compress)
	}
	aead := c.aeads[c.active]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := body(p)
		if err != nil {
			return nil, err
		}
		if compress {
			plain = compressed(plain)
		}
		sealed := make([]byte, 0, len(c.header)+aead.NonceSize()+len(plain)+aead.Overhead())
		sealed = append(sealed, c.header...)
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(EncodingEncrypted)},
			// The header is the additional data: a payload's key ID cannot be
			// changed without failing its authentication.
			Data: aead.Seal(sealed, nil, plain, c.header),
		}
	}
	return out, nil
}

// encodeV1 seals payloads in sealed format 1, as caseflow wrote them before
// format 2: the key ID in a metadata entry, no additional data, the payload
// marshalled whole and compressed without a dictionary when it is at least
// minCompressV1 bytes and shrinks.
func (c *Codec) encodeV1(payloads []*commonpb.Payload, compress bool) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.active]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("codec: unable to marshal payload: %w", err)
		}
		if compress && len(plain) >= minCompressV1 {
			plain = shrunk(compressorV1(), plain)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(c.active),
			},
			Data: aead.Seal(nil, nil, plain, nil),
		}
	}
	return out, nil
}

// Decode implements converter.PayloadCodec: encrypted payloads are decrypted with
// the key they name; payloads that are not encrypted pass through unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		id, sealed, header, err := opening(p)
		if err != nil {
			return nil, err
		}
		aead, ok := c.aeads[id]
		if !ok {
			return nil, &UndecryptableError{KeyID: id, msg: fmt.Sprintf("payload is encrypted with unknown key ID %q", id)}
		}
		plain, err := aead.Open(nil, nil, sealed, header)
		if err != nil {
			return nil, &UndecryptableError{KeyID: id, msg: fmt.Sprintf("unable to decrypt payload with key ID %q (wrong key or tampered payload)", id), err: err}
		}
		if plain, err = decompress(plain); err != nil {
			return nil, &UndecryptableError{KeyID: id, msg: fmt.Sprintf("unable to decompress payload decrypted with key ID %q", id), err: err}
		}
		if out[i], err = unbody(plain); err != nil {
			return nil, &UndecryptableError{KeyID: id, msg: fmt.Sprintf("unable to unmarshal payload decrypted with key ID %q", id), err: err}
		}
	}
	return out, nil
}

// The sealed format. A payload Encode writes has one metadata entry, its
// encoding, and its data is
//
//	sealedV2 | len(key ID) | key ID | nonce | AES-GCM(plaintext) | tag
//
// authenticated with the bytes before the nonce as additional data. Payloads
// sealed before it (sealed format 1) name their key in the MetadataKeyID
// entry and their data is nonce | ciphertext | tag, with no additional data;
// Decode reads both. The key ID moved into the data because a metadata entry
// costs its name as well as its value in every payload of every history.
//
// The plaintext is the body, compressed (behind compressedMark) when that
// makes it shorter. The body of a payload whose only metadata is the
// encoding json/plain — nearly every payload caseflow writes — is jsonMark and
// its JSON; any other payload's body is the payload marshalled whole. A
// marshalled Payload never starts with compressedMark or jsonMark: its first
// byte is a field's tag, and field number 0 does not exist (an empty Payload
// marshals to no bytes).
const (
	sealedV1       = 0x01 // names no byte of the data: format 1 has no header
	sealedV2       = 0x02
	compressedMark = 0x00
	jsonMark       = 0x01
)

// SealedKeyID names the key an encrypted payload was sealed with, whichever sealed
// format it has: what a key rotation asks of a stored payload.
func SealedKeyID(p *commonpb.Payload) (string, error) {
	id, _, _, err := opening(p)
	return id, err
}

// opening splits an encrypted payload into its key ID, its sealed bytes and the
// additional data they were sealed with.
func opening(p *commonpb.Payload) (id string, sealed, header []byte, err error) {
	if v1, ok := p.GetMetadata()[MetadataKeyID]; ok {
		return string(v1), p.GetData(), nil, nil
	}
	data := p.GetData()
	if len(data) < 2 || data[0] != sealedV2 || len(data) < 2+int(data[1]) {
		return "", nil, nil, &UndecryptableError{msg: "encrypted payload names no key: neither " + MetadataKeyID + " nor a sealed header"}
	}
	n := 2 + int(data[1])
	return string(data[2:n]), data[n:], data[:n], nil
}

// body is the plaintext of p before compression.
func body(p *commonpb.Payload) ([]byte, error) {
	if enc, ok := p.GetMetadata()[converter.MetadataEncoding]; ok && len(p.GetMetadata()) == 1 && string(enc) == converter.MetadataEncodingJSON {
		return append(append(make([]byte, 0, 1+len(p.GetData())), jsonMark), p.GetData()...), nil
	}
	b, err := proto.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("codec: unable to marshal payload: %w", err)
	}
	return b, nil
}

// unbody undoes body.
func unbody(plain []byte) (*commonpb.Payload, error) {
	if len(plain) > 0 && plain[0] == jsonMark {
		return &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)},
			Data:     plain[1:],
		}, nil
	}
	decoded := &commonpb.Payload{}
	if err := proto.Unmarshal(plain, decoded); err != nil {
		return nil, err
	}
	return decoded, nil
}

// minCompress is the smallest body worth compressing. With the dictionary a
// body of a hundred bytes of caseflow's JSON shrinks by a third; below this
// the frame's own bytes eat the gain.
const minCompress = 64

// largeBody is the smallest body compressorLarge takes.
const largeBody = 512

// maxDecompressed bounds what a compressed payload may expand to: Temporal's
// limit of a payload is 2 MiB, and a sealed payload only this codec wrote is
// opened here, so a larger one is corrupt, not a case.
const maxDecompressed = 8 << 20

// dictionary1 primes zstd with caseflow's own vocabulary: the Russian texts
// its workflows write into comments, tasks and replies, the JSON field names
// of its workflow and activity payloads, the names of its states, events and
// letters' fields, the Russian production calendar and the deadline policies
// as a configuration snapshot carries them. No customer's data and no
// deployment's addresses. A payload of a few hundred bytes then compresses
// too: most of it is that vocabulary.
//
// A frame names the dictionary it was compressed with by ID, and every
// stored frame must stay readable: never edit the file (a test pins its
// hash). A better dictionary is a new file under a new ID, compressing new
// payloads, with this one kept for the old.
//
//go:embed zstd-dict-1.txt
var dictionary1 []byte

// dictionary1ID is dictionary1's frame ID, in the range zstd leaves to
// private dictionaries (2^15 to 2^31-1).
const dictionary1ID = 0x63660001

// zstd's encoders and decoder are safe for concurrent EncodeAll and DecodeAll
// and keep their state between calls: a payload costs tens of microseconds
// (the dictionary's tables are reset for each frame), not a new compressor's.
var (
	compressor, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
		// The AEAD authenticates the whole plaintext already.
		zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true),
		zstd.WithEncoderDictRaw(dictionary1ID, dictionary1))
	// compressorLarge takes bodies of largeBody bytes or more: a case's input
	// (its configuration snapshot) and its letters' inputs. It writes 6-9 %
	// less than compressor for a tenth to a few tenths of a millisecond more,
	// paid once per payload: a replay does not compress
	// (dataConverter.ToPayloads).
	compressorLarge, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
		zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true),
		zstd.WithEncoderDictRaw(dictionary1ID, dictionary1))
	decompressor, _ = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxDecompressed),
		zstd.WithDecoderConcurrency(0), zstd.WithDecoderDictRaw(dictionary1ID, dictionary1))
)

// minCompressV1 is the smallest marshalled payload format 1 compresses.
const minCompressV1 = 512

// compressorV1 compresses as format 1 did, with no dictionary: a worker
// released before format 2 has none. Only a codec told to write format 1
// builds it.
var compressorV1 = sync.OnceValue(func() *zstd.Encoder {
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true))
	return enc
})

// compressed returns plain compressed behind compressedMark, or plain itself
// when it is small or does not shrink.
func compressed(plain []byte) []byte {
	if len(plain) < minCompress {
		return plain
	}
	enc := compressor
	if len(plain) >= largeBody {
		enc = compressorLarge
	}
	return shrunk(enc, plain)
}

// shrunk returns plain compressed by enc behind compressedMark, or plain
// itself when that does not shrink it.
func shrunk(enc *zstd.Encoder, plain []byte) []byte {
	out := enc.EncodeAll(plain, append(make([]byte, 0, len(plain)/2+16), compressedMark))
	if len(out) >= len(plain) {
		return plain
	}
	return out
}

// decompress undoes compressed; a plaintext without the mark is returned as it is.
func decompress(plain []byte) ([]byte, error) {
	if len(plain) == 0 || plain[0] != compressedMark {
		return plain, nil
	}
	return decompressor.DecodeAll(plain[1:], nil)
}

// FailureConverter moves failure messages and stack traces into an encrypted
// payload; by default they are stored in clear, and an error message may quote a
// customer. Set it as client.Options.FailureConverter next to DataConverter.
func FailureConverter(c *Codec) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          DataConverter(c),
		EncodeCommonAttributes: true,
	})
}

// Handler serves the Temporal remote codec protocol: POST …/encode and POST
// …/decode take and return the Payloads JSON {"payloads":[…]}. It decrypts for
// whoever can reach it: mount it behind authentication.
// A body over MaxRequestBody is refused: 413 when its length is declared, else
// 400 once reading it passes the limit.
func Handler(c *Codec) http.Handler {
	h := http.MaxBytesHandler(converter.NewPayloadCodecHTTPHandler(c), MaxRequestBody)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxRequestBody {
			http.Error(w, fmt.Sprintf("request body of %d bytes exceeds the limit of %d (4 MiB)", r.ContentLength, MaxRequestBody),
				http.StatusRequestEntityTooLarge)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// CORS lets the Temporal UI served at uiOrigin (scheme://host:port, no trailing
// slash) call next from the browser: it answers the preflight the UI's codec
// requests trigger and marks the responses as readable by that origin. Wrap it
// outside any authentication, as a preflight carries no credentials.
func CORS(uiOrigin string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if uiOrigin == "" || r.Header.Get("Origin") != uiOrigin {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", uiOrigin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Authorization-Extras, Content-Type, X-Namespace")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
