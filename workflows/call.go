package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	sm "github.com/caseflow/caseflow/statemachines"
)

// callRoles send a call's events: the operator on the call and the intake
// services (telephony) with an operator's token.
var callRoles = []string{RoleOperator, RoleExpert, RoleSupervisor}

var callType = Define(Definition[CallIntake, NoDirectory, CallOptions]{
	Name:        "call",
	Title:       "Call conduct (interrupted calls)",
	Machine:     sm.Call,
	IntakeRoles: callRoles,
	Events: []EventSpec{
		newEvent[WarnData](sm.CallWarn, "The customer breached conduct (insult, obscenity, nonconstructive, off_topic) or cannot be heard (inaudible: one standard phrase said). "+
			"The answer says how many warnings or phrases remain; the breach past a reason's count, or the last phrase, ends the call.",
			callRoles, func(d *WarnData) string {
				if d.Reason == ReasonInaudible {
					return sm.CallCannotHear
				}
				return sm.CallWarn
			}, sm.CallWarn, sm.CallCannotHear),
		newEvent[HeardData](sm.CallHeard, "The customer who could not be heard is heard again: the inaudible window stops.", callRoles, nil),
		newEvent[EndCallData](sm.CallEndCall, "The operator ends the call; a customer who cannot be heard gets the standard SMS.", callRoles, nil),
	},
	New: newCallCase,
})

// callCase is a running call.
type callCase struct {
	*caseCore
	in   *CallInput
	opts *CallOptions
	data CallData
	// spell numbers the inaudible windows: a wait ends when its spell does.
	spell int
}

// newCallCase builds a call's conduct case (seed 003).
func newCallCase(_ workflow.Context, c *caseCore, in *CallInput) (Behaviour, error) {
	w := &callCase{caseCore: c, in: in, opts: &in.Env.Options}
	w.data = CallData{Intake: in.Intake, Conduct: []ConductCount{}}
	for _, r := range countedReasons {
		n := w.opts.Warnings[r]
		w.data.Conduct = append(w.data.Conduct, ConductCount{Reason: r, Warnings: n, WarningsLeft: n})
	}
	return w, nil
}

// View is the call's part of the case view.
func (w *callCase) View() any { return w.data }

// Guard refuses nothing the machine allows.
func (w *callCase) Guard(*Event) error { return nil }

// Run keeps the inaudible window: from the first standard phrase, a customer
// not heard again by its end has the call ended by the engine and gets the
// standard SMS. The window's timer is cancelled when the customer is heard or
// the call ends otherwise.
func (w *callCase) Run(ctx workflow.Context) error {
	for !w.terminal() {
		if err := workflow.Await(ctx, func() bool { return w.terminal() || w.windowRunning(w.spell) }); err != nil {
			return err
		}
		if w.terminal() {
			return nil
		}
		spell := w.spell
		lapsed, err := w.awaitUntil(ctx, w.data.Inaudible.Due, "inaudible window", func() bool { return !w.windowRunning(spell) })
		if err != nil {
			return err
		}
		if lapsed {
			if err := w.locked(ctx, func() error {
				if !w.windowRunning(spell) {
					return nil
				}
				return w.endUnheard(ctx, "inaudible_window", fmt.Sprintf("not heard for %s after the first phrase", w.opts.InaudibleWindow))
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// windowRunning reports whether inaudible spell runs: the case waits for the
// customer to be heard.
func (w *callCase) windowRunning(spell int) bool {
	return spell > 0 && spell == w.spell && w.state() == sm.CallInaudible && w.data.Inaudible != nil && !w.data.Inaudible.Heard
}

// Apply runs the side effects of the operator's events.
func (w *callCase) Apply(ctx workflow.Context, ev *Event) error {
	switch d := ev.Data.(type) {
	case *WarnData:
		if d.Reason == ReasonInaudible {
			return w.phrase(ctx, ev)
		}
		return w.breach(ctx, d.Reason)
	case *HeardData:
		w.data.Inaudible.Heard = true
		w.data.Answer = nil
		return nil
	case *EndCallData:
		w.ended(ctx, "operator")
		if ev.From == sm.CallInaudible {
			// «Далее, оценив ситуацию, необходимо отправить клиенту стандартное sms».
			w.sendSMS(ctx)
		}
		return nil
	}
	return fmt.Errorf("event %s has no handler", ev.Name())
}

// breach counts one breach of reason and answers how many warnings remain; the
// breach past the count ends the call.
func (w *callCase) breach(ctx workflow.Context, reason string) error {
	c := &w.data.Conduct[slices.Index(countedReasons, reason)]
	c.Breaches++
	left := c.Warnings - c.Breaches
	c.WarningsLeft = max(left, 0)
	w.data.Answer = &ConductAnswer{Reason: reason, Breach: c.Breaches, WarningsLeft: c.WarningsLeft, EndCall: left < 0, Script: conductScript(reason, left)}
	if left >= 0 {
		return nil
	}
	if err := w.fire(ctx, sm.CallConductLimit, system, fmt.Sprintf("%s: breach %d after %d warnings", reason, c.Breaches, c.Warnings)); err != nil {
		return err
	}
	w.ended(ctx, reason)
	return nil
}

// phrase counts one standard phrase said to a customer who cannot be heard; the
// first opens the window, the last ends the call.
func (w *callCase) phrase(ctx workflow.Context, ev *Event) error {
	now := workflow.Now(ctx)
	if ev.From != sm.CallInaudible {
		w.spell++
		w.data.Inaudible = &InaudibleWindow{StartedAt: now, Due: now.Add(w.opts.window())}
	}
	win := w.data.Inaudible
	win.Phrases++
	win.PhrasesLeft = w.opts.InaudiblePhrases - win.Phrases
	script := inaudiblePhrases[(win.Phrases-1)%len(inaudiblePhrases)]
	w.data.Answer = &ConductAnswer{Reason: ReasonInaudible, Breach: win.Phrases, WarningsLeft: win.PhrasesLeft, EndCall: win.PhrasesLeft == 0, Script: script}
	if win.PhrasesLeft > 0 {
		return nil
	}
	return w.endUnheard(ctx, "inaudible_phrases", fmt.Sprintf("%d standard phrases said, the customer not heard", win.Phrases))
}

// endUnheard ends a call whose customer cannot be heard and sends the standard SMS.
func (w *callCase) endUnheard(ctx workflow.Context, reason, note string) error {
	if err := w.fire(ctx, sm.CallInaudibleEnd, system, note); err != nil {
		return err
	}
	w.data.Answer = &ConductAnswer{Reason: ReasonInaudible, Breach: w.data.Inaudible.Phrases, EndCall: true,
		Script: "Клиента не слышно: завершите звонок; клиенту отправлено стандартное SMS."}
	w.ended(ctx, reason)
	w.sendSMS(ctx)
	return nil
}

// ended records the call's end.
func (w *callCase) ended(ctx workflow.Context, reason string) {
	now := workflow.Now(ctx)
	w.data.EndedAt, w.data.EndReason = &now, reason
}

// sendSMS sends the standard SMS once per call; a failure becomes a
// supervisor's task.
func (w *callCase) sendSMS(ctx workflow.Context) {
	sms := &CallSMS{To: w.in.Intake.CallerNumber, Text: w.opts.InaudibleSMS}
	w.data.SMS = sms
	var out activities.SendSMSResult
	sms.Sent = w.act(ctx, "inaudible-sms", a.SendSMS, activities.SendSMSInput{
		Key: w.key("inaudible-sms"), CaseID: w.meta.ID, Step: "inaudible-sms", To: sms.To, Text: sms.Text,
	}, &out)
}
