package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/caseflow/caseflow/internal/calendar"
	"github.com/caseflow/caseflow/workflows"
)

// calendarOptions are the flags every calendar subcommand takes; they may be
// given before or after the subcommand's name.
type calendarOptions struct {
	config   string
	calendar string
	stdout   io.Writer
	stderr   io.Writer
}

func (o *calendarOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.config, "config", "", "config `file` whose calendars: and sla: sections change the built-in ones")
	fs.StringVar(&o.calendar, "calendar", calendar.DefaultCalendar, "calendar `name`")
}

// load returns the calendars and policies, from --config or the built-in ones,
// and the calendar --calendar names. Config warnings go to stderr.
func (o *calendarOptions) load() (*calendar.Set, *calendar.Calendar, error) {
	defaults, err := workflows.PolicyDefaults()
	if err != nil {
		return nil, nil, err
	}
	cfg := calendar.Config{}
	if o.config != "" {
		if cfg, err = calendar.LoadConfigFile(o.config); err != nil {
			return nil, nil, err
		}
	}
	// The case types declare the policies; the config changes them.
	cfg.Defaults = defaults
	set, warnings, err := cfg.Build()
	if err != nil {
		return nil, nil, fmt.Errorf("calendar config %s: %w", o.config, err)
	}
	o.warn(warnings...)
	cal, err := set.Calendar(o.calendar)
	if err != nil {
		return nil, nil, fmt.Errorf("--calendar %s: %w", o.calendar, err)
	}
	return set, cal, nil
}

func (o *calendarOptions) warn(warnings ...string) {
	for _, w := range warnings {
		fmt.Fprintln(o.stderr, "warning:", w)
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func noArgs(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(args, " "))
	}
	return nil
}

// newCalendarCmd is `caseflow calendar`: operators' tools for the
// working-time calendar (see docs/calendar.md).
func newCalendarCmd(stdout, stderr io.Writer) *ffcli.Command {
	o := &calendarOptions{stdout: stdout, stderr: stderr}
	fs := newFlagSet("caseflow calendar", stderr)
	o.register(fs)
	return &ffcli.Command{
		Name:       "calendar",
		ShortUsage: "caseflow calendar <workdays|add|show|policies> [flags]",
		ShortHelp:  "Working-time calendar: count working days, compute deadlines, show a month.",
		FlagSet:    fs,
		Subcommands: []*ffcli.Command{
			newWorkdaysCmd(o),
			newAddCmd(o),
			newShowCmd(o),
			newPoliciesCmd(o),
		},
		Exec: func(context.Context, []string) error { return flag.ErrHelp },
	}
}

