package httpapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/caseflow/caseflow/internal/access"
	"github.com/caseflow/caseflow/internal/auth"
	"github.com/caseflow/caseflow/workflows"
)

// canRead is the API's every read check: the read matrix's one function
// (access.Reads.Check), its refusal a 403.
func (s *Server) canRead(caller auth.Caller, c access.Case) error {
	if err := s.cfg.Reads.Check(caller, c); err != nil {
		var denied *access.DeniedError
		if errors.As(err, &denied) {
			return errorf(ECodeForbidden, "%v", err)
		}
		return err
	}
	return nil
}

// readableView is the view as caller may see it: refused when caller may not
// read the case, its links to cases caller may not read left out.
func (s *Server) readableView(ctx context.Context, caller auth.Caller, v workflows.CaseView) (workflows.CaseView, error) {
	if err := s.canRead(caller, access.FromView(v)); err != nil {
		return v, err
	}
	kept := make([]workflows.CaseLink, 0, len(v.Related))
	for _, l := range v.Related {
		if s.canReadLink(ctx, caller, l) {
			kept = append(kept, l)
		}
	}
	v.Related = kept
	return v, nil
}

// canReadLink checks a linked case: by its type, else by the assignees of its
// open tasks (its CaseAssignees search attribute).
func (s *Server) canReadLink(ctx context.Context, caller auth.Caller, l workflows.CaseLink) bool {
	c := access.Case{Type: l.Type}
	if s.canRead(caller, c) == nil {
		return true
	}
	if _, byTask := s.cfg.Reads.Scope(caller); byTask == "" {
		return false
	}
	d, err := s.tc.DescribeWorkflowExecution(ctx, l.WorkflowID, "")
	if err != nil {
		return false
	}
	decodeSA(d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[workflows.SearchCaseAssignees.GetName()], &c.Assignees)
	return s.canRead(caller, c) == nil
}

// readScope is the visibility clause of the cases caller may read: the types
// whose every case it reads, or cases with a task assigned to it; "" when it
// reads every case. The listing's items pass canRead still.
func (s *Server) readScope(caller auth.Caller) string {
	types, byTask := s.cfg.Reads.Scope(caller)
	if byTask == "" {
		return ""
	}
	assigned := fmt.Sprintf("%s = %s", workflows.SearchCaseAssignees.GetName(), quote(byTask))
	if len(types) == 0 {
		return assigned
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = quote(t)
	}
	return fmt.Sprintf("(%s IN (%s) OR %s)", workflows.SearchCaseType.GetName(), strings.Join(names, ", "), assigned)
}
