package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/caseflow/caseflow/internal/cases"
	sm "github.com/caseflow/caseflow/statemachines"
	"github.com/caseflow/caseflow/workflows"
)

func TestHealthzNeedsNoToken(t *testing.T) {
	needServer(t)
	a := call(t, "GET", "/healthz", "", nil)
	assert.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
}

func TestAuth(t *testing.T) {
	needServer(t)
	t.Run("no token", func(t *testing.T) {
		a := call(t, "GET", "/v1/case-types", "", nil)
		assert.Equal(t, http.StatusUnauthorized, a.Code)
		assert.Contains(t, a.Header.Get("WWW-Authenticate"), "Bearer")
		assert.Equal(t, ECodeUnauthorized, a.Err(t)["code"])
	})
	t.Run("bad token", func(t *testing.T) {
		a := call(t, "GET", "/v1/case-types", "nobody", nil)
		assert.Equal(t, http.StatusUnauthorized, a.Code)
		assert.Contains(t, a.Header.Get("WWW-Authenticate"), "Bearer")
	})
	t.Run("wrong role on intake", func(t *testing.T) {
		a := call(t, "POST", "/v1/cases", "engineer", plcIntake(nil), "Idempotency-Key", "forbidden-"+uuid.NewString())
		assert.Equal(t, http.StatusForbidden, a.Code, "%s", a.Body)
		assert.Equal(t, ECodeForbidden, a.Err(t)["code"])
	})
	t.Run("wrong role on outbox", func(t *testing.T) {
		a := call(t, "GET", "/v1/outbox", "operator", nil)
		assert.Equal(t, http.StatusForbidden, a.Code)
	})
	t.Run("wrong role on metrics", func(t *testing.T) {
		assert.Equal(t, http.StatusForbidden, call(t, "GET", "/metrics", "supervisor", nil).Code)
		assert.Equal(t, http.StatusUnauthorized, call(t, "GET", "/metrics", "", nil).Code)
	})
	t.Run("unknown route and method", func(t *testing.T) {
		a := call(t, "GET", "/v1/nothing", "admin", nil)
		assert.Equal(t, http.StatusNotFound, a.Code)
		assert.Equal(t, ECodeNotFound, a.Err(t)["code"])
		a = call(t, "DELETE", "/v1/case-types", "admin", nil)
		assert.Equal(t, http.StatusMethodNotAllowed, a.Code)
		assert.Contains(t, a.Header.Get("Allow"), "GET")
		assert.Equal(t, ECodeMethodNotAllowed, a.Err(t)["code"])
	})
}

func TestIntakeIsIdempotent(t *testing.T) {
	needServer(t)
	key := "idem-" + uuid.NewString()
	first := call(t, "POST", "/v1/cases", "operator", plcIntake(nil), "Idempotency-Key", key)
	require.Equal(t, http.StatusCreated, first.Code, "%s", first.Body)
	again := call(t, "POST", "/v1/cases", "operator", plcIntake(nil), "Idempotency-Key", key, "Content-Type", "text/plain")
	require.Equal(t, http.StatusOK, again.Code, "a wrong content type is tolerated: %s", again.Body)

	f, g := first.JSON(t), again.JSON(t)
	assert.Equal(t, f["id"], g["id"])
	assert.Equal(t, "plc", f["type"])
	assert.Equal(t, workflows.WorkflowID("plc", f["id"].(string)), f["workflow_id"])
	assert.Equal(t, f["workflow_id"], g["workflow_id"])
	assert.Contains(t, []string{sm.PLCIntake, sm.PLCAwaitingVerdict}, f["state"])
	assert.Contains(t, []string{sm.PLCIntake, sm.PLCAwaitingVerdict}, g["state"])
	_, err := uuid.Parse(f["id"].(string))
	assert.NoError(t, err)
	assert.Equal(t, "/v1/cases/"+f["id"].(string), first.Header.Get("Location"))

	// The key of that case with another intake: the hash kept in the memo
	// (through the real server and the codec) tells them apart.
	other := call(t, "POST", "/v1/cases", "operator", plcIntake(func(m map[string]any) { m["mood"] = "спокоен" }), "Idempotency-Key", key)
	require.Equal(t, http.StatusUnprocessableEntity, other.Code, "%s", other.Body)
	assert.Equal(t, ECodeKeyReused, other.Err(t)["code"])
	assert.Equal(t, "Idempotency-Key", other.Err(t)["field"])
}

