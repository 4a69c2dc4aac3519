package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/caseflow/caseflow/internal/access"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/internal/cases"
	"github.com/caseflow/caseflow/internal/strictjson"
	"github.com/caseflow/caseflow/workflows"
)

// IdempotencyKeyHeader names the intake's idempotency header. On an event it is
// optional and becomes the Temporal update ID, so a retried event applies once.
const IdempotencyKeyHeader = "Idempotency-Key"

// MaxIdempotencyKey is the longest Idempotency-Key accepted, in bytes: a key is
// printable ASCII.
const MaxIdempotencyKey = 200

// openedCase is the answer of POST /v1/cases.
type openedCase struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	State      string `json:"state"`
	WorkflowID string `json:"workflow_id"`
}

// openCase answers POST /v1/cases: it starts the case workflow under the ID the
// Idempotency-Key maps to; the same key again finds the case already started.
func (s *Server) openCase(w http.ResponseWriter, r *http.Request, caller auth.Caller) error {
	key, err := idempotencyKey(r, true)
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	opened, err := s.OpenCase(r.Context(), caller, key, body)
	if err != nil {
		return err
	}
	// A new case answers with the state it opens in: the answer waits for
	// Temporal's record of the start, not for a worker to run the case's
	// first task (at 32 intakes at once that took seconds). The same key
	// again finds a case that may have gone far since: it answers where the
	// case stands now, by the state query.
	code, state := http.StatusCreated, opened.State
	if !opened.Created {
		code = http.StatusOK
		qctx, qcancel := context.WithTimeout(r.Context(), stateQueryTimeout)
		defer qcancel()
		if now, err := s.caseState(qctx, opened.WorkflowID); err == nil && now != "" {
			state = now
		}
	}
	w.Header().Set("Location", "/v1/cases/"+opened.ID)
	writeJSON(w, code, openedCase{ID: opened.ID, Type: opened.Type, State: state, WorkflowID: opened.WorkflowID})
	return nil
}

// sameIntake refuses an intake sent with the key of a case opened by another
// intake: the case's memo keeps the hash of the intake that opened it. A case
// opened before the hash was kept takes any intake, as it did then.
func (s *Server) sameIntake(ctx context.Context, wid, caseID, key, sum string) error {
	d, err := s.tc.DescribeWorkflowExecution(ctx, wid, "")
	if err != nil {
		return err
	}
	p := d.GetWorkflowExecutionInfo().GetMemo().GetFields()[cases.MemoIntakeHash]
	if p == nil {
		return nil
	}
	var kept string
	if err := s.dc.FromPayload(p, &kept); err != nil {
		return fmt.Errorf("unable to read the intake hash of %s: %w", wid, err)
	}
	if kept != sum {
		return &Error{Code: ECodeKeyReused, Field: IdempotencyKeyHeader, Message: fmt.Sprintf(
			"the %s %q already opened case %s with a different intake: send that intake again to find the case, or a new key to open another",
			IdempotencyKeyHeader, key, caseID)}
	}
	return nil
}

// idempotencyKey reads the Idempotency-Key header: printable ASCII (it is
// quoted back in errors and logs), at most MaxIdempotencyKey bytes.
func idempotencyKey(r *http.Request, required bool) (string, error) {
	key := r.Header.Get(IdempotencyKeyHeader)
	if strings.TrimSpace(key) == "" {
		if required {
			return "", fieldErrorf(IdempotencyKeyHeader, "the %s header is required: the same key never opens a second case", IdempotencyKeyHeader)
		}
		return "", nil
	}
	if len(key) > MaxIdempotencyKey {
		return "", fieldErrorf(IdempotencyKeyHeader, "the %s header must be at most %d characters, has %d", IdempotencyKeyHeader, MaxIdempotencyKey, len(key))
	}
	if i := strings.IndexFunc(key, func(r rune) bool { return r < ' ' || r > '~' }); i >= 0 {
		return "", fieldErrorf(IdempotencyKeyHeader, "the %s header must be printable ASCII; byte %d is not", IdempotencyKeyHeader, i)
	}
	return key, nil
}

// caseTypeOf finds the case type an intake body names.
func caseTypeOf(raw json.RawMessage) (*workflows.CaseType, error) {
	known := strings.Join(workflows.TypeNames(), ", ")
	if raw == nil {
		return nil, fieldErrorf("type", "is required: one of %s", known)
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return nil, fieldErrorf("type", "must be a string: one of %s", known)
	}
	ct, ok := workflows.Lookup(name)
	if !ok {
		return nil, fieldErrorf("type", "unknown case type %q (known: %s)", name, known)
	}
	return ct, nil
}

