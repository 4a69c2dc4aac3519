package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Unit is what a Policy's Amount counts.
type Unit string

// Units of a Policy.
const (
	WorkingMinutes Unit = "working_minutes"  // working time
	WorkingHours   Unit = "working_hours"    // working time
	WorkingDays    Unit = "working_days"     // same time of day on the n-th following working day
	NextWorkingDay Unit = "next_working_day" // the opening of the next working day
	NextDay        Unit = "next_day"         // the same time of day on the next calendar day
	Minutes        Unit = "minutes"          // plain time
	Hours          Unit = "hours"            // plain time
	Days           Unit = "days"             // the same time of day n calendar days later
)

// maxAmount bounds a policy's amount; larger figures are typos.
const maxAmount = 9999

// Policy is a named SLA deadline, e.g. plc.verdict = 3 working hours on the
// default calendar.
type Policy struct {
	Name     string `json:"name" yaml:"name"`
	Amount   int    `json:"amount" yaml:"amount"`
	Unit     Unit   `json:"unit" yaml:"unit"`
	Calendar string `json:"calendar" yaml:"calendar"`
}

var unitWords = map[string]Unit{
	"minute": Minutes, "minutes": Minutes,
	"hour": Hours, "hours": Hours,
	"day": Days, "days": Days,
}

var workingUnit = map[Unit]Unit{Minutes: WorkingMinutes, Hours: WorkingHours, Days: WorkingDays}

// ParsePolicy parses a policy's text: "3 working hours", "30 working
// minutes", "1 working day", "next working day", "next day" or plain time such
// as "2 hours", "90 minutes", "1 day". Errors name the policy and the text.
func ParsePolicy(name, text, calendar string) (Policy, error) {
	p := Policy{Name: name, Amount: 1, Calendar: calendar}
	w := strings.Fields(strings.ToLower(text))
	switch {
	case len(w) == 2 && w[0] == "next" && w[1] == "day":
		p.Unit = NextDay
	case len(w) == 3 && w[0] == "next" && w[1] == "working" && w[2] == "day":
		p.Unit = NextWorkingDay
	case len(w) == 2 || (len(w) == 3 && w[1] == "working"):
		n, err := strconv.Atoi(w[0])
		u, ok := unitWords[w[len(w)-1]]
		if err != nil || !ok {
			return Policy{}, policyError(name, text)
		}
		if n < 1 || n > maxAmount {
			return Policy{}, fmt.Errorf("sla %s: %q: the amount must be 1..%d", name, text, maxAmount)
		}
		p.Amount, p.Unit = n, u
		if len(w) == 3 {
			p.Unit = workingUnit[u]
		}
	default:
		return Policy{}, policyError(name, text)
	}
	return p, nil
}

func policyError(name, text string) error {
	return fmt.Errorf(`sla %s: unable to parse %q: want "<N> working minutes|hours|days", "next working day", "next day" or plain "<N> minutes|hours|days"`, name, text)
}

// String renders the policy's duration as ParsePolicy reads it, e.g.
// "3 working hours".
func (p Policy) String() string {
	word := map[Unit]string{
		WorkingMinutes: "working minute", WorkingHours: "working hour", WorkingDays: "working day",
		Minutes: "minute", Hours: "hour", Days: "day",
	}
	switch p.Unit {
	case NextWorkingDay:
		return "next working day"
	case NextDay:
		return "next day"
	}
	w, ok := word[p.Unit]
	if !ok {
		return fmt.Sprintf("%d %s", p.Amount, p.Unit)
	}
	if p.Amount != 1 {
		w += "s"
	}
	return fmt.Sprintf("%d %s", p.Amount, w)
}

// Validate checks the unit and the amount.
func (p Policy) Validate() error {
	switch p.Unit {
	case WorkingMinutes, WorkingHours, WorkingDays, Minutes, Hours, Days:
		if p.Amount < 1 || p.Amount > maxAmount {
			return fmt.Errorf("sla %s: amount %d: want 1..%d", p.Name, p.Amount, maxAmount)
		}
	case NextWorkingDay, NextDay:
		if p.Amount != 1 {
			return fmt.Errorf("sla %s: amount %d: %s takes none", p.Name, p.Amount, p.Unit)
		}
	default:
		return fmt.Errorf("sla %s: unknown unit %q", p.Name, p.Unit)
	}
	if p.Calendar == "" {
		return fmt.Errorf("sla %s: no calendar", p.Name)
	}
	return nil
}

// Apply returns the due of the policy for a start, on calendar c (the
// policy's own Calendar name is not looked up here). Working units follow
// AddWorking and AddWorkingDays; next working day is NextWorkingDayStart;
// next day and days keep the time of day in the calendar's zone; minutes and
// hours are plain time.
func (p Policy) Apply(c *Calendar, start time.Time) (time.Time, error) {
	return p.apply(c, start, 1)
}

// ApplyBefore counts the policy back from end: the moment the policy's
// duration before it, e.g. a reminder 1 working day before a task's due.
// Next working day cannot be counted back.
func (p Policy) ApplyBefore(c *Calendar, end time.Time) (time.Time, error) {
	return p.apply(c, end, -1)
}

func (p Policy) apply(c *Calendar, t time.Time, sign int) (time.Time, error) {
	if err := p.Validate(); err != nil {
		return time.Time{}, err
	}
	if err := c.check(); err != nil {
		return time.Time{}, err
	}
	loc := c.prep.loc
	n := sign * p.Amount
	switch p.Unit {
	case WorkingMinutes:
		return c.AddWorking(t, time.Duration(n)*time.Minute), nil
	case WorkingHours:
		return c.AddWorking(t, time.Duration(n)*time.Hour), nil
	case WorkingDays:
		return c.AddWorkingDays(t, n), nil
	case NextWorkingDay:
		if sign < 0 {
			return time.Time{}, fmt.Errorf("sla %s: %s cannot be counted back", p.Name, p)
		}
		return c.NextWorkingDayStart(t), nil
	case Minutes:
		return t.Add(time.Duration(n) * time.Minute).In(loc), nil
	case Hours:
		return t.Add(time.Duration(n) * time.Hour).In(loc), nil
	case NextDay:
		return t.In(loc).AddDate(0, 0, sign), nil
	default: // Days
		return t.In(loc).AddDate(0, 0, n), nil
	}
}

// check validates the calendar once.
func (c *Calendar) check() error {
	if c.prep != nil {
		return nil
	}
	return c.Validate()
}