func TestConcurrentIntakeOpensOneCase(t *testing.T) {
	needServer(t)
	key := "concurrent-" + uuid.NewString()
	const n = 10
	answers := make([]answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			answers[i] = call(t, "POST", "/v1/cases", "operator", plcIntake(nil), "Idempotency-Key", key)
		})
	}
	close(start)
	wg.Wait()

	created, ids := 0, map[string]bool{}
	for _, a := range answers {
		require.Contains(t, []int{http.StatusCreated, http.StatusOK}, a.Code, "%s", a.Body)
		if a.Code == http.StatusCreated {
			created++
		}
		ids[a.JSON(t)["id"].(string)] = true
	}
	assert.Equal(t, 1, created, "exactly one POST opens the case")
	require.Len(t, ids, 1, "every POST names the same case")

	var id string
	for id = range ids {
	}
	query := fmt.Sprintf("WorkflowId = '%s'", workflows.WorkflowID("plc", id))
	var runs int
	require.Eventually(t, func() bool {
		resp, err := h.tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Namespace: h.namespace, Query: query})
		require.NoError(t, err)
		runs = len(resp.GetExecutions())
		return runs > 0
	}, 10*time.Second, 100*time.Millisecond)
	assert.Equal(t, 1, runs)
}

func TestIntakeBadBodies(t *testing.T) {
	needServer(t)
	cases := map[string]struct {
		body   any
		key    string
		status int
		field  string
		msg    string
	}{
		"no idempotency key": {body: plcIntake(nil), key: "-", status: 400, field: "Idempotency-Key"},
		"key too long":       {body: plcIntake(nil), key: strings.Repeat("k", 201), status: 400, field: "Idempotency-Key"},
		"missing customer.phone": {body: plcIntake(func(m map[string]any) {
			delete(m["customer"].(map[string]any), "phone")
		}), status: 400, field: "customer.phone"},
		"bad purchase date": {body: plcIntake(func(m map[string]any) {
			m["product"].(map[string]any)["purchase_date"] = "17.05.2024"
		}), status: 400, field: "product.purchase_date"},
		"unknown field": {body: plcIntake(func(m map[string]any) { m["damage_rub"] = 100000 }), status: 400, field: "damage_rub"},
		"wrong JSON type": {body: plcIntake(func(m map[string]any) {
			m["customer"].(map[string]any)["phone"] = 79001234567
		}), status: 400, field: "customer.phone"},
		"malformed JSON": {body: `{"type": "plc", "channel": }`, status: 400, field: "body", msg: "offset"},
		"not an object":  {body: `[1, 2]`, status: 400, field: "body"},
		"empty body":     {body: ``, status: 400, field: "body"},
		"unknown type":   {body: plcIntake(func(m map[string]any) { m["type"] = "spaceship" }), status: 400, field: "type", msg: "plc"},
		"missing type":   {body: plcIntake(func(m map[string]any) { delete(m, "type") }), status: 400, field: "type"},
		"type not text":  {body: plcIntake(func(m map[string]any) { m["type"] = 7 }), status: 400, field: "type"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			key := c.key
			switch key {
			case "":
				key = "bad-" + uuid.NewString()
			case "-":
				key = ""
			}
			var header []string
			if key != "" {
				header = []string{"Idempotency-Key", key}
			}
			a := call(t, "POST", "/v1/cases", "operator", c.body, header...)
			require.Equal(t, c.status, a.Code, "%s", a.Body)
			e := a.Err(t)
			assert.Equal(t, ECodeInvalid, e["code"])
			assert.Equal(t, c.field, e["field"], "%s", a.Body)
			assert.NotEmpty(t, e["message"])
			if c.msg != "" {
				assert.Contains(t, e["message"], c.msg)
			}
		})
	}
}

