package apns_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/apns"
	"github.com/kabinet/kabinet/push/pushtest"

	"github.com/kabinet/kabinet"
)

func config(t testing.TB, a *pushtest.APNs) apns.Config {
	return apns.Config{
		KeyFile: a.WriteKey(t), KeyID: a.KeyID, TeamID: a.TeamID, Topic: a.Topic,
		Host: a.URL, CAFile: a.WriteCA(t),
	}
}

func newSender(t testing.TB, a *pushtest.APNs, mod ...func(*apns.Config)) *apns.Sender {
	t.Helper()
	cfg := config(t, a)
	for _, m := range mod {
		m(&cfg)
	}
	s, err := apns.New(cfg)
	if err != nil {
		t.Fatalf("apns.New: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func note(token string) *push.Notification {
	badge := 3
	return &push.Notification{
		ID: "0f8fad5b-d9cb-469f-a165-70867728950e", Kind: kabinet.NotifyPayslipReminder, Provider: kabinet.ProviderAPNs, Token: token,
		Params: map[string]string{"period": "2026-10"}, DeepLink: "kabinet://payslips/ps_abc",
		CollapseKey: "payslip:ps_abc", Badge: &badge, Expiry: time.Now().Add(time.Hour).Truncate(time.Second),
	}
}

func TestSendOK(t *testing.T) {
	a := pushtest.NewAPNs(t)
	s := newSender(t, a)
	n := note("aabbcc")
	res := s.Send(context.Background(), n)
	if res.Outcome != push.OutcomeSent || res.ProviderID != n.ID || res.Status != 200 {
		t.Fatalf("got %v id=%q status=%d (%s), want SENT with apns-id %s", res.Outcome, res.ProviderID, res.Status, res.Reason, n.ID)
	}
	got := a.Delivered("aabbcc")
	if len(got) != 1 {
		t.Fatalf("got %d deliveries, want 1", len(got))
	}
	r := got[0]
	if r.Topic != "ru.kabinet.app" || r.CollapseID != "payslip:ps_abc" || r.Priority != "5" || r.PushType != "alert" ||
		r.Expiration != strconv.FormatInt(n.Expiry.Unix(), 10) || r.ID != n.ID {
		t.Errorf("got headers topic=%q collapse=%q priority=%q push-type=%q expiration=%q id=%q, want ru.kabinet.app, payslip:ps_abc, 5, alert, %d, %s",
			r.Topic, r.CollapseID, r.Priority, r.PushType, r.Expiration, r.ID, n.Expiry.Unix(), n.ID)
	}
	title, body, badge, custom := r.Alert()
	if title != "Расчётный листок" || !strings.Contains(body, "октябрь 2026") || badge != 3 {
		t.Errorf("got title %q body %q badge %d, want the Russian payslip text and badge 3", title, body, badge)
	}
	if custom["deepLink"] != "kabinet://payslips/ps_abc" || custom["kind"] != kabinet.NotifyPayslipReminder {
		t.Errorf("got custom keys %v, want deepLink and kind", custom)
	}

	// A non-UUID delivery id: APNs assigns the apns-id.
	n2 := note("aabbcc")
	n2.ID, n2.Priority = "dl_7", push.PriorityHigh
	res = s.Send(context.Background(), n2)
	reqs := a.Requests()
	last := reqs[len(reqs)-1]
	if res.Outcome != push.OutcomeSent || last.ID != "" || res.ProviderID != last.ResponseID || len(res.ProviderID) != 36 || last.Priority != "10" {
		t.Errorf("got %v id=%q (sent apns-id %q, priority %q), want SENT with an APNs-assigned id and priority 10", res.Outcome, res.ProviderID, last.ID, last.Priority)
	}
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		reply      pushtest.Reply
		want       push.Outcome
		retryAfter time.Duration
		reason     string
	}{
		{"Unregistered", pushtest.APNsUnregistered, push.OutcomeInvalidToken, 0, "apns: 410 Unregistered"},
		{"ExpiredToken", pushtest.Reply{Status: 410, Code: "ExpiredToken"}, push.OutcomeInvalidToken, 0, "apns: 410 ExpiredToken"},
		{"BadDeviceToken", pushtest.APNsBadDeviceToken, push.OutcomeInvalidToken, 0, "apns: 400 BadDeviceToken"},
		{"DeviceTokenNotForTopic", pushtest.APNsDeviceTokenNotForTopic, push.OutcomeInvalidToken, 0, "apns: 400 DeviceTokenNotForTopic"},
		{"PayloadErrorKeepsToken", pushtest.APNsPayloadTooLarge, push.OutcomeFailed, 0, "apns: 413 PayloadTooLarge"},
		{"BadCollapseIDKeepsToken", pushtest.APNsBadCollapseID, push.OutcomeFailed, 0, "apns: 400 BadCollapseId"},
		{"InvalidProviderToken", pushtest.Reply{Status: 403, Code: "InvalidProviderToken"}, push.OutcomeFailed, 0, "apns: 403 InvalidProviderToken"},
		{"ExpiredProviderToken", pushtest.APNsExpiredProviderToken, push.OutcomeRetry, 0, "apns: 403 ExpiredProviderToken"},
		{"TooManyRequestsRetryAfter", pushtest.APNsTooManyRequests, push.OutcomeRetry, 20 * time.Second, "apns: 429 TooManyRequests"},
		{"TooManyRequestsNoHeader", pushtest.Reply{Status: 429, Code: "TooManyRequests"}, push.OutcomeRetry, 0, "apns: 429 TooManyRequests"},
		{"InternalServerError", pushtest.APNsInternalServerError, push.OutcomeRetry, 0, "apns: 500 InternalServerError"},
		{"ServiceUnavailableRetryAfter", pushtest.Reply{Status: 503, Code: "ServiceUnavailable", RetryAfter: 60 * time.Second}, push.OutcomeRetry, 60 * time.Second, "apns: 503 ServiceUnavailable"},
		{"Shutdown", pushtest.Reply{Status: 503, Code: "Shutdown"}, push.OutcomeRetry, 0, "apns: 503 Shutdown"},
	}
	a := pushtest.NewAPNs(t)
	s := newSender(t, a)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := "tok" + strings.ToLower(tt.name)
			a.Script(tok, tt.reply)
			before := a.Count()
			res := s.Send(context.Background(), note(tok))
			if res.Outcome != tt.want || res.RetryAfter != tt.retryAfter || res.Reason != tt.reason || res.Status != tt.reply.Status {
				t.Errorf("got %v retryAfter=%v reason=%q status=%d, want %v retryAfter=%v reason=%q status=%d",
					res.Outcome, res.RetryAfter, res.Reason, res.Status, tt.want, tt.retryAfter, tt.reason, tt.reply.Status)
			}
			if got := a.Count() - before; got != 1 {
				t.Errorf("got %d requests, want 1", got)
			}
		})
	}
}

