package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestCountUntil(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	sorted := []time.Time{at(1), at(2), at(2), at(5)}
	assert.Equal(t, 0, countUntil(sorted, at(0)))
	assert.Equal(t, 1, countUntil(sorted, at(1)), "a close at the end counts")
	assert.Equal(t, 3, countUntil(sorted, at(2)), "equal times all count")
	assert.Equal(t, 3, countUntil(sorted, at(4)))
	assert.Equal(t, 4, countUntil(sorted, at(9)))
	assert.Equal(t, 0, countUntil(nil, at(9)))
}

func TestScaleSteps(t *testing.T) {
	assert.Equal(t, []int{5}, scaleSteps(5))
	assert.Equal(t, []int{1000}, scaleSteps(1000))
	assert.Equal(t, []int{1000, 10000, 30000}, scaleSteps(30000))
	assert.Equal(t, []int{1000, 10000, 30000, 60000, 100000, 120000}, scaleSteps(120000))
}

func TestOfferedRate(t *testing.T) {
	rate, floor := offeredRate(0.5, 10, 4*time.Second)
	assert.InDelta(t, 5.0, rate, 1e-9, "half of 10 cases/s")
	assert.False(t, floor)
	// The CI run that closed 0.1 cases/s through the API: half of it times no
	// case in 4 s, so the level is offered 3 cases in those 4 s.
	rate, floor = offeredRate(0.5, 0.1, 4*time.Second)
	assert.InDelta(t, 0.75, rate, 1e-9)
	assert.True(t, floor)
	assert.GreaterOrEqual(t, int(rate*4), minClosed, "the floor times minClosed cases")
}

func TestPhasesNameEachStepFromTheOneBefore(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	plc := caseTimes{opened: at(0), answered: at(20), handed: at(50), decided: at(30_050), closed: at(30_080)}
	assert.Equal(t, "30.08s in all, intake answered +20ms, engineer's mail +30ms, verdict applied +30s, last event applied +30ms", plc.phases())
	// A consultation has no mail and no verdict: its steps are left out.
	c := caseTimes{opened: at(0), answered: at(15), closed: at(40)}
	assert.Equal(t, "40ms in all, intake answered +15ms, last event applied +25ms", c.phases())
}
