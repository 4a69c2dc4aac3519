package httpapi

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/caseflow/caseflow/internal/access"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/workflows"
)

// Limits of GET /v1/tasks, which reads the view of every matching open case.
const (
	// maxTaskCases caps the open cases one inbox call reads.
	maxTaskCases = 2000
	// taskQueryParallel is how many case views are queried at once.
	taskQueryParallel = 8
	// taskQueryTimeout bounds one case's query; a case that does not answer is
	// left out of the inbox (and logged) rather than failing it.
	taskQueryTimeout = 5 * time.Second
)

// taskFilter selects tasks; an empty field matches any value.
type taskFilter struct {
	Role     string
	Assignee string
}

// match reports whether t passes the filter.
func (f taskFilter) match(t workflows.Task) bool {
	return (f.Role == "" || t.Role == f.Role) && (f.Assignee == "" || t.Assignee == f.Assignee || t.ClaimedBy == f.Assignee)
}

// taskScope decides which tasks a caller may list from the role and assignee it
// asks for. Admins and supervisors may list any role's tasks (all roles when
// role is empty); an executor only tasks assigned to its own name; everyone else
// only its own role's tasks (the default when role is empty).
func taskScope(caller auth.Caller, role, assignee string) (taskFilter, error) {
	if role != "" && !slices.Contains(workflows.Roles, role) {
		return taskFilter{}, fieldErrorf("role", "unknown role %q (known: %s)", role, strings.Join(workflows.Roles, ", "))
	}
	if err := checkAssignee(assignee); err != nil {
		return taskFilter{}, err
	}
	switch caller.Role {
	case workflows.RoleAdmin, workflows.RoleSupervisor:
		return taskFilter{Role: role, Assignee: assignee}, nil
	case workflows.RoleExecutor:
		if role != "" && role != caller.Role {
			return taskFilter{}, errorf(ECodeForbidden, "an executor may list only its own tasks, not the %s role's", role)
		}
		if assignee != "" && assignee != caller.Name {
			return taskFilter{}, errorf(ECodeForbidden, "an executor may list only tasks assigned to %s", caller.Name)
		}
		return taskFilter{Role: role, Assignee: caller.Name}, nil
	default:
		if role == "" {
			role = caller.Role
		}
		if role != caller.Role {
			return taskFilter{}, errorf(ECodeForbidden, "role %s may list only its own tasks, not the %s role's", caller.Role, role)
		}
		return taskFilter{Role: role, Assignee: assignee}, nil
	}
}

// checkAssignee keeps an assignee name printable and free of quotes, so it can
// enter a visibility query.
func checkAssignee(a string) error {
	if len(a) > 200 {
		return fieldErrorf("assignee", "must be at most 200 characters")
	}
	if strings.IndexFunc(a, func(r rune) bool { return !unicode.IsPrint(r) || r == '\'' || r == '"' || r == '\\' }) >= 0 {
		return fieldErrorf("assignee", "must not contain quotes, backslashes or control characters")
	}
	return nil
}

// tasksQuery is the visibility query of the open cases that may hold tasks
// passing f.
func tasksQuery(f taskFilter) string {
	clauses := []string{"ExecutionStatus = 'Running'", typeClause(workflows.Types())}
	switch {
	case f.Role != "":
		clauses = append(clauses, fmt.Sprintf("%s = %s", workflows.SearchCaseTaskRoles.GetName(), quote(f.Role)))
	case f.Assignee == "":
		// Any role: only the cases that hold an open task, which the index
		// (CaseTaskRoles) names, are read — not every open case.
		roles := make([]string, len(workflows.Roles))
		for i, r := range workflows.Roles {
			roles[i] = quote(r)
		}
		clauses = append(clauses, fmt.Sprintf("%s IN (%s)", workflows.SearchCaseTaskRoles.GetName(), strings.Join(roles, ", ")))
	}
	if f.Assignee != "" {
		clauses = append(clauses, fmt.Sprintf("%s = %s", workflows.SearchCaseAssignees.GetName(), quote(f.Assignee)))
	}
	return strings.Join(clauses, " AND ")
}

// taskItem is one task of GET /v1/tasks.
type taskItem struct {
	workflows.Task
	CaseType   string `json:"case_type"`
	WorkflowID string `json:"workflow_id"`
}

// collectTasks keeps the tasks of views that pass f, earliest due first (then by
// case and task ID, for a stable order).
func collectTasks(views []workflows.CaseView, f taskFilter) []taskItem {
	out := []taskItem{}
	for _, v := range views {
		for _, t := range v.Tasks {
			if f.match(t) {
				if t.CaseID == "" {
					t.CaseID = v.ID
				}
				out = append(out, taskItem{Task: t, CaseType: v.Type, WorkflowID: v.WorkflowID})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b taskItem) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.CaseID, b.CaseID), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// listTasks answers GET /v1/tasks?role=&assignee=: open human tasks across the
// running cases, earliest due first.
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request, caller auth.Caller) error {
	q := r.URL.Query()
	f, err := taskScope(caller, q.Get("role"), q.Get("assignee"))
	if err != nil {
		return err
	}
	items, err := s.tasks(r.Context(), caller, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// tasks reads the open tasks passing f, earliest due first.
func (s *Server) tasks(ctx context.Context, caller auth.Caller, f taskFilter) ([]taskItem, error) {
	items, _, err := s.tasksAndViews(ctx, caller, f)
	return items, err
}

// tasksAndViews reads the open tasks passing f, earliest due first, and the
// views of their cases, of the cases caller may read.
func (s *Server) tasksAndViews(ctx context.Context, caller auth.Caller, f taskFilter) ([]taskItem, []workflows.CaseView, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout+taskQueryTimeout)
	defer cancel()
	var wids []string
	var token []byte
	for {
		query := tasksQuery(f)
		if scope := s.readScope(caller); scope != "" {
			query += " AND " + scope
		}
		resp, err := s.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: s.cfg.Namespace, PageSize: 500, NextPageToken: token, Query: query,
		})
		if err != nil {
			return nil, nil, err
		}
		for _, info := range resp.GetExecutions() {
			wids = append(wids, info.GetExecution().GetWorkflowId())
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 || len(wids) >= maxTaskCases {
			break
		}
	}
	if len(wids) > maxTaskCases {
		s.log.Warn("task inbox truncated", "cases", len(wids), "limit", maxTaskCases)
		wids = wids[:maxTaskCases]
	}
	views := slices.DeleteFunc(s.queryViews(ctx, wids), func(v workflows.CaseView) bool {
		return s.canRead(caller, access.FromView(v)) != nil
	})
	return collectTasks(views, f), views, nil
}

// queryViews queries the views of workflows, a few at a time; cases that do not
// answer are logged and left out.
func (s *Server) queryViews(ctx context.Context, wids []string) []workflows.CaseView {
	views := make([]workflows.CaseView, len(wids))
	ok := make([]bool, len(wids))
	sem := make(chan struct{}, taskQueryParallel)
	var wg sync.WaitGroup
	for i, wid := range wids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			qctx, cancel := context.WithTimeout(ctx, taskQueryTimeout)
			defer cancel()
			v, err := s.caseView(qctx, wid, "")
			if err != nil {
				s.log.Warn("case left out of the task inbox", "workflow_id", wid, "error", err)
				return
			}
			views[i], ok[i] = v, true
		}()
	}
	wg.Wait()
	out := views[:0]
	for i, v := range views {
		if ok[i] {
			out = append(out, v)
		}
	}
	return out
}
