// Package store is caseflow's system of record: GSIS consultations and service
// requests, Usedesk tickets and comments, claim cards and their tasks, and the mail
// outbox. It implements activities.Records on SQLite (modernc.org/sqlite, pure Go)
// or PostgreSQL (pgx) with one SQL code path: queries are written with `?`
// placeholders and rebound per dialect; ON CONFLICT and RETURNING work in both.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/caseflow/caseflow/activities"

	// Database drivers: "pgx" for PostgreSQL, "sqlite" for SQLite.
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// Dialect names returned by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Store is the records store and outbox behind one database handle. It is safe for
// concurrent use by many goroutines and by several processes sharing the database.
type Store struct {
	db      *sql.DB
	dialect string
	now     func() time.Time
}

var _ activities.Records = (*Store)(nil)

// Option configures Open.
type Option func(*Store)

// WithClock sets the clock that stamps created_at, updated_at and the like when the
// caller leaves them zero. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// Open connects to the database named by dsn and brings its schema up to date.
//
// A dsn starting with postgres:// or postgresql:// opens PostgreSQL (any pgx
// connection URL, e.g. with ?sslmode=disable&search_path=caseflow). Anything else
// is SQLite: sqlite:PATH, file:PATH or a plain PATH; the file is created with its
// directory if missing and opened in WAL mode with a busy timeout and foreign keys.
// The SQLite file must be caseflow's own: Open refuses a Temporal database.
//
// Migrations are embedded and recorded in schema_migrations; two processes opening
// the same database at once are serialised (an advisory lock on PostgreSQL, an
// immediate write transaction on SQLite), so each migration runs exactly once.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	s := &Store{now: time.Now}
	for _, o := range opts {
		o(s)
	}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.dialect = DialectPostgres
		s.db, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("unable to open postgres store: %w", err)
		}
	default:
		s.dialect = DialectSQLite
		if s.db, err = openSQLite(dsn); err != nil {
			return nil, err
		}
	}
	if err := s.ping(ctx); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("unable to connect to %s store: %w", s.dialect, err)
	}
	if s.dialect == DialectSQLite {
		if err := s.refuseTemporalDB(ctx); err != nil {
			_ = s.db.Close()
			return nil, err
		}
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.db.Close()
		return nil, err
	}
	return s, nil
}

// ping makes the first connection. A new SQLite connection switching the file
// to WAL while another process or connection does the same can get
// SQLITE_BUSY at once, without SQLite calling its busy handler: such a
// connection is dropped and a new one tried, for up to the busy timeout.
func (s *Store) ping(ctx context.Context) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := s.db.PingContext(ctx)
		if err == nil || s.dialect != DialectSQLite || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// sqliteBusyTimeout is how long a connection waits for a busy file.
const sqliteBusyTimeout = 10 * time.Second

// sqlitePragmas are applied by the driver to every new connection. busy_timeout
// comes first (the driver sorts it so) so the others wait for a busy file too.
var sqlitePragmas = []string{
	"busy_timeout(10000)",
	"journal_mode(WAL)",
	"foreign_keys(1)",
	"synchronous(NORMAL)",
}

// openSQLite opens the SQLite file named by dsn (sqlite:PATH, file:PATH or PATH).
func openSQLite(dsn string) (*sql.DB, error) {
	path, query, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	memory := path == ":memory:"
	if !memory {
		// Records and letters are personal data: a new directory and file are the
		// owner's alone (SQLite gives its -wal and -shm files the file's mode).
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("unable to create the directory of %s: %w", path, err)
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("unable to open sqlite store %s: %w", path, err)
		}
		_ = f.Close()
	}
	for _, p := range sqlitePragmas {
		query.Add("_pragma", p)
	}
	// Every read-write transaction takes the write lock up front: a deferred one that
	// reads and then writes can fail with SQLITE_BUSY without waiting.
	query.Set("_txlock", "immediate")
	query.Set("_time_format", "sqlite")
	db, err := sql.Open("sqlite", path+"?"+query.Encode())
	if err != nil {
		return nil, fmt.Errorf("unable to open sqlite store %s: %w", path, err)
	}
	if memory {
		// Each connection to :memory: is a database of its own.
		db.SetMaxOpenConns(1)
	} else {
		// Writers queue on the file lock anyway; a few connections keep readers going.
		db.SetMaxOpenConns(8)
	}
	return db, nil
}

// sqlitePath splits an SQLite dsn into the file path and its query parameters.
func sqlitePath(dsn string) (string, url.Values, error) {
	rest := dsn
	switch {
	case strings.HasPrefix(rest, "sqlite://"):
		rest = strings.TrimPrefix(rest, "sqlite://")
	case strings.HasPrefix(rest, "sqlite:"):
		rest = strings.TrimPrefix(rest, "sqlite:")
	case strings.HasPrefix(rest, "file://"):
		rest = strings.TrimPrefix(rest, "file://")
	case strings.HasPrefix(rest, "file:"):
		rest = strings.TrimPrefix(rest, "file:")
	}
	path, rawQuery, _ := strings.Cut(rest, "?")
	if path == "" {
		return "", nil, fmt.Errorf("unable to open sqlite store: no file path in %q", dsn)
	}
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", nil, fmt.Errorf("unable to parse the parameters of %q: %w", dsn, err)
	}
	return path, query, nil
}

