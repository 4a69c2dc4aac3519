package devserver

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"go.temporal.io/server/common/log/tag"
)

// TestFatalReachesStderr: the server's Fatal ends the process with status 1
// and its reason on stderr, even from a logger that drops everything (as a
// stopping server's does) — a test binary that Temporal exits must say why.
func TestFatalReachesStderr(t *testing.T) {
	const child = "DEVSERVER_TEST_FATAL"
	if os.Getenv(child) == "1" {
		quiet := new(atomic.Bool)
		quiet.Store(true)
		l := (&serverLogger{log: discardLogger(), quiet: quiet}).With(tag.Service("history"))
		l.Fatal("Unable to initialize namespace registry", tag.Error(errors.New("sorry, too many clients already")))
		t.Fatal("Fatal returned")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFatalReachesStderr$")
	cmd.Env = append(os.Environ(), child+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("child: %v, want exit status 1; stderr:\n%s", err, stderr.String())
	}
	want := "temporal server: fatal: Unable to initialize namespace registry service=history error=sorry, too many clients already"
	if !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr:\n%s\nwant a line %q", stderr.String(), want)
	}
}
