package mail_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/mail"
	"github.com/caseflow/caseflow/internal/mail/smtptest"
	"github.com/caseflow/caseflow/internal/store"
)

var now = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func clock() time.Time { return now }

// newStore opens a fresh SQLite store for the test.
func newStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "caseflow.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newTransport returns an SMTP transport to srv.
func newTransport(t *testing.T, srv *smtptest.Server) *mail.SMTPTransport {
	t.Helper()
	tr, err := mail.NewSMTP(mail.SMTPConfig{Addr: srv.Addr(), TLS: mail.TLSNone, HelloName: "caseflow.test", Timeout: 5 * time.Second})
	require.NoError(t, err)
	return tr
}

func letter(key string) activities.Mail {
	return activities.Mail{
		Key:     key,
		CaseID:  "case-1",
		Step:    "acknowledge",
		To:      []string{"client@example.com", "second@example.com"},
		Cc:      []string{"supervisor@example.com"},
		Subject: "Ваше обращение № К-000123 принято",
		Body:    "Здравствуйте, Иван Петрович!\n\nВаше обращение зарегистрировано.\nСрок ответа — 3 рабочих дня.",
	}
}

func TestSendRussianLetter(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t)
	m := mail.New(newStore(t), newTransport(t, srv), "caseflow@example.com", clock)

	sent, err := m.Send(ctx, letter("case-1/acknowledge"))
	require.NoError(t, err)
	assert.False(t, sent.Duplicate)
	assert.Equal(t, mail.MessageID("case-1/acknowledge"), sent.MessageID)
	assert.Equal(t, now, sent.SentAt)
	assert.Equal(t, "caseflow@example.com", sent.From, "the service's sender fills an empty From")

	msgs, err := srv.WaitFor(1, 5*time.Second)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	got := msgs[0]
	assert.Equal(t, "Ваше обращение № К-000123 принято", got.Subject)
	assert.Equal(t, letter("").Body, got.Body)
	assert.Equal(t, "caseflow@example.com", got.From)
	assert.Equal(t, []string{"client@example.com", "second@example.com"}, got.To)
	assert.Equal(t, []string{"supervisor@example.com"}, got.Cc)
	assert.ElementsMatch(t, []string{"client@example.com", "second@example.com", "supervisor@example.com"}, got.Rcpt)
	assert.Equal(t, sent.MessageID, got.MessageID)
	assert.True(t, now.Equal(got.Date), "Date header is the send time, got %s", got.Date)
	assert.Contains(t, got.Header.Get("Subject"), "=?UTF-8?", "a Russian subject is RFC 2047 encoded on the wire")
	assert.Contains(t, got.Header.Get("Content-Type"), "text/plain")
	assert.Contains(t, got.Header.Get("Content-Type"), "UTF-8")
}

func TestSendTwiceSameKey(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t)
	st := newStore(t)
	m := mail.New(st, newTransport(t, srv), "caseflow@example.com", clock)

	first, err := m.Send(ctx, letter("k1"))
	require.NoError(t, err)
	second, err := m.Send(ctx, letter("k1"))
	require.NoError(t, err)
	assert.True(t, second.Duplicate)
	second.Duplicate = false
	assert.Equal(t, first, second, "a repeated key returns the stored letter")

	// Concurrent repeats of a new key deliver it once too.
	var wg sync.WaitGroup
	dups := make([]bool, 10)
	errs := make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			s, err := m.Send(ctx, letter("k2"))
			dups[i], errs[i] = s.Duplicate, err
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	fresh := 0
	for _, d := range dups {
		if !d {
			fresh++
		}
	}
	assert.Equal(t, 1, fresh, "exactly one of the concurrent sends delivers")

	time.Sleep(50 * time.Millisecond)
	assert.Len(t, srv.Messages(), 2)
	for id, n := range srv.CountByMessageID() {
		assert.Equal(t, 1, n, "message %s mailed %d times", id, n)
	}
	count, err := st.CountOutbox(ctx, "case-1")
	require.NoError(t, err)
	assert.Equal(t, 2, count)
}

