package devserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/internal/devserver/devservertest"
)

const taskQueue = "devserver-test"

var caseType = temporal.NewSearchAttributeKeyKeyword("CaseType")

// sleepInput is the input of sleepWorkflow.
type sleepInput struct {
	CaseType string        `json:"caseType"`
	Sleep    time.Duration `json:"sleep"`
}

// sleepWorkflow tags itself with a case type and sleeps on a durable timer.
func sleepWorkflow(ctx workflow.Context, in *sleepInput) (string, error) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, caseType.ValueSet(in.CaseType)); err != nil {
		return "", err
	}
	if err := workflow.Sleep(ctx, in.Sleep); err != nil {
		return "", err
	}
	return "woke", nil
}

// startWorker runs a worker for sleepWorkflow until the returned func is called.
func startWorker(t *testing.T, c client.Client) (stop func()) {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(sleepWorkflow)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	return w.Stop
}

func TestRestartKeepsWorkflowsAndTimers(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		testRestart(t, devserver.Options{DataDir: t.TempDir()})
	})
	t.Run("postgres", func(t *testing.T) {
		testRestart(t, devserver.Options{Postgres: &devserver.Postgres{DSN: postgresDB(t), HistoryShards: 2}})
	})
}

// testRestart runs a workflow with a timer across a stop and a start on the
// data of opts, and checks that a second server on the same data is refused.
func testRestart(t *testing.T, opts devserver.Options) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts.FrontendAddr = freeAddr(t)
	opts.SearchAttributes = map[string]enumspb.IndexedValueType{"CaseType": enumspb.INDEXED_VALUE_TYPE_KEYWORD}

	began := time.Now()
	s := devservertest.Start(t, opts)
	t.Logf("cold start took %s", time.Since(began).Round(time.Millisecond))
	logRSS(t, "after cold start")

	if other, err := devserver.Start(ctx, devserver.Options{DataDir: opts.DataDir, Postgres: opts.Postgres, FrontendAddr: freeAddr(t)}); err == nil {
		_ = other.Stop()
		t.Fatal("a second server started on the same data dir")
	} else if !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second server on the same data dir: %v, want an in-use error", err)
	}

	c := dial(t, s)
	stopWorker := startWorker(t, c)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sleeper", TaskQueue: taskQueue},
		sleepWorkflow, &sleepInput{CaseType: "complaint", Sleep: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "timer started", func() (bool, error) { return hasTimer(ctx, c, run.GetID()) })
	logRSS(t, "with a workflow running")

	stopWorker()
	c.Close()
	began = time.Now()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	t.Logf("stop took %s", time.Since(began).Round(time.Millisecond))

	// A search attribute added to caseflow later is registered on the next start.
	opts.SearchAttributes["CasePriority"] = enumspb.INDEXED_VALUE_TYPE_INT
	began = time.Now()
	s = devservertest.Start(t, opts)
	t.Logf("restart took %s", time.Since(began).Round(time.Millisecond))

	c = devservertest.Client(t, s, client.Options{})
	defer startWorker(t, c)()
	var got string
	if err := c.GetWorkflow(ctx, run.GetID(), "").Get(ctx, &got); err != nil {
		t.Fatalf("workflow after restart: %v", err)
	}
	if got != "woke" {
		t.Fatalf("result = %q, want woke", got)
	}

	waitFor(t, ctx, "workflow listed by CaseType", func() (bool, error) {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: "CaseType = 'complaint' AND ExecutionStatus = 'Completed'",
		})
		if err != nil {
			return false, err
		}
		return len(resp.GetExecutions()) == 1 && resp.GetExecutions()[0].GetExecution().GetWorkflowId() == run.GetID(), nil
	})

	sas, err := c.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: s.Namespace()})
	if err != nil {
		t.Fatal(err)
	}
	if typ := sas.GetCustomAttributes()["CasePriority"]; typ != enumspb.INDEXED_VALUE_TYPE_INT {
		t.Fatalf("CasePriority registered as %s, want Int", typ)
	}
}

// childEnv, when set to "dataDir frontendAddr", makes the test binary a
// `caseflow dev`-like process: it starts a sleeping workflow, prints "ready" and
// runs until it is killed or stops cleanly on SIGTERM.
const childEnv = "DEVSERVER_TEST_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		if err := runChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runChild(spec string) error {
	dataDir, addr, _ := strings.Cut(spec, " ")
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	s, err := devserver.Start(ctx, devserver.Options{
		DataDir:          dataDir,
		FrontendAddr:     addr,
		SearchAttributes: map[string]enumspb.IndexedValueType{"CaseType": enumspb.INDEXED_VALUE_TYPE_KEYWORD},
		Logger:           slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	c, err := client.Dial(client.Options{HostPort: s.FrontendAddr(), Namespace: s.Namespace(),
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return errors.Join(err, s.Stop())
	}
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(sleepWorkflow)
	if err := w.Start(); err != nil {
		return errors.Join(err, s.Stop())
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "survivor", TaskQueue: taskQueue},
		sleepWorkflow, &sleepInput{CaseType: "appeal", Sleep: 3 * time.Second})
	if err != nil {
		return errors.Join(err, s.Stop())
	}
	for ok := false; !ok; time.Sleep(50 * time.Millisecond) {
		if ok, err = hasTimer(ctx, c, run.GetID()); err != nil {
			return errors.Join(err, s.Stop())
		}
	}
	fmt.Println("ready")
	<-ctx.Done()
	w.Stop()
	c.Close()
	return s.Stop()
}

// TestProcessRestart kills a server process (SIGKILL, or SIGTERM for a clean
// stop) while a workflow sleeps, starts a new server on the same data dir and
// ports, and expects the workflow to finish on its original timer.
func TestProcessRestart(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			dataDir, addr := t.TempDir(), freeAddr(t)

			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+dataDir+" "+addr)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if line != "ready\n" {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("child: %q %v; stderr:\n%s", line, err, stderr.String())
			}
			timerSet := time.Now()
			t.Logf("child process: server up and workflow sleeping %s after exec", timerSet.Sub(began).Round(time.Millisecond))
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			if sig == syscall.SIGTERM && err != nil {
				t.Fatalf("child did not stop cleanly: %v; stderr:\n%s", err, stderr.String())
			}

			began = time.Now()
			s := devservertest.Start(t, devserver.Options{DataDir: dataDir, FrontendAddr: addr})
			t.Logf("restart after %s took %s", sig, time.Since(began).Round(time.Millisecond))
			c := devservertest.Client(t, s, client.Options{})
			defer startWorker(t, c)()
			var got string
			if err := c.GetWorkflow(ctx, "survivor", "").Get(ctx, &got); err != nil {
				t.Fatalf("workflow after restart: %v", err)
			}
			if waited := time.Since(timerSet); got != "woke" || waited > 10*time.Second {
				t.Fatalf("result %q after %s, want woke within 10s", got, waited)
			}
		})
	}
}

