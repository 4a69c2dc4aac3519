//go:build unix

package devserver_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/internal/devserver/devservertest"
)

// TestDataDirIsPrivate: a new data dir and Temporal database are the owner's
// alone, whatever the umask lets others have.
func TestDataDirIsPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "temporal")
	s := devservertest.Start(t, devserver.Options{DataDir: dir})
	for path, want := range map[string]os.FileMode{dir: 0o700, s.DBPath(): 0o600} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s has mode %v, want %v", filepath.Base(path), got, want)
		}
	}
}
