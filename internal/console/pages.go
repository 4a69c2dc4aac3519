package console

import (
	"cmp"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/httpapi"
	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/statemachines"
	"github.com/caseflow/caseflow/workflows"
)

// atRisk is the share of a task's time past which the inbox marks it «под
// угрозой» (ServiceNow's SLA timeline colours by elapsed share the same way).
const atRisk = 0.75

// maxLetters is how many of a case's letters its page lists, newest first.
const maxLetters = 200

// Inbox filters.
var filters = []struct{ Key, Label string }{
	{"", "Мои и моей роли"}, {"mine", "Мои"}, {"role", "Моей роли"}, {"overdue", "Просроченные"}, {"all", "Все"},
}

// inboxRow is one task of the inbox.
type inboxRow struct {
	Task     httpapi.TaskItem
	CaseType string
	Due      string
	Left     string
	Policy   string
	Breached bool
	AtRisk   bool
	Holder   string
	// Back is the page a claim button returns to.
	Back       string
	CanClaim   bool
	CanUnclaim bool
}

// boss may take and give back any task.
func boss(caller auth.Caller) bool {
	return caller.Role == workflows.RoleSupervisor || caller.Role == workflows.RoleAdmin
}

// inbox lists the caller's tasks: their own first, then their role's that
// nobody took, each earliest due first.
func (c *Console) inbox(w http.ResponseWriter, r *http.Request, caller auth.Caller) {
	filter := r.URL.Query().Get("filter")
	if !slices.ContainsFunc(filters, func(f struct{ Key, Label string }) bool { return f.Key == filter }) {
		filter = ""
	}
	items, views, err := c.api.Inbox(r.Context(), caller)
	if err != nil {
		c.apiProblem(w, r, err, "")
		return
	}
	now := c.cfg.Now()
	var mine, role, rest []inboxRow
	for _, it := range items {
		v, ok := views[it.CaseID]
		if !ok {
			continue
		}
		row := c.row(it, v, caller, now)
		row.Back = "/ui/inbox"
		if filter != "" {
			row.Back += "?filter=" + filter
		}
		isMine := it.ClaimedBy == caller.Name || (it.ClaimedBy == "" && it.Assignee == caller.Name)
		switch {
		case filter == "overdue" && !row.Breached:
			continue
		case isMine:
			mine = append(mine, row)
		case it.Role == caller.Role && it.ClaimedBy == "":
			role = append(role, row)
		default:
			rest = append(rest, row)
		}
	}
	var rows []inboxRow
	switch filter {
	case "mine":
		rows = mine
	case "role":
		rows = role
	case "overdue", "all":
		rows = slices.Concat(mine, role, rest)
		slices.SortStableFunc(rows, func(a, b inboxRow) int { return a.Task.Due.Compare(b.Task.Due) })
	default:
		rows = slices.Concat(mine, role)
	}
	c.render(w, r, http.StatusOK, "inbox", page{Title: "Входящие", Caller: caller, Data: map[string]any{
		"Rows": rows, "Filter": filter, "Filters": filters, "Now": c.clock(now),
	}})
}

// row describes a task: its due, time left, policy and whether it is breached
// or at risk.
func (c *Console) row(it httpapi.TaskItem, v workflows.CaseView, caller auth.Caller, now time.Time) inboxRow {
	row := inboxRow{Task: it, CaseType: typeLabel(it.CaseType), Due: c.clock(it.Due), Holder: cmp.Or(it.ClaimedBy, it.Assignee)}
	start := v.OpenedAt
	for _, d := range v.Deadlines {
		if d.Due.Equal(it.Due) && !d.Met {
			start = d.Basis.Start
			row.Policy = policyLabel(d.Basis.Policy, d.Basis.Duration)
			break
		}
	}
	left := it.Due.Sub(now)
	row.Breached = left < 0
	if total := it.Due.Sub(start); !row.Breached && total > 0 {
		row.AtRisk = float64(now.Sub(start))/float64(total) > atRisk
	}
	if row.Breached {
		row.Left = "просрочено на " + span(-left)
	} else {
		row.Left = span(left)
	}
	row.CanClaim = it.ClaimedBy == "" && (it.Role == caller.Role || boss(caller))
	row.CanUnclaim = it.ClaimedBy != "" && (it.ClaimedBy == caller.Name || boss(caller))
	return row
}

