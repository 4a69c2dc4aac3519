package calendar

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the `calendars:` and `sla:` sections of caseflow's config file;
// docs/calendar.md is its reference. The zero Config builds the defaults.
type Config struct {
	// Calendars add calendars or change the built-in ones, by name.
	Calendars map[string]CalendarConfig `yaml:"calendars"`
	// SLA adds policies or changes the default ones, by name.
	SLA map[string]PolicyConfig `yaml:"sla"`
	// Defaults are the policies the case types declare, before SLA changes
	// them. Not read from the file: the caller passes the registry's.
	Defaults []PolicyDefault `yaml:"-"`
	// Now, when set, makes Build warn about every calendar that lacks
	// production-calendar data for the year of Now or of 31 days later. It is
	// not read from the file: the caller passes its clock.
	Now time.Time `yaml:"-"`
}

// CalendarConfig changes a built-in calendar or defines a new one, which
// starts as a copy of Base. Only the keys given change.
type CalendarConfig struct {
	// Base is the built-in calendar a new calendar copies: "default" (the
	// default) or "24x7".
	Base string `yaml:"base"`
	// Zone is an IANA zone such as "Asia/Yekaterinburg".
	Zone string `yaml:"zone"`
	// Hours by weekday key (mon..sun): "09:00-18:00", or "" or "off" for a
	// day off. Days not named keep their hours.
	Hours map[string]string `yaml:"hours"`
	// Holidays is "ru" or "none".
	Holidays string `yaml:"holidays"`
	// Years by year ("2027"); a year given replaces the shipped data for it.
	Years map[string]Year `yaml:"years"`
}

// PolicyConfig is one SLA policy: in YAML either its duration as a plain
// string ("3 working hours") or {duration: "3 working hours", calendar: "default"}.
type PolicyConfig struct {
	Duration string `yaml:"duration"`
	// Calendar is the calendar's name; empty keeps a default policy's calendar
	// and means "default" for a new one.
	Calendar string `yaml:"calendar"`
}

// UnmarshalYAML reads a calendar, rejecting unknown keys.
func (c *CalendarConfig) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "calendar", "base", "zone", "hours", "holidays", "years"); err != nil {
		return err
	}
	type plain CalendarConfig
	return n.Decode((*plain)(c))
}

// UnmarshalYAML reads a year's data, rejecting unknown keys.
func (y *Year) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "year", "days_off", "working_weekends", "shortened"); err != nil {
		return err
	}
	type plain Year
	return n.Decode((*plain)(y))
}

// UnmarshalYAML reads a policy given as a string or as a mapping.
func (p *PolicyConfig) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*p = PolicyConfig{Duration: n.Value}
		return nil
	}
	if err := checkKeys(n, "sla policy", "duration", "calendar"); err != nil {
		return err
	}
	type plain PolicyConfig
	return n.Decode((*plain)(p))
}

