package statemachines

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateRejectsBrokenTables(t *testing.T) {
	cases := map[string]*Definition{
		"undeclared initial": {Name: "x", Initial: "a", States: []string{"b"}, Terminal: []string{"b"}},
		"dead end":           {Name: "x", Initial: "a", States: []string{"a", "b"}, Transitions: []Transition{{Event: "go", From: []string{"a"}, To: "b"}}},
		"leaves terminal":    {Name: "x", Initial: "a", States: []string{"a"}, Terminal: []string{"a"}, Transitions: []Transition{{Event: "go", From: []string{"a"}, To: "a"}}},
		"undeclared target":  {Name: "x", Initial: "a", States: []string{"a"}, Transitions: []Transition{{Event: "go", From: []string{"a"}, To: "zzz"}}},
	}
	for name, d := range cases {
		t.Run(name, func(t *testing.T) { assert.Error(t, d.Validate()) })
	}
}

func TestPLCTransitions(t *testing.T) {
	walkPaths(t, PLC, map[string][]step{
		"redirect to ServiceB2B": {{PLCRedirect, PLCRedirected}, {PLCRegister, ""}},
		"verdict in time, PLC": {
			{PLCRegister, PLCAwaitingVerdict}, {PLCCallAttempt, ""}, {PLCRepeatContact, PLCAwaitingVerdict},
			{PLCServiceRequest, ""}, {PLCAnswerPreparing, ""},
			{PLCVerdictPLC, PLCConfirmed}, {PLCServiceRequest, PLCConfirmed}, {PLCDocuments, PLCConfirmed},
			{PLCAnswerPreparing, PLCConfirmed}, {PLCNRPActUploaded, PLCConfirmed},
			{PLCSatisfaction, PLCConfirmed}, {PLCVerdictNotPLC, ""}, {PLCClose, PLCClosed}, {PLCRepeatContact, ""},
		},
		"escalated, not PLC": {
			{PLCRegister, PLCAwaitingVerdict}, {PLCClose, ""}, {PLCVerdictOverdue, PLCEscalating},
			{PLCCallAttempt, PLCEscalating}, {PLCCallAttempt, PLCEscalating}, {PLCVerdictNotPLC, PLCNotPLC}, {PLCClose, ""},
		},
		"chain exhausted, then PLC": {
			{PLCRegister, PLCAwaitingVerdict}, {PLCVerdictOverdue, PLCEscalating}, {PLCChainExhaust, PLCChainExhausted},
			{PLCCallAttempt, ""}, {PLCSpecialistCalled, PLCChainExhausted}, {PLCVerdictPLC, PLCConfirmed},
		},
	})
}

// step is one event of a path through a machine and the state it must reach ("" when
// the event must be refused).
type step struct {
	event string
	want  string
}

// walkPaths fires each path's events on a fresh machine: accepted events reach
// their state, refused ones leave the machine where it was and name the state and
// the legal events.
func walkPaths(t *testing.T, d *Definition, paths map[string][]step) {
	for name, steps := range paths {
		t.Run(name, func(t *testing.T) {
			m := d.New("")
			for _, s := range steps {
				before := m.Current()
				err := Fire(m, s.event)
				if s.want == "" {
					var illegal *IllegalTransitionError
					require.True(t, errors.As(err, &illegal), "%s in %s must be refused", s.event, before)
					assert.Equal(t, before, illegal.State)
					assert.Equal(t, Allowed(m), illegal.Allowed)
					assert.Equal(t, before, m.Current(), "a refused event must not move the machine")
					continue
				}
				require.NoError(t, err, "%s in %s", s.event, before)
				assert.Equal(t, s.want, m.Current())
			}
		})
	}
}

func TestAllowedIsSorted(t *testing.T) {
	m := PLC.New(PLCConfirmed)
	assert.Equal(t, []string{PLCAnswerPreparing, PLCClose, PLCDocuments, PLCNRPActUploaded, PLCRepeatContact, PLCSatisfaction, PLCServiceRequest, PLCSpecialistCalled}, Allowed(m))
	assert.Empty(t, Allowed(PLC.New(PLCClosed)))
}

func TestEdgesAndMermaid(t *testing.T) {
	from, to := PLC.Edges(PLCRepeatContact)
	assert.Equal(t, []string{PLCAwaitingVerdict, PLCChainExhausted, PLCConfirmed, PLCEscalating}, from)
	assert.Equal(t, from, to)
	from, to = PLC.Edges(PLCVerdictPLC)
	assert.Equal(t, []string{PLCAwaitingVerdict, PLCChainExhausted, PLCEscalating}, from)
	assert.Equal(t, []string{PLCConfirmed}, to)

	diagram := PLC.Mermaid()
	assert.True(t, strings.HasPrefix(diagram, "stateDiagram-v2\n    [*] --> intake\n"))
	assert.Contains(t, diagram, "escalating --> confirmed: verdict_plc")
	assert.Contains(t, diagram, "closed --> [*]")
}

func TestIllegalTransitionMessage(t *testing.T) {
	err := Fire(PLC.New(PLCClosed), PLCClose)
	assert.EqualError(t, err, `event "close" is not allowed in state "closed" (allowed: none)`)
}
