package calendar

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	require.NoError(t, err)
	return loc
}

var msk = func() *time.Location {
	loc, err := LoadZone("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at is a moment in Moscow: at("2025-12-30 15:00").
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, msk)
	if err != nil {
		panic(err)
	}
	return t
}

func defaultCal(t testing.TB) *Calendar {
	t.Helper()
	c, err := Default().Calendar(DefaultCalendar)
	require.NoError(t, err)
	return c
}

func TestYearTotalsMatchTheDataFile(t *testing.T) {
	f, err := shipped()
	require.NoError(t, err)
	c := defaultCal(t)
	for _, year := range []int{2025, 2026} {
		want := f.Years[fmt.Sprint(year)].Expected
		got := c.YearStats(year)
		assert.Equal(t, 247, got.WorkingDays, "%d working days", year)
		assert.Equal(t, want.WorkingDays, got.WorkingDays, "%d working days", year)
		assert.Equal(t, want.DaysOffTotal, got.DaysOff, "%d days off", year)
		assert.Equal(t, want.Hours40hWeek, got.Hours40, "%d hours of a 40-hour week", year)
		assert.Equal(t, 1972, got.Hours40, "%d hours of a 40-hour week", year)
		assert.Equal(t, 4, got.Shortened, "%d shortened days", year)
		assert.Equal(t, time.Duration(247*9-4)*time.Hour, got.WorkingTime, "%d working time 09-18", year)
		assert.True(t, c.HasYearData(year))
	}
}

// The data's moves must agree with its days off: a moved day off is a day off
// (or, for a worked weekend day, a working weekend).
func TestDataFileMovesAreConsistent(t *testing.T) {
	f, err := shipped()
	require.NoError(t, err)
	for year, y := range f.Years {
		for _, mv := range y.Moves {
			assert.Contains(t, y.DaysOff, mv[1], "%s: move %v", year, mv)
		}
	}
	assert.Equal(t, []string{"2025-11-01"}, f.Years["2025"].WorkingWeekends)
}

func TestIsWorkingTime(t *testing.T) {
	c := defaultCal(t)
	tests := []struct {
		at   time.Time
		want bool
	}{
		{at("2025-10-15 09:00"), true},
		{at("2025-10-15 08:59").Add(59 * time.Second), false},
		{at("2025-10-15 17:59"), true},
		{at("2025-10-15 18:00"), false},
		{time.Date(2025, 10, 15, 6, 0, 0, 0, time.UTC), true}, // 09:00 MSK
		{time.Date(2025, 10, 15, 5, 59, 0, 0, time.UTC), false},
		{at("2025-10-18 12:00"), false}, // Saturday
		{at("2025-03-07 16:59"), true},  // shortened: ends 17:00
		{at("2025-03-07 17:00"), false},
		{at("2025-11-01 10:00"), true},  // worked Saturday
		{at("2025-11-01 17:00"), false}, // … and shortened
		{at("2025-11-03 10:00"), false}, // moved day off
		{at("2025-11-04 10:00"), false}, // Unity day
		{at("2025-12-31 10:00"), false}, // moved from 5 January
		{at("2026-01-09 10:00"), false}, // moved from 3 January
		{at("2026-01-12 09:00"), true},
		{at("2026-03-09 10:00"), false}, // 8 March on Sunday, moved to Monday
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, c.IsWorkingTime(tt.at), "%s", tt.at)
	}
}

