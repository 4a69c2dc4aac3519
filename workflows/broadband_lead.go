package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/internal/calendar"
	sm "github.com/caseflow/caseflow/statemachines"
)

// leadRoles open broadband contacts and send a lead's events.
var leadRoles = []string{RoleOperator, RoleExpert, RoleSupervisor}

var leadType = Define(Definition[LeadIntake, NoDirectory, LeadOptions]{
	Name:        "broadband_lead",
	Title:       "Broadband (ШПД) contact and business lead",
	Machine:     sm.BroadbandLead,
	IntakeRoles: leadRoles,
	// The line's hours say whether it answers now (checkLine).
	Calendars: []string{calendar.BusinessLineCalendar},
	Policies: []Policy{
		{Name: PolicyLeadCallback, Default: "2 working days", Calendar: calendar.BusinessLineCalendar,
			Doc: "the window a lead is to be called back in: «если в течении 2(двух) рабочих дней ему не перезвонят, он может обратиться по номеру 8-800-700-7007». " +
				"Counted on the business line's calendar (weekdays 08:00–20:00), whose department calls. The engine tracks it and flags it lapsed; it never promises the call"},
	},
	Events: []EventSpec{
		newEvent[CalledBackData](sm.LeadCalledBackEvent, "The business department called the lead back: the window is kept (or late, when it had lapsed).", leadRoles, nil),
		newEvent[LeadCloseData](sm.LeadClose, "The lead is closed, with its outcome.", leadRoles, nil),
	},
	New: newLeadCase,
})

// deadlineLeadCallback names the lead's callback window.
const deadlineLeadCallback = "lead_callback"

// leadCase is a running broadband contact.
type leadCase struct {
	*caseCore
	in   *LeadInput
	opts *LeadOptions
	data LeadData
	// lapseTask is the task of a lapsed window, "" when none is open.
	lapseTask string
}

// newLeadCase builds a broadband contact (seed 003).
func newLeadCase(_ workflow.Context, c *caseCore, in *LeadInput) (Behaviour, error) {
	return &leadCase{caseCore: c, in: in, opts: &in.Env.Options, data: LeadData{Intake: in.Intake}}, nil
}

// View is the contact's part of the case view.
func (w *leadCase) View() any { return w.data }

// Guard refuses nothing the machine allows.
func (w *leadCase) Guard(*Event) error { return nil }

// Run answers the caller at intake: every caller but a potential business
// customer is given the line to call and the case ends routed; a lead waits to
// be called back, and a window that lapses is breached and becomes a task.
func (w *leadCase) Run(ctx workflow.Context) error {
	if err := w.locked(ctx, func() error { return w.open(ctx) }); err != nil {
		return err
	}
	if w.terminal() {
		return nil
	}
	d := w.findDeadline(deadlineLeadCallback)
	lapsed, err := w.awaitUntil(ctx, d.Due, "lead callback window", func() bool { return !w.windowRunning() })
	if err != nil {
		return err
	}
	if lapsed {
		if err := w.locked(ctx, func() error { w.lapse(ctx); return nil }); err != nil {
			return err
		}
	}
	return workflow.Await(ctx, w.terminal)
}

// open answers the caller as SPEC §3.4 routes them.
func (w *leadCase) open(ctx workflow.Context) error {
	in := &w.in.Intake
	w.checkLine(ctx)
	line := w.data.BusinessLine
	switch in.Caller {
	case CallerSubscriber:
		if in.AcuteConflict {
			w.data.Routing = LeadRouting{Action: RouteTransferShpd,
				Script: "Клиент категорически отказывается перезвонить: переключите звонок на линию ШПД."}
		} else {
			w.data.Routing = LeadRouting{Action: RouteGiveNumber, Number: w.opts.SubscriberLine,
				Script: fmt.Sprintf("По вопросам домашнего интернета и IP TV для действующих абонентов, пожалуйста, позвоните по номеру %s.", w.opts.SubscriberLine)}
		}
	case CallerIndividual:
		w.data.Routing = LeadRouting{Action: RouteTransferShpd, Script: "Переключите звонок на линию ШПД."}
	case CallerPartner, CallerStateBody:
		w.data.Routing = LeadRouting{Action: RouteGiveNumber, Number: w.opts.BusinessLine,
			Script: fmt.Sprintf("Пожалуйста, позвоните по телефону Билайн-Бизнес %s %s.%s", w.opts.BusinessLine, BusinessLineHours, lineNow(line))}
	default:
		return w.openLead(ctx)
	}
	return w.fire(ctx, sm.LeadRoute, system, in.Caller+": "+w.data.Routing.Action)
}

