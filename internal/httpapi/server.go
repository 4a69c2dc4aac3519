// Package httpapi is caseflow's HTTP API v1 (SPEC §4): intake services and people
// open cases, send events, read cases, task inboxes and the outbox through it.
// Every call but /healthz needs a bearer token (package auth); the caller's role
// decides what it may do. Errors are one coded type (Error) mapped to a status in
// one function.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/internal/access"
	"github.com/caseflow/caseflow/internal/actionlink"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/cases"
	"github.com/caseflow/caseflow/internal/eventsig"
	"github.com/caseflow/caseflow/internal/store"
	"github.com/caseflow/caseflow/workflows"
)

// MaxBodyBytes is the largest request body the API reads (1 MiB).
const MaxBodyBytes = 1 << 20

// Timeouts of the Temporal calls one request makes.
const (
	// callTimeout bounds reads: describe, query, list.
	callTimeout = 10 * time.Second
	// stateQueryTimeout bounds the state query of the answer to an intake
	// sent again (a case already opened), which falls back to the initial
	// state.
	stateQueryTimeout = 2 * time.Second
	// updateTimeout bounds an event, which waits for the case to apply it.
	updateTimeout = 30 * time.Second
)

// Limits of the HTTP server of the API (NewHTTPServer). They bound how long a
// slow or stalled client holds a connection and a goroutine.
const (
	// ReadHeaderTimeout bounds reading a request's header.
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds reading a whole request, header and body: a body of
	// MaxBodyBytes (or a codec request of 4 MiB) at 150 KiB/s.
	ReadTimeout = 30 * time.Second
	// WriteTimeout bounds a request from the end of its header to the end of its
	// answer: reading the body, then an event waits up to updateTimeout for the
	// case to apply it, then the answer is written.
	WriteTimeout = ReadTimeout + updateTimeout + 15*time.Second
	// IdleTimeout bounds how long a kept-alive connection waits for its next request.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes bounds a request's header (net/http allows 4 KiB more):
	// a token, an Idempotency-Key, the UI's Authorization-Extras, with room to spare.
	MaxHeaderBytes = 64 << 10
)

// NewHTTPServer is the http.Server that serves h (the API) with the limits above.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// Outbox reads the letters the engine sent.
type Outbox interface {
	ListOutbox(ctx context.Context, q store.OutboxQuery) ([]activities.SentMail, error)
}

// Config is everything the API depends on.
type Config struct {
	// Temporal is the SDK client, with the project's data converter already set.
	Temporal client.Client
	// Namespace is the Temporal namespace of the cases (visibility queries need it).
	Namespace string
	// DataConverter decodes memos read from visibility; nil is the SDK's default.
	// Give the client's converter when it encrypts payloads.
	DataConverter converter.DataConverter
	// Outbox serves GET /v1/outbox.
	Outbox Outbox
	// Auth authenticates callers.
	Auth *auth.Authenticator
	// Settings is the configuration a new case takes its snapshot from.
	Settings func() *workflows.Settings
	// Signer, when set, signs every event request the API sends (the worker
	// checks it: internal/eventsig). caseflow always sets it.
	Signer *eventsig.Ring
	// Reads decides who reads which case (every case view, list item, task
	// and related case passes its Check); nil is the registry's defaults.
	Reads *access.Reads
	// Codec, when set, is mounted under /v1/codec/ (the remote payload codec of
	// the Temporal UI): /v1/codec/encode and /v1/codec/decode reach it as /encode
	// and /decode.
	Codec http.Handler
	// CodecOrigins are the origins (the UI's URL) allowed to call /v1/codec/ from
	// a browser.
	CodecOrigins []string
	// CodecUISecret, when set, lets a browser request from one of CodecOrigins
	// use the codec without a token at /v1/codec/<CodecUISecret>/encode and
	// …/decode. Only `caseflow dev` sets it, to a random value each run that it
	// gives its embedded Temporal UI as the codec endpoint: the UI on loopback
	// calls the codec over plain http, where it never forwards a token, and an
	// Origin header alone is forged by any local process. A production deployment
	// leaves it empty and serves the UI over https with its access token.
	CodecUISecret string
	// Links, when set, checks the action links of letters and serves their
	// confirmation pages at /act/{token} (links.go); nil serves none.
	Links *actionlink.Ring
	// Logger receives the access log and errors; nil discards them.
	Logger *slog.Logger
	// Metrics registers the API's metrics; nil is a private registry. GET
	// /metrics serves it when it is also a prometheus.Gatherer (as a
	// *prometheus.Registry is).
	Metrics prometheus.Registerer
}

