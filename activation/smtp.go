package activation

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// SMTPSender sends invitations by email (KABINET_SMTP_URL, KABINET_SMTP_FROM).
//
// smtp://user:pass@host:587 uses STARTTLS, which is required unless the host
// is a loopback address (a local relay); smtps://user:pass@host:465 uses
// implicit TLS. Credentials are sent with AUTH PLAIN, only over TLS (or to a
// loopback relay). Messages are plain-text UTF-8 MIME, quoted-printable,
// with an RFC 2047 subject and the outbox id as Message-ID.
type SMTPSender struct {
	host, addr   string
	implicitTLS  bool
	user, pass   string
	from         *mail.Address
	TLSConfig    *tls.Config // nil: system roots, ServerName = host
	Timeout      time.Duration
	LocalName    string // HELO name; "localhost" when empty
	requireTLS   bool
	messageIDDom string
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
	s := &SMTPSender{host: u.Hostname(), implicitTLS: u.Scheme == "smtps", from: fa, Timeout: 30 * time.Second}
	port := u.Port()
	if port == "" {
		port = "587"
		if s.implicitTLS {
			port = "465"
		}
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	ip := net.ParseIP(s.host)
	s.requireTLS = !(s.host == "localhost" || (ip != nil && ip.IsLoopback()))
	if at := strings.LastIndexByte(fa.Address, '@'); at >= 0 {
		s.messageIDDom = fa.Address[at+1:]
	}
	return s, nil
}

// Send delivers one message in its own SMTP conversation.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("invalid email address")
	}
	msg, err := s.compose(m, to)
	if err != nil {
		return err
	}
	conn, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("SMTP server unreachable: %v", err)
	}
	defer conn.Close()
	deadline := time.Now().Add(s.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("SMTP: %v", err)
	}
	defer c.Close()
	name := s.LocalName
	if name == "" {
		name = "localhost"
	}
	if err := c.Hello(name); err != nil {
		return fmt.Errorf("SMTP HELO: %v", err)
	}
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("SMTP STARTTLS: %v", err)
			}
		} else if s.requireTLS {
			return errors.New("SMTP server does not offer STARTTLS; refusing to send the code in clear text")
		}
	}
	if s.user != "" {
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("SMTP AUTH: %v", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("SMTP MAIL FROM: %v", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("SMTP RCPT TO: %v", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %v", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("SMTP DATA: %v", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP DATA: %v", err)
	}
	_ = c.Quit() // the message is accepted; a failed QUIT changes nothing
	return nil
}

func (s *SMTPSender) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		return s.TLSConfig
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

func (s *SMTPSender) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{Timeout: 15 * time.Second}
	if s.implicitTLS {
		td := &tls.Dialer{NetDialer: d, Config: s.tlsConfig()}
		return td.DialContext(ctx, "tcp", s.addr)
	}
	return d.DialContext(ctx, "tcp", s.addr)
}

// compose builds the MIME message.
func (s *SMTPSender) compose(m Message, to *mail.Address) ([]byte, error) {
	for _, v := range []string{m.Subject, m.To} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, errors.New("invalid header value")
		}
	}
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", s.from.String())
	h("To", to.String())
	h("Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	h("Date", time.Now().UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+m.ID+"@"+s.messageIDDom+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	h("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Text, "\r\n", "\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