func TestAddWorking(t *testing.T) {
	c := defaultCal(t)
	tests := []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"inside a day", at("2025-10-15 10:00"), 3 * time.Hour, at("2025-10-15 13:00")},
		{"ends at closing, stays there", at("2025-10-15 15:00"), 3 * time.Hour, at("2025-10-15 18:00")},
		{"over the evening", at("2025-10-15 16:00"), 3 * time.Hour, at("2025-10-16 10:00")},
		{"over the weekend", at("2025-10-17 16:30"), 3 * time.Hour, at("2025-10-20 10:30")},
		{"start before opening", at("2025-10-15 07:00"), time.Hour, at("2025-10-15 10:00")},
		{"start after hours", at("2025-10-13 19:30"), 3 * time.Hour, at("2025-10-14 12:00")},
		{"start at closing", at("2025-10-13 18:00"), 30 * time.Minute, at("2025-10-14 09:30")},
		{"start on a Saturday", at("2025-10-18 12:00"), 3 * time.Hour, at("2025-10-20 12:00")},
		{"start on a holiday, then a moved day off and a weekend", at("2025-06-12 10:00"), 3 * time.Hour, at("2025-06-16 12:00")},
		{"shortened day ends at 17:00", at("2025-04-30 14:00"), 3 * time.Hour, at("2025-04-30 17:00")},
		{"shortened day, then 8 March on a Saturday", at("2025-03-07 15:00"), 3 * time.Hour, at("2025-03-10 10:00")},
		{"May holidays", at("2025-04-30 16:00"), 2 * time.Hour, at("2025-05-05 10:00")},
		{"Victory day block", at("2025-05-07 17:00"), 2 * time.Hour, at("2025-05-12 10:00")},
		{"New Year break", at("2025-12-30 16:00"), 3 * time.Hour, at("2026-01-12 10:00")},
		{"New Year break, minutes", at("2025-12-30 17:45"), 30 * time.Minute, at("2026-01-12 09:15")},
		{"into the worked Saturday", at("2025-10-31 17:00"), 2 * time.Hour, at("2025-11-01 10:00")},
		{"out of the worked Saturday", at("2025-11-01 16:00"), 2 * time.Hour, at("2025-11-05 10:00")},
		{"a whole day", at("2025-10-15 09:00"), 9 * time.Hour, at("2025-10-15 18:00")},
		{"zero inside", at("2025-10-15 10:00"), 0, at("2025-10-15 10:00")},
		{"zero at closing", at("2025-10-15 18:00"), 0, at("2025-10-16 09:00")},
		{"back inside a day", at("2025-10-15 13:00"), -3 * time.Hour, at("2025-10-15 10:00")},
		{"back to the opening, stays there", at("2025-10-15 12:00"), -3 * time.Hour, at("2025-10-15 09:00")},
		{"back over the weekend", at("2025-10-20 10:00"), -2 * time.Hour, at("2025-10-17 17:00")},
		{"back from a Sunday", at("2025-10-19 10:00"), -time.Hour, at("2025-10-17 17:00")},
		{"back over the New Year break", at("2026-01-12 10:00"), -2 * time.Hour, at("2025-12-30 17:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorking(tt.start, tt.d)
			assert.True(t, tt.want.Equal(got), "got %s, want %s", got, tt.want)
			assert.Equal(t, msk, got.Location())
			if tt.d > 0 {
				assert.Equal(t, tt.d, c.WorkingBetween(tt.start, got))
			}
		})
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := defaultCal(t)
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"same time three days on", at("2025-10-15 10:00"), 3, at("2025-10-20 10:00")},
		{"over the New Year break", at("2025-12-26 14:30"), 3, at("2026-01-12 14:30")},
		{"start after hours counts from the opening", at("2025-10-17 19:00"), 1, at("2025-10-20 18:00")},
		{"start on a day off", at("2025-10-18 12:00"), 2, at("2025-10-21 18:00")},
		{"start at the opening is the end of a day", at("2025-10-15 09:00"), 1, at("2025-10-15 18:00")},
		{"start before the opening", at("2025-10-15 08:00"), 3, at("2025-10-17 18:00")},
		{"lands on a shortened day after its end", at("2025-03-06 17:30"), 1, at("2025-03-07 17:00")},
		{"lands on the worked Saturday", at("2025-10-31 10:00"), 1, at("2025-11-01 10:00")},
		{"lands on the worked Saturday after its end", at("2025-10-31 17:30"), 1, at("2025-11-01 17:00")},
		{"from the worked Saturday", at("2025-11-01 12:00"), 1, at("2025-11-05 12:00")},
		{"telecom callback over the May holidays", at("2026-04-30 11:00"), 2, at("2026-05-05 11:00")},
		{"one day over 8 March moved to Monday", at("2026-03-06 10:00"), 1, at("2026-03-10 10:00")},
		{"zero days on a Saturday", at("2025-10-18 12:00"), 0, at("2025-10-20 09:00")},
		{"one day back", at("2025-10-21 12:00"), -1, at("2025-10-20 12:00")},
		{"one day back from a closing is the opening", at("2025-10-21 18:00"), -1, at("2025-10-21 09:00")},
		{"back over the New Year break", at("2026-01-12 10:00"), -1, at("2025-12-30 10:00")},
		{"back from a day off counts from the closing", at("2025-10-19 12:00"), -1, at("2025-10-17 09:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingDays(tt.start, tt.n)
			assert.True(t, tt.want.Equal(got), "got %s, want %s", got, tt.want)
			assert.Equal(t, msk, got.Location())
		})
	}
}

