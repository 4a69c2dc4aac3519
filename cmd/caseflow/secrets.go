package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Every local user reads a process's command line (ps, /proc): a password must
// come from the environment or a file, never from a flag value.

// refuseSecretArgs refuses a password on the command line: --smtp-password with
// a value, and a --records DSN that holds one.
func refuseSecretArgs(args []string) error {
	for i, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasValue && i+1 < len(args) {
			value = args[i+1]
		}
		switch name {
		case "smtp-password":
			return errors.New("--smtp-password on the command line is visible to every local user (ps): set CASEFLOW_SMTP_PASSWORD or give --smtp-password-file")
		case "records", "temporal-db", "temporal-visibility-db":
			if dsnHasPassword(value) {
				where := "set CASEFLOW_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
				if name != "temporal-visibility-db" {
					where += ", give --" + name + "-file"
				}
				return fmt.Errorf("--%s holds a password, visible to every local user (ps) on the command line: %s, or leave the password out and use PGPASSWORD or a .pgpass file", name, where)
			}
		case "temporal-api-key":
			return errors.New("--temporal-api-key on the command line is visible to every local user (ps): set CASEFLOW_TEMPORAL_API_KEY or give --temporal-api-key-file")
		}
	}
	return nil
}

// dsnHasPassword reports whether a PostgreSQL DSN (URL or key=value form) holds
// a password.
func dsnHasPassword(dsn string) bool {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return true // unparsable: rather refused than shown
		}
		if _, ok := u.User.Password(); ok {
			return true
		}
		return u.Query().Has("password")
	}
	for _, f := range strings.Fields(dsn) {
		if k, _, ok := strings.Cut(f, "="); ok && strings.EqualFold(strings.TrimSpace(k), "password") {
			return true
		}
	}
	return false
}

// readSecretFile reads a secret from a file, without the line end.
func readSecretFile(flagName, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flagName, err)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("%s: %s is empty", flagName, path)
	}
	return v, nil
}

// recordsFlags name the records database: --records, or --records-file for a
// DSN that holds a password.
type recordsFlags struct {
	records, file string
}

func (r *recordsFlags) register(fs *flag.FlagSet, usage string) {
	fs.StringVar(&r.records, "records", "", usage)
	fs.StringVar(&r.file, "records-file", "", "file holding the records database DSN (for a postgres:// DSN with a password)")
}

// dsn is the records database DSN.
func (r *recordsFlags) dsn() (string, error) {
	switch {
	case r.records != "" && r.file != "":
		return "", errors.New("give --records or --records-file, not both")
	case r.file != "":
		return readSecretFile("--records-file", r.file)
	case r.records == "":
		return "", errors.New("--records is required (a SQLite file or postgres:// DSN; --records-file for one with a password)")
	}
	return r.records, nil
}
