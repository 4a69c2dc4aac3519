package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/internal/console"
)

// chromium is Debian's browser the console's tests drive (.ci/run installs it).
const chromium = "/usr/bin/chromium"

// browser is one headless chromium for a test; each role logs in in a browser
// context of its own (its own cookies), like a person at their own desk.
type browser struct {
	t    *testing.T
	base string
	ctx  context.Context
	h    *harness
}

// newBrowser starts chromium, or skips the test saying why.
func newBrowser(t *testing.T, h *harness) *browser {
	path := chromium
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		} else {
			t.Skipf("browser tests skipped: no chromium at %s or on PATH (apt-get install chromium; .ci/run does)", chromium)
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-gpu", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	_, err := chromedp.Run(ctx, chromedp.Evaluate[int]("1"))
	require.NoError(t, err, "chromium starts")
	return &browser{t: t, base: h.api.URL, ctx: ctx, h: h}
}

// tab is a role's tab, logged in.
func (b *browser) tab(role string) context.Context {
	b.t.Helper()
	ctx, _ := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	// Every page of the tab records what its Content-Security-Policy blocked.
	require.NoError(b.t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = []; document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber))`,
		})
		return err
	})))
	b.open(ctx, "/ui/inbox")
	b.waitJS(ctx, `location.pathname === "/ui/login" && document.readyState === "complete"`)
	b.js(ctx, fmt.Sprintf(`document.getElementById("token").value = %q; document.querySelector("form[action='/ui/login']").submit(); true`, b.h.tokens[role]))
	b.waitJS(ctx, `location.pathname === "/ui/inbox" && document.readyState === "complete" && !!document.querySelector("h1")`)
	return ctx
}

// open navigates the tab to a console path.
func (b *browser) open(ctx context.Context, path string) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(ctx, chromedp.Navigate(b.base+path)), "open %s", path)
}

// js evaluates an expression and decodes its value.
func (b *browser) js(ctx context.Context, expr string) any {
	b.t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr, chromedp.EvalAwaitPromise))
	require.NoError(b.t, err, "%s", expr)
	return v
}

// text is an element's text ("" when there is none).
func (b *browser) text(ctx context.Context, selector string) string {
	b.t.Helper()
	s, _ := b.js(ctx, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, selector)).(string)
	return s
}

// waitJS waits until a condition holds in the tab (a page that is loading
// counts as not yet).
func (b *browser) waitJS(ctx context.Context, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " :: " + document.body.innerText.slice(0, 400)`))
			b.t.Fatalf("waited 30 s for %s (%v); page: %s", cond, err, loc)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// submitAndWait clicks a submit button and waits for the next page.
func (b *browser) submitAndWait(ctx context.Context, button string) {
	b.t.Helper()
	b.js(ctx, `window.__stale = true; true`)
	b.js(ctx, fmt.Sprintf(`document.querySelector(%q).click(); true`, button))
	b.waitJS(ctx, `!window.__stale && document.readyState === "complete" && !!document.querySelector("h1")`)
}

// fill sets form controls by their field path.
func (b *browser) fill(ctx context.Context, values map[string]string) {
	b.t.Helper()
	for k, v := range values {
		ok := b.js(ctx, fmt.Sprintf(`(function () { const el = document.getElementById(%q); if (!el) return false; el.value = %q; return true })()`, "f-"+k, v))
		require.Equal(b.t, true, ok, "no control for %s", k)
	}
}

