package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/caseflow/caseflow/internal/access"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/workflows"
)

// The API's service: what a /v1 handler does after reading its request, for
// other front ends of the same server (the operator console, package console)
// to call. Errors are *Error, as the handlers return them.

// Mount serves h under pattern on the API's mux, as it is (no bearer token is
// asked; h authenticates its own callers). The console mounts /ui/ here.
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Authenticator is the API's token check (the console's login uses it).
func (s *Server) Authenticator() *auth.Authenticator { return s.cfg.Auth }

// Settings is the configuration new cases take (calendars: the console shows
// times in their zone).
func (s *Server) Settings() *workflows.Settings { return s.cfg.Settings() }

// CanRead reports whether caller may read view: the one place the console
// asks, so a per-case-type read matrix applies to it as to GET /v1/cases/{id}.
func (s *Server) CanRead(caller auth.Caller, view workflows.CaseView) error {
	return s.canRead(caller, access.FromView(view))
}

// Opened is the answer of an intake.
type Opened struct {
	ID, Type, State, WorkflowID string
	// Created is false when the key had opened the case already.
	Created bool
}

// OpenCase opens a case from its intake body under the idempotency key, as
// POST /v1/cases does.
func (s *Server) OpenCase(ctx context.Context, caller auth.Caller, key string, body []byte) (Opened, error) {
	if strings.TrimSpace(key) == "" {
		return Opened{}, fieldErrorf(IdempotencyKeyHeader, "is required")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return Opened{}, jsonError(err)
	}
	ct, err := caseTypeOf(top["type"])
	if err != nil {
		return Opened{}, err
	}
	if !ct.CanOpen(caller.Role) {
		return Opened{}, errorf(ECodeForbidden, "role %q may not open %s cases (allowed: %s)", caller.Role, ct.Name, strings.Join(ct.IntakeRoles, ", "))
	}
	if err := checkJSON(body, ct.IntakeType, ""); err != nil {
		return Opened{}, err
	}
	intake, err := ct.DecodeIntake(body)
	if err != nil {
		return Opened{}, dataError(err, "")
	}
	if err := ct.CheckOpener(caller.Role, intake); err != nil {
		return Opened{}, errorf(ECodeForbidden, "role %q may not open this case: %v", caller.Role, err)
	}
	if err := checkEncodedSize(intake, MaxIntakeBytes, "body", "the intake"); err != nil {
		return Opened{}, err
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	opened, err := s.starter.Start(cctx, ct, key, intake)
	if err != nil {
		return Opened{}, err
	}
	s.known.remember(opened.Meta.ID, ct)
	if opened.Created {
		s.metrics.casesOpened.WithLabelValues(ct.Name).Inc()
	} else if err := s.sameIntake(cctx, opened.WorkflowID, opened.Meta.ID, key, opened.IntakeHash); err != nil {
		return Opened{}, err
	}
	return Opened{ID: opened.Meta.ID, Type: ct.Name, State: ct.Machine.Initial, WorkflowID: opened.WorkflowID, Created: opened.Created}, nil
}

// Case reads a case's view, as GET /v1/cases/{id} does.
func (s *Server) Case(ctx context.Context, caller auth.Caller, id string) (workflows.CaseView, error) {
	var view workflows.CaseView
	uid, err := uuid.Parse(id)
	if err != nil {
		return view, fieldErrorf("id", "a case ID is a UUID, not %q", id)
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	c, err := s.findCase(cctx, uid.String())
	if err != nil {
		return view, err
	}
	if view, err = s.foundView(cctx, c); err != nil {
		return view, err
	}
	return s.readableView(cctx, caller, view)
}

// SendEvent applies the caller's event to a case and answers with its new
// view, as POST /v1/cases/{id}/events does; updateID (optional) makes a retry
// apply once.
func (s *Server) SendEvent(ctx context.Context, caller auth.Caller, id, event string, data json.RawMessage, updateID string) (workflows.CaseView, error) {
	var view workflows.CaseView
	uid, err := uuid.Parse(id)
	if err != nil {
		return view, fieldErrorf("id", "a case ID is a UUID, not %q", id)
	}
	cctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	c, err := s.eventCase(cctx, uid.String())
	if err != nil {
		return view, err
	}
	spec := c.Type.Event(event)
	if spec == nil {
		s.metrics.observeEvent(c.Type.Name, "unknown", errorf(ECodeInvalid, ""))
		return view, fieldErrorf("event", "%q is not an event of case type %s (events: %s)", event, c.Type.Name, strings.Join(c.Type.EventNames(), ", "))
	}
	view, err = s.applyEvent(cctx, c, spec, updateID, workflows.EventRequest{
		Event: spec.Name, Data: data, Actor: workflows.Actor{Name: caller.Name, Role: caller.Role},
	})
	s.metrics.observeEvent(c.Type.Name, spec.Name, err)
	if err != nil {
		return view, err
	}
	return s.answerView(cctx, caller, view), nil
}

// answerView is the view an event answers with, as the caller may read it: the
// whole view (its links to unreadable cases left out), or, when the event has
// ended the caller's right to read the case (an executor closed its last
// task), only what the event did: the case's ID, type, state and legal events.
func (s *Server) answerView(ctx context.Context, caller auth.Caller, view workflows.CaseView) workflows.CaseView {
	if rv, err := s.readableView(ctx, caller, view); err == nil {
		return rv
	}
	return workflows.CaseView{ID: view.ID, Type: view.Type, WorkflowID: view.WorkflowID, State: view.State,
		Closed: view.Closed, AllowedEvents: view.AllowedEvents, OpenedAt: view.OpenedAt}
}

// ClaimTask takes (claim) or gives back the task with the ID, as POST
// /v1/tasks/{id}/claim and …/unclaim do: the case's platform event claim_task
// or unclaim_task.
func (s *Server) ClaimTask(ctx context.Context, caller auth.Caller, taskID string, claim bool) (workflows.CaseView, error) {
	caseID, err := taskCase(taskID)
	if err != nil {
		return workflows.CaseView{}, err
	}
	event := workflows.EventUnclaimTask
	if claim {
		event = workflows.EventClaimTask
	}
	data, _ := json.Marshal(workflows.TaskClaimData{TaskID: taskID})
	return s.SendEvent(ctx, caller, caseID, event, data, "")
}

// taskCase is the case ID a task ID starts with (<case ID>-t<n>).
func taskCase(taskID string) (string, error) {
	i := strings.LastIndex(taskID, "-t")
	if i < 0 {
		return "", fieldErrorf("id", "a task ID is <case ID>-t<number>, not %q", taskID)
	}
	id, err := uuid.Parse(taskID[:i])
	if err != nil {
		return "", fieldErrorf("id", "a task ID is <case ID>-t<number>, not %q", taskID)
	}
	return id.String(), nil
}

// TaskItem is one task of an inbox, with its case's type.
type TaskItem = taskItem

// Tasks lists the open tasks the caller may see, earliest due first, as GET
// /v1/tasks?role=&assignee= does.
func (s *Server) Tasks(ctx context.Context, caller auth.Caller, role, assignee string) ([]TaskItem, error) {
	f, err := taskScope(caller, role, assignee)
	if err != nil {
		return nil, err
	}
	return s.tasks(ctx, caller, f)
}

// Inbox lists the open tasks the caller may see, earliest due first, with the
// views of their cases (by case ID): their deadlines say since when each task
// runs and by which policy.
func (s *Server) Inbox(ctx context.Context, caller auth.Caller) ([]TaskItem, map[string]workflows.CaseView, error) {
	f, err := taskScope(caller, "", "")
	if err != nil {
		return nil, nil, err
	}
	items, views, err := s.tasksAndViews(ctx, caller, f)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]workflows.CaseView, len(views))
	for _, v := range views {
		byID[v.ID] = v
	}
	return items, byID, nil
}

// IntakeSchema is the JSON schema of a case type's intake, as /v1/case-types
// gives it; nil for an unknown type.
func (s *Server) IntakeSchema(caseType string) json.RawMessage {
	for _, d := range s.caseTypes {
		if d.Name == caseType {
			return d.IntakeSchema
		}
	}
	return nil
}

// EventSchema is the JSON schema of an event's data, as /v1/case-types gives
// it; nil for an unknown type or event.
func (s *Server) EventSchema(caseType, event string) json.RawMessage {
	for _, d := range s.caseTypes {
		if d.Name != caseType {
			continue
		}
		for _, e := range d.Events {
			if e.Name == event {
				return e.Schema
			}
		}
	}
	return nil
}

// claimTask answers POST /v1/tasks/{id}/claim and …/unclaim with the case's view.
func (s *Server) claimTask(claim bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, caller auth.Caller) error {
		view, err := s.ClaimTask(r.Context(), caller, r.PathValue("id"), claim)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, view)
		return nil
	}
}
