package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/pgtest"
	"github.com/caseflow/caseflow/internal/store"
)

// newDSN makes a fresh, empty database for one test and returns its DSN.
type newDSN func(t *testing.T) string

// TestStore runs the same suite on SQLite and, when CASEFLOW_TEST_POSTGRES holds a
// DSN, on PostgreSQL, each test in a database (or schema) of its own.
func TestStore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		runSuite(t, func(t *testing.T) string {
			return "sqlite:" + filepath.Join(t.TempDir(), "caseflow.db")
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, admin := pgtest.Admin(t)
		runSuite(t, func(t *testing.T) string { return freshSchema(t, admin, dsn) })
	})
}

// freshSchema creates a uniquely named schema, dropped after the test, and returns
// dsn with search_path pointing at it.
func freshSchema(t *testing.T, admin *sql.DB, dsn string) string {
	name := fmt.Sprintf("caseflow_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	_, err := admin.Exec(`CREATE SCHEMA ` + name)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec(`DROP SCHEMA ` + name + ` CASCADE`) })
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// runSuite runs every store test against databases made by fresh.
func runSuite(t *testing.T, fresh newDSN) {
	tests := []struct {
		name string
		fn   func(t *testing.T, dsn string)
	}{
		{"IdempotentCreates", testIdempotentCreates},
		{"ClaimNumbersConcurrent", testClaimNumbersConcurrent},
		{"NumbersSurviveReopen", testNumbersSurviveReopen},
		{"ConcurrentOpen", testConcurrentOpen},
		{"Tickets", testTickets},
		{"ClaimsAndTasks", testClaimsAndTasks},
		{"ListCaseRecords", testListCaseRecords},
		{"FindServiceRequest", testFindServiceRequest},
		{"Outbox", testOutbox},
		{"SMSOutbox", testSMSOutbox},
		{"TicketReplies", testTicketReplies},
		{"NotFound", testNotFound},
		{"EmptyKey", testEmptyKey},
		{"Discounts", testDiscounts},
		{"MailBacklog", testMailBacklog},
		{"ConsoleSessions", testConsoleSessions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, fresh(t))
		})
	}
}

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// open opens a store on dsn with a fixed clock, closed after the test.
func open(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, store.WithClock(func() time.Time { return t0 }))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func testIdempotentCreates(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)

	c1, err := s.CreateConsultation(ctx, activities.Consultation{Key: "k-cons-1", CaseID: "case-1", Description: "Консультация по гарантии",
		Fields: map[string]string{"phone": "+7 900 000-00-00"}})
	require.NoError(t, err)
	assert.Equal(t, "CONS-000001", c1.Number)
	assert.Equal(t, t0, c1.CreatedAt)
	again, err := s.CreateConsultation(ctx, activities.Consultation{Key: "k-cons-1", CaseID: "other", Description: "changed"})
	require.NoError(t, err)
	assert.Equal(t, c1, again, "a repeated key returns the stored record unchanged")
	c2, err := s.CreateConsultation(ctx, activities.Consultation{Key: "k-cons-2", CaseID: "case-1"})
	require.NoError(t, err)
	assert.Equal(t, "CONS-000002", c2.Number)

	sr, err := s.CreateServiceRequest(ctx, activities.ServiceRequest{Key: "k-sr-1", CaseID: "case-1", ConsultationNumber: c1.Number,
		ASC: "АСЦ Москва", Priority: "high", Description: "Ремонт", PLC: true})
	require.NoError(t, err)
	assert.Equal(t, "SR-000001", sr.Number)
	assert.True(t, sr.PLC)
	srAgain, err := s.CreateServiceRequest(ctx, activities.ServiceRequest{Key: "k-sr-1", PLC: false})
	require.NoError(t, err)
	assert.Equal(t, sr, srAgain)

	created := time.Date(2026, 1, 5, 10, 0, 0, 123456789, time.FixedZone("MSK", 3*3600))
	tk, err := s.CreateTicket(ctx, activities.Ticket{Key: "k-t-1", CaseID: "case-1", Subject: "Жалоба", Status: "open",
		To: []string{"a@example.com"}, Cc: []string{"b@example.com", "c@example.com"}, Linked: []string{"GSIS SR-000001"},
		PlannedDate: "2026-01-10", CreatedAt: created})
	require.NoError(t, err)
	assert.Equal(t, int64(1), tk.ID)
	assert.Equal(t, created.UTC().Truncate(time.Microsecond), tk.CreatedAt, "times are stored in UTC, to the microsecond")
	assert.Equal(t, tk.CreatedAt, tk.UpdatedAt)
	tkAgain, err := s.CreateTicket(ctx, activities.Ticket{Key: "k-t-1", Subject: "other"})
	require.NoError(t, err)
	assert.Equal(t, tk, tkAgain)

	cl, err := s.CreateClaim(ctx, activities.Claim{Key: "k-claim-1", CaseID: "case-1", Title: "Рекламация", Stage: "new",
		Fields: map[string]any{"model": "X-100", "qty": 2}})
	require.NoError(t, err)
	assert.Equal(t, int64(1), cl.Number)
	assert.Equal(t, map[string]any{"model": "X-100", "qty": float64(2)}, cl.Fields)
	clAgain, err := s.CreateClaim(ctx, activities.Claim{Key: "k-claim-1", Title: "other"})
	require.NoError(t, err)
	assert.Equal(t, cl, clAgain)

	cm, err := s.AddTicketComment(ctx, activities.TicketComment{Key: "k-cm-1", TicketID: tk.ID, Body: "Первый", Private: true})
	require.NoError(t, err)
	cmAgain, err := s.AddTicketComment(ctx, activities.TicketComment{Key: "k-cm-1", TicketID: tk.ID, Body: "Второй"})
	require.NoError(t, err)
	assert.Equal(t, cm, cmAgain)
	_, comments, err := s.GetTicket(ctx, tk.ID)
	require.NoError(t, err)
	assert.Len(t, comments, 1)
}

