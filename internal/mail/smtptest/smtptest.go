// Package smtptest runs a real SMTP server on loopback for tests across caseflow:
// it keeps every accepted letter decoded (RFC 2047 subjects, quoted-printable or
// base64 bodies) and injects faults: transient failures, refused recipients and an
// unavailable server.
package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one letter the server accepted.
type Message struct {
	// MailFrom and Rcpt are the envelope (MAIL FROM, RCPT TO).
	MailFrom string
	Rcpt     []string
	// From, To and Cc are the header addresses, without display names.
	From string
	To   []string
	Cc   []string
	// Subject is decoded from RFC 2047.
	Subject string
	// Body is the first text part decoded to UTF-8 text, with \n line ends and no
	// trailing newline.
	Body string
	// MessageID is the Message-ID header as sent, angle brackets included.
	MessageID string
	// Date is the parsed Date header (zero when absent or malformed).
	Date time.Time
	// Header holds every header field; Raw is the letter as received.
	Header mail.Header
	Raw    []byte
}

// Server is an SMTP server on a free loopback port, closed when the test ends.
type Server struct {
	srv *smtp.Server
	ln  net.Listener

	mu         sync.Mutex
	msgs       []Message
	failNext   int
	rejected   map[string]bool
	deferred   map[string]bool
	refuseData int
	down       bool
	changed    chan struct{}
}

// Start runs a server for the test; it is closed by t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("unable to listen for the test SMTP server: %v", err)
	}
	s := &Server{rejected: map[string]bool{}, deferred: map[string]bool{}, changed: make(chan struct{})}
	s.ln = &faultListener{Listener: ln, s: s}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = s.srv.Serve(s.ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Messages returns the letters accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor waits until at least n letters were accepted and returns them all; after
// timeout it returns what arrived with an error.
func (s *Server) WaitFor(n int, timeout time.Duration) ([]Message, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs, changed := append([]Message(nil), s.msgs...), s.changed
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return msgs, fmt.Errorf("unable to get %d letters within %s: %d arrived", n, timeout, len(msgs))
		}
	}
}

// CountByMessageID counts accepted letters per Message-ID: any count above 1 is a
// letter mailed twice.
func (s *Server) CountByMessageID() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, m := range s.msgs {
		out[m.MessageID]++
	}
	return out
}

// Reset forgets the accepted letters and clears every injected fault.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs, s.failNext, s.rejected, s.deferred, s.refuseData, s.down = nil, 0, map[string]bool{}, map[string]bool{}, 0, false
}

// FailNext makes the next n mail transactions fail with 451 (transient) at MAIL FROM.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// RejectRecipient makes RCPT TO for addr (case-insensitive) fail with 550 (permanent).
func (s *Server) RejectRecipient(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[strings.ToLower(addr)] = true
}

// DeferRecipient makes RCPT TO for addr (case-insensitive) fail with 450
// (transient: mailbox busy) until Reset.
func (s *Server) DeferRecipient(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deferred[strings.ToLower(addr)] = true
}

// RefuseData makes the next n letters fail with 554 (permanent) at the end of DATA.
func (s *Server) RefuseData(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseData = n
}

// takeDataRefusal consumes one injected DATA refusal, if any is left.
func (s *Server) takeDataRefusal() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuseData > 0 {
		s.refuseData--
		return true
	}
	return false
}

func (s *Server) isDeferred(addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deferred[strings.ToLower(addr)]
}

// SetDown makes the server answer new connections with 421 and hang up (down=true),
// or serve them again (false).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (s *Server) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

// takeFailure consumes one injected transient failure, if any is left.
func (s *Server) takeFailure() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return true
	}
	return false
}

func (s *Server) isRejected(addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected[strings.ToLower(addr)]
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

// faultListener greets connections with 421 while the server is down.
type faultListener struct {
	net.Listener
	s *Server
}

// Accept returns the next connection to serve, turning away those that arrive
// while the server is down.
func (l *faultListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.s.isDown() {
			return c, err
		}
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(c, "421 4.3.2 Service not available, closing transmission channel\r\n")
		_ = c.Close()
	}
}

type backend struct{ s *Server }

// NewSession implements smtp.Backend.
func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	rcpt []string
}

// Reset implements smtp.Session: it drops the transaction in progress.
func (se *session) Reset() { se.from, se.rcpt = "", nil }

// Logout implements smtp.Session.
func (se *session) Logout() error { return nil }

// Mail implements smtp.Session, failing while injected transient failures remain.
func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.takeFailure() {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure (injected), try again later"}
	}
	se.from = from
	return nil
}

// Rcpt implements smtp.Session, refusing the rejected recipients and deferring
// the deferred ones.
func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.s.isRejected(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox unavailable (injected)"}
	}
	if se.s.isDeferred(to) {
		return &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "Mailbox busy (injected), try again later"}
	}
	se.rcpt = append(se.rcpt, to)
	return nil
}

// Data implements smtp.Session: it decodes and keeps the letter.
func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if se.s.takeDataRefusal() {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Message refused (injected)"}
	}
	m, err := decode(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Malformed message: " + err.Error()}
	}
	m.MailFrom, m.Rcpt = se.from, append([]string(nil), se.rcpt...)
	se.s.add(m)
	return nil
}

// decode parses a raw letter into a Message.
func decode(raw []byte) (Message, error) {
	pm, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("unable to parse letter: %w", err)
	}
	m := Message{Header: pm.Header, Raw: raw, MessageID: pm.Header.Get("Message-Id")}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(pm.Header.Get("Subject")); err != nil {
		return Message{}, fmt.Errorf("unable to decode subject: %w", err)
	}
	if from, err := pm.Header.AddressList("From"); err == nil && len(from) > 0 {
		m.From = from[0].Address
	}
	m.To = addresses(pm.Header, "To")
	m.Cc = addresses(pm.Header, "Cc")
	if d, err := pm.Header.Date(); err == nil {
		m.Date = d
	}
	body, err := textBody(pm.Header.Get("Content-Type"), pm.Header.Get("Content-Transfer-Encoding"), pm.Body)
	if err != nil {
		return Message{}, err
	}
	m.Body = strings.TrimRight(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	return m, nil
}

func addresses(h mail.Header, field string) []string {
	list, err := h.AddressList(field)
	if err != nil {
		return nil
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out
}

// textBody returns the first text part of a body, transfer-decoded.
func textBody(contentType, encoding string, r io.Reader) (string, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if contentType == "" || err != nil {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return "", nil
			}
			if err != nil {
				return "", fmt.Errorf("unable to read multipart body: %w", err)
			}
			ct := p.Header.Get("Content-Type")
			if ct == "" || strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "multipart/") {
				return textBody(ct, p.Header.Get("Content-Transfer-Encoding"), p)
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("unable to decode body: %w", err)
	}
	return string(b), nil
}
