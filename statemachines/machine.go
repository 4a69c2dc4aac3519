// Package statemachines holds one looplab/fsm transition table per case type. A
// machine here is pure data: no callbacks, no side effects, nothing that reads the
// clock, so workflows may rebuild it on every replay and always reach the same state.
package statemachines

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/looplab/fsm"
)

// Stay as a transition's To keeps the machine in the state the event came from.
const Stay = ""

// Transition is one row of a transition table: Event moves the machine from any of
// From to To (or keeps it where it was when To is Stay).
type Transition struct {
	Event string   `json:"event"`
	From  []string `json:"from"`
	To    string   `json:"to"`
}

// Definition is a case type's transition table.
type Definition struct {
	Name        string       `json:"name"`
	Initial     string       `json:"initial"`
	States      []string     `json:"states"`
	Terminal    []string     `json:"terminal"`
	Transitions []Transition `json:"transitions"`
}

// IllegalTransitionError says that an event is not legal in the current state and
// which events are.
type IllegalTransitionError struct {
	Event   string   `json:"event"`
	State   string   `json:"state"`
	Allowed []string `json:"allowed_events"`
}

func (e *IllegalTransitionError) Error() string {
	allowed := "none"
	if len(e.Allowed) > 0 {
		allowed = strings.Join(e.Allowed, ", ")
	}
	return fmt.Sprintf("event %q is not allowed in state %q (allowed: %s)", e.Event, e.State, allowed)
}

// Validate checks that the table names only declared states and that every state
// but the terminal ones has a way out.
func (d *Definition) Validate() error {
	if d.Name == "" {
		return errors.New("machine has no name")
	}
	if !slices.Contains(d.States, d.Initial) {
		return fmt.Errorf("machine %s: initial state %q is not declared", d.Name, d.Initial)
	}
	exits := map[string]bool{}
	for _, t := range d.Transitions {
		if t.Event == "" || len(t.From) == 0 {
			return fmt.Errorf("machine %s: transition %+v needs an event and a from-state", d.Name, t)
		}
		if t.To != Stay && !slices.Contains(d.States, t.To) {
			return fmt.Errorf("machine %s: event %s goes to undeclared state %q", d.Name, t.Event, t.To)
		}
		for _, f := range t.From {
			if !slices.Contains(d.States, f) {
				return fmt.Errorf("machine %s: event %s leaves undeclared state %q", d.Name, t.Event, f)
			}
			if slices.Contains(d.Terminal, f) {
				return fmt.Errorf("machine %s: event %s leaves terminal state %q", d.Name, t.Event, f)
			}
			exits[f] = true
		}
	}
	for _, s := range d.States {
		if !exits[s] && !slices.Contains(d.Terminal, s) {
			return fmt.Errorf("machine %s: state %q has no way out and is not terminal", d.Name, s)
		}
	}
	return nil
}

// New builds the fsm in state (the initial state when state is empty).
func (d *Definition) New(state string) *fsm.FSM {
	if state == "" {
		state = d.Initial
	}
	var events fsm.Events
	for _, t := range d.Transitions {
		if t.To != Stay {
			events = append(events, fsm.EventDesc{Name: t.Event, Src: t.From, Dst: t.To})
			continue
		}
		for _, f := range t.From {
			events = append(events, fsm.EventDesc{Name: t.Event, Src: []string{f}, Dst: f})
		}
	}
	return fsm.NewFSM(state, events, nil)
}

// IsTerminal reports whether no event leaves state.
func (d *Definition) IsTerminal(state string) bool { return slices.Contains(d.Terminal, state) }

// Events lists the machine's event names, sorted, each once.
func (d *Definition) Events() []string {
	var names []string
	for _, t := range d.Transitions {
		if !slices.Contains(names, t.Event) {
			names = append(names, t.Event)
		}
	}
	slices.Sort(names)
	return names
}

// Stays reports whether event leaves the machine in state: a self-loop.
func (d *Definition) Stays(event, state string) bool {
	for _, t := range d.Transitions {
		if t.Event == event && slices.Contains(t.From, state) {
			return t.To == Stay || t.To == state
		}
	}
	return false
}

// Edges returns, for an event, the states it leaves and the states it reaches,
// each sorted.
func (d *Definition) Edges(event string) (from, to []string) {
	for _, t := range d.Transitions {
		if t.Event != event {
			continue
		}
		for _, f := range t.From {
			if !slices.Contains(from, f) {
				from = append(from, f)
			}
			dst := t.To
			if dst == Stay {
				dst = f
			}
			if !slices.Contains(to, dst) {
				to = append(to, dst)
			}
		}
	}
	slices.Sort(from)
	slices.Sort(to)
	return from, to
}

// Allowed lists the events legal in the machine's current state, sorted
// (fsm ranges over a map, so its own order is random).
func Allowed(m *fsm.FSM) []string {
	events := m.AvailableTransitions()
	slices.Sort(events)
	return events
}

// Fire applies event to m. A self-transition counts as success; an event that is not
// legal now returns *IllegalTransitionError naming the state and the legal events.
func Fire(m *fsm.FSM, event string) error {
	if !m.Can(event) {
		return &IllegalTransitionError{Event: event, State: m.Current(), Allowed: Allowed(m)}
	}
	// A plain Background parent makes fsm's context.WithCancel start no goroutine.
	err := m.Event(context.Background(), event)
	var same fsm.NoTransitionError
	if err == nil || errors.As(err, &same) {
		return nil
	}
	return fmt.Errorf("unable to fire %s: %w", event, err)
}

// Mermaid renders the machine as a Mermaid state diagram.
func (d *Definition) Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %s\n", d.Initial)
	for _, t := range d.Transitions {
		for _, f := range t.From {
			dst := t.To
			if dst == Stay {
				dst = f
			}
			fmt.Fprintf(&b, "    %s --> %s: %s\n", f, dst, t.Event)
		}
	}
	for _, s := range d.Terminal {
		fmt.Fprintf(&b, "    %s --> [*]\n", s)
	}
	return b.String()
}