// checkPage runs axe-core (no serious or critical violation) and looks for
// snake_case identifiers in the page's text.
func (b *browser) checkPage(ctx context.Context, name string) {
	b.t.Helper()
	axe, err := os.ReadFile(filepath.Join("testdata", "axe.min.js"))
	require.NoError(b.t, err)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+"\n;true"))
	require.NoError(b.t, err)
	v := b.js(ctx, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.id + " (" + v.impact + "): " + v.help + " — " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))`)
	assert.Empty(b.t, v, "axe-core on the %s page", name)
	snake := b.js(ctx, `(document.body.innerText.match(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g) || [])`)
	assert.Empty(b.t, snake, "snake_case identifiers in the text of the %s page", name)
	assert.Empty(b.t, b.js(ctx, `window.__csp || []`), "what the %s page's Content-Security-Policy blocked", name)
}

// screenshot keeps a picture of the page in docs/console when
// CASEFLOW_CONSOLE_SCREENSHOTS is set.
func (b *browser) screenshot(ctx context.Context, name string) {
	b.t.Helper()
	if os.Getenv("CASEFLOW_CONSOLE_SCREENSHOTS") == "" {
		return
	}
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err)
	require.NoError(b.t, os.WriteFile(filepath.Join("..", "..", "docs", "console", name+".png"), img, 0o644))
}

// TestConsoleInTheBrowser drives the operator console in chromium against the
// embedded server: login, intake (a double submit opens one case), inbox order
// and badges, claims, events as forms, the error summary, a stale tab's 409
// page, hidden and forged buttons, cross-site posts, escaping, the diagram, and
// axe-core on every page.
func TestConsoleInTheBrowser(t *testing.T) {
	h := newHarness(t)
	var offset atomic.Int64 // the console's clock runs ahead by this much
	require.NoError(t, console.Mount(console.Config{API: h.service, Sessions: h.store, Records: h.store, Letters: h.store,
		Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }}))
	b := newBrowser(t, h)

	operator := b.tab("operator")
	b.checkPage(operator, "inbox")

	// Intake: PLC through the form; the same form sent twice opens one case.
	b.open(operator, "/ui/new?type=plc")
	b.waitJS(operator, `!!document.getElementById("intake")`)
	b.fill(operator, map[string]string{
		"channel": "phone", "customer.full_name": "Петрова Анна Сергеевна", "customer.phone": "+7 916 555-12-34",
		"customer.address": "Казань, ул. Тестовая, 7", "product.brand": "Haier", "product.model": "C2F637CWRG",
		"product.category": "refrigerator", "product.purchase_date": "2024-12-20", "product.store": "Эльдорадо",
		"description": "Холодильник задымился и загорелся", "mood": "напугана", "demands": "компенсация кухни",
	})
	b.checkPage(operator, "new case")
	b.screenshot(operator, "intake")
	urls := b.js(operator, `(async () => { const f = document.getElementById("intake"); const body = new URLSearchParams(new FormData(f));
		const a = await fetch(f.action, {method: "POST", body}); const c = await fetch(f.action, {method: "POST", body});
		const why = new DOMParser().parseFromString(await a.text(), "text/html").querySelector("#error-summary, #problem");
		return [a.status, a.url, c.status, c.url, why ? why.textContent : ""] })()`).([]any)
	require.Equal(t, float64(200), urls[0], "%v", urls)
	assert.Equal(t, urls[1], urls[3], "a double submit finds the same case")
	b.submitAndWait(operator, "#open-case")
	loc := b.js(operator, `location.href`).(string)
	assert.Equal(t, urls[1], loc, "the form's own submit finds it again")
	plcID := strings.TrimPrefix(must(url.Parse(loc)).Path, "/ui/cases/")
	status, list := h.call("GET", "/v1/cases?type=plc", "supervisor", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Len(t, list["items"], 1, "one case for three submissions")
	h.waitState(plcID, "awaiting_verdict")

	// The engineer's verdict: new state, an audit row, the deadline met.
	engineer := b.tab("engineer")
	b.open(engineer, "/ui/cases/"+plcID)
	b.waitJS(engineer, `!!document.getElementById("ev-verdict")`)
	b.checkPage(engineer, "case")
	b.fill(engineer, map[string]string{"plc": "true", "comment": "возгорание компрессора"})
	b.submitAndWait(engineer, "#ev-verdict button[type=submit]")
	assert.NotEqual(t, "Ждёт вердикта инженера", b.text(engineer, "#state"), "the state moved")
	assert.Contains(t, b.text(engineer, "#history tbody tr"), "Вердикт: PLC", "the newest audit row")
	assert.Contains(t, b.text(engineer, "main"), "Соблюдён", "the verdict deadline met")
	assert.Contains(t, b.text(engineer, "main"), "Консультации", "the case's records (its GSIS consultation)")
	assert.Contains(t, b.text(engineer, "#letters"), "PLC", "the case's letters (the request to the engineer)")

	// The operator sees no expert's button; a forged post is refused.
	b.open(operator, "/ui/cases/"+plcID)
	b.waitJS(operator, `!!document.getElementById("state")`)
	assert.Equal(t, false, b.js(operator, `!!document.getElementById("ev-nrp_act_uploaded")`), "the expert's event is not offered")
	assert.Equal(t, true, b.js(operator, `!!document.getElementById("ev-documents_received")`), "the operator's event is")
	forged := b.js(operator, fmt.Sprintf(`fetch("/ui/cases/%s/events/nrp_act_uploaded", {method: "POST", body: new URLSearchParams({act_number: "НРП-1"})}).then(r => r.status)`, plcID))
	assert.Equal(t, float64(403), forged)

	// A stale tab: the event was sent elsewhere meanwhile → the 409 page.
	stale := h.open("operator", "plc-stale", plcBody("phone"))
	h.waitState(stale, "awaiting_verdict")
	b.open(engineer, "/ui/cases/"+stale)
	b.waitJS(engineer, `!!document.getElementById("ev-verdict")`)
	h.event(stale, "engineer", "verdict", map[string]any{"plc": false, "comment": "не подтверждено"})
	b.fill(engineer, map[string]string{"plc": "true"})
	b.submitAndWait(engineer, "#ev-verdict button[type=submit]")
	problem := b.text(engineer, "#problem")
	assert.Contains(t, problem, "Событие «Вердикт инженера» недоступно в состоянии «")
	assert.Contains(t, problem, "доступны:")

	// A CASE: bad data → the error summary linked to the field; a <script>
	// in a comment shows as text.
	telecom := h.open("operator", "console-telecom", telecomBody())
	h.waitState(telecom, "open")
	b.open(operator, "/ui/cases/"+telecom)
	b.waitJS(operator, `!!document.getElementById("ev-comment")`)
	b.submitAndWait(operator, "#ev-comment button[type=submit]")
	assert.Equal(t, "#f-text", b.js(operator, `document.querySelector("#error-summary a").getAttribute("href")`))
	assert.Equal(t, true, b.js(operator, `document.getElementById("f-text").getAttribute("aria-invalid") === "true"`))
	b.checkPage(operator, "case with an error summary")
	b.fill(operator, map[string]string{"text": `<script>window.pwned = 1</script><b>жирный</b>`})
	b.submitAndWait(operator, "#ev-comment button[type=submit]")
	assert.Contains(t, b.text(operator, "#history tbody tr"), `<script>window.pwned = 1</script><b>жирный</b>`, "shown as text")
	assert.Equal(t, true, b.js(operator, `window.pwned === undefined && !document.querySelector("#history script, #history b")`))
	b.screenshot(operator, "case")

	// Inbox: two CASEs in the experts' queue, earliest due first; claim one;
	// the badges as the clock passes 75 % and the due.
	h.event(telecom, "operator", "dispatch", nil)
	second := h.open("operator", "console-telecom-2", telecomBody())
	h.waitState(second, "open")
	h.event(second, "operator", "dispatch", nil)
	expert := b.tab("expert")
	b.waitJS(expert, `document.querySelectorAll("#inbox tbody tr").length >= 2`)
	dues := b.js(expert, `[...document.querySelectorAll("#inbox tbody tr")].map(r => r.dataset.due)`).([]any)
	for i := 1; i < len(dues); i++ {
		assert.LessOrEqual(t, dues[i-1].(string), dues[i].(string), "earliest due first: %v", dues)
	}
	b.submitAndWait(expert, "#inbox tbody tr button[type=submit]")
	b.open(expert, "/ui/inbox?filter=mine")
	b.waitJS(expert, `document.querySelectorAll("#inbox tbody tr").length === 1`)
	assert.Contains(t, b.text(expert, "#inbox tbody tr"), "Вернуть", "a taken task is the taker's to give back")
	assert.Contains(t, b.text(expert, "#inbox tbody tr"), "expert-1")

	view := h.waitState(second, "open_dispatch")
	var start, due time.Time
	for _, raw := range view["tasks"].([]any) {
		task := raw.(map[string]any)
		due = must(time.Parse(time.RFC3339Nano, task["due"].(string)))
	}
	for _, raw := range view["deadlines"].([]any) {
		d := raw.(map[string]any)
		if must(time.Parse(time.RFC3339Nano, d["due"].(string))).Equal(due) {
			start = must(time.Parse(time.RFC3339Nano, d["basis"].(map[string]any)["start"].(string)))
		}
	}
	require.False(t, start.IsZero(), "the task's deadline: %v", view["deadlines"])
	offset.Store(int64(start.Add(due.Sub(start) * 9 / 10).Sub(time.Now())))
	b.open(expert, "/ui/inbox?filter=all")
	b.waitJS(expert, `!!document.querySelector("#inbox .badge.at-risk")`)
	assert.Contains(t, b.text(expert, "#inbox .badge.at-risk"), "Под угрозой")
	offset.Store(int64(due.Sub(time.Now()) + time.Hour))
	b.open(expert, "/ui/inbox?filter=overdue")
	b.waitJS(expert, `!!document.querySelector("#inbox .badge.breached")`)
	assert.Equal(t, "⚠ Просрочено", b.text(expert, "#inbox .badge.breached"), "an icon and a word, not colour alone")
	b.checkPage(expert, "inbox with badges")
	b.screenshot(expert, "inbox")
	offset.Store(0)

	// The diagram marks the current state, in the drawing and in words.
	b.open(engineer, "/ui/cases/"+plcID+"/diagram")
	b.waitJS(engineer, `!!document.querySelector("#diagram[data-rendered]")`)
	assert.Equal(t, "true", b.js(engineer, `document.getElementById("diagram").dataset.rendered`))
	assert.Equal(t, true, b.js(engineer, `document.querySelectorAll("#diagram svg .current").length > 0`), "classDef on the current state")
	assert.Contains(t, b.text(engineer, "#transitions tr.current"), "(текущее)")
	b.checkPage(engineer, "diagram")
	b.screenshot(engineer, "diagram")

	// A post from another site is refused, whatever its cookies.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/ui/cases/%s/events/comment"><input name="text" value="csrf"></form><script>document.getElementById("f").submit()</script>`, b.base, telecom)
	}))
	defer evil.Close()
	require.NoError(t, chromedp.Do(operator, chromedp.Navigate(evil.URL)))
	b.waitJS(operator, `location.href.startsWith(`+fmt.Sprintf("%q", b.base)+`) && !!document.getElementById("problem")`)
	assert.Contains(t, b.text(operator, "h1"), "Запрос отклонён")
	view = h.waitState(telecom, "open_dispatch")
	for _, raw := range view["history"].([]any) {
		assert.NotEqual(t, "csrf", raw.(map[string]any)["note"], "the cross-site comment never entered")
	}

	// Logout ends the session: the cookie opens nothing after it.
	b.open(operator, "/ui/inbox")
	b.waitJS(operator, `!!document.querySelector("form[action='/ui/logout']")`)
	b.submitAndWait(operator, "form[action='/ui/logout'] button")
	assert.Equal(t, "/ui/login", b.js(operator, `location.pathname`))
	b.checkPage(operator, "login")
	// The CSP check above sees violations: an off-site image is one.
	b.js(operator, `document.body.insertAdjacentHTML("beforeend", '<img alt="" src="http://example.invalid/x.png">'); true`)
	b.waitJS(operator, `window.__csp.length > 0`)

	checkSessionCookie(t, h)
}

