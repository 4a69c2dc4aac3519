package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"

	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/workflows"
)

// temporalDBFlags choose the embedded Temporal server's PostgreSQL databases.
type temporalDBFlags struct {
	dsn, file, visibility string
	shards, maxConns      int
}

func (d *temporalDBFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dsn, "temporal-db", "", "Temporal's database on PostgreSQL: postgres://USER@HOST:PORT/DB?sslmode=… without a password (PGPASSWORD, CASEFLOW_TEMPORAL_DB or --temporal-db-file); created and its schema set up or updated on start")
	fs.StringVar(&d.file, "temporal-db-file", "", "file holding the --temporal-db DSN (for one with a password)")
	fs.StringVar(&d.visibility, "temporal-visibility-db", "", "Temporal's visibility database (default: --temporal-db's database name + _visibility)")
	fs.IntVar(&d.shards, "history-shards", 4, "history shards of a new Temporal cluster on PostgreSQL; fixed for the database's life")
	fs.IntVar(&d.maxConns, "temporal-db-max-conns", devserver.DefaultPGMaxConns, "connections in each of Temporal's 8 PostgreSQL pools (4 services × 2 databases): the server holds at most 8 × this many")
}

// postgres is the devserver's PostgreSQL option, nil when no database is given.
func (d *temporalDBFlags) postgres() (*devserver.Postgres, error) {
	dsn := d.dsn
	switch {
	case d.dsn != "" && d.file != "":
		return nil, errors.New("give --temporal-db or --temporal-db-file, not both")
	case d.file != "":
		var err error
		if dsn, err = readSecretFile("--temporal-db-file", d.file); err != nil {
			return nil, err
		}
	case d.dsn == "":
		if d.visibility != "" {
			return nil, errors.New("--temporal-visibility-db needs --temporal-db")
		}
		return nil, nil
	}
	if d.shards < 1 || d.shards > 16384 {
		return nil, fmt.Errorf("--history-shards %d: want 1 to 16384", d.shards)
	}
	if d.maxConns < 1 || d.maxConns > 1000 {
		return nil, fmt.Errorf("--temporal-db-max-conns %d: want 1 to 1000", d.maxConns)
	}
	return &devserver.Postgres{DSN: dsn, VisibilityDSN: d.visibility, HistoryShards: int32(d.shards), MaxConns: d.maxConns}, nil
}

// newServerCmd runs only the Temporal server (and its UI) on PostgreSQL, for
// workers and APIs in other processes.
func newServerCmd(stdout, stderr io.Writer) *ffcli.Command {
	fs := flag.NewFlagSet("caseflow server", flag.ContinueOnError)
	var (
		db          temporalDBFlags
		temporalAdr = fs.String("temporal", "127.0.0.1:7233", "Temporal frontend address (loopback unless --temporal-insecure-network)")
		insecure    = fs.Bool("temporal-insecure-network", false, "let --temporal listen beyond loopback: the frontend has no TLS and no authentication, so only on a private network every host of which is trusted")
		uiAddr      = fs.String("ui", "", "Temporal Web UI address, loopback only (empty: no UI)")
		codecURL    = fs.String("ui-codec-endpoint", "", "the caseflow API's codec URL the UI decodes payloads with (https://…/v1/codec)")
		namespace   = fs.String("namespace", "default", "namespace to create on first start")
		retention   = fs.Duration("retention", 7*24*time.Hour, "retention of closed workflows in a namespace created now")
		logLevel    = fs.String("log-level", "info", "log level: debug, info, warn, error")
	)
	db.register(fs)
	return &ffcli.Command{
		Name:       "server",
		ShortUsage: "caseflow server --temporal-db postgres://USER@HOST:PORT/DB [flags]",
		ShortHelp:  "Run only a Temporal server (and its UI) on PostgreSQL, for caseflow worker and api processes.",
		FlagSet:    fs,
		Options:    []ff.Option{ff.WithEnvVarPrefix("CASEFLOW")},
		Exec: func(ctx context.Context, _ []string) error {
			c := common{logLevel: *logLevel}
			log, err := c.logger(stderr)
			if err != nil {
				return err
			}
			pg, err := db.postgres()
			if err != nil {
				return err
			}
			if pg == nil {
				return errors.New("--temporal-db (CASEFLOW_TEMPORAL_DB) or --temporal-db-file is required: caseflow server keeps Temporal's data in PostgreSQL (caseflow dev runs on SQLite)")
			}
			if !*insecure && !isLoopback(*temporalAdr) {
				return fmt.Errorf("--temporal %s is not a loopback address: the frontend has no TLS and no authentication; give --temporal-insecure-network on a trusted private network, or run Temporal's own cluster (its Helm chart) with mTLS", *temporalAdr)
			}
			if *uiAddr != "" && !isLoopback(*uiAddr) {
				return fmt.Errorf("--ui %s must be a loopback address: the Temporal UI served here has no authentication", *uiAddr)
			}
			began := time.Now()
			srv, err := devserver.Start(ctx, devserver.Options{
				Postgres: pg, FrontendAddr: *temporalAdr, UIAddr: *uiAddr, Namespace: *namespace,
				SearchAttributes: workflows.SearchAttributeTypes(), CodecEndpoint: *codecURL,
				Retention: *retention, Logger: log.With("component", "devserver"), LogLevel: "warn",
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "caseflow server is up in %s\n  Temporal:    %s (namespace %s)\n  Temporal UI: %s\n",
				time.Since(began).Round(time.Millisecond), srv.FrontendAddr(), srv.Namespace(), orNone(srv.UIURL()))
			<-ctx.Done()
			fmt.Fprintln(stdout, "caseflow server: stopping")
			return srv.Stop()
		},
	}
}

// registerAPIKey adds the API-key flags: Temporal Cloud's other way in beside
// mTLS. The key is a secret: from CASEFLOW_TEMPORAL_API_KEY or a file only.
func (t *temporalFlags) registerAPIKey(fs *flag.FlagSet) {
	fs.StringVar(&t.apiKey, "temporal-api-key", "", "Temporal Cloud API key: from the CASEFLOW_TEMPORAL_API_KEY variable only (on the command line ps shows it to everyone); turns TLS on")
	fs.StringVar(&t.apiKeyFile, "temporal-api-key-file", "", "file holding the Temporal Cloud API key")
}

// credentials are the API key's, or nil without one.
func (t *temporalFlags) credentials() (client.Credentials, error) {
	key := t.apiKey
	switch {
	case t.apiKey != "" && t.apiKeyFile != "":
		return nil, errors.New("give the Temporal API key in CASEFLOW_TEMPORAL_API_KEY or --temporal-api-key-file, not both")
	case t.apiKeyFile != "":
		var err error
		if key, err = readSecretFile("--temporal-api-key-file", t.apiKeyFile); err != nil {
			return nil, err
		}
	case key == "":
		return nil, nil
	}
	if t.tlsCert != "" {
		return nil, errors.New("give a Temporal API key or a client certificate (--tls-cert), not both")
	}
	return client.NewAPIKeyStaticCredentials(key), nil
}
