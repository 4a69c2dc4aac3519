// Package pgtest gives tests the machine's PostgreSQL: the DSN in
// CASEFLOW_TEST_POSTGRES (make test and .ci/run set it) and an admin
// connection to it. Without one a test skips, saying why — except in CI
// (CI=true), where the PostgreSQL paths must be tested and it fails.
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
