//go:build unix

package crashtest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/mail"
)

// The binary under test, built once per test binary by caseflowBinary.
var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildTook time.Duration
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// caseflowBinary builds ./cmd/caseflow once and returns the binary's path.
func caseflowBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		if buildDir, err = os.MkdirTemp("", "caseflow-crashtest-"); err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(buildDir, "caseflow")
		began := time.Now()
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/caseflow")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("unable to build ./cmd/caseflow in %s: %w\n%s", root, err, out)
			return
		}
		buildTook = time.Since(began)
	})
	require.NoError(t, buildErr)
	t.Logf("caseflow binary %s (built in %s)", binPath, buildTook.Round(time.Millisecond))
	return binPath
}

// moduleRoot walks up from the working directory to the directory of go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("unable to find go.mod above the working directory")
		}
		dir = parent
	}
}

// pickAddrs returns loopback addresses for the embedded Temporal frontend and the
// API that are free now and stay usable across restarts: they lie below Linux's
// ephemeral port range, so the test's own client connections never take them,
// and the frontend's four neighbours, where devserver puts history, matching,
// the internal worker and the frontend's HTTP port, are free as well.
func pickAddrs(t *testing.T) (temporalAddr, httpAddr string) {
	t.Helper()
	for range 1000 {
		base := 20000 + rand.IntN(12000)
		if portsFree(base, base+5) {
			return "127.0.0.1:" + strconv.Itoa(base), "127.0.0.1:" + strconv.Itoa(base+5)
		}
	}
	t.Fatal("unable to find six free consecutive loopback ports")
	return "", ""
}

func portsFree(from, to int) bool {
	for p := from; p <= to; p++ {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		_ = l.Close()
	}
	return true
}

// childEnv is the test's environment without CASEFLOW_ variables, which the
// binary would read as flags (CASEFLOW_CRASH_LONG among them).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CASEFLOW_") {
			env = append(env, kv)
		}
	}
	return env
}

// child is `caseflow dev` on one data dir and fixed addresses, run after run,
// or another caseflow subcommand (TestTopology's server, workers and APIs).
type child struct {
	t *testing.T
	// name names the process in messages; env is added to childEnv.
	name         string
	env          []string
	bin          string
	dataDir      string
	httpAddr     string
	temporalAddr string
	args         []string
	runs         []*run
}

// run is one life of the child process.
type run struct {
	n       int
	cmd     *exec.Cmd
	stdout  syncBuffer
	stderr  syncBuffer
	exited  chan struct{}
	waitErr error
}

// alive reports whether the process has not exited yet.
func (r *run) alive() bool {
	select {
	case <-r.exited:
		return false
	default:
		return true
	}
}

// newChild prepares `caseflow dev` with a fresh data dir, mail to smtpAddr (plain
// SMTP) and no Web UI; start runs it. The process is killed when the test ends,
// and its output logged if the test failed.
func newChild(t *testing.T, smtpAddr string) *child {
	t.Helper()
	c := &child{t: t, name: "caseflow dev", bin: caseflowBinary(t), dataDir: t.TempDir()}
	c.temporalAddr, c.httpAddr = pickAddrs(t)
	c.args = []string{"dev", "--data", c.dataDir, "--http", c.httpAddr, "--temporal", c.temporalAddr, "--ui=",
		"--smtp", smtpAddr, "--smtp-tls", mail.TLSNone, "--log-level", "info"}
	t.Cleanup(c.cleanup)
	return c
}

// url is the API's URL of path.
func (c *child) url(path string) string { return "http://" + c.httpAddr + path }

// recordsDB is the records store (outbox included) in the data dir.
func (c *child) recordsDB() string { return filepath.Join(c.dataDir, "records.db") }

// current is the latest run.
func (c *child) current() *run {
	c.t.Helper()
	require.NotEmpty(c.t, c.runs, "%s was never started", c.name)
	return c.runs[len(c.runs)-1]
}

