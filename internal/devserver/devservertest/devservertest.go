// Package devservertest starts the embedded Temporal server for tests.
package devservertest

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/caseflow/caseflow/internal/devserver"
)

// startTimeout bounds a start, the first of which may create the schema.
const startTimeout = time.Minute

// Start starts a server for the test and stops it when the test ends. An empty
// DataDir becomes a fresh t.TempDir(), an empty FrontendAddr a free port, and a
// nil Logger one that writes to the test log.
func Start(t testing.TB, opts devserver.Options) *devserver.Server {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	freePorts := opts.FrontendAddr == ""
	freeAddr := func() string {
		addr, err := devserver.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		return addr
	}
	if freePorts {
		opts.FrontendAddr = freeAddr()
	}
	if opts.Logger == nil {
		opts.Logger = Logger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s, err := devserver.Start(ctx, opts)
	// Ports found free a moment ago may be taken by the time the server binds
	// them: test binaries that go test runs side by side start servers of
	// their own. Ports the test chose itself are its own business.
	for attempt := 1; err != nil && freePorts && attempt < 3 && strings.Contains(err.Error(), "address already in use"); attempt++ {
		t.Logf("start temporal dev server: %v; again on other ports", err)
		opts.FrontendAddr = freeAddr()
		s, err = devserver.Start(ctx, opts)
	}
	if err != nil {
		t.Fatalf("start temporal dev server: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop temporal dev server: %v", err)
		}
	})
	return s
}

// Client dials s with a copy of opts whose HostPort and Namespace, when empty,
// are s's, and closes the client when the test ends.
func Client(t testing.TB, s *devserver.Server, opts client.Options) client.Client {
	t.Helper()
	if opts.HostPort == "" {
		opts.HostPort = s.FrontendAddr()
	}
	if opts.Namespace == "" {
		opts.Namespace = s.Namespace()
	}
	if opts.Logger == nil {
		opts.Logger = sdklog.NewStructuredLogger(newLogger(t, slog.LevelWarn).With("logger", "sdk"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		t.Fatalf("dial temporal dev server: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// Logger returns a logger that writes to t's log at Info and above until the
// test ends, and then drops lines from goroutines still shutting down (t.Log
// would panic).
func Logger(t testing.TB) *slog.Logger {
	return newLogger(t, slog.LevelInfo)
}

func newLogger(t testing.TB, level slog.Level) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.close)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// testWriter writes to t.Log until closed. Cleanups run last-registered first,
// so closing in one registered before the server's Stop keeps Stop's lines.
type testWriter struct {
	mu     sync.Mutex
	t      testing.TB
	closed bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
}