func TestTransientFailureIsRetryable(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t)
	st := newStore(t)
	m := mail.New(st, newTransport(t, srv), "caseflow@example.com", clock)

	srv.FailNext(1)
	_, err := m.Send(ctx, letter("k"))
	require.Error(t, err)
	var perm *activities.PermanentError
	assert.False(t, errors.As(err, &perm), "a 451 is retryable: %v", err)
	assert.Contains(t, err.Error(), "451")
	row, err := st.GetMail(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, store.MailPending, row.Status)

	srv.SetDown(true)
	_, err = m.Send(ctx, letter("k"))
	require.Error(t, err)
	assert.False(t, errors.As(err, &perm), "a server that is down is retryable: %v", err)
	srv.SetDown(false)

	sent, err := m.Send(ctx, letter("k"))
	require.NoError(t, err)
	assert.False(t, sent.Duplicate)
	msgs, err := srv.WaitFor(1, 5*time.Second)
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)
	assert.Len(t, srv.Messages(), 1)
	assert.Equal(t, map[string]int{mail.MessageID("k"): 1}, srv.CountByMessageID())
	assert.Equal(t, "Ваше обращение № К-000123 принято", msgs[0].Subject)
	row, err = st.GetMail(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, store.MailSent, row.Status)
}

func TestPermanentRejection(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t)
	st := newStore(t)
	m := mail.New(st, newTransport(t, srv), "caseflow@example.com", clock)

	srv.RejectRecipient("second@example.com")
	_, err := m.Send(ctx, letter("k"))
	var perm *activities.PermanentError
	require.ErrorAs(t, err, &perm)
	assert.Contains(t, err.Error(), "550")
	row, err := st.GetMail(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, store.MailFailed, row.Status)
	assert.Contains(t, row.Error, "550")

	bad := letter("bad-address")
	bad.To = []string{"not an address"}
	_, err = m.Send(ctx, bad)
	require.ErrorAs(t, err, &perm)
	row, err = st.GetMail(ctx, "bad-address")
	require.NoError(t, err)
	assert.Equal(t, store.MailFailed, row.Status)

	noRcpt := letter("no-rcpt")
	noRcpt.To = nil
	_, err = m.Send(ctx, noRcpt)
	require.ErrorAs(t, err, &perm)

	time.Sleep(50 * time.Millisecond)
	assert.Empty(t, srv.Messages())
	count, err := st.CountOutbox(ctx, "")
	require.NoError(t, err)
	assert.Zero(t, count, "failed letters are not listed as sent")
}

func TestDevModeSendsNothing(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t)
	st := newStore(t)
	m := mail.New(st, nil, "caseflow@example.com", clock)

	sent, err := m.Send(ctx, letter("k"))
	require.NoError(t, err)
	assert.Equal(t, now, sent.SentAt)
	again, err := m.Send(ctx, letter("k"))
	require.NoError(t, err)
	assert.True(t, again.Duplicate)

	row, err := st.GetMail(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, store.MailSent, row.Status)
	listed, err := st.ListOutbox(ctx, store.OutboxQuery{CaseID: "case-1"})
	require.NoError(t, err)
	require.Len(t, listed, 1)
	assert.Equal(t, "Ваше обращение № К-000123 принято", listed[0].Subject)
	assert.Empty(t, srv.Messages(), "dev mode puts nothing on the wire")
}

// flakyOutbox fails the first MarkMailSent, as a crash between delivery and the
// outbox write would.
type flakyOutbox struct {
	*store.Store
	failed bool
}

func (f *flakyOutbox) MarkMailSent(ctx context.Context, key string, at time.Time) (activities.SentMail, error) {
	if !f.failed {
		f.failed = true
		return activities.SentMail{}, errors.New("database is gone")
	}
	return f.Store.MarkMailSent(ctx, key, at)
}

// TestRedeliveryKeepsMessageID pins down the documented at-least-once window: a
// letter delivered but not marked is delivered again, with the same Message-ID.
func TestRedeliveryKeepsMessageID(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t)
	m := mail.New(&flakyOutbox{Store: newStore(t)}, newTransport(t, srv), "caseflow@example.com", clock)

	_, err := m.Send(ctx, letter("k"))
	require.Error(t, err)
	_, err = m.Send(ctx, letter("k"))
	require.NoError(t, err)
	_, err = m.Send(ctx, letter("k"))
	require.NoError(t, err)
	_, err = srv.WaitFor(2, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{mail.MessageID("k"): 2}, srv.CountByMessageID())
}

