package fcm_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/fcm"
	"github.com/kabinet/kabinet/push/pushtest"

	"github.com/kabinet/kabinet"
)

func newSender(t testing.TB, f *pushtest.FCM, mod ...func(*fcm.Config)) *fcm.Sender {
	t.Helper()
	cfg := fcm.Config{CredentialsFile: f.WriteServiceAccount(t), Endpoint: f.Endpoint()}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := fcm.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("fcm.New: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func note(token string) *push.Notification {
	badge := 1
	return &push.Notification{
		ID: "dl_1", Kind: kabinet.NotifyPayslipReminder, Provider: kabinet.ProviderFCM, Token: token,
		Params: map[string]string{"period": "2026-10"}, DeepLink: "kabinet://payslips/ps_abc",
		CollapseKey: "payslip:ps_abc", Badge: &badge, Expiry: time.Now().Add(time.Hour),
	}
}

func TestSendOK(t *testing.T) {
	f := pushtest.NewFCM(t)
	s := newSender(t, f)
	for i, tok := range []string{"tok-a", "tok-b", "tok-a"} {
		res := s.Send(context.Background(), note(tok))
		if res.Outcome != push.OutcomeSent {
			t.Fatalf("send %d: got %v (%s), want SENT", i, res.Outcome, res.Reason)
		}
		if want := "projects/kabinet-test/messages/"; !strings.HasPrefix(res.ProviderID, want) {
			t.Errorf("got provider id %q, want prefix %q", res.ProviderID, want)
		}
	}
	if got := f.TokenRequests(); got != 1 {
		t.Errorf("got %d OAuth2 exchanges, want 1 (the access token is reused)", got)
	}
	got := f.Delivered("tok-a")
	if len(got) != 2 {
		t.Fatalf("got %d messages to tok-a, want 2", len(got))
	}
	m := got[0]
	if m.Title != "Расчётный листок" || !strings.Contains(m.Body, "октябрь 2026") {
		t.Errorf("got title %q body %q, want the Russian payslip text", m.Title, m.Body)
	}
	if m.CollapseKey != "payslip:ps_abc" || m.Tag != "payslip:ps_abc" || m.Priority != "normal" {
		t.Errorf("got collapse_key %q tag %q priority %q, want payslip:ps_abc, payslip:ps_abc, normal", m.CollapseKey, m.Tag, m.Priority)
	}
	if m.TTL != "3599s" && m.TTL != "3600s" {
		t.Errorf("got ttl %q, want about 3600s", m.TTL)
	}
	if m.Data["deepLink"] != "kabinet://payslips/ps_abc" || m.Data["kind"] != kabinet.NotifyPayslipReminder || m.Data["id"] != "dl_1" {
		t.Errorf("got data %v, want deepLink, kind and id", m.Data)
	}
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		reply      pushtest.Reply
		want       push.Outcome
		retryAfter time.Duration
		reason     string
		status     int
	}{
		{"Unregistered", pushtest.FCMUnregistered, push.OutcomeInvalidToken, 0, "fcm: UNREGISTERED", 404},
		{"SenderIDMismatch", pushtest.FCMSenderIDMismatch, push.OutcomeInvalidToken, 0, "fcm: SENDER_ID_MISMATCH", 403},
		{"PayloadErrorKeepsToken", pushtest.FCMInvalidArgument, push.OutcomeFailed, 0, "fcm: INVALID_ARGUMENT (message.data[0].key)", 400},
		{"InvalidArgumentWithoutFcmError", pushtest.Reply{Status: 400}, push.OutcomeFailed, 0, "fcm: INVALID_ARGUMENT (message.data[0].key)", 400},
		{"QuotaExceededRetryAfter", pushtest.FCMQuotaExceeded, push.OutcomeRetry, 30 * time.Second, "fcm: QUOTA_EXCEEDED", 429},
		{"TooManyRequestsNoCode", pushtest.Reply{Status: 429, RetryAfter: 5 * time.Second}, push.OutcomeRetry, 5 * time.Second, "fcm: 429 RESOURCE_EXHAUSTED", 429},
		{"Internal", pushtest.FCMInternal, push.OutcomeRetry, 0, "fcm: 500 INTERNAL", 500},
		{"InternalRetryAfter", pushtest.Reply{Status: 500, Code: "INTERNAL", RetryAfter: 3 * time.Second}, push.OutcomeRetry, 3 * time.Second, "fcm: 500 INTERNAL", 500},
		{"BadGateway", pushtest.Reply{Status: 502}, push.OutcomeRetry, 0, "fcm: 502 INTERNAL", 502},
		{"Unavailable", pushtest.FCMUnavailable, push.OutcomeRetry, 0, "fcm: 503 UNAVAILABLE", 503},
		{"UnavailableRetryAfter", pushtest.Reply{Status: 503, Code: "UNAVAILABLE", RetryAfter: 90 * time.Second}, push.OutcomeRetry, 90 * time.Second, "fcm: 503 UNAVAILABLE", 503},
		{"ThirdPartyAuth", pushtest.Reply{Status: 401, Code: "THIRD_PARTY_AUTH_ERROR"}, push.OutcomeFailed, 0, "fcm: THIRD_PARTY_AUTH_ERROR", 401},
		{"PermissionDenied", pushtest.Reply{Status: 403}, push.OutcomeFailed, 0, "fcm: 403 PERMISSION_DENIED: credentials rejected", 403},
	}
	f := pushtest.NewFCM(t)
	s := newSender(t, f)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := "tok-" + tt.name
			f.Script(tok, tt.reply)
			before := f.Requests()
			start := time.Now()
			res := s.Send(context.Background(), note(tok))
			if res.Outcome != tt.want || res.RetryAfter != tt.retryAfter || res.Reason != tt.reason || res.Status != tt.status {
				t.Errorf("got %v retryAfter=%v reason=%q status=%d, want %v retryAfter=%v reason=%q status=%d",
					res.Outcome, res.RetryAfter, res.Reason, res.Status, tt.want, tt.retryAfter, tt.reason, tt.status)
			}
			// One attempt per Send: the SDK's own retry loop (which would
			// sleep and resend 503s) must not run.
			if got := f.Requests() - before; got != 1 {
				t.Errorf("got %d requests to FCM, want 1", got)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Send took %v, want no sleeping", d)
			}
			if strings.Contains(res.Reason, tok) {
				t.Errorf("reason %q contains the token", res.Reason)
			}
		})
	}
}

