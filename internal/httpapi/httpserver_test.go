package httpapi

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTPServerLimits: the API's server bounds every phase of a request, and
// its write timeout outlasts the slowest request it serves (a body read in
// full, then an event waiting for its case).
func TestHTTPServerLimits(t *testing.T) {
	srv := NewHTTPServer(http.NotFoundHandler())
	assert.Equal(t, ReadHeaderTimeout, srv.ReadHeaderTimeout)
	assert.Equal(t, ReadTimeout, srv.ReadTimeout)
	assert.Equal(t, WriteTimeout, srv.WriteTimeout)
	assert.Equal(t, IdleTimeout, srv.IdleTimeout)
	assert.Equal(t, MaxHeaderBytes, srv.MaxHeaderBytes)
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
		assert.Positive(t, d, name)
	}
	assert.LessOrEqual(t, srv.ReadHeaderTimeout, srv.ReadTimeout)
	assert.Greater(t, srv.WriteTimeout, srv.ReadTimeout+updateTimeout, "an event may read its body, then wait updateTimeout")
	assert.Greater(t, srv.WriteTimeout, callTimeout+srv.ReadTimeout)
	assert.Less(t, srv.MaxHeaderBytes, http.DefaultMaxHeaderBytes)
}

// TestHTTPServerRefusesLargeHeaders: over a real connection, a header over
// MaxHeaderBytes is answered 431 and never reaches the API; one within it does.
func TestHTTPServerRefusesLargeHeaders(t *testing.T) {
	api, _ := newFakeAPI(t, nil)
	srv := NewHTTPServer(api)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	get := func(extra int) int {
		t.Helper()
		conn, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
		_, err = fmt.Fprintf(conn, "GET /v1/case-types HTTP/1.1\r\nHost: caseflow\r\nAuthorization: %s\r\nX-Pad: %s\r\nConnection: close\r\n\r\n",
			bearer("operator"), strings.Repeat("p", extra))
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, get(MaxHeaderBytes/2))
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, get(MaxHeaderBytes+8<<10))
}
