package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/cases"
	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/internal/httpapi"
	"github.com/caseflow/caseflow/internal/mail"
	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// common are the flags every serving subcommand shares.
type common struct {
	configFile string
	logLevel   string
	smtp       mail.SMTPConfig
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.configFile, "config", "", "config file (YAML); empty: the shipped example config")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.smtp.Addr, "smtp", "", "SMTP server host:port; empty: keep mail in the outbox only")
	fs.StringVar(&c.smtp.Username, "smtp-username", "", "SMTP user name")
	fs.StringVar(&c.smtp.Password, "smtp-password", "", "SMTP password (prefer the CASEFLOW_SMTP_PASSWORD variable)")
	fs.StringVar(&c.smtp.TLS, "smtp-tls", mail.TLSStartTLS, "SMTP TLS: none, starttls or tls")
}

func (c *common) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})), nil
}

func (c *common) load(log *slog.Logger) (*config.Config, error) {
	var cfg *config.Config
	if c.configFile == "" {
		log.Info("no --config given: using the shipped example configuration (example addresses, dev tokens)")
		cfg = config.Example()
	} else {
		var err error
		if cfg, err = config.Load(c.configFile); err != nil {
			return nil, err
		}
	}
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	for _, w := range cfg.CalendarSet().CheckYears(time.Now().Year(), time.Now().Year()+1) {
		log.Warn(w)
	}
	return cfg, nil
}

// transport is the SMTP transport, or nil (outbox only) when no server is given.
func (c *common) transport() (mail.Transport, error) {
	if c.smtp.Addr == "" {
		return nil, nil
	}
	t, err := mail.NewSMTP(c.smtp)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// codecFrom builds the payload codec from the config's keys, the
// CASEFLOW_CODEC_KEY variable, or (dev mode) a key file in the data dir.
func codecFrom(cfg *config.Config, keyFile string) (*codec.Codec, error) {
	keys := codec.Keys{Active: cfg.Codec.Active, Keys: map[string][]byte{}}
	for _, k := range cfg.Codec.Keys {
		b, err := k.Bytes()
		if err != nil {
			return nil, err
		}
		keys.Keys[k.ID] = b
	}
	if v := os.Getenv("CASEFLOW_CODEC_KEY"); v != "" {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err != nil || len(b) != 32 {
			return nil, errors.New("CASEFLOW_CODEC_KEY must be base64 of 32 bytes")
		}
		keys.Keys["env"] = b
		if keys.Active == "" {
			keys.Active = "env"
		}
	}
	if len(keys.Keys) == 0 {
		if keyFile == "" {
			return nil, errors.New("no payload encryption key: set codec.keys in the config or CASEFLOW_CODEC_KEY")
		}
		id, key, err := codec.LoadOrCreateKeyFile(keyFile)
		if err != nil {
			return nil, err
		}
		keys.Keys[id], keys.Active = key, id
	}
	return codec.New(keys)
}

// temporalFlags are the flags that reach an existing Temporal cluster.
type temporalFlags struct {
	address, namespace   string
	tlsCert, tlsKey      string
	tlsCA, tlsServerName string
}

func (t *temporalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.address, "temporal-address", "127.0.0.1:7233", "Temporal frontend host:port")
	fs.StringVar(&t.namespace, "namespace", "default", "Temporal namespace")
	fs.StringVar(&t.tlsCert, "tls-cert", "", "client certificate (PEM) for mTLS")
	fs.StringVar(&t.tlsKey, "tls-key", "", "client key (PEM) for mTLS")
	fs.StringVar(&t.tlsCA, "tls-ca", "", "CA bundle (PEM) that signs the server's certificate")
	fs.StringVar(&t.tlsServerName, "tls-server-name", "", "server name to verify (default: the address host)")
}

