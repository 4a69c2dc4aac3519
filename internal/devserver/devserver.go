// Package devserver runs an embedded Temporal server and, optionally, the
// Temporal Web UI in this process, for `caseflow dev` and integration tests.
//
// The server keeps everything in one SQLite file under Options.DataDir (see
// DBFile), or with Options.Postgres in two PostgreSQL databases (Temporal's own
// schema, set up and updated here), so workflows and their timers survive a
// restart, even after kill -9. While a server runs it holds a lock on
// temporal.lock in the data dir (an advisory lock in PostgreSQL), so a second
// server on the same data fails to start instead of corrupting it. All four
// services run in-process with static membership: the frontend listens on
// Options.FrontendAddr; history, matching, the server's internal worker and the
// frontend's HTTP API listen at the frontend port +1, +2, +3 and +4 when those
// are free, otherwise on any free ports; all but the HTTP API on 127.0.0.1.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
)

// DBFile is the name of the Temporal SQLite file inside Options.DataDir.
const DBFile = "temporal.db"

const (
	clusterName = "active"
	// clusterID is the same on every start. The server stores it in the database
	// on first start; a constant keeps config and database in agreement.
	clusterID = "4c6d2f7e-93a4-4f0b-8d55-6a1e2b9c0f31"

	defaultNamespace = "default"
	defaultRetention = 7 * 24 * time.Hour
	defaultLogLevel  = "error"
	uiStartTimeout   = 10 * time.Second
)

// Options configures Start.
type Options struct {
	// DataDir holds the SQLite files; it is created if missing. Unused with
	// Postgres.
	DataDir string
	// Postgres, when set, keeps the server's data in PostgreSQL instead of
	// SQLite under DataDir.
	Postgres *Postgres
	// FrontendAddr is the gRPC frontend's host:port, e.g. 127.0.0.1:7233. Port 0
	// picks a free port. The other services take the ports after it (see the
	// package doc).
	FrontendAddr string
	// UIAddr is the Web UI's host:port; "" runs no UI.
	UIAddr string
	// Namespace is created on first start; default "default".
	Namespace string
	// SearchAttributes are the custom search attributes to register in Namespace.
	// Missing ones are added on every start; one registered with another type is
	// an error.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Synchronous is SQLite's synchronous pragma: "FULL" (default) survives power
	// loss; "NORMAL" is faster and survives a killed process, not a lost machine.
	Synchronous string
	// CodecEndpoint is the remote codec URL the UI uses; "" for none. The UI passes
	// the signed-in user's access token to it.
	CodecEndpoint string
	// Logger receives devserver's own messages and the server's log lines at
	// LogLevel and above; nil discards both.
	Logger *slog.Logger
	// LogLevel is the server's log level: debug, info, warn or error (default).
	LogLevel string
	// Retention is the namespace's retention when it is created; default 7 days.
	Retention time.Duration
	// ExecutionCache is how many workflow executions the history service keeps
	// cached (host-wide), default DefaultExecutionCache. Temporal's own default,
	// 128,000 for an hour, lets the memory of a server with many open cases
	// grow with them; an evicted execution is read from SQLite on its next event.
	ExecutionCache int
	// WorkflowCache, when positive, sizes the Go SDK's sticky workflow cache
	// (worker.SetStickyWorkflowCacheSize): how many workflows the workers of
	// this process keep in memory between their tasks. The cache is one per
	// process, created by the first SDK worker that starts, and the server's
	// own worker service starts SDK workers inside Start: a size set after
	// Start is ignored and the cache keeps the SDK's default of 10,000 (below
	// that many open workflows it evicts none, and every one keeps its
	// coroutines). 0 leaves the size as set before Start.
	WorkflowCache int
	// TaskQueuePartitions, when positive, is the number of partitions of every
	// task queue (Temporal's default is 4, for spreading a queue over matching
	// hosts; the embedded server has one).
	TaskQueuePartitions int
	// Metrics, when set, receives the server's metrics (the bench counts the
	// visibility store's writes with it); nil records none.
	Metrics metrics.Handler
}

// DefaultExecutionCache is Options.ExecutionCache's default, a bound instead of
// Temporal's 128,000 executions (docs/performance.md, "Scale", measures what
// open cases cost beside it).
const DefaultExecutionCache = 4096

