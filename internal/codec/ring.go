package codec

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// keyIDPrefix starts the ID KeyID derives from a key.
const keyIDPrefix = "sha256-"

// KeyID is the ID of a key given without one: "sha256-" and the first 8 bytes of
// the key's SHA-256 in hex. The same key always gets the same ID and another key
// another ID, so a payload names the key that sealed it even when the key came
// from an environment variable (the hash of a random 256-bit key gives nothing
// of it away).
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return keyIDPrefix + hex.EncodeToString(sum[:8])
}

// ParseKey reads a key in either form caseflow writes: base64 (standard
// encoding) of KeySize bytes, whose ID is KeyID of it, or the JSON of a key file
// ({"id": …, "secret": …}), which keeps its own ID.
func ParseKey(s string) (id string, key []byte, err error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var kf keyFile
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&kf); err != nil {
			return "", nil, fmt.Errorf("is not a key file's JSON: %w", err)
		}
		key, err := base64.StdEncoding.DecodeString(kf.Secret)
		if err != nil || len(key) != KeySize || kf.ID == "" {
			return "", nil, fmt.Errorf("must hold an id and a secret of base64 of %d bytes", KeySize)
		}
		return kf.ID, key, nil
	}
	key, err = base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) != KeySize {
		return "", nil, fmt.Errorf("must be base64 of %d bytes or a key file's JSON {\"id\": …, \"secret\": …}", KeySize)
	}
	return KeyID(key), key, nil
}

// Add puts key into the ring under id. The same key under the same ID again is
// no change; another key under an ID the ring already holds is refused, since a
// payload names its key by ID alone and one of the two keys could no longer
// decrypt what it sealed.
func (k *Keys) Add(id string, key []byte) error {
	if id == "" {
		return errors.New("a key has an empty ID")
	}
	if k.Keys == nil {
		k.Keys = map[string][]byte{}
	}
	if old, ok := k.Keys[id]; ok {
		if subtle.ConstantTimeCompare(old, key) == 1 {
			return nil
		}
		return fmt.Errorf("key ID %q already names another key: a payload names its key by ID, so each ID must name one key", id)
	}
	k.Keys[id] = bytes.Clone(key)
	return nil
}
