// Package fcm sends push notifications to Android devices through Firebase
// Cloud Messaging (HTTP v1), using the firebase.google.com/go/v4 messaging
// client, and maps FCM's answers to push outcomes.
//
// One Send is one HTTP attempt. The Admin SDK retries 503 answers and
// network errors by itself (up to four times, sleeping up to two minutes
// each, honouring Retry-After); a dispatcher with bounded concurrency must
// not have its workers sleep inside the SDK, and must see Retry-After to
// schedule the retry durably. So the SDK's HTTP client is wrapped: when the
// SDK would retry, the wrapper records the answer and cancels that one
// request's context, which ends the SDK's retry loop at once; Send then maps
// the recorded answer. Every other answer is classified with the SDK's own
// error predicates (messaging.IsUnregistered, errorutils.*), with
// Retry-After read from errorutils.HTTPResponse.
//
// The SDK client is given an *http.Client (option.WithHTTPClient) that
// authenticates with the service account through golang.org/x/oauth2 (the
// JWT-bearer exchange at the JSON's token_uri), and option.WithEndpoint for
// KABINET_FCM_ENDPOINT.
package fcm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/option"

	"github.com/kabinet/kabinet/push"
)

// Scope is the OAuth2 scope FCM's send API requires.
const Scope = "https://www.googleapis.com/auth/firebase.messaging"

// DefaultTimeout bounds one Send (token exchange included) unless ctx ends
// earlier.
const DefaultTimeout = 15 * time.Second

// Config configures a Sender.
type Config struct {
	// CredentialsFile is the path of a service-account JSON
	// (KABINET_FCM_CREDENTIALS, else GOOGLE_APPLICATION_CREDENTIALS).
	CredentialsFile string
	// CredentialsJSON is the JSON itself; it wins over CredentialsFile.
	CredentialsJSON []byte
	// Endpoint overrides FCM's base URL (KABINET_FCM_ENDPOINT), e.g.
	// "http://127.0.0.1:9099/v1". A URL without a path gets "/v1" appended,
	// since the SDK posts to <Endpoint>/projects/<id>/messages:send.
	Endpoint string
	// Timeout bounds one Send; 0 means DefaultTimeout.
	Timeout time.Duration
	// Transport is the base HTTP transport for both FCM and the token
	// endpoint; nil means a clone of http.DefaultTransport with a larger
	// idle-connection pool.
	Transport http.RoundTripper
	// Now is the clock for TTLs and Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// Sender sends through FCM. It is safe for concurrent use; create one per
// process and reuse it (it keeps connections and the access token).
type Sender struct {
	client    *messaging.Client
	projectID string
	timeout   time.Duration
	now       func() time.Time
	base      http.RoundTripper
}

var _ push.Sender = (*Sender)(nil)

// serviceAccount is the part of the credentials JSON that New reads itself.
type serviceAccount struct {
	Type      string `json:"type"`
	ProjectID string `json:"project_id"`
}

// New builds a Sender from cfg. It reads and checks the credentials but does
// not contact FCM or the token endpoint.
func New(ctx context.Context, cfg Config) (*Sender, error) {
	js := cfg.CredentialsJSON
	if js == nil {
		if cfg.CredentialsFile == "" {
			return nil, errors.New("fcm: no service-account credentials")
		}
		var err error
		if js, err = os.ReadFile(cfg.CredentialsFile); err != nil {
			return nil, fmt.Errorf("fcm: reading credentials: %w", err)
		}
	}
	var sa serviceAccount
	if err := json.Unmarshal(js, &sa); err != nil {
		return nil, fmt.Errorf("fcm: credentials are not JSON: %v", err)
	}
	if sa.Type != "service_account" {
		return nil, fmt.Errorf("fcm: credentials are of type %q, want a service_account JSON", sa.Type)
	}
	if sa.ProjectID == "" {
		return nil, errors.New("fcm: credentials have no project_id")
	}
	jwtConf, err := google.JWTConfigFromJSON(js, Scope)
	if err != nil {
		return nil, fmt.Errorf("fcm: credentials: %v", err)
	}

	s := &Sender{projectID: sa.ProjectID, timeout: cfg.Timeout, now: cfg.Now, base: cfg.Transport}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 256
		s.base = t
	}
	// The token source lives as long as the Sender, so its context is not a
	// request's; the exchange itself is bounded by the client's timeout.
	tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: s.base, Timeout: s.timeout})
	hc := &http.Client{Transport: &oneAttempt{next: &oauth2.Transport{Source: jwtConf.TokenSource(tokenCtx), Base: s.base}}}

	opts := []option.ClientOption{option.WithHTTPClient(hc)}
	if cfg.Endpoint != "" {
		ep, err := endpoint(cfg.Endpoint)
		if err != nil {
			return nil, err
		}
		opts = append(opts, option.WithEndpoint(ep))
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: sa.ProjectID}, opts...)
	if err != nil {
		return nil, fmt.Errorf("fcm: %v", err)
	}
	if s.client, err = app.Messaging(ctx); err != nil {
		return nil, fmt.Errorf("fcm: %v", err)
	}
	return s, nil
}

