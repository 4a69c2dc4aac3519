package main

import (
	"bytes"
	"context"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"--help"}, &out, &errOut)
	require.ErrorIs(t, err, flag.ErrHelp)
	assert.Contains(t, errOut.String(), "caseflow-bench [flags]")
	assert.Contains(t, errOut.String(), "-quick")
	assert.Empty(t, out.String())
}

// A bad flag value is refused before the embedded server starts.
func TestBadSynchronous(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"--synchronous", "OFF"}, &out, &errOut)
	require.ErrorContains(t, err, `--synchronous "OFF"`)
	assert.Empty(t, out.String())
}
