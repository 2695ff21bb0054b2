package testkit

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/kabinet/kabinet/app"
)

// Mail is one message the SMTP fixture received.
type Mail struct {
	From, To string
	Subject  string // decoded
	Body     string // decoded text
	Header   mail.Header
	TLS      bool // the message came over TLS
}

// SMTPServer is a real SMTP server on 127.0.0.1 (github.com/emersion/go-smtp)
// that keeps what it receives. Recipients containing "reject" are refused
// with 550.
type SMTPServer struct {
	URL  string // smtp://127.0.0.1:port
	Mail chan Mail
}

// SMTPOptions configure the SMTP fixture.
type SMTPOptions struct {
	// TLS offers STARTTLS with this configuration; with Implicit, the
	// listener speaks TLS from the first byte (smtps).
	TLS      *tls.Config
	Implicit bool
	// User and Password, when set, are required with AUTH PLAIN.
	User, Password string
}

// StartSMTP starts a plain-text fixture; it stops at cleanup.
func StartSMTP(tb testing.TB) *SMTPServer { return StartSMTPWith(tb, SMTPOptions{}) }

// StartSMTPWith starts a fixture with TLS and authentication as configured.
func StartSMTPWith(tb testing.TB, o SMTPOptions) *SMTPServer {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtp fixture: %v", err)
	}
	scheme := "smtp://"
	if o.Implicit {
		ln, scheme = tls.NewListener(ln, o.TLS), "smtps://"
	}
	f := &SMTPServer{URL: scheme + ln.Addr().String(), Mail: make(chan Mail, 100)}
	if o.User != "" {
		f.URL = scheme + url.UserPassword(o.User, o.Password).String() + "@" + ln.Addr().String()
	}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		if o.User != "" {
			return &smtpAuthSession{smtpSession: smtpSession{f: f, conn: c}, user: o.User, pass: o.Password}, nil
		}
		return &smtpSession{f: f, conn: c}, nil
	}))
	s.Domain = "localhost"
	if !o.Implicit {
		s.TLSConfig = o.TLS
	}
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	go s.Serve(ln)
	tb.Cleanup(func() { s.Close() })
	return f
}

// Next returns the next received message, failing the test after 10 s.
func (f *SMTPServer) Next(tb testing.TB) Mail {
	tb.Helper()
	select {
	case m := <-f.Mail:
		return m
	case <-time.After(10 * time.Second):
		tb.Fatalf("no email arrived at the SMTP fixture")
		return Mail{}
	}
}

type smtpSession struct {
	f        *SMTPServer
	conn     *smtp.Conn
	from, to string
	authed   bool
}

// smtpAuthSession requires AUTH PLAIN before MAIL.
type smtpAuthSession struct {
	smtpSession
	user, pass string
}

func (s *smtpAuthSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *smtpAuthSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.user || pass != s.pass {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *smtpAuthSession) Mail(from string, o *smtp.MailOptions) error {
	if !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	return s.smtpSession.Mail(from, o)
}

func (s *smtpSession) Reset()        { s.from, s.to = "", "" }
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.Contains(to, "reject") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	s.to = to
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body []byte
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body, err = io.ReadAll(quotedprintable.NewReader(msg.Body))
	} else {
		body, err = io.ReadAll(msg.Body)
	}
	if err != nil {
		return err
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.f.Mail <- Mail{From: s.from, To: s.to, Subject: subj, Body: strings.ReplaceAll(string(body), "\r\n", "\n"), Header: msg.Header, TLS: isTLS}
	return nil
}

// SMS is one message the SMS gateway fixture received.
type SMS struct {
	To, Text       string
	IdempotencyKey string
}

// SMSGateway is an httptest server speaking the webhook of docs/contract.md §Configuration:
// POST {"to","text"}. Numbers ending in "0000" get HTTP 503.
type SMSGateway struct {
	URL string
	SMS chan SMS
}

// StartSMSGateway starts the fixture; it stops at cleanup.
func StartSMSGateway(tb testing.TB) *SMSGateway {
	tb.Helper()
	g := &SMSGateway{SMS: make(chan SMS, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ To, Text string }
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&in) != nil || in.To == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if strings.HasSuffix(in.To, "0000") {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		g.SMS <- SMS{To: in.To, Text: in.Text, IdempotencyKey: r.Header.Get("Idempotency-Key")}
		w.WriteHeader(http.StatusAccepted)
	}))
	tb.Cleanup(srv.Close)
	g.URL = srv.URL + "/sms"
	return g
}

// Next returns the next received SMS, failing the test after 10 s.
func (g *SMSGateway) Next(tb testing.TB) SMS {
	tb.Helper()
	select {
	case m := <-g.SMS:
		return m
	case <-time.After(10 * time.Second):
		tb.Fatalf("no SMS arrived at the gateway fixture")
		return SMS{}
	}
}

// WithSMTP points the email invitations at an SMTP server.
func WithSMTP(url, from string) Option {
	return func(c *app.Config, _ *app.Options) { c.SMTPURL, c.SMTPFrom = url, from }
}

// WithSMSWebhook points the SMS invitations at a gateway.
func WithSMSWebhook(url string) Option {
	return func(c *app.Config, _ *app.Options) { c.SMSWebhookURL = url }
}
