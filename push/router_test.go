package push_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/push"

	"github.com/kabinet/kabinet"
)

func TestRouter(t *testing.T) {
	var got []string
	fcm := push.SenderFunc(func(ctx context.Context, n *push.Notification) push.Result {
		got = append(got, "fcm:"+n.Token)
		return push.Result{Outcome: push.OutcomeSent, ProviderID: "f"}
	})
	r := push.NewRouter(map[string]push.Sender{kabinet.ProviderFCM: fcm, kabinet.ProviderAPNs: nil})
	tests := []struct {
		provider string
		want     push.Outcome
		reason   string
	}{
		{kabinet.ProviderFCM, push.OutcomeSent, ""},
		{kabinet.ProviderAPNs, push.OutcomeUndeliverable, "no credentials for APNS in this deployment"},
		{"WNS", push.OutcomeFailed, `unknown push provider "WNS"`},
		{"", push.OutcomeFailed, `unknown push provider ""`},
	}
	for _, tt := range tests {
		res := r.Send(context.Background(), &push.Notification{Provider: tt.provider, Token: "t1"})
		if res.Outcome != tt.want || res.Reason != tt.reason {
			t.Errorf("provider %q: got %v %q, want %v %q", tt.provider, res.Outcome, res.Reason, tt.want, tt.reason)
		}
	}
	if len(got) != 1 || got[0] != "fcm:t1" {
		t.Errorf("FCM sender got %v, want one call for t1", got)
	}
	if !r.Configured(kabinet.ProviderFCM) || r.Configured(kabinet.ProviderAPNs) {
		t.Errorf("Configured: got FCM=%v APNS=%v, want true, false", r.Configured(kabinet.ProviderFCM), r.Configured(kabinet.ProviderAPNs))
	}
	if p := r.Providers(); len(p) != 1 || p[0] != kabinet.ProviderFCM {
		t.Errorf("Providers: got %v, want [FCM]", p)
	}
}

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	s := push.NewLogSender(slog.New(slog.NewJSONHandler(&buf, nil)))
	token := "fcm-token-0123456789abcdefghijklmnopqrstuvwxyz"
	res := s.Send(context.Background(), &push.Notification{
		ID: "dl_1", Kind: kabinet.NotifyPayslipReminder, Provider: kabinet.ProviderFCM, Token: token,
		Locale: "en", Params: map[string]string{"period": "2026-10"}, DeepLink: "kabinet://payslips/ps_1",
	})
	if res.Outcome != push.OutcomeSent || res.ProviderID != push.LogProviderID {
		t.Errorf("got %v %q, want SENT log", res.Outcome, res.ProviderID)
	}
	out := buf.String()
	for _, want := range []string{`"kind":"PAYSLIP_REMINDER"`, `"provider":"FCM"`, `"token":"fcm-toke…"`, `"title":"Your payslip"`, `"deepLink":"kabinet://payslips/ps_1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log %s: want %s", out, want)
		}
	}
	if strings.Contains(out, token) || strings.Contains(out, "0123456789") {
		t.Errorf("log %s contains the whole token", out)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := mustTime(t, "2026-11-23T12:00:00Z")
	tests := map[string]string{
		"":                              "0s",
		"  ":                            "0s",
		"30":                            "30s",
		" 120 ":                         "2m0s",
		"0":                             "0s",
		"-5":                            "0s",
		"1.5":                           "0s",
		"soon":                          "0s",
		"99999999999":                   "24h0m0s",
		"Mon, 23 Nov 2026 12:01:30 GMT": "1m30s",
		"Mon, 23 Nov 2026 11:00:00 GMT": "0s",
		"Tue, 01 Dec 2026 00:00:00 GMT": "24h0m0s",
	}
	for in, want := range tests {
		if got := push.ParseRetryAfter(in, now).String(); got != want {
			t.Errorf("ParseRetryAfter(%q): got %s, want %s", in, got, want)
		}
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[push.Outcome]string{push.OutcomeSent: "SENT", push.OutcomeInvalidToken: "INVALID_TOKEN", push.OutcomeRetry: "RETRY",
		push.OutcomeFailed: "FAILED", push.OutcomeUndeliverable: "UNDELIVERABLE", push.Outcome(0): "UNKNOWN"} {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d).String(): got %q, want %q", int(o), got, want)
		}
	}
}
