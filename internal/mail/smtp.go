package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/caseflow/caseflow/activities"
)

// TLS modes of SMTPConfig.
const (
	// TLSNone speaks plain SMTP (a relay on loopback, tests).
	TLSNone = "none"
	// TLSStartTLS requires STARTTLS on a plain connection (port 587); the default.
	TLSStartTLS = "starttls"
	// TLSImplicit connects over TLS from the start (port 465).
	TLSImplicit = "tls"
)

// DefaultSMTPTimeout bounds one SMTP conversation when SMTPConfig.Timeout is zero.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	// Addr is the server as host:port.
	Addr string
	// Username and Password authenticate (the mechanism is negotiated); empty
	// Username means no authentication.
	Username string
	Password string
	// TLS is TLSNone, TLSStartTLS (default) or TLSImplicit.
	TLS string
	// HelloName is the name sent in EHLO; empty means the library's default (the
	// local host name).
	HelloName string
	// Timeout bounds connecting and each command; zero means DefaultSMTPTimeout.
	Timeout time.Duration
}

// SMTPTransport delivers letters to an SMTP server as UTF-8 text/plain, one
// connection per letter.
type SMTPTransport struct {
	host string
	opts []gomail.Option
}

var _ Transport = (*SMTPTransport)(nil)

// NewSMTP checks cfg and returns a transport for it. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTPTransport, error) {
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("unable to use SMTP address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("unable to use SMTP address %q: bad port: %w", cfg.Addr, err)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	opts := []gomail.Option{gomail.WithTimeout(timeout)}
	switch strings.ToLower(cfg.TLS) {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "", TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("unable to use SMTP TLS mode %q: want %s, %s or %s", cfg.TLS, TLSNone, TLSStartTLS, TLSImplicit)
	}
	opts = append(opts, gomail.WithPort(port))
	if cfg.HelloName != "" {
		opts = append(opts, gomail.WithHELO(cfg.HelloName))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	t := &SMTPTransport{host: host, opts: opts}
	if _, err := t.client(); err != nil {
		return nil, err
	}
	return t, nil
}

// client makes a library client for one delivery.
func (t *SMTPTransport) client() (*gomail.Client, error) {
	c, err := gomail.NewClient(t.host, t.opts...)
	if err != nil {
		return nil, fmt.Errorf("unable to configure SMTP client: %w", err)
	}
	return c, nil
}

// Deliver sends one letter: From, To, Cc, Subject (RFC 2047 encoded when not
// ASCII), Message-ID and Date (letter.SentAt, or now) headers and a UTF-8
// quoted-printable text/plain body. Attachments are references only and are not
// carried. A 5xx answer in the mail transaction (MAIL, RCPT — one refused
// recipient fails the letter — or DATA) and an address that does not parse are
// *activities.PermanentError (Bounced at RCPT or DATA); 4xx answers and connection, greeting, TLS or
// authentication failures are plain errors, left to retries. An error's text
// names no mail address (see redact).
func (t *SMTPTransport) Deliver(ctx context.Context, letter activities.SentMail) error {
	msg, err := buildMessage(letter)
	if err != nil {
		return &activities.PermanentError{Err: redact(err)}
	}
	c, err := t.client()
	if err != nil {
		return err
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		err = fmt.Errorf("unable to deliver over SMTP: %w", err)
		if isPermanent(err) {
			return &activities.PermanentError{Err: redact(err), Bounced: isBounce(err)}
		}
		return redact(err)
	}
	return nil
}

// addressPattern matches a mail address as SMTP replies and go-mail's errors
// quote it (bare, in <>, in quotes).
var addressPattern = regexp.MustCompile(`[^\s<>()\[\],;:"'@]+@[^\s<>()\[\],;:"'@]+`)

// redactedAddress stands for a mail address in an error.
const redactedAddress = "[address]"

// redact rewrites err without the mail addresses in its text: the error goes
// into logs, the outbox's error column and the activity failure in Temporal's
// history, and a recipient's address is personal data. The error chain is cut
// (a cause would carry the addresses along) but for a context's cancellation.
func redact(err error) error {
	r := &redactedError{msg: addressPattern.ReplaceAllStringFunc(err.Error(), func(a string) string {
		if strings.HasSuffix(a, "@"+messageIDDomain) {
			return a // a Message-ID of ours, no one's address
		}
		return redactedAddress
	})}
	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, ctxErr) {
			r.ctxErr = ctxErr
		}
	}
	return r
}

// redactedError is an error text without addresses.
type redactedError struct {
	msg    string
	ctxErr error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.ctxErr }

// buildMessage renders a letter as a go-mail message.
func buildMessage(l activities.SentMail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(l.From); err != nil {
		return nil, fmt.Errorf("unable to use sender %q: %w", l.From, err)
	}
	if err := msg.To(l.To...); err != nil {
		return nil, fmt.Errorf("unable to use recipients %q: %w", l.To, err)
	}
	if len(l.Cc) > 0 {
		if err := msg.Cc(l.Cc...); err != nil {
			return nil, fmt.Errorf("unable to use copy recipients %q: %w", l.Cc, err)
		}
	}
	msg.Subject(l.Subject)
	msg.SetMessageIDWithValue(strings.Trim(l.MessageID, "<>"))
	date := l.SentAt
	if date.IsZero() {
		date = time.Now()
	}
	msg.SetDateWithValue(date)
	msg.SetUserAgent("caseflow")
	msg.SetBodyString(gomail.TypeTextPlain, l.Body)
	return msg, nil
}

// isBounce reports a refusal at RCPT (the recipient's address) or DATA (the
// letter): the recipient will not read it, and a case waiting for their
// decision escalates at once (activities.ErrTypeBounced). A 5xx at MAIL FROM
// is the sender's problem, not the recipient's: permanent, not a bounce.
func isBounce(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return true
	}
	return false
}

// isPermanent reports a 5xx answer within the mail transaction.
func isPermanent(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	code := se.ErrorCode()
	return code >= 500 && code < 600
}