// span is a duration in Russian: days, hours, minutes.
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d дн %d ч", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d ч %02d мин", hours, mins)
	}
	return fmt.Sprintf("%d мин", mins)
}

// clock is a time in the console's zone.
func (c *Console) clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(c.cfg.Zone).Format("02.01.2006 15:04")
}

// claim takes or gives back a task, then goes back where the button was.
func (c *Console) claim(w http.ResponseWriter, r *http.Request, caller auth.Caller) {
	action := r.PathValue("action")
	if action != "claim" && action != "unclaim" {
		c.problem(w, r, http.StatusNotFound, "Нет такой страницы", "Задачу можно только взять или вернуть.")
		return
	}
	if _, err := c.api.ClaimTask(r.Context(), caller, r.PathValue("id"), action == "claim"); err != nil {
		c.apiProblem(w, r, err, "")
		return
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("back")), http.StatusSeeOther)
}

// eventForm is one of the caller's allowed events as a form.
type eventForm struct {
	Name, Label, Doc string
	Fields           []field
	RequestID        string
	Open             bool
}

// casePage shows a case: state, the caller's allowed events as forms,
// deadlines with their basis, tasks, audit trail and related cases.
func (c *Console) casePage(w http.ResponseWriter, r *http.Request, caller auth.Caller) {
	view, err := c.api.Case(r.Context(), caller, r.PathValue("id"))
	if err != nil {
		c.apiProblem(w, r, err, "")
		return
	}
	c.renderCase(w, r, http.StatusOK, caller, view, "", nil, nil)
}

// renderCase renders the case page; failed (with the form and errors) is the
// event whose submission failed.
func (c *Console) renderCase(w http.ResponseWriter, r *http.Request, code int, caller auth.Caller, view workflows.CaseView, failed string, fields []field, errs []formError) {
	ct, _ := workflows.Lookup(view.Type)
	var forms []eventForm
	for _, name := range view.AllowedEvents {
		spec := ct.Event(name)
		if spec == nil || !spec.Allows(caller.Role) {
			continue
		}
		f := eventForm{Name: name, Label: eventLabel(name), Doc: spec.Doc, RequestID: rand.Text()}
		if name == failed {
			f.Fields, f.Open = fields, true
		} else {
			f.Fields = fieldsOf(c.api.EventSchema(view.Type, name), "")
		}
		forms = append(forms, f)
	}
	var tasks []inboxRow
	now := c.cfg.Now()
	for _, t := range view.Tasks {
		row := c.row(httpapi.TaskItem{Task: t, CaseType: view.Type, WorkflowID: view.WorkflowID}, view, caller, now)
		row.Back = "/ui/cases/" + view.ID
		tasks = append(tasks, row)
	}
	raw, _ := json.Marshal(view.Data)
	_, data := c.describe(raw)
	var records []datum
	if c.cfg.Records != nil {
		if recs, err := c.cfg.Records.ListCaseRecords(r.Context(), view.ID); err != nil {
			c.log.Error("console records", "case", view.ID, "error", err)
		} else {
			raw, _ := json.Marshal(recs)
			_, records = c.describe(raw)
		}
	}
	var letters []activities.SentMail
	if c.cfg.Letters != nil {
		// The page has been read through the API's read check: the case's
		// letters are the caller's to see.
		var lerr error
		if letters, lerr = c.cfg.Letters.ListOutbox(r.Context(), store.OutboxQuery{CaseID: view.ID, Limit: maxLetters}); lerr != nil {
			c.log.Error("console letters", "case", view.ID, "error", lerr)
		}
	}
	history := slices.Clone(view.History)
	slices.Reverse(history)
	c.render(w, r, code, "case", page{Title: typeLabel(view.Type) + " · " + shortID(view.ID), Caller: caller, Errors: errs, Data: map[string]any{
		"View": view, "Forms": forms, "Tasks": tasks, "History": history, "Self": "/ui/cases/" + view.ID, "Data": data, "Records": records,
		"Letters": letters,
	}})
}

