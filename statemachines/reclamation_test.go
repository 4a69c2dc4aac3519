package statemachines

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReclamationTransitions(t *testing.T) {
	walkPaths(t, Reclamation, map[string][]step{
		"rejected as unfounded": {
			{RecReturnForData, ""}, {RecRegister, RecQualification}, {RecResubmit, ""}, {RecDocumentReady, ""},
			{RecReject, RecRejected}, {RecOpenInvestigation, ""}, {RecResubmit, ""},
		},
		"two returns for data, then rejected": {
			{RecRegister, RecQualification}, {RecReturnForData, RecAwaitingData}, {RecReturnForData, ""},
			{RecReject, ""}, {RecResubmit, RecQualification}, {RecReturnForData, RecAwaitingData},
			{RecResubmit, RecQualification}, {RecReject, RecRejected},
		},
		"resolved in one cycle": {
			{RecRegister, RecQualification}, {RecOpenInvestigation, RecDocuments}, {RecCommissionHeld, ""},
			{RecRequestDocument, RecDocuments}, {RecDocumentReady, RecDocuments}, {RecDocumentReady, RecDocuments},
			{RecDocumentsCollected, RecCommission}, {RecDocumentReady, ""}, {RecTaskReported, ""},
			{RecCommissionHeld, RecRemediation}, {RecConfirmResolved, ""}, {RecTaskReported, RecRemediation},
			{RecPlanCompleted, RecConfirmation}, {RecTaskReported, ""}, {RecConfirmResolved, RecClosed},
			{RecConfirmUnresolved, ""}, {RecRegister, ""},
		},
		"two remediation cycles": {
			{RecRegister, RecQualification}, {RecOpenInvestigation, RecDocuments}, {RecDocumentsCollected, RecCommission},
			{RecCommissionHeld, RecRemediation}, {RecPlanCompleted, RecConfirmation},
			{RecConfirmUnresolved, RecCommission}, {RecOpenInvestigation, ""}, {RecCommissionHeld, RecRemediation},
			{RecTaskReported, RecRemediation}, {RecPlanCompleted, RecConfirmation}, {RecConfirmResolved, RecClosed},
		},
	})
}

func TestReclamationResumesInAnyState(t *testing.T) {
	// A continued-as-new case rebuilds its machine in the state it carried.
	for _, s := range Reclamation.States {
		assert.Equal(t, s, Reclamation.New(s).Current())
	}
	assert.Equal(t, []string{RecConfirmResolved, RecConfirmUnresolved}, Allowed(Reclamation.New(RecConfirmation)))
	assert.Equal(t, []string{RecDocumentReady, RecDocumentsCollected, RecRequestDocument}, Allowed(Reclamation.New(RecDocuments)))
	assert.True(t, Reclamation.IsTerminal(RecRejected))
	assert.True(t, Reclamation.IsTerminal(RecClosed))
	assert.False(t, Reclamation.IsTerminal(RecCommission))
}