// Server is a running embedded Temporal server.
type Server struct {
	srv          temporal.Server
	ui           *uiserver.Server
	uiDone       chan struct{}
	frontendAddr string
	uiURL        string
	namespace    string
	dbPath       string
	log          *slog.Logger
	serverLog    *serverLogger
	unlock       func() error

	stopOnce sync.Once
	stopErr  error
}

// Start starts the server and, with Options.UIAddr set, the UI, and returns once
// the frontend answers and the search attributes are registered. Ports are
// checked first: a taken one is an error, never an exit.
func Start(ctx context.Context, opts Options) (*Server, error) {
	began := time.Now()
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}

	level, _ := parseLevel(opts.LogLevel)
	logger := &serverLogger{log: opts.Logger.With("logger", "temporal"), level: level, quiet: new(atomic.Bool)}
	var st *stores
	var err error
	if opts.Postgres != nil {
		st, err = preparePostgres(ctx, opts, logger)
	} else {
		st, err = prepareSQLite(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			_ = st.unlock()
		}
	}()

	feIP, fePort, err := splitAddr(opts.FrontendAddr)
	if err != nil {
		return nil, fmt.Errorf("frontend address %q: %w", opts.FrontendAddr, err)
	}
	frontendAddr := dialHost(feIP, fePort)
	if err := checkFree(net.JoinHostPort(feIP, strconv.Itoa(fePort))); err != nil {
		return nil, fmt.Errorf("frontend address %s is not free: %w", frontendAddr, err)
	}
	var uiIP string
	var uiPort int
	if opts.UIAddr != "" {
		if uiIP, uiPort, err = splitAddr(opts.UIAddr); err != nil {
			return nil, fmt.Errorf("UI address %q: %w", opts.UIAddr, err)
		}
		if err := checkFree(net.JoinHostPort(uiIP, strconv.Itoa(uiPort))); err != nil {
			return nil, fmt.Errorf("UI address %s is not free: %w", dialHost(uiIP, uiPort), err)
		}
	}
	ports, err := internalPorts(fePort, 4)
	if err != nil {
		return nil, err
	}

	if opts.WorkflowCache > 0 {
		// Before the server's own SDK workers create the process's cache.
		worker.SetStickyWorkflowCacheSize(opts.WorkflowCache)
	}
	srv, err := newTemporal(serverConfig(st, feIP, fePort, ports), logger, opts)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("unable to start temporal server: %w", err)
	}
	started = true // from here on Stop unlocks

	s := &Server{
		srv:          srv,
		frontendAddr: frontendAddr,
		namespace:    opts.Namespace,
		dbPath:       st.dbPath,
		log:          opts.Logger,
		serverLog:    logger,
		unlock:       st.unlock,
	}
	if err := s.ensureSearchAttributes(ctx, opts.SearchAttributes); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	if opts.UIAddr != "" {
		if err := s.startUI(ctx, uiIP, uiPort, opts.CodecEndpoint); err != nil {
			return nil, errors.Join(err, s.Stop())
		}
	}
	s.log.Info("temporal dev server started",
		"frontend", s.frontendAddr, "ui", s.uiURL, "namespace", s.namespace,
		"db", st.describe, "new", st.created, "took", time.Since(began).Round(time.Millisecond))
	return s, nil
}

// FrontendAddr is the gRPC frontend's host:port for SDK clients.
func (s *Server) FrontendAddr() string { return s.frontendAddr }

// UIURL is the Web UI's base URL, or "" when no UI runs.
func (s *Server) UIURL() string { return s.uiURL }

// Namespace is the namespace Start created.
func (s *Server) Namespace() string { return s.namespace }

// DBPath is the Temporal SQLite file, "" on PostgreSQL.
func (s *Server) DBPath() string { return s.dbPath }

// Stop stops the UI and the server and waits for them. It is safe to call more
// than once; later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		began := time.Now()
		if s.ui != nil {
			s.ui.Stop()
			<-s.uiDone
		}
		s.serverLog.quiet.Store(true)
		if err := s.srv.Stop(); err != nil {
			s.stopErr = fmt.Errorf("unable to stop temporal server: %w", err)
		}
		s.stopErr = errors.Join(s.stopErr, s.unlock())
		s.log.Info("temporal dev server stopped", "took", time.Since(began).Round(time.Millisecond))
	})
	return s.stopErr
}