// openLead records a potential business customer's lead and starts its window.
func (w *leadCase) openLead(ctx workflow.Context) error {
	w.data.Routing = LeadRouting{Action: RouteLead, Number: w.opts.BusinessLine,
		Script: fmt.Sprintf("Ваша заявка принята. Если в течение 2 рабочих дней вам не перезвонят, позвоните, пожалуйста, по номеру %s %s.", w.opts.BusinessLine, BusinessLineHours)}
	if err := w.fire(ctx, sm.LeadOpen, system, "lead: "+w.in.Intake.City); err != nil {
		return err
	}
	_, err := w.addDeadline(ctx, deadlineLeadCallback, PolicyLeadCallback, w.openedAt)
	return err
}

// lineNow is the script's note of whether the line answers now.
func lineNow(l LineStatus) string {
	if l.Open {
		return " Сейчас линия работает."
	}
	return " Сейчас линия не работает."
}

// checkLine records whether the business line is open now.
func (w *leadCase) checkLine(ctx workflow.Context) {
	now := workflow.Now(ctx)
	st := LineStatus{Number: w.opts.BusinessLine, Hours: BusinessLineHours, CheckedAt: now}
	if cal, err := w.cals.Calendar(calendar.BusinessLineCalendar); err == nil {
		st.Open = cal.IsWorkingTime(now)
		if !st.Open {
			next := cal.NextWorkingTime(now)
			st.NextOpen = &next
		}
	}
	w.data.BusinessLine = st
}

// windowRunning reports whether the callback window runs: neither kept nor
// breached, the lead open.
func (w *leadCase) windowRunning() bool {
	d := w.findDeadline(deadlineLeadCallback)
	return d != nil && !d.Met && !d.Breached && !w.terminal() && w.state() == sm.LeadAwaitingCallback
}

// lapse breaches the window and opens the supervisor's task.
func (w *leadCase) lapse(ctx workflow.Context) {
	if !w.windowRunning() {
		return
	}
	w.breach(ctx, deadlineLeadCallback)
	w.data.Lapsed = true
	d := w.findDeadline(deadlineLeadCallback)
	t := w.addTask(ctx, Task{
		Title: fmt.Sprintf("Лиду ШПД (%s, %s) не перезвонили за 2 рабочих дня (срок %s): клиент может обратиться на %s. Перезвоните (called_back) или закройте лид (close)",
			w.in.Intake.Organisation, w.in.Intake.City, d.Due.In(w.zone(PolicyLeadCallback)).Format("02.01.2006 15:04"), w.opts.BusinessLine),
		Role: RoleSupervisor, Due: workflow.Now(ctx), Events: []string{sm.LeadCalledBackEvent, sm.LeadClose},
	})
	w.lapseTask = t.ID
}

// Apply runs the side effects of a lead's events.
func (w *leadCase) Apply(ctx workflow.Context, ev *Event) error {
	w.checkLine(ctx)
	switch d := ev.Data.(type) {
	case *CalledBackData:
		now := workflow.Now(ctx)
		w.data.CalledBackAt = &now
		w.meet(ctx, deadlineLeadCallback)
	case *LeadCloseData:
		w.data.Outcome = d.Outcome
	default:
		return fmt.Errorf("event %s has no handler", ev.Name())
	}
	if w.lapseTask != "" {
		w.closeTask(ctx, w.lapseTask)
		w.lapseTask = ""
	}
	return nil
}
