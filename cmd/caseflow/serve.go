package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/access"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/cases"
	"github.com/caseflow/caseflow/internal/codec"
	"github.com/caseflow/caseflow/internal/config"
	"github.com/caseflow/caseflow/internal/console"
	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/internal/eventsig"
	"github.com/caseflow/caseflow/internal/httpapi"
	"github.com/caseflow/caseflow/internal/mail"
	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// common are the flags every serving subcommand shares.
type common struct {
	configFile       string
	logLevel         string
	smtp             mail.SMTPConfig
	smtpPasswordFile string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.configFile, "config", "", "config file (YAML); required but for caseflow dev on loopback, where empty is the shipped example config")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.smtp.Addr, "smtp", "", "SMTP server host:port; empty: keep mail in the outbox only")
	fs.StringVar(&c.smtp.Username, "smtp-username", "", "SMTP user name")
	fs.StringVar(&c.smtp.Password, "smtp-password", "", "SMTP password: from the CASEFLOW_SMTP_PASSWORD variable only (on the command line ps shows it to everyone)")
	fs.StringVar(&c.smtpPasswordFile, "smtp-password-file", "", "file holding the SMTP password")
	fs.StringVar(&c.smtp.TLS, "smtp-tls", mail.TLSStartTLS, "SMTP TLS: none, starttls or tls")
}

// cacheFlags size the caches that hold open cases in memory.
type cacheFlags struct {
	workflows int
}

func (f *cacheFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.workflows, "workflow-cache", workflows.DefaultWorkflowCache, "cases the worker keeps in memory between events (the SDK's sticky cache); an evicted case replays on its next event")
}

// apply sizes the SDK's workflow cache; it must run before any worker starts,
// the embedded server's own included (devserver.Options.WorkflowCache).
func (f *cacheFlags) apply() error {
	if f.workflows < 1 {
		return fmt.Errorf("--workflow-cache %d: want at least 1", f.workflows)
	}
	worker.SetStickyWorkflowCacheSize(f.workflows)
	return nil
}

func (c *common) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})), nil
}