func (o *Options) setDefaults() error {
	if o.DataDir == "" && o.Postgres == nil {
		return errors.New("devserver: DataDir or Postgres is required")
	}
	if o.FrontendAddr == "" {
		return errors.New("devserver: FrontendAddr is required")
	}
	if o.Namespace == "" {
		o.Namespace = defaultNamespace
	}
	switch strings.ToUpper(o.Synchronous) {
	case "":
		o.Synchronous = "FULL"
	case "FULL", "NORMAL":
		o.Synchronous = strings.ToUpper(o.Synchronous)
	default:
		return fmt.Errorf("devserver: Synchronous %q: want FULL or NORMAL", o.Synchronous)
	}
	if o.Logger == nil {
		o.Logger = discardLogger()
	}
	if o.LogLevel == "" {
		o.LogLevel = defaultLogLevel
	}
	if _, err := parseLevel(o.LogLevel); err != nil {
		return fmt.Errorf("devserver: %w", err)
	}
	switch {
	case o.Retention == 0:
		o.Retention = defaultRetention
	case o.Retention < 0:
		return fmt.Errorf("devserver: negative Retention %s", o.Retention)
	}
	switch {
	case o.ExecutionCache == 0:
		o.ExecutionCache = DefaultExecutionCache
	case o.ExecutionCache < 0:
		return fmt.Errorf("devserver: negative ExecutionCache %d", o.ExecutionCache)
	}
	if o.WorkflowCache < 0 {
		return fmt.Errorf("devserver: negative WorkflowCache %d", o.WorkflowCache)
	}
	return nil
}

// newTemporal builds a server with static membership from c's service ports.
func newTemporal(c *config.Config, logger *serverLogger, opts Options) (temporal.Server, error) {
	host := func(svc primitives.ServiceName) static.Hosts {
		rpc := c.Services[string(svc)].RPC
		return static.SingleLocalHost(dialHost(rpc.BindOnIP, rpc.GRPCPort))
	}
	extra := []temporal.ServerOption{}
	if opts.Metrics != nil {
		extra = append(extra, temporal.WithCustomMetricsHandler(opts.Metrics))
	}
	srv, err := temporal.NewServer(append(extra,
		temporal.WithConfig(c),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: host(primitives.FrontendService),
			primitives.HistoryService:  host(primitives.HistoryService),
			primitives.MatchingService: host(primitives.MatchingService),
			primitives.WorkerService:   host(primitives.WorkerService),
		}),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(withPartitions(opts.TaskQueuePartitions, dynamicconfig.StaticClient{
			// Search attributes added while running are visible at once.
			dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
			// The UI lists workflows often; the default limit throttles it.
			dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
			// The queue processors poll at most 20 times a second per shard by
			// default; with the dev server's single shard, every workflow task of a
			// busy case then waits 35-40 ms for the limiter (intake to the
			// engineer's letter: 245 ms instead of 60 ms; docs/performance.md).
			dynamicconfig.TransferProcessorMaxPollRPS.Key():       1000,
			dynamicconfig.TransferProcessorMaxPollHostRPS.Key():   1000,
			dynamicconfig.TimerProcessorMaxPollRPS.Key():          1000,
			dynamicconfig.TimerProcessorMaxPollHostRPS.Key():      1000,
			dynamicconfig.VisibilityProcessorMaxPollRPS.Key():     1000,
			dynamicconfig.VisibilityProcessorMaxPollHostRPS.Key(): 1000,
			dynamicconfig.OutboundProcessorMaxPollRPS.Key():       1000,
			dynamicconfig.OutboundProcessorMaxPollHostRPS.Key():   1000,
			// The execution cache is bounded by Options.ExecutionCache, not by
			// Temporal's 128,000 entries: an open case costs no memory once evicted.
			dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): opts.ExecutionCache,
		})),
	)...)
	if err != nil {
		return nil, fmt.Errorf("unable to build temporal server: %w", err)
	}
	return srv, nil
}

