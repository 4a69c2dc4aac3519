package calendar

import (
	"fmt"
	"time"
)

// A civil date is counted in days since 1970-01-01, so stepping through days is
// integer arithmetic and never depends on a time zone. The conversions are
// Howard Hinnant's days_from_civil and civil_from_days.

func daysFromCivil(y int, m time.Month, d int) int {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int) (int, time.Month, int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := (mp+2)%12 + 1
	if m <= 2 {
		y++
	}
	return y, time.Month(m), d
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// weekdayOf returns the weekday of a civil day; 1970-01-01 was a Thursday.
func weekdayOf(day int) time.Weekday {
	w := (day + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

func yearOf(day int) int {
	y, _, _ := civilFromDays(day)
	return y
}

func formatDay(day int) string {
	y, m, d := civilFromDays(day)
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), d)
}

// parseDay parses a "YYYY-MM-DD" date.
func parseDay(s string) (int, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return daysFromCivil(t.Date()), nil
}

// clock is a time of day in minutes since midnight, 0..1440.
type clock int

func (c clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// span is one day's working hours, [open, close) as times of day; the zero span
// is a day off.
type span struct{ open, close clock }

func (s span) working() bool { return s.close > s.open }

func (s span) String() string {
	if !s.working() {
		return ""
	}
	return s.open.String() + "-" + s.close.String()
}

// parseSpan parses "HH:MM-HH:MM" ("24:00" allowed as the end); "" is a day off.
func parseSpan(s string) (span, error) {
	if s == "" {
		return span{}, nil
	}
	bad := fmt.Errorf("hours %q: want HH:MM-HH:MM, e.g. 09:00-18:00, or empty for a day off", s)
	if len(s) != len("09:00-18:00") || s[2] != ':' || s[5] != '-' || s[8] != ':' {
		return span{}, bad
	}
	var num [4]int
	for i, at := range [4]int{0, 3, 6, 9} {
		a, b := s[at], s[at+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return span{}, bad
		}
		num[i] = int(a-'0')*10 + int(b-'0')
	}
	oh, om, ch, cm := num[0], num[1], num[2], num[3]
	o, c := clock(oh*60+om), clock(ch*60+cm)
	if oh > 23 || om > 59 || ch > 24 || cm > 59 || (ch == 24 && cm != 0) {
		return span{}, fmt.Errorf("hours %q: not a time of day", s)
	}
	if c <= o {
		return span{}, fmt.Errorf("hours %q: the day must end after it starts (no overnight shifts)", s)
	}
	return span{o, c}, nil
}
