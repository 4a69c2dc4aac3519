package calendar

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestZoneComesFromTheEmbeddedDatabase runs the calendar in a process whose
// zoneinfo (ZONEINFO, which time.LoadLocation prefers to any embedded data)
// says Europe/Moscow is UTC: the calendar must still count Moscow's hours, so a
// case replayed on a host with other zone data computes the same deadlines.
func TestZoneComesFromTheEmbeddedDatabase(t *testing.T) {
	if os.Getenv("CASEFLOW_ZONE_CHILD") == "1" {
		// The host's zoneinfo is the fake one: the standard library reads it.
		host, err := time.LoadLocation("Europe/Moscow")
		require.NoError(t, err)
		_, hostOffset := time.Date(2026, 3, 2, 12, 0, 0, 0, host).Zone()
		require.Zero(t, hostOffset, "the child process sees the fake host zoneinfo")

		cal := &Calendar{Name: "default", Zone: "Europe/Moscow", Hours: DefaultWeek()}
		require.NoError(t, cal.Validate())
		start := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC) // Monday 09:00 in Moscow
		p, err := ParsePolicy("p", "3 working hours", "default")
		require.NoError(t, err)
		due, err := p.Apply(cal, start)
		require.NoError(t, err)
		require.Equal(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), due.UTC(), "Moscow is UTC+3 whatever the host says")
		return
	}
	// A zoneinfo directory whose Europe/Moscow is UTC's data.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "Europe"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Europe", "Moscow"), utcTZif(t), 0o644))

	cmd := exec.Command(os.Args[0], "-test.run=^TestZoneComesFromTheEmbeddedDatabase$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CASEFLOW_ZONE_CHILD=1", "ZONEINFO="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// utcTZif is the embedded database's Etc/UTC file.
func utcTZif(t *testing.T) []byte {
	t.Helper()
	r, err := zipReader()
	require.NoError(t, err)
	f, err := r.Open("Etc/UTC")
	require.NoError(t, err)
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := f.Read(buf)
	require.Positive(t, n)
	return buf[:n]
}

func TestLoadZoneRefusesAnUnknownZone(t *testing.T) {
	_, err := LoadZone("Europe/Atlantis")
	require.ErrorContains(t, err, `zone "Europe/Atlantis": unknown time zone`)
	loc, err := LoadZone("Asia/Yekaterinburg")
	require.NoError(t, err)
	_, off := time.Date(2026, 1, 1, 0, 0, 0, 0, loc).Zone()
	require.Equal(t, 5*3600, off)
}
