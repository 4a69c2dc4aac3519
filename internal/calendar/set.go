package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Names of the built-in calendars.
const (
	// DefaultCalendar is Europe/Moscow, Mon–Fri 09:00–18:00 with the Russian
	// production calendar.
	DefaultCalendar = "default"
	// AllDayCalendar is plain time: every day 00:00–24:00, no holidays.
	AllDayCalendar = "24x7"
	// BusinessLineCalendar is the business line's hours (telecom seed: «в
	// будние дни с 8:00 до 20:00»): Europe/Moscow, Mon–Fri 08:00–20:00 with the
	// Russian production calendar. A line's hours are not an SLA's: it says
	// whether the line answers now.
	BusinessLineCalendar = "business_line"
	// DefaultZone is the zone of the built-in calendars.
	DefaultZone = "Europe/Moscow"
)

// Set is the named calendars and SLA policies of a deployment. A workflow
// receives it (or the part it needs) in its input and computes deadlines from
// that snapshot, so a later config change never moves a deadline on replay.
type Set struct {
	Calendars map[string]*Calendar `json:"calendars"`
	Policies  map[string]Policy    `json:"policies"`
}

// Deadline is a computed due with the basis it was computed on.
type Deadline struct {
	Name  string    `json:"name"`
	Due   time.Time `json:"due"`
	Basis Basis     `json:"basis"`
}

// Breached reports whether the deadline has passed at now.
func (d Deadline) Breached(now time.Time) bool { return now.After(d.Due) }

// Basis says how a deadline was computed, so it can be explained and checked.
type Basis struct {
	Start    time.Time `json:"start"`
	Policy   string    `json:"policy"`
	Duration string    `json:"duration"`
	Calendar string    `json:"calendar"`
	// CalendarVersion is the calendar's Version.
	CalendarVersion string `json:"calendar_version"`
	// Warnings note a computation that used the Labour Code fallback for a
	// year without production-calendar data.
	Warnings []string `json:"warnings,omitempty"`
}

// PolicyDefault is an SLA policy as a case type declares it: its name, its
// default duration and the calendar it counts on.
type PolicyDefault struct {
	Name     string
	Duration string
	Calendar string
}

// DefaultWeek is Mon–Fri 09:00–18:00.
func DefaultWeek() Week {
	d := "09:00-18:00"
	return Week{Mon: d, Tue: d, Wed: d, Thu: d, Fri: d}
}

// businessLineWeek is Mon–Fri 08:00–20:00.
func businessLineWeek() Week {
	d := "08:00-20:00"
	return Week{Mon: d, Tue: d, Wed: d, Thu: d, Fri: d}
}

// Default returns a new Set with the built-in calendars ("default", "24x7" and
// "business_line")
// and no policies: case types declare theirs (Config.Defaults).
func Default() *Set {
	all := "00:00-24:00"
	s := &Set{
		Calendars: map[string]*Calendar{
			DefaultCalendar: {
				Name:     DefaultCalendar,
				Zone:     DefaultZone,
				Hours:    DefaultWeek(),
				Holidays: HolidaysRU,
				Years:    ShippedYears(),
			},
			AllDayCalendar: {
				Name:     AllDayCalendar,
				Zone:     DefaultZone,
				Hours:    Week{Mon: all, Tue: all, Wed: all, Thu: all, Fri: all, Sat: all, Sun: all},
				Holidays: HolidaysNone,
			},
			BusinessLineCalendar: {
				Name:     BusinessLineCalendar,
				Zone:     DefaultZone,
				Hours:    businessLineWeek(),
				Holidays: HolidaysRU,
				Years:    ShippedYears(),
			},
		},
		Policies: map[string]Policy{},
	}
	if err := s.Validate(); err != nil {
		panic(err)
	}
	return s
}

