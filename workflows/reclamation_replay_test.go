package workflows

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReclamationReplayAcrossContinueAsNew replays both runs of a claim recorded
// on the embedded server (internal/integration, CASEFLOW_RECORD_HISTORY=1): the
// first from registration to the continue-as-new of an unresolved cycle, the
// second from the carried state to closed. It pins that the recordings cover the
// carry path, which the generic replay test does not know about.
func TestReclamationReplayAcrossContinueAsNew(t *testing.T) {
	runs := []struct {
		file string
		last enumspb.EventType
	}{
		{"reclamation_run1_history.json", enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW},
		{"reclamation_run2_history.json", enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED},
		// Reminders fired and a document task overdue before the continue-as-new.
		{"reclamation_reminders_run1_history.json", enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW},
		{"reclamation_reminders_run2_history.json", enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED},
		// Recorded under caseflow-claim-seed 1.
		{"reclamation_seed_v1_run1_history.json", enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW},
		{"reclamation_seed_v1_run2_history.json", enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED},
		// Recorded under caseflow-release 1 (one marker for every change ID).
		{"reclamation_release_run1_history.json", enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW},
		{"reclamation_release_run2_history.json", enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED},
	}
	for _, run := range runs {
		t.Run(run.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", run.file))
			require.NoError(t, err)
			defer f.Close()
			hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
			require.NoError(t, err)
			events := hist.GetEvents()
			require.NotEmpty(t, events)
			require.Equal(t, "reclamation", events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName())
			require.Equal(t, run.last, events[len(events)-1].GetEventType())
			continued := events[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId() != ""
			require.Equal(t, run.last == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, continued, "the second run starts from the first")

			replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: replayConverter(t)})
			require.NoError(t, err)
			replayer.RegisterWorkflowWithOptions(claimType.Workflow, workflow.RegisterOptions{Name: claimType.Name})
			require.NoError(t, replayer.ReplayWorkflowHistory(nil, hist))
		})
	}
}
