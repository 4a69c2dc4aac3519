package calendar

import (
	"testing"
	"time"
)

// fuzzStart maps any number to a moment in 2024–2028 (2024, 2027 and 2028
// have no data, so the Labour Code fallback is exercised too).
func fuzzStart(n int64) time.Time {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int64(5 * 365 * 24 * time.Hour / time.Second)
	n %= span
	if n < 0 {
		n += span
	}
	return from.Add(time.Duration(n) * time.Second)
}

// inWorkingTime reports whether r is after an opening and no later than the
// closing of the same day, i.e. the instant just before it is working time.
func inWorkingTime(c *Calendar, r time.Time) bool {
	return c.IsWorkingTime(r.Add(-time.Nanosecond))
}

// FuzzAddWorking: adding a working duration and measuring the working time
// elapsed gives the duration back, and results are always in working time.
// The f.Add seeds run under plain `go test`.
func FuzzAddWorking(f *testing.F) {
	seed := func(calendar uint8, start time.Time, d time.Duration, days uint8) {
		f.Add(calendar, start.Unix()-fuzzStart(0).Unix(), int64(d/time.Second), days)
	}
	seed(0, at("2025-12-30 16:00"), 3*time.Hour, 3)     // New Year break
	seed(0, at("2025-12-30 15:00"), 3*time.Hour, 1)     // ends at closing
	seed(0, at("2025-03-07 15:00"), 3*time.Hour, 1)     // shortened day
	seed(0, at("2025-10-31 17:30"), 2*time.Hour, 1)     // worked Saturday
	seed(0, at("2025-10-18 12:00"), 30*time.Minute, 2)  // start on a day off
	seed(0, at("2025-10-15 19:00"), 9*time.Hour, 5)     // after hours, a whole day
	seed(0, at("2025-04-30 16:00"), 40*time.Hour, 7)    // May holidays
	seed(0, at("2027-05-07 17:10"), 90*time.Minute, 2)  // fallback year
	seed(1, at("2025-12-30 15:00"), 3*time.Hour, 3)     // Yekaterinburg
	seed(2, at("2025-03-07 16:00"), 2*time.Hour, 1)     // New York, DST
	seed(2, at("2025-11-01 13:30"), 1*time.Hour, 1)     // New York, Saturday hours, DST ends
	seed(3, at("2025-03-30 00:30"), 24*time.Hour, 1)    // 24x7 Berlin, DST
	seed(4, at("2025-12-31 23:00"), 2*time.Hour, 3)     // 24x7
	seed(0, at("2025-10-15 09:00"), 0, 0)               // zero
	seed(0, at("2025-10-15 18:00"), 0, 0)               // zero at closing
	seed(0, at("2024-02-22 10:00"), 1000*time.Hour, 30) // long

	cals := fuzzCalendars(f)
	f.Fuzz(func(t *testing.T, which uint8, startSec, durSec int64, days uint8) {
		c := cals[int(which)%len(cals)]
		start := fuzzStart(startSec).Add(time.Duration(startSec%7) * time.Millisecond)
		d := time.Duration(durSec%(2000*3600)) * time.Second
		if d < 0 {
			d = -d
		}

		r := c.AddWorking(start, d)
		if got := c.WorkingBetween(start, r); got != d {
			t.Fatalf("%s: WorkingBetween(%s, AddWorking(…, %s) = %s) = %s", c.Name, start, d, r, got)
		}
		if r.Before(start) {
			t.Fatalf("%s: %s + %s = %s is before the start", c.Name, start, d, r)
		}
		if d == 0 && !c.IsWorkingTime(r) {
			t.Fatalf("%s: %s + 0 = %s is not working time", c.Name, start, r)
		}
		if d > 0 && !inWorkingTime(c, r) {
			t.Fatalf("%s: %s + %s = %s is outside working time", c.Name, start, d, r)
		}
		if c.IsWorkingTime(start) && d == 0 && !r.Equal(start) {
			t.Fatalf("%s: %s + 0 = %s moved a working moment", c.Name, start, r)
		}

		back := c.AddWorking(r, -d)
		if got := c.WorkingBetween(back, r); got != d {
			t.Fatalf("%s: WorkingBetween(%s - %s = %s, …) = %s", c.Name, r, d, back, got)
		}
		if !c.IsWorkingTime(back) {
			t.Fatalf("%s: %s - %s = %s is not working time", c.Name, r, d, back)
		}
		if d > 0 && !back.Equal(c.NextWorkingTime(start)) {
			t.Fatalf("%s: %s - %s = %s, want the start %s", c.Name, r, d, back, c.NextWorkingTime(start))
		}

		n := int(days % 40)
		rd := c.AddWorkingDays(start, n)
		switch {
		case n == 0 && !c.IsWorkingTime(rd):
			t.Fatalf("%s: %s + 0 working days = %s is not working time", c.Name, start, rd)
		case n > 0 && !inWorkingTime(c, rd):
			t.Fatalf("%s: %s + %d working days = %s is outside working time", c.Name, start, n, rd)
		case n > 0 && !rd.After(start):
			t.Fatalf("%s: %s + %d working days = %s is not later", c.Name, start, n, rd)
		}
		if next := c.AddWorkingDays(start, n+1); !next.After(rd) {
			t.Fatalf("%s: %s + %d working days = %s, + %d = %s", c.Name, start, n, rd, n+1, next)
		}
		if n > 0 {
			// n working days hold some working time, and no more than n
			// whole days (25 hours on the day daylight saving time ends).
			w := c.WorkingBetween(start, rd)
			if w > time.Duration(n)*25*time.Hour || w <= 0 {
				t.Fatalf("%s: %s + %d working days = %s holds %s of working time", c.Name, start, n, rd, w)
			}
		}
		if bd := c.AddWorkingDays(rd, -n); n > 0 && !c.IsWorkingTime(bd) {
			t.Fatalf("%s: %s - %d working days = %s is not working time", c.Name, rd, n, bd)
		}
	})
}
