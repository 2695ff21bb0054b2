package activation_test

import (
	"context"
	"crypto/tls"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/activation"
	"github.com/kabinet/kabinet/internal/testkit"
)

// testTLS returns a server configuration with httptest's certificate (valid
// for 127.0.0.1) and a client configuration that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	return &tls.Config{Certificates: srv.TLS.Certificates}, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func TestSMTPSender(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	text := "Здравствуйте, Иван Иванович!\n\n" + strings.Repeat("Очень длинная строка письма, которая не помещается в 76 символов. ", 3) +
		"\nКод: ABCD-EFGH-JKMN"
	msg := activation.Message{ID: "inv_test", Channel: "EMAIL", To: "Иванов Иван Иванович <ivanov@example.com>", Subject: "Приглашение в «Кабинет»", Text: text}
	for _, tt := range []struct {
		name string
		opts testkit.SMTPOptions
	}{
		{"STARTTLS", testkit.SMTPOptions{TLS: serverTLS, User: "kabinet", Password: "p@ss:word"}},
		{"ImplicitTLS", testkit.SMTPOptions{TLS: serverTLS, Implicit: true, User: "kabinet", Password: "secret"}},
		{"PlainLoopback", testkit.SMTPOptions{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := testkit.StartSMTPWith(t, tt.opts)
			s, err := activation.NewSMTPSender(f.URL, "Кабинет сотрудника <noreply@example.com>")
			if err != nil {
				t.Fatal(err)
			}
			s.TLSConfig = clientTLS
			if err := s.Send(context.Background(), msg); err != nil {
				t.Fatalf("send: got %v, want nil", err)
			}
			m := f.Next(t)
			// The outbox sends again after a crash: the same Message-ID lets
			// the receiver drop the repeat.
			if err := s.Send(context.Background(), msg); err != nil {
				t.Fatalf("resend: got %v, want nil", err)
			}
			if again := f.Next(t); again.Header.Get("Message-ID") != m.Header.Get("Message-ID") {
				t.Errorf("resend: got Message-ID %q, want %q", again.Header.Get("Message-ID"), m.Header.Get("Message-ID"))
			}
			for _, h := range []string{"Subject", "From", "To"} {
				if raw := m.Header.Get(h); !strings.Contains(strings.ToUpper(raw), "=?UTF-8?") || !isASCII(raw) {
					t.Errorf("got raw %s %q, want RFC 2047 encoded-words", h, raw)
				}
			}
			if _, err := m.Header.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
			if m.TLS != (tt.opts.TLS != nil) {
				t.Errorf("got TLS %v, want %v", m.TLS, tt.opts.TLS != nil)
			}
			if m.Subject != msg.Subject || strings.TrimSuffix(m.Body, "\n") != text || m.To != "ivanov@example.com" || m.From != "noreply@example.com" {
				t.Errorf("got %q / %q from %s to %s, want the subject and text sent", m.Subject, m.Body, m.From, m.To)
			}
			from, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("From"))
			if from != "Кабинет сотрудника <noreply@example.com>" {
				t.Errorf("got From %q, want the UTF-8 name", from)
			}
			to, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("To"))
			if to != msg.To {
				t.Errorf("got To %q, want %q", to, msg.To)
			}
			if got := m.Header.Get("Message-ID"); got != "<inv_test@example.com>" {
				t.Errorf("got Message-ID %q, want <inv_test@example.com>", got)
			}
		})
	}
	t.Run("ErrWrongPassword", func(t *testing.T) {
		f := testkit.StartSMTPWith(t, testkit.SMTPOptions{TLS: serverTLS, User: "kabinet", Password: "right"})
		s, err := activation.NewSMTPSender(strings.Replace(f.URL, "right", "wrong", 1), "noreply@example.com")
		if err != nil {
			t.Fatal(err)
		}
		s.TLSConfig = clientTLS
		if err := s.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "AUTH") {
			t.Errorf("got %v, want an AUTH error", err)
		}
	})
	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		f := testkit.StartSMTPWith(t, testkit.SMTPOptions{TLS: serverTLS})
		s, _ := activation.NewSMTPSender(f.URL, "noreply@example.com")
		if err := s.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("got %v, want a STARTTLS certificate error", err)
		}
	})
	t.Run("ErrHeaderInjection", func(t *testing.T) {
		f := testkit.StartSMTP(t)
		s, _ := activation.NewSMTPSender(f.URL, "noreply@example.com")
		bad := msg
		bad.Subject = "hi\r\nBcc: everyone@example.com"
		if err := s.Send(context.Background(), bad); err == nil {
			t.Error("got nil, want an error for a subject with a line break")
		}
	})
	t.Run("ErrConfig", func(t *testing.T) {
		for _, c := range [][2]string{{"http://host", "a@b.c"}, {"smtp://host:587", ""}, {"smtp://host:587", "not an address"}} {
			if _, err := activation.NewSMTPSender(c[0], c[1]); err == nil {
				t.Errorf("NewSMTPSender(%q, %q): got nil, want an error", c[0], c[1])
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
