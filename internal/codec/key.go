package codec

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// GenerateKey returns a new random key as base64 (standard encoding) of KeySize
// bytes, the form the config file takes.
func GenerateKey() (string, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("unable to generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(key), nil
}

// keyFile is the content of a key file. The fields are those of a key in the
// config file, so a dev key can be moved there.
type keyFile struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

// LoadOrCreateKeyFile returns the key stored at path, creating the file (mode 0600,
// and its directory) with a new random key and key ID on first use, so that a dev
// server reads its own history after a restart. A key file readable by group or
// others is refused. Delete the file and the history encrypted with it is lost.
func LoadOrCreateKeyFile(path string) (id string, key []byte, err error) {
	id, key, err = readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return id, key, err
	}
	if err := createKeyFile(path); err != nil {
		return "", nil, err
	}
	return readKeyFile(path)
}

// ReadKeyFile reads a key file as LoadOrCreateKeyFile writes it (JSON {"id",
// "secret"}, readable by its owner only): another process of the same
// deployment (a worker beside `caseflow dev`) reads the dev key with its ID.
func ReadKeyFile(path string) (id string, key []byte, err error) {
	return readKeyFile(path)
}

func readKeyFile(path string) (string, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, fmt.Errorf("unable to read key file: %w", err) // keeps fs.ErrNotExist
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", nil, fmt.Errorf("unable to read key file %s: %w", path, err)
	}
	// Windows has no permission bits to check.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return "", nil, fmt.Errorf("key file %s has mode %v: it must be readable by its owner only (chmod 600)", path, info.Mode().Perm())
	}
	var kf keyFile
	if err := json.NewDecoder(f).Decode(&kf); err != nil {
		return "", nil, fmt.Errorf("unable to read key file %s: %w", path, err)
	}
	key, err := base64.StdEncoding.DecodeString(kf.Secret)
	if err != nil || len(key) != KeySize || kf.ID == "" {
		return "", nil, fmt.Errorf("key file %s must hold an id and a secret of base64 of %d bytes", path, KeySize)
	}
	return kf.ID, key, nil
}

// createKeyFile writes a new key to a temporary file and links it into place, so
// that a concurrent reader never sees a partial file and a concurrent creator
// never replaces a key already in use.
func createKeyFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("unable to create key file directory: %w", err)
	}
	secret, err := GenerateKey()
	if err != nil {
		return err
	}
	idBytes := make([]byte, 4)
	if _, err := rand.Read(idBytes); err != nil {
		return fmt.Errorf("unable to generate key ID: %w", err)
	}
	// A random ID: a key made after the file was lost must not pass for the old one.
	content, err := json.MarshalIndent(keyFile{ID: "dev-" + hex.EncodeToString(idBytes), Secret: secret}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".codec-key-*") // mode 0600
	if err != nil {
		return fmt.Errorf("unable to create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(content, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("unable to write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("unable to write key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("unable to write key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("unable to create key file: %w", err)
	}
	return nil
}