// endpoint checks a KABINET_FCM_ENDPOINT value and gives it the "/v1" path
// when it has none.
func endpoint(raw string) (string, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("fcm: endpoint %q is not an http(s) URL", raw)
	}
	if u.Path == "" {
		u.Path = "/v1"
	}
	return u.String(), nil
}

// ProjectID is the Firebase project messages are sent for.
func (s *Sender) ProjectID() string { return s.projectID }

// Close closes idle connections.
func (s *Sender) Close() {
	if c, ok := s.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Send makes one attempt to send n through FCM and maps the answer:
//   - 200 → OutcomeSent, ProviderID = "projects/<id>/messages/<n>";
//   - UNREGISTERED, SENDER_ID_MISMATCH → OutcomeInvalidToken;
//   - INVALID_ARGUMENT (a payload error, BadRequest detail) → OutcomeFailed,
//     the token is kept; so are 401/403 (credentials) and a rejected OAuth2
//     exchange;
//   - 429/QUOTA_EXCEEDED, 500/INTERNAL, 503/UNAVAILABLE, other 5xx, network
//     errors, timeouts → OutcomeRetry with FCM's Retry-After when it sent one;
//   - an expired n → OutcomeFailed without contacting FCM.
func (s *Sender) Send(ctx context.Context, n *push.Notification) push.Result {
	now := s.now()
	if push.Expired(n, now) {
		return push.Result{Outcome: push.OutcomeFailed, Reason: "fcm: expired before sending"}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	rec := &attempt{stop: stop}
	name, err := s.client.Send(context.WithValue(ctx, attemptKey{}, rec), push.FCMMessageAt(n, now))
	if err == nil {
		return push.Result{Outcome: push.OutcomeSent, ProviderID: name, Status: http.StatusOK}
	}
	if rec.stopped {
		return s.fromRecord(rec)
	}
	return s.fromError(ctx, err)
}

// fromRecord maps an answer the SDK would have retried by itself.
func (s *Sender) fromRecord(rec *attempt) push.Result {
	if rec.err != nil {
		var re *oauth2.RetrieveError
		if errors.As(rec.err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			reason := "fcm: credentials rejected by the token endpoint"
			if re.ErrorCode != "" {
				reason += ": " + re.ErrorCode
			}
			return push.Result{Outcome: push.OutcomeFailed, Reason: reason}
		}
		return push.Result{Outcome: push.OutcomeRetry, Reason: "fcm: " + describeNetErr(rec.err)}
	}
	return push.Result{
		Outcome:    push.OutcomeRetry,
		RetryAfter: push.ParseRetryAfter(rec.header.Get("Retry-After"), s.now()),
		Reason:     fmt.Sprintf("fcm: %d %s", rec.status, errorStatus(rec.body, "UNAVAILABLE")),
		Status:     rec.status,
	}
}

// fromError maps an error the SDK returned.
func (s *Sender) fromError(ctx context.Context, err error) push.Result {
	resp := errorutils.HTTPResponse(err)
	status := 0
	var retryAfter time.Duration
	var body []byte
	if resp != nil {
		status = resp.StatusCode
		retryAfter = push.ParseRetryAfter(resp.Header.Get("Retry-After"), s.now())
		body, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	}
	res := func(o push.Outcome, reason string) push.Result {
		r := push.Result{Outcome: o, Reason: "fcm: " + reason, Status: status}
		if o == push.OutcomeRetry {
			r.RetryAfter = retryAfter
		}
		return r
	}
	switch {
	case messaging.IsUnregistered(err):
		return res(push.OutcomeInvalidToken, "UNREGISTERED")
	case messaging.IsSenderIDMismatch(err):
		return res(push.OutcomeInvalidToken, "SENDER_ID_MISMATCH")
	case messaging.IsInvalidArgument(err) || errorutils.IsInvalidArgument(err):
		return res(push.OutcomeFailed, "INVALID_ARGUMENT"+violations(body))
	case messaging.IsThirdPartyAuthError(err):
		return res(push.OutcomeFailed, "THIRD_PARTY_AUTH_ERROR")
	case errorutils.IsUnauthenticated(err) || errorutils.IsPermissionDenied(err):
		return res(push.OutcomeFailed, fmt.Sprintf("%d %s: credentials rejected", status, errorStatus(body, "PERMISSION_DENIED")))
	case messaging.IsQuotaExceeded(err):
		return res(push.OutcomeRetry, "QUOTA_EXCEEDED")
	case messaging.IsInternal(err) || messaging.IsUnavailable(err) ||
		errorutils.IsResourceExhausted(err) || errorutils.IsInternal(err) || errorutils.IsUnavailable(err) ||
		status >= 500:
		return res(push.OutcomeRetry, fmt.Sprintf("%d %s", status, errorStatus(body, "INTERNAL")))
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errorutils.IsDeadlineExceeded(err):
		return res(push.OutcomeRetry, "timed out")
	case resp == nil && errorutils.IsUnknown(err):
		// A transport error the SDK chose not to retry.
		return res(push.OutcomeRetry, "network error")
	case resp != nil:
		return res(push.OutcomeFailed, fmt.Sprintf("%d %s", status, errorStatus(body, "UNKNOWN")))
	}
	// The SDK rejected the message before sending it (validateMessage):
	// nothing a retry can fix. Its text names fields, never the token.
	return res(push.OutcomeFailed, "message rejected by the SDK: "+truncate(err.Error(), 120))
}

// errorStatus returns error.status of a google.rpc error body, or def.
func errorStatus(body []byte, def string) string {
	var e struct {
		Error struct{ Status string } `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Status != "" {
		return e.Error.Status
	}
	return def
}

// violations lists the fields of a google.rpc.BadRequest detail, e.g.
// " (message.data[0].key)", or "".
func violations(body []byte) string {
	var e struct {
		Error struct {
			Details []struct {
				Type            string `json:"@type"`
				FieldViolations []struct {
					Field string `json:"field"`
				} `json:"fieldViolations"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var fields []string
	for _, d := range e.Error.Details {
		if d.Type == "type.googleapis.com/google.rpc.BadRequest" {
			for _, v := range d.FieldViolations {
				fields = append(fields, v.Field)
			}
		}
	}
	if len(fields) == 0 {
		return ""
	}
	return " (" + truncate(strings.Join(fields, ", "), 120) + ")"
}

// describeNetErr names a transport error without the URL.
func describeNetErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		return fmt.Sprintf("token endpoint answered %d", re.Response.StatusCode)
	}
	return "network error: " + truncate(err.Error(), 120)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// attempt records, for one Send, an answer the SDK would retry by itself.
// RoundTrip runs on the goroutine that called Send, so no lock is needed.
type attempt struct {
	stop    context.CancelFunc
	stopped bool
	err     error
	status  int
	header  http.Header
	body    []byte
}

type attemptKey struct{}

// oneAttempt ends the SDK's built-in retry loop after the first answer it
// would retry (a transport error or 503; see the package comment).
type oneAttempt struct{ next http.RoundTripper }

func (t *oneAttempt) RoundTrip(req *http.Request) (*http.Response, error) {
	rec, _ := req.Context().Value(attemptKey{}).(*attempt)
	resp, err := t.next.RoundTrip(req)
	if rec == nil {
		return resp, err
	}
	if err != nil {
		rec.stopped, rec.err = true, err
		rec.stop()
		return nil, err
	}
	if resp.StatusCode == http.StatusServiceUnavailable {
		// Buffer the body first: cancelling the context would cut it off.
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		rec.stopped, rec.status, rec.header, rec.body = true, resp.StatusCode, resp.Header, body
		rec.stop()
	}
	return resp, nil
}
