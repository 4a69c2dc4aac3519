package statemachines

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConsultationTransitions(t *testing.T) {
	walkPaths(t, Consultation, map[string][]step{
		"registered during the call": {
			{ConsultationComplete, ""}, {ConsultationStartCall, ConsultationInCall}, {ConsultationComplete, ""},
			{ConsultationRegistered, ConsultationCompleted}, {ConsultationCancel, ""},
		},
		"handed over, registered in post-call": {
			{ConsultationStartCall, ConsultationInCall}, {ConsultationHandedOver, ConsultationPostCall},
			{ConsultationHandedOver, ConsultationPostCall}, {ConsultationCallEnded, ""}, {ConsultationRegistered, ConsultationCompleted},
		},
		"ended, then transferred to a line with no consultation": {
			{ConsultationStartCall, ConsultationInCall}, {ConsultationTransfer, ""}, {ConsultationCallEnded, ConsultationPostCall},
			{ConsultationTransfer, ConsultationNotRegistered}, {ConsultationRegistered, ""},
		},
		"transferred before it was opened": {{ConsultationTransfer, ConsultationNotRegistered}, {ConsultationStartCall, ""}},
		"chat completed once closed": {
			{ConsultationOpenContact, ConsultationInContact}, {ConsultationComplete, ""}, {ConsultationCallEnded, ""},
			{ConsultationHandedOver, ConsultationInContact}, {ConsultationRegistered, ConsultationAwaitingClose},
			{ConsultationRegistered, ""}, {ConsultationComplete, ConsultationCompleted},
		},
		"cancelled in post-call": {
			{ConsultationCallEnded, ConsultationPostCall}, {ConsultationCancel, ConsultationCancelled}, {ConsultationRegistered, ""},
		},
	})
}

func TestConsultationAllowed(t *testing.T) {
	require.NoError(t, Consultation.Validate())
	allowed := map[string][]string{
		ConsultationInCall:        {ConsultationCallEnded, ConsultationCancel, ConsultationHandedOver, ConsultationRegistered},
		ConsultationPostCall:      {ConsultationCancel, ConsultationHandedOver, ConsultationRegistered, ConsultationTransfer},
		ConsultationInContact:     {ConsultationCancel, ConsultationHandedOver, ConsultationRegistered},
		ConsultationAwaitingClose: {ConsultationCancel, ConsultationComplete, ConsultationHandedOver},
	}
	for state, want := range allowed {
		assert.Equal(t, want, Allowed(Consultation.New(state)), state)
	}
	for _, s := range []string{ConsultationCompleted, ConsultationNotRegistered, ConsultationCancelled} {
		assert.True(t, Consultation.IsTerminal(s))
		assert.Empty(t, Allowed(Consultation.New(s)))
	}
	from, to := Consultation.Edges(ConsultationRegistered)
	assert.Equal(t, []string{ConsultationInCall, ConsultationInContact, ConsultationPostCall}, from)
	assert.Equal(t, []string{ConsultationAwaitingClose, ConsultationCompleted}, to)
}