func newWorkdaysCmd(o *calendarOptions) *ffcli.Command {
	fs := newFlagSet("caseflow calendar workdays", o.stderr)
	o.register(fs)
	year := fs.Int("year", 0, "`year` to count, e.g. 2025 (required)")
	verbose := fs.Bool("verbose", false, "also print days off, shortened days and hours")
	return &ffcli.Command{
		Name:       "workdays",
		ShortUsage: "caseflow calendar workdays --year YYYY [--verbose] [--calendar NAME] [--config FILE]",
		ShortHelp:  "Print the number of working days in a year.",
		FlagSet:    fs,
		Exec: func(_ context.Context, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			switch {
			case !isSet(fs, "year"):
				return errors.New("calendar workdays: --year is required")
			case *year < 1 || *year > 9999:
				return fmt.Errorf("invalid value \"%d\" for flag --year: want a year such as 2025", *year)
			}
			_, cal, err := o.load()
			if err != nil {
				return err
			}
			o.warn(yearWarnings(cal, *year)...)
			st := cal.YearStats(*year)
			if !*verbose {
				fmt.Fprintln(o.stdout, st.WorkingDays)
				return nil
			}
			tw := tabwriter.NewWriter(o.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintf(tw, "calendar\t%s (%s, version %s)\n", cal.Name, cal.Zone, cal.Version())
			fmt.Fprintf(tw, "year\t%d\n", st.Year)
			fmt.Fprintf(tw, "working days\t%d\n", st.WorkingDays)
			fmt.Fprintf(tw, "days off\t%d\n", st.DaysOff)
			fmt.Fprintf(tw, "shortened days\t%d\n", st.Shortened)
			fmt.Fprintf(tw, "hours of a 40-hour week\t%d\n", st.Hours40)
			fmt.Fprintf(tw, "working hours by the calendar\t%g\n", st.WorkingTime.Hours())
			return tw.Flush()
		},
	}
}

// Bounds of `add` amounts (hours or minutes, days), far beyond any deadline
// and well inside time.Duration.
const (
	maxAddTime = 1_000_000
	maxAddDays = 100_000
)

func newAddCmd(o *calendarOptions) *ffcli.Command {
	fs := newFlagSet("caseflow calendar add", o.stderr)
	o.register(fs)
	var from time.Time
	fs.Func("from", "start `moment` in RFC 3339, e.g. 2025-12-30T15:00:00+03:00 (default: now)", func(s string) error {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return errors.New("want RFC 3339, e.g. 2025-12-30T15:00:00+03:00")
		}
		from = t
		return nil
	})
	hours := fs.Int("working-hours", 0, "add `N` working hours (negative: count back)")
	minutes := fs.Int("working-minutes", 0, "add `N` working minutes (negative: count back)")
	days := fs.Int("working-days", 0, "add `N` working days: the same time on the N-th following working day")
	policy := fs.String("policy", "", "apply the SLA policy `NAME`, e.g. plc.verdict (its own calendar)")
	verbose := fs.Bool("verbose", false, "also print the basis of the result")
	return &ffcli.Command{
		Name:       "add",
		ShortUsage: "caseflow calendar add [--from RFC3339] --working-hours N | --working-minutes N | --working-days N | --policy NAME",
		ShortHelp:  "Print the due moment of a working duration or an SLA policy, in RFC 3339 in the calendar's zone.",
		FlagSet:    fs,
		Exec: func(_ context.Context, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			var given []string
			for _, name := range []string{"working-hours", "working-minutes", "working-days", "policy"} {
				if isSet(fs, name) {
					given = append(given, "--"+name)
				}
			}
			switch len(given) {
			case 0:
				return errors.New("calendar add: give one of --working-hours, --working-minutes, --working-days, --policy")
			case 1:
			default:
				return fmt.Errorf("calendar add: give only one of %s", strings.Join(given, ", "))
			}
			if !isSet(fs, "from") {
				from = time.Now()
			}
			set, cal, err := o.load()
			if err != nil {
				return err
			}

			var due time.Time
			basis := calendar.Basis{Start: from, Calendar: cal.Name, CalendarVersion: cal.Version()}
			switch {
			case isSet(fs, "policy"):
				if isSet(fs, "calendar") || o.calendar != calendar.DefaultCalendar {
					return errors.New("calendar add: --policy uses the policy's own calendar; drop --calendar")
				}
				d, err := set.Due(*policy, from)
				if err != nil {
					return fmt.Errorf("--policy %s: %w", *policy, err)
				}
				due, basis = d.Due, d.Basis
			case isSet(fs, "working-hours"):
				if err := inRange("working-hours", *hours, maxAddTime); err != nil {
					return err
				}
				due = cal.AddWorking(from, time.Duration(*hours)*time.Hour)
				basis.Duration = plural(*hours, "working hour")
			case isSet(fs, "working-minutes"):
				if err := inRange("working-minutes", *minutes, maxAddTime); err != nil {
					return err
				}
				due = cal.AddWorking(from, time.Duration(*minutes)*time.Minute)
				basis.Duration = plural(*minutes, "working minute")
			default:
				if err := inRange("working-days", *days, maxAddDays); err != nil {
					return err
				}
				due = cal.AddWorkingDays(from, *days)
				basis.Duration = plural(*days, "working day")
			}
			if basis.Policy == "" {
				basis.Warnings = cal.FallbackWarnings(from, due)
			}
			o.warn(basis.Warnings...)
			fmt.Fprintln(o.stdout, due.Format(time.RFC3339Nano))
			if *verbose {
				tw := tabwriter.NewWriter(o.stdout, 0, 2, 2, ' ', 0)
				fmt.Fprintf(tw, "start\t%s\n", basis.Start.In(due.Location()).Format(time.RFC3339Nano))
				if basis.Policy != "" {
					fmt.Fprintf(tw, "policy\t%s\n", basis.Policy)
				}
				fmt.Fprintf(tw, "duration\t%s\n", basis.Duration)
				fmt.Fprintf(tw, "calendar\t%s (version %s)\n", basis.Calendar, basis.CalendarVersion)
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// yearWarnings warns when the calendar has no production-calendar data for the year.
func yearWarnings(cal *calendar.Calendar, year int) []string {
	mid := time.Date(year, time.July, 1, 12, 0, 0, 0, time.UTC)
	return cal.FallbackWarnings(mid, mid)
}

func inRange(flagName string, n, limit int) error {
	if n < -limit || n > limit {
		return fmt.Errorf("invalid value \"%d\" for flag --%s: want -%d..%d", n, flagName, limit, limit)
	}
	return nil
}

func plural(n int, unit string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func newShowCmd(o *calendarOptions) *ffcli.Command {
	fs := newFlagSet("caseflow calendar show", o.stderr)
	o.register(fs)
	var month time.Time
	fs.Func("month", "`YYYY-MM` to show, e.g. 2026-05 (default: this month)", func(s string) error {
		t, err := time.Parse("2006-01", s)
		if err != nil {
			return errors.New("want YYYY-MM, e.g. 2026-05")
		}
		month = t
		return nil
	})
	return &ffcli.Command{
		Name:       "show",
		ShortUsage: "caseflow calendar show [--month YYYY-MM] [--calendar NAME] [--config FILE]",
		ShortHelp:  "Print a month grid marking days off and shortened days.",
		FlagSet:    fs,
		Exec: func(_ context.Context, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			_, cal, err := o.load()
			if err != nil {
				return err
			}
			if !isSet(fs, "month") {
				loc, err := calendar.LoadZone(cal.Zone)
				if err != nil {
					return err
				}
				month = time.Now().In(loc)
			}
			o.warn(yearWarnings(cal, month.Year())...)
			return showMonth(o.stdout, cal, month.Year(), month.Month())
		},
	}
}

// showMonth prints a month as a grid, Monday first, with a mark after each
// day: "x" a day off on a weekday (holiday or moved day off), "-" a weekend,
// "s" shortened, "+" a worked weekend day.
func showMonth(w io.Writer, cal *calendar.Calendar, year int, month time.Month) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d, calendar %s (%s)\n", month, year, cal.Name, cal.Zone)
	b.WriteString(" Mo   Tu   We   Th   Fr   Sa   Su\n")
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	col := (int(first.Weekday()) + 6) % 7
	line := strings.Repeat(" ", 5*col)
	var working, off, shortened, hours int
	for d := first; d.Month() == month; d = d.AddDate(0, 0, 1) {
		day := cal.Day(d.Date())
		mark := ""
		switch {
		case day.WorkedWeekend:
			mark = "+"
		case day.Holiday:
			mark = "x"
		case day.Weekend:
			mark = "-"
		}
		if day.Shortened {
			mark += "s"
		}
		if day.Working {
			working++
			hours += 8
			if day.Shortened {
				shortened++
				hours--
			}
		} else {
			off++
		}
		line += fmt.Sprintf("%3d%-2s", d.Day(), mark)
		if col = (col + 1) % 7; col == 0 {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = ""
		}
	}
	if line != "" {
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	b.WriteString("x day off (holiday or moved)  - weekend  s shortened by an hour  + worked weekend day\n")
	fmt.Fprintf(&b, "working days %d, days off %d, shortened %d, hours of a 40-hour week %d\n", working, off, shortened, hours)
	_, err := io.WriteString(w, b.String())
	return err
}

func newPoliciesCmd(o *calendarOptions) *ffcli.Command {
	fs := newFlagSet("caseflow calendar policies", o.stderr)
	o.register(fs)
	return &ffcli.Command{
		Name:       "policies",
		ShortUsage: "caseflow calendar policies [--config FILE]",
		ShortHelp:  "List the SLA policies with their durations and calendars.",
		FlagSet:    fs,
		Exec: func(_ context.Context, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			set, _, err := o.load()
			if err != nil {
				return err
			}
			names := make([]string, 0, len(set.Policies))
			for name := range set.Policies {
				names = append(names, name)
			}
			slices.Sort(names)
			tw := tabwriter.NewWriter(o.stdout, 0, 2, 2, ' ', 0)
			for _, name := range names {
				p := set.Policies[name]
				fmt.Fprintf(tw, "%s\t%s\t%s\n", name, p, p.Calendar)
			}
			return tw.Flush()
		},
	}
}

// isSet reports whether the flag was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}
