package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the driver the embedded server's SQLite store uses
)

// sqliteDSN opens path with the pragmas the embedded server uses (devserver's
// sqlConfig: WAL journal, the given synchronous mode, a 10 s busy timeout).
func sqliteDSN(path, synchronous string) string {
	v := url.Values{}
	v.Set("mode", "rwc")
	v.Add("_pragma", "busy_timeout=10000")
	v.Add("_pragma", "journal_mode=wal")
	v.Add("_pragma", "synchronous="+synchronous)
	v.Add("_time_format", "sqlite")
	return "file:" + path + "?" + v.Encode()
}

// commitRate measures how many small multi-statement transactions this machine
// commits per second into a fresh SQLite file in dir, with the server's pragmas,
// on one connection as the server has: an insert of a 300-byte row, an update and
// a second insert per transaction, as a workflow task's persistence does.
func commitRate(ctx context.Context, dir, synchronous string, d time.Duration) (float64, error) {
	db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(dir, "commit-probe.db"), synchronous))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, shard INTEGER, data BLOB)`,
		`CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY, version INTEGER, data BLOB)`,
		`CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, kind INTEGER, data BLOB)`,
		`INSERT OR IGNORE INTO state (id, version, data) VALUES (1, 0, x'00')`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return 0, fmt.Errorf("commit probe: %w", err)
		}
	}
	blob := make([]byte, 300)
	_, _ = rand.Read(blob)
	began := time.Now()
	n := 0
	for time.Since(began) < d {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, fmt.Errorf("commit probe: %w", err)
		}
		_, err1 := tx.ExecContext(ctx, `INSERT INTO events (shard, data) VALUES (1, ?)`, blob)
		_, err2 := tx.ExecContext(ctx, `UPDATE state SET version = version + 1, data = ? WHERE id = 1`, blob[:100])
		_, err3 := tx.ExecContext(ctx, `INSERT INTO tasks (kind, data) VALUES (1, ?)`, blob[:50])
		if err := errors.Join(err1, err2, err3); err != nil {
			_ = tx.Rollback()
			return 0, fmt.Errorf("commit probe: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return 0, fmt.Errorf("commit probe: %w", err)
		}
		n++
	}
	return float64(n) / time.Since(began).Seconds(), nil
}

// dbUsage is the size of the server's SQLite store: its files and the bytes of
// the pages in use.
type dbUsage struct {
	// Files is the database file plus its WAL.
	Files int64
	// Used is (page_count - freelist_count) * page_size, read through a second
	// connection that sees what the WAL holds: the data, whatever the WAL's size
	// and the free pages SQLite will reuse.
	Used int64
}

// measureDB reads the usage of the SQLite database at path.
func measureDB(ctx context.Context, path string) (dbUsage, error) {
	u := dbUsage{Files: fileSize(path) + fileSize(path+"-wal")}
	v := url.Values{}
	v.Set("mode", "rw")
	v.Add("_pragma", "busy_timeout=10000")
	db, err := sql.Open("sqlite", "file:"+path+"?"+v.Encode())
	if err != nil {
		return u, err
	}
	defer db.Close()
	var pages, free, size int64
	for _, q := range []struct {
		pragma string
		v      *int64
	}{{"page_count", &pages}, {"freelist_count", &free}, {"page_size", &size}} {
		if err := db.QueryRowContext(ctx, "PRAGMA "+q.pragma).Scan(q.v); err != nil {
			return u, fmt.Errorf("unable to read %s: %w", q.pragma, err)
		}
	}
	u.Used = (pages - free) * size
	return u, nil
}
