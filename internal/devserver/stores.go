package devserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.temporal.io/server/common/config"
	tlog "go.temporal.io/server/common/log"
)

// stores is where a server keeps its data, made ready by prepareSQLite or
// preparePostgres, with the lock that keeps a second server off it.
type stores struct {
	main *config.SQL
	// visibility is nil when main holds visibility too (SQLite).
	visibility *config.SQL
	shards     int32
	// dbPath is the SQLite file, "" on PostgreSQL.
	dbPath string
	// describe names the data for logs, without secrets.
	describe string
	// created reports a schema made by this start.
	created bool
	unlock  func() error
}

// prepareSQLite makes the data dir and the SQLite file with its schema and
// namespace, and locks the dir.
func prepareSQLite(ctx context.Context, opts Options) (_ *stores, err error) {
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("unable to resolve data dir: %w", err)
	}
	// The server's SQLite plugin puts the path into a file: URI unescaped.
	if strings.ContainsAny(dataDir, "?#%") {
		return nil, fmt.Errorf("data dir %q: the characters ? # %% are not supported", dataDir)
	}
	// Histories hold workflow IDs and search attributes in clear: a new data dir
	// and database are the owner's alone.
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("unable to create data dir: %w", err)
	}
	unlock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = unlock()
		}
	}()
	dbPath := filepath.Join(dataDir, DBFile)
	f, err := os.OpenFile(dbPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("unable to open %s: %w", dbPath, err)
	}
	_ = f.Close()
	sqlCfg := sqlConfig(dbPath, opts.Synchronous)
	created, err := ensureSchema(ctx, sqlCfg)
	if err != nil {
		return nil, err
	}
	if err := ensureNamespace(sqlCfg, opts.Namespace, opts.Retention, opts.SearchAttributes); err != nil {
		return nil, err
	}
	return &stores{main: sqlCfg, shards: 1, dbPath: dbPath, describe: dbPath, created: created, unlock: unlock}, nil
}

// preparePostgres creates the two databases when missing, locks the main one,
// brings both schemas up to date and registers the namespace.
func preparePostgres(ctx context.Context, opts Options, logger tlog.Logger) (_ *stores, err error) {
	pg := opts.Postgres
	maxConns := pg.MaxConns
	switch {
	case maxConns == 0:
		maxConns = DefaultPGMaxConns
	case maxConns < 0:
		return nil, fmt.Errorf("devserver: negative PostgreSQL MaxConns %d", maxConns)
	}
	main, err := pgConfig(pg.DSN, maxConns)
	if err != nil {
		return nil, fmt.Errorf("devserver: PostgreSQL DSN: %w", err)
	}
	visDSN := pg.VisibilityDSN
	if visDSN == "" {
		if visDSN, err = visibilityDSN(pg.DSN); err != nil {
			return nil, fmt.Errorf("devserver: PostgreSQL DSN: %w", err)
		}
	}
	vis, err := pgConfig(visDSN, maxConns)
	if err != nil {
		return nil, fmt.Errorf("devserver: PostgreSQL visibility DSN: %w", err)
	}
	if main.ConnectAddr == vis.ConnectAddr && main.DatabaseName == vis.DatabaseName {
		return nil, fmt.Errorf("devserver: the visibility database must not be the main one (%s): each keeps its own schema version", main.DatabaseName)
	}
	created := false
	for _, cfg := range []*config.SQL{main, vis} {
		made, err := ensurePGDatabase(ctx, cfg)
		if err != nil {
			return nil, err
		}
		created = created || made
	}
	unlock, err := lockPG(ctx, main)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = unlock()
		}
	}()
	if err := ensurePGSchema(main, pgSchema, logger); err != nil {
		return nil, err
	}
	if err := ensurePGSchema(vis, pgVisibilitySchema, logger); err != nil {
		return nil, err
	}
	if err := ensureNamespace(main, opts.Namespace, opts.Retention, opts.SearchAttributes); err != nil {
		return nil, err
	}
	shards := pg.HistoryShards
	switch {
	case shards == 0:
		shards = defaultPGShards
	case shards < 0:
		return nil, errors.New("devserver: negative HistoryShards")
	}
	return &stores{
		main: main, visibility: vis, shards: shards,
		describe: describePG(main) + " + " + describePG(vis), created: created, unlock: unlock,
	}, nil
}
