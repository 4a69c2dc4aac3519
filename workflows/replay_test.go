package workflows

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/internal/codec"
)

// TestReplayRecordedHistories replays every history recorded from a real run
// (internal/integration with CASEFLOW_RECORD_HISTORY=1) against today's code: a
// change that breaks a running case's determinism fails here.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*_history.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories in testdata")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: replayConverter(t)})
			require.NoError(t, err)
			for _, ct := range Types() {
				replayer.RegisterWorkflowWithOptions(ct.Workflow, workflow.RegisterOptions{Name: ct.Name})
			}
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}

// replayConverter decrypts recorded histories: they were recorded with the
// test-only key in testdata/replay-key.txt (never a production key).
func replayConverter(t *testing.T) converter.DataConverter {
	raw, err := os.ReadFile(filepath.Join("testdata", "replay-key.txt"))
	require.NoError(t, err)
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	c, err := codec.New(codec.Keys{Active: "test", Keys: map[string][]byte{"test": key}})
	require.NoError(t, err)
	return codec.DataConverter(c)
}

// TestRecordedPathsAreCovered pins that the recordings cover the paths beyond
// the happy ones (issue 11 item 7): each file's history holds the event types
// and the case states (the CaseState search attribute, the one payload left in
// clear) its path is known by, so a re-recording that lost the path fails here.
func TestRecordedPathsAreCovered(t *testing.T) {
	state := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(`"` + s + `"`)) }
	versions := func(v string) string { return base64.StdEncoding.EncodeToString([]byte(`["` + v + `"]`)) }
	for file, wants := range map[string][]string{
		"plc_redirect_history.json":               {state("redirected_b2b")},
		"plc_failed_side_effect_history.json":     {"EVENT_TYPE_ACTIVITY_TASK_FAILED", "PermanentFailure", state("closed_not_plc")},
		"plc_escalation_history.json":             {"EVENT_TYPE_TIMER_FIRED", state("escalating"), state("closed")},
		"reclamation_reminders_run1_history.json": {"EVENT_TYPE_TIMER_FIRED", "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW"},
		"reclamation_reminders_run2_history.json": {state("closed")},
		// One change version for every change ID of the release (case.go).
		"plc_release_history.json":              {versions("caseflow-release-1"), state("closed")},
		"reclamation_release_run1_history.json": {versions("caseflow-release-1"), "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW"},
		// The PLC intake's letters and ticket at once (release2612b).
		"plc_release2612b_history.json": {versions("caseflow-release-2"), state("closed")},
		// A verdict's deadline met as it enters, the closed state upserted in
		// the workflow task that completes the case (release2612c).
		"plc_release2612c_history.json": {versions("caseflow-release-3"), state("closed")},
		// A verdict given while the intake's letters fail (release2612b: its
		// deadline met once they are out; release2612c: when it comes).
		"plc_verdict_in_outage_release2612b_history.json": {versions("caseflow-release-2"), state("confirmed"), "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"},
		"plc_verdict_in_outage_history.json":              {versions("caseflow-release-3"), state("confirmed"), "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"},
		// A wait that watches its timer from its own condition (release2612d):
		// the happy path, and the escalation chain's deadlines passing.
		"plc_release2612d_history.json":            {versions("caseflow-release-4"), state("closed")},
		"plc_escalation_release2612d_history.json": {versions("caseflow-release-4"), "EVENT_TYPE_TIMER_FIRED", state("escalating"), state("closed")},
	} {
		raw, err := os.ReadFile(filepath.Join("testdata", file))
		require.NoError(t, err)
		for _, want := range wants {
			require.True(t, strings.Contains(string(raw), want), "%s lost its path: no %s", file, want)
		}
	}
}
