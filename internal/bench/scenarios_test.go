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