func TestMessageID(t *testing.T) {
	id := mail.MessageID("wf-1/step")
	assert.Equal(t, id, mail.MessageID("wf-1/step"))
	assert.NotEqual(t, id, mail.MessageID("wf-1/other"))
	assert.Regexp(t, `^<[0-9a-f]{24}@caseflow>$`, id)
}

func TestNewSMTPConfig(t *testing.T) {
	for _, cfg := range []mail.SMTPConfig{
		{Addr: "no-port"},
		{Addr: "host:port"},
		{Addr: "host:25", TLS: "ssl3"},
	} {
		_, err := mail.NewSMTP(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
	for _, mode := range []string{"", mail.TLSNone, mail.TLSStartTLS, mail.TLSImplicit} {
		_, err := mail.NewSMTP(mail.SMTPConfig{Addr: "mail.example.com:587", TLS: mode, Username: "u", Password: "p"})
		assert.NoError(t, err, mode)
	}
}

// TestErrorsNameNoAddress: a refused recipient's error reaches logs, the
// outbox's error column and Temporal's history; it must not quote any address.
func TestErrorsNameNoAddress(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t)
	st := newStore(t)
	m := mail.New(st, newTransport(t, srv), "caseflow@example.com", clock)

	srv.RejectRecipient("second@example.com")
	_, err := m.Send(ctx, letter("k"))
	var perm *activities.PermanentError
	require.ErrorAs(t, err, &perm, "still permanent once redacted")
	row, err2 := st.GetMail(ctx, "k")
	require.NoError(t, err2)
	for _, text := range []string{err.Error(), row.Error} {
		assert.Contains(t, text, "550")
		assert.Contains(t, text, "[address]")
		assert.NotContains(t, text, "example.com", "no address: %s", text)
		assert.Contains(t, text, "@caseflow>", "the Message-ID stays")
	}
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		assert.NotContains(t, e.Error(), "second@example.com", "no cause in the chain quotes it either")
	}

	bad := letter("bad-address")
	bad.To = []string{"client@example.com", "not an address <at all"}
	_, err = m.Send(ctx, bad)
	require.ErrorAs(t, err, &perm)
	assert.NotContains(t, err.Error(), "client@example.com")
}

// TestBounceClassification: a 5xx at RCPT or DATA is a permanent bounce (the
// recipient will not read the letter), a 4xx at RCPT stays a retry, and an
// address that does not parse is permanent but no bounce.
func TestBounceClassification(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t)
	st := newStore(t)
	m := mail.New(st, newTransport(t, srv), "caseflow@example.com", clock)
	var perm *activities.PermanentError

	srv.RejectRecipient("second@example.com")
	_, err := m.Send(ctx, letter("rcpt-5xx"))
	require.ErrorAs(t, err, &perm)
	assert.True(t, perm.Bounced, "550 at RCPT is a bounce: %v", err)

	srv.Reset()
	srv.RefuseData(1)
	_, err = m.Send(ctx, letter("data-5xx"))
	require.ErrorAs(t, err, &perm)
	assert.True(t, perm.Bounced, "554 at DATA is a bounce: %v", err)
	assert.Contains(t, err.Error(), "554")

	srv.Reset()
	srv.DeferRecipient("second@example.com")
	_, err = m.Send(ctx, letter("rcpt-4xx"))
	require.Error(t, err)
	assert.False(t, errors.As(err, &perm), "450 at RCPT is retried: %v", err)
	srv.Reset()
	_, err = m.Send(ctx, letter("rcpt-4xx"))
	require.NoError(t, err, "the retry after a 450 delivers")

	bad := letter("bad-address")
	bad.To = []string{"not an address"}
	_, err = m.Send(ctx, bad)
	require.ErrorAs(t, err, &perm)
	assert.False(t, perm.Bounced, "an address that does not parse never reached the server")
}