// Server is the HTTP API; it implements http.Handler.
type Server struct {
	cfg       Config
	tc        client.Client
	starter   *cases.Starter
	dc        converter.DataConverter
	log       *slog.Logger
	mux       *http.ServeMux
	metrics   *metrics
	caseTypes []caseTypeDoc
	routes    []route
	// known is the type of each case this process has opened or found.
	known typeMemory
}

// New checks the config and builds the API.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Temporal == nil:
		return nil, errors.New("httpapi: Temporal client is required")
	case cfg.Namespace == "":
		return nil, errors.New("httpapi: Namespace is required")
	case cfg.Outbox == nil:
		return nil, errors.New("httpapi: Outbox is required")
	case cfg.Auth == nil:
		return nil, errors.New("httpapi: Auth is required")
	case cfg.Settings == nil:
		return nil, errors.New("httpapi: Settings is required")
	}
	s := &Server{cfg: cfg, tc: cfg.Temporal, dc: cfg.DataConverter, log: cfg.Logger, mux: http.NewServeMux(),
		starter: &cases.Starter{Client: cfg.Temporal, Settings: cfg.Settings}}
	if s.dc == nil {
		s.dc = converter.GetDefaultDataConverter()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.cfg.Reads == nil {
		s.cfg.Reads = access.Defaults()
	}
	m, gatherer, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	if s.caseTypes, err = describeCaseTypes(cfg.Settings()); err != nil {
		return nil, err
	}
	for i := range s.caseTypes {
		s.caseTypes[i].ReadRoles = s.cfg.Reads.Roles(s.caseTypes[i].Name)
	}

	s.routes = s.routeTable(gatherer)
	for _, rt := range s.routes {
		if rt.public {
			s.mux.Handle(rt.pattern, s.public(rt.h))
		} else {
			s.mux.Handle(rt.pattern, s.authed(rt.roles, rt.h))
		}
	}
	if cfg.Codec != nil {
		s.mux.Handle("/v1/codec/", s.codec(cfg.Codec, cfg.CodecOrigins, cfg.CodecUISecret))
	}
	if cfg.Links != nil {
		s.mux.HandleFunc("GET /act/{token}", s.showAct)
		s.mux.HandleFunc("POST /act/{token}", s.submitAct)
	}
	return s, nil
}

// route is one endpoint of the API and who may call it.
type route struct {
	pattern string
	// public needs no token.
	public bool
	// roles may call the route; empty: every role.
	roles []string
	h     handlerFunc
}

// adminOnly is the roles of the routes only admins may call.
var adminOnly = []string{workflows.RoleAdmin}

// codecRoles may call the payload codec with a token: it decrypts any case.
var codecRoles = []string{workflows.RoleAdmin, workflows.RoleSupervisor}

// routeTable is every route of the API but the optional codec, and the one place
// the API decides which roles may call which route. Which roles may open a case
// of a type or send one of its events is the case type's (workflows.CaseType
// IntakeRoles and EventSpec.Roles); the handlers check those.
func (s *Server) routeTable(gatherer prometheus.Gatherer) []route {
	return []route{
		{pattern: "GET /healthz", public: true, h: s.healthz},
		{pattern: "GET /v1/case-types", h: s.listCaseTypes},
		{pattern: "POST /v1/cases", h: s.openCase},
		{pattern: "GET /v1/cases", h: s.listCases},
		{pattern: "GET /v1/cases/{id}", h: s.getCase},
		{pattern: "POST /v1/cases/{id}/events", h: s.sendEvent},
		{pattern: "GET /v1/tasks", h: s.listTasks},
		{pattern: "POST /v1/tasks/{id}/claim", h: s.claimTask(true)},
		{pattern: "POST /v1/tasks/{id}/unclaim", h: s.claimTask(false)},
		{pattern: "GET /v1/outbox", roles: adminOnly, h: s.listOutbox},
		{pattern: "GET /metrics", roles: adminOnly, h: s.serveMetrics(gatherer)},
	}
}

