//go:build unix

package crashtest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowSMTP is a TCP proxy in front of an SMTP server that holds back the server's
// answer to the end of each letter's DATA for hold. The server has then accepted
// the letter while the sender still waits to hear so: a delivery stays in flight
// long enough for a shutdown to meet it.
type slowSMTP struct {
	ln     net.Listener
	target string
	hold   time.Duration
	// holding is cleared once the test needs no more held answers.
	holding atomic.Bool

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

// startSlowSMTP proxies a loopback port to target until the test ends.
func startSlowSMTP(t *testing.T, target string, hold time.Duration) *slowSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("unable to listen for the SMTP proxy: %v", err)
	}
	p := &slowSMTP{ln: ln, target: target, hold: hold}
	p.holding.Store(true)
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// Addr is the proxy's host:port.
func (p *slowSMTP) Addr() string { return p.ln.Addr().String() }

func (p *slowSMTP) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		ends := make(chan struct{}, 64)
		p.wg.Go(func() { p.fromClient(c, s, ends) })
		p.wg.Go(func() { p.fromServer(s, c, ends) })
	}
}

// fromClient copies the client's bytes to the server and, each time a letter's
// data ends ("\r\n.\r\n" after DATA), tells fromServer to hold the next answer.
// The signal goes before the bytes, so the answer cannot overtake it.
func (p *slowSMTP) fromClient(client, server net.Conn, ends chan<- struct{}) {
	defer closeWrite(server)
	var line []byte // the command line being read, outside DATA
	var tail []byte // the last bytes of the data, inside DATA
	inData := false
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		for _, b := range buf[:n] {
			if inData {
				tail = append(tail, b)
				if len(tail) > 5 {
					tail = tail[1:]
				}
				if bytes.Equal(tail, []byte("\r\n.\r\n")) {
					inData, tail = false, nil
					ends <- struct{}{}
				}
				continue
			}
			line = append(line, b)
			if b == '\n' {
				if bytes.EqualFold(bytes.TrimSpace(line), []byte("DATA")) {
					inData, tail = true, []byte("\r\n")
				}
				line = line[:0]
			}
		}
		if n > 0 {
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// fromServer copies the server's answers to the client, holding back the one
// that follows the end of a letter's data.
func (p *slowSMTP) fromServer(server, client net.Conn, ends <-chan struct{}) {
	defer closeWrite(client)
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			select {
			case <-ends:
				if p.holding.Load() {
					time.Sleep(p.hold)
				}
			default:
			}
			if _, werr := client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				_ = client.Close()
			}
			return
		}
	}
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		return
	}
	_ = c.Close()
}