func TestUI(t *testing.T) {
	const codec = "http://127.0.0.1:1/codec"
	s := devservertest.Start(t, devserver.Options{UIAddr: freeAddr(t), CodecEndpoint: codec})
	if s.UIURL() == "" {
		t.Fatal("UIURL is empty")
	}
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(s.UIURL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %s, want 200: %s", path, resp.Status, body)
		}
		return string(body)
	}
	get("/")

	var settings struct {
		Codec struct {
			Endpoint        string
			PassAccessToken bool
		}
		DisableWriteActions bool
	}
	if err := json.Unmarshal([]byte(get("/api/v1/settings")), &settings); err != nil {
		t.Fatal(err)
	}
	if settings.Codec.Endpoint != codec || settings.Codec.PassAccessToken {
		t.Fatalf("UI codec settings = %+v, want endpoint %s without passing a token to plain http", settings.Codec, codec)
	}

	if !settings.DisableWriteActions {
		t.Fatal("the UI must be read-only (DisableWriteActions): cases change only through the API")
	}

	// The UI reaches the frontend.
	if body := get("/api/v1/namespaces/" + s.Namespace()); !strings.Contains(body, s.Namespace()) {
		t.Fatalf("UI namespace lookup: %s", body)
	}

	// A write through the UI's API (terminating a workflow), sent as the UI
	// sends it (with its CSRF token), is refused.
	var csrf string
	first, err := http.Get(s.UIURL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	_ = first.Body.Close()
	for _, c := range first.Cookies() {
		if c.Name == "_csrf" {
			csrf = c.Value
		}
	}
	req, err := http.NewRequest(http.MethodPost, s.UIURL()+"/api/v1/namespaces/"+s.Namespace()+"/workflows/plc-x/terminate", strings.NewReader(`{"reason":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	req.AddCookie(&http.Cookie{Name: "_csrf", Value: csrf})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("a write through the UI answered %s, want 405 (write actions off)", resp.Status)
	}
}

func TestTakenPortIsAnError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	for name, opts := range map[string]devserver.Options{
		"ui":       {DataDir: t.TempDir(), FrontendAddr: freeAddr(t), UIAddr: l.Addr().String()},
		"frontend": {DataDir: t.TempDir(), FrontendAddr: l.Addr().String()},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := devserver.Start(context.Background(), opts)
			if err == nil {
				_ = s.Stop()
				t.Fatal("Start succeeded on a taken port")
			}
			if !strings.Contains(err.Error(), "not free") {
				t.Fatalf("error = %v, want one about the taken port", err)
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	for name, opts := range map[string]devserver.Options{
		"no data dir":   {FrontendAddr: "127.0.0.1:0"},
		"no frontend":   {DataDir: t.TempDir()},
		"synchronous":   {DataDir: t.TempDir(), FrontendAddr: "127.0.0.1:0", Synchronous: "OFF"},
		"log level":     {DataDir: t.TempDir(), FrontendAddr: "127.0.0.1:0", LogLevel: "loud"},
		"hostname":      {DataDir: t.TempDir(), FrontendAddr: "example.com:7233"},
		"odd data path": {DataDir: t.TempDir() + "/a?b", FrontendAddr: "127.0.0.1:0"},
	} {
		t.Run(name, func(t *testing.T) {
			if s, err := devserver.Start(context.Background(), opts); err == nil {
				_ = s.Stop()
				t.Fatal("Start succeeded")
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := devserver.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// dial connects to s; the caller closes the client (it must not outlive s here).
func dial(t *testing.T, s *devserver.Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendAddr(),
		Namespace: s.Namespace(),
		Logger:    sdklog.NewStructuredLogger(devservertest.Logger(t)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hasTimer reports whether the workflow's history has a TimerStarted event.
func hasTimer(ctx context.Context, c client.Client, id string) (bool, error) {
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return false, err
		}
		if e.GetEventType() == enumspb.EVENT_TYPE_TIMER_STARTED {
			return true, nil
		}
	}
	return false, nil
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() (bool, error)) {
	t.Helper()
	var lastErr error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, errors.Join(ctx.Err(), lastErr))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// logRSS logs this process's resident memory, the server's included.
func logRSS(t *testing.T, when string) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			t.Logf("RSS %s: %s", when, strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")))
		}
	}
}
