package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Values of Calendar.Holidays.
const (
	// HolidaysRU takes days off from the calendar's Years and, for a year without
	// data, from the Labour Code art. 112 rules.
	HolidaysRU = "ru"
	// HolidaysNone keeps only the weekly hours and whatever Years list: no
	// statutory holidays, no fallback (the 24x7 calendar).
	HolidaysNone = "none"
)

// rulesVersion names the built-in rules (art. 112 fallback, pre-holiday
// shortening, worked weekend hours); it is part of Version, so a change to the
// rules changes every calendar's version.
const rulesVersion = "caseflow-calendar/1"

// Calendar is a working-time calendar: a zone, weekly hours and per-year
// exceptions. It travels inside workflow input as JSON, so every field that
// decides a result is exported and tagged, and a decoded copy computes exactly
// what the original does.
//
// The methods are pure and deterministic. A Calendar must not be changed once
// it is in use; call Validate after changing one. It is safe for concurrent use
// after Validate (Default, Config.Build and JSON decoding validate it). The
// methods panic on a calendar that does not validate: Set.Due checks first and
// returns the error instead.
type Calendar struct {
	// Name is the calendar's name in its Set.
	Name string `json:"name"`
	// Zone is an IANA time zone, e.g. "Europe/Moscow"; working hours and dates
	// are read in it.
	Zone string `json:"zone"`
	// Hours are the working hours of each weekday.
	Hours Week `json:"hours"`
	// Holidays is HolidaysRU or HolidaysNone; empty means HolidaysRU.
	Holidays string `json:"holidays"`
	// Years holds production-calendar data by year.
	Years map[int]Year `json:"years,omitempty"`

	prep *compiled
}

// Week holds the working hours of each weekday, "HH:MM-HH:MM" in the
// calendar's zone ("00:00-24:00" is the whole day), or "" for a day off.
type Week struct {
	Mon string `json:"mon" yaml:"mon"`
	Tue string `json:"tue" yaml:"tue"`
	Wed string `json:"wed" yaml:"wed"`
	Thu string `json:"thu" yaml:"thu"`
	Fri string `json:"fri" yaml:"fri"`
	Sat string `json:"sat" yaml:"sat"`
	Sun string `json:"sun" yaml:"sun"`
}

// weekdayKeys are the Week keys in time.Weekday order.
var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func (w *Week) field(d time.Weekday) *string {
	return [7]*string{&w.Sun, &w.Mon, &w.Tue, &w.Wed, &w.Thu, &w.Fri, &w.Sat}[d]
}

// Year is one year's production-calendar data, dates as "YYYY-MM-DD".
type Year struct {
	// DaysOff are dates not worked although the weekly hours say they are:
	// public holidays and moved days off.
	DaysOff []string `json:"days_off" yaml:"days_off"`
	// WorkingWeekends are dates worked although the weekly hours say they are
	// not; they are worked by the hours of Monday (or of the first weekday
	// that has hours).
	WorkingWeekends []string `json:"working_weekends" yaml:"working_weekends"`
	// Shortened are pre-holiday working days that end one hour earlier.
	Shortened []string `json:"shortened" yaml:"shortened"`
}

// shortening is how much earlier a shortened (pre-holiday) day ends (Labour Code art. 95).
const shortening = 60 // minutes

type dayFlags uint8

const (
	flagOff dayFlags = 1 << iota
	flagWorked
	flagShort
)

// compiled is what a Calendar derives from its fields, made once by Validate.
type compiled struct {
	loc      *time.Location
	week     [7]span
	worked   span // the hours of a worked weekend day
	special  map[int]dayFlags
	data     map[int]bool
	fallback bool
	version  string
}

// Validate checks the calendar and prepares it for use. Errors name the
// calendar and the value at fault.
func (c *Calendar) Validate() error {
	p, err := c.compile()
	if err != nil {
		return fmt.Errorf("calendar %s: %w", c.Name, err)
	}
	c.prep = p
	return nil
}

// UnmarshalJSON decodes and validates a calendar, so a calendar decoded from
// workflow input is ready for use.
func (c *Calendar) UnmarshalJSON(b []byte) error {
	type plain Calendar
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Calendar(v)
	c.prep = nil
	return c.Validate()
}

// prepared returns the compiled calendar, compiling it on first use.
func (c *Calendar) prepared() *compiled {
	if c.prep == nil {
		if err := c.Validate(); err != nil {
			panic("calendar: " + err.Error())
		}
	}
	return c.prep
}

// Version is a short hash of everything that decides the calendar's results
// (zone, hours, holidays mode, year data and the built-in rules), not its name.
// A deadline's Basis records it.
func (c *Calendar) Version() string { return c.prepared().version }

// HasYearData reports whether the calendar knows the year's days off without
// falling back to the Labour Code art. 112 rules: it has data for the year or
// has no holidays at all (HolidaysNone).
func (c *Calendar) HasYearData(year int) bool {
	p := c.prepared()
	return !p.fallback || p.data[year]
}

