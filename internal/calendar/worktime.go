package calendar

import (
	"fmt"
	"time"
)

// maxScan bounds the search for a working day; a valid calendar has one every
// week, so reaching it means a bug, not a long holiday.
const maxScan = 3660

// dayOf returns the civil day of t in the calendar's zone.
func (p *compiled) dayOf(t time.Time) int {
	return daysFromCivil(t.In(p.loc).Date())
}

// window returns a day's working window as moments; ok is false on a day off.
func (p *compiled) window(day int) (open, close time.Time, ok bool) {
	s := p.hours(day)
	if !s.working() {
		return open, close, false
	}
	y, m, d := civilFromDays(day)
	open = time.Date(y, m, d, 0, int(s.open), 0, 0, p.loc)
	close = time.Date(y, m, d, 0, int(s.close), 0, 0, p.loc)
	return open, close, close.After(open)
}

// nextWorkingDay returns the first working day on or after day.
func (p *compiled) nextWorkingDay(day int) (int, time.Time, time.Time) {
	for i := 0; i < maxScan; i++ {
		if o, c, ok := p.window(day + i); ok {
			return day + i, o, c
		}
	}
	panic(fmt.Sprintf("calendar: no working day within %d days of %s", maxScan, formatDay(day)))
}

// prevWorkingDay returns the last working day on or before day.
func (p *compiled) prevWorkingDay(day int) (int, time.Time, time.Time) {
	for i := 0; i < maxScan; i++ {
		if o, c, ok := p.window(day - i); ok {
			return day - i, o, c
		}
	}
	panic(fmt.Sprintf("calendar: no working day within %d days before %s", maxScan, formatDay(day)))
}

// windowAfter returns the first working window that closes after t.
func (p *compiled) windowAfter(t time.Time) (int, time.Time, time.Time) {
	day := p.dayOf(t)
	if o, c, ok := p.window(day); ok && c.After(t) {
		return day, o, c
	}
	return p.nextWorkingDay(day + 1)
}

// windowBefore returns the last working window that opens before t.
func (p *compiled) windowBefore(t time.Time) (int, time.Time, time.Time) {
	day := p.dayOf(t)
	if o, c, ok := p.window(day); ok && o.Before(t) {
		return day, o, c
	}
	return p.prevWorkingDay(day - 1)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// IsWorkingTime reports whether t falls in working hours: on a working day, at
// or after its opening and before its closing.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	p := c.prepared()
	o, cl, ok := p.window(p.dayOf(t))
	return ok && !t.Before(o) && t.Before(cl)
}

// IsWorkingDay reports whether the date of t, read in the calendar's zone, is
// a working day. For a date given as numbers use Day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	p := c.prepared()
	_, _, ok := p.window(p.dayOf(t))
	return ok
}

// NextWorkingTime returns t if it is working time, else the next opening.
func (c *Calendar) NextWorkingTime(t time.Time) time.Time {
	return c.AddWorking(t, 0)
}

// NextWorkingDayStart returns the opening of the first working day after the
// date of t (in the calendar's zone), whatever the time of day of t.
func (c *Calendar) NextWorkingDayStart(t time.Time) time.Time {
	p := c.prepared()
	_, o, _ := p.nextWorkingDay(p.dayOf(t) + 1)
	return o
}

// AddWorking adds d of working time to t. A start outside working hours counts
// from the next opening. The result is in the calendar's zone and falls after
// an opening and no later than the closing of the same day: a due that uses up
// a day exactly is that day's closing (15:00 + 3 working hours on a 09–18 day is
// 18:00, not 09:00 of the next working day). AddWorking(t, 0) is t when t is
// working time, else the next opening.
//
// A negative d counts back from t: a start outside working hours counts from
// the previous closing, and the result falls at or after an opening and
// before the closing of the same day.
func (c *Calendar) AddWorking(t time.Time, d time.Duration) time.Time {
	p := c.prepared()
	if d >= 0 {
		day, o, cl := p.windowAfter(t)
		cur := later(t, o)
		for {
			if avail := cl.Sub(cur); d <= avail {
				return cur.Add(d).In(p.loc)
			}
			d -= cl.Sub(cur)
			day, cur, cl = p.nextWorkingDay(day + 1)
		}
	}
	d = -d
	day, o, cl := p.windowBefore(t)
	cur := earlier(t, cl)
	for {
		if avail := cur.Sub(o); d <= avail {
			return cur.Add(-d).In(p.loc)
		}
		d -= cur.Sub(o)
		day, o, cur = p.prevWorkingDay(day - 1)
	}
}