func testClaimNumbersConcurrent(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	const n = 50
	create := func(keyOf func(i int) string) []int64 {
		numbers := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c, err := s.CreateClaim(ctx, activities.Claim{Key: keyOf(i), CaseID: fmt.Sprintf("case-%d", i), Title: "claim"})
				numbers[i], errs[i] = c.Number, err
			})
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs...))
		return numbers
	}
	first := create(func(i int) string { return fmt.Sprintf("claim-%d", i) })
	sorted := append([]int64(nil), first...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	for i, got := range sorted {
		require.Equal(t, int64(i+1), got, "claim numbers are exactly 1..%d", n)
	}

	// The same keys again, concurrently and twice each: every key gets its first number.
	var wg sync.WaitGroup
	var again [2][]int64
	for r := range 2 {
		wg.Go(func() { again[r] = create(func(i int) string { return fmt.Sprintf("claim-%d", i) }) })
	}
	wg.Wait()
	assert.Equal(t, first, again[0])
	assert.Equal(t, first, again[1])

	// One new key from many callers at once: one number, the losers roll back.
	same := create(func(int) string { return "claim-contended" })
	for _, got := range same {
		require.Equal(t, int64(n+1), got)
	}

	next, err := s.CreateClaim(ctx, activities.Claim{Key: "claim-next"})
	require.NoError(t, err)
	assert.Equal(t, int64(n+2), next.Number, "repeated keys leave no gap")
}

func testNumbersSurviveReopen(t *testing.T, dsn string) {
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	for i := range 3 {
		_, err := s.CreateClaim(ctx, activities.Claim{Key: fmt.Sprintf("c%d", i)})
		require.NoError(t, err)
	}
	tk, err := s.CreateTicket(ctx, activities.Ticket{Key: "t1", CaseID: "case-r", Status: "open"})
	require.NoError(t, err)
	_, err = s.AddTicketComment(ctx, activities.TicketComment{Key: "cm1", TicketID: tk.ID, Body: "hello"})
	require.NoError(t, err)
	_, _, err = s.ReserveMail(ctx, activities.Mail{Key: "m1", CaseID: "case-r", To: []string{"x@example.com"}, Subject: "s"}, "<m1@caseflow>")
	require.NoError(t, err)
	_, err = s.MarkMailSent(ctx, "m1", t0)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = open(t, dsn)
	c, err := s.CreateClaim(ctx, activities.Claim{Key: "c1"})
	require.NoError(t, err)
	assert.Equal(t, int64(2), c.Number, "a known key keeps its number after reopen")
	c, err = s.CreateClaim(ctx, activities.Claim{Key: "c-new"})
	require.NoError(t, err)
	assert.Equal(t, int64(4), c.Number, "numbering continues after reopen")

	got, comments, err := s.GetTicket(ctx, tk.ID)
	require.NoError(t, err)
	assert.Equal(t, tk, got)
	require.Len(t, comments, 1)
	assert.Equal(t, "hello", comments[0].Body)
	letters, err := s.ListOutbox(ctx, store.OutboxQuery{})
	require.NoError(t, err)
	require.Len(t, letters, 1)
	assert.Equal(t, "<m1@caseflow>", letters[0].MessageID)
	tk2, err := s.CreateTicket(ctx, activities.Ticket{Key: "t2"})
	require.NoError(t, err)
	assert.Equal(t, int64(2), tk2.ID)
}

