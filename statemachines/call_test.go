package statemachines

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCallTransitions(t *testing.T) {
	walkPaths(t, Call, map[string][]step{
		"warned, then ended by the count": {
			{CallWarn, CallInCall}, {CallHeard, ""}, {CallConductLimit, CallEnded}, {CallWarn, ""},
		},
		"inaudible, heard again, ended by the operator": {
			{CallCannotHear, CallInaudible}, {CallWarn, ""}, {CallCannotHear, CallInaudible}, {CallHeard, CallInCall},
			{CallEndCall, CallEnded},
		},
		"inaudible window lapses": {{CallInaudibleEnd, ""}, {CallCannotHear, CallInaudible}, {CallInaudibleEnd, CallEnded}},
	})
}

func TestBroadbandLeadTransitions(t *testing.T) {
	walkPaths(t, BroadbandLead, map[string][]step{
		"routed at intake":    {{LeadClose, ""}, {LeadRoute, LeadRouted}, {LeadOpen, ""}},
		"called back":         {{LeadOpen, LeadAwaitingCallback}, {LeadRoute, ""}, {LeadCalledBackEvent, LeadCalledBack}, {LeadClose, LeadClosed}},
		"closed, no callback": {{LeadOpen, LeadAwaitingCallback}, {LeadClose, LeadClosed}, {LeadCalledBackEvent, ""}},
	})
}

func TestCallAndLeadValid(t *testing.T) {
	require.NoError(t, Call.Validate())
	require.NoError(t, BroadbandLead.Validate())
	assert.Equal(t, []string{CallCannotHear, CallEndCall, CallHeard, CallInaudibleEnd}, Allowed(Call.New(CallInaudible)))
}
