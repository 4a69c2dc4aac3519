package workflows

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRegisteredMachinesAreSound checks every registered type's machine: its
// table names only declared states, every state but the terminal ones has a way
// out, and a new machine starts in the initial state.
func TestRegisteredMachinesAreSound(t *testing.T) {
	require.NotEmpty(t, Types())
	for _, ct := range Types() {
		t.Run(ct.Name, func(t *testing.T) {
			require.NoError(t, ct.Machine.Validate())
			assert.Equal(t, ct.Machine.Initial, ct.Machine.New("").Current())
			for _, e := range ct.Events {
				for _, fe := range e.FSMEvents {
					assert.Contains(t, ct.Machine.Events(), fe, "event %s fires a machine event", e.Name)
				}
			}
		})
	}
}