func TestSendFailThenSucceed(t *testing.T) {
	f := pushtest.NewFCM(t)
	s := newSender(t, f)
	f.FailThenSucceed("tok", 2, pushtest.FCMUnavailable)
	var got []push.Outcome
	for range 3 {
		got = append(got, s.Send(context.Background(), note("tok")).Outcome)
	}
	want := []push.Outcome{push.OutcomeRetry, push.OutcomeRetry, push.OutcomeSent}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if n := len(f.Delivered("tok")); n != 1 {
		t.Errorf("got %d deliveries, want 1", n)
	}
}

func TestSendNetworkError(t *testing.T) {
	f := pushtest.NewFCM(t)
	// A port nobody listens on: the token exchange itself fails to connect.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := newSender(t, f, func(c *fcm.Config) { c.Endpoint = "http://" + addr + "/v1" })
	// First get a token from the real fake, so that the failure is on the send.
	start := time.Now()
	res := s.Send(context.Background(), note("tok"))
	if res.Outcome != push.OutcomeRetry || !strings.HasPrefix(res.Reason, "fcm: network error") {
		t.Errorf("got %v %q, want RETRY with a network error", res.Outcome, res.Reason)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send took %v, want no sleeping in the SDK", d)
	}
	if f.TokenRequests() != 1 {
		t.Errorf("got %d token exchanges, want 1", f.TokenRequests())
	}
}