func TestOversizeBody(t *testing.T) {
	needServer(t)
	big := `{"type": "plc", "description": "` + strings.Repeat("я", MaxBodyBytes) + `"}`
	a := call(t, "POST", "/v1/cases", "operator", big, "Idempotency-Key", "big-"+uuid.NewString())
	require.Equal(t, http.StatusRequestEntityTooLarge, a.Code, "%.200s", a.Body)
	e := a.Err(t)
	assert.Equal(t, ECodeTooLarge, e["code"])
	assert.Contains(t, e["message"], "1 MiB")

	a = call(t, "POST", "/v1/cases/"+uuid.NewString()+"/events", "supervisor", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, a.Code, "%.200s", a.Body)
}

func TestUnknownCase(t *testing.T) {
	needServer(t)
	id := uuid.NewString()
	a := call(t, "GET", "/v1/cases/"+id, "operator", nil)
	assert.Equal(t, http.StatusNotFound, a.Code, "%s", a.Body)
	assert.Equal(t, ECodeNotFound, a.Err(t)["code"])

	a = sendEvent(t, id, "supervisor", "close", nil)
	assert.Equal(t, http.StatusNotFound, a.Code, "%s", a.Body)

	a = call(t, "GET", "/v1/cases/not-a-uuid", "operator", nil)
	assert.Equal(t, http.StatusBadRequest, a.Code)
	assert.Equal(t, "id", a.Err(t)["field"])
}