func TestNextWorkingDayStart(t *testing.T) {
	c := defaultCal(t)
	tests := []struct{ from, want time.Time }{
		{at("2025-10-15 10:00"), at("2025-10-16 09:00")},
		{at("2025-10-15 07:00"), at("2025-10-16 09:00")}, // after the date, not after the moment
		{at("2025-10-17 10:00"), at("2025-10-20 09:00")},
		{at("2025-10-19 03:00"), at("2025-10-20 09:00")},
		{at("2025-10-31 10:00"), at("2025-11-01 09:00")}, // worked Saturday
		{at("2025-11-01 10:00"), at("2025-11-05 09:00")},
		{at("2025-12-30 10:00"), at("2026-01-12 09:00")},
	}
	for _, tt := range tests {
		got := c.NextWorkingDayStart(tt.from)
		assert.True(t, tt.want.Equal(got), "from %s: got %s, want %s", tt.from, got, tt.want)
	}
	assert.True(t, at("2025-10-20 09:00").Equal(c.NextWorkingTime(at("2025-10-18 12:00"))))
	assert.True(t, at("2025-10-17 12:00").Equal(c.NextWorkingTime(at("2025-10-17 12:00"))))
}

func TestWorkingBetween(t *testing.T) {
	c := defaultCal(t)
	tests := []struct {
		a, b time.Time
		want time.Duration
	}{
		{at("2025-10-15 10:00"), at("2025-10-15 12:30"), 150 * time.Minute},
		{at("2025-10-15 07:00"), at("2025-10-15 20:00"), 9 * time.Hour},
		{at("2025-10-13 09:00"), at("2025-10-20 09:00"), 45 * time.Hour},
		{at("2025-12-30 15:00"), at("2026-01-12 12:00"), 6 * time.Hour},
		{at("2025-10-31 00:00"), at("2025-11-06 00:00"), (9 + 8 + 9) * time.Hour},
		{at("2025-10-18 00:00"), at("2025-10-19 23:59"), 0},
		{at("2025-10-15 12:30"), at("2025-10-15 10:00"), -150 * time.Minute},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, c.WorkingBetween(tt.a, tt.b), "%s – %s", tt.a, tt.b)
	}
}