func TestSendTokenEndpointDown(t *testing.T) {
	f := pushtest.NewFCM(t)
	sa := strings.ReplaceAll(string(f.ServiceAccountJSON(t)), f.URL+"/token", "http://127.0.0.1:1/token")
	s, err := fcm.New(context.Background(), fcm.Config{CredentialsJSON: []byte(sa), Endpoint: f.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	res := s.Send(context.Background(), note("tok"))
	if res.Outcome != push.OutcomeRetry {
		t.Errorf("got %v %q, want RETRY", res.Outcome, res.Reason)
	}
	if f.Requests() != 0 {
		t.Errorf("got %d sends without a token, want 0", f.Requests())
	}
}

func TestSendCredentialsRejected(t *testing.T) {
	f := pushtest.NewFCM(t)
	other := pushtest.NewFCM(t) // a key the first fake does not know
	sa := strings.ReplaceAll(string(other.ServiceAccountJSON(t)), other.URL, f.URL)
	s, err := fcm.New(context.Background(), fcm.Config{CredentialsJSON: []byte(sa), Endpoint: f.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	res := s.Send(context.Background(), note("tok"))
	if res.Outcome != push.OutcomeFailed || !strings.Contains(res.Reason, "credentials rejected") {
		t.Errorf("got %v %q, want FAILED with credentials rejected", res.Outcome, res.Reason)
	}
}

func TestSendTimeout(t *testing.T) {
	f := pushtest.NewFCM(t)
	s := newSender(t, f, func(c *fcm.Config) { c.Timeout = 300 * time.Millisecond })
	f.Script("slow", pushtest.Reply{Delay: 5 * time.Second})
	start := time.Now()
	res := s.Send(context.Background(), note("slow"))
	if res.Outcome != push.OutcomeRetry {
		t.Errorf("got %v %q, want RETRY", res.Outcome, res.Reason)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send took %v, want about the 300ms timeout", d)
	}
}

func TestSendExpired(t *testing.T) {
	f := pushtest.NewFCM(t)
	s := newSender(t, f)
	n := note("tok")
	n.Expiry = time.Now().Add(-time.Second)
	if res := s.Send(context.Background(), n); res.Outcome != push.OutcomeFailed || res.Reason != "fcm: expired before sending" {
		t.Errorf("got %v %q, want FAILED expired", res.Outcome, res.Reason)
	}
	if f.Requests() != 0 {
		t.Errorf("got %d requests, want 0", f.Requests())
	}
}

func TestSendWrongProject(t *testing.T) {
	f := pushtest.NewFCM(t)
	sa := strings.ReplaceAll(string(f.ServiceAccountJSON(t)), `"project_id": "kabinet-test"`, `"project_id": "other"`)
	s, err := fcm.New(context.Background(), fcm.Config{CredentialsJSON: []byte(sa), Endpoint: f.URL})
	if err != nil {
		t.Fatal(err)
	}
	if s.ProjectID() != "other" {
		t.Errorf("got project %q, want other", s.ProjectID())
	}
	if res := s.Send(context.Background(), note("tok")); res.Outcome != push.OutcomeFailed || res.Reason != "fcm: 404 NOT_FOUND" {
		t.Errorf("got %v %q, want FAILED 404 NOT_FOUND (not a token error)", res.Outcome, res.Reason)
	}
}

func TestSendEndpointWithoutPath(t *testing.T) {
	f := pushtest.NewFCM(t)
	s := newSender(t, f, func(c *fcm.Config) { c.Endpoint = f.URL + "/" })
	if res := s.Send(context.Background(), note("tok")); res.Outcome != push.OutcomeSent {
		t.Errorf("got %v %q, want SENT", res.Outcome, res.Reason)
	}
}

func TestSendSDKRejectsMessage(t *testing.T) {
	f := pushtest.NewFCM(t)
	s := newSender(t, f)
	n := note("tok")
	n.Token = ""
	if res := s.Send(context.Background(), n); res.Outcome != push.OutcomeFailed || !strings.HasPrefix(res.Reason, "fcm: message rejected by the SDK") {
		t.Errorf("got %v %q, want FAILED rejected by the SDK", res.Outcome, res.Reason)
	}
}

func TestNewErrors(t *testing.T) {
	f := pushtest.NewFCM(t)
	good := string(f.ServiceAccountJSON(t))
	tests := []struct {
		name string
		cfg  fcm.Config
		want string
	}{
		{"NoCredentials", fcm.Config{}, "fcm: no service-account credentials"},
		{"MissingFile", fcm.Config{CredentialsFile: "/nonexistent/sa.json"}, "fcm: reading credentials"},
		{"NotJSON", fcm.Config{CredentialsJSON: []byte("nope")}, "fcm: credentials are not JSON"},
		{"NotServiceAccount", fcm.Config{CredentialsJSON: []byte(`{"type":"authorized_user"}`)}, `fcm: credentials are of type "authorized_user"`},
		{"NoProject", fcm.Config{CredentialsJSON: []byte(strings.ReplaceAll(good, `"project_id": "kabinet-test"`, `"project_id": ""`))}, "fcm: credentials have no project_id"},
		{"BadEndpoint", fcm.Config{CredentialsJSON: []byte(good), Endpoint: "ftp://x"}, `fcm: endpoint "ftp://x" is not an http(s) URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fcm.New(context.Background(), tt.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want an error starting %q", err, tt.want)
			}
		})
	}
}

func TestSendConcurrent(t *testing.T) {
	f := pushtest.NewFCM(t)
	s := newSender(t, f)
	f.SetResponder(func(token string, attempt int) pushtest.Reply {
		if strings.HasSuffix(token, "-dead") {
			return pushtest.FCMUnregistered
		}
		return pushtest.FCMOK
	})
	var wg sync.WaitGroup
	var sent, dead atomic.Int32
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := "tok-" + string(rune('a'+i%26))
			if i%5 == 0 {
				tok += "-dead"
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
	if sent.Load() != 40 || dead.Load() != 10 {
		t.Errorf("got %d sent, %d invalid, want 40 and 10", sent.Load(), dead.Load())
	}
	if got := len(f.Messages()); got != 50 {
		t.Errorf("fake recorded %d messages, want 50", got)
	}
}

// BenchmarkFCMSend sends through the real SDK to the local fake with 64
// concurrent senders (the dispatcher's bounded concurrency) and reports
// messages per second and the peak heap in use (sender and fake together;
// the fake does not record).
func BenchmarkFCMSend(b *testing.B) {
	f := pushtest.NewFCM(b)
	f.DisableRecording()
	s := newSender(b, f)
	pushtest.BenchmarkSend(b, s, note("bench-token"))
}
