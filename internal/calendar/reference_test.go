package calendar

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fuzzCalendars are the calendars the property tests run on: the default, a
// non-Moscow zone, a zone with daylight saving time, and plain time.
func fuzzCalendars(t testing.TB) []*Calendar {
	t.Helper()
	s := policySet()
	ural := s.Calendars[DefaultCalendar].clone()
	ural.Name, ural.Zone = "ural", "Asia/Yekaterinburg"
	h := "08:30-17:15"
	ny := &Calendar{Name: "ny", Zone: "America/New_York", Holidays: HolidaysNone,
		Hours: Week{Mon: h, Tue: h, Wed: h, Thu: h, Fri: h, Sat: "10:00-14:00"},
		Years: map[int]Year{2025: {DaysOff: []string{"2025-11-27", "2025-12-25"}}}}
	berlin := s.Calendars[AllDayCalendar].clone()
	berlin.Name, berlin.Zone = "berlin", "Europe/Berlin"
	out := []*Calendar{s.Calendars[DefaultCalendar], ural, ny, berlin, s.Calendars[AllDayCalendar]}
	for _, c := range out {
		require.NoError(t, c.Validate())
	}
	return out
}

// TestAddWorkingMatchesMinuteWalk checks AddWorking and WorkingBetween against
// a walk over every minute, using nothing but IsWorkingTime.
func TestAddWorkingMatchesMinuteWalk(t *testing.T) {
	periods := []time.Time{
		at("2025-12-24 00:00"), // New Year break
		at("2025-10-25 00:00"), // worked, shortened Saturday and 3–4 November
		at("2025-03-01 00:00"), // shortened 7 March; DST in New York and Berlin
		at("2026-12-20 00:00"), // into 2027, without data
	}
	const minutes = 25 * 24 * 60
	for _, c := range fuzzCalendars(t) {
		for _, base := range periods {
			// sum[i] is the working minutes in [base, base+i min).
			sum := make([]int, minutes+1)
			for i := 0; i < minutes; i++ {
				sum[i+1] = sum[i]
				if c.IsWorkingTime(base.Add(time.Duration(i) * time.Minute)) {
					sum[i+1]++
				}
			}
			for s := 0; s < minutes/2; s += 7 {
				start := base.Add(time.Duration(s) * time.Minute)
				for _, d := range []int{0, 1, 59, 180, 540, 541, 2000} {
					// The end of the d-th working minute after start (or the
					// first working minute for d = 0).
					e := sort.Search(minutes+1, func(i int) bool { return i >= s && sum[i]-sum[s] >= d })
					if d == 0 {
						for e < minutes && sum[e+1] == sum[e] {
							e++
						}
					}
					if e > minutes {
						continue
					}
					want := base.Add(time.Duration(e) * time.Minute)
					got := c.AddWorking(start, time.Duration(d)*time.Minute)
					if !got.Equal(want) {
						t.Fatalf("%s: %s + %d working minutes = %s, the walk says %s", c.Name, start, d, got, want)
					}
					if w := c.WorkingBetween(start, want); w != time.Duration(sum[e]-sum[s])*time.Minute {
						t.Fatalf("%s: working between %s and %s = %s, the walk says %d min", c.Name, start, want, w, sum[e]-sum[s])
					}
				}
			}
		}
	}
}
