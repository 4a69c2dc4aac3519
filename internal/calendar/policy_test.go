package calendar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		text   string
		amount int
		unit   Unit
		string string
	}{
		{"3 working hours", 3, WorkingHours, "3 working hours"},
		{"1 working hour", 1, WorkingHours, "1 working hour"},
		{"30 working minutes", 30, WorkingMinutes, "30 working minutes"},
		{"1 working day", 1, WorkingDays, "1 working day"},
		{" 3  Working  Days ", 3, WorkingDays, "3 working days"},
		{"next working day", 1, NextWorkingDay, "next working day"},
		{"next day", 1, NextDay, "next day"},
		{"2 hours", 2, Hours, "2 hours"},
		{"90 minutes", 90, Minutes, "90 minutes"},
		{"1 day", 1, Days, "1 day"},
	}
	for _, tt := range tests {
		p, err := ParsePolicy("x", tt.text, "default")
		require.NoError(t, err, tt.text)
		assert.Equal(t, Policy{Name: "x", Amount: tt.amount, Unit: tt.unit, Calendar: "default"}, p, tt.text)
		assert.Equal(t, tt.string, p.String())
		again, err := ParsePolicy("x", p.String(), "default")
		require.NoError(t, err)
		assert.Equal(t, p, again)
	}
	for _, bad := range []string{"", "3", "three working hours", "3 working", "3 working weeks", "3 business hours",
		"next", "next working hour", "-1 working day", "0 hours", "100000 working hours", "3 hours please"} {
		_, err := ParsePolicy("plc.verdict", bad, "default")
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "sla plc.verdict: ")
		assert.Contains(t, err.Error(), `"`+bad+`"`)
	}
}

func TestDeclaredDefaultsBecomePolicies(t *testing.T) {
	assert.Empty(t, Default().Policies, "the calendar package declares no policy of its own")
	s := policySet()
	want := map[string]string{
		"plc.verdict":               "3 working hours",
		"plc.escalation_step":       "30 working minutes",
		"plc.customer_callback":     "1 working day",
		"plc.planned_date":          "next day",
		"plc.asc_callback":          "3 working days",
		"dispute.engineer_answer":   "3 working days",
		"dispute.customer_answer":   "3 working days",
		"telecom.lead_callback":     "2 working days",
		"telecom.repeat_notice":     "24 hours",
		"reclamation.qualification": "2 working days",
		"reclamation.document":      "3 working days",
		"reclamation.task_reminder": "1 working day",
		"reclamation.action_task":   "5 working days",
	}
	got := map[string]string{}
	for name, p := range s.Policies {
		got[name] = p.String()
		assert.Equal(t, name, p.Name)
	}
	assert.Equal(t, want, got)
	assert.Equal(t, AllDayCalendar, s.Policies["telecom.repeat_notice"].Calendar)
}