func testConcurrentOpen(t *testing.T, dsn string) {
	ctx := context.Background()
	const n = 4
	stores := make([]*store.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = store.Open(ctx, dsn) })
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			t.Cleanup(func() { _ = s.Close() })
		}
	}
	require.NoError(t, errors.Join(errs...))
	for i, s := range stores {
		c, err := s.CreateClaim(ctx, activities.Claim{Key: fmt.Sprintf("open-%d", i)})
		require.NoError(t, err)
		assert.Equal(t, int64(i+1), c.Number)
	}
}

func testTickets(t *testing.T, dsn string) {
	ctx := context.Background()
	now := t0
	s, err := store.Open(ctx, dsn, store.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	tk, err := s.CreateTicket(ctx, activities.Ticket{Key: "t", CaseID: "case-t", Subject: "Тема", Status: "open"})
	require.NoError(t, err)
	assert.Equal(t, t0, tk.UpdatedAt)

	now = t0.Add(time.Hour)
	up, err := s.UpdateTicketStatus(ctx, tk.ID, "closed")
	require.NoError(t, err)
	assert.Equal(t, "closed", up.Status)
	assert.Equal(t, t0.Add(time.Hour), up.UpdatedAt)
	assert.Equal(t, t0, up.CreatedAt)

	now = t0.Add(2 * time.Hour)
	same, err := s.UpdateTicketStatus(ctx, tk.ID, "closed")
	require.NoError(t, err)
	assert.Equal(t, up, same, "setting the same status again changes nothing")

	for i, body := range []string{"первый", "второй", "третий"} {
		_, err := s.AddTicketComment(ctx, activities.TicketComment{Key: fmt.Sprintf("c%d", i), TicketID: tk.ID, Body: body, Private: i == 1})
		require.NoError(t, err)
	}
	got, comments, err := s.GetTicket(ctx, tk.ID)
	require.NoError(t, err)
	assert.Equal(t, up, got)
	require.Len(t, comments, 3)
	assert.Equal(t, []string{"первый", "второй", "третий"}, []string{comments[0].Body, comments[1].Body, comments[2].Body})
	assert.True(t, comments[1].Private)
	assert.False(t, comments[0].Private)
	assert.Equal(t, t0.Add(2*time.Hour), comments[0].CreatedAt)
}

func testClaimsAndTasks(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	cl, err := s.CreateClaim(ctx, activities.Claim{Key: "cl", CaseID: "case-c", Title: "Рекламация", Stage: "new"})
	require.NoError(t, err)
	moved, err := s.UpdateClaimStage(ctx, cl.Number, "review")
	require.NoError(t, err)
	assert.Equal(t, "review", moved.Stage)

	due := time.Date(2026, 3, 5, 18, 0, 0, 0, time.UTC)
	task, err := s.UpsertClaimTask(ctx, activities.ClaimTask{Key: "task-1", ClaimNumber: cl.Number, Title: "Проверить", Assignee: "ivanov", Due: due, Status: "open"})
	require.NoError(t, err)
	assert.Equal(t, due, task.Due)
	assert.Nil(t, task.CompletedAt)
	_, err = s.UpsertClaimTask(ctx, activities.ClaimTask{Key: "task-2", ClaimNumber: cl.Number, Title: "Без срока"})
	require.NoError(t, err)

	done := due.Add(-time.Hour)
	task.Status, task.Report, task.CompletedAt = "done", "Проверено", &done
	updated, err := s.UpsertClaimTask(ctx, task)
	require.NoError(t, err)
	assert.Equal(t, task, updated)

	tasks, err := s.ListClaimTasks(ctx, cl.Number)
	require.NoError(t, err)
	require.Len(t, tasks, 2)
	assert.Equal(t, updated, tasks[0])
	assert.Equal(t, "task-2", tasks[1].Key)
	assert.True(t, tasks[1].Due.IsZero())
}

func testListCaseRecords(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	empty, err := s.ListCaseRecords(ctx, "case-a")
	require.NoError(t, err)
	assert.NotNil(t, empty.Tickets, "lists are empty, never nil")
	assert.Empty(t, empty.Tickets)

	for _, c := range []string{"case-a", "case-b", "case-a"} {
		cons, err := s.CreateConsultation(ctx, activities.Consultation{Key: "cons-" + c + time.Now().String(), CaseID: c})
		require.NoError(t, err)
		_, err = s.CreateServiceRequest(ctx, activities.ServiceRequest{Key: "sr-" + cons.Number, CaseID: c, ConsultationNumber: cons.Number})
		require.NoError(t, err)
		tk, err := s.CreateTicket(ctx, activities.Ticket{Key: "t-" + cons.Number, CaseID: c})
		require.NoError(t, err)
		_, err = s.AddTicketComment(ctx, activities.TicketComment{Key: "cm-" + cons.Number, TicketID: tk.ID, Body: cons.Number})
		require.NoError(t, err)
		_, err = s.CreateClaim(ctx, activities.Claim{Key: "cl-" + cons.Number, CaseID: c})
		require.NoError(t, err)
	}
	recs, err := s.ListCaseRecords(ctx, "case-a")
	require.NoError(t, err)
	require.Len(t, recs.Consultations, 2)
	assert.Equal(t, []string{"CONS-000001", "CONS-000003"}, []string{recs.Consultations[0].Number, recs.Consultations[1].Number})
	require.Len(t, recs.ServiceRequests, 2)
	assert.Equal(t, "SR-000003", recs.ServiceRequests[1].Number)
	require.Len(t, recs.Tickets, 2)
	assert.Equal(t, []int64{1, 3}, []int64{recs.Tickets[0].ID, recs.Tickets[1].ID})
	require.Len(t, recs.Comments, 2)
	assert.Equal(t, "CONS-000003", recs.Comments[1].Body)
	require.Len(t, recs.Claims, 2)
	assert.Equal(t, []int64{1, 3}, []int64{recs.Claims[0].Number, recs.Claims[1].Number})
}

func testOutbox(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	mail := func(key, caseID string) activities.Mail {
		return activities.Mail{Key: key, CaseID: caseID, Step: "notify", From: "cc@example.com",
			To: []string{"client@example.com"}, Cc: []string{"boss@example.com"}, Subject: "Обращение " + key,
			Body: "Здравствуйте!", Attachments: []string{"rec.mp3"}}
	}

	r1, sent, err := s.ReserveMail(ctx, mail("m1", "case-1"), "<m1@caseflow>")
	require.NoError(t, err)
	assert.False(t, sent)
	assert.Positive(t, r1.ID)
	assert.Equal(t, mail("m1", "case-1"), r1.Mail)
	entry, err := s.GetMail(ctx, "m1")
	require.NoError(t, err)
	assert.Equal(t, store.MailPending, entry.Status)
	assert.True(t, entry.SentAt.IsZero())

	n, err := s.CountOutbox(ctx, "")
	require.NoError(t, err)
	assert.Zero(t, n, "pending letters are not listed")

	// A second reservation before delivery refreshes the content and keeps the row.
	changed := mail("m1", "case-1")
	changed.Subject = "Исправленная тема"
	r1b, sent, err := s.ReserveMail(ctx, changed, "<other@caseflow>")
	require.NoError(t, err)
	assert.False(t, sent)
	assert.Equal(t, r1.ID, r1b.ID)
	assert.Equal(t, "Исправленная тема", r1b.Subject)
	assert.Equal(t, "<m1@caseflow>", r1b.MessageID)

	at := t0.Add(time.Minute)
	m1, err := s.MarkMailSent(ctx, "m1", at)
	require.NoError(t, err)
	assert.Equal(t, at, m1.SentAt)
	m1again, err := s.MarkMailSent(ctx, "m1", at.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, at, m1again.SentAt, "a second mark keeps the first sent_at")
	require.NoError(t, s.MarkMailFailed(ctx, "m1", "late failure"))
	entry, err = s.GetMail(ctx, "m1")
	require.NoError(t, err)
	assert.Equal(t, store.MailSent, entry.Status, "a sent letter never turns failed")

	stored, sent, err := s.ReserveMail(ctx, mail("m1", "case-1"), "<m1@caseflow>")
	require.NoError(t, err)
	assert.True(t, sent, "a sent key reports alreadySent")
	assert.Equal(t, m1, stored)

	// A failed letter is kept out of the list; reserving it again makes it pending.
	_, _, err = s.ReserveMail(ctx, mail("m2", "case-2"), "<m2@caseflow>")
	require.NoError(t, err)
	require.NoError(t, s.MarkMailFailed(ctx, "m2", "550 no such user"))
	entry, err = s.GetMail(ctx, "m2")
	require.NoError(t, err)
	assert.Equal(t, store.MailFailed, entry.Status)
	assert.Equal(t, "550 no such user", entry.Error)
	_, sent, err = s.ReserveMail(ctx, mail("m2", "case-2"), "<m2@caseflow>")
	require.NoError(t, err)
	assert.False(t, sent)
	entry, err = s.GetMail(ctx, "m2")
	require.NoError(t, err)
	assert.Equal(t, store.MailPending, entry.Status)
	assert.Empty(t, entry.Error)

	for _, k := range []string{"m3", "m4", "m5"} {
		_, _, err := s.ReserveMail(ctx, mail(k, "case-1"), "<"+k+"@caseflow>")
		require.NoError(t, err)
		_, err = s.MarkMailSent(ctx, k, at)
		require.NoError(t, err)
	}
	keys := func(l []activities.SentMail) string {
		var ks []string
		for _, m := range l {
			ks = append(ks, m.Key)
		}
		return strings.Join(ks, ",")
	}
	all, err := s.ListOutbox(ctx, store.OutboxQuery{})
	require.NoError(t, err)
	assert.Equal(t, "m5,m4,m3,m1", keys(all), "newest first, pending m2 left out")
	page, err := s.ListOutbox(ctx, store.OutboxQuery{CaseID: "case-1", Limit: 2})
	require.NoError(t, err)
	assert.Equal(t, "m5,m4", keys(page))
	page, err = s.ListOutbox(ctx, store.OutboxQuery{CaseID: "case-1", Limit: 2, BeforeID: page[1].ID})
	require.NoError(t, err)
	assert.Equal(t, "m3,m1", keys(page))
	none, err := s.ListOutbox(ctx, store.OutboxQuery{CaseID: "case-2"})
	require.NoError(t, err)
	assert.Empty(t, none)
	n, err = s.CountOutbox(ctx, "case-1")
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	n, err = s.CountOutbox(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, 4, n)
}

func testFindServiceRequest(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	cons, err := s.CreateConsultation(ctx, activities.Consultation{Key: "k-cons", CaseID: "case-1", Description: "d",
		Fields: map[string]string{"model": "HW60", "purchase_date": "2025-03-01", "store": "М.Видео"}})
	require.NoError(t, err)
	sr, err := s.CreateServiceRequest(ctx, activities.ServiceRequest{Key: "k-sr", CaseID: "case-1", ConsultationNumber: cons.Number, Priority: "обычный"})
	require.NoError(t, err)
	bare, err := s.CreateServiceRequest(ctx, activities.ServiceRequest{Key: "k-sr-2", CaseID: "case-2", Priority: "обычный"})
	require.NoError(t, err)

	got, gotCons, err := s.FindServiceRequest(ctx, sr.Number)
	require.NoError(t, err)
	assert.Equal(t, sr.Key, got.Key)
	assert.Equal(t, cons.Number, gotCons.Number)
	assert.Equal(t, "HW60", gotCons.Fields["model"])

	got, gotCons, err = s.FindServiceRequest(ctx, bare.Number)
	require.NoError(t, err)
	assert.Equal(t, bare.Key, got.Key)
	assert.Empty(t, gotCons.Number, "a request made without a consultation has none")

	_, _, err = s.FindServiceRequest(ctx, "SR-999999")
	assert.ErrorIs(t, err, activities.ErrNotFound)
}

func testNotFound(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	_, err := s.UpdateTicketStatus(ctx, 42, "closed")
	assert.ErrorIs(t, err, activities.ErrNotFound)
	_, _, err = s.GetTicket(ctx, 42)
	assert.ErrorIs(t, err, activities.ErrNotFound)
	_, err = s.AddTicketComment(ctx, activities.TicketComment{Key: "c", TicketID: 42})
	assert.ErrorIs(t, err, activities.ErrNotFound)
	_, err = s.UpdateClaimStage(ctx, 7, "done")
	assert.ErrorIs(t, err, activities.ErrNotFound)
	_, err = s.UpsertClaimTask(ctx, activities.ClaimTask{Key: "x", ClaimNumber: 7})
	assert.ErrorIs(t, err, activities.ErrNotFound)
	_, err = s.ListClaimTasks(ctx, 7)
	assert.ErrorIs(t, err, activities.ErrNotFound)
	_, err = s.MarkMailSent(ctx, "nope", t0)
	assert.ErrorIs(t, err, activities.ErrNotFound)
	assert.ErrorIs(t, s.MarkMailFailed(ctx, "nope", "x"), activities.ErrNotFound)
	_, err = s.GetMail(ctx, "nope")
	assert.ErrorIs(t, err, activities.ErrNotFound)
}

func testEmptyKey(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	var perm *activities.PermanentError
	_, err := s.CreateClaim(ctx, activities.Claim{Title: "no key"})
	assert.ErrorAs(t, err, &perm)
	_, err = s.CreateTicket(ctx, activities.Ticket{})
	assert.ErrorAs(t, err, &perm)
	_, _, err = s.ReserveMail(ctx, activities.Mail{}, "<x@caseflow>")
	assert.ErrorAs(t, err, &perm)
	c, err := s.CreateClaim(ctx, activities.Claim{Key: "after"})
	require.NoError(t, err)
	assert.Equal(t, int64(1), c.Number, "a rejected create takes no number")
}

func TestOpenDSN(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, dsn := range []string{
		filepath.Join(dir, "plain.db"),
		"sqlite:" + filepath.Join(dir, "prefixed.db"),
		"file:" + filepath.Join(dir, "file.db"),
		"sqlite:" + filepath.Join(dir, "sub", "dir", "nested.db"),
		":memory:",
	} {
		s, err := store.Open(ctx, dsn)
		require.NoError(t, err, dsn)
		assert.Equal(t, store.DialectSQLite, s.Dialect())
		_, err = s.CreateClaim(ctx, activities.Claim{Key: "k"})
		require.NoError(t, err, dsn)
		require.NoError(t, s.Close())
	}
	_, err := store.Open(ctx, "")
	assert.Error(t, err)
}

func TestOpenRefusesTemporalDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "temporal.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE executions (shard_id INTEGER)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = store.Open(context.Background(), path)
	require.ErrorContains(t, err, "Temporal database")
}

