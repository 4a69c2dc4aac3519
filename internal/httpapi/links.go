package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/caseflow/caseflow/internal/actionlink"
	"github.com/caseflow/caseflow/workflows"
)

// The confirmation pages of action links (README "A decision by mail"): GET
// /act/{token} shows the decision and never acts (mail scanners prefetch
// links); POST sends the event as the link's role through applyEvent, the path
// of POST /v1/cases/{id}/events. The link is the credential: no token is asked.

//go:embed templates/act.html
var actFS embed.FS

var actPage = template.Must(template.ParseFS(actFS, "templates/act.html"))

// actCSS is the pages' only style; the CSP allows exactly it (by hash), and no
// script at all.
const actCSS = `body{margin:0;font:17px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1c1e21}` +
	`main{max-width:34rem;margin:0 auto;padding:1.2rem 1rem 2rem;background:#fff;min-height:100vh;box-sizing:border-box}` +
	`.brand{color:#5f6b7a;font-size:.85rem;margin:0 0 .4rem}.case{font-weight:600;margin:.2rem 0}` +
	`h1{font-size:1.35rem;margin:.6rem 0 1rem}dl{margin:0 0 1rem}dt{color:#5f6b7a;font-size:.85rem;margin-top:.6rem}dd{margin:0}` +
	`.decision{font-size:1.2rem;font-weight:700}label{display:block;margin:1rem 0 .3rem;font-weight:600}` +
	`textarea,input{width:100%;box-sizing:border-box;font:inherit;padding:.6rem;border:1px solid #b8c0cc;border-radius:.4rem}` +
	`button{display:block;width:100%;margin-top:1.2rem;padding:.9rem;font:inherit;font-weight:700;color:#fff;background:#1f6feb;border:0;border-radius:.5rem}` +
	`.hint{color:#5f6b7a;font-size:.85rem}.problem{background:#fff1f0;border:1px solid #f5c2c0;padding:.7rem;border-radius:.4rem}`

