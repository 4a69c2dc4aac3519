//go:build unix

package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/store"
)

// TestSQLiteFilesArePrivate: records and letters are personal data; a new
// SQLite store, its directory and its WAL are the owner's alone, whatever the
// umask lets others have.
func TestSQLiteFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "records.db")
	s, err := store.Open(context.Background(), "sqlite:"+path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.CreateClaim(context.Background(), activities.Claim{Key: "k"})
	require.NoError(t, err)

	mode := func(p string) os.FileMode {
		info, err := os.Stat(p)
		require.NoError(t, err)
		return info.Mode().Perm()
	}
	assert.Equal(t, os.FileMode(0o700), mode(dir), "the directory")
	assert.Equal(t, os.FileMode(0o600), mode(path), "the database")
	assert.Equal(t, os.FileMode(0o600), mode(path+"-wal"), "its WAL")
}