// ServeHTTP routes a request, answers unknown routes with a JSON error, and
// records the access log and the request metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	info := &requestInfo{}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
	rec := &statusRecorder{ResponseWriter: w}

	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.unrouted(rec, r)
	} else {
		s.mux.ServeHTTP(rec, r) // sets r.Pattern
	}

	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	elapsed := time.Since(began)
	code := rec.status()
	s.metrics.observeRequest(route, code, elapsed)
	attrs := []slog.Attr{
		slog.String("method", r.Method), slog.String("path", loggedPath(r.URL.Path)), slog.String("route", route),
		slog.Int("status", code), slog.Int64("bytes", rec.bytes), slog.Duration("duration", elapsed),
		slog.String("remote", r.RemoteAddr),
	}
	if info.caller.Name != "" {
		attrs = append(attrs, slog.String("caller", info.caller.Name), slog.String("role", info.caller.Role))
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "http", attrs...)
}

// unrouted runs the mux's own answer for a request no pattern takes (404, 405, a
// redirect) and turns an error answer into the API's JSON error.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	c := &captureWriter{header: http.Header{}}
	h.ServeHTTP(c, r)
	switch c.code {
	case http.StatusNotFound:
		s.writeError(w, r, errorf(ECodeNotFound, "no route for %s %s", r.Method, r.URL.Path))
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", c.header.Get("Allow"))
		s.writeError(w, r, errorf(ECodeMethodNotAllowed, "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, c.header.Get("Allow")))
	default:
		for k, v := range c.header {
			w.Header()[k] = v
		}
		if c.code == 0 {
			c.code = http.StatusOK
		}
		w.WriteHeader(c.code)
		_, _ = w.Write(c.body.Bytes())
	}
}

// handlerFunc is an API handler: it gets the authenticated caller and returns an
// error instead of writing one.
type handlerFunc func(w http.ResponseWriter, r *http.Request, caller auth.Caller) error

// authed requires a valid bearer token of one of roles (any role when empty),
// then runs h and answers its error.
func (s *Server) authed(roles []string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, ok := s.authenticate(r)
		if !ok {
			s.writeError(w, r, errorf(ECodeUnauthorized, "a valid bearer token is required (Authorization: Bearer <token>)"))
			return
		}
		if len(roles) > 0 && !slices.Contains(roles, caller.Role) {
			s.writeError(w, r, errorf(ECodeForbidden, "role %q may not call %s (allowed: %s)", caller.Role, r.Pattern, strings.Join(roles, ", ")))
			return
		}
		if err := h(w, r, caller); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// public runs h without a token and answers its error.
func (s *Server) public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r, auth.Caller{}); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authenticate checks the request's token and notes the caller for the access log.
func (s *Server) authenticate(r *http.Request) (auth.Caller, bool) {
	caller, ok := s.cfg.Auth.Authenticate(r)
	if ok {
		if info, _ := r.Context().Value(infoKey{}).(*requestInfo); info != nil {
			info.caller = caller
		}
	}
	return caller, ok
}

// healthz answers 200 when Temporal answers, 503 otherwise.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ auth.Caller) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if _, err := s.tc.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return &Error{Code: ECodeUnavailable, Message: "Temporal is not reachable", cause: err}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readBody reads a request body of at most MaxBodyBytes; the content type is not
// checked.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, errorf(ECodeTooLarge, "request body exceeds the limit of 1 MiB (%d bytes)", MaxBodyBytes)
	case err != nil:
		return nil, fieldErrorf("body", "unable to read the request body: %v", err)
	case len(bytes.TrimSpace(body)) == 0:
		return nil, fieldErrorf("body", "request body is empty; a JSON object is expected")
	}
	return body, nil
}

// jsonError turns an encoding/json error of a request body into an invalid error
// naming the field or the byte offset at fault.
func jsonError(err error) *Error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fieldErrorf("body", "malformed JSON at byte offset %d: %v", syntax.Offset, err)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return fieldErrorf("body", "must be a JSON object, not %s", typeErr.Value)
		}
		return fieldErrorf(typeErr.Field, "must be %s, not %s", typeErr.Type.Kind(), typeErr.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fieldErrorf("body", "incomplete JSON")
	}
	return fieldErrorf("body", "%v", err)
}

// writeJSON writes v as the JSON answer.
func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"unable to encode the answer"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// infoKey keys the request's *requestInfo in its context.
type infoKey struct{}

// requestInfo carries what handlers learn for the access log.
type requestInfo struct {
	caller auth.Caller
}

// statusRecorder remembers the status and size of an answer.
type statusRecorder struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes flushes through (streaming answers of the codec or metrics).
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// captureWriter keeps an answer in memory.
type captureWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	return c.body.Write(b)
}