// start runs the binary once more; the previous run must have ended.
func (c *child) start() *run {
	c.t.Helper()
	if len(c.runs) > 0 {
		require.False(c.t, c.current().alive(), "run %d is still alive", c.current().n)
	}
	r := &run{n: len(c.runs) + 1, exited: make(chan struct{})}
	cmd := exec.Command(c.bin, c.args...)
	cmd.Env = append(childEnv(), c.env...)
	cmd.Stdout, cmd.Stderr = &r.stdout, &r.stderr
	dieWithParent(cmd)
	require.NoError(c.t, cmd.Start())
	r.cmd = cmd
	go func() {
		r.waitErr = cmd.Wait()
		close(r.exited)
	}()
	c.runs = append(c.runs, r)
	return r
}

// waitHealthy polls GET /healthz until it answers 200; the process must not exit
// meanwhile.
func (c *child) waitHealthy(timeout time.Duration) {
	c.t.Helper()
	r := c.current()
	began := time.Now()
	hc := &http.Client{Timeout: 2 * time.Second}
	var last string
	for {
		if !r.alive() {
			c.t.Fatalf("%s (run %d) exited before it was healthy: %v", c.name, r.n, r.waitErr)
		}
		resp, err := hc.Get(c.url("/healthz"))
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.t.Logf("%s run %d healthy after %s", c.name, r.n, time.Since(began).Round(time.Millisecond))
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Since(began) > timeout {
			c.t.Fatalf("%s (run %d) not healthy within %s: %s", c.name, r.n, timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits until the process is gone; it must have died of it.
func (c *child) kill() {
	c.t.Helper()
	r := c.current()
	require.True(c.t, r.alive(), "run %d exited before the kill: %v", r.n, r.waitErr)
	require.NoError(c.t, r.cmd.Process.Signal(syscall.SIGKILL))
	select {
	case <-r.exited:
	case <-time.After(30 * time.Second):
		c.t.Fatalf("run %d still running 30s after SIGKILL", r.n)
	}
	var exit *exec.ExitError
	require.ErrorAs(c.t, r.waitErr, &exit, "run %d", r.n)
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(c.t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "run %d ended by %v, not by SIGKILL", r.n, r.waitErr)
}

// terminate sends SIGTERM and waits up to bound for the process to exit. It
// returns how long the exit took and the exit error (nil: status 0).
func (c *child) terminate(bound time.Duration) (time.Duration, error) {
	c.t.Helper()
	r := c.current()
	require.True(c.t, r.alive(), "run %d exited before SIGTERM: %v", r.n, r.waitErr)
	began := time.Now()
	require.NoError(c.t, r.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-r.exited:
		return time.Since(began), r.waitErr
	case <-time.After(bound):
		c.t.Fatalf("run %d did not exit within %s of SIGTERM", r.n, bound)
		return 0, nil
	}
}

// cleanup kills a run still alive and logs every run's output if the test failed.
func (c *child) cleanup() {
	for _, r := range c.runs {
		if r.alive() {
			_ = r.cmd.Process.Signal(syscall.SIGKILL)
			select {
			case <-r.exited:
			case <-time.After(30 * time.Second):
				c.t.Errorf("run %d (pid %d) still running 30s after SIGKILL", r.n, r.cmd.Process.Pid)
			}
		}
	}
	if !c.t.Failed() {
		return
	}
	for _, r := range c.runs {
		c.t.Logf("---- %s run %d: %v\n---- stdout:\n%s\n---- stderr:\n%s", c.name, r.n, r.waitErr, r.stdout.String(), clip(r.stderr.String(), 400))
	}
}

// stderrOf joins the stderr of every run so far.
func (c *child) stderrOf() string {
	var b strings.Builder
	for _, r := range c.runs {
		fmt.Fprintf(&b, "---- run %d\n%s", r.n, r.stderr.String())
	}
	return b.String()
}

// clip keeps the first and the last lines of a long log.
func clip(s string, lines int) string {
	all := strings.Split(s, "\n")
	if len(all) <= lines {
		return s
	}
	head, tail := lines/4, lines-lines/4
	return strings.Join(all[:head], "\n") +
		fmt.Sprintf("\n[… %d lines left out …]\n", len(all)-head-tail) +
		strings.Join(all[len(all)-tail:], "\n")
}

// syncBuffer is a bytes.Buffer safe for the process's writer and the test's readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
