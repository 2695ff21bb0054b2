package activation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Message is one invitation to deliver.
type Message struct {
	// ID is the outbox id: stable across retries of the same message, sent
	// as the email's Message-ID and the SMS request's Idempotency-Key so
	// that a receiver can drop a repeat after a crash.
	ID      string
	Channel string // EMAIL or SMS
	To      string // email address or E.164 phone number
	Subject string // email only
	Text    string
}

// Sender delivers invitations of one channel. Send returns nil only when the
// message was accepted by the next hop (SMTP server, SMS gateway); its
// error text is shown to HR, so it must not carry the message text.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender writes invitations to the log instead of sending them. It is
// used when no SMTP server or SMS gateway is configured, so that the whole
// flow works on a laptop. It is the one place that logs the text of an
// invitation, activation code included: the operator running a demo needs
// the code. Do not use it in production.
type LogSender struct {
	Logger *slog.Logger
}

// Send logs the message.
func (l LogSender) Send(ctx context.Context, m Message) error {
	logger := l.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.InfoContext(ctx, "invitation (log sender: no "+m.Channel+" delivery configured)",
		"channel", m.Channel, "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}

// SMSSender posts invitations to an HTTP SMS gateway (KABINET_SMS_WEBHOOK_URL):
// POST {"to": "+7…", "text": "…"} as JSON, with an Idempotency-Key header.
// Any answer but 2xx is a failure.
type SMSSender struct {
	URL    string
	Client *http.Client // nil: a client with a 15-second timeout
}

// NewSMSSender checks the gateway URL and returns the sender.
func NewSMSSender(rawURL string) (*SMSSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("KABINET_SMS_WEBHOOK_URL must be an http(s) URL")
	}
	return &SMSSender{URL: rawURL, Client: &http.Client{Timeout: 15 * time.Second}}, nil
}

// Send posts the message to the gateway.
func (s *SMSSender) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(map[string]string{"to": m.To, "text": m.Text})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Idempotency-Key", m.ID)
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("SMS gateway unreachable: %v", redactURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("SMS gateway answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// redactURL drops the URL (which may hold a gateway token) from a client error.
func redactURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