// AddWorkingDays returns the moment n working days after t: the same time of
// day on the n-th working day following t's. A start outside working hours
// counts from the next opening. When that time of day is outside the target
// day's hours (a shortened day ends an hour earlier) the result is clamped to
// them. A result at the target day's opening is reported as the closing of the
// working day before it — the same point in working time, so the promise reads
// "by the end of Monday" rather than "by 09:00 on Tuesday". The result is thus
// after an opening and no later than the closing of the same day, like
// AddWorking's. AddWorkingDays(t, 0) is NextWorkingTime(t).
//
// A negative n counts back (a reminder a working day before a due): a start
// outside working hours counts from the previous closing, and a result at a
// closing is reported as the next opening.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	p := c.prepared()
	switch {
	case n == 0:
		return c.AddWorking(t, 0)
	case n > 0:
		day, o, _ := p.windowAfter(t)
		start := later(t, o).In(p.loc)
		for ; n > 0; n-- {
			day, _, _ = p.nextWorkingDay(day + 1)
		}
		o, cl, _ := p.window(day)
		r := p.sameClock(day, start, o, cl)
		if r.Equal(o) {
			_, _, r = p.prevWorkingDay(day - 1)
		}
		return r.In(p.loc)
	default:
		day, _, cl := p.windowBefore(t)
		start := earlier(t, cl).In(p.loc)
		for ; n < 0; n++ {
			day, _, _ = p.prevWorkingDay(day - 1)
		}
		o, cl, _ := p.window(day)
		r := p.sameClock(day, start, o, cl)
		if r.Equal(cl) {
			_, r, _ = p.nextWorkingDay(day + 1)
		}
		return r.In(p.loc)
	}
}

// sameClock returns the time of day of t on day, clamped to [open, close].
func (p *compiled) sameClock(day int, t, open, close time.Time) time.Time {
	y, m, d := civilFromDays(day)
	hh, mm, ss := t.Clock()
	r := time.Date(y, m, d, hh, mm, ss, t.Nanosecond(), p.loc)
	return earlier(later(r, open), close)
}

// WorkingBetween returns the working time from a to b; negative when b is
// before a. WorkingBetween(t, AddWorking(t, d)) == d for d >= 0.
func (c *Calendar) WorkingBetween(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.WorkingBetween(b, a)
	}
	p := c.prepared()
	var sum time.Duration
	last := p.dayOf(b)
	for day := p.dayOf(a); day <= last; day++ {
		o, cl, ok := p.window(day)
		if !ok {
			continue
		}
		if lo, hi := later(o, a), earlier(cl, b); hi.After(lo) {
			sum += hi.Sub(lo)
		}
	}
	return sum
}

// Day describes one date of a calendar.
type Day struct {
	// Date is "YYYY-MM-DD".
	Date string `json:"date"`
	// Working is true on a working day; Open and Close are then its hours.
	Working bool      `json:"working"`
	Open    time.Time `json:"open,omitzero"`
	Close   time.Time `json:"close,omitzero"`
	// Weekend is true when the weekly hours have no hours for this weekday.
	Weekend bool `json:"weekend,omitempty"`
	// Holiday is true for a day off on a day the weekly hours make working: a
	// public holiday or a moved day off.
	Holiday bool `json:"holiday,omitempty"`
	// WorkedWeekend is true for a weekend day that is worked.
	WorkedWeekend bool `json:"worked_weekend,omitempty"`
	// Shortened is true for a pre-holiday day that ends an hour earlier.
	Shortened bool `json:"shortened,omitempty"`
}

// Day describes a date given as numbers (out-of-range values normalize as in
// time.Date).
func (c *Calendar) Day(year int, month time.Month, day int) Day {
	p := c.prepared()
	n := daysFromCivil(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Date())
	f := p.flags(n)
	weekly := p.week[weekdayOf(n)].working()
	o, cl, ok := p.window(n)
	return Day{
		Date:          formatDay(n),
		Working:       ok,
		Open:          o,
		Close:         cl,
		Weekend:       !weekly,
		Holiday:       weekly && f&flagOff != 0,
		WorkedWeekend: !weekly && ok,
		Shortened:     ok && f&flagShort != 0,
	}
}

// YearStats are a year's totals.
type YearStats struct {
	Year int `json:"year"`
	// WorkingDays counts working days; DaysOff all other days of the year.
	WorkingDays int `json:"working_days"`
	DaysOff     int `json:"days_off"`
	// Shortened counts working days that end an hour earlier.
	Shortened int `json:"shortened"`
	// Hours40 is the norm of hours for a 40-hour five-day week: 8 a working
	// day, 7 on a shortened one (the production calendar's figure).
	Hours40 int `json:"hours_40h_week"`
	// WorkingTime is the working time by the calendar's own hours.
	WorkingTime time.Duration `json:"working_time"`
}

// YearStats counts a year's working days, days off, shortened days and hours.
func (c *Calendar) YearStats(year int) YearStats {
	st := YearStats{Year: year}
	first := daysFromCivil(year, time.January, 1)
	last := daysFromCivil(year, time.December, 31)
	p := c.prepared()
	for day := first; day <= last; day++ {
		o, cl, ok := p.window(day)
		if !ok {
			st.DaysOff++
			continue
		}
		st.WorkingDays++
		st.Hours40 += 8
		st.WorkingTime += cl.Sub(o)
		if p.flags(day)&flagShort != 0 {
			st.Shortened++
			st.Hours40--
		}
	}
	return st
}