func TestDue(t *testing.T) {
	s := policySet()
	tests := []struct {
		policy string
		start  time.Time
		want   time.Time
	}{
		{"plc.verdict", at("2025-12-30 15:00"), at("2025-12-30 18:00")},
		{"plc.verdict", at("2025-12-30 16:00"), at("2026-01-12 10:00")},
		{"plc.verdict", at("2025-10-18 11:00"), at("2025-10-20 12:00")}, // weekends do not count
		{"plc.escalation_step", at("2025-10-17 17:45"), at("2025-10-20 09:15")},
		{"plc.customer_callback", at("2025-10-17 19:00"), at("2025-10-20 18:00")},
		{"plc.customer_callback", at("2025-10-15 11:20"), at("2025-10-16 11:20")},
		{"plc.planned_date", at("2025-12-31 20:00"), at("2026-01-01 20:00")}, // plain next day
		{"plc.asc_callback", at("2025-12-26 14:30"), at("2026-01-12 14:30")},
		{"telecom.lead_callback", at("2026-04-30 11:00"), at("2026-05-05 11:00")},
		{"reclamation.action_task", at("2025-10-15 10:00"), at("2025-10-22 10:00")},
	}
	for _, tt := range tests {
		d, err := s.Due(tt.policy, tt.start)
		require.NoError(t, err)
		assert.True(t, tt.want.Equal(d.Due), "%s from %s: got %s, want %s", tt.policy, tt.start, d.Due, tt.want)
		assert.Equal(t, tt.policy, d.Name)
		assert.Equal(t, tt.policy, d.Basis.Policy)
		assert.Equal(t, s.Policies[tt.policy].String(), d.Basis.Duration)
		assert.Equal(t, DefaultCalendar, d.Basis.Calendar)
		assert.Equal(t, s.Calendars[DefaultCalendar].Version(), d.Basis.CalendarVersion)
		assert.True(t, tt.start.Equal(d.Basis.Start))
	}

	r, err := s.DueBefore("reclamation.task_reminder", at("2025-11-05 18:00"))
	require.NoError(t, err)
	assert.True(t, at("2025-11-05 09:00").Equal(r.Due), "got %s", r.Due)
	r, err = s.DueBefore("reclamation.task_reminder", at("2025-11-05 12:00"))
	require.NoError(t, err)
	assert.True(t, at("2025-11-01 12:00").Equal(r.Due), "got %s", r.Due)
	assert.Equal(t, "1 working day before", r.Basis.Duration)

	_, err = s.Due("plc.nothing", at("2025-10-15 10:00"))
	assert.EqualError(t, err, `unknown SLA policy "plc.nothing"`)
	s.Policies["orphan"] = Policy{Name: "orphan", Amount: 1, Unit: Hours, Calendar: "mars"}
	_, err = s.Due("orphan", at("2025-10-15 10:00"))
	assert.EqualError(t, err, `sla orphan: unknown calendar "mars" (have 24x7, business_line, default)`)
	_, err = s.Calendar("mars")
	assert.EqualError(t, err, `unknown calendar "mars" (have 24x7, business_line, default)`)
	assert.ErrorContains(t, s.Validate(), `sla orphan: unknown calendar "mars"`)

	s.Policies["next"] = Policy{Name: "next", Amount: 1, Unit: NextWorkingDay, Calendar: DefaultCalendar}
	d, err := s.Due("next", at("2025-12-30 10:00"))
	require.NoError(t, err)
	assert.True(t, at("2026-01-12 09:00").Equal(d.Due))
	_, err = s.DueBefore("next", at("2025-12-30 10:00"))
	assert.ErrorContains(t, err, "cannot be counted back")
}

// testDefaults are example policies of the kinds case types declare (the
// seeds' deadlines); the calendar package itself declares none.
var testDefaults = []PolicyDefault{
	{"plc.verdict", "3 working hours", DefaultCalendar},
	{"plc.escalation_step", "30 working minutes", DefaultCalendar},
	{"plc.customer_callback", "1 working day", DefaultCalendar},
	{"plc.planned_date", "next day", DefaultCalendar},
	{"plc.asc_callback", "3 working days", DefaultCalendar},
	{"dispute.engineer_answer", "3 working days", DefaultCalendar},
	{"dispute.customer_answer", "3 working days", DefaultCalendar},
	{"telecom.lead_callback", "2 working days", DefaultCalendar},
	{"telecom.repeat_notice", "24 hours", AllDayCalendar},
	{"reclamation.qualification", "2 working days", DefaultCalendar},
	{"reclamation.document", "3 working days", DefaultCalendar},
	{"reclamation.task_reminder", "1 working day", DefaultCalendar},
	{"reclamation.action_task", "5 working days", DefaultCalendar},
}

// policySet is the built-in calendars with testDefaults.
func policySet() *Set {
	s, _, err := Config{Defaults: testDefaults}.Build()
	if err != nil {
		panic(err)
	}
	return s
}

func TestSubsetKeepsThePoliciesAndTheirCalendars(t *testing.T) {
	s := Default()
	s.Policies["verdict"] = Policy{Name: "verdict", Amount: 3, Unit: WorkingHours, Calendar: DefaultCalendar}
	s.Policies["quiet"] = Policy{Name: "quiet", Amount: 30, Unit: Days, Calendar: AllDayCalendar}
	s.Policies["lead"] = Policy{Name: "lead", Amount: 2, Unit: WorkingDays, Calendar: BusinessLineCalendar}

	sub := s.Subset([]string{"verdict", "unknown"})
	assert.Equal(t, map[string]Policy{"verdict": s.Policies["verdict"]}, sub.Policies)
	assert.Equal(t, []string{DefaultCalendar}, sortedKeys(sub.Calendars), "only the verdict's calendar")
	d, err := sub.Due("verdict", time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	want, err := s.Due("verdict", time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, want, d, "the subset computes what the whole set does")
	_, err = sub.Due("quiet", time.Now())
	assert.ErrorContains(t, err, `unknown SLA policy "quiet"`)

	sub = s.Subset([]string{"quiet"}, BusinessLineCalendar, "mars")
	assert.Equal(t, []string{AllDayCalendar, BusinessLineCalendar}, sortedKeys(sub.Calendars), "the policy's and the named one; an unknown name is left out")
	require.NoError(t, sub.Validate())
	assert.Len(t, s.Policies, 3, "the set itself is untouched")
}
