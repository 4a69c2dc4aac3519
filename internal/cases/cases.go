// Package cases starts cases: the one way a case is opened, shared by the HTTP
// API's intake and the worker's OpenCase activity (a dispute's hand-off opens a
// claim). A case's ID is derived from its type and idempotency key, so the same
// key always finds the same case.
package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	// IntakeHash is IntakeHashOf the intake given to Start: a caller that found
	// the case started compares it with the case's MemoIntakeHash.
	IntakeHash string
}

// MemoIntakeHash is the memo entry of a case that keeps the IntakeHashOf the
// intake that opened it, so a key sent again with another intake can be
// refused rather than answered with a case that is not the one asked for. The
// memo, not the workflow input: describing the workflow reads it without a
// worker, it is set atomically with the start, Temporal carries it across
// continue-as-new, and the workflow's commands stay as they are (running cases
// replay unchanged). The codec encrypts it with the rest of the memo.
const MemoIntakeHash = "intake_sha256"

// IntakeHashOf is the SHA-256 of the decoded intake as the case receives it
// (its JSON re-encoded: spacing, key order and escapes in the body do not
// count), salted with the case ID so equal intakes of two cases never match.
func IntakeHashOf(caseID string, intake any) (string, error) {
	raw, err := json.Marshal(intake)
	if err != nil {
		return "", fmt.Errorf("unable to encode the intake: %w", err)
	}
	h := sha256.New()
	h.Write([]byte("caseflow intake\x00" + caseID + "\x00"))
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Start starts a case of type ct from a checked intake under the ID key maps to.
// The same key again finds the case already started (Created false).
func (s *Starter) Start(ctx context.Context, ct *workflows.CaseType, key string, intake any) (Opened, error) {
	return s.StartCase(ctx, ct, workflows.CaseMeta{ID: IDFor(ct.Name, key), Type: ct.Name}, intake)
}

// StartCase starts a case of type ct under the ID meta gives (the benchmark
// names its cases itself); Start is it under the ID a key maps to.
func (s *Starter) StartCase(ctx context.Context, ct *workflows.CaseType, meta workflows.CaseMeta, intake any) (Opened, error) {
	o := Opened{Meta: meta, WorkflowID: workflows.WorkflowID(ct.Name, meta.ID)}
	sum, err := IntakeHashOf(meta.ID, intake)
	if err != nil {
		return o, err
	}
	o.IntakeHash = sum
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
		Memo: map[string]any{"title": ct.Memo(intake), MemoIntakeHash: sum},
		// Where a worker of the case types runs in this process (caseflow
		// dev, serve with the worker), Temporal hands the case's first
		// workflow task back with the start: the intake's letters leave
		// without a trip through matching. Elsewhere it starts as before.
		EnableEagerStart: true,
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
