package workflows

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func encodeEnv(t *testing.T, env CaseEnv) []byte {
	t.Helper()
	raw, err := json.Marshal(env)
	require.NoError(t, err)
	return raw
}

// TestCasesShareTheirDecodedConfiguration checks that two cases started with the
// same configuration hold one decoded snapshot, that it is the configuration
// they were started with, and that a different configuration gets its own.
func TestCasesShareTheirDecodedConfiguration(t *testing.T) {
	c := newEnvCache(8)
	raw := encodeEnv(t, testEnv())
	var a, b CaseEnv
	require.NoError(t, c.decode(raw, &a))
	require.NoError(t, c.decode(raw, &b))
	assert.Same(t, a.Calendars, b.Calendars, "the second case must reuse the first one's calendars")
	assert.JSONEq(t, string(raw), string(encodeEnv(t, b)), "the shared snapshot must be the configuration the case started with")

	other := testEnv()
	other.Directory.PreferredASC = "АСЦ Юг"
	var o CaseEnv
	require.NoError(t, c.decode(encodeEnv(t, other), &o))
	assert.NotSame(t, a.Calendars, o.Calendars)
	assert.Equal(t, "АСЦ Юг", o.Directory.PreferredASC)
	assert.Equal(t, "МСС", a.Directory.PreferredASC, "another configuration must not change the first one")

	start := time.Date(2026, 12, 30, 16, 0, 0, 0, time.UTC)
	want, err := testEnv().Calendars.Due(PolicyPLCVerdict, start)
	require.NoError(t, err)
	got, err := b.Calendars.Due(PolicyPLCVerdict, start)
	require.NoError(t, err)
	assert.Equal(t, want, got, "a shared snapshot computes the deadlines of a fresh one")
}

// TestSharedConfigurationIsBounded checks that past the bound a snapshot is
// still decoded, for its case alone.
func TestSharedConfigurationIsBounded(t *testing.T) {
	c := newEnvCache(2)
	envs := make([][]byte, 3)
	for i, asc := range []string{"А", "Б", "В"} {
		env := testEnv()
		env.Directory.PreferredASC = asc
		envs[i] = encodeEnv(t, env)
		var e CaseEnv
		require.NoError(t, c.decode(envs[i], &e))
		assert.Equal(t, asc, e.Directory.PreferredASC)
	}
	assert.Len(t, c.m, 2)
	var x, y CaseEnv
	require.NoError(t, c.decode(envs[2], &x))
	require.NoError(t, c.decode(envs[2], &y))
	assert.Equal(t, "В", y.Directory.PreferredASC)
	assert.NotSame(t, x.Calendars, y.Calendars, "a snapshot past the bound is not kept")
}

// TestSharedConfigurationUnderConcurrentCases decodes and uses one snapshot
// from many goroutines, as a worker's workflows do; run with -race it proves
// the sharing read-only.
func TestSharedConfigurationUnderConcurrentCases(t *testing.T) {
	c := newEnvCache(8)
	raw := encodeEnv(t, testEnv())
	start := time.Date(2026, 11, 30, 11, 41, 0, 0, time.UTC)
	want, err := testEnv().Calendars.Due(PolicyPLCVerdict, start)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	dues := make([]time.Time, 8)
	for i := range errs {
		wg.Go(func() {
			var e CaseEnv
			if errs[i] = c.decode(raw, &e); errs[i] != nil {
				return
			}
			d, err := e.Calendars.Due(PolicyPLCVerdict, start)
			errs[i], dues[i] = err, d.Due
			_ = e.Directory.Engineer("washing_machine")
		})
	}
	wg.Wait()
	for i := range errs {
		require.NoError(t, errs[i])
		assert.True(t, want.Due.Equal(dues[i]), "goroutine %d: due %v, want %v", i, dues[i], want.Due)
	}
}

// TestDecodingABrokenSnapshotFails checks that a snapshot that does not decode is
// an error and is not kept.
func TestDecodingABrokenSnapshotFails(t *testing.T) {
	c := newEnvCache(8)
	var e CaseEnv
	assert.Error(t, c.decode([]byte(`{"calendars":{"calendars":{"x":{"name":"x","zone":"Mars/Olympus"}}}}`), &e))
	assert.Empty(t, c.m)
}
