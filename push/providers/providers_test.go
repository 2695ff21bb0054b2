package providers_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/providers"
	"github.com/kabinet/kabinet/push/pushtest"

	"github.com/kabinet/kabinet"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func send(t *testing.T, r push.Sender, provider, token string) push.Result {
	t.Helper()
	return r.Send(context.Background(), &push.Notification{Kind: kabinet.NotifyPayslipReminder, Provider: provider, Token: token, CollapseKey: "payslip:1"})
}

func TestFromEnvNothingConfigured(t *testing.T) {
	var buf bytes.Buffer
	r, err := providers.FromEnv(context.Background(), env(nil), slog.New(slog.NewTextHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{kabinet.ProviderFCM, kabinet.ProviderAPNs} {
		res := send(t, r, p, "token-that-must-not-be-logged")
		if res.Outcome != push.OutcomeSent || res.ProviderID != push.LogProviderID {
			t.Errorf("%s: got %v %q, want SENT by the log sender", p, res.Outcome, res.ProviderID)
		}
	}
	if out := buf.String(); !strings.Contains(out, "notifications go to the log") || strings.Contains(out, "token-that-must-not-be-logged") {
		t.Errorf("log %q: want the log-sender notice and no whole token", out)
	}
}

func TestFromEnvBoth(t *testing.T) {
	f, a := pushtest.NewFCM(t), pushtest.NewAPNs(t)
	r, err := providers.FromEnv(context.Background(), env(map[string]string{
		"KABINET_FCM_CREDENTIALS": f.WriteServiceAccount(t),
		"KABINET_FCM_ENDPOINT":    f.Endpoint(),
		"KABINET_APNS_KEY_FILE":   a.WriteKey(t),
		"KABINET_APNS_KEY_ID":     a.KeyID,
		"KABINET_APNS_TEAM_ID":    a.TeamID,
		"KABINET_APNS_TOPIC":      a.Topic,
		"KABINET_APNS_ENV":        "development",
		"KABINET_APNS_HOST":       a.URL,
		"KABINET_APNS_CA_FILE":    a.WriteCA(t),
	}), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if res := send(t, r, kabinet.ProviderFCM, "android-1"); res.Outcome != push.OutcomeSent || len(f.Delivered("android-1")) != 1 {
		t.Errorf("FCM: got %v %q, want SENT through the fake", res.Outcome, res.Reason)
	}
	if res := send(t, r, kabinet.ProviderAPNs, "ios1"); res.Outcome != push.OutcomeSent || len(a.Delivered("ios1")) != 1 {
		t.Errorf("APNs: got %v %q, want SENT through the fake", res.Outcome, res.Reason)
	}
}

func TestFromEnvGoogleCredentialsFallbackAndUndeliverable(t *testing.T) {
	f := pushtest.NewFCM(t)
	r, err := providers.FromEnv(context.Background(), env(map[string]string{
		"GOOGLE_APPLICATION_CREDENTIALS": f.WriteServiceAccount(t),
		"KABINET_FCM_ENDPOINT":           f.URL,
	}), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if res := send(t, r, kabinet.ProviderFCM, "android-1"); res.Outcome != push.OutcomeSent {
		t.Errorf("FCM: got %v %q, want SENT", res.Outcome, res.Reason)
	}
	if res := send(t, r, kabinet.ProviderAPNs, "ios1"); res.Outcome != push.OutcomeUndeliverable {
		t.Errorf("APNs without credentials: got %v %q, want UNDELIVERABLE", res.Outcome, res.Reason)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string // substring; "" means valid
	}{
		{"Empty", nil, ""},
		{"EnvAloneIsHarmless", map[string]string{"KABINET_APNS_ENV": "production"}, ""},
		{"KeyFileWithoutKeyID", map[string]string{"KABINET_APNS_KEY_FILE": "/k.p8", "KABINET_APNS_TEAM_ID": "T", "KABINET_APNS_TOPIC": "ru.app"},
			"APNs is half configured: set KABINET_APNS_KEY_ID too"},
		{"OnlyKeyID", map[string]string{"KABINET_APNS_KEY_ID": "K"},
			"set KABINET_APNS_KEY_FILE, KABINET_APNS_TEAM_ID, KABINET_APNS_TOPIC too"},
		{"BadEnv", map[string]string{"KABINET_APNS_KEY_FILE": "/k.p8", "KABINET_APNS_KEY_ID": "K", "KABINET_APNS_TEAM_ID": "T", "KABINET_APNS_TOPIC": "ru.app", "KABINET_APNS_ENV": "sandbox"},
			`KABINET_APNS_ENV is "sandbox", want production or development`},
		{"HostWithoutCredentials", map[string]string{"KABINET_APNS_HOST": "https://localhost:8443"}, "KABINET_APNS_HOST is set but APNs is not configured"},
		{"CAWithoutCredentials", map[string]string{"KABINET_APNS_CA_FILE": "/ca.pem"}, "KABINET_APNS_CA_FILE is set but APNs is not configured"},
		{"HTTPHost", map[string]string{"KABINET_APNS_KEY_FILE": "/k.p8", "KABINET_APNS_KEY_ID": "K", "KABINET_APNS_TEAM_ID": "T", "KABINET_APNS_TOPIC": "ru.app", "KABINET_APNS_HOST": "http://x"},
			`KABINET_APNS_HOST is "http://x", want an https:// URL`},
		{"FCMEndpointWithoutCredentials", map[string]string{"KABINET_FCM_ENDPOINT": "http://localhost:9099"}, "KABINET_FCM_ENDPOINT is set but FCM is not configured"},
		{"FCMEndpointNotURL", map[string]string{"KABINET_FCM_CREDENTIALS": "/sa.json", "KABINET_FCM_ENDPOINT": "localhost:9099"}, `KABINET_FCM_ENDPOINT is "localhost:9099", want an http(s) URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := providers.ConfigFromEnv(env(tt.env)).Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if tt.want != "" {
				if _, err := providers.FromEnv(context.Background(), env(tt.env), slog.New(slog.DiscardHandler)); err == nil {
					t.Errorf("FromEnv: got no error, want the Validate error")
				}
			}
		})
	}
}

func TestFromEnvBadCredentials(t *testing.T) {
	_, err := providers.FromEnv(context.Background(), env(map[string]string{"KABINET_FCM_CREDENTIALS": "/nonexistent.json"}), slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "fcm: reading credentials") {
		t.Errorf("got %v, want a credentials error", err)
	}
	_, err = providers.FromEnv(context.Background(), env(map[string]string{
		"KABINET_APNS_KEY_FILE": "/nonexistent.p8", "KABINET_APNS_KEY_ID": "K", "KABINET_APNS_TEAM_ID": "T", "KABINET_APNS_TOPIC": "ru.app",
	}), slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "apns: reading key") {
		t.Errorf("got %v, want a key error", err)
	}
}