// dataError turns a *strictjson.FieldError of intake or event data into an
// invalid error naming the field, with prefix ("data") before a field of event
// data.
func dataError(err error, prefix string) error {
	var fe *strictjson.FieldError
	if !errors.As(err, &fe) {
		if prefix == "" {
			prefix = strictjson.BodyField
		}
		return fieldErrorf(prefix, "%v", err)
	}
	field := fe.Field
	if prefix != "" {
		field = dataField(field)
	}
	return fieldErrorf(field, "%s", fe.Problem)
}

// foundCase is a case located by its ID.
type foundCase struct {
	ID    string
	Type  *workflows.CaseType
	WfID  string
	RunID string
	// Running is false once the workflow has closed.
	Running bool
	Status  enumspb.WorkflowExecutionStatus
}

// caseID reads and normalises the {id} path value.
func caseID(r *http.Request) (string, error) {
	raw := r.PathValue("id")
	id, err := uuid.Parse(raw)
	if err != nil {
		return "", fieldErrorf("id", "a case ID is a UUID, not %q", raw)
	}
	return id.String(), nil
}

// findCase looks for the case's workflow under every registered type.
func (s *Server) findCase(ctx context.Context, id string) (*foundCase, error) {
	types := workflows.Types()
	if t := s.known.typeOf(id); t != nil {
		types = []*workflows.CaseType{t}
	}
	for _, t := range types {
		wid := workflows.WorkflowID(t.Name, id)
		d, err := s.tc.DescribeWorkflowExecution(ctx, wid, "")
		var notFound *serviceerror.NotFound
		switch {
		case errors.As(err, &notFound):
			continue
		case err != nil:
			return nil, err
		}
		info := d.GetWorkflowExecutionInfo()
		s.known.remember(id, t)
		return &foundCase{
			ID: id, Type: t, WfID: wid, RunID: info.GetExecution().GetRunId(),
			Running: info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, Status: info.GetStatus(),
		}, nil
	}
	return nil, errorf(ECodeNotFound, "no case %s", id)
}

// eventCase is the case an event goes to. A case whose type this process
// knows is not looked up: it is taken as running, and the update itself
// finds a closed one (applyEvent's NotFound path answers 409 then). That
// spares an event one of its three calls to Temporal (find, update, view).
func (s *Server) eventCase(ctx context.Context, id string) (*foundCase, error) {
	if t := s.known.typeOf(id); t != nil {
		return &foundCase{ID: id, Type: t, WfID: workflows.WorkflowID(t.Name, id), Running: true,
			Status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}, nil
	}
	return s.findCase(ctx, id)
}

// caseView reads a case's view by query (which a worker answers, even for a
// closed workflow), waiting out a worker that catches up (readView).
func (s *Server) caseView(ctx context.Context, wid, runID string) (workflows.CaseView, error) {
	return readView(ctx, func(ctx context.Context) (workflows.CaseView, error) {
		var view workflows.CaseView
		v, err := s.tc.QueryWorkflow(ctx, wid, runID, workflows.QueryView)
		if err != nil {
			return view, err
		}
		return view, v.Get(&view)
	})
}

// caseState reads where a case stands with the state query; a worker that
// does not know that query yet answers with the view.
func (s *Server) caseState(ctx context.Context, wid string) (string, error) {
	state, err := readView(ctx, func(ctx context.Context) (string, error) {
		var state string
		v, err := s.tc.QueryWorkflow(ctx, wid, "", workflows.QueryState)
		if err != nil {
			return state, err
		}
		return state, v.Get(&state)
	})
	var failed *serviceerror.QueryFailed
	if errors.As(err, &failed) && strings.Contains(failed.Error(), "unknown queryType") {
		view, err := s.caseView(ctx, wid, "")
		return view.State, err
	}
	return state, err
}

// foundView reads the view of a found case.
func (s *Server) foundView(ctx context.Context, c *foundCase) (workflows.CaseView, error) {
	if c.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		var res workflows.CaseResult
		// A case started before release2612 returns its whole view; a later
		// one its state only, and its view is read by query.
		if err := s.tc.GetWorkflow(ctx, c.WfID, c.RunID).Get(ctx, &res); err == nil && res.View != nil && res.View.State != "" {
			return *res.View, nil
		}
	}
	return s.caseView(ctx, c.WfID, c.RunID)
}