// refuseTemporalDB fails when the SQLite file holds Temporal's schema: caseflow's
// records never share a file with the embedded Temporal server.
func (s *Store) refuseTemporalDB(ctx context.Context) error {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master
		WHERE type = 'table' AND name IN ('executions', 'cluster_metadata_info', 'namespaces')`).Scan(&n)
	if err != nil {
		return fmt.Errorf("unable to inspect sqlite store: %w", err)
	}
	if n > 0 {
		return errors.New("unable to open sqlite store: the file is a Temporal database; give caseflow a file of its own")
	}
	return nil
}

// Close closes the database handle.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("unable to close store: %w", err)
	}
	return nil
}

// Dialect names the database behind the store: DialectSQLite or DialectPostgres.
func (s *Store) Dialect() string { return s.dialect }

// clock returns the store's current time as stored: UTC, microsecond precision
// (what PostgreSQL keeps), so a record reads back exactly as it was returned.
func (s *Store) clock() time.Time { return dbTime(s.now()) }

// dbTime normalises a time to what both databases store.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// orNow returns t normalised, or the store's clock when t is zero.
func (s *Store) orNow(t time.Time) time.Time {
	if t.IsZero() {
		return s.clock()
	}
	return dbTime(t)
}

// nullTime is the argument for a nullable timestamp column: NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return dbTime(t)
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// runner runs queries written with `?` placeholders against a database or a
// transaction, rebinding them for the dialect.
type runner struct {
	q  queryer
	pg bool
}

// rebind turns `?` placeholders into PostgreSQL's `$n`. Queries in this package
// never hold a literal question mark.
func (r runner) rebind(query string) string {
	if !r.pg || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (r runner) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.q.ExecContext(ctx, r.rebind(query), args...)
}

func (r runner) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.q.QueryContext(ctx, r.rebind(query), args...)
}

func (r runner) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, r.rebind(query), args...)
}

// r runs outside any transaction.
func (s *Store) r() runner { return runner{q: s.db, pg: s.dialect == DialectPostgres} }

// inTx runs fn in a read-write transaction, committing when fn returns nil. On
// SQLite the transaction holds the write lock from its first statement.
func (s *Store) inTx(ctx context.Context, fn func(r runner) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("unable to begin transaction: %w", err)
	}
	if err := fn(runner{q: tx, pg: s.dialect == DialectPostgres}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("unable to commit transaction: %w", err)
	}
	return nil
}

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// queryOne returns the single row query selects, or found=false when there is none.
func queryOne[T any](ctx context.Context, r runner, scan func(rowScanner) (T, error), query string, args ...any) (T, bool, error) {
	v, err := scan(r.queryRow(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, false, nil
	}
	if err != nil {
		var zero T
		return zero, false, err
	}
	return v, true, nil
}

// queryAll returns every row query selects; never nil, so JSON shows [] not null.
func queryAll[T any](ctx context.Context, r runner, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// timeCol scans a timestamp column of either dialect (and NULL) into a time.Time;
// SQLite hands back text where it cannot tell the column's declared type.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
		return nil
	case time.Time:
		*c.t = v.UTC()
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	}
	return fmt.Errorf("unable to scan %T into a time", src)
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700 MST",
}

func (c timeCol) parse(s string) error {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			*c.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("unable to parse time %q", s)
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded schema step, named NNNN_description.sql.
type migration struct {
	version int64
	name    string
	sql     string
}

// columnTypes fills the dialect-dependent types in the migrations.
var columnTypes = map[string]*strings.Replacer{
	DialectSQLite: strings.NewReplacer(
		"{{serial}}", "INTEGER PRIMARY KEY AUTOINCREMENT",
		"{{timestamp}}", "TIMESTAMP",
	),
	DialectPostgres: strings.NewReplacer(
		"{{serial}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
		"{{timestamp}}", "TIMESTAMPTZ",
	),
}

// loadMigrations reads the embedded migrations in version order.
func loadMigrations(dialect string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("unable to read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		if !ok {
			return nil, fmt.Errorf("unable to read migration %s: want NNNN_name.sql", e.Name())
		}
		v, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("unable to read migration %s: %w", e.Name(), err)
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("unable to read migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: columnTypes[dialect].Replace(string(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// splitStatements splits a migration into statements: each ends with `;` at the
// end of a line; `--` comment lines are dropped.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

// migrationLockID is the PostgreSQL advisory lock that serialises migrations
// ("caseflow" in ASCII).
const migrationLockID int64 = 0x63617365666c6f77

// migrate applies the embedded migrations not yet in schema_migrations, all in one
// transaction that first takes the migration lock.
func (s *Store) migrate(ctx context.Context) error {
	migrations, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(r runner) error {
		if r.pg {
			if _, err := r.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, migrationLockID); err != nil {
				return fmt.Errorf("unable to take the migration lock: %w", err)
			}
		}
		ddl := columnTypes[s.dialect].Replace(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version    BIGINT PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at {{timestamp}} NOT NULL
		)`)
		if _, err := r.exec(ctx, ddl); err != nil {
			return fmt.Errorf("unable to create schema_migrations: %w", err)
		}
		applied := map[int64]bool{}
		versions, err := queryAll(ctx, r, func(row rowScanner) (int64, error) {
			var v int64
			return v, row.Scan(&v)
		}, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("unable to read schema_migrations: %w", err)
		}
		for _, v := range versions {
			applied[v] = true
		}
		for _, m := range migrations {
			if applied[m.version] {
				continue
			}
			for _, stmt := range splitStatements(m.sql) {
				if _, err := r.exec(ctx, stmt); err != nil {
					return fmt.Errorf("unable to apply migration %s: %w", m.name, err)
				}
			}
			if _, err := r.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, s.clock()); err != nil {
				return fmt.Errorf("unable to record migration %s: %w", m.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("unable to migrate %s store: %w", s.dialect, err)
	}
	return nil
}
