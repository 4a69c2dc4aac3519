package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs caseflow with args and returns stdout, stderr and the error.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "caseflow.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

const testConfig = `
temporal: {address: localhost:7233}
calendars:
  ural:
    zone: Asia/Yekaterinburg
sla:
  plc.verdict: 4 working hours
`

func TestCalendarCLI(t *testing.T) {
	config := writeConfig(t, testConfig)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"workdays 2025", []string{"calendar", "workdays", "--year", "2025"}, "247\n"},
		{"workdays 2026", []string{"calendar", "workdays", "--year=2026"}, "247\n"},
		{"workdays 24x7", []string{"calendar", "workdays", "--year", "2024", "--calendar", "24x7"}, "366\n"},
		{"shared flags before the subcommand", []string{"calendar", "--calendar", "24x7", "workdays", "--year", "2025"}, "365\n"},
		{"working hours, ends at closing", []string{"calendar", "add", "--from", "2025-12-30T15:00:00+03:00", "--working-hours", "3"},
			"2025-12-30T18:00:00+03:00\n"},
		{"working hours over the New Year break, start in UTC", []string{"calendar", "add", "--from", "2025-12-30T12:00:00Z", "--working-hours", "4"},
			"2026-01-12T10:00:00+03:00\n"},
		{"working minutes", []string{"calendar", "add", "--from", "2025-10-17T17:45:00+03:00", "--working-minutes", "30"},
			"2025-10-20T09:15:00+03:00\n"},
		{"working days", []string{"calendar", "add", "--from", "2025-12-26T14:30:00+03:00", "--working-days", "3"},
			"2026-01-12T14:30:00+03:00\n"},
		{"working days back", []string{"calendar", "add", "--from", "2025-10-21T12:00:00+03:00", "--working-days", "-1"},
			"2025-10-20T12:00:00+03:00\n"},
		{"policy", []string{"calendar", "add", "--from", "2025-10-17T19:00:00+03:00", "--policy", "plc.customer_callback"},
			"2025-10-20T18:00:00+03:00\n"},
		{"policy from the config", []string{"calendar", "add", "--config", config, "--from", "2025-12-30T15:00:00+03:00", "--policy", "plc.verdict"},
			"2026-01-12T10:00:00+03:00\n"},
		{"calendar from the config", []string{"calendar", "add", "--config", config, "--calendar", "ural", "--from", "2025-12-30T15:00:00+03:00", "--working-hours", "3"},
			"2026-01-12T11:00:00+05:00\n"},
		{"24x7", []string{"calendar", "add", "--calendar", "24x7", "--from", "2025-12-31T23:00:00+03:00", "--working-hours", "2"},
			"2026-01-01T01:00:00+03:00\n"},
		{"verbose", []string{"calendar", "add", "--from", "2025-12-30T16:00:00+03:00", "--policy", "plc.verdict", "--verbose"},
			"2026-01-12T10:00:00+03:00\nstart     2025-12-30T16:00:00+03:00\npolicy    plc.verdict\nduration  3 working hours\ncalendar  default (version "},
		{"policies", []string{"calendar", "policies"}, "consultation.post_call     5 minutes           default\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runCLI(t, tt.args...)
			require.NoError(t, err, errOut)
			assert.True(t, strings.HasPrefix(out, tt.want), "got %q, want %q", out, tt.want)
			assert.Empty(t, errOut)
		})
	}
}

func TestCalendarShow(t *testing.T) {
	out, errOut, err := runCLI(t, "calendar", "show", "--month", "2026-05")
	require.NoError(t, err, errOut)
	assert.Equal(t, `May 2026, calendar default (Europe/Moscow)
 Mo   Tu   We   Th   Fr   Sa   Su
                      1x   2-   3-
  4    5    6    7    8s   9-  10-
 11x  12   13   14   15   16-  17-
 18   19   20   21   22   23-  24-
 25   26   27   28   29   30-  31-
x day off (holiday or moved)  - weekend  s shortened by an hour  + worked weekend day
working days 19, days off 12, shortened 1, hours of a 40-hour week 151
`, out)

	out, _, err = runCLI(t, "calendar", "show", "--month", "2025-11")
	require.NoError(t, err)
	assert.Contains(t, out, "\n                           1+s  2-\n  3x   4x   5    6 ")
}

func TestCalendarWarnings(t *testing.T) {
	out, errOut, err := runCLI(t, "calendar", "workdays", "--year", "2027")
	require.NoError(t, err)
	assert.Equal(t, "249\n", out)
	assert.Equal(t, "warning: calendar default: no production-calendar data for 2027, using Labour Code art. 112 holidays\n", errOut)

	out, errOut, err = runCLI(t, "calendar", "add", "--from", "2026-12-30T17:00:00+03:00", "--working-hours", "2")
	require.NoError(t, err)
	assert.Equal(t, "2027-01-11T10:00:00+03:00\n", out)
	assert.Contains(t, errOut, "no production-calendar data for 2027")
}

func TestCalendarCLIErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad from", []string{"calendar", "add", "--from", "30.12.2025 15:00", "--working-hours", "3"}, `invalid value "30.12.2025 15:00" for flag -from: want RFC 3339`},
		{"bad hours", []string{"calendar", "add", "--from", "2025-12-30T15:00:00+03:00", "--working-hours", "three"}, `invalid value "three" for flag -working-hours`},
		{"huge days", []string{"calendar", "add", "--from", "2025-12-30T15:00:00+03:00", "--working-days", "99999999"}, `invalid value "99999999" for flag --working-days`},
		{"nothing to add", []string{"calendar", "add", "--from", "2025-12-30T15:00:00+03:00"}, "give one of --working-hours"},
		{"two things to add", []string{"calendar", "add", "--working-days", "1", "--working-hours", "3"}, "give only one of --working-hours, --working-days"},
		{"unknown policy", []string{"calendar", "add", "--policy", "plc.nope"}, `--policy plc.nope: unknown SLA policy "plc.nope"`},
		{"policy with a calendar", []string{"calendar", "add", "--policy", "plc.verdict", "--calendar", "24x7"}, "drop --calendar"},
		{"unknown calendar", []string{"calendar", "workdays", "--year", "2025", "--calendar", "moon"}, `--calendar moon: unknown calendar "moon" (have 24x7, business_line, default)`},
		{"no year", []string{"calendar", "workdays"}, "--year is required"},
		{"bad year", []string{"calendar", "workdays", "--year", "0"}, `invalid value "0" for flag --year`},
		{"bad month", []string{"calendar", "show", "--month", "2026-13"}, `invalid value "2026-13" for flag -month: want YYYY-MM`},
		{"missing config", []string{"calendar", "workdays", "--year", "2025", "--config", "no-such-file.yaml"}, "no-such-file.yaml"},
		{"bad config", []string{"calendar", "workdays", "--year", "2025", "--config", writeConfig(t, "sla:\n  plc.verdict: soon\n")}, `sla plc.verdict: unable to parse "soon"`},
		{"stray argument", []string{"calendar", "workdays", "--year", "2025", "extra"}, "unexpected arguments: extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCLI(t, tt.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, out)
		})
	}
}