func (t *temporalFlags) tlsConfig() (*tls.Config, error) {
	if t.tlsCert == "" && t.tlsCA == "" {
		return nil, nil
	}
	cfg := &tls.Config{ServerName: t.tlsServerName, MinVersion: tls.VersionTLS12}
	if t.tlsCert != "" {
		pair, err := tls.LoadX509KeyPair(t.tlsCert, t.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if t.tlsCA != "" {
		pem, err := os.ReadFile(t.tlsCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-ca: no certificate in %s", t.tlsCA)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// dial connects to Temporal with caseflow's data converter.
func dial(ctx context.Context, address, namespace string, tlsCfg *tls.Config, cdc *codec.Codec, log *slog.Logger) (client.Client, error) {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:          address,
		Namespace:         namespace,
		DataConverter:     codec.DataConverter(cdc),
		FailureConverter:  codec.FailureConverter(cdc),
		ConnectionOptions: client.ConnectionOptions{TLS: tlsCfg},
		Logger:            sdklog.NewStructuredLogger(log.With("component", "temporal-sdk")),
	})
	if err != nil {
		return nil, fmt.Errorf("unable to reach Temporal at %s: %w", address, err)
	}
	return c, nil
}

// ensureSearchAttributes registers caseflow's search attributes on a cluster
// that lacks them; an existing attribute is left alone.
func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	_, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: workflows.SearchAttributeTypes(),
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("unable to register search attributes (register them with the operator CLI): %w", err)
	}
	return nil
}

// runtime is a running worker and/or API with what they hold.
type runtime struct {
	client client.Client
	store  *store.Store
	worker worker.Worker
	http   *http.Server
}

// workerStopTimeout is how long a stopping worker lets its running activities
// finish before it cancels them. With no wait, a letter the SMTP server has taken
// is cut off before its outbox row is marked sent, and goes out again on the
// retry after the restart.
const workerStopTimeout = 10 * time.Second

// startWorker starts a worker polling caseflow's task queue.
func startWorker(c client.Client, st *store.Store, tr mail.Transport, cfg *config.Config) (worker.Worker, error) {
	w := worker.New(c, workflows.TaskQueue, worker.Options{WorkerStopTimeout: workerStopTimeout})
	workflows.Register(w, &activities.Activities{
		Mail:    mail.New(st, tr, cfg.Mail.From, time.Now),
		Records: st,
		From:    cfg.Mail.From,
		Cases:   &cases.Starter{Client: c, Settings: cfg.Settings},
	})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("unable to start worker: %w", err)
	}
	return w, nil
}

// startAPI serves the HTTP API on addr.
func startAPI(addr string, c client.Client, namespace string, st *store.Store, cfg *config.Config, extra []config.Token,
	cdc *codec.Codec, origins []string, trustOrigins bool, log *slog.Logger) (*http.Server, net.Listener, error) {
	authn, err := auth.New(append(append([]config.Token{}, cfg.Auth.Tokens...), extra...))
	if err != nil {
		return nil, nil, err
	}
	api, err := httpapi.New(httpapi.Config{
		Temporal: c, Namespace: namespace, Outbox: st, Auth: authn, Settings: cfg.Settings,
		DataConverter: codec.DataConverter(cdc), Codec: codec.Handler(cdc), CodecOrigins: origins,
		CodecTrustOrigins: trustOrigins, Logger: log,
	})
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("unable to listen on %s: %w", addr, err)
	}
	srv := httpapi.NewHTTPServer(api)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	return srv, ln, nil
}

// stop shuts down in order: the API finishes in-flight requests, the worker
// drains, then the client and the store close.
func (r *runtime) stop(log *slog.Logger) {
	if r.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		if err := r.http.Shutdown(ctx); err != nil {
			log.Warn("http shutdown", "err", err)
		}
		cancel()
	}
	if r.worker != nil {
		r.worker.Stop()
	}
	if r.client != nil {
		r.client.Close()
	}
	if r.store != nil {
		_ = r.store.Close()
	}
}