// checkSessionCookie: the login's cookie is __Host-, random, HttpOnly, Secure
// and SameSite=Strict; it never authenticates /v1/*; pages carry the CSP; a
// bad token opens no session.
func checkSessionCookie(t *testing.T, h *harness) {
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login := func(token string) *http.Response {
		req, err := http.NewRequest("POST", h.api.URL+"/ui/login", strings.NewReader(url.Values{"token": {token}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := noRedirect.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	bad := login("not-a-token")
	assert.Equal(t, http.StatusUnauthorized, bad.StatusCode)
	assert.Empty(t, bad.Cookies())
	resp := login(h.tokens["supervisor"])
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Len(t, resp.Cookies(), 1)
	ck := resp.Cookies()[0]
	assert.Equal(t, console.CookieName, ck.Name)
	assert.True(t, ck.HttpOnly && ck.Secure && ck.SameSite == http.SameSiteStrictMode && ck.Path == "/" && ck.Domain == "", "%+v", ck)
	assert.GreaterOrEqual(t, len(ck.Value), 40, "a random ID")
	assert.NotContains(t, ck.Value, h.tokens["supervisor"], "the token never goes to the browser")

	api, err := http.NewRequest("GET", h.api.URL+"/v1/cases", nil)
	require.NoError(t, err)
	api.AddCookie(ck)
	got, err := http.DefaultClient.Do(api)
	require.NoError(t, err)
	got.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, got.StatusCode, "the cookie opens no /v1 call")

	page, err := http.NewRequest("GET", h.api.URL+"/ui/inbox", nil)
	require.NoError(t, err)
	page.AddCookie(ck)
	got, err = http.DefaultClient.Do(page)
	require.NoError(t, err)
	got.Body.Close()
	assert.Equal(t, http.StatusOK, got.StatusCode)
	assert.Contains(t, got.Header.Get("Content-Security-Policy"), "default-src 'self'")
	assert.NotContains(t, got.Header.Get("Content-Security-Policy"), "unsafe", "no inline script or style on the inbox")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(errors.Join(errors.New("must"), err))
	}
	return v
}
