package devserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/persistence"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/schema"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"
)

// schemaFiles are the SQLite schema files embedded in the server module, the
// same ones go.temporal.io/server/schema/sqlite applies.
var schemaFiles = []string{
	"sqlite/v3/temporal/schema.sql",
	"sqlite/v3/visibility/schema.sql",
}

// sqlConfig is the server's SQLite store: one connection (the server's SQLite
// plugin shares it between all services) to a WAL-mode file.
func sqlConfig(dbPath, synchronous string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: dbPath,
		MaxConns:     1,
		MaxIdleConns: 1,
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  synchronous,
			"busy_timeout": "10000",
		},
	}
}

// dsn builds the data source name the way the server's SQLite plugin does, so
// that both open the same file with the same pragmas.
func dsn(cfg *config.SQL) string {
	keys := make([]string, 0, len(cfg.ConnectAttributes))
	for k := range cfg.ConnectAttributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	v := url.Values{}
	for _, k := range keys {
		switch k {
		case "cache", "immutable", "mode", "modeof", "nolock", "psow", "setup", "vfs":
			v.Set(k, cfg.ConnectAttributes[k])
		default:
			v.Add("_pragma", k+"="+cfg.ConnectAttributes[k])
		}
	}
	v.Add("_time_format", "sqlite")
	return "file:" + cfg.DatabaseName + "?" + v.Encode()
}

// ensureSchema creates the Temporal schema when the database has none. It runs
// every statement in one transaction, so a start killed half-way leaves an empty
// database that the next start sets up again, never a half-made schema.
func ensureSchema(ctx context.Context, cfg *config.SQL) (created bool, err error) {
	db, err := sql.Open("sqlite", dsn(cfg))
	if err != nil {
		return false, fmt.Errorf("unable to open %s: %w", cfg.DatabaseName, err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()

	var n int
	err = db.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'cluster_metadata_info'`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("unable to read %s: %w", cfg.DatabaseName, err)
	}
	if n > 0 {
		return false, nil
	}

	readers := make([]io.Reader, 0, len(schemaFiles))
	for _, name := range schemaFiles {
		b, err := fs.ReadFile(schema.Assets(), name)
		if err != nil {
			return false, fmt.Errorf("unable to read embedded schema: %w", err)
		}
		readers = append(readers, strings.NewReader(string(b)))
	}
	stmts, err := persistence.LoadAndSplitQueryFromReaders(readers)
	if err != nil {
		return false, fmt.Errorf("unable to parse embedded schema: %w", err)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("unable to create schema: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("unable to create schema: %q: %w", stmt, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("unable to create schema: %w", err)
	}
	return true, nil
}

// ensureNamespace registers the namespace, with its search attributes and
// retention, unless it exists already.
func ensureNamespace(cfg *config.SQL, namespace string, retention time.Duration, sas map[string]enumspb.IndexedValueType) error {
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, namespace, false, sas)
	if err != nil {
		return fmt.Errorf("unable to configure namespace %q: %w", namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(retention)
	if err := sqliteschema.CreateNamespaces(cfg, ns); err != nil {
		return fmt.Errorf("unable to create namespace %q: %w", namespace, err)
	}
	return nil
}
