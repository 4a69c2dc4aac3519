package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/activities/activitiestest"
	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// testConfig is a small configuration with example addresses and a token per role.
const testConfig = `
directory:
  engineers_by_category:
    Холодильники: {name: Инженер Холодильников, email: fridge.engineer@example.com, phone: "+7 900 000-00-01"}
  default_engineer: {name: Дежурный Инженер, email: engineer@example.com, phone: "+7 900 000-00-02"}
  head_of_technical_support: {name: Руководитель Техподдержки, email: head.support@example.com, phone: "+7 900 000-00-03"}
  plc_copy_list:
    - {name: Эксперт Один, email: expert.one@example.com}
  shift_alert: [shift@example.com]
  supervisors_mailbox: supervisors@example.com
  complaints_mailbox: complaints@example.com
  claims_group: claims@example.com
  hpcc_manager: {name: Менеджер HPCC, email: hpcc@example.com}
  telecom_default_queue: backoffice
  telecom_retention_line: {name: Сохранения, phone: "+7 800 000-00-01"}
  telecom_equipment_line: {name: Эксперты оборудования, phone: "+7 800 000-00-02"}
  preferred_asc: МСС
  redirects:
    service_b2b: serviceb2b@example.com
    shop_help: shop.help@example.com
    call_center: call.center@example.com
    support: support@example.com
  escalation_chain:
    - {role: addressee, title: Инженер-адресат}
    - {title: Руководитель техподдержки, contact: {name: Руководитель Техподдержки, phone: "+7 900 000-00-03"}}
    - {title: Следующий руководитель, contact: {name: Следующий Руководитель, phone: "+7 900 000-00-04"}}
    - {title: Последний руководитель, contact: {name: Последний Руководитель, phone: "+7 900 000-00-05"}}
mail:
  from: caseflow@example.com
auth:
  tokens:
    - {name: operator-1, role: operator, token: tok-operator}
    - {name: expert-1, role: expert, token: tok-expert}
    - {name: supervisor-1, role: supervisor, token: tok-supervisor}
    - {name: engineer-1, role: engineer, token: tok-engineer}
    - {name: director-1, role: quality_director, token: tok-quality_director}
    - {name: executor-1, role: executor, token: tok-executor}
    - {name: admin-1, role: admin, token: tok-admin}
`

// h is the package's one environment: a Temporal dev server, a worker and the API.
// It starts on the first test that needs it (needServer), so that the tests and
// fuzz targets that need no server (run on their own, or in the fuzzing worker
// processes, which run TestMain too) never pay for one. Built with the tag
// nodevserver, the test binary leaves the Temporal server out altogether
// (devserver_test.go) and skips the tests that need it: a fuzzing build then
// instruments a third of the code, and runs several times faster.
var h *harness

// errNoDevServer is startHarness's error in a build without the server.
var errNoDevServer = errors.New("built with -tags nodevserver: no embedded Temporal server")

var (
	serverOnce sync.Once
	serverErr  error
	// stops stops what the harness started, in reverse order.
	stops []func()
)

type harness struct {
	url       string
	tc        client.Client
	namespace string
	mailer    *activitiestest.Mailer
	sms       *activitiestest.SMSSender
	// failMail holds case IDs whose letters fail for good (each failure opens a
	// supervisor task on the case).
	failMail sync.Map
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	os.Exit(code)
}

// needServer starts the harness on first use, and skips a test that needs the
// Temporal server under -short.
func needServer(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the embedded Temporal server; skipped with -short")
	}
	serverOnce.Do(func() {
		began := time.Now()
		h, serverErr = startHarness()
		if serverErr == nil {
			fmt.Fprintf(os.Stderr, "httpapi tests: embedded Temporal server started in %s\n", time.Since(began).Round(time.Millisecond))
		}
	})
	if errors.Is(serverErr, errNoDevServer) {
		t.Skip(serverErr)
	}
	if serverErr != nil {
		t.Fatalf("httpapi tests: %v", serverErr)
	}
}

// memOutbox reads the in-memory mailer like the store's outbox: newest first.
type memOutbox struct{ m *activitiestest.Mailer }

func (o memOutbox) ListOutbox(_ context.Context, q store.OutboxQuery) ([]activities.SentMail, error) {
	sent := o.m.Sent()
	slices.Reverse(sent)
	out := []activities.SentMail{}
	for _, s := range sent {
		if (q.CaseID == "" || s.CaseID == q.CaseID) && (q.BeforeID == 0 || s.ID < q.BeforeID) {
			out = append(out, s)
		}
		if len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// token is the test token of a role.
func token(role string) string { return "tok-" + role }

// answer is an HTTP answer.
type answer struct {
	Code   int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (a answer) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(a.Body, &m), "body: %s", a.Body)
	return m
}

// Err is the error object of an error answer.
func (a answer) Err(t *testing.T) map[string]any {
	t.Helper()
	e, ok := a.JSON(t)["error"].(map[string]any)
	require.True(t, ok, "no error object in %s", a.Body)
	return e
}

// call makes a request as role ("" for none); body is sent as is when it is a
// string or []byte, else as JSON.
func call(t *testing.T, method, path, role string, body any, header ...string) answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	require.NoError(t, err)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+token(role))
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{Code: resp.StatusCode, Header: resp.Header, Body: raw}
}

// plcIntake is a valid PLC intake body; change modifies it before use.
func plcIntake(change func(m map[string]any)) map[string]any {
	m := map[string]any{
		"type":    "plc",
		"channel": "phone",
		"customer": map[string]any{
			"full_name": "Иванов Иван Иванович", "phone": "+7 (900) 123-45-67",
			"email": "customer@example.com", "address": "г. Москва, ул. Примерная, д. 1, кв. 2",
		},
		"product": map[string]any{
			"brand": "Haier", "model": "C2F637CWRG", "category": "Холодильники",
			"purchase_date": "2024-05-17", "store": "М.Видео",
		},
		"description": "Холодильник задымился и оплавился, повреждён пол на кухне",
		"mood":        "взволнован",
		"demands":     []string{"замена холодильника"},
	}
	if change != nil {
		change(m)
	}
	return m
}

// openPLC opens a PLC case under a fresh key and returns its ID.
func openPLC(t *testing.T, change func(m map[string]any)) string {
	t.Helper()
	// An expert: a chat or mail PLC is the experts' (an operator opens phone ones).
	a := call(t, "POST", "/v1/cases", "expert", plcIntake(change), "Idempotency-Key", "test-"+uuid.NewString())
	require.Equal(t, http.StatusCreated, a.Code, "%s", a.Body)
	return a.JSON(t)["id"].(string)
}

// view reads a case's view.
func view(t *testing.T, id string) workflows.CaseView {
	t.Helper()
	a := call(t, "GET", "/v1/cases/"+id, "operator", nil)
	require.Equal(t, http.StatusOK, a.Code, "%s", a.Body)
	var v workflows.CaseView
	require.NoError(t, json.Unmarshal(a.Body, &v))
	return v
}

// waitState waits until the case reaches state.
func waitState(t *testing.T, id, state string) workflows.CaseView {
	t.Helper()
	var v workflows.CaseView
	require.Eventually(t, func() bool {
		v = view(t, id)
		return v.State == state
	}, 15*time.Second, 50*time.Millisecond, "case %s never reached %s", id, state)
	return v
}

// sendEvent posts an event as role.
func sendEvent(t *testing.T, id, role, event string, data any) answer {
	t.Helper()
	body := map[string]any{"event": event}
	if data != nil {
		body["data"] = data
	}
	return call(t, "POST", "/v1/cases/"+id+"/events", role, body)
}
