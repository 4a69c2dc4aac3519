// Package console is the operator console: the web pages, served under /ui/ by
// the API server, through which hotline operators, experts, supervisors,
// engineers and the quality director act on cases — an inbox of tasks, a case
// page with the caller's events as forms, a new-case form and the case type's
// state diagram. Pages are rendered on the server (html/template); htmx is an
// enhancement only: every action is a plain form POST.
//
// A login with a configured API token opens a session kept in the SQL store
// (cookie __Host-caseflow: a random ID, HttpOnly, Secure, SameSite=Strict;
// idle 30 minutes, at most 12 hours); the token never stays in the browser and
// the cookie never authenticates /v1/*. Cross-origin POSTs are refused
// (http.CrossOriginProtection); the Content-Security-Policy allows no inline
// script. Handlers call the API's own service functions (httpapi.Server), so
// every rule of /v1 holds here too.
package console

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/calendar"
	"github.com/caseflow/caseflow/internal/httpapi"
	"github.com/caseflow/caseflow/internal/store"
)

// Session limits (OWASP's session management guidance for a staff tool).
const (
	// IdleTimeout ends a session unused this long.
	IdleTimeout = 30 * time.Minute
	// MaxAge ends a session this long after the login, however used.
	MaxAge = 12 * time.Hour
	// CookieName is the session cookie: the __Host- prefix binds it to this
	// host, path / and Secure.
	CookieName = "__Host-caseflow"
)

// Prefix is where the console is served.
const Prefix = "/ui/"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Sessions keeps the console's logins (store.Store does).
type Sessions interface {
	CreateSession(ctx context.Context, id, caller, role string) error
	TouchSession(ctx context.Context, id string, idle, maxAge time.Duration) (store.Session, bool, error)
	DeleteSession(ctx context.Context, id string) error
	PurgeSessions(ctx context.Context, cutoff time.Time) error
}

// Config is what the console depends on.
type Config struct {
	// API is the API server whose service the console calls.
	API *httpapi.Server
	// Sessions keeps the logins.
	Sessions Sessions
	// Records, when set, lists a case's records (consultations, service
	// requests, tickets, claims) on its page.
	Records interface {
		ListCaseRecords(ctx context.Context, caseID string) (activities.CaseRecords, error)
	}
	// Letters, when set, lists the letters a case sent (the outbox) on its
	// page, to whoever may read the case.
	Letters interface {
		ListOutbox(ctx context.Context, q store.OutboxQuery) ([]activities.SentMail, error)
	}
	// Zone is where times are shown (the default calendar's zone); nil: UTC.
	Zone *time.Location
	// Logger receives errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock of the inbox's time left; nil: time.Now.
	Now func() time.Time
}

// Console serves the pages.
type Console struct {
	cfg   Config
	api   *httpapi.Server
	log   *slog.Logger
	pages map[string]*template.Template
	mux   *http.ServeMux
}

// Mount builds the console and serves it under /ui/ on the API server.
func Mount(cfg Config) error {
	c, err := New(cfg)
	if err != nil {
		return err
	}
	cfg.API.Mount(Prefix, c)
	return nil
}

// New builds the console.
func New(cfg Config) (*Console, error) {
	switch {
	case cfg.API == nil:
		return nil, errors.New("console: API is required")
	case cfg.Sessions == nil:
		return nil, errors.New("console: Sessions is required")
	}
	if cfg.Zone == nil {
		cfg.Zone = defaultZone(cfg.API)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Console{cfg: cfg, api: cfg.API, log: cfg.Logger, mux: http.NewServeMux(), pages: map[string]*template.Template{}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, page := range []string{"login", "inbox", "case", "new", "diagram", "problem"} {
		t, err := template.New(page).Funcs(c.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/form.html", "templates/"+page+".html")
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", page, err)
		}
		c.pages[page] = t
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	c.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", staticFiles(http.FileServerFS(static))))
	c.mux.HandleFunc("GET /ui/login", c.loginPage)
	c.mux.HandleFunc("POST /ui/login", c.login)
	c.mux.HandleFunc("POST /ui/logout", c.logout)
	c.mux.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/inbox", http.StatusSeeOther) })
	c.mux.Handle("GET /ui/inbox", c.authed(c.inbox))
	c.mux.Handle("POST /ui/tasks/{id}/{action}", c.authed(c.claim))
	c.mux.Handle("GET /ui/cases/{id}", c.authed(c.casePage))
	c.mux.Handle("POST /ui/cases/{id}/events/{event}", c.authed(c.sendEvent))
	c.mux.Handle("GET /ui/cases/{id}/diagram", c.authed(c.diagram))
	c.mux.Handle("GET /ui/new", c.authed(c.newPage))
	c.mux.Handle("POST /ui/new", c.authed(c.openCase))
	return c, nil
}

// defaultZone is the zone of the default calendar; UTC when it has none.
func defaultZone(api *httpapi.Server) *time.Location {
	if s := api.Settings(); s != nil && s.Calendars != nil {
		if cal, err := s.Calendars.Calendar(calendar.DefaultCalendar); err == nil {
			if loc, err := time.LoadLocation(cal.Zone); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}

// csp is the Content-Security-Policy of every page: nothing inline, nothing
// from elsewhere, no framing.
const csp = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"

// diagramCSP lets Mermaid style the SVG it draws (it writes a <style>
// element); scripts stay 'self' only.
const diagramCSP = csp + "; style-src 'self' 'unsafe-inline'"

// ServeHTTP sets the security headers and refuses cross-origin requests that
// change something.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.problem(w, r, http.StatusForbidden, "Запрос отклонён", "Запрос пришёл с другого сайта: консоль принимает действия только со своих страниц.")
	}))
	cop.Handler(c.mux).ServeHTTP(w, r)
}

// staticFiles lets the browser cache the vendored files for a day.
func staticFiles(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// handler is a page handler of a logged-in caller.
type handler func(w http.ResponseWriter, r *http.Request, caller auth.Caller)

// authed finds the caller's session, or sends them to the login page.
func (c *Console) authed(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, ok := c.session(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.problem(w, r, http.StatusUnauthorized, "Сеанс завершён", "Войдите снова: сеанс закончился (30 минут без действий или 12 часов с входа).")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, caller)
	})
}