func (c *Calendar) compile() (*compiled, error) {
	p := &compiled{special: map[int]dayFlags{}, data: map[int]bool{}}
	if c.Zone == "" {
		return nil, errors.New("zone is empty, want an IANA zone such as Europe/Moscow")
	}
	// The embedded zone database, never the host's (zone.go).
	loc, err := LoadZone(c.Zone)
	if err != nil {
		return nil, err
	}
	p.loc = loc
	switch c.Holidays {
	case "", HolidaysRU:
		p.fallback = true
	case HolidaysNone:
	default:
		return nil, fmt.Errorf("holidays %q: want %q or %q", c.Holidays, HolidaysRU, HolidaysNone)
	}
	hasHours := false
	for d := time.Sunday; d <= time.Saturday; d++ {
		s, err := parseSpan(*c.Hours.field(d))
		if err != nil {
			return nil, fmt.Errorf("hours.%s: %w", weekdayKeys[d], err)
		}
		if p.fallback && s.working() && s.close-s.open <= shortening {
			return nil, fmt.Errorf("hours.%s: %q is too short to be shortened by an hour before a holiday", weekdayKeys[d], s)
		}
		p.week[d] = s
		hasHours = hasHours || s.working()
	}
	if !hasHours {
		return nil, errors.New("hours: no weekday has working hours")
	}
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		if p.week[d].working() {
			p.worked = p.week[d]
			break
		}
	}

	var canon strings.Builder
	fmt.Fprintf(&canon, "%s\nzone %s\nholidays %v\n", rulesVersion, c.Zone, p.fallback)
	for d := time.Sunday; d <= time.Saturday; d++ {
		fmt.Fprintf(&canon, "%s %s\n", weekdayKeys[d], p.week[d])
	}
	years := make([]int, 0, len(c.Years))
	//workflowcheck:ignore the years are sorted before use
	for y := range c.Years {
		years = append(years, y)
	}
	slices.Sort(years)
	for _, y := range years {
		if err := p.addYear(y, c.Years[y], &canon); err != nil {
			return nil, fmt.Errorf("years.%d: %w", y, err)
		}
	}
	sum := sha256.Sum256([]byte(canon.String()))
	p.version = hex.EncodeToString(sum[:6])
	return p, nil
}

func (p *compiled) addYear(y int, data Year, canon *strings.Builder) error {
	if y < 1 || y > 9999 {
		return errors.New("year out of range")
	}
	p.data[y] = true
	lists := []struct {
		key   string
		dates []string
		flag  dayFlags
	}{
		{"days_off", data.DaysOff, flagOff},
		{"working_weekends", data.WorkingWeekends, flagWorked},
		{"shortened", data.Shortened, flagShort},
	}
	fmt.Fprintf(canon, "year %d\n", y)
	for _, l := range lists {
		days := make([]int, 0, len(l.dates))
		for _, s := range l.dates {
			day, err := parseDay(s)
			if err != nil {
				return fmt.Errorf("%s: %w", l.key, err)
			}
			if yearOf(day) != y {
				return fmt.Errorf("%s: %s is not in %d", l.key, s, y)
			}
			if p.special[day]&l.flag != 0 {
				return fmt.Errorf("%s: %s is listed twice", l.key, s)
			}
			switch l.flag {
			case flagWorked:
				// A date that the weekly hours already make working is
				// accepted: a shop open on Saturdays shares the decree's data.
				if p.special[day]&flagOff != 0 {
					return fmt.Errorf("%s: %s is also a day off", l.key, s)
				}
			case flagShort:
				// A shortened date on a weekly day off does not apply (the
				// decree's data under other weekly hours); a day off does.
				f := p.special[day]
				if f&flagOff != 0 {
					return fmt.Errorf("%s: %s is also a day off", l.key, s)
				}
				if h := p.hoursOf(day, f); h.working() && h.close-h.open <= shortening {
					return fmt.Errorf("%s: %s has hours %s, too short to end an hour earlier", l.key, s, h)
				}
			}
			p.special[day] |= l.flag
			days = append(days, day)
		}
		slices.Sort(days)
		canon.WriteString(l.key)
		for _, day := range days {
			canon.WriteString(" " + formatDay(day))
		}
		canon.WriteString("\n")
	}
	return nil
}

// hoursOf returns the hours of a day with the given flags.
func (p *compiled) hoursOf(day int, f dayFlags) span {
	if f&flagOff != 0 {
		return span{}
	}
	s := p.week[weekdayOf(day)]
	if f&flagWorked != 0 && !s.working() {
		s = p.worked
	}
	if f&flagShort != 0 && s.working() && s.close-s.open > shortening {
		s.close -= shortening
	}
	return s
}

// flags returns what the data, or the art. 112 fallback, says about a day.
func (p *compiled) flags(day int) dayFlags {
	y := yearOf(day)
	if p.data[y] {
		return p.special[day]
	}
	if p.fallback {
		return p.fallbackFlags(y, day)
	}
	return 0
}

// hours returns a day's working hours.
func (p *compiled) hours(day int) span { return p.hoursOf(day, p.flags(day)) }
