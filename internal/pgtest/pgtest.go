// Package pgtest gives tests the machine's PostgreSQL: the DSN in
// CASEFLOW_TEST_POSTGRES (make test and .ci/run set it) and an admin
// connection to it. Without one a test skips, saying why — except in CI
// (CI=true), where the PostgreSQL paths must be tested and it fails.
//
// A test that runs a Temporal server on that PostgreSQL takes it with Temporal
// instead of Admin: such a server holds dozens of connections (up to
// four services × two stores × their pool), and two at once, in test packages
// go test runs side by side, can use up a stock server's max_connections
// (100). The server then refuses a connection Temporal needs at start-up, and
// Temporal exits the whole test binary.
package pgtest

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection
)

// Env names the variable that holds the DSN.
const Env = "CASEFLOW_TEST_POSTGRES"

// Admin returns the DSN and an open connection to its server, closed when the
// test ends; it skips (fails in CI) when no DSN is set or no server answers.
func Admin(t testing.TB) (string, *sql.DB) {
	t.Helper()
	inCI := os.Getenv("CI") == "true"
	dsn := os.Getenv(Env)
	if dsn == "" {
		if inCI {
			t.Fatal(Env + " is not set in CI: .ci/run sets it, the PostgreSQL paths must be tested there")
		}
		t.Skip(Env + " not set: set it to a PostgreSQL DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) whose user may create databases")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		if inCI {
			t.Fatalf("no PostgreSQL server answers %s in CI (.ci/run starts one): %v", Env, err)
		}
		t.Skipf("%s is set but no PostgreSQL server answers: %v", Env, err)
	}
	return dsn, db
}

// temporalLock is the PostgreSQL advisory lock key Temporal holds: the bytes
// of "caseflow" read as a big-endian integer.
const temporalLock int64 = 0x63617365666c6f77

// Temporal is Admin for a test that runs a Temporal server on the database: it
// also waits for, and holds until the test ends, a session-level advisory lock
// on the server that every such test takes, in whatever process it runs. One
// Temporal on PostgreSQL runs at a time; a test that waited says how long.
func Temporal(t testing.TB) (string, *sql.DB) {
	t.Helper()
	dsn, admin := Admin(t)
	// A session-level lock lives on one connection: the admin pool's, held.
	ctx := context.Background()
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatalf("%s: a connection for the Temporal lock: %v", Env, err)
	}
	began := time.Now()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, temporalLock); err != nil {
		_ = conn.Close()
		t.Fatalf("%s: the Temporal lock: %v", Env, err)
	}
	if waited := time.Since(began); waited > time.Second {
		t.Logf("waited %s for another test's Temporal on PostgreSQL to finish", waited.Round(time.Second))
	}
	// Registered after Admin's cleanup (which closes the pool) and before the
	// caller's, so it runs after the caller's (dropping its databases) and
	// before Admin's.
	t.Cleanup(func() {
		_, _ = conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, temporalLock)
		_ = conn.Close()
	})
	return dsn, admin
}
