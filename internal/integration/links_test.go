package integration

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/actionlink"
	"github.com/caseflow/caseflow/workflows"
)

// linkPage is an answer of a confirmation page.
type linkPage struct {
	status int
	header http.Header
	body   string
}

// visit GETs a link, or POSTs form to it, with a plain HTTP client and no token.
func visit(t *testing.T, method, link string, form url.Values) linkPage {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodGet {
		resp, err = http.Get(link)
	} else {
		resp, err = http.PostForm(link, form)
	}
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return linkPage{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

// actionLinks are the links of a letter's body by their label.
func actionLinks(t *testing.T, body, base string) map[string]string {
	t.Helper()
	out := map[string]string{}
	re := regexp.MustCompile(`(?m)^\s*(.+?): (` + regexp.QuoteMeta(base) + `/act/\S+)$`)
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestDecisionByMail: the PLC request carries a link per verdict; a GET shows
// and never acts, a POST sends the verdict as the engineer, a second POST
// shows the first result, the other verdict's link shows the state, and
// expired or tampered links are refused with a clear page.
func TestDecisionByMail(t *testing.T) {
	h := newHarness(t)
	id := h.open("expert", "plc-links-1", plcBody("email"))
	h.waitState(id, "awaiting_verdict")
	msgs, err := h.smtp.WaitFor(3, 20*time.Second)
	require.NoError(t, err)
	request := findSubject(msgs, "PLC "+customerName+" CONS-")
	require.NotNil(t, request)
	links := actionLinks(t, request.Body, h.api.URL)
	require.Len(t, links, 2, "one link per verdict:\n%s", request.Body)
	plc, notPLC := links["Это PLC"], links["Не PLC"]
	require.NotEmpty(t, plc)
	require.NotEmpty(t, notPLC)

	// Nothing personal in a link.
	for _, l := range links {
		payload, _, _ := strings.Cut(strings.TrimPrefix(l, h.api.URL+"/act/"), ".")
		raw, err := base64.RawURLEncoding.DecodeString(payload)
		require.NoError(t, err)
		for _, personal := range []string{customerName, customerPhone, "petrova", "engineer.fridges", "Казань"} {
			assert.NotContains(t, string(raw), personal)
		}
		assert.Contains(t, string(raw), id)
	}

	// A GET shows the decision and a form, and changes nothing.
	for range 2 {
		p := visit(t, http.MethodGet, plc, nil)
		require.Equal(t, http.StatusOK, p.status, p.body)
		assert.Contains(t, p.body, "Подтвердите решение")
		assert.Contains(t, p.body, "Это PLC")
		assert.Contains(t, p.body, "PLC · email · refrigerator", "the case's title (its memo, no personal data)")
		assert.Contains(t, p.body, `<form method="post"`)
		assert.NotContains(t, p.body, "<script")
		assert.NotContains(t, p.body, customerName)
		assert.Contains(t, p.header.Get("Content-Security-Policy"), "default-src 'none'")
		assert.Contains(t, p.header.Get("Content-Security-Policy"), "form-action 'self'")
		assert.Equal(t, "no-referrer", p.header.Get("Referrer-Policy"))
	}
	screenshot(t, plc)
	_, view := h.call("GET", "/v1/cases/"+id, "admin", nil)
	assert.Equal(t, "awaiting_verdict", view["state"], "a GET never acts")

	// The POST sends the verdict as the engineer, named by the link in the audit trail.
	p := visit(t, http.MethodPost, plc, url.Values{"comment": {"возгорание компрессора"}})
	require.Equal(t, http.StatusOK, p.status, p.body)
	assert.Contains(t, p.body, "Решение принято")
	view = h.waitState(id, "confirmed")
	verdicts := historyOf(view, "verdict_plc")
	require.Len(t, verdicts, 1, "%v", view["history"])
	linkID := actionlink.ID(strings.TrimPrefix(plc, h.api.URL+"/act/"))
	assert.Equal(t, "engineer (ссылка из письма "+linkID+")", verdicts[0]["actor"])
	assert.Equal(t, "возгорание компрессора", verdicts[0]["note"])

	// A second POST shows what the first decided and acts no more.
	p = visit(t, http.MethodPost, plc, url.Values{"comment": {"ещё раз"}})
	require.Equal(t, http.StatusOK, p.status, p.body)
	assert.Contains(t, p.body, "Решение уже принято по этой ссылке")
	assert.Contains(t, p.body, "возгорание компрессора")
	_, view = h.call("GET", "/v1/cases/"+id, "admin", nil)
	assert.Len(t, historyOf(view, "verdict_plc"), 1)

	// The other verdict is no longer legal: its link shows the case's state.
	p = visit(t, http.MethodGet, notPLC, nil)
	require.Equal(t, http.StatusOK, p.status, p.body)
	assert.Contains(t, p.body, "Решение больше не требуется")
	assert.Contains(t, p.body, "confirmed")
	assert.NotContains(t, p.body, "<form")
	p = visit(t, http.MethodPost, notPLC, url.Values{"comment": {"нет"}})
	assert.Equal(t, http.StatusConflict, p.status)
	assert.Contains(t, p.body, "confirmed")

	// Tampered: the outcome swapped under the old signature; a cut token.
	token := strings.TrimPrefix(notPLC, h.api.URL+"/act/")
	payload, sig, _ := strings.Cut(token, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	forged := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), `"o":"not_plc"`, `"o":"plc"`, 1))) + "." + sig
	for _, bad := range []string{h.api.URL + "/act/" + forged, notPLC[:len(notPLC)-4]} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			p = visit(t, m, bad, url.Values{})
			assert.Equal(t, http.StatusBadRequest, p.status, "%s %s", m, bad)
			assert.Contains(t, p.body, "Ссылка недействительна")
		}
	}

	// Expired: a genuine link past its time.
	tok, err := h.links.Sign(actionlink.Link{Type: "plc", Case: id, Event: "verdict", Outcome: "not_plc", Role: workflows.RoleEngineer,
		Expires: time.Now().Add(-time.Minute).Unix()})
	require.NoError(t, err)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		p = visit(t, m, h.links.URL(tok), url.Values{})
		assert.Equal(t, http.StatusGone, p.status)
		assert.Contains(t, p.body, "Срок действия ссылки истёк")
	}
	recordRun(t, h, workflows.WorkflowID("plc", id), "", "plc_links_history.json")
}