// withPartitions sets every task queue's read and write partitions to n when
// n is positive.
func withPartitions(n int, c dynamicconfig.StaticClient) dynamicconfig.StaticClient {
	if n > 0 {
		c[dynamicconfig.MatchingNumTaskqueueReadPartitions.Key()] = n
		c[dynamicconfig.MatchingNumTaskqueueWritePartitions.Key()] = n
	}
	return c
}

// serverConfig is the static config of a single-host, single-shard cluster.
// ports are history, matching, worker and frontend HTTP.
func serverConfig(st *stores, feIP string, fePort int, ports []int) *config.Config {
	frontendAddr := dialHost(feIP, fePort)
	var c config.Config
	c.Global.Membership.MaxJoinDuration = 30 * time.Second
	c.Global.Membership.BroadcastAddress = loopback
	c.Persistence.NumHistoryShards = st.shards
	if st.visibility == nil {
		// SQLite: one store, one file, for both.
		c.Persistence.DefaultStore = "sqlite"
		c.Persistence.VisibilityStore = "sqlite"
		c.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: st.main}}
	} else {
		c.Persistence.DefaultStore = "default"
		c.Persistence.VisibilityStore = "visibility"
		c.Persistence.DataStores = map[string]config.DataStore{"default": {SQL: st.main}, "visibility": {SQL: st.visibility}}
	}
	c.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontendAddr,
				HTTPAddress:            dialHost(feIP, ports[3]),
				ClusterID:              clusterID,
			},
		},
	}
	c.DCRedirectionPolicy.Policy = "noop"
	service := func(ip string, port int) config.Service {
		var s config.Service
		s.RPC.BindOnIP = ip
		s.RPC.GRPCPort = port
		return s
	}
	frontend := service(feIP, fePort)
	frontend.RPC.HTTPPort = ports[3]
	c.Services = map[string]config.Service{
		string(primitives.FrontendService): frontend,
		string(primitives.HistoryService):  service(loopback, ports[0]),
		string(primitives.MatchingService): service(loopback, ports[1]),
		string(primitives.WorkerService):   service(loopback, ports[2]),
	}
	c.Archival.History.State = "disabled"
	c.Archival.Visibility.State = "disabled"
	c.NamespaceDefaults.Archival.History.State = "disabled"
	c.NamespaceDefaults.Archival.Visibility.State = "disabled"
	c.PublicClient.HostPort = frontendAddr
	return &c
}

// ensureSearchAttributes adds the wanted search attributes the namespace lacks,
// e.g. ones added to caseflow after the data dir was created.
func (s *Server) ensureSearchAttributes(ctx context.Context, want map[string]enumspb.IndexedValueType) error {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  s.frontendAddr,
		Namespace: s.namespace,
		Logger:    sdklog.NewStructuredLogger(s.log),
	})
	if err != nil {
		return fmt.Errorf("unable to reach temporal frontend: %w", err)
	}
	defer c.Close()

	resp, err := c.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: s.namespace})
	if err != nil {
		return fmt.Errorf("unable to list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range want {
		got, ok := resp.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			return fmt.Errorf("search attribute %s is registered as %s, want %s", name, got, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        s.namespace,
		SearchAttributes: missing,
	}); err != nil {
		return fmt.Errorf("unable to add search attributes: %w", err)
	}
	s.log.Info("added search attributes", "namespace", s.namespace, "count", len(missing))
	return nil
}

// startUI runs the UI and waits until it answers. The UI server exits the
// process when it cannot listen, so Start checked its port beforehand.
func (s *Server) startUI(ctx context.Context, ip string, port int, codecEndpoint string) error {
	s.ui = newUI(ip, port, s.frontendAddr, s.namespace, codecEndpoint)
	s.uiDone = make(chan struct{})
	go func() {
		defer close(s.uiDone)
		if err := s.ui.Start(); err != nil {
			s.log.Error("UI server failed", "error", err)
		}
	}()
	s.uiURL = "http://" + dialHost(ip, port)
	if err := waitHTTP(ctx, s.uiURL+"/healthz", uiStartTimeout); err != nil {
		return fmt.Errorf("UI did not start: %w", err)
	}
	return nil
}