// TestPLCThroughAPI drives a PLC case from intake to close through the API.
func TestPLCThroughAPI(t *testing.T) {
	needServer(t)
	id := openPLC(t, nil)
	v := waitState(t, id, sm.PLCAwaitingVerdict)
	assert.Equal(t, id, v.ID)
	assert.Equal(t, "plc", v.Type)
	assert.False(t, v.Closed)
	assert.Equal(t, []string{"documents_received", "repeat_contact", "specialist_contacted", "verdict"}, v.AllowedEvents)
	assert.NotEmpty(t, v.Deadlines)
	require.NotEmpty(t, v.History)
	assert.Equal(t, sm.PLCRegister, v.History[len(v.History)-1].Event)

	t.Run("illegal event", func(t *testing.T) {
		a := sendEvent(t, id, "supervisor", "close", nil)
		require.Equal(t, http.StatusConflict, a.Code, "%s", a.Body)
		e := a.Err(t)
		assert.Equal(t, ECodeConflict, e["code"])
		assert.Equal(t, sm.PLCAwaitingVerdict, e["state"])
		assert.Equal(t, []any{"documents_received", "repeat_contact", "specialist_contacted", "verdict"}, e["allowed_events"])
	})
	t.Run("wrong role", func(t *testing.T) {
		a := sendEvent(t, id, "operator", "verdict", map[string]any{"plc": true})
		assert.Equal(t, http.StatusForbidden, a.Code, "%s", a.Body)
	})
	t.Run("verdict without plc", func(t *testing.T) {
		a := sendEvent(t, id, "engineer", "verdict", map[string]any{"comment": "посмотрю"})
		require.Equal(t, http.StatusBadRequest, a.Code, "%s", a.Body)
		assert.Equal(t, "data.plc", a.Err(t)["field"])
	})
	t.Run("verdict with a wrong type", func(t *testing.T) {
		a := sendEvent(t, id, "engineer", "verdict", map[string]any{"plc": "yes"})
		require.Equal(t, http.StatusBadRequest, a.Code, "%s", a.Body)
		assert.Equal(t, "data.plc", a.Err(t)["field"])
	})
	t.Run("unknown event", func(t *testing.T) {
		a := sendEvent(t, id, "supervisor", "explode", nil)
		require.Equal(t, http.StatusBadRequest, a.Code, "%s", a.Body)
		assert.Equal(t, "event", a.Err(t)["field"])
	})
	t.Run("unknown top-level field", func(t *testing.T) {
		a := call(t, "POST", "/v1/cases/"+id+"/events", "engineer", map[string]any{"event": "verdict", "data": map[string]any{"plc": true}, "actor": map[string]any{"name": "boss", "role": "admin"}})
		require.Equal(t, http.StatusBadRequest, a.Code, "%s", a.Body)
		assert.Equal(t, "actor", a.Err(t)["field"])
	})
	t.Run("missing event", func(t *testing.T) {
		a := call(t, "POST", "/v1/cases/"+id+"/events", "engineer", map[string]any{"data": map[string]any{"plc": true}})
		require.Equal(t, http.StatusBadRequest, a.Code, "%s", a.Body)
		assert.Equal(t, "event", a.Err(t)["field"])
	})
	require.Equal(t, sm.PLCAwaitingVerdict, view(t, id).State, "refused events change nothing")

	steps := []struct {
		role, event string
		data        any
		state       string
		check       func(t *testing.T, v workflows.CaseView, data map[string]any)
	}{
		{"engineer", "verdict", map[string]any{"plc": true, "comment": "возгорание по вине техники"}, sm.PLCConfirmed,
			func(t *testing.T, v workflows.CaseView, data map[string]any) {
				verdict := data["verdict"].(map[string]any)
				assert.Equal(t, true, verdict["plc"])
				assert.Equal(t, "engineer-1", verdict["by"], "the actor is the caller")
				assert.NotEmpty(t, data["service_request_number"])
				last := v.History[len(v.History)-1]
				assert.Equal(t, "engineer-1", last.Actor)
				assert.Equal(t, sm.PLCVerdictPLC, last.Event)
			}},
		{"operator", "documents_received", map[string]any{"documents": []string{"fire_report", "receipt_warranty"}}, sm.PLCConfirmed,
			func(t *testing.T, v workflows.CaseView, data map[string]any) {
				received := map[string]bool{}
				for _, d := range data["documents"].([]any) {
					d := d.(map[string]any)
					received[d["code"].(string)] = d["received"].(bool)
				}
				assert.True(t, received["fire_report"])
				assert.True(t, received["receipt_warranty"])
				assert.False(t, received["refusal_decision"])
			}},
		{"expert", "nrp_act_uploaded", map[string]any{"act_number": "НРП-42"}, sm.PLCConfirmed,
			func(t *testing.T, v workflows.CaseView, data map[string]any) {
				assert.Equal(t, true, data["complaints_joined"])
			}},
		{"supervisor", "satisfaction_reported", map[string]any{"level": 4}, sm.PLCConfirmed,
			func(t *testing.T, v workflows.CaseView, data map[string]any) {
				assert.EqualValues(t, 4, data["satisfaction"])
			}},
		{"supervisor", "close", map[string]any{"note": "урегулировано"}, sm.PLCClosed,
			func(t *testing.T, v workflows.CaseView, data map[string]any) {
				assert.True(t, v.Closed)
				assert.Empty(t, v.AllowedEvents)
				assert.Equal(t, workflows.TicketStatusDone, data["ticket_status"])
			}},
	}
	for _, s := range steps {
		a := sendEvent(t, id, s.role, s.event, s.data)
		require.Equal(t, http.StatusOK, a.Code, "%s: %s", s.event, a.Body)
		var got workflows.CaseView
		require.NoError(t, json.Unmarshal(a.Body, &got))
		assert.Equal(t, s.state, got.State, s.event)
		data := got.Data.(map[string]any)
		s.check(t, got, data)

		read := view(t, id)
		assert.Equal(t, got.State, read.State, "the view read back after %s", s.event)
		assert.Equal(t, len(got.History), len(read.History))
	}

	t.Run("event on a closed case", func(t *testing.T) {
		// The workflow ends once the case is closed.
		require.Eventually(t, func() bool {
			d, err := h.tc.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID("plc", id), "")
			return err == nil && d.GetWorkflowExecutionInfo().GetCloseTime() != nil
		}, 10*time.Second, 50*time.Millisecond)
		a := sendEvent(t, id, "supervisor", "repeat_contact", map[string]any{"note": "снова звонит"})
		require.Equal(t, http.StatusConflict, a.Code, "%s", a.Body)
		e := a.Err(t)
		assert.Equal(t, sm.PLCClosed, e["state"])
		assert.Equal(t, []any{}, e["allowed_events"])
		assert.Equal(t, sm.PLCClosed, view(t, id).State, "a closed case is still readable")
	})

	t.Run("outbox", func(t *testing.T) {
		a := call(t, "GET", "/v1/outbox?case_id="+id, "admin", nil)
		require.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
		var page letterList
		require.NoError(t, json.Unmarshal(a.Body, &page))
		require.GreaterOrEqual(t, len(page.Items), 3)
		for i, l := range page.Items {
			assert.Equal(t, id, l.CaseID)
			assert.NotEmpty(t, l.Subject)
			assert.NotEmpty(t, l.To)
			if i > 0 {
				assert.Less(t, l.ID, page.Items[i-1].ID, "newest first")
			}
		}
		steps := []string{}
		for _, l := range page.Items {
			steps = append(steps, l.Step)
		}
		assert.Contains(t, steps, "plc-group")
		assert.Contains(t, strings.Join(steps, " "), "satisfaction_reported")
		assert.Contains(t, string(a.Body), `"body"`)

		a = call(t, "GET", "/v1/outbox?limit=1&case_id="+id, "admin", nil)
		var first letterList
		require.NoError(t, json.Unmarshal(a.Body, &first))
		require.Len(t, first.Items, 1)
		require.Equal(t, first.Items[0].ID, first.NextBeforeID)
		a = call(t, "GET", fmt.Sprintf("/v1/outbox?limit=1&case_id=%s&before_id=%d", id, first.NextBeforeID), "admin", nil)
		var second letterList
		require.NoError(t, json.Unmarshal(a.Body, &second))
		require.Len(t, second.Items, 1)
		assert.Less(t, second.Items[0].ID, first.Items[0].ID)

		for _, bad := range []string{"limit=0", "limit=x", "before_id=-1", "case_id=nope"} {
			assert.Equal(t, http.StatusBadRequest, call(t, "GET", "/v1/outbox?"+bad, "admin", nil).Code, bad)
		}
	})
}