func TestDay(t *testing.T) {
	c := defaultCal(t)
	d := c.Day(2025, time.November, 1)
	assert.Equal(t, Day{Date: "2025-11-01", Working: true, Open: at("2025-11-01 09:00"), Close: at("2025-11-01 17:00"),
		Weekend: true, WorkedWeekend: true, Shortened: true}, d)
	assert.Equal(t, Day{Date: "2025-11-04", Holiday: true}, c.Day(2025, time.November, 4))
	assert.Equal(t, Day{Date: "2025-11-02", Weekend: true}, c.Day(2025, time.November, 2))
	assert.True(t, c.IsWorkingDay(at("2025-11-01 23:00")))
	assert.False(t, c.IsWorkingDay(at("2025-11-03 10:00")))
	// 2025-11-02 21:30 UTC is already 3 November in Moscow, 2025-11-04 21:30 UTC is 5 November.
	assert.False(t, c.IsWorkingDay(time.Date(2025, 11, 2, 21, 30, 0, 0, time.UTC)))
	assert.False(t, c.IsWorkingDay(time.Date(2025, 11, 4, 20, 30, 0, 0, time.UTC)))
	assert.True(t, c.IsWorkingDay(time.Date(2025, 11, 4, 21, 30, 0, 0, time.UTC)))
}

func TestAllDayCalendar(t *testing.T) {
	c, err := Default().Calendar(AllDayCalendar)
	require.NoError(t, err)
	start := at("2025-12-31 23:00")
	assert.True(t, c.IsWorkingTime(start))
	assert.True(t, c.IsWorkingTime(at("2026-01-01 12:00")))
	assert.True(t, at("2026-01-01 01:00").Equal(c.AddWorking(start, 2*time.Hour)))
	assert.True(t, at("2026-01-03 23:00").Equal(c.AddWorkingDays(start, 3)))
	assert.True(t, at("2026-01-01 00:00").Equal(c.NextWorkingDayStart(start)))
	assert.Equal(t, 50*time.Hour, c.WorkingBetween(start, start.Add(50*time.Hour)))
	assert.Equal(t, 365, c.YearStats(2025).WorkingDays)
	assert.Equal(t, 366, c.YearStats(2028).WorkingDays)
	assert.True(t, c.HasYearData(2031))
	d, err := policySet().Due("telecom.repeat_notice", start)
	require.NoError(t, err)
	assert.True(t, start.Add(24*time.Hour).Equal(d.Due))
	assert.Empty(t, d.Basis.Warnings)
}

// Plain time across a daylight-saving change: a 23-hour day has 23 hours.
func TestAllDayCalendarAcrossDST(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	all := "00:00-24:00"
	c := &Calendar{Name: "berlin", Zone: "Europe/Berlin", Holidays: HolidaysNone,
		Hours: Week{Mon: all, Tue: all, Wed: all, Thu: all, Fri: all, Sat: all, Sun: all}}
	require.NoError(t, c.Validate())
	start := time.Date(2025, 3, 30, 0, 0, 0, 0, berlin)
	assert.True(t, time.Date(2025, 3, 31, 1, 0, 0, 0, berlin).Equal(c.AddWorking(start, 24*time.Hour)))
	assert.Equal(t, 23*time.Hour, c.WorkingBetween(start, time.Date(2025, 3, 31, 0, 0, 0, 0, berlin)))
	assert.True(t, time.Date(2025, 4, 1, 0, 0, 0, 0, berlin).Equal(c.AddWorkingDays(start, 2)))
}

