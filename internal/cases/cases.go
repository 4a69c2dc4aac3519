// Package cases starts cases: the one way a case is opened, shared by the HTTP
// API's intake and the worker's OpenCase activity (a dispute's hand-off opens a
// claim). A case's ID is derived from its type and idempotency key, so the same
// key always finds the same case.
package cases

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/workflows"
)

// idSpace is the UUID v5 namespace of case IDs: the ID of a case is the SHA-1
// UUID of its type and idempotency key, so a key always names the same workflow.
// Never change it: keys already used would open second cases.
var idSpace = uuid.MustParse("cf329d2f-2206-49ea-82c4-10fd9023015c")

// IDFor is the case ID an idempotency key maps to for a case type.
func IDFor(caseType, key string) string {
	return uuid.NewSHA1(idSpace, []byte(caseType+"\x00"+key)).String()
}

// Starter starts case workflows.
type Starter struct {
	Client client.Client
	// Settings is the configuration a new case takes its snapshot from.
	Settings func() *workflows.Settings
}

// Opened is a case Start started, or found started under the same key.
type Opened struct {
	Meta       workflows.CaseMeta
	WorkflowID string
	Created    bool
}

// Start starts a case of type ct from a checked intake under the ID key maps to.
// The same key again finds the case already started (Created false).
func (s *Starter) Start(ctx context.Context, ct *workflows.CaseType, key string, intake any) (Opened, error) {
	meta := workflows.CaseMeta{ID: IDFor(ct.Name, key), Type: ct.Name}
	o := Opened{Meta: meta, WorkflowID: workflows.WorkflowID(ct.Name, meta.ID)}
	input, err := ct.NewInput(meta, intake, s.Settings())
	if err != nil {
		return o, err
	}
	_, err = s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       o.WorkflowID,
		TaskQueue:                                workflows.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SearchCaseType.ValueSet(ct.Name),
			workflows.SearchCaseState.ValueSet(ct.Machine.Initial),
		),
		Memo: map[string]any{"title": ct.Memo(intake)},
	}, ct.Name, input)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		return o, nil
	case err != nil:
		return o, err
	}
	o.Created = true
	return o, nil
}

// OpenCase implements activities.CaseOpener: the intake is checked as the API
// checks one; a refused intake or an unknown type is a permanent failure.
func (s *Starter) OpenCase(ctx context.Context, in activities.OpenCaseInput) (activities.OpenedCase, error) {
	ct, ok := workflows.Lookup(in.Type)
	if !ok {
		return activities.OpenedCase{}, &activities.PermanentError{Err: fmt.Errorf("no case type %q (types: %v)", in.Type, workflows.TypeNames())}
	}
	intake, err := ct.DecodeIntake(in.Intake)
	if err != nil {
		return activities.OpenedCase{}, &activities.PermanentError{Err: fmt.Errorf("the %s intake is refused: %w", in.Type, err)}
	}
	o, err := s.Start(ctx, ct, in.Key, intake)
	if err != nil {
		return activities.OpenedCase{}, err
	}
	return activities.OpenedCase{ID: o.Meta.ID, Type: ct.Name, WorkflowID: o.WorkflowID, Created: o.Created}, nil
}

var _ activities.CaseOpener = (*Starter)(nil)
