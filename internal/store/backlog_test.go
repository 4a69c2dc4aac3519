package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/store"
)

// testMailBacklog: pending letters wait, the oldest by its first reservation;
// sent and failed ones do not, and a re-reserved letter keeps its age.
func testMailBacklog(t *testing.T, dsn string) {
	ctx := context.Background()
	now := t0
	s, err := store.Open(ctx, dsn, store.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	b, err := s.MailBacklog(ctx)
	require.NoError(t, err)
	assert.Equal(t, store.MailBacklog{}, b, "an empty outbox has nothing waiting")

	letter := func(key string) activities.Mail {
		return activities.Mail{Key: key, CaseID: "case-1", Step: key, From: "caseflow@example.com", To: []string{"a@example.com"}, Subject: "s", Body: "b"}
	}
	for i, key := range []string{"k-1", "k-2", "k-3", "k-4"} {
		now = t0.Add(time.Duration(i) * time.Minute)
		_, _, err := s.ReserveMail(ctx, letter(key), "<"+key+"@caseflow>")
		require.NoError(t, err)
	}
	_, err = s.MarkMailSent(ctx, "k-1", now)
	require.NoError(t, err)
	require.NoError(t, s.MarkMailFailed(ctx, "k-4", "550 refused"))
	now = t0.Add(time.Hour)
	_, _, err = s.ReserveMail(ctx, letter("k-2"), "<k-2@caseflow>") // a retry
	require.NoError(t, err)

	b, err = s.MailBacklog(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, b.Waiting, "k-2 and k-3 wait; k-1 is sent, k-4 failed")
	assert.True(t, b.Oldest.Equal(t0.Add(time.Minute)), "the oldest waiting letter is k-2, reserved first at t0+1m: %v", b.Oldest)
}