// actCSP is the pages' Content-Security-Policy: nothing but the one style and
// posting the form back to this server.
var actCSP = func() string {
	sum := sha256.Sum256([]byte(actCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()

// loggedPath is a request's path as the access log shows it: an action link's
// token is a credential, so the log names the link by its ID only.
func loggedPath(path string) string {
	if token, ok := strings.CutPrefix(path, "/act/"); ok && token != "" {
		return "/act/~" + actionlink.ID(token)
	}
	return path
}

// maxActForm bounds a confirmation page's form body.
const maxActForm = 64 << 10

// actView is what a confirmation page shows.
type actView struct {
	Heading  string
	Title    string
	Lines    []string
	Decision string
	State    string
	At, By   string
	Note     string
	Problem  string
	Form     bool
	Fields   []actField
	Expires  string
	CSS      template.CSS
}

// actField is a form field with the value the recipient typed.
type actField struct {
	workflows.FormField
	Value string
}

// actLink is a checked link and what it names.
type actLink struct {
	token  string
	id     string
	link   actionlink.Link
	action *workflows.MailAction
	spec   *workflows.EventSpec
	c      *foundCase
	title  string
}

// actActor is who the audit trail says sent an event through a link.
func actActor(role, id string) workflows.Actor {
	return workflows.Actor{Name: role + " (ссылка из письма " + id + ")", Role: role}
}

// zoneMSK shows times on the pages in Moscow time, as the letters do.
var zoneMSK = func() *time.Location {
	if z, err := time.LoadLocation("Europe/Moscow"); err == nil {
		return z
	}
	return time.FixedZone("MSK", 3*60*60)
}()

func pageTime(t time.Time) string { return t.In(zoneMSK).Format("02.01.2006 15:04 MST") }

// writeAct writes a confirmation page with the strict headers.
func (s *Server) writeAct(w http.ResponseWriter, code int, v actView) {
	v.CSS = template.CSS(actCSS)
	var buf bytes.Buffer
	if err := actPage.Execute(&buf, v); err != nil {
		s.log.Error("unable to render an action page", "err", err)
		code = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<!doctype html><title>Ошибка</title><p>Страница не построилась. Попробуйте ещё раз позже.")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", actCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// resolveAct checks a link and finds its case. A false ok means a page was written.
func (s *Server) resolveAct(ctx context.Context, w http.ResponseWriter, r *http.Request) (*actLink, bool) {
	token := r.PathValue("token")
	l, err := s.cfg.Links.Check(token, time.Now())
	switch {
	case errors.Is(err, actionlink.ErrExpired):
		s.writeAct(w, http.StatusGone, actView{Heading: "Срок действия ссылки истёк",
			Lines: []string{"Ссылка действовала до " + pageTime(l.ExpiresAt()) + ".", "Решение по обращению теперь принимается в системе обработки обращений или через руководителя смены."}})
		return nil, false
	case err != nil:
		s.writeAct(w, http.StatusBadRequest, actView{Heading: "Ссылка недействительна",
			Lines: []string{"Ссылка повреждена или создана не caseflow: проверьте, что она скопирована из письма целиком.", "Ничего не изменено."}})
		return nil, false
	}
	ct, _ := workflows.Lookup(l.Type)
	action := workflows.FindMailAction(l.Type, l.Outcome)
	if ct == nil || action == nil || action.Event != l.Event || ct.Event(l.Event) == nil {
		s.writeAct(w, http.StatusBadRequest, actView{Heading: "Ссылка недействительна",
			Lines: []string{"Такого решения больше нет в системе. Ничего не изменено."}})
		return nil, false
	}
	a := &actLink{token: token, id: actionlink.ID(token), link: l, action: action, spec: ct.Event(l.Event)}
	wid := workflows.WorkflowID(l.Type, l.Case)
	d, err := s.tc.DescribeWorkflowExecution(ctx, wid, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		s.writeAct(w, http.StatusNotFound, actView{Heading: "Обращение не найдено", Lines: []string{"Обращения по этой ссылке нет в системе."}})
		return nil, false
	case err != nil:
		s.log.Error("action link: describe", "err", err)
		s.writeAct(w, http.StatusServiceUnavailable, actView{Heading: "Система не ответила", Lines: []string{"Попробуйте открыть ссылку ещё раз через минуту. Ничего не изменено."}})
		return nil, false
	}
	info := d.GetWorkflowExecutionInfo()
	a.c = &foundCase{ID: l.Case, Type: ct, WfID: wid, RunID: info.GetExecution().GetRunId(),
		Running: info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, Status: info.GetStatus()}
	if p := info.GetMemo().GetFields()["title"]; p != nil {
		_ = s.dc.FromPayload(p, &a.title)
	}
	return a, true
}

// decided is the audit line of the event this link sent, nil when it sent none.
func (a *actLink) decided(view workflows.CaseView) *workflows.HistoryEntry {
	name := actActor(a.link.Role, a.id).Label()
	for i := range view.History {
		if view.History[i].Actor == name {
			return &view.History[i]
		}
	}
	return nil
}

// legal reports whether the link's event may enter the case now.
func (a *actLink) legal(view workflows.CaseView) bool {
	if view.Closed {
		return false
	}
	for _, e := range view.AllowedEvents {
		if e == a.link.Event {
			return true
		}
	}
	return false
}

// page is the page of a link for the case's view: what the link decided, the
// case's state when its event is no longer legal, else the form.
func (a *actLink) page(view workflows.CaseView, fields []actField) (int, actView) {
	v := actView{Title: a.title, Decision: a.action.Label, State: view.State}
	if e := a.decided(view); e != nil {
		v.Heading = "Решение уже принято по этой ссылке"
		v.Lines = []string{"Повторное нажатие ничего не меняет."}
		v.At, v.By, v.Note = pageTime(e.At), e.Actor, e.Note
		return http.StatusOK, v
	}
	if !a.legal(view) {
		v.Decision = ""
		v.Heading = "Решение больше не требуется"
		v.Lines = []string{"Обращение уже в другом состоянии: «" + a.action.Label + "» сейчас не принимается. Ничего не изменено."}
		if n := len(view.History); n > 0 {
			e := view.History[n-1]
			v.Lines = append(v.Lines, "Последнее событие: "+e.Event+" ("+pageTime(e.At)+", "+e.Actor+").")
		}
		return http.StatusConflict, v
	}
	v.Heading = "Подтвердите решение"
	v.Form, v.Fields = true, fields
	v.Expires = pageTime(a.link.ExpiresAt())
	return http.StatusOK, v
}

// emptyFields are the action's fields, blank.
func (a *actLink) emptyFields() []actField {
	out := make([]actField, len(a.action.Fields))
	for i, f := range a.action.Fields {
		out[i] = actField{FormField: f}
	}
	return out
}

// showAct answers GET /act/{token}: it shows, never acts.
func (s *Server) showAct(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	a, ok := s.resolveAct(ctx, w, r)
	if !ok {
		return
	}
	view, err := s.foundView(ctx, a.c)
	if err != nil {
		s.log.Error("action link: view", "err", err)
		s.writeAct(w, http.StatusServiceUnavailable, actView{Heading: "Система не ответила", Lines: []string{"Попробуйте открыть ссылку ещё раз через минуту."}})
		return
	}
	code, v := a.page(view, a.emptyFields())
	if code == http.StatusConflict {
		code = http.StatusOK // a GET asked nothing: the state is the answer
	}
	s.writeAct(w, code, v)
}

// submitAct answers POST /act/{token}: it sends the event as the link's role,
// once; a second submit shows what the first decided.
func (s *Server) submitAct(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), updateTimeout)
	defer cancel()
	a, ok := s.resolveAct(ctx, w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxActForm)
	if err := r.ParseForm(); err != nil {
		s.writeAct(w, http.StatusBadRequest, actView{Heading: "Форма не прочитана", Title: a.title, Lines: []string{"Отправьте форму ещё раз со страницы подтверждения."}})
		return
	}
	view, err := s.foundView(ctx, a.c)
	if err != nil {
		s.log.Error("action link: view", "err", err)
		s.writeAct(w, http.StatusServiceUnavailable, actView{Heading: "Система не ответила", Lines: []string{"Попробуйте ещё раз через минуту. Ничего не изменено."}})
		return
	}
	fields := a.emptyFields()
	for i := range fields {
		fields[i].Value = strings.TrimSpace(r.PostForm.Get(fields[i].Name))
	}
	if code, v := a.page(view, fields); !v.Form {
		s.writeAct(w, code, v)
		return
	}
	data, problem := a.data(fields)
	if problem == "" {
		_, err = s.applyEvent(ctx, a.c, a.spec, "act-"+a.id, workflows.EventRequest{
			Event: a.link.Event, Data: data, Actor: actActor(a.link.Role, a.id)})
		s.metrics.observeEvent(a.c.Type.Name, a.link.Event, err)
		var e *Error
		switch {
		case err == nil:
		case errors.As(err, &e) && (e.Code == ECodeInvalid || e.Code == ECodeCaseLimit):
			problem = "Решение не принято: " + e.Error()
		case errors.As(err, &e) && e.Code == ECodeConflict:
			// Decided meanwhile (another link, the API): the page says how.
		default:
			s.log.Error("action link: event", "err", err)
			s.writeAct(w, http.StatusServiceUnavailable, actView{Heading: "Система не ответила", Title: a.title,
				Lines: []string{"Решение не принято: попробуйте отправить форму ещё раз через минуту."}})
			return
		}
	}
	if problem != "" {
		_, v := a.page(view, fields)
		v.Problem = problem
		s.writeAct(w, http.StatusUnprocessableEntity, v)
		return
	}
	if view, err = s.foundView(ctx, a.c); err != nil {
		s.writeAct(w, http.StatusOK, actView{Heading: "Решение принято", Title: a.title, Decision: a.action.Label})
		return
	}
	code, v := a.page(view, nil)
	if a.decided(view) != nil {
		v.Heading, v.Lines = "Решение принято", []string{"Спасибо! Обращение: «" + view.State + "»."}
	}
	s.writeAct(w, code, v)
}

// data is the event's data: the outcome's own, with the form's fields set at
// their paths; problem names a required field left empty.
func (a *actLink) data(fields []actField) (json.RawMessage, string) {
	var data any
	if err := json.Unmarshal(a.action.Data, &data); err != nil {
		return nil, "Решение устроено неверно: " + err.Error()
	}
	if data == nil {
		data = map[string]any{}
	}
	for _, f := range fields {
		if f.Value == "" {
			if f.Required {
				return nil, "Заполните поле «" + f.Label + "»."
			}
			continue
		}
		var err error
		if data, err = setPath(data, strings.Split(f.Name, "."), f.Value); err != nil {
			return nil, err.Error()
		}
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err.Error()
	}
	return raw, ""
}

// setPath sets value at a dotted path ("executors.0.name") in decoded JSON,
// making objects and growing arrays on the way.
func setPath(node any, path []string, value string) (any, error) {
	if len(path) == 0 {
		return value, nil
	}
	if i, err := strconv.Atoi(path[0]); err == nil {
		arr, _ := node.([]any)
		if i < 0 || i > 64 {
			return nil, fmt.Errorf("field index %d out of range", i)
		}
		for len(arr) <= i {
			arr = append(arr, nil)
		}
		v, err := setPath(arr[i], path[1:], value)
		arr[i] = v
		return arr, err
	}
	obj, _ := node.(map[string]any)
	if obj == nil {
		obj = map[string]any{}
	}
	v, err := setPath(obj[path[0]], path[1:], value)
	obj[path[0]] = v
	return obj, err
}