// Validate validates every calendar and policy and checks that each policy's
// calendar exists and each calendar is filed under its own name.
func (s *Set) Validate() error {
	for _, name := range sortedKeys(s.Calendars) {
		c := s.Calendars[name]
		if c == nil {
			return fmt.Errorf("calendar %s: missing", name)
		}
		if c.Name != name {
			return fmt.Errorf("calendar %s: named %q", name, c.Name)
		}
		if err := c.Validate(); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(s.Policies) {
		p := s.Policies[name]
		if p.Name != name {
			return fmt.Errorf("sla %s: named %q", name, p.Name)
		}
		if err := p.Validate(); err != nil {
			return err
		}
		if _, err := s.Calendar(p.Calendar); err != nil {
			return fmt.Errorf("sla %s: %w", name, err)
		}
	}
	return nil
}

// Subset is the part of s a case type reads: the named policies and the
// calendars they count on, plus the calendars named in extra (those a type's
// code reads by name). A name s does not hold is left out; the calendars and
// policies are shared with s, not copied (a Set is read-only once built).
func (s *Set) Subset(policies []string, extra ...string) *Set {
	out := &Set{Calendars: map[string]*Calendar{}, Policies: map[string]Policy{}}
	addCalendar := func(name string) {
		if c := s.Calendars[name]; c != nil {
			out.Calendars[name] = c
		}
	}
	for _, name := range policies {
		if p, ok := s.Policies[name]; ok {
			out.Policies[name] = p
			addCalendar(p.Calendar)
		}
	}
	for _, name := range extra {
		addCalendar(name)
	}
	return out
}

// Calendar returns the named calendar; the error names it and the known ones.
func (s *Set) Calendar(name string) (*Calendar, error) {
	if c := s.Calendars[name]; c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("unknown calendar %q (have %s)", name, strings.Join(sortedKeys(s.Calendars), ", "))
}

// Policy returns the named policy; the error names it.
func (s *Set) Policy(name string) (Policy, error) {
	if p, ok := s.Policies[name]; ok {
		return p, nil
	}
	return Policy{}, fmt.Errorf("unknown SLA policy %q", name)
}

// Due computes the named policy's deadline for a start.
func (s *Set) Due(policy string, start time.Time) (Deadline, error) {
	return s.deadline(policy, start, false)
}

// DueBefore computes the moment the named policy's duration before end, e.g.
// reclamation.task_reminder before a task's due. The Basis has the end as its
// Start and a Duration ending in "before".
func (s *Set) DueBefore(policy string, end time.Time) (Deadline, error) {
	return s.deadline(policy, end, true)
}

func (s *Set) deadline(name string, start time.Time, before bool) (Deadline, error) {
	p, err := s.Policy(name)
	if err != nil {
		return Deadline{}, err
	}
	c, err := s.Calendar(p.Calendar)
	if err != nil {
		return Deadline{}, fmt.Errorf("sla %s: %w", name, err)
	}
	var due time.Time
	dur := p.String()
	if before {
		due, err = p.ApplyBefore(c, start)
		dur += " before"
	} else {
		due, err = p.Apply(c, start)
	}
	if err != nil {
		return Deadline{}, err
	}
	return Deadline{
		Name: name,
		Due:  due,
		Basis: Basis{
			Start:           start,
			Policy:          name,
			Duration:        dur,
			Calendar:        c.Name,
			CalendarVersion: c.Version(),
			Warnings:        c.FallbackWarnings(start, due),
		},
	}, nil
}

// FallbackWarnings returns a warning for each year from a's to b's (in the
// calendar's zone) that the calendar computes by the Labour Code art. 112
// fallback for lack of production-calendar data; nil when there is none.
func (c *Calendar) FallbackWarnings(a, b time.Time) []string {
	loc := c.prepared().loc
	y0, y1 := a.In(loc).Year(), b.In(loc).Year()
	if y1 < y0 {
		y0, y1 = y1, y0
	}
	var out []string
	for y := y0; y <= y1; y++ {
		if !c.HasYearData(y) {
			out = append(out, missingYear(c.Name, y))
		}
	}
	return out
}

func missingYear(calendar string, year int) string {
	return fmt.Sprintf("calendar %s: no production-calendar data for %d, using Labour Code art. 112 holidays", calendar, year)
}

// CheckYears returns a warning for each calendar, in name order, that has no
// production-calendar data for one of the years and falls back to the Labour
// Code art. 112 holidays for it.
func (s *Set) CheckYears(years ...int) []string {
	var out []string
	for _, name := range sortedKeys(s.Calendars) {
		c := s.Calendars[name]
		for _, y := range years {
			if !c.HasYearData(y) {
				out = append(out, missingYear(name, y))
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	//workflowcheck:ignore the keys are sorted before use
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