// load reads the config. A production config (caseflow api and worker, and a
// caseflow dev that other machines can reach) must be given and must pass
// config.CheckProduction; only a caseflow dev on loopback falls back to the
// shipped example.
func (c *common) load(log *slog.Logger, production bool) (*config.Config, error) {
	var cfg *config.Config
	switch {
	case c.configFile == "" && production:
		return nil, errors.New("--config (CASEFLOW_CONFIG) is required: only caseflow dev on loopback falls back to the shipped example config and its well-known tokens; start from a copy of internal/config/example.yaml with your own addresses and tokens")
	case c.configFile == "":
		log.Info("no --config given: using the shipped example configuration (example addresses, dev tokens)")
		cfg = config.Example()
	default:
		var err error
		if cfg, err = config.Load(c.configFile); err != nil {
			return nil, err
		}
		if production {
			if err := cfg.CheckProduction(); err != nil {
				return nil, fmt.Errorf("config %s: %w", c.configFile, err)
			}
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
	cfg := c.smtp
	if c.smtpPasswordFile != "" {
		if cfg.Password != "" {
			return nil, errors.New("give the SMTP password in CASEFLOW_SMTP_PASSWORD or --smtp-password-file, not both")
		}
		p, err := readSecretFile("--smtp-password-file", c.smtpPasswordFile)
		if err != nil {
			return nil, err
		}
		cfg.Password = p
	}
	t, err := mail.NewSMTP(cfg)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// temporalFlags are the flags that reach an existing Temporal cluster.
type temporalFlags struct {
	address, namespace   string
	tlsCert, tlsKey      string
	tlsCA, tlsServerName string
	apiKey, apiKeyFile   string
}

func (t *temporalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.address, "temporal-address", "127.0.0.1:7233", "Temporal frontend host:port")
	fs.StringVar(&t.namespace, "namespace", "default", "Temporal namespace")
	fs.StringVar(&t.tlsCert, "tls-cert", "", "client certificate (PEM) for mTLS")
	fs.StringVar(&t.tlsKey, "tls-key", "", "client key (PEM) for mTLS")
	fs.StringVar(&t.tlsCA, "tls-ca", "", "CA bundle (PEM) that signs the server's certificate")
	fs.StringVar(&t.tlsServerName, "tls-server-name", "", "server name to verify (default: the address host)")
	t.registerAPIKey(fs)
}

func (t *temporalFlags) tlsConfig() (*tls.Config, error) {
	if t.tlsCert == "" && t.tlsCA == "" {
		// An API key travels over TLS only (system roots).
		if t.apiKey != "" || t.apiKeyFile != "" {
			return &tls.Config{ServerName: t.tlsServerName, MinVersion: tls.VersionTLS12}, nil
		}
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
// creds, when not nil, authenticate the client (a Temporal Cloud API key).
func dial(ctx context.Context, address, namespace string, tlsCfg *tls.Config, creds client.Credentials, cdc *codec.Codec, log *slog.Logger) (client.Client, error) {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:          address,
		Namespace:         namespace,
		Credentials:       creds,
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
	// workerClient is the worker's client, on client's connection.
	workerClient client.Client
	http         *http.Server
	// sdkMetrics is the worker's metrics handler (nil: none); its closer
	// reports a last time after the worker stops. metricsHTTP serves a lone
	// worker's /metrics.
	sdkMetrics       client.MetricsHandler
	sdkMetricsCloser io.Closer
	metricsHTTP      *http.Server
}

// workerStopTimeout is how long a stopping worker lets its running activities
// finish before it cancels them. With no wait, a letter the SMTP server has taken
// is cut off before its outbox row is marked sent, and goes out again on the
// retry after the restart.
const workerStopTimeout = 10 * time.Second

// startWorker starts a worker polling caseflow's task queue with a client of
// its own on c's connection, whose data converter stops a workflow task on a
// payload the worker cannot decrypt rather than fail the case
// (codec.WorkerDataConverter). The caller closes the client after the worker.
func (r *runtime) startWorker(namespace string, cdc *codec.Codec, ring *eventsig.Ring, tr mail.Transport, cfg *config.Config, log *slog.Logger) error {
	wc, err := client.NewClientFromExisting(r.client, client.Options{
		Namespace:        namespace,
		DataConverter:    codec.WorkerDataConverter(cdc),
		FailureConverter: codec.FailureConverter(cdc),
		Logger:           sdklog.NewStructuredLogger(log.With("component", "temporal-sdk")),
		MetricsHandler:   r.sdkMetrics,
	})
	if err != nil {
		return fmt.Errorf("unable to make the worker's client: %w", err)
	}
	r.workerClient = wc
	r.worker, err = newWorker(wc, r.store, tr, cfg, ring)
	return err
}

// newWorker starts a worker on c. It checks every event's signature with ring
// before the case sees the event (eventsig.WorkerInterceptor).
func newWorker(c client.Client, st *store.Store, tr mail.Transport, cfg *config.Config, ring *eventsig.Ring) (worker.Worker, error) {
	w := worker.New(c, workflows.TaskQueue, worker.Options{
		WorkerStopTimeout:          workerStopTimeout,
		Interceptors:               []interceptor.WorkerInterceptor{eventsig.WorkerInterceptor(ring, time.Now)},
		WorkflowTaskPollerBehavior: workflows.WorkflowTaskPollers(),
	})
	links, err := cfg.Links.Ring()
	if err != nil {
		return nil, err
	}
	acts := &activities.Activities{
		Mail:    mail.New(st, tr, cfg.Mail.From, time.Now),
		Records: st,
		From:    cfg.Mail.From,
		Cases:   &cases.Starter{Client: c, Settings: cfg.Settings},
		// Text messages queue in the store's SMS outbox, once per key; no
		// gateway delivers them yet (the Infocentre's SMS program reads them).
		SMS: st,
		// Replies in customers' own chat and mail tickets are kept in the
		// store (ticket_replies), once per key, for the helpdesk to post.
		Helpdesk: st,
	}
	if links != nil {
		acts.Links = links // a nil *Ring in the interface would not be nil
	}
	workflows.Register(w, acts)
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("unable to start worker: %w", err)
	}
	return w, nil
}

// edge is how startAPI meets browsers and the network.
type edge struct {
	// tls serves the API over TLS; nil is plaintext.
	tls *tls.Config
	// metrics is the registry GET /metrics serves, shared with the worker's.
	metrics *prometheus.Registry
	// codecOrigins may call the codec from a browser; codecUISecret, when set,
	// lets them do so without a token (httpapi.Config.CodecUISecret).
	codecOrigins  []string
	codecUISecret string
	// signer signs every event the API sends.
	signer *eventsig.Ring
}

// startAPI serves the HTTP API on addr.
func startAPI(addr string, c client.Client, namespace string, st *store.Store, cfg *config.Config, extra []config.Token,
	cdc *codec.Codec, e edge, log *slog.Logger) (*http.Server, net.Listener, error) {
	authn, err := auth.New(append(append([]config.Token{}, cfg.Auth.Tokens...), extra...))
	if err != nil {
		return nil, nil, err
	}
	links, err := cfg.Links.Ring()
	if err != nil {
		return nil, nil, err
	}
	reads, err := access.New(cfg.Access.Read)
	if err != nil {
		return nil, nil, err
	}
	api, err := httpapi.New(httpapi.Config{
		Temporal: c, Namespace: namespace, Outbox: st, Auth: authn, Settings: cfg.Settings, Links: links, Reads: reads, Signer: e.signer,
		DataConverter: codec.DataConverter(cdc), Codec: codec.Handler(cdc), CodecOrigins: e.codecOrigins,
		CodecUISecret: e.codecUISecret, Logger: log, Metrics: e.metrics,
	})
	if err != nil {
		return nil, nil, err
	}
	// The operator console at /ui/, on the API's service and the store's sessions.
	if err := console.Mount(console.Config{API: api, Sessions: st, Records: st, Letters: st, Logger: log}); err != nil {
		return nil, nil, err
	}
	ln, err := listen(addr, e.tls)
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
	if r.workerClient != nil {
		r.workerClient.Close()
	}
	if r.client != nil {
		r.client.Close()
	}
	if r.sdkMetricsCloser != nil {
		_ = r.sdkMetricsCloser.Close()
	}
	if r.metricsHTTP != nil {
		_ = r.metricsHTTP.Close()
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
		execCache   = fs.Int("execution-cache", devserver.DefaultExecutionCache, "workflow executions the embedded server keeps cached; an evicted one is read from SQLite on its next event")
		l           listenFlags
		db          temporalDBFlags
		caches      cacheFlags
	)
	c.register(fs)
	l.register(fs)
	db.register(fs)
	caches.register(fs)
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
			if *execCache < 1 {
				return fmt.Errorf("--execution-cache %d: want at least 1", *execCache)
			}
			if err := caches.apply(); err != nil {
				return err
			}
			began := time.Now()
			// The embedded Temporal server and its UI have no authentication.
			if !isLoopback(*temporalAdr) {
				return fmt.Errorf("--temporal %s must be a loopback address: the embedded Temporal server has no authentication (run caseflow worker and api against a real cluster instead)", *temporalAdr)
			}
			if *uiAddr != "" && !isLoopback(*uiAddr) {
				return fmt.Errorf("--ui %s must be a loopback address: the embedded Temporal UI has no authentication", *uiAddr)
			}
			httpTLS, err := l.check("--http", *httpAddr)
			if err != nil {
				return err
			}
			// Reachable from other machines, dev holds to the production rules.
			cfg, err := c.load(log, !isLoopback(*httpAddr))
			if err != nil {
				return err
			}
			devLinks(cfg, l.scheme()+"://"+*httpAddr)
			tr, err := c.transport()
			if err != nil {
				return err
			}
			if err := os.MkdirAll(*data, 0o700); err != nil {
				return fmt.Errorf("unable to create --data %s: %w", *data, err)
			}
			metrics := prometheus.NewRegistry()
			stuck, err := stuckReporter(log, metrics)
			if err != nil {
				return err
			}
			cdc, err := codecFrom(cfg, filepath.Join(*data, "codec.key"), stuck)
			if err != nil {
				return err
			}
			ring, err := signingFrom(cfg, filepath.Join(*data, "event.key"))
			if err != nil {
				return err
			}
			adminToken, err := devAdminToken(filepath.Join(*data, "admin.token"))
			if err != nil {
				return err
			}
			// The UI calls the codec from the browser over plain http and forwards no
			// token there; it gets a per-run secret in its codec URL instead, and only
			// when both ends are on loopback.
			codecEndpoint := l.scheme() + "://" + *httpAddr + "/v1/codec"
			uiSecret := ""
			if *uiAddr != "" && isLoopback(*httpAddr) {
				uiSecret = auth.NewRandomToken()
				codecEndpoint += "/" + uiSecret
			}
			pg, err := db.postgres()
			if err != nil {
				return err
			}
			srv, err := devserver.Start(ctx, devserver.Options{
				DataDir: filepath.Join(*data, "temporal"), Postgres: pg, FrontendAddr: *temporalAdr, UIAddr: *uiAddr,
				SearchAttributes: workflows.SearchAttributeTypes(), Synchronous: *sync,
				CodecEndpoint: codecEndpoint, Logger: log.With("component", "devserver"),
				ExecutionCache: *execCache, WorkflowCache: caches.workflows,
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
			if rt.client, err = dial(ctx, srv.FrontendAddr(), srv.Namespace(), nil, nil, cdc, log); err != nil {
				return err
			}
			if rt.store, err = store.Open(ctx, "sqlite:"+filepath.Join(*data, "records.db")); err != nil {
				return err
			}
			rt.observe(metrics, log)
			if err = rt.startWorker(srv.Namespace(), cdc, ring, tr, cfg, log); err != nil {
				return err
			}
			if err := startGauges(ctx, metrics, rt.client, srv.Namespace(), rt.store, log); err != nil {
				return err
			}
			dev := config.Token{Name: "dev-admin", Role: "admin", Token: adminToken}
			e := edge{tls: httpTLS, metrics: metrics, signer: ring}
			if srv.UIURL() != "" {
				e.codecOrigins, e.codecUISecret = []string{srv.UIURL()}, uiSecret
			}
			var ln net.Listener
			if rt.http, ln, err = startAPI(*httpAddr, rt.client, srv.Namespace(), rt.store, cfg, []config.Token{dev}, cdc, e, log); err != nil {
				return err
			}
			outbox := "outbox only (no --smtp)"
			if c.smtp.Addr != "" {
				outbox = "SMTP " + c.smtp.Addr
			}
			fmt.Fprintf(stdout, "caseflow dev is up in %s\n  API:         %s://%s\n  Temporal UI: %s\n  Temporal:    %s (namespace %s)\n  mail:        %s\n  admin token: %s\n  data:        %s\nTry: curl -H 'Authorization: Bearer %s' %s://%s/v1/case-types\n",
				time.Since(began).Round(time.Millisecond), l.scheme(), ln.Addr(), orNone(srv.UIURL()), srv.FrontendAddr(), srv.Namespace(), outbox, adminToken, *data, adminToken, l.scheme(), ln.Addr())
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
		c      common
		t      temporalFlags
		r      recordsFlags
		m      metricsFlags
		health = fs.String("health", "", "serve GET /healthz (200 while Temporal answers) on this host:port for probes; empty: none")
		caches cacheFlags
	)
	c.register(fs)
	t.register(fs)
	m.register(fs)
	r.register(fs, "records database: a SQLite file (sqlite:PATH) or postgres://… without a password (see --records-file)")
	caches.register(fs)
	return &ffcli.Command{
		Name:       "worker",
		ShortUsage: "caseflow worker --temporal-address HOST:PORT --records DSN [flags]",
		ShortHelp:  "Run the workflow and activity worker against an existing Temporal cluster.",
		FlagSet:    fs,
		Options:    []ff.Option{ff.WithEnvVarPrefix("CASEFLOW")},
		Exec: func(ctx context.Context, _ []string) error {
			if err := caches.apply(); err != nil {
				return err
			}
			tr, err := c.transport()
			if err != nil {
				return err
			}
			// Without --metrics a stuck workflow task shows in the log only.
			var metrics *prometheus.Registry
			if m.addr != "" {
				metrics = prometheus.NewRegistry()
			}
			cl, err := connect(ctx, &c, &t, &r, stderr, registerer(metrics))
			if err != nil {
				return err
			}
			log, rt := cl.log, cl.rt
			defer rt.stop(log)
			if metrics != nil {
				rt.observe(metrics, log)
				var ln net.Listener
				if rt.metricsHTTP, ln, err = serveMetrics(m.addr, metrics, log); err != nil {
					return err
				}
				log.Info("metrics serving", "addr", "http://"+ln.Addr().String()+"/metrics")
			}
			if err := ensureSearchAttributes(ctx, rt.client, t.namespace); err != nil {
				log.Warn("search attributes", "err", err)
			}
			if err = rt.startWorker(t.namespace, cl.cdc, cl.ring, tr, cl.cfg, log); err != nil {
				return err
			}
			if *health != "" {
				hs, ln, err := serveHealth(*health, rt.client, log)
				if err != nil {
					return fmt.Errorf("--health %s: %w", *health, err)
				}
				defer hs.Close()
				log.Info("health serving", "addr", ln.Addr().String())
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
		r        recordsFlags
		l        listenFlags
		httpAddr = fs.String("http", "127.0.0.1:8080", "HTTP API address")
		origins  = fs.String("codec-origins", "", "comma-separated Temporal UI origins allowed to call /v1/codec")
	)
	c.register(fs)
	t.register(fs)
	r.register(fs, "records database (for the outbox): sqlite:PATH or postgres://… without a password (see --records-file)")
	l.register(fs)
	return &ffcli.Command{
		Name:       "api",
		ShortUsage: "caseflow api --temporal-address HOST:PORT --records DSN [flags]",
		ShortHelp:  "Serve the HTTP API against an existing Temporal cluster.",
		FlagSet:    fs,
		Options:    []ff.Option{ff.WithEnvVarPrefix("CASEFLOW")},
		Exec: func(ctx context.Context, _ []string) error {
			httpTLS, err := l.check("--http", *httpAddr)
			if err != nil {
				return err
			}
			// The API runs no workflow task: nothing of it gets stuck on a key.
			metrics := prometheus.NewRegistry()
			cl, err := connect(ctx, &c, &t, &r, stderr, nil)
			if err != nil {
				return err
			}
			log, rt := cl.log, cl.rt
			defer rt.stop(log)
			var ln net.Listener
			e := edge{tls: httpTLS, metrics: metrics, codecOrigins: splitList(*origins), signer: cl.ring}
			if rt.http, ln, err = startAPI(*httpAddr, rt.client, t.namespace, rt.store, cl.cfg, nil, cl.cdc, e, log); err != nil {
				return err
			}
			if err := startGauges(ctx, metrics, rt.client, t.namespace, rt.store, log); err != nil {
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
	// ring signs (API) and checks (worker) events.
	ring *eventsig.Ring
	rt   *runtime
}

// connect loads the config and the codec, dials the cluster and opens the
// records database. A stuck workflow task is counted in metrics when it is not nil.
func connect(ctx context.Context, c *common, t *temporalFlags, r *recordsFlags, stderr io.Writer, metrics prometheus.Registerer) (*connected, error) {
	log, cfg, cdc, tlsCfg, err := prepare(c, t, stderr, metrics)
	if err != nil {
		return nil, err
	}
	ring, err := signingFrom(cfg, "")
	if err != nil {
		return nil, err
	}
	records, err := r.dsn()
	if err != nil {
		return nil, err
	}
	creds, err := t.credentials()
	if err != nil {
		return nil, err
	}
	rt := &runtime{}
	if rt.client, err = dial(ctx, t.address, t.namespace, tlsCfg, creds, cdc, log); err != nil {
		return nil, err
	}
	if rt.store, err = store.Open(ctx, records); err != nil {
		rt.stop(log)
		return nil, err
	}
	return &connected{log: log, cfg: cfg, cdc: cdc, ring: ring, rt: rt}, nil
}

func prepare(c *common, t *temporalFlags, stderr io.Writer, metrics prometheus.Registerer) (*slog.Logger, *config.Config, *codec.Codec, *tls.Config, error) {
	log, err := c.logger(stderr)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cfg, err := c.load(log, true)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	stuck, err := stuckReporter(log, metrics)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cdc, err := codecFrom(cfg, "", stuck)
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

// devLinks points the decision links of the example configuration at the
// address caseflow dev serves its API on (--http), so a link in a letter opens
// this API whatever port it listens on; a base URL a configuration chose stays.
func devLinks(cfg *config.Config, apiURL string) {
	if cfg.Links.BaseURL == config.Example().Links.BaseURL {
		cfg.Links.BaseURL = apiURL
	}
}
