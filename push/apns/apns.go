// Package apns sends push notifications to iOS devices through the Apple
// Push Notification service, using github.com/sideshow/apns2 with token
// (.p8, ES256 JWT) authentication over HTTP/2, and maps APNs' answers to
// push outcomes.
//
// apns2 returns APNs' rejections (410, 400, 429, 5xx) as a *Response, not
// as an error; errors are transport failures only. The Response carries no
// headers, so the HTTP client is wrapped to capture Retry-After for the one
// request.
package apns

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/token"
	"golang.org/x/net/http2"

	"github.com/kabinet/kabinet/push"
)

// Environments.
const (
	Production  = "production"
	Development = "development"
)

// DefaultTimeout bounds one Send unless ctx ends earlier.
const DefaultTimeout = 15 * time.Second

// Config configures a Sender.
type Config struct {
	// KeyFile is the .p8 signing key (KABINET_APNS_KEY_FILE); Key, when
	// set, is its content and wins.
	KeyFile string
	Key     []byte
	// KeyID and TeamID identify the key (KABINET_APNS_KEY_ID, _TEAM_ID).
	KeyID, TeamID string
	// Topic is the app's bundle id (KABINET_APNS_TOPIC).
	Topic string
	// Environment is Production (default) or Development (KABINET_APNS_ENV).
	Environment string
	// Host overrides the environment's host (KABINET_APNS_HOST), e.g.
	// "https://127.0.0.1:8443".
	Host string
	// CAFile is a PEM file of extra root CAs trusted for the host, on top
	// of the system roots (KABINET_APNS_CA_FILE).
	CAFile string
	// Timeout bounds one Send; 0 means DefaultTimeout.
	Timeout time.Duration
	// Now is the clock for expiry and Retry-After dates; nil means time.Now.
	// (apns2 signs its JWTs with the wall clock, as APNs requires.)
	Now func() time.Time
}

// Sender sends through APNs. It is safe for concurrent use; create one per
// process and reuse it (APNs treats connection churn as abuse).
type Sender struct {
	client    *apns2.Client
	transport *http2.Transport
	topic     string
	timeout   time.Duration
	now       func() time.Time
}

var _ push.Sender = (*Sender)(nil)

// New builds a Sender from cfg: it loads and checks the key and the CA file
// but does not connect.
func New(cfg Config) (*Sender, error) {
	var missing []string
	for _, f := range []struct{ name, v string }{{"key id", cfg.KeyID}, {"team id", cfg.TeamID}, {"topic", cfg.Topic}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("apns: missing %s", strings.Join(missing, ", "))
	}
	keyPEM := cfg.Key
	if keyPEM == nil {
		if cfg.KeyFile == "" {
			return nil, errors.New("apns: missing key file")
		}
		var err error
		if keyPEM, err = os.ReadFile(cfg.KeyFile); err != nil {
			return nil, fmt.Errorf("apns: reading key: %w", err)
		}
	}
	key, err := token.AuthKeyFromBytes(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("apns: key: %v", err)
	}

	host := apns2.HostProduction
	switch cfg.Environment {
	case "", Production:
	case Development:
		host = apns2.HostDevelopment
	default:
		return nil, fmt.Errorf("apns: environment %q, want production or development", cfg.Environment)
	}
	if cfg.Host != "" {
		u, err := url.Parse(cfg.Host)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("apns: host %q is not an https URL", cfg.Host)
		}
		host = strings.TrimRight(cfg.Host, "/")
	}

	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if cfg.CAFile != "" {
		pemBytes, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("apns: reading CA file: %w", err)
		}
		if !roots.AppendCertsFromPEM(pemBytes) {
			return nil, fmt.Errorf("apns: CA file %s holds no PEM certificate", cfg.CAFile)
		}
	}

	s := &Sender{topic: cfg.Topic, timeout: cfg.Timeout, now: cfg.Now}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	// The transport apns2.NewTokenClient builds, plus our roots; HTTP/2 only,
	// as APNs speaks nothing else.
	dialer := &net.Dialer{Timeout: 20 * time.Second, KeepAlive: 15 * time.Second}
	s.transport = &http2.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		DialTLSContext: func(ctx context.Context, network, addr string, c *tls.Config) (net.Conn, error) {
			d := &tls.Dialer{NetDialer: dialer, Config: c}
			return d.DialContext(ctx, network, addr)
		},
		ReadIdleTimeout: 15 * time.Second,
		PingTimeout:     15 * time.Second,
	}
	s.client = apns2.NewTokenClient(&token.Token{AuthKey: key, KeyID: cfg.KeyID, TeamID: cfg.TeamID})
	s.client.Host = host
	s.client.HTTPClient = &http.Client{Transport: capture{s.transport}}
	return s, nil
}

