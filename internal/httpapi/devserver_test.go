//go:build !nodevserver

package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/activities/activitiestest"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/workflows"
)

// startHarness starts the dev server, a worker and the API; stops stops them.
func startHarness() (*harness, error) {
	dir, err := os.MkdirTemp("", "httpapi-test-")
	if err != nil {
		return nil, err
	}
	stops = append(stops, func() { os.RemoveAll(dir) })
	addr, err := devserver.FreeAddr()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel() // bounds the start only
	warnings := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := devserver.Start(ctx, devserver.Options{
		DataDir: dir, FrontendAddr: addr, SearchAttributes: workflows.SearchAttributeTypes(), Synchronous: "NORMAL",
	})
	if err != nil {
		return nil, err
	}
	stops = append(stops, func() { _ = srv.Stop() })

	// The client encrypts payloads as production does, so memos and refusal
	// details are read back through the codec.
	cdc, err := codec.New(codec.Keys{Active: "test", Keys: map[string][]byte{"test": bytes.Repeat([]byte{7}, codec.KeySize)}})
	if err != nil {
		return nil, err
	}
	tc, err := client.DialContext(ctx, client.Options{
		HostPort: srv.FrontendAddr(), Namespace: srv.Namespace(),
		DataConverter: codec.DataConverter(cdc), FailureConverter: codec.FailureConverter(cdc),
		Logger: sdklog.NewStructuredLogger(warnings.With("logger", "sdk")),
	})
	if err != nil {
		return nil, err
	}
	stops = append(stops, tc.Close)

	env := &harness{tc: tc, namespace: srv.Namespace()}
	env.mailer = &activitiestest.Mailer{SendFn: func(m activities.Mail, _ int) error {
		if _, fail := env.failMail.Load(m.CaseID); fail {
			return &activities.PermanentError{Err: fmt.Errorf("550 mailbox unavailable")}
		}
		return nil
	}}
	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	env.sms = &activitiestest.SMSSender{}
	records := &activitiestest.Records{}
	workflows.Register(w, &activities.Activities{Mail: env.mailer, Records: records, From: "caseflow@example.com", SMS: env.sms, Helpdesk: records})
	if err := w.Start(); err != nil {
		return nil, err
	}
	stops = append(stops, w.Stop)

	cfg, err := config.Parse([]byte(testConfig))
	if err != nil {
		return nil, err
	}
	authn, err := auth.New(cfg.Auth.Tokens)
	if err != nil {
		return nil, err
	}
	api, err := New(Config{
		Temporal: tc, Namespace: srv.Namespace(), DataConverter: codec.DataConverter(cdc), Outbox: memOutbox{env.mailer}, Auth: authn,
		Settings: cfg.Settings, Logger: warnings, Metrics: prometheus.NewRegistry(),
	})
	if err != nil {
		return nil, err
	}
	hs := httptest.NewServer(api)
	stops = append(stops, hs.Close)
	env.url = hs.URL
	return env, nil
}