func TestSendFailThenSucceed(t *testing.T) {
	a := pushtest.NewAPNs(t)
	s := newSender(t, a)
	a.FailThenSucceed("tok", 2, pushtest.APNsServiceUnavailable)
	var got []push.Outcome
	for range 3 {
		got = append(got, s.Send(context.Background(), note("tok")).Outcome)
	}
	if got[0] != push.OutcomeRetry || got[1] != push.OutcomeRetry || got[2] != push.OutcomeSent {
		t.Errorf("got %v, want [RETRY RETRY SENT]", got)
	}
}

func TestSendUntrustedServer(t *testing.T) {
	a := pushtest.NewAPNs(t)
	s := newSender(t, a, func(c *apns.Config) { c.CAFile = "" })
	res := s.Send(context.Background(), note("secret-device-token"))
	if res.Outcome != push.OutcomeRetry || !strings.Contains(res.Reason, "certificate") {
		t.Errorf("got %v %q, want RETRY with a certificate error", res.Outcome, res.Reason)
	}
	if strings.Contains(res.Reason, "secret-device-token") {
		t.Errorf("reason %q contains the token", res.Reason)
	}
	if a.Count() != 0 {
		t.Errorf("got %d requests through an untrusted connection, want 0", a.Count())
	}
}

func TestSendWrongKey(t *testing.T) {
	a := pushtest.NewAPNs(t)
	other := pushtest.NewAPNs(t)
	s := newSender(t, a, func(c *apns.Config) { c.KeyFile = other.WriteKey(t) })
	if res := s.Send(context.Background(), note("tok")); res.Outcome != push.OutcomeFailed || res.Reason != "apns: 403 InvalidProviderToken" {
		t.Errorf("got %v %q, want FAILED 403 InvalidProviderToken", res.Outcome, res.Reason)
	}
}

func TestSendNetworkError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	a := pushtest.NewAPNs(t)
	s := newSender(t, a, func(c *apns.Config) { c.Host = "https://" + addr })
	res := s.Send(context.Background(), note("secret-device-token"))
	if res.Outcome != push.OutcomeRetry || !strings.HasPrefix(res.Reason, "apns: network error") || strings.Contains(res.Reason, "secret-device-token") {
		t.Errorf("got %v %q, want RETRY with a network error and no token", res.Outcome, res.Reason)
	}
}

func TestSendTimeout(t *testing.T) {
	a := pushtest.NewAPNs(t)
	s := newSender(t, a, func(c *apns.Config) { c.Timeout = 300 * time.Millisecond })
	a.Script("slow", pushtest.Reply{Delay: 5 * time.Second})
	start := time.Now()
	res := s.Send(context.Background(), note("slow"))
	if res.Outcome != push.OutcomeRetry || res.Reason != "apns: timed out" {
		t.Errorf("got %v %q, want RETRY timed out", res.Outcome, res.Reason)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send took %v, want about the 300ms timeout", d)
	}
}