// session is the caller of the request's session cookie, if it is live.
func (c *Console) session(r *http.Request) (auth.Caller, bool) {
	ck, err := r.Cookie(CookieName)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return auth.Caller{}, false
	}
	s, ok, err := c.cfg.Sessions.TouchSession(r.Context(), ck.Value, IdleTimeout, MaxAge)
	if err != nil {
		c.log.Error("console session", "error", err)
		return auth.Caller{}, false
	}
	if !ok {
		return auth.Caller{}, false
	}
	return auth.Caller{Name: s.Caller, Role: s.Role}, true
}

// loginPage asks for the token.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "login", page{Title: "Вход", Data: map[string]string{"Next": safeNext(r.URL.Query().Get("next"))}})
}

// login checks the token as the API does, then opens a session.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	token := strings.TrimSpace(r.PostFormValue("token"))
	next := safeNext(r.PostFormValue("next"))
	probe, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "/", nil)
	probe.Header.Set("Authorization", "Bearer "+token)
	caller, ok := c.api.Authenticator().Authenticate(probe)
	if token == "" || !ok {
		c.render(w, r, http.StatusUnauthorized, "login", page{Title: "Вход", Data: map[string]string{"Next": next},
			Errors: []formError{{ID: "token", Message: "Токен не подошёл: проверьте его и попробуйте снова."}}})
		return
	}
	// Sessions nobody used for IdleTimeout are dead: each login clears them.
	if err := c.cfg.Sessions.PurgeSessions(r.Context(), time.Now().Add(-IdleTimeout)); err != nil {
		c.log.Error("console session purge", "error", err)
	}
	id := rand.Text() + rand.Text()
	if err := c.cfg.Sessions.CreateSession(r.Context(), id, caller.Name, caller.Role); err != nil {
		c.log.Error("console login", "error", err)
		c.problem(w, r, http.StatusInternalServerError, "Вход не удался", "Сеанс не удалось сохранить; попробуйте ещё раз.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/", MaxAge: int(MaxAge.Seconds()),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout deletes the session and the cookie.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(CookieName); err == nil {
		if err := c.cfg.Sessions.DeleteSession(r.Context(), ck.Value); err != nil {
			c.log.Error("console logout", "error", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

// safeNext keeps a redirect target inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/ui/inbox"
	}
	return next
}

// page is what every template gets.
type page struct {
	Title  string
	Caller auth.Caller
	// Errors is the error summary, each linked to its field.
	Errors []formError
	// Diagram loads Mermaid (the diagram page only).
	Diagram bool
	Data    any
}

// formError is one line of an error summary.
type formError struct {
	ID      string
	Label   string
	Message string
}

// render writes a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	if p.Diagram {
		w.Header().Set("Content-Security-Policy", diagramCSP)
	}
	var b strings.Builder
	if err := c.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		c.log.Error("console render", "page", name, "error", err)
		http.Error(w, "Страница не отрисована", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String()))
}

// problem renders an error page.
func (c *Console) problem(w http.ResponseWriter, r *http.Request, code int, title, message string) {
	caller, _ := c.session(r)
	c.render(w, r, code, "problem", page{Title: title, Caller: caller, Data: message})
}
