package calendar

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const exampleConfig = `
# other sections of caseflow's config are not ours
temporal:
  address: localhost:7233
directory:
  plc_group: [a@example.com]
calendars:
  default:
    years:
      "2027":
        days_off: [2027-01-01, 2027-01-04, 2027-01-05, 2027-01-06, 2027-01-07, 2027-01-08, 2027-02-23, 2027-03-08,
                   2027-05-03, 2027-05-10, 2027-06-14, 2027-11-04, 2027-12-31]
        working_weekends: []
        shortened: [2027-02-22, 2027-04-30, 2027-06-11, 2027-11-03]
  ural:
    zone: Asia/Yekaterinburg
  support:
    base: 24x7
  shop:
    hours: {sat: "10:00-16:00", fri: "09:00-17:00"}
sla:
  plc.verdict: 4 working hours
  plc.escalation_step: {duration: 20 working minutes}
  plc.planned_date: next working day
  telecom.lead_callback: {calendar: ural}
  support.first_answer: {duration: 2 hours, calendar: support}
  shop.answer: 1 working day
`

func TestLoadConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "caseflow.yaml")
	require.NoError(t, os.WriteFile(path, []byte(exampleConfig), 0o600))
	cfg, err := LoadConfigFile(path)
	require.NoError(t, err)
	cfg.Now = time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)
	cfg.Defaults = testDefaults
	s, warnings, err := cfg.Build()
	require.NoError(t, err)
	// The config gives default 2027, and the new calendars copy default as
	// configured, so no calendar lacks 2027 but the business line's, which the
	// config leaves alone.
	assert.Equal(t, []string{"calendar business_line: no production-calendar data for 2027, using Labour Code art. 112 holidays"}, warnings)

	def, err := s.Calendar(DefaultCalendar)
	require.NoError(t, err)
	assert.True(t, def.HasYearData(2027))
	assert.Equal(t, 2027, def.YearStats(2027).Year)
	assert.False(t, def.Day(2027, time.December, 31).Working)
	assert.NotEqual(t, Default().Calendars[DefaultCalendar].Version(), def.Version())

	ural, err := s.Calendar("ural")
	require.NoError(t, err)
	assert.Equal(t, "Asia/Yekaterinburg", ural.Zone)
	assert.True(t, ural.HasYearData(2027), "a new calendar copies default as configured")

	support, err := s.Calendar("support")
	require.NoError(t, err)
	assert.Equal(t, HolidaysNone, support.Holidays)
	assert.True(t, support.IsWorkingTime(at("2026-01-01 03:00")))

	shop, err := s.Calendar("shop")
	require.NoError(t, err)
	assert.Equal(t, "10:00-16:00", shop.Hours.Sat)
	assert.Equal(t, "09:00-17:00", shop.Hours.Fri)
	assert.Equal(t, "09:00-18:00", shop.Hours.Mon)

	assert.Equal(t, Policy{Name: "plc.verdict", Amount: 4, Unit: WorkingHours, Calendar: DefaultCalendar}, s.Policies["plc.verdict"])
	assert.Equal(t, Policy{Name: "plc.escalation_step", Amount: 20, Unit: WorkingMinutes, Calendar: DefaultCalendar}, s.Policies["plc.escalation_step"])
	assert.Equal(t, NextWorkingDay, s.Policies["plc.planned_date"].Unit)
	assert.Equal(t, Policy{Name: "telecom.lead_callback", Amount: 2, Unit: WorkingDays, Calendar: "ural"}, s.Policies["telecom.lead_callback"])
	assert.Equal(t, Policy{Name: "support.first_answer", Amount: 2, Unit: Hours, Calendar: "support"}, s.Policies["support.first_answer"])
	assert.Equal(t, "shop.answer", s.Policies["shop.answer"].Name)
	assert.Equal(t, DefaultCalendar, s.Policies["shop.answer"].Calendar)
	assert.Equal(t, "3 working days", s.Policies["dispute.engineer_answer"].String(), "untouched defaults stay")

	d, err := s.Due("plc.verdict", at("2025-12-30 15:00"))
	require.NoError(t, err)
	assert.True(t, at("2026-01-12 10:00").Equal(d.Due))
}