// getCase answers GET /v1/cases/{id} with the case's view.
func (s *Server) getCase(w http.ResponseWriter, r *http.Request, caller auth.Caller) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	view, err := s.Case(r.Context(), caller, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// eventBody is the body of POST /v1/cases/{id}/events.
type eventBody struct {
	Event *string         `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// sendEvent answers POST /v1/cases/{id}/events: it applies the caller's event
// through the case's UpdateEvent update and answers with the new view.
func (s *Server) sendEvent(w http.ResponseWriter, r *http.Request, caller auth.Caller) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	updateID, err := idempotencyKey(r, false)
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req eventBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field, uerr := strconv.Unquote(name) // encoding/json quotes it with %q
			switch {
			case uerr != nil:
				field = name
			case field == "":
				field = `""`
			}
			return fieldErrorf(field, "unknown field: the body is {\"event\": \"...\", \"data\": {...}}")
		}
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fieldErrorf("body", "unexpected data after the JSON object")
	}
	if req.Event == nil || *req.Event == "" {
		return fieldErrorf("event", "is required")
	}
	if err := checkJSON(body, reflect.TypeFor[eventBody](), ""); err != nil {
		return err
	}

	view, err := s.SendEvent(r.Context(), caller, id, *req.Event, req.Data, updateID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// applyEvent checks what can be checked here (role, data, an open case), then
// sends the update and waits for the case to apply it.
func (s *Server) applyEvent(ctx context.Context, c *foundCase, spec *workflows.EventSpec, updateID string, req workflows.EventRequest) (workflows.CaseView, error) {
	var view workflows.CaseView
	if !spec.Allows(req.Actor.Role) {
		return view, errorf(ECodeForbidden, "role %q may not send %s (allowed: %s)", req.Actor.Role, spec.Name, strings.Join(spec.Roles, ", "))
	}
	// Decode checks the data as checkJSON does (strictjson), naming fields in it.
	if _, err := spec.Decode(req.Data); err != nil {
		return view, dataError(err, "data")
	}
	if err := checkEncodedSize(req.Data, MaxEventDataBytes, "data", "the event's data"); err != nil {
		return view, err
	}
	if !c.Running {
		return view, s.closedConflict(ctx, c)
	}
	// The update's ID is made when the caller gave none: the signature covers
	// it, and a retry below must be the same update.
	if updateID == "" {
		updateID = uuid.NewString()
	}
	if s.cfg.Signer != nil {
		if err := s.cfg.Signer.Sign(&req, c.WfID, updateID, time.Now()); err != nil {
			return view, err
		}
	}
	err := retryNotReady(ctx, func() error {
		// No run ID: the update goes to the case's current run, so a case that
		// has continued as new since it was found still gets the event.
		h, err := s.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			UpdateID:     updateID,
			WorkflowID:   c.WfID,
			UpdateName:   workflows.UpdateEvent,
			Args:         []any{req},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return err
		}
		// The update answers where the case stands (workflows.EventResult),
		// which keeps the case's history small; the view is the query's. A
		// case started before that answers with the whole view, which the
		// query reads again.
		return h.Get(ctx, &view)
	})
	if err == nil {
		if full, qerr := s.caseView(ctx, c.WfID, ""); qerr == nil {
			return full, nil
		}
		// The event is in: answer with where the case stands rather than fail.
		return view, nil
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// The workflow may have closed since it was found.
		if again, derr := s.findCase(ctx, c.ID); derr == nil && !again.Running {
			return view, s.closedConflict(ctx, again)
		}
	}
	return view, eventError(err)
}

// closedConflict is the 409 of an event sent to a closed case: its final state and
// no allowed events.
func (s *Server) closedConflict(ctx context.Context, c *foundCase) error {
	e := &Error{Code: ECodeConflict, AllowedEvents: []string{}, allowedEmpty: true}
	if view, err := s.foundView(ctx, c); err == nil {
		e.State = view.State
	}
	e.Message = fmt.Sprintf("case %s is closed (state %q): it takes no more events", c.ID, e.State)
	return e
}

// caseItem is one case of GET /v1/cases.
type caseItem struct {
	ID         string     `json:"id"`
	Type       string     `json:"type"`
	State      string     `json:"state"`
	WorkflowID string     `json:"workflow_id"`
	Title      string     `json:"title"`
	OpenedAt   time.Time  `json:"opened_at"`
	Closed     bool       `json:"closed"`
	Status     string     `json:"status"`
	Breached   bool       `json:"breached"`
	Deadline   *time.Time `json:"deadline,omitempty"`
}

// caseList is the answer of GET /v1/cases.
type caseList struct {
	Items         []caseItem `json:"items"`
	NextPageToken string     `json:"next_page_token,omitempty"`
}

// Page sizes of GET /v1/cases.
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// listCases answers GET /v1/cases?type=&state=&breached=&page_size=&page_token=
// from Temporal visibility: open cases first, newest first, then closed ones,
// latest closed first (the order visibility keeps).
func (s *Server) listCases(w http.ResponseWriter, r *http.Request, caller auth.Caller) error {
	q := r.URL.Query()
	query, err := casesQuery(q.Get("type"), q.Get("state"), q.Get("breached"))
	if err != nil {
		return err
	}
	if scope := s.readScope(caller); scope != "" {
		query += " AND " + scope
	}
	pageSize := defaultPageSize
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return fieldErrorf("page_size", "must be a number from 1 to %d, not %q", maxPageSize, v)
		}
		pageSize = n
	}
	var token []byte
	if v := q.Get("page_token"); v != "" {
		if token, err = base64.RawURLEncoding.DecodeString(v); err != nil {
			return fieldErrorf("page_token", "is not a token this API gave out")
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	resp, err := s.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.cfg.Namespace, PageSize: int32(pageSize), NextPageToken: token, Query: query,
	})
	var invalid *serviceerror.InvalidArgument
	switch {
	case errors.As(err, &invalid) && token != nil:
		return fieldErrorf("page_token", "is not a token this API gave out")
	case err != nil:
		return err
	}
	out := caseList{Items: make([]caseItem, 0, len(resp.GetExecutions()))}
	for _, info := range resp.GetExecutions() {
		it, c := s.caseItem(info)
		if s.canRead(caller, c) == nil {
			out.Items = append(out.Items, it)
		}
	}
	if t := resp.GetNextPageToken(); len(t) > 0 {
		out.NextPageToken = base64.RawURLEncoding.EncodeToString(t)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// casesQuery builds the visibility query of GET /v1/cases, checking its parameters.
// Values enter the query only once matched against known types and states.
func casesQuery(caseType, state, breached string) (string, error) {
	types := workflows.Types()
	if caseType != "" {
		ct, ok := workflows.Lookup(caseType)
		if !ok {
			return "", fieldErrorf("type", "unknown case type %q (known: %s)", caseType, strings.Join(workflows.TypeNames(), ", "))
		}
		types = []*workflows.CaseType{ct}
	}
	clauses := []string{typeClause(types)}
	if state != "" {
		var known []string
		for _, t := range types {
			known = union(known, t.Machine.States)
		}
		if !slices.Contains(known, state) {
			return "", fieldErrorf("state", "unknown state %q (known: %s)", state, strings.Join(known, ", "))
		}
		clauses = append(clauses, fmt.Sprintf("%s = %s", workflows.SearchCaseState.GetName(), quote(state)))
	}
	switch breached {
	case "":
	case "true", "false":
		clauses = append(clauses, fmt.Sprintf("%s = %s", workflows.SearchCaseBreached.GetName(), breached))
	default:
		return "", fieldErrorf("breached", "must be true or false, not %q", breached)
	}
	return strings.Join(clauses, " AND "), nil
}

// typeClause restricts a visibility query to cases of the given types.
func typeClause(types []*workflows.CaseType) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = quote(t.Name)
	}
	return fmt.Sprintf("%s IN (%s)", workflows.SearchCaseType.GetName(), strings.Join(names, ", "))
}

// quote makes a visibility query string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// caseItem reads a list item from a visibility record, and what a read check
// knows of its case.
func (s *Server) caseItem(info *workflowpb.WorkflowExecutionInfo) (caseItem, access.Case) {
	sa := info.GetSearchAttributes().GetIndexedFields()
	it := caseItem{
		WorkflowID: info.GetExecution().GetWorkflowId(),
		OpenedAt:   info.GetStartTime().AsTime(),
		Closed:     info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		Status:     statusName(info.GetStatus()),
	}
	decodeSA(sa[workflows.SearchCaseType.GetName()], &it.Type)
	decodeSA(sa[workflows.SearchCaseState.GetName()], &it.State)
	decodeSA(sa[workflows.SearchCaseBreached.GetName()], &it.Breached)
	var deadline time.Time
	if decodeSA(sa[workflows.SearchCaseDeadline.GetName()], &deadline) && !deadline.IsZero() {
		it.Deadline = &deadline
	}
	if it.Type == "" {
		it.Type = info.GetType().GetName()
	}
	it.ID = strings.TrimPrefix(it.WorkflowID, it.Type+"-")
	if p := info.GetMemo().GetFields()["title"]; p != nil {
		_ = s.dc.FromPayload(p, &it.Title)
	}
	c := access.Case{Type: it.Type}
	decodeSA(sa[workflows.SearchCaseAssignees.GetName()], &c.Assignees)
	return it, c
}

// statusName is a workflow status in the API's snake_case.
func statusName(st enumspb.WorkflowExecutionStatus) string {
	switch st {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return "running"
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return "completed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return "failed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return "canceled"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return "terminated"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return "continued_as_new"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return "timed_out"
	}
	return "unknown"
}

// decodeSA decodes a search attribute value (always in the SDK's default
// encoding); it reports whether there was one.
func decodeSA(p *commonpb.Payload, v any) bool {
	if p == nil {
		return false
	}
	return converter.GetDefaultDataConverter().FromPayload(p, v) == nil
}