// sendEvent applies an event from its form; a refusal renders the case page
// with an error summary (400) or the conflict page (409).
func (c *Console) sendEvent(w http.ResponseWriter, r *http.Request, caller auth.Caller) {
	r.Body = http.MaxBytesReader(w, r.Body, httpapi.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		c.problem(w, r, http.StatusBadRequest, "Форма не прочитана", "Форма слишком велика или повреждена.")
		return
	}
	id, event := r.PathValue("id"), r.PathValue("event")
	view, err := c.api.Case(r.Context(), caller, id)
	if err != nil {
		c.apiProblem(w, r, err, "")
		return
	}
	fields := fieldsOf(c.api.EventSchema(view.Type, event), "")
	data, _ := json.Marshal(collect(fields, r.PostForm))
	_, err = c.api.SendEvent(r.Context(), caller, id, event, data, printable(r.PostFormValue("request_id")))
	if err == nil {
		http.Redirect(w, r, "/ui/cases/"+view.ID, http.StatusSeeOther)
		return
	}
	var e *httpapi.Error
	if errors.As(err, &e) && e.Code == httpapi.ECodeInvalid {
		fill(fields, r.PostForm)
		path := strings.TrimPrefix(strings.TrimPrefix(e.Field, "data"), ".")
		fe := formError{Message: e.Message}
		if fe.ID, fe.Label, _ = markError(fields, path, e.Message); fe.ID == "" {
			fe.ID = "ev-" + event
		}
		c.renderCase(w, r, http.StatusBadRequest, caller, view, event, fields, []formError{fe})
		return
	}
	c.apiProblem(w, r, err, event)
}

// newPage is the new-case form of a type the caller may open.
func (c *Console) newPage(w http.ResponseWriter, r *http.Request, caller auth.Caller) {
	c.renderNew(w, r, http.StatusOK, caller, r.URL.Query().Get("type"), "", nil, nil)
}

// renderNew renders the intake form; key is kept across a failed submission
// (no case was opened under it), fresh otherwise.
func (c *Console) renderNew(w http.ResponseWriter, r *http.Request, code int, caller auth.Caller, typ, key string, fields []field, errs []formError) {
	var types []option
	for _, t := range workflows.Types() {
		if t.CanOpen(caller.Role) {
			types = append(types, option{Value: t.Name, Label: typeLabel(t.Name), Selected: t.Name == typ})
		}
	}
	if !slices.ContainsFunc(types, func(o option) bool { return o.Value == typ }) {
		typ = ""
	}
	if typ != "" && fields == nil {
		fields = fieldsOf(c.api.IntakeSchema(typ), "", "type")
	}
	if key == "" {
		key = rand.Text()
	}
	c.render(w, r, code, "new", page{Title: "Новое обращение", Caller: caller, Errors: errs, Data: map[string]any{
		"Types": types, "Type": typ, "TypeLabel": typeLabel(typ), "Fields": fields, "Key": key,
	}})
}

// openCase opens a case from the intake form under the form's key: a second
// submission of the same form finds the same case.
func (c *Console) openCase(w http.ResponseWriter, r *http.Request, caller auth.Caller) {
	r.Body = http.MaxBytesReader(w, r.Body, httpapi.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		c.problem(w, r, http.StatusBadRequest, "Форма не прочитана", "Форма слишком велика или повреждена.")
		return
	}
	typ, key := r.PostFormValue("type"), printable(r.PostFormValue("idempotency_key"))
	ct, ok := workflows.Lookup(typ)
	if !ok || !ct.CanOpen(caller.Role) {
		c.problem(w, r, http.StatusForbidden, "Нельзя открыть", "Обращение этого типа ваша роль не открывает.")
		return
	}
	fields := fieldsOf(c.api.IntakeSchema(typ), "", "type")
	body := collect(fields, r.PostForm)
	body["type"] = typ
	raw, _ := json.Marshal(body)
	opened, err := c.api.OpenCase(r.Context(), caller, key, raw)
	if err == nil {
		http.Redirect(w, r, "/ui/cases/"+opened.ID, http.StatusSeeOther)
		return
	}
	var e *httpapi.Error
	if errors.As(err, &e) && e.Code == httpapi.ECodeInvalid {
		fill(fields, r.PostForm)
		fe := formError{Message: e.Message}
		if fe.ID, fe.Label, _ = markError(fields, e.Field, e.Message); fe.ID == "" {
			fe.ID = "intake"
		}
		c.renderNew(w, r, http.StatusBadRequest, caller, typ, key, fields, []formError{fe})
		return
	}
	c.apiProblem(w, r, err, "")
}

