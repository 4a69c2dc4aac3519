package calendar

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"
)

// productionCalendar is the Russian production calendar for the five-day week,
// as published (see docs/calendar.md for the sources).
//
//go:embed data/ru-production-calendar.json
var productionCalendar []byte

// dataFile is the layout of data/ru-production-calendar.json.
type dataFile struct {
	About string              `json:"about"`
	Years map[string]dataYear `json:"years"`
}

type dataYear struct {
	Year
	Moves    [][2]string `json:"moves"`
	Expected struct {
		WorkingDays  int `json:"working_days"`
		DaysOffTotal int `json:"days_off_total"`
		Hours40hWeek int `json:"hours_40h_week"`
	} `json:"expected"`
}

var shipped = sync.OnceValues(func() (dataFile, error) {
	var f dataFile
	if err := json.Unmarshal(productionCalendar, &f); err != nil {
		return f, fmt.Errorf("embedded production calendar: %w", err)
	}
	return f, nil
})

// ShippedYears returns a copy of the production-calendar data compiled into
// caseflow, by year.
func ShippedYears() map[int]Year {
	f, err := shipped()
	if err != nil {
		panic(err) // the tests decode the same bytes
	}
	out := make(map[int]Year, len(f.Years))
	//workflowcheck:ignore each entry is copied on its own; order does not matter
	for k, y := range f.Years {
		var n int
		if _, err := fmt.Sscanf(k, "%d", &n); err != nil {
			panic(fmt.Sprintf("embedded production calendar: year %q", k))
		}
		out[n] = Year{
			DaysOff:         slices.Clone(y.DaysOff),
			WorkingWeekends: slices.Clone(y.WorkingWeekends),
			Shortened:       slices.Clone(y.Shortened),
		}
	}
	return out
}

// art112 are the non-working public holidays of the Labour Code art. 112
// part 1. A holiday that falls on a weekend moves the day off to the next
// working day, except the January ones (part 2).
var art112 = [...]struct {
	month   time.Month
	day     int
	january bool
}{
	{time.January, 1, true}, {time.January, 2, true}, {time.January, 3, true},
	{time.January, 4, true}, {time.January, 5, true}, {time.January, 6, true},
	{time.January, 7, true}, {time.January, 8, true},
	{time.February, 23, false}, {time.March, 8, false}, {time.May, 1, false},
	{time.May, 9, false}, {time.June, 12, false}, {time.November, 4, false},
}

// fallbackFlags returns a day's flags in a year without data, by the Labour
// Code: art. 112 holidays and moved days off, and art. 95 shortening of the
// working day immediately before a holiday. The government's decree for the
// year may move more days; that is what Years is for.
func (p *compiled) fallbackFlags(y, day int) dayFlags {
	var off [len(art112) * 2]int
	n := 0
	isOff := func(d int) bool { return slices.Contains(off[:n], d) }
	for _, h := range art112 {
		off[n] = daysFromCivil(y, h.month, h.day)
		n++
	}
	for _, h := range art112 {
		d := daysFromCivil(y, h.month, h.day)
		if h.january || p.week[weekdayOf(d)].working() {
			continue
		}
		for d++; !p.week[weekdayOf(d)].working() || isOff(d); d++ {
		}
		off[n] = d
		n++
	}
	if isOff(day) {
		return flagOff
	}
	if !p.week[weekdayOf(day)].working() {
		return 0
	}
	// The next day is a holiday; Jan 1 of the next year counts for Dec 31.
	next := day + 1
	if y1, m, d := civilFromDays(next); y1 > y && m == time.January && d == 1 {
		return flagShort
	}
	for _, h := range art112 {
		if daysFromCivil(y, h.month, h.day) == next {
			return flagShort
		}
	}
	return 0
}
