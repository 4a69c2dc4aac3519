package statemachines

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReclamationTransitions(t *testing.T) {
	walkPaths(t, Claim, map[string][]step{
		"rejected as unfounded": {
			{ClaimReturnForData, ""}, {ClaimRegister, ClaimQualification}, {ClaimResubmit, ""}, {ClaimDocumentReady, ""},
			{ClaimReject, ClaimRejected}, {ClaimOpenInvestigation, ""}, {ClaimResubmit, ""},
		},
		"two returns for data, then rejected": {
			{ClaimRegister, ClaimQualification}, {ClaimReturnForData, ClaimAwaitingData}, {ClaimReturnForData, ""},
			{ClaimReject, ""}, {ClaimResubmit, ClaimQualification}, {ClaimReturnForData, ClaimAwaitingData},
			{ClaimResubmit, ClaimQualification}, {ClaimReject, ClaimRejected},
		},
		"resolved in one cycle": {
			{ClaimRegister, ClaimQualification}, {ClaimOpenInvestigation, ClaimDocuments}, {ClaimCommissionHeld, ""},
			{ClaimRequestDocument, ClaimDocuments}, {ClaimDocumentReady, ClaimDocuments}, {ClaimDocumentReady, ClaimDocuments},
			{ClaimDocumentsCollected, ClaimCommission}, {ClaimDocumentReady, ""}, {ClaimTaskReported, ""},
			{ClaimCommissionHeld, ClaimRemediation}, {ClaimConfirmResolved, ""}, {ClaimTaskReported, ClaimRemediation},
			{ClaimPlanCompleted, ClaimConfirmation}, {ClaimTaskReported, ""}, {ClaimConfirmResolved, ClaimClosed},
			{ClaimConfirmUnresolved, ""}, {ClaimRegister, ""},
		},
		"two remediation cycles": {
			{ClaimRegister, ClaimQualification}, {ClaimOpenInvestigation, ClaimDocuments}, {ClaimDocumentsCollected, ClaimCommission},
			{ClaimCommissionHeld, ClaimRemediation}, {ClaimPlanCompleted, ClaimConfirmation},
			{ClaimConfirmUnresolved, ClaimCommission}, {ClaimOpenInvestigation, ""}, {ClaimCommissionHeld, ClaimRemediation},
			{ClaimTaskReported, ClaimRemediation}, {ClaimPlanCompleted, ClaimConfirmation}, {ClaimConfirmResolved, ClaimClosed},
		},
	})
}

func TestReclamationResumesInAnyState(t *testing.T) {
	// A continued-as-new case rebuilds its machine in the state it carried.
	for _, s := range Claim.States {
		assert.Equal(t, s, Claim.New(s).Current())
	}
	assert.Equal(t, []string{ClaimConfirmResolved, ClaimConfirmUnresolved}, Allowed(Claim.New(ClaimConfirmation)))
	assert.Equal(t, []string{ClaimDocumentReady, ClaimDocumentsCollected, ClaimRequestDocument}, Allowed(Claim.New(ClaimDocuments)))
	assert.True(t, Claim.IsTerminal(ClaimRejected))
	assert.True(t, Claim.IsTerminal(ClaimClosed))
	assert.False(t, Claim.IsTerminal(ClaimCommission))
}