func TestCaseTypes(t *testing.T) {
	needServer(t)
	a := call(t, "GET", "/v1/case-types", "operator", nil)
	require.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
	var got struct{ Items []caseTypeDoc }
	require.NoError(t, json.Unmarshal(a.Body, &got))
	i := slices.IndexFunc(got.Items, func(d caseTypeDoc) bool { return d.Name == "plc" })
	require.GreaterOrEqual(t, i, 0, "plc is described")
	plc := got.Items[i]
	assert.NotEmpty(t, plc.Title)
	assert.Equal(t, sm.PLCIntake, plc.Initial)
	assert.Contains(t, plc.States, sm.PLCConfirmed)
	assert.ElementsMatch(t, []string{sm.PLCRedirected, sm.PLCNotPLC, sm.PLCClosed}, plc.Terminal)
	assert.Contains(t, plc.IntakeRoles, workflows.RoleOperator)
	assert.Contains(t, plc.SystemEvents, sm.PLCRegister)
	assert.Contains(t, plc.SystemEvents, sm.PLCVerdictOverdue)
	assert.True(t, strings.HasPrefix(plc.Mermaid, "stateDiagram-v2"))
	assert.Contains(t, plc.Mermaid, "awaiting_verdict --> confirmed: verdict_plc")
	assert.NotContains(t, string(a.Body), `"$ref"`, "schemas are inline")

	// The type's own policies (declared default and as configured), directory
	// roles and options.
	pi := slices.IndexFunc(plc.Policies, func(p policyDoc) bool { return p.Name == workflows.PolicyPLCVerdict })
	require.GreaterOrEqual(t, pi, 0, "plc declares its verdict policy")
	assert.Equal(t, "3 working hours", plc.Policies[pi].Default)
	assert.Equal(t, "3 working hours", plc.Policies[pi].Configured)
	assert.NotEmpty(t, plc.Policies[pi].Doc)
	di := slices.IndexFunc(plc.Directory, func(d settingDoc) bool { return d.Key == "engineers_by_category" })
	require.GreaterOrEqual(t, di, 0, "plc reads the engineers by category")
	assert.NotEmpty(t, plc.Directory[di].Doc)
	assert.Contains(t, string(plc.Directory[di].Schema), `"email"`)
	assert.Equal(t, "planned_date_working_day", plc.Options[0].Key)
	for _, d := range got.Items {
		if d.Name == "reclamation" {
			assert.Empty(t, d.Options, "the claim has no options")
			assert.NotContains(t, fmt.Sprint(d.Directory), "engineers_by_category", "a type lists only the roles it reads")
		}
	}

	var intake struct {
		Properties map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	require.NoError(t, json.Unmarshal(plc.IntakeSchema, &intake))
	assert.Contains(t, intake.Properties, "mood")
	assert.Contains(t, intake.Properties, "type")
	assert.Contains(t, intake.Properties["customer"].Properties, "phone")
	assert.Contains(t, intake.Properties["product"].Properties, "purchase_date")
	assert.Contains(t, intake.Required, "type")
	for name := range intake.Properties {
		assert.NotContains(t, name, "damage_", "the API has no field that asks for damage figures")
	}

	i = slices.IndexFunc(plc.Events, func(e eventDoc) bool { return e.Name == "verdict" })
	require.GreaterOrEqual(t, i, 0)
	verdict := plc.Events[i]
	assert.Equal(t, []string{sm.PLCAwaitingVerdict, sm.PLCChainExhausted, sm.PLCEscalating}, verdict.From)
	assert.Equal(t, []string{sm.PLCNotPLC, sm.PLCConfirmed}, verdict.To)
	assert.ElementsMatch(t, []string{workflows.RoleEngineer, workflows.RoleSupervisor}, verdict.Roles)
	assert.NotEmpty(t, verdict.Doc)
	var schema struct {
		Properties map[string]map[string]any `json:"properties"`
		Required   []string                  `json:"required"`
	}
	require.NoError(t, json.Unmarshal(verdict.Schema, &schema))
	assert.Equal(t, "boolean", schema.Properties["plc"]["type"])
	assert.Contains(t, schema.Required, "plc")
}

func TestListCases(t *testing.T) {
	needServer(t)
	older := openPLC(t, nil)
	newer := openPLC(t, func(m map[string]any) { m["channel"] = "chat" })
	waitState(t, older, sm.PLCAwaitingVerdict)
	waitState(t, newer, sm.PLCAwaitingVerdict)

	list := func(t *testing.T, query string) caseList {
		t.Helper()
		a := call(t, "GET", "/v1/cases?"+query, "supervisor", nil)
		require.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
		var l caseList
		require.NoError(t, json.Unmarshal(a.Body, &l))
		return l
	}
	position := func(l caseList, id string) int {
		return slices.IndexFunc(l.Items, func(c caseItem) bool { return c.ID == id })
	}

	q := url.Values{"type": {"plc"}, "state": {sm.PLCAwaitingVerdict}, "breached": {"false"}, "page_size": {"1000"}}.Encode()
	var l caseList
	require.Eventually(t, func() bool {
		l = list(t, q)
		return position(l, older) >= 0 && position(l, newer) >= 0
	}, 10*time.Second, 100*time.Millisecond, "both cases are listed in state awaiting_verdict")
	assert.Less(t, position(l, newer), position(l, older), "newest first")
	for _, c := range l.Items {
		assert.Equal(t, sm.PLCAwaitingVerdict, c.State)
		assert.Equal(t, "plc", c.Type)
		assert.False(t, c.Closed)
		assert.False(t, c.Breached)
	}
	it := l.Items[position(l, newer)]
	assert.Equal(t, workflows.WorkflowID("plc", newer), it.WorkflowID)
	assert.Equal(t, "PLC · chat · Холодильники C2F637CWRG", it.Title)
	assert.WithinDuration(t, time.Now(), it.OpenedAt, time.Minute)
	require.NotNil(t, it.Deadline)
	assert.True(t, it.Deadline.After(it.OpenedAt))

	assert.Equal(t, -1, position(list(t, "state="+sm.PLCClosed), newer), "state filter")
	assert.Equal(t, -1, position(list(t, "breached=true"), newer), "breached filter")

	first := list(t, "page_size=1")
	require.Len(t, first.Items, 1)
	require.NotEmpty(t, first.NextPageToken)
	second := list(t, "page_size=1&page_token="+first.NextPageToken)
	require.Len(t, second.Items, 1)
	assert.NotEqual(t, first.Items[0].ID, second.Items[0].ID)

	for _, bad := range []struct{ query, field string }{
		{"type=spaceship", "type"}, {"state=flying", "state"}, {"breached=maybe", "breached"},
		{"page_size=0", "page_size"}, {"page_size=lots", "page_size"}, {"page_token=%25%25", "page_token"},
	} {
		a := call(t, "GET", "/v1/cases?"+bad.query, "supervisor", nil)
		require.Equal(t, http.StatusBadRequest, a.Code, "%s: %s", bad.query, a.Body)
		assert.Equal(t, bad.field, a.Err(t)["field"], bad.query)
	}
}

func TestTasks(t *testing.T) {
	needServer(t)
	t.Run("who may list what", func(t *testing.T) {
		for _, c := range []struct {
			role, query string
			status      int
		}{
			{"operator", "", http.StatusOK},
			{"operator", "role=operator", http.StatusOK},
			{"operator", "role=engineer", http.StatusForbidden},
			{"engineer", "role=supervisor", http.StatusForbidden},
			{"executor", "", http.StatusOK},
			{"executor", "assignee=executor-1", http.StatusOK},
			{"executor", "assignee=someone-else", http.StatusForbidden},
			{"executor", "role=supervisor", http.StatusForbidden},
			{"supervisor", "role=engineer", http.StatusOK},
			{"admin", "", http.StatusOK},
			{"admin", "role=wizard", http.StatusBadRequest},
			{"supervisor", "assignee=a'b", http.StatusBadRequest},
		} {
			a := call(t, "GET", "/v1/tasks?"+c.query, c.role, nil)
			assert.Equal(t, c.status, a.Code, "%s %s: %s", c.role, c.query, a.Body)
		}
		a := call(t, "GET", "/v1/tasks?role=engineer", "supervisor", nil)
		assert.JSONEq(t, `{"items": []}`, string(a.Body))
	})

	t.Run("a failed letter becomes a supervisor task", func(t *testing.T) {
		key := "tasks-" + uuid.NewString()
		id := cases.IDFor("plc", key)
		h.failMail.Store(id, true)
		a := call(t, "POST", "/v1/cases", "operator", plcIntake(nil), "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, a.Code, "%s", a.Body)
		require.Equal(t, id, a.JSON(t)["id"])
		waitState(t, id, sm.PLCAwaitingVerdict)
		// The case registers before its letters go out: wait for the failed one's task.
		var v workflows.CaseView
		require.Eventually(t, func() bool { v = view(t, id); return len(v.Tasks) > 0 }, 20*time.Second, 100*time.Millisecond)

		var items []taskItem
		require.Eventually(t, func() bool {
			a := call(t, "GET", "/v1/tasks?role=supervisor", "supervisor", nil)
			require.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
			var got struct{ Items []taskItem }
			require.NoError(t, json.Unmarshal(a.Body, &got))
			items = slices.DeleteFunc(got.Items, func(t taskItem) bool { return t.CaseID != id })
			// Both letters fail, one after the other: compare with the view as it is now.
			v = view(t, id)
			return len(items) == len(v.Tasks)
		}, 10*time.Second, 100*time.Millisecond)
		for i, it := range items {
			assert.Equal(t, workflows.RoleSupervisor, it.Role)
			assert.Equal(t, "plc", it.CaseType)
			assert.Equal(t, workflows.WorkflowID("plc", id), it.WorkflowID)
			assert.NotEmpty(t, it.Title)
			if i > 0 {
				assert.False(t, it.Due.Before(items[i-1].Due), "earliest due first")
			}
		}
		a = call(t, "GET", "/v1/tasks", "operator", nil)
		assert.NotContains(t, string(a.Body), id, "an operator sees only operator tasks")
	})
}

func TestMetrics(t *testing.T) {
	needServer(t)
	call(t, "GET", "/v1/case-types", "operator", nil)
	a := call(t, "GET", "/metrics", "admin", nil)
	require.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
	body := string(a.Body)
	assert.Contains(t, body, `caseflow_http_requests_total{code="200",route="GET /v1/case-types"}`)
	assert.Contains(t, body, "caseflow_http_request_duration_seconds_bucket")
	assert.Contains(t, body, `caseflow_cases_opened_total{type="plc"}`)
}