func TestSendExpired(t *testing.T) {
	a := pushtest.NewAPNs(t)
	s := newSender(t, a)
	n := note("tok")
	n.Expiry = time.Now().Add(-time.Minute)
	if res := s.Send(context.Background(), n); res.Outcome != push.OutcomeFailed || res.Reason != "apns: expired before sending" {
		t.Errorf("got %v %q, want FAILED expired", res.Outcome, res.Reason)
	}
	if a.Count() != 0 {
		t.Errorf("got %d requests, want 0", a.Count())
	}
}

func TestSendMalformedToken(t *testing.T) {
	a := pushtest.NewAPNs(t)
	s := newSender(t, a)
	for _, tok := range []string{"", "../../3/device/other", "abc/def", "abc?x=1", "ab cd", strings.Repeat("a", 513)} {
		if res := s.Send(context.Background(), note(tok)); res.Outcome != push.OutcomeInvalidToken || res.Reason != "apns: malformed device token" {
			t.Errorf("token %.20q: got %v %q, want INVALID_TOKEN malformed", tok, res.Outcome, res.Reason)
		}
	}
	if a.Count() != 0 {
		t.Errorf("got %d requests, want 0", a.Count())
	}
}

func TestNew(t *testing.T) {
	a := pushtest.NewAPNs(t)
	good := config(t, a)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	tests := []struct {
		name string
		mod  func(*apns.Config)
		want string // "" means no error
	}{
		{"OK", func(c *apns.Config) {}, ""},
		{"MissingKeyID", func(c *apns.Config) { c.KeyID = "" }, "apns: missing key id"},
		{"MissingAll", func(c *apns.Config) { c.KeyID, c.TeamID, c.Topic = "", " ", "" }, "apns: missing key id, team id, topic"},
		{"MissingKeyFile", func(c *apns.Config) { c.KeyFile = "" }, "apns: missing key file"},
		{"UnreadableKey", func(c *apns.Config) { c.KeyFile = "/nonexistent.p8" }, "apns: reading key"},
		{"NotAKey", func(c *apns.Config) { c.KeyFile = notPEM }, "apns: key: token: AuthKey must be a valid .p8 PEM file"},
		{"BadEnv", func(c *apns.Config) { c.Environment = "staging"; c.Host = "" }, `apns: environment "staging"`},
		{"HTTPHost", func(c *apns.Config) { c.Host = "http://127.0.0.1:1" }, `apns: host "http://127.0.0.1:1" is not an https URL`},
		{"MissingCA", func(c *apns.Config) { c.CAFile = "/nonexistent.pem" }, "apns: reading CA file"},
		{"CANotPEM", func(c *apns.Config) { c.CAFile = notPEM }, "apns: CA file " + notPEM + " holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mod(&cfg)
			_, err := apns.New(cfg)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	for env, want := range map[string]string{"": "https://api.push.apple.com", "production": "https://api.push.apple.com", "development": "https://api.sandbox.push.apple.com"} {
		cfg := good
		cfg.Host, cfg.Environment = "", env
		s, err := apns.New(cfg)
		if err != nil || s.Host() != want {
			t.Errorf("environment %q: got host %v, %v, want %s", env, s, err, want)
			continue
		}
	}
}

func TestSendConcurrent(t *testing.T) {
	a := pushtest.NewAPNs(t)
	s := newSender(t, a)
	a.SetResponder(func(token string, attempt int) pushtest.Reply {
		if strings.HasSuffix(token, "dead") {
			return pushtest.APNsUnregistered
		}
		return pushtest.APNsOK
	})
	var wg sync.WaitGroup
	var sent, dead atomic.Int32
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := "tok" + strconv.Itoa(i%7)
			if i%5 == 0 {
				tok += "dead"
			}
			switch s.Send(context.Background(), note(tok)).Outcome {
			case push.OutcomeSent:
				sent.Add(1)
			case push.OutcomeInvalidToken:
				dead.Add(1)
			}
		}()
	}
	wg.Wait()
	if sent.Load() != 40 || dead.Load() != 10 || len(a.Requests()) != 50 {
		t.Errorf("got %d sent, %d invalid, %d recorded, want 40, 10, 50", sent.Load(), dead.Load(), len(a.Requests()))
	}
}

// BenchmarkAPNsSend sends through the real apns2 client (HTTP/2, TLS, ES256
// JWT) to the local fake with 64 concurrent senders and reports messages per
// second and the peak heap in use (sender and fake together).
func BenchmarkAPNsSend(b *testing.B) {
	a := pushtest.NewAPNs(b)
	a.DisableRecording()
	s := newSender(b, a)
	pushtest.BenchmarkSend(b, s, note("benchtoken"))
}