func newDevCmd(stdout, stderr io.Writer) *ffcli.Command {
	fs := flag.NewFlagSet("caseflow dev", flag.ContinueOnError)
	var (
		c           common
		data        = fs.String("data", "./.caseflow", "data directory (Temporal's SQLite, the records DB, the codec key)")
		httpAddr    = fs.String("http", "127.0.0.1:8080", "HTTP API address")
		temporalAdr = fs.String("temporal", "127.0.0.1:7233", "embedded Temporal frontend address")
		uiAddr      = fs.String("ui", "127.0.0.1:8233", "Temporal Web UI address (empty: no UI)")
		sync        = fs.String("sqlite-synchronous", "FULL", "SQLite synchronous pragma of the embedded server: FULL (durable) or NORMAL")
	)
	c.register(fs)
	return &ffcli.Command{
		Name:       "dev",
		ShortUsage: "caseflow dev [flags]",
		ShortHelp:  "Run everything in one process: embedded Temporal + UI, worker and API, on loopback.",
		FlagSet:    fs,
		Options:    []ff.Option{ff.WithEnvVarPrefix("CASEFLOW")},
		Exec: func(ctx context.Context, _ []string) error {
			log, err := c.logger(stderr)
			if err != nil {
				return err
			}
			began := time.Now()
			cfg, err := c.load(log)
			if err != nil {
				return err
			}
			tr, err := c.transport()
			if err != nil {
				return err
			}
			if err := os.MkdirAll(*data, 0o700); err != nil {
				return fmt.Errorf("unable to create --data %s: %w", *data, err)
			}
			cdc, err := codecFrom(cfg, filepath.Join(*data, "codec.key"))
			if err != nil {
				return err
			}
			adminToken, err := devAdminToken(filepath.Join(*data, "admin.token"))
			if err != nil {
				return err
			}
			uiOrigin := ""
			if *uiAddr != "" {
				uiOrigin = "http://" + *uiAddr
			}
			srv, err := devserver.Start(ctx, devserver.Options{
				DataDir: filepath.Join(*data, "temporal"), FrontendAddr: *temporalAdr, UIAddr: *uiAddr,
				SearchAttributes: workflows.SearchAttributeTypes(), Synchronous: *sync,
				CodecEndpoint: "http://" + *httpAddr + "/v1/codec", Logger: log.With("component", "devserver"),
			})
			if err != nil {
				return err
			}
			defer func() {
				if err := srv.Stop(); err != nil {
					log.Warn("temporal stop", "err", err)
				}
			}()
			rt := &runtime{}
			defer rt.stop(log)
			if rt.client, err = dial(ctx, srv.FrontendAddr(), srv.Namespace(), nil, cdc, log); err != nil {
				return err
			}
			if rt.store, err = store.Open(ctx, "sqlite:"+filepath.Join(*data, "records.db")); err != nil {
				return err
			}
			if rt.worker, err = startWorker(rt.client, rt.store, tr, cfg); err != nil {
				return err
			}
			dev := config.Token{Name: "dev-admin", Role: "admin", Token: adminToken}
			var ln net.Listener
			if rt.http, ln, err = startAPI(*httpAddr, rt.client, srv.Namespace(), rt.store, cfg, []config.Token{dev}, cdc, []string{uiOrigin}, uiOrigin != "", log); err != nil {
				return err
			}
			outbox := "outbox only (no --smtp)"
			if c.smtp.Addr != "" {
				outbox = "SMTP " + c.smtp.Addr
			}
			fmt.Fprintf(stdout, "caseflow dev is up in %s\n  API:         http://%s\n  Temporal UI: %s\n  Temporal:    %s (namespace %s)\n  mail:        %s\n  admin token: %s\n  data:        %s\nTry: curl -H 'Authorization: Bearer %s' http://%s/v1/case-types\n",
				time.Since(began).Round(time.Millisecond), ln.Addr(), orNone(srv.UIURL()), srv.FrontendAddr(), srv.Namespace(), outbox, adminToken, *data, adminToken, ln.Addr())
			<-ctx.Done()
			fmt.Fprintln(stdout, "caseflow dev: stopping")
			return nil
		},
	}
}

func orNone(s string) string {
	if s == "" {
		return "(off)"
	}
	return s
}

// devAdminToken reads the dev admin token from the data dir, creating it once.
func devAdminToken(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	tok := auth.NewRandomToken()
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("unable to save the dev admin token: %w", err)
	}
	return tok, nil
}

