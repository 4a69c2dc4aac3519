package devserver_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/caseflow/caseflow/internal/devserver"
	"github.com/caseflow/caseflow/internal/pgtest"
)

// postgresDB names a fresh database on CASEFLOW_TEST_POSTGRES's server for the
// test's Temporal (devserver creates it and its _visibility twin) and drops
// both when the test ends. Without a server it skips, as the store tests do,
// but in CI.
func postgresDB(t *testing.T) string {
	t.Helper()
	dsn, admin := pgtest.Temporal(t)
	name := fmt.Sprintf("caseflow_devserver_%d_%d", os.Getpid(), time.Now().UnixNano())
	// pgtest closes admin after this and after letting go of its lock.
	t.Cleanup(func() {
		for _, db := range []string{name, name + "_visibility"} {
			if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + db + ` WITH (FORCE)`); err != nil {
				t.Errorf("drop database %s: %v", db, err)
			}
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// TestBadPostgresOptions: a DSN that cannot be Temporal's database is refused
// before any connection, naming what is wrong and never the password.
func TestBadPostgresOptions(t *testing.T) {
	for _, tc := range []struct{ dsn, visibility, want string }{
		{"mysql://temporal@db.example.com/temporal", "", `scheme "mysql"`},
		{"postgres://db.example.com/temporal", "", "no user"},
		{"postgres://temporal@db.example.com/", "", `database name ""`},
		{"postgres://temporal@:5432/temporal", "", "no host"},
		{"postgres://temporal:s3cret@db.example.com/temporal?x=%zz", "", "connection parameters"},
		{"postgres://temporal@db.example.com/temporal?sslmode=disable&sslmode=require", "", "sslmode given 2 times"},
		{"postgres://temporal@db.example.com/temporal", "postgres://temporal@db.example.com:5432/temporal", "must not be the main one"},
	} {
		_, err := devserver.Start(context.Background(), devserver.Options{
			Postgres:     &devserver.Postgres{DSN: tc.dsn, VisibilityDSN: tc.visibility},
			FrontendAddr: "127.0.0.1:0",
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.dsn, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error shows the password: %v", tc.dsn, err)
		}
	}
}