func TestNonMoscowZone(t *testing.T) {
	cfg := Config{Calendars: map[string]CalendarConfig{"ural": {Zone: "Asia/Yekaterinburg"}}}
	s, _, err := cfg.Build()
	require.NoError(t, err)
	c, err := s.Calendar("ural")
	require.NoError(t, err)
	ekb := mustZone(t, "Asia/Yekaterinburg")

	// 15:00 in Moscow is 17:00 in Yekaterinburg: one hour left that day.
	got := c.AddWorking(at("2025-12-30 15:00"), 3*time.Hour)
	assert.True(t, time.Date(2026, 1, 12, 11, 0, 0, 0, ekb).Equal(got), "got %s", got)
	assert.Equal(t, ekb, got.Location())
	assert.Equal(t, "2026-01-12T11:00:00+05:00", got.Format(time.RFC3339))
	// The same day in both zones but not the same hours.
	assert.True(t, c.IsWorkingTime(at("2025-10-15 07:30"))) // 09:30 in Yekaterinburg
	assert.False(t, defaultCal(t).IsWorkingTime(at("2025-10-15 07:30")))
	// A date is read in the calendar's zone: 2025-11-03 20:00 UTC is 4 November in Yekaterinburg.
	assert.False(t, c.IsWorkingDay(time.Date(2025, 11, 3, 20, 0, 0, 0, time.UTC)))
	assert.Equal(t, 247, c.YearStats(2025).WorkingDays)

	// A zone with daylight saving time and hours of its own.
	ny := mustZone(t, "America/New_York")
	nc := &Calendar{Name: "ny", Zone: "America/New_York", Holidays: HolidaysNone,
		Hours: Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00", Thu: "09:00-17:00", Fri: "09:00-17:00"}}
	require.NoError(t, nc.Validate())
	fri := time.Date(2025, 3, 7, 16, 0, 0, 0, ny) // EST; Monday is EDT
	mon := nc.AddWorking(fri, 2*time.Hour)
	assert.True(t, time.Date(2025, 3, 10, 10, 0, 0, 0, ny).Equal(mon), "got %s", mon)
	assert.Equal(t, 2*time.Hour, nc.WorkingBetween(fri, mon))
	assert.True(t, time.Date(2025, 3, 10, 16, 0, 0, 0, ny).Equal(nc.AddWorkingDays(fri, 1)))
}

func TestLabourCodeFallback(t *testing.T) {
	c := defaultCal(t)
	assert.False(t, c.HasYearData(2027))
	st := c.YearStats(2027)
	// 261 weekdays; 12 off: 1, 4–8 Jan, 23 Feb, 8 Mar, 3 May (1 May on Saturday),
	// 10 May (9 May on Sunday), 14 Jun (12 Jun on Saturday), 4 Nov.
	assert.Equal(t, 249, st.WorkingDays)
	// Shortened: 22 Feb, 30 Apr, 11 Jun, 3 Nov, 31 Dec.
	assert.Equal(t, 5, st.Shortened)
	assert.Equal(t, 249*8-5, st.Hours40)
	for _, d := range []string{"2027-01-01", "2027-01-07", "2027-01-08", "2027-02-23", "2027-03-08", "2027-05-03", "2027-05-10", "2027-06-14", "2027-11-04"} {
		day, err := time.Parse(time.DateOnly, d)
		require.NoError(t, err)
		got := c.Day(day.Date())
		assert.True(t, got.Holiday, "%s should be a day off: %+v", d, got)
	}
	for _, d := range []string{"2027-02-22", "2027-04-30", "2027-06-11", "2027-11-03", "2027-12-31"} {
		day, _ := time.Parse(time.DateOnly, d)
		got := c.Day(day.Date())
		assert.True(t, got.Working && got.Shortened, "%s should be shortened: %+v", d, got)
	}
	// January holidays on a weekend are not moved: 2 and 3 January 2027 are a weekend.
	assert.True(t, c.Day(2027, time.January, 11).Working)

	// The fallback's holidays are a subset of what the decrees made days off;
	// the decrees move more (the January weekend days), so the fallback alone
	// gives 2025 two more working days.
	probe := &Calendar{Name: "probe", Zone: DefaultZone, Hours: DefaultWeek(), Holidays: HolidaysRU}
	require.NoError(t, probe.Validate())
	for _, year := range []int{2025, 2026} {
		for _, h := range art112 {
			assert.False(t, c.Day(year, h.month, h.day).Working, "%d-%02d-%02d", year, h.month, h.day)
			assert.False(t, probe.Day(year, h.month, h.day).Working, "%d-%02d-%02d", year, h.month, h.day)
		}
	}
	assert.Equal(t, 249, probe.YearStats(2025).WorkingDays)
	assert.True(t, probe.Day(2025, time.February, 24).Holiday, "23 February 2025 was a Sunday")
	assert.True(t, probe.Day(2025, time.March, 10).Holiday, "8 March 2025 was a Saturday")

	d, err := policySet().Due("dispute.engineer_answer", at("2026-12-29 10:00"))
	require.NoError(t, err)
	// 30 December, then 11 and 12 January: 31 December is off by the 2026 decree,
	// 1–8 January by art. 112.
	assert.True(t, at("2027-01-12 10:00").Equal(d.Due), "got %s", d.Due)
	assert.Equal(t, []string{"calendar default: no production-calendar data for 2027, using Labour Code art. 112 holidays"}, d.Basis.Warnings)
	assert.Equal(t, []string{"calendar business_line: no production-calendar data for 2027, using Labour Code art. 112 holidays",
		"calendar default: no production-calendar data for 2027, using Labour Code art. 112 holidays"},
		policySet().CheckYears(2026, 2027))
}

func TestCalendarJSONRoundTrip(t *testing.T) {
	s := policySet()
	b, err := json.Marshal(s)
	require.NoError(t, err)
	var got Set
	require.NoError(t, json.Unmarshal(b, &got))
	b2, err := json.Marshal(&got)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(b2))
	assert.Equal(t, string(b), string(b2))

	for _, name := range []string{DefaultCalendar, AllDayCalendar} {
		assert.Equal(t, s.Calendars[name].Version(), got.Calendars[name].Version())
	}
	for _, policy := range sortedKeys(s.Policies) {
		for start := at("2025-12-24 00:00"); start.Before(at("2026-01-16 00:00")); start = start.Add(97 * time.Minute) {
			want, err := s.Due(policy, start)
			require.NoError(t, err)
			have, err := got.Due(policy, start)
			require.NoError(t, err)
			assert.True(t, want.Due.Equal(have.Due), "%s from %s", policy, start)
			assert.Equal(t, want.Basis, have.Basis)
		}
	}

	var bad Calendar
	err = json.Unmarshal([]byte(`{"name":"x","zone":"Mars/Olympus","hours":{"mon":"09:00-18:00"}}`), &bad)
	assert.ErrorContains(t, err, `zone "Mars/Olympus"`)
}