func newWorkerCmd(stderr io.Writer) *ffcli.Command {
	fs := flag.NewFlagSet("caseflow worker", flag.ContinueOnError)
	var (
		c       common
		t       temporalFlags
		records = fs.String("records", "", "records database: a SQLite file (sqlite:PATH) or postgres://…")
	)
	c.register(fs)
	t.register(fs)
	return &ffcli.Command{
		Name:       "worker",
		ShortUsage: "caseflow worker --temporal-address HOST:PORT --records DSN [flags]",
		ShortHelp:  "Run the workflow and activity worker against an existing Temporal cluster.",
		FlagSet:    fs,
		Options:    []ff.Option{ff.WithEnvVarPrefix("CASEFLOW")},
		Exec: func(ctx context.Context, _ []string) error {
			tr, err := c.transport()
			if err != nil {
				return err
			}
			cl, err := connect(ctx, &c, &t, *records, stderr)
			if err != nil {
				return err
			}
			log, rt := cl.log, cl.rt
			defer rt.stop(log)
			if err := ensureSearchAttributes(ctx, rt.client, t.namespace); err != nil {
				log.Warn("search attributes", "err", err)
			}
			if rt.worker, err = startWorker(rt.client, rt.store, tr, cl.cfg); err != nil {
				return err
			}
			log.Info("worker polling", "task_queue", workflows.TaskQueue, "temporal", t.address, "namespace", t.namespace)
			<-ctx.Done()
			return nil
		},
	}
}

func newAPICmd(stderr io.Writer) *ffcli.Command {
	fs := flag.NewFlagSet("caseflow api", flag.ContinueOnError)
	var (
		c        common
		t        temporalFlags
		records  = fs.String("records", "", "records database (for the outbox): sqlite:PATH or postgres://…")
		httpAddr = fs.String("http", "127.0.0.1:8080", "HTTP API address")
		origins  = fs.String("codec-origins", "", "comma-separated Temporal UI origins allowed to call /v1/codec")
	)
	c.register(fs)
	t.register(fs)
	return &ffcli.Command{
		Name:       "api",
		ShortUsage: "caseflow api --temporal-address HOST:PORT --records DSN [flags]",
		ShortHelp:  "Serve the HTTP API against an existing Temporal cluster.",
		FlagSet:    fs,
		Options:    []ff.Option{ff.WithEnvVarPrefix("CASEFLOW")},
		Exec: func(ctx context.Context, _ []string) error {
			cl, err := connect(ctx, &c, &t, *records, stderr)
			if err != nil {
				return err
			}
			log, rt := cl.log, cl.rt
			defer rt.stop(log)
			var ln net.Listener
			if rt.http, ln, err = startAPI(*httpAddr, rt.client, t.namespace, rt.store, cl.cfg, nil, cl.cdc, splitList(*origins), false, log); err != nil {
				return err
			}
			log.Info("API serving", "addr", ln.Addr().String())
			<-ctx.Done()
			return nil
		},
	}
}

// connected is what caseflow worker and caseflow api share: the logger, the
// config, the codec, and a runtime with a client of the cluster and the records
// store. The caller stops the runtime.
type connected struct {
	log *slog.Logger
	cfg *config.Config
	cdc *codec.Codec
	rt  *runtime
}

// connect loads the config and the codec, dials the cluster and opens the
// records database named by records.
func connect(ctx context.Context, c *common, t *temporalFlags, records string, stderr io.Writer) (*connected, error) {
	log, cfg, cdc, tlsCfg, err := prepare(c, t, stderr)
	if err != nil {
		return nil, err
	}
	if records == "" {
		return nil, errors.New("--records is required (a SQLite file or postgres:// DSN)")
	}
	rt := &runtime{}
	if rt.client, err = dial(ctx, t.address, t.namespace, tlsCfg, cdc, log); err != nil {
		return nil, err
	}
	if rt.store, err = store.Open(ctx, records); err != nil {
		rt.stop(log)
		return nil, err
	}
	return &connected{log: log, cfg: cfg, cdc: cdc, rt: rt}, nil
}

func prepare(c *common, t *temporalFlags, stderr io.Writer) (*slog.Logger, *config.Config, *codec.Codec, *tls.Config, error) {
	log, err := c.logger(stderr)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cfg, err := c.load(log)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cdc, err := codecFrom(cfg, "")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	tlsCfg, err := t.tlsConfig()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return log, cfg, cdc, tlsCfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
