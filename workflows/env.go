package workflows

import (
	"crypto/sha256"
	"encoding/json"
	"sync"
)

// sharedEnvs holds the decoded configuration snapshots of this process: one per
// configuration its open cases started with, at most 64; past that a snapshot
// is decoded for its case alone, as before sharing.
var sharedEnvs = newEnvCache(64)

// UnmarshalJSON decodes a configuration snapshot once per distinct encoding in
// this process: the cases a worker runs with the same configuration share one
// decoded snapshot — its maps, directory and compiled calendars — instead of
// each holding its own copy (about 16 KiB a parked case; see
// docs/performance.md). The same bytes always decode to the same value, so the
// sharing is invisible to a workflow and to replay. A decoded snapshot is
// read-only: code that needs to change a slice or map of it clones it first.
func (e *CaseEnv) UnmarshalJSON(b []byte) error { return sharedEnvs.decode(b, e) }

// envCache maps the SHA-256 of a snapshot's encoding to its decoded value.
type envCache struct {
	mu  sync.Mutex
	max int
	m   map[[sha256.Size]byte]CaseEnv
}

func newEnvCache(max int) *envCache {
	return &envCache{max: max, m: map[[sha256.Size]byte]CaseEnv{}}
}

// decode sets *e to the snapshot encoded in b, decoding it only if no snapshot
// with the same encoding was decoded before.
func (c *envCache) decode(b []byte, e *CaseEnv) error {
	key := sha256.Sum256(b)
	c.mu.Lock()
	env, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		*e = env
		return nil
	}
	type plain CaseEnv // no UnmarshalJSON: decodes field by field
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*e = CaseEnv(p)
	c.mu.Lock()
	if len(c.m) < c.max {
		c.m[key] = *e
	}
	c.mu.Unlock()
	return nil
}
