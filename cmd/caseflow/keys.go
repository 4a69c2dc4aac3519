package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/eventsig"
)

// legacyEnvKeyID is the key ID CASEFLOW_CODEC_KEY had before key IDs were
// derived from the key: payloads sealed then name it.
const legacyEnvKeyID = "env"

// codecFrom builds the payload codec from the config's keys, the
// CASEFLOW_CODEC_KEY or CASEFLOW_CODEC_KEY_FILE variable, or (dev mode) a key
// file in the data dir. A key ID that would name two keys is refused.
func codecFrom(cfg *config.Config, keyFile string, opts ...codec.Option) (*codec.Codec, error) {
	keys := codec.Keys{Active: cfg.Codec.Active, Keys: map[string][]byte{}}
	for i, k := range cfg.Codec.Keys {
		b, err := k.Bytes()
		if err != nil {
			return nil, err
		}
		if err := keys.Add(k.ID, b); err != nil {
			return nil, fmt.Errorf("codec.keys[%d]: %w", i, err)
		}
	}
	name, id, key, err := envKey()
	if err != nil {
		return nil, err
	}
	if key != nil {
		if err := keys.Add(id, key); err != nil {
			return nil, fmt.Errorf("%s: %w (codec.keys has key ID %q)", name, err, id)
		}
		if _, taken := keys.Keys[legacyEnvKeyID]; !taken && id == codec.KeyID(key) {
			keys.Keys[legacyEnvKeyID] = key // decrypts what it sealed as "env"; never active
		}
		if keys.Active == "" {
			keys.Active = id
		}
	}
	if len(keys.Keys) == 0 {
		if keyFile == "" {
			return nil, errors.New("no payload encryption key: set codec.keys in the config, CASEFLOW_CODEC_KEY or CASEFLOW_CODEC_KEY_FILE")
		}
		id, key, err := codec.LoadOrCreateKeyFile(keyFile)
		if err != nil {
			return nil, err
		}
		keys.Keys[id], keys.Active = key, id
	}
	if cfg.Codec.SealedFormat != 0 {
		opts = append(opts, codec.WriteFormat(cfg.Codec.SealedFormat))
	}
	return codec.New(keys, opts...)
}

// envKey is the key of CASEFLOW_CODEC_KEY (base64 of 32 bytes, or a key file's
// JSON) or of the key file CASEFLOW_CODEC_KEY_FILE names (such as the one
// `caseflow dev` keeps in its data dir), with the variable's name; a nil key when
// neither is set.
func envKey() (name, id string, key []byte, err error) {
	v, file := os.Getenv("CASEFLOW_CODEC_KEY"), os.Getenv("CASEFLOW_CODEC_KEY_FILE")
	switch {
	case v != "" && file != "":
		return "", "", nil, errors.New("set CASEFLOW_CODEC_KEY or CASEFLOW_CODEC_KEY_FILE, not both")
	case file != "":
		id, key, err := codec.ReadKeyFile(file)
		if err != nil {
			return "", "", nil, fmt.Errorf("CASEFLOW_CODEC_KEY_FILE: %w", err)
		}
		return "CASEFLOW_CODEC_KEY_FILE", id, key, nil
	case v != "":
		id, key, err := codec.ParseKey(v)
		if err != nil {
			return "", "", nil, fmt.Errorf("CASEFLOW_CODEC_KEY %w", err)
		}
		return "CASEFLOW_CODEC_KEY", id, key, nil
	}
	return "", "", nil, nil
}

// stuckReporter makes a codec log every workflow task it stops on a payload it
// cannot decrypt and count it in caseflow_workflow_tasks_stuck_total by key ID
// (registered with reg when reg is not nil): the case waits for a worker that
// holds the key, and somebody must bring one.
func stuckReporter(log *slog.Logger, reg prometheus.Registerer) (codec.Option, error) {
	stuck := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caseflow", Name: "workflow_tasks_stuck_total",
		Help: "Workflow tasks this worker stopped (Temporal retries them) because a payload names a codec key it lacks or cannot decrypt, by key ID.",
	}, []string{"key_id"})
	if reg != nil {
		if err := reg.Register(stuck); err != nil {
			return nil, fmt.Errorf("unable to register the stuck workflow task metric: %w", err)
		}
	}
	return codec.OnStuckWorkflowTask(func(keyID string, err error) {
		stuck.WithLabelValues(keyID).Inc()
		log.Error("workflow task stuck on a codec key this worker lacks: the case waits until a worker holding the key takes it; add the key (codec.keys, CASEFLOW_CODEC_KEY or CASEFLOW_CODEC_KEY_FILE) or stop this worker",
			"key_id", keyID, "err", err)
	}), nil
}

// signingFrom builds the event signing key ring from the config's
// event_signing keys, the CASEFLOW_EVENT_KEY or CASEFLOW_EVENT_KEY_FILE
// variable, or (dev mode) a key file in the data dir, which extra workers
// beside `caseflow dev` read through CASEFLOW_EVENT_KEY_FILE. Without a key
// neither the API nor the worker starts: a worker that cannot check
// signatures would let any update through.
func signingFrom(cfg *config.Config, keyFile string) (*eventsig.Ring, error) {
	keys := codec.Keys{Active: cfg.Signing.Active, Keys: map[string][]byte{}}
	for i, k := range cfg.Signing.Keys {
		b, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("event_signing.keys[%d]: %w", i, err)
		}
		id := k.ID
		if id == "" {
			id = eventsig.KeyID(b)
		}
		if err := keys.Add(id, b); err != nil {
			return nil, fmt.Errorf("event_signing.keys[%d]: %w", i, err)
		}
	}
	v, file := os.Getenv("CASEFLOW_EVENT_KEY"), os.Getenv("CASEFLOW_EVENT_KEY_FILE")
	var name, id string
	var key []byte
	var err error
	switch {
	case v != "" && file != "":
		return nil, errors.New("set CASEFLOW_EVENT_KEY or CASEFLOW_EVENT_KEY_FILE, not both")
	case file != "":
		name = "CASEFLOW_EVENT_KEY_FILE"
		id, key, err = codec.ReadKeyFile(file)
	case v != "":
		name = "CASEFLOW_EVENT_KEY"
		id, key, err = codec.ParseKey(v)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if key != nil {
		if err := keys.Add(id, key); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if keys.Active == "" {
			keys.Active = id
		}
	}
	if len(keys.Keys) == 0 {
		if keyFile == "" {
			return nil, errors.New("no event signing key: set event_signing.keys in the config, CASEFLOW_EVENT_KEY or CASEFLOW_EVENT_KEY_FILE (the same keys at the API and every worker)")
		}
		id, key, err := codec.LoadOrCreateKeyFile(keyFile)
		if err != nil {
			return nil, fmt.Errorf("event signing key: %w", err)
		}
		keys.Keys[id], keys.Active = key, id
	}
	if keys.Active == "" && len(keys.Keys) == 1 {
		for id := range keys.Keys {
			keys.Active = id
		}
	}
	if keys.Active == "" {
		return nil, errors.New("event_signing.active is required when the ring holds more than one key")
	}
	return eventsig.New(keys.Active, keys.Keys)
}
