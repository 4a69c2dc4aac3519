package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/store"
)

// testConsoleSessions: a session is found while used, ends after 30 idle
// minutes or 12 hours whatever its use, and on logout.
func testConsoleSessions(t *testing.T, dsn string) {
	ctx := context.Background()
	now := t0
	s, err := store.Open(ctx, dsn, store.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	const idle, maxAge = 30 * time.Minute, 12 * time.Hour

	require.NoError(t, s.CreateSession(ctx, "sid-1", "operator-1", "operator"))
	_, ok, err := s.TouchSession(ctx, "sid-unknown", idle, maxAge)
	require.NoError(t, err)
	assert.False(t, ok)

	// Used every 20 minutes it lives until 12 hours, then ends.
	for now.Sub(t0) < maxAge-20*time.Minute {
		now = now.Add(20 * time.Minute)
		got, ok, err := s.TouchSession(ctx, "sid-1", idle, maxAge)
		require.NoError(t, err)
		require.True(t, ok, "at %s", now.Sub(t0))
		assert.Equal(t, store.Session{Caller: "operator-1", Role: "operator", Created: t0, Seen: now}, got)
	}
	now = t0.Add(maxAge + time.Minute)
	_, ok, err = s.TouchSession(ctx, "sid-1", idle, maxAge)
	require.NoError(t, err)
	assert.False(t, ok, "no session outlives 12 hours")

	require.NoError(t, s.CreateSession(ctx, "sid-2", "expert-1", "expert"))
	now = now.Add(31 * time.Minute)
	_, ok, err = s.TouchSession(ctx, "sid-2", idle, maxAge)
	require.NoError(t, err)
	assert.False(t, ok, "30 idle minutes end a session")

	require.NoError(t, s.CreateSession(ctx, "sid-3", "expert-1", "expert"))
	require.NoError(t, s.DeleteSession(ctx, "sid-3"))
	_, ok, err = s.TouchSession(ctx, "sid-3", idle, maxAge)
	require.NoError(t, err)
	assert.False(t, ok, "logout ends a session")

	require.NoError(t, s.CreateSession(ctx, "sid-4", "expert-1", "expert"))
	require.NoError(t, s.CreateSession(ctx, "sid-5", "expert-1", "expert"))
	now = now.Add(time.Minute)
	_, ok, err = s.TouchSession(ctx, "sid-5", idle, maxAge)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, s.PurgeSessions(ctx, now.Add(-time.Second)))
	_, ok, err = s.TouchSession(ctx, "sid-4", 24*time.Hour, 24*time.Hour)
	require.NoError(t, err)
	assert.False(t, ok, "a purge deletes the sessions last seen before its cutoff")
	_, ok, err = s.TouchSession(ctx, "sid-5", idle, maxAge)
	require.NoError(t, err)
	assert.True(t, ok, "and keeps the others")
}
