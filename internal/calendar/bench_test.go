package calendar

import (
	"encoding/json"
	"testing"
	"time"
)

var sink time.Time

func BenchmarkAddWorkingDays3(b *testing.B) {
	c := defaultCal(b)
	start := at("2025-12-26 14:30") // over the New Year break
	for b.Loop() {
		sink = c.AddWorkingDays(start, 3)
	}
}

func BenchmarkAddWorking3h(b *testing.B) {
	c := defaultCal(b)
	start := at("2025-12-30 16:00") // over the New Year break
	for b.Loop() {
		sink = c.AddWorking(start, 3*time.Hour)
	}
}

func BenchmarkAddWorkingDays3Weekday(b *testing.B) {
	c := defaultCal(b)
	start := at("2025-10-15 10:00")
	for b.Loop() {
		sink = c.AddWorkingDays(start, 3)
	}
}

func BenchmarkAddWorking3hWeekday(b *testing.B) {
	c := defaultCal(b)
	start := at("2025-10-15 10:00")
	for b.Loop() {
		sink = c.AddWorking(start, 3*time.Hour)
	}
}

// BenchmarkDecodeSet is the cost of a Set in workflow input: decoding
// validates and prepares every calendar.
func BenchmarkDecodeSet(b *testing.B) {
	data, err := json.Marshal(Default())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var s Set
		if err := json.Unmarshal(data, &s); err != nil {
			b.Fatal(err)
		}
	}
}