func testDiscounts(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)

	none, err := s.FindDiscounts(ctx, "79030000001", "BackOffice", t0.AddDate(0, -4, 0))
	require.NoError(t, err)
	assert.Equal(t, []activities.Discount{}, none)

	old := activities.Discount{Key: "k-disc-old", CaseID: "case-1", Customer: "79030000001", Subject: "BackOffice", GivenAt: t0.AddDate(0, -5, 0)}
	recent := activities.Discount{Key: "k-disc-recent", CaseID: "case-2", Customer: "79030000001", Subject: "BackOffice", GivenAt: t0.AddDate(0, -2, 0)}
	for _, d := range []activities.Discount{old, recent,
		{Key: "k-disc-other-subject", CaseID: "case-3", Customer: "79030000001", Subject: "Роуминг", GivenAt: t0.AddDate(0, -1, 0)},
		{Key: "k-disc-other-customer", CaseID: "case-4", Customer: "79030000002", Subject: "BackOffice", GivenAt: t0.AddDate(0, -1, 0)},
	} {
		got, err := s.RecordDiscount(ctx, d)
		require.NoError(t, err)
		assert.True(t, d.GivenAt.Equal(got.GivenAt))
	}
	again, err := s.RecordDiscount(ctx, activities.Discount{Key: "k-disc-recent", CaseID: "changed", Customer: "x", Subject: "y"})
	require.NoError(t, err)
	assert.Equal(t, "case-2", again.CaseID, "a repeated key changes nothing")

	found, err := s.FindDiscounts(ctx, "79030000001", "BackOffice", t0.AddDate(0, -4, 0))
	require.NoError(t, err)
	require.Len(t, found, 1, "only the same customer's, on the same subject, within the window: %+v", found)
	assert.Equal(t, "k-disc-recent", found[0].Key)
	all, err := s.FindDiscounts(ctx, "79030000001", "BackOffice", t0.AddDate(-1, 0, 0))
	require.NoError(t, err)
	assert.Equal(t, []string{"k-disc-recent", "k-disc-old"}, []string{all[0].Key, all[1].Key}, "newest first")

	_, err = s.RecordDiscount(ctx, activities.Discount{CaseID: "case-5"})
	require.Error(t, err)
}

