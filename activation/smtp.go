package activation

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPSender sends invitations by email (KABINET_SMTP_URL, KABINET_SMTP_FROM)
// through github.com/wneessen/go-mail, which composes the MIME message
// (RFC 2047 encoded-words for Cyrillic subjects and names, quoted-printable
// UTF-8 text) and speaks SMTP (STARTTLS, implicit TLS, AUTH).
//
// smtp://user:pass@host:587 uses STARTTLS, which is required unless the host
// is a loopback address (a local relay); smtps://user:pass@host:465 uses
// implicit TLS. Credentials are sent with AUTH PLAIN. The outbox id is the
// Message-ID, so a message sent again after a crash is the same message to
// the receiver.
type SMTPSender struct {
	host        string
	port        int
	implicitTLS bool
	user, pass  string
	from        *mail.Address
	TLSConfig   *tls.Config // nil: system roots, ServerName = host
	Timeout     time.Duration
	LocalName   string // HELO name; "localhost" when empty
	requireTLS  bool
	idDomain    string
}

// NewSMTPSender parses the server URL and the From address.
func NewSMTPSender(rawURL, from string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("KABINET_SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
	}
	if from == "" {
		return nil, errors.New("KABINET_SMTP_FROM must be set when KABINET_SMTP_URL is")
	}
	fa, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("KABINET_SMTP_FROM=%q is not an email address", from)
	}
	s := &SMTPSender{host: u.Hostname(), implicitTLS: u.Scheme == "smtps", from: fa, Timeout: 30 * time.Second, port: 587}
	if s.implicitTLS {
		s.port = 465
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("KABINET_SMTP_URL: port %q is not a number", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	ip := net.ParseIP(s.host)
	s.requireTLS = !(s.host == "localhost" || (ip != nil && ip.IsLoopback()))
	if at := strings.LastIndexByte(fa.Address, '@'); at >= 0 {
		s.idDomain = fa.Address[at+1:]
	}
	return s, nil
}

// Send delivers one message in its own SMTP conversation.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg, err := s.compose(m)
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(s.host, s.clientOptions()...)
	if err != nil {
		return fmt.Errorf("SMTP: %v", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("SMTP %s: %v", s.stage(err), err)
	}
	return nil
}

func (s *SMTPSender) clientOptions() []gomail.Option {
	helo := s.LocalName
	if helo == "" {
		helo = "localhost"
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(s.Timeout), gomail.WithHELO(helo),
		gomail.WithTLSConfig(s.tlsConfig())}
	switch {
	case s.implicitTLS:
		opts = append(opts, gomail.WithSSL())
	case s.requireTLS:
		// The invitation carries an activation code: never in clear text
		// over the network.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	return opts
}

// stage names the step that failed, for the outbox's lastError.
func (s *SMTPSender) stage(err error) string {
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "tls") || strings.Contains(msg, "certificate"):
		return "STARTTLS"
	case strings.Contains(msg, "auth"):
		return "AUTH"
	case strings.Contains(msg, "dial") || strings.Contains(msg, "connect"):
		return "server unreachable"
	}
	return "delivery"
}

func (s *SMTPSender) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		return s.TLSConfig
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

// compose builds the message. A header value with a line break is refused
// before go-mail sees it.
func (s *SMTPSender) compose(m Message) (*gomail.Msg, error) {
	for _, v := range []string{m.Subject, m.To, m.ID} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, errors.New("invalid header value")
		}
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, errors.New("invalid email address")
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP), gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	msg.AddToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.ID + "@" + s.idDomain)
	msg.SetDateWithValue(time.Now())
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, strings.ReplaceAll(m.Text, "\r\n", "\n"))
	return msg, nil
}
