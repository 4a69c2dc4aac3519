// Package codec keeps customers' personal data out of Temporal history in clear.
//
// A Codec encrypts every payload the SDK writes — workflow and activity inputs and
// results, signal, query and update payloads, memos, heartbeat details and (with
// FailureConverter) error messages — with AES-256-GCM under the active key, and
// decrypts with whichever key a payload names, so payloads written before a key
// rotation stay readable while their key is kept. Handler serves the same codec over
// HTTP for the Temporal UI and CLI.
//
// Search attributes never pass through the codec: the server must index them, so
// they are stored in clear and must not carry personal data.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"net/http"
	"sort"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"github.com/caseflow/caseflow/internal/payload"
)

const (
	// EncodingEncrypted is the "encoding" metadata of an encrypted payload.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID is the metadata entry naming the key a payload is encrypted with.
	MetadataKeyID = "encryption-key-id"

	// KeySize is the size of a key in bytes (AES-256).
	KeySize = 32

	// maxRequestBody bounds a codec HTTP request. Temporal limits a payload to a
	// few MiB; a larger body is not a request the UI makes.
	maxRequestBody = 32 << 20
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
	aeads  map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New checks keys and returns a Codec for them: Active must name a key, and every
// key must have a non-empty ID and be KeySize bytes long.
func New(keys Keys) (*Codec, error) {
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
	c := &Codec{active: keys.Active, aeads: make(map[string]cipher.AEAD, len(ids))}
	for _, id := range ids {
		key := keys.Keys[id]
		if id == "" {
			return nil, errors.New("codec: a key has an empty ID")
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
	return c, nil
}

// ActiveKeyID is the ID of the key Encode uses.
func (c *Codec) ActiveKeyID() string { return c.active }

// Encode implements converter.PayloadCodec: each payload, metadata included, is
// encrypted whole with the active key into a new payload whose metadata says only
// that it is encrypted and with which key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.active]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("codec: unable to marshal payload: %w", err)
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
		id, ok := p.GetMetadata()[MetadataKeyID]
		if !ok {
			return nil, fmt.Errorf("codec: encrypted payload has no %s", MetadataKeyID)
		}
		aead, ok := c.aeads[string(id)]
		if !ok {
			return nil, fmt.Errorf("codec: payload is encrypted with unknown key ID %q", id)
		}
		plain, err := aead.Open(nil, nil, p.GetData(), nil)
		if err != nil {
			return nil, fmt.Errorf("codec: unable to decrypt payload with key ID %q (wrong key or tampered payload): %w", id, err)
		}
		decoded := &commonpb.Payload{}
		if err := proto.Unmarshal(plain, decoded); err != nil {
			return nil, fmt.Errorf("codec: unable to unmarshal payload decrypted with key ID %q: %w", id, err)
		}
		out[i] = decoded
	}
	return out, nil
}

// DataConverter is the SDK's default data converter, with payload.JSON in place
// of its JSON converter (the same bytes; decoded configuration snapshots shared),
// and every payload passed through c. Set it as client.Options.DataConverter of
// every client and worker.
func DataConverter(c *Codec) converter.DataConverter {
	return converter.NewCodecDataConverter(payload.DataConverter(), c)
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
func Handler(c *Codec) http.Handler {
	return http.MaxBytesHandler(converter.NewPayloadCodecHTTPHandler(c), maxRequestBody)
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