func testSMSOutbox(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	m := activities.SMS{Key: "call:c1/inaudible-sms", CaseID: "c1", Step: "inaudible-sms", To: "+7 903 000-00-01", Text: "перезвоните по номеру 0611"}
	first, err := s.SendSMS(ctx, m)
	require.NoError(t, err)
	assert.False(t, first.Duplicate)
	assert.Equal(t, m, first.SMS)
	assert.True(t, t0.Equal(first.SentAt))
	m.Text = "changed"
	again, err := s.SendSMS(ctx, m)
	require.NoError(t, err)
	assert.True(t, again.Duplicate, "a repeated key queues nothing")
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, "перезвоните по номеру 0611", again.Text)
	list, err := s.ListSMS(ctx, "c1")
	require.NoError(t, err)
	assert.Len(t, list, 1)
	_, err = s.SendSMS(ctx, activities.SMS{CaseID: "c1"})
	assert.Error(t, err)
}

// testTicketReplies: a reply in a customer's own ticket (one caseflow did not
// open) is kept once per key.
func testTicketReplies(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	r := activities.TicketReply{Key: "plc:c1/customer-interim-chat", CaseID: "c1", Ticket: "usedesk:9001", Body: "Ваше обращение зафиксировано"}
	first, err := s.ReplyInTicket(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, "usedesk:9001", first.Ticket)
	assert.True(t, t0.Equal(first.CreatedAt))
	r.Body = "changed"
	again, err := s.ReplyInTicket(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, "Ваше обращение зафиксировано", again.Body, "a repeated key records nothing")
	list, err := s.ListTicketReplies(ctx, "c1")
	require.NoError(t, err)
	assert.Len(t, list, 1)
	_, err = s.ReplyInTicket(ctx, activities.TicketReply{CaseID: "c1"})
	assert.Error(t, err)

	// A hand-over of one of caseflow's tickets to a group, once per key.
	tk, err := s.CreateTicket(ctx, activities.Ticket{Key: "plc:c1/ticket", CaseID: "c1", Subject: "PLC", Category: "PLC", Status: "На удержании"})
	require.NoError(t, err)
	a := activities.TicketAssignment{Key: "plc:c1/5-ticket-group", CaseID: "c1", TicketID: tk.ID, Group: "claims.group@example.com"}
	got, err := s.AssignTicket(ctx, a)
	require.NoError(t, err)
	assert.Equal(t, "claims.group@example.com", got.Group)
	a.Group = "other"
	reassigned, err := s.AssignTicket(ctx, a)
	require.NoError(t, err)
	assert.Equal(t, "claims.group@example.com", reassigned.Group, "a repeated key changes nothing")
	handed, err := s.ListTicketAssignments(ctx, "c1")
	require.NoError(t, err)
	assert.Len(t, handed, 1)
	_, err = s.AssignTicket(ctx, activities.TicketAssignment{Key: "k2", CaseID: "c1", TicketID: 999, Group: "g"})
	assert.ErrorIs(t, err, activities.ErrNotFound)
}
