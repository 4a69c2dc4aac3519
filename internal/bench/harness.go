package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/cases"
	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/internal/httpapi"
	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// harness is one embedded server with caseflow and the baseline on it: caseflow's
// worker, client and HTTP API as `caseflow dev` wires them (payload encryption
// included), and the baseline's worker and a plain client beside them.
type harness struct {
	srv *devserver.Server
	// vis counts the server's visibility writes.
	vis     *visibilityCounter
	cf, bl  client.Client
	workers []worker.Worker
	api     *http.Server
	apiURL  string
	httpc   *http.Client
	// tokens maps a role to a bearer token of the example config.
	tokens   map[string]string
	probe    *probe
	cfg      *config.Config
	caseType *workflows.CaseType
	// consultation is the consultation scenario's case type.
	consultation *workflows.CaseType
	cdc          *codec.Codec
	dir          string
}

// startHarness starts a fresh server with the given synchronous pragma in dir.
func startHarness(ctx context.Context, dir, synchronous string, o *Options) (_ *harness, err error) {
	latency, inFlight := o.Latency, o.InFlight
	h := &harness{probe: newProbe(), cfg: config.Example(), dir: dir, vis: newVisibilityCounter()}
	defer func() {
		if err != nil {
			h.stop()
		}
	}()
	var ok bool
	if h.caseType, ok = workflows.Lookup("plc"); !ok {
		return nil, errors.New("case type plc is not registered")
	}
	if h.consultation, ok = workflows.Lookup("consultation"); !ok {
		return nil, errors.New("case type consultation is not registered")
	}
	addr, err := devserver.FreeAddr()
	if err != nil {
		return nil, err
	}
	if h.srv, err = devserver.Start(ctx, devserver.Options{
		DataDir: filepath.Join(dir, "temporal"), FrontendAddr: addr, Synchronous: synchronous,
		SearchAttributes: workflows.SearchAttributeTypes(), ExecutionCache: o.ExecutionCache,
		// The SDK's workflow cache is process-wide and created by the first
		// worker, which is one of the server's own: sized by Start, before it.
		WorkflowCache: o.WorkflowCache, TaskQueuePartitions: o.Partitions, Metrics: h.vis,
	}); err != nil {
		return nil, err
	}

	key := make([]byte, codec.KeySize)
	_, _ = rand.Read(key)
	if h.cdc, err = codec.New(codec.Keys{Active: "bench", Keys: map[string][]byte{"bench": key}}); err != nil {
		return nil, err
	}
	quiet := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	if h.cf, err = client.DialContext(ctx, client.Options{
		HostPort: h.srv.FrontendAddr(), Namespace: h.srv.Namespace(), Logger: quiet,
		DataConverter: codec.DataConverter(h.cdc), FailureConverter: codec.FailureConverter(h.cdc),
	}); err != nil {
		return nil, fmt.Errorf("unable to dial temporal: %w", err)
	}
	if h.bl, err = client.DialContext(ctx, client.Options{HostPort: h.srv.FrontendAddr(), Namespace: h.srv.Namespace(), Logger: quiet}); err != nil {
		return nil, fmt.Errorf("unable to dial temporal: %w", err)
	}

	// Both workers run with the options `caseflow dev` uses: its pollers, and
	// its workflow cache (sized by devserver.Start above).
	wo := worker.Options{WorkflowTaskPollerBehavior: workflows.WorkflowTaskPollers()}
	cw := worker.New(h.cf, workflows.TaskQueue, wo)
	workflows.Register(cw, &activities.Activities{
		Mail:    &Mailer{Latency: latency, probe: h.probe},
		Records: &Records{Latency: latency},
		From:    h.cfg.Mail.From,
	})
	bw := worker.New(h.bl, BaselineTaskQueue, wo)
	bw.RegisterWorkflowWithOptions(Baseline, workflow.RegisterOptions{Name: BaselineWorkflow})
	bw.RegisterWorkflowWithOptions(BaselineConsultation, workflow.RegisterOptions{Name: BaselineConsultationWorkflow})
	bw.RegisterActivity(&BaselineActivities{Latency: latency, probe: h.probe})
	for _, w := range []worker.Worker{cw, bw} {
		if err := w.Start(); err != nil {
			return nil, fmt.Errorf("unable to start worker: %w", err)
		}
		h.workers = append(h.workers, w)
	}

	h.tokens = map[string]string{}
	for _, t := range h.cfg.Auth.Tokens {
		if _, ok := h.tokens[t.Role]; !ok && t.Token != "" {
			h.tokens[t.Role] = t.Token
		}
	}
	authn, err := auth.New(h.cfg.Auth.Tokens)
	if err != nil {
		return nil, err
	}
	api, err := httpapi.New(httpapi.Config{
		Temporal: h.cf, Namespace: h.srv.Namespace(), DataConverter: codec.DataConverter(h.cdc),
		Outbox: noOutbox{}, Auth: authn, Settings: h.cfg.Settings,
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h.api = &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.api.Serve(ln) }()
	h.apiURL = "http://" + ln.Addr().String()
	h.httpc = &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * inFlight, MaxIdleConnsPerHost: 4 * inFlight}}
	return h, nil
}

// stop stops what started, in reverse order.
func (h *harness) stop() {
	if h.api != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = h.api.Shutdown(ctx)
		cancel()
	}
	for _, w := range h.workers {
		w.Stop()
	}
	for _, c := range []client.Client{h.cf, h.bl} {
		if c != nil {
			c.Close()
		}
	}
	if h.srv != nil {
		_ = h.srv.Stop()
	}
}

// noOutbox is the API's outbox: the benchmark keeps no letters.
type noOutbox struct{}

func (noOutbox) ListOutbox(context.Context, store.OutboxQuery) ([]activities.SentMail, error) {
	return nil, nil
}

// fileSize is the size of a file, 0 when it does not exist.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// start opens a caseflow case named key the way the product does
// (cases.Starter: search attributes, memo, the intake's hash).
func (h *harness) start(ctx context.Context, ct *workflows.CaseType, key string, intake any) error {
	s := &cases.Starter{Client: h.cf, Settings: h.cfg.Settings}
	_, err := s.StartCase(ctx, ct, workflows.CaseMeta{ID: key, Type: ct.Name}, intake)
	return err
}