// printable keeps a form's key to what an Idempotency-Key takes.
func printable(s string) string {
	if len(s) > httpapi.MaxIdempotencyKey || strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
		return ""
	}
	return s
}

// transition is one row of the diagram's table.
type transition struct {
	From, Event, To string
	Current         bool
}

// diagram shows the case type's machine with the case's state marked.
func (c *Console) diagram(w http.ResponseWriter, r *http.Request, caller auth.Caller) {
	view, err := c.api.Case(r.Context(), caller, r.PathValue("id"))
	if err != nil {
		c.apiProblem(w, r, err, "")
		return
	}
	ct, _ := workflows.Lookup(view.Type)
	m := ct.Machine
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	for _, s := range m.States {
		fmt.Fprintf(&b, "    state \"%s\" as %s\n", mermaidText(stateLabel(s)), s)
	}
	fmt.Fprintf(&b, "    [*] --> %s\n", m.Initial)
	var rows []transition
	for _, t := range m.Transitions {
		for _, from := range t.From {
			to := t.To
			if to == statemachines.Stay {
				to = from
			}
			fmt.Fprintf(&b, "    %s --> %s: %s\n", from, to, mermaidText(eventLabel(t.Event)))
			rows = append(rows, transition{From: stateLabel(from), Event: eventLabel(t.Event), To: stateLabel(to), Current: from == view.State})
		}
	}
	for _, s := range m.Terminal {
		fmt.Fprintf(&b, "    %s --> [*]\n", s)
	}
	b.WriteString("    classDef current fill:#ffe08a,stroke:#5c3d00,stroke-width:4px,color:#1a1a1a,font-weight:bold\n")
	fmt.Fprintf(&b, "    class %s current\n", view.State)
	c.render(w, r, http.StatusOK, "diagram", page{Title: "Схема: " + typeLabel(view.Type) + " · " + shortID(view.ID), Caller: caller, Diagram: true, Data: map[string]any{
		"View": view, "Mermaid": b.String(), "Rows": rows,
	}})
}

// mermaidText keeps a label from closing Mermaid's syntax.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "«", ":", " —", ";", ",", "#", "№", "\n", " ").Replace(s)
}

// apiProblem renders the page of an API error: the conflict of a stale tab
// names the state and the events allowed in it.
func (c *Console) apiProblem(w http.ResponseWriter, r *http.Request, err error, event string) {
	var e *httpapi.Error
	if !errors.As(err, &e) {
		c.log.Error("console", "path", r.URL.Path, "error", err)
		c.problem(w, r, http.StatusServiceUnavailable, "Сервис не ответил", "Сервис не ответил вовремя; обновите страницу через минуту.")
		return
	}
	switch e.Code {
	case httpapi.ECodeConflict:
		allowed := make([]string, len(e.AllowedEvents))
		for i, a := range e.AllowedEvents {
			allowed[i] = "«" + eventLabel(a) + "»"
		}
		list := "ничего"
		if len(allowed) > 0 {
			list = strings.Join(allowed, ", ")
		}
		msg := fmt.Sprintf("Событие «%s» недоступно в состоянии «%s»; доступны: %s. Обновите страницу обращения: его уже изменили.", eventLabel(event), stateLabel(e.State), list)
		if event == "" || e.State == "" {
			msg = e.Message
		}
		c.problem(w, r, http.StatusConflict, "Недоступно", msg)
	case httpapi.ECodeForbidden:
		c.problem(w, r, http.StatusForbidden, "Нет прав", "Ваша роль не может это сделать. "+e.Message)
	case httpapi.ECodeNotFound:
		c.problem(w, r, http.StatusNotFound, "Не найдено", "Такого обращения нет.")
	case httpapi.ECodeInvalid:
		c.problem(w, r, http.StatusBadRequest, "Неверный запрос", e.Message)
	default:
		c.problem(w, r, http.StatusServiceUnavailable, "Сервис не ответил", "Сервис не ответил вовремя; обновите страницу через минуту.")
	}
}

// shortID is the first group of a case ID.
func shortID(id string) string {
	if i := strings.IndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}
