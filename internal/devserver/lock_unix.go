//go:build unix

package devserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFile sits next to the database; its lock is held while a server runs.
const lockFile = "temporal.lock"

// lockDataDir takes an exclusive lock on dataDir so that a second server cannot
// open the same database, where both would fight over the history shard. The
// kernel drops the lock when the process dies, even by kill -9.
func lockDataDir(dataDir string) (unlock func() error, err error) {
	path := filepath.Join(dataDir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("unable to lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data dir %s is in use by another server", dataDir)
		}
		return nil, fmt.Errorf("unable to lock data dir: %w", err)
	}
	return f.Close, nil
}
