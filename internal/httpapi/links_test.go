package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows"
)

// TestActionFormsMakeValidEvents: every action's form, filled in, makes data
// its event accepts (the same decoding as the API's), and a required field
// left empty is named.
func TestActionFormsMakeValidEvents(t *testing.T) {
	values := map[string]string{"textarea": "Текст решения", "text": "Сидоров С. С.", "email": "sidorov@example.com", "date": "2026-12-20"}
	for i := range workflows.MailActions {
		m := &workflows.MailActions[i]
		t.Run(m.CaseType+"/"+m.Outcome, func(t *testing.T) {
			ct, ok := workflows.Lookup(m.CaseType)
			require.True(t, ok)
			spec := ct.Event(m.Event)
			require.NotNil(t, spec)
			a := &actLink{action: m}
			fields := a.emptyFields()
			for i := range fields {
				fields[i].Value = values[fields[i].Kind]
			}
			data, problem := a.data(fields)
			require.Empty(t, problem)
			_, err := spec.Decode(data)
			require.NoError(t, err, "%s", data)

			for i := range fields {
				if fields[i].Required {
					fields[i].Value = ""
					_, problem := a.data(fields)
					assert.Contains(t, problem, fields[i].Label)
					return
				}
			}
		})
	}
	inv := &actLink{action: workflows.FindMailAction("reclamation", "investigate")}
	fields := inv.emptyFields()
	for i := range fields {
		fields[i].Value = values[fields[i].Kind]
	}
	data, _ := inv.data(fields)
	var got workflows.ClaimInvestigationData
	require.NoError(t, json.Unmarshal(data, &got))
	require.Len(t, got.Executors, len(workflows.ClaimDocuments))
	assert.Equal(t, "contract", got.Executors[0].Document)
	assert.Equal(t, "sidorov@example.com", got.Executors[3].Email)
	assert.Equal(t, "2026-12-20", got.HearingDate)
}

// TestActPageCSP: the page's only style is the one the CSP allows by hash.
func TestActPageCSP(t *testing.T) {
	assert.True(t, strings.HasPrefix(actCSP, "default-src 'none'; style-src 'sha256-"))
	assert.NotContains(t, actCSP, "unsafe")
	assert.NotContains(t, actCSP, "script-src")
}

// TestActionTokensAreNeverLogged: a link's token is a credential; the access
// log names the link by its ID.
func TestActionTokensAreNeverLogged(t *testing.T) {
	token := "eyJ0IjoicGxjIn0.c2lnbmF0dXJl"
	got := loggedPath("/act/" + token)
	assert.NotContains(t, got, token)
	assert.NotContains(t, got, "c2lnbmF0dXJl")
	assert.Regexp(t, `^/act/~[0-9a-f]{16}$`, got)
	assert.Equal(t, "/v1/cases", loggedPath("/v1/cases"))
}