// TestBounceStartsTheChainAtOnce: the SMTP server refuses the engineer's
// address for good (550 at RCPT): the case is in the call chain at once, and
// the audit trail says why.
func TestBounceStartsTheChainAtOnce(t *testing.T) {
	h := newHarness(t)
	h.smtp.RejectRecipient("engineer.fridges@example.com")
	began := time.Now()
	id := h.open("expert", "plc-bounce-1", plcBody("email"))
	view := h.waitStateWithin(id, "escalating", 20*time.Second)
	t.Logf("escalating %s after the intake (the verdict's deadline is 3 working hours)", time.Since(began).Round(time.Millisecond))
	overdue := historyOf(view, "verdict_overdue")
	require.Len(t, overdue, 1)
	note := fmt.Sprint(overdue[0]["note"])
	assert.Contains(t, note, "refused the PLC request")
	assert.Contains(t, note, "550")
	assert.NotContains(t, note, "engineer.fridges", "the audit trail names no address")
	var call bool
	for _, task := range view["tasks"].([]any) {
		call = call || strings.HasPrefix(task.(map[string]any)["title"].(string), "Позвонить")
	}
	assert.True(t, call, "the chain's first call is a task: %v", view["tasks"])
	recordRun(t, h, workflows.WorkflowID("plc", id), "", "plc_bounce_history.json")
}

// historyOf are the audit lines of an event in a case view.
func historyOf(view map[string]any, event string) []map[string]any {
	var out []map[string]any
	hist, _ := view["history"].([]any)
	for _, e := range hist {
		if m := e.(map[string]any); m["event"] == event {
			out = append(out, m)
		}
	}
	return out
}

// screenshot renders a confirmation page in headless Chromium, as a phone
// shows it (412 px wide), to a temporary file, or to docs/ with
// CASEFLOW_SCREENSHOT_DOCS=1. Without Chromium it says why and does nothing:
// the HTTP checks carry the behaviour.
func screenshot(t *testing.T, link string) {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Log("screenshot skipped: no chromium on PATH (apt-get install chromium); the HTTP checks carry the behaviour")
		return
	}
	out := filepath.Join(t.TempDir(), "action-link.png")
	if os.Getenv("CASEFLOW_SCREENSHOT_DOCS") != "" {
		out, _ = filepath.Abs(filepath.Join("..", "..", "docs", "action-link-confirmation.png"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars", "--user-data-dir="+t.TempDir(),
		"--window-size=412,760", "--screenshot="+out, link)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, msg)
	}
	st, err := os.Stat(out)
	require.NoError(t, err, "chromium wrote no screenshot")
	assert.Greater(t, st.Size(), int64(5000), "a blank page?")
	t.Logf("screenshot of the confirmation page: %s (%d bytes)", out, st.Size())
}