// Host is the APNs base URL the Sender posts to.
func (s *Sender) Host() string { return s.client.Host }

// Close closes idle connections.
func (s *Sender) Close() { s.transport.CloseIdleConnections() }

// Send makes one attempt to send n through APNs and maps the answer:
//   - 200 → OutcomeSent, ProviderID = apns-id;
//   - 410 (Unregistered, ExpiredToken), 400 BadDeviceToken and
//     DeviceTokenNotForTopic → OutcomeInvalidToken;
//   - 429 (TooManyRequests, TooManyProviderTokenUpdates), 5xx, 403
//     ExpiredProviderToken, network errors, timeouts → OutcomeRetry, with
//     Retry-After when APNs sent one;
//   - any other 4xx (payload, topic, credentials) → OutcomeFailed, the token
//     is kept;
//   - an expired n → OutcomeFailed, and a token that cannot be a device
//     token (empty, too long, or with characters other than letters,
//     digits, '-' and '_') → OutcomeInvalidToken, without contacting APNs.
func (s *Sender) Send(ctx context.Context, n *push.Notification) push.Result {
	now := s.now()
	if push.Expired(n, now) {
		return push.Result{Outcome: push.OutcomeFailed, Reason: "apns: expired before sending"}
	}
	if !wellFormedToken(n.Token) {
		// apns2 puts the token into the URL path unescaped; a token that
		// could alter the path is never a real device token.
		return push.Result{Outcome: push.OutcomeInvalidToken, Reason: "apns: malformed device token"}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rec := &captured{}
	resp, err := s.client.PushWithContext(context.WithValue(ctx, captureKey{}, rec), push.APNsNotification(n, s.topic))
	if err != nil {
		if rec.status != 0 {
			// An answer whose body apns2 could not decode: judge by status.
			return s.fromStatus(rec.status, "", rec.retryAfter, now)
		}
		return push.Result{Outcome: push.OutcomeRetry, Reason: "apns: " + describeNetErr(ctx, err)}
	}
	if resp.Sent() {
		return push.Result{Outcome: push.OutcomeSent, ProviderID: resp.ApnsID, Status: resp.StatusCode}
	}
	return s.fromStatus(resp.StatusCode, resp.Reason, rec.retryAfter, now)
}

func (s *Sender) fromStatus(status int, reason, retryAfter string, now time.Time) push.Result {
	r := push.Result{Status: status, Reason: strings.TrimSpace(fmt.Sprintf("apns: %d %s", status, reason))}
	switch {
	case status == http.StatusGone,
		status == http.StatusBadRequest && (reason == apns2.ReasonBadDeviceToken || reason == apns2.ReasonDeviceTokenNotForTopic):
		r.Outcome = push.OutcomeInvalidToken
	case status == http.StatusTooManyRequests, status >= 500,
		status == http.StatusForbidden && reason == apns2.ReasonExpiredProviderToken:
		r.Outcome = push.OutcomeRetry
		r.RetryAfter = push.ParseRetryAfter(retryAfter, now)
	default:
		r.Outcome = push.OutcomeFailed
	}
	return r
}

// wellFormedToken accepts 1–512 letters, digits, '-' and '_' (real tokens
// are hex; tests use readable names).
func wellFormedToken(t string) bool {
	if t == "" || len(t) > 512 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// describeNetErr names a transport error without the URL, which holds the
// device token.
func describeNetErr(ctx context.Context, err error) string {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120] + "…"
	}
	return "network error: " + msg
}

// captured is what the wrapper saw of one response.
type captured struct {
	status     int
	retryAfter string
}

type captureKey struct{}

// capture records the status and Retry-After header of a response into the
// request's *captured, since apns2.Response does not expose headers.
type capture struct{ next http.RoundTripper }

func (c capture) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if rec, ok := req.Context().Value(captureKey{}).(*captured); ok && err == nil {
		rec.status, rec.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	}
	return resp, err
}

// CloseIdleConnections lets apns2.Client.CloseIdleConnections work.
func (c capture) CloseIdleConnections() {
	if cc, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		cc.CloseIdleConnections()
	}
}
