package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/activities/activitiestest"
)

// TestRecordsCallsAnswerWithReceipts: a records call's result, which the case's
// history stores, carries the record's identity and status but none of the
// texts the case sent; the records store keeps the whole record.
func TestRecordsCallsAnswerWithReceipts(t *testing.T) {
	ctx := context.Background()
	rec := &activitiestest.Records{}
	a := &activities.Activities{Records: rec, Helpdesk: rec}
	const long = "Клиент сообщил о возгорании холодильника во время работы; просит срочно забрать и заменить."

	cons, err := a.CreateConsultation(ctx, activities.Consultation{Key: "k1", CaseID: "c1", Description: long,
		Fields: map[string]string{"recommendations": long}})
	require.NoError(t, err)
	require.NotEmpty(t, cons.Number)
	sr, err := a.CreateServiceRequest(ctx, activities.ServiceRequest{Key: "k2", CaseID: "c1", ConsultationNumber: cons.Number,
		Priority: "urgent", Description: long, PLC: true})
	require.NoError(t, err)
	require.NotEmpty(t, sr.Number)
	require.Equal(t, cons.Number, sr.ConsultationNumber)
	tk, err := a.CreateTicket(ctx, activities.Ticket{Key: "k3", CaseID: "c1", Subject: long, Status: "on hold",
		To: []string{"engineer@example.com"}, Cc: []string{"head@example.com"}})
	require.NoError(t, err)
	require.NotZero(t, tk.ID)
	require.Equal(t, "on hold", tk.Status)
	cm, err := a.AddTicketComment(ctx, activities.TicketComment{Key: "k4", TicketID: tk.ID, Body: long, Private: true})
	require.NoError(t, err)
	require.Equal(t, tk.ID, cm.TicketID)
	st, err := a.SetTicketStatus(ctx, activities.TicketStatusInput{TicketID: tk.ID, Status: "closed"})
	require.NoError(t, err)
	require.Equal(t, "closed", st.Status)
	claim, err := a.CreateClaim(ctx, activities.Claim{Key: "k5", CaseID: "c2", Title: long, Stage: "registered",
		Fields: map[string]any{"remarks": long}})
	require.NoError(t, err)
	require.NotZero(t, claim.Number)
	task, err := a.UpsertClaimTask(ctx, activities.ClaimTask{Key: "k6", ClaimNumber: claim.Number, Title: long,
		Assignee: "Quality director", Status: "open", Report: long})
	require.NoError(t, err)
	require.Equal(t, "open", task.Status)
	reply, err := a.ReplyInTicket(ctx, activities.TicketReply{Key: "k7", CaseID: "c1", Ticket: "chat-1", Body: long})
	require.NoError(t, err)
	require.Equal(t, "chat-1", reply.Ticket)

	for name, result := range map[string]any{"consultation": cons, "service request": sr, "ticket": tk, "comment": cm,
		"ticket status": st, "claim": claim, "claim task": task, "reply": reply} {
		raw, err := json.Marshal(result)
		require.NoError(t, err)
		require.NotContains(t, string(raw), "возгорании", "%s: the result echoes the text: %s", name, raw)
		require.NotContains(t, string(raw), "@example.com", "%s: the result echoes the copy list: %s", name, raw)
	}

	// The records keep what the case sent.
	recs, err := rec.ListCaseRecords(ctx, "c1")
	require.NoError(t, err)
	require.Len(t, recs.Consultations, 1)
	require.Equal(t, long, recs.Consultations[0].Description)
	require.Equal(t, long, recs.Consultations[0].Fields["recommendations"])
	require.Len(t, recs.Tickets, 1)
	require.Equal(t, long, recs.Tickets[0].Subject)
	require.Equal(t, []string{"head@example.com"}, recs.Tickets[0].Cc)
	require.Len(t, recs.Comments, 1)
	require.True(t, strings.HasPrefix(recs.Comments[0].Body, "Клиент"))
	tasks, err := rec.ListClaimTasks(ctx, claim.Number)
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	require.Equal(t, long, tasks[0].Report)
}

// TestLetterReceiptIsTheOutboxRow: SendMail's result, which the case's history
// stores, is the letter's row in the outbox and nothing else; the outbox keeps
// the letter, its Message-ID and when it went out.
func TestLetterReceiptIsTheOutboxRow(t *testing.T) {
	mailer := &activitiestest.Mailer{}
	a := &activities.Activities{Mail: mailer, From: "caseflow@example.com"}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(a.SendMail)
	in := activities.SendMailInput{Key: "plc-1/customer-interim", CaseID: "1", Step: "customer-interim",
		Template: "plc_customer_interim", To: []string{"ivanov@example.com"},
		Data: map[string]any{"ConsultationNumber": "CONS-1", "FireDocuments": true, "Help": "help@example.com", "ServiceB2B": "serviceb2b@example.com"}}
	for range 2 { // the second is the outbox's duplicate: the same receipt
		val, err := env.ExecuteActivity(a.SendMail, in)
		require.NoError(t, err)
		var raw json.RawMessage
		require.NoError(t, val.Get(&raw))
		sent := mailer.Sent()
		require.Len(t, sent, 1)
		require.JSONEq(t, fmt.Sprintf(`{"outbox_id":%d}`, sent[0].ID), string(raw))
		require.NotEmpty(t, sent[0].MessageID, "the outbox keeps the Message-ID")
		require.False(t, sent[0].SentAt.IsZero(), "and when the letter went")
	}
}