func TestBuildWarnings(t *testing.T) {
	s, warnings, err := Config{}.Build()
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, Default(), s)

	_, warnings, err = Config{Now: time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)}.Build()
	require.NoError(t, err)
	assert.Equal(t, []string{"calendar business_line: no production-calendar data for 2027, using Labour Code art. 112 holidays",
		"calendar default: no production-calendar data for 2027, using Labour Code art. 112 holidays"}, warnings)

	_, warnings, err = Config{Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}.Build()
	require.NoError(t, err)
	assert.Empty(t, warnings)

	_, warnings, err = Config{Calendars: map[string]CalendarConfig{
		DefaultCalendar: {Years: map[string]Year{"2026": {DaysOff: []string{"2026-01-01"}}}},
	}}.Build()
	require.NoError(t, err)
	assert.Equal(t, []string{"calendar default: years.2026 from the config replaces the shipped production-calendar data"}, warnings)
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown calendar key", "calendars:\n  default:\n    zonee: UTC\n", `line 3: calendar: unknown key "zonee"`},
		{"unknown year key", "calendars:\n  default:\n    years:\n      \"2027\":\n        holidays: []\n", `line 5: year: unknown key "holidays"`},
		{"unknown policy key", "sla:\n  plc.verdict: {durration: 3 working hours}\n", `unknown key "durration"`},
		{"bad policy", "sla:\n  plc.verdict: 3 wrking hours\n", `sla plc.verdict: unable to parse "3 wrking hours"`},
		{"new policy without duration", "sla:\n  x.y: {calendar: default}\n", "sla x.y: no duration"},
		{"policy on an unknown calendar", "sla:\n  x.y: {duration: 1 working day, calendar: moon}\n", `sla x.y: unknown calendar "moon"`},
		{"bad zone", "calendars:\n  ural:\n    zone: Asia/Ekaterinburg\n", `calendar ural: zone "Asia/Ekaterinburg"`},
		{"bad day", "calendars:\n  default:\n    hours: {monday: 09:00-18:00}\n", `calendar default: hours: unknown day "monday"`},
		{"bad hours", "calendars:\n  default:\n    hours: {mon: 9-18}\n", `calendar default: hours.mon: hours "9-18"`},
		{"bad year", "calendars:\n  default:\n    years: {next: {}}\n", `calendar default: years: "next" is not a year`},
		{"bad date", "calendars:\n  default:\n    years: {2027: {days_off: [2027-02-30]}}\n", `calendar default: years.2027: days_off: date "2027-02-30"`},
		{"base on a built-in", "calendars:\n  default:\n    base: 24x7\n", "calendar default: base \"24x7\": only a new calendar has a base"},
		{"unknown base", "calendars:\n  x:\n    base: ural\n", `calendar x: base "ural"`},
		{"not a mapping", "calendars:\n  default: Europe/Moscow\n", "line 2: calendar: want a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tt.yaml))
			if err == nil {
				_, _, err = cfg.Build()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	_, err := LoadConfigFile(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.ErrorContains(t, err, "missing.yaml")
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte("calendars:\n  default:\n    zonee: UTC\n"), 0o600))
	_, err = LoadConfigFile(path)
	assert.ErrorContains(t, err, "bad.yaml: line 3")
}

func TestHoursOff(t *testing.T) {
	cfg, err := ParseConfig([]byte("calendars:\n  default:\n    hours: {fri: off, sat: 09:00-18:00}\n"))
	require.NoError(t, err)
	s, _, err := cfg.Build()
	require.NoError(t, err)
	c := s.Calendars[DefaultCalendar]
	assert.Equal(t, "", c.Hours.Fri)
	assert.False(t, c.IsWorkingTime(at("2025-10-17 10:00")))
	assert.True(t, c.IsWorkingTime(at("2025-10-18 10:00")))
}