func checkKeys(n *yaml.Node, what string, allowed ...string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s: want a mapping of %s", n.Line, what, strings.Join(allowed, ", "))
	}
	for i := 0; i < len(n.Content); i += 2 {
		if k := n.Content[i]; !slices.Contains(allowed, k.Value) {
			return fmt.Errorf("line %d: %s: unknown key %q (want %s)", k.Line, what, k.Value, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// LoadConfigFile reads the `calendars:` and `sla:` sections of a YAML config
// file, ignoring its other keys.
func LoadConfigFile(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("unable to read calendar config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("calendar config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig reads the `calendars:` and `sla:` sections of a YAML document,
// ignoring its other keys.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	if err := yaml.Unmarshal(b, &c); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Build returns the default Set changed by the config, and warnings worth
// logging: shipped years the config replaces and, when Now is set, years
// without production-calendar data. Errors name the calendar or policy and the
// value at fault.
func (c Config) Build() (*Set, []string, error) {
	s := Default()
	var warnings []string
	builtin := map[string]bool{DefaultCalendar: true, AllDayCalendar: true, BusinessLineCalendar: true}
	shipped := ShippedYears()

	// Built-in calendars first, so a new calendar copies its base as configured.
	names := sortedKeys(c.Calendars)
	slices.SortStableFunc(names, func(a, b string) int {
		switch {
		case builtin[a] == builtin[b]:
			return 0
		case builtin[a]:
			return -1
		default:
			return 1
		}
	})
	for _, name := range names {
		cc := c.Calendars[name]
		cal, ok := s.Calendars[name]
		switch {
		case ok && cc.Base != "":
			return nil, nil, fmt.Errorf("calendar %s: base %q: only a new calendar has a base", name, cc.Base)
		case ok:
			cal = cal.clone()
		default:
			base := cc.Base
			if base == "" {
				base = DefaultCalendar
			}
			if base != DefaultCalendar && base != AllDayCalendar {
				return nil, nil, fmt.Errorf("calendar %s: base %q: want %q or %q", name, base, DefaultCalendar, AllDayCalendar)
			}
			cal = s.Calendars[base].clone()
			cal.Name = name
		}
		w, err := cc.apply(cal, shipped)
		if err != nil {
			return nil, nil, err
		}
		warnings = append(warnings, w...)
		s.Calendars[name] = cal
	}

	for _, d := range c.Defaults {
		p, err := ParsePolicy(d.Name, d.Duration, d.Calendar)
		if err != nil {
			return nil, nil, fmt.Errorf("default of %w", err)
		}
		s.Policies[d.Name] = p
	}
	for _, name := range sortedKeys(c.SLA) {
		pc := c.SLA[name]
		old, exists := s.Policies[name]
		cal := pc.Calendar
		if cal == "" {
			cal = DefaultCalendar
			if exists {
				cal = old.Calendar
			}
		}
		var p Policy
		switch {
		case pc.Duration != "":
			var err error
			if p, err = ParsePolicy(name, pc.Duration, cal); err != nil {
				return nil, nil, err
			}
		case exists:
			p = old
			p.Calendar = cal
		default:
			return nil, nil, fmt.Errorf("sla %s: no duration", name)
		}
		s.Policies[name] = p
	}

	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	if !c.Now.IsZero() {
		years := []int{c.Now.Year()}
		if y := c.Now.AddDate(0, 0, 31).Year(); y != years[0] {
			years = append(years, y)
		}
		warnings = append(warnings, s.CheckYears(years...)...)
	}
	return s, warnings, nil
}

// apply changes cal by the config and returns warnings.
func (cc CalendarConfig) apply(cal *Calendar, shipped map[int]Year) ([]string, error) {
	var warnings []string
	if cc.Zone != "" {
		cal.Zone = cc.Zone
	}
	if cc.Holidays != "" {
		cal.Holidays = cc.Holidays
	}
	for _, key := range sortedKeys(cc.Hours) {
		d := slices.Index(weekdayKeys[:], key)
		if d < 0 {
			return nil, fmt.Errorf("calendar %s: hours: unknown day %q (want mon, tue, wed, thu, fri, sat, sun)", cal.Name, key)
		}
		v := cc.Hours[key]
		if v == "off" {
			v = ""
		}
		*cal.Hours.field(time.Weekday(d)) = v
	}
	for _, key := range sortedKeys(cc.Years) {
		y, err := strconv.Atoi(key)
		if err != nil {
			return nil, fmt.Errorf("calendar %s: years: %q is not a year", cal.Name, key)
		}
		if cal.Years == nil {
			cal.Years = map[int]Year{}
		}
		if _, ok := shipped[y]; ok && cal.Holidays != HolidaysNone {
			warnings = append(warnings, fmt.Sprintf("calendar %s: years.%d from the config replaces the shipped production-calendar data", cal.Name, y))
		}
		cal.Years[y] = cc.Years[key]
	}
	return warnings, nil
}

// clone returns a deep copy of the calendar's fields, not yet validated.
func (c *Calendar) clone() *Calendar {
	n := &Calendar{Name: c.Name, Zone: c.Zone, Hours: c.Hours, Holidays: c.Holidays}
	if c.Years != nil {
		n.Years = maps.Clone(c.Years)
		//workflowcheck:ignore each entry is copied on its own; order does not matter
		for y, d := range n.Years {
			n.Years[y] = Year{
				DaysOff:         slices.Clone(d.DaysOff),
				WorkingWeekends: slices.Clone(d.WorkingWeekends),
				Shortened:       slices.Clone(d.Shortened),
			}
		}
	}
	return n
}
