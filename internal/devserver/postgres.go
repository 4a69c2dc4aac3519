package devserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/server/common/config"
	tlog "go.temporal.io/server/common/log"
	pgplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// The schemas embedded in the server module (go.temporal.io/server/schema) that
// Temporal's own temporal-sql-tool applies to PostgreSQL.
const (
	pgSchema           = "postgresql/v12/temporal"
	pgVisibilitySchema = "postgresql/v12/visibility"
	// defaultPGShards is the history shard count of a new PostgreSQL cluster. It
	// is fixed for the database's life: the server refuses to start with another.
	defaultPGShards = 4
	// DefaultPGMaxConns is a pool's size when Postgres.MaxConns is 0: the whole
	// server then holds at most 8 × 8 = 64 connections, which leaves a stock
	// PostgreSQL (max_connections 100) room for caseflow's records stores.
	DefaultPGMaxConns = 8
)

// Postgres keeps the server's data in PostgreSQL, Temporal's own supported SQL
// store (plugin "postgres12"), instead of the SQLite file.
type Postgres struct {
	// DSN is the main database: postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…].
	// Without a password in it, PGPASSWORD is used. The database is created when
	// missing (the user must be allowed to), then its schema set up or updated.
	DSN string
	// VisibilityDSN is the visibility database; empty is DSN's with the database
	// name followed by "_visibility".
	VisibilityDSN string
	// HistoryShards is the shard count of a new cluster (default 4); an existing
	// cluster's must be given again unchanged.
	HistoryShards int32
	// MaxConns bounds each of the server's 8 connection pools (each of its four
	// services, frontend, history, matching and worker, has one to each
	// database; default
	// DefaultPGMaxConns), so the server holds at most 8 × MaxConns
	// connections. A PostgreSQL that refuses one at start-up (max_connections
	// reached) makes the Temporal server exit.
	MaxConns int
}

// pgConfig turns a postgres:// URL into the server's SQL config.
func pgConfig(dsn string, maxConns int) (*config.SQL, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", redactURLError(err))
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("scheme %q: want postgres://USER@HOST:PORT/DB", u.Scheme)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return nil, errors.New("no host: want postgres://USER@HOST:PORT/DB")
	}
	if port == "" {
		port = "5432"
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return nil, fmt.Errorf("database name %q: want postgres://USER@HOST:PORT/DB", db)
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, errors.New("no user: want postgres://USER@HOST:PORT/DB")
	}
	password, ok := u.User.Password()
	if !ok {
		password = os.Getenv("PGPASSWORD")
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("connection parameters: %w", err)
	}
	attrs := map[string]string{}
	for k, v := range query {
		if len(v) != 1 {
			return nil, fmt.Errorf("connection parameter %s given %d times", k, len(v))
		}
		attrs[k] = v[0]
	}
	return &config.SQL{
		PluginName:        pgplugin.PluginName,
		ConnectProtocol:   "tcp",
		ConnectAddr:       net.JoinHostPort(host, port),
		User:              u.User.Username(),
		Password:          password,
		DatabaseName:      db,
		ConnectAttributes: attrs,
		MaxConns:          maxConns,
		MaxIdleConns:      maxConns,
	}, nil
}

// visibilityDSN is dsn with its database name followed by "_visibility".
func visibilityDSN(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("not a URL: %w", redactURLError(err))
	}
	u.Path += "_visibility"
	return u.String(), nil
}

// redactURLError drops the URL (and any password in it) from a parse error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// pgConnString is cfg as a pgx connection string to database db.
func pgConnString(cfg *config.SQL, db string) string {
	u := url.URL{Scheme: "postgres", Host: cfg.ConnectAddr, Path: "/" + db}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	} else {
		u.User = url.User(cfg.User)
	}
	q := url.Values{}
	for k, v := range cfg.ConnectAttributes {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ensurePGDatabase creates cfg's database when it does not exist, connected to
// the server's maintenance database "postgres".
func ensurePGDatabase(ctx context.Context, cfg *config.SQL) (created bool, err error) {
	conn, err := pgx.Connect(ctx, pgConnString(cfg, "postgres"))
	if err != nil {
		return false, fmt.Errorf("unable to reach PostgreSQL at %s as %s: %w", cfg.ConnectAddr, cfg.User, err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, cfg.DatabaseName).Scan(&exists); err != nil {
		return false, fmt.Errorf("unable to look up database %s: %w", cfg.DatabaseName, err)
	}
	if exists {
		return false, nil
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{cfg.DatabaseName}.Sanitize()); err != nil {
		return false, fmt.Errorf("unable to create database %s (create it, owned by %s, or grant CREATEDB): %w", cfg.DatabaseName, cfg.User, err)
	}
	return true, nil
}

// ensurePGSchema brings cfg's database to the schema the linked server wants,
// the way temporal-sql-tool does: setup-schema at version 0.0 (the version
// tables only), then update-schema through every versioned step of the
// embedded schemaName. On an up-to-date database both are no-ops; after a
// server upgrade the update applies the new steps.
func ensurePGSchema(cfg *config.SQL, schemaName string, logger tlog.Logger) error {
	conn, err := sqltool.NewConnection(cfg, logger)
	if err != nil {
		return fmt.Errorf("unable to connect to database %s: %w", cfg.DatabaseName, err)
	}
	defer conn.Close()
	if err := schema.NewSetupSchemaTask(conn, &schema.SetupConfig{InitialVersion: "0.0"}, logger).Run(); err != nil {
		return fmt.Errorf("unable to set up the schema version tables of %s: %w", cfg.DatabaseName, err)
	}
	if err := schema.NewUpdateSchemaTask(conn, &schema.UpdateConfig{DBName: cfg.DatabaseName, SchemaName: schemaName}, logger).Run(); err != nil {
		return fmt.Errorf("unable to update the schema of %s to %s: %w", cfg.DatabaseName, schemaName, err)
	}
	return nil
}

// lockPG takes a session-level advisory lock in cfg's database, held on a
// connection of its own while the server runs, so that a second caseflow server
// on the same database fails to start instead of fighting over its shards. The
// lock goes with the connection, also when the process is killed.
func lockPG(ctx context.Context, cfg *config.SQL) (unlock func() error, err error) {
	conn, err := pgx.Connect(ctx, pgConnString(cfg, cfg.DatabaseName))
	if err != nil {
		return nil, fmt.Errorf("unable to connect to database %s: %w", cfg.DatabaseName, err)
	}
	var got bool
	// The key is "caseflow" in ASCII: any fixed number the server never uses.
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(7161973945985214583)`).Scan(&got); err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("unable to lock database %s: %w", cfg.DatabaseName, err)
	}
	if !got {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("database %s is in use by another caseflow server", cfg.DatabaseName)
	}
	return func() error { return conn.Close(context.Background()) }, nil
}

// describePG names a database for logs, without its password.
func describePG(cfg *config.SQL) string {
	return "postgres://" + cfg.User + "@" + cfg.ConnectAddr + "/" + cfg.DatabaseName
}
