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