func TestDeadlineJSONRoundTrip(t *testing.T) {
	d, err := policySet().Due("plc.verdict", at("2025-12-30 16:00"))
	require.NoError(t, err)
	b, err := json.Marshal(d)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"plc.verdict","due":"2026-01-12T10:00:00+03:00","basis":{
		"start":"2025-12-30T16:00:00+03:00","policy":"plc.verdict","duration":"3 working hours",
		"calendar":"default","calendar_version":"`+d.Basis.CalendarVersion+`"}}`, string(b))
	var got Deadline
	require.NoError(t, json.Unmarshal(b, &got))
	assert.True(t, d.Due.Equal(got.Due))
	assert.False(t, got.Breached(at("2026-01-12 10:00")))
	assert.True(t, got.Breached(at("2026-01-12 10:01")))
}

func TestVersion(t *testing.T) {
	base := defaultCal(t)
	v := base.Version()
	assert.Len(t, v, 12)

	renamed := base.clone()
	renamed.Name = "other"
	require.NoError(t, renamed.Validate())
	assert.Equal(t, v, renamed.Version(), "the name is not data")

	reordered := base.clone()
	y := reordered.Years[2025]
	slices.Reverse(y.DaysOff)
	require.NoError(t, reordered.Validate())
	assert.Equal(t, v, reordered.Version(), "the order of dates is not data")

	changed := base.clone()
	y = changed.Years[2025]
	y.DaysOff = slices.DeleteFunc(slices.Clone(y.DaysOff), func(s string) bool { return s == "2025-12-31" })
	changed.Years[2025] = y
	require.NoError(t, changed.Validate())
	assert.NotEqual(t, v, changed.Version())

	hours := base.clone()
	hours.Hours.Fri = "09:00-16:45"
	require.NoError(t, hours.Validate())
	assert.NotEqual(t, v, hours.Version())
}

func TestValidate(t *testing.T) {
	ok := func() *Calendar {
		return &Calendar{Name: "c", Zone: DefaultZone, Hours: DefaultWeek(), Holidays: HolidaysRU,
			Years: map[int]Year{2027: {DaysOff: []string{"2027-01-11"}, WorkingWeekends: []string{"2027-01-16"}, Shortened: []string{"2027-01-15"}}}}
	}
	require.NoError(t, ok().Validate())
	tests := []struct {
		name   string
		change func(*Calendar)
		want   string
	}{
		{"no zone", func(c *Calendar) { c.Zone = "" }, "zone is empty"},
		{"bad zone", func(c *Calendar) { c.Zone = "Europe/Moskva" }, `zone "Europe/Moskva"`},
		{"bad hours", func(c *Calendar) { c.Hours.Tue = "9-18" }, `hours.tue: hours "9-18"`},
		{"hours out of range", func(c *Calendar) { c.Hours.Tue = "09:00-25:00" }, "not a time of day"},
		{"overnight", func(c *Calendar) { c.Hours.Tue = "22:00-06:00" }, "no overnight"},
		{"too short to shorten", func(c *Calendar) { c.Hours.Tue = "09:00-10:00" }, "too short"},
		{"no hours", func(c *Calendar) { c.Hours = Week{} }, "no weekday has working hours"},
		{"holidays", func(c *Calendar) { c.Holidays = "us" }, `holidays "us"`},
		{"bad date", func(c *Calendar) { c.Years[2027] = Year{DaysOff: []string{"2027-13-01"}} }, `years.2027: days_off: date "2027-13-01"`},
		{"wrong year", func(c *Calendar) { c.Years[2027] = Year{DaysOff: []string{"2028-01-03"}} }, "2028-01-03 is not in 2027"},
		{"twice", func(c *Calendar) { c.Years[2027] = Year{DaysOff: []string{"2027-01-11", "2027-01-11"}} }, "listed twice"},
		{"worked and off", func(c *Calendar) {
			c.Years[2027] = Year{DaysOff: []string{"2027-01-16"}, WorkingWeekends: []string{"2027-01-16"}}
		}, "also a day off"},
		{"shortened day off", func(c *Calendar) {
			c.Years[2027] = Year{DaysOff: []string{"2027-01-12"}, Shortened: []string{"2027-01-12"}}
		}, "shortened: 2027-01-12 is also a day off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok()
			tt.change(c)
			err := c.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "calendar c: "), err.Error())
			assert.Panics(t, func() { c.AddWorking(at("2027-01-11 10:00"), time.Hour) })
		})
	}
}

// A hand-made calendar works without an explicit Validate.
func TestLazyPreparation(t *testing.T) {
	c := &Calendar{Name: "lazy", Zone: DefaultZone, Hours: DefaultWeek(), Years: ShippedYears()}
	assert.True(t, at("2025-10-15 18:00").Equal(c.AddWorking(at("2025-10-15 15:00"), 3*time.Hour)))
	assert.Equal(t, defaultCal(t).Version(), c.Version(), `"" holidays is "ru"`)
}

func TestBusinessLineCalendar(t *testing.T) {
	c, err := Default().Calendar(BusinessLineCalendar)
	require.NoError(t, err)
	for _, tc := range []struct {
		at   string
		open bool
	}{
		{"2026-12-01 07:59", false}, {"2026-12-01 08:00", true}, {"2026-12-01 19:59", true},
		{"2026-12-01 20:00", false}, {"2026-12-05 12:00", false}, {"2026-01-05 12:00", false},
	} {
		at, err := time.ParseInLocation("2006-01-02 15:04", tc.at, time.FixedZone("MSK", 3*3600))
		require.NoError(t, err)
		assert.Equal(t, tc.open, c.IsWorkingTime(at), tc.at)
	}
}
