package pushtest_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/providers"
	"github.com/kabinet/kabinet/push/pushtest"

	"github.com/kabinet/kabinet"
)

func TestFCMRejectsUnknownBearer(t *testing.T) {
	f := pushtest.NewFCM(t)
	req, _ := http.NewRequest("POST", f.Endpoint()+"/projects/kabinet-test/messages:send", strings.NewReader(`{"message":{"token":"t"}}`))
	req.Header.Set("Authorization", "Bearer made-up")
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct {
			Code   int
			Status string
		}
	}
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 401 || body.Error.Status != "UNAUTHENTICATED" || f.Requests() != 0 {
		t.Errorf("got %d %s (%d counted), want 401 UNAUTHENTICATED, not counted", resp.StatusCode, body.Error.Status, f.Requests())
	}
}

func TestFCMTokenEndpointRejectsForgedAssertion(t *testing.T) {
	f := pushtest.NewFCM(t)
	resp, err := f.Client().PostForm(f.URL+"/token", map[string][]string{
		"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"assertion":  {"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "invalid_grant") || f.TokenRequests() != 0 {
		t.Errorf("got %d %s, want 400 invalid_grant", resp.StatusCode, b)
	}
}

// The fakes' scripts: queued replies per token, then the responder, then
// the default; counters and recordings through the real senders.
func TestScripts(t *testing.T) {
	f, a := pushtest.NewFCM(t), pushtest.NewAPNs(t)
	r, err := providers.FromEnv(context.Background(), pushtest.Getenv(f.Env(t), a.Env(t)), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	f.FailThenSucceed("x", 1, pushtest.FCMInternal)
	f.SetResponder(func(token string, attempt int) pushtest.Reply {
		if attempt == 2 {
			return pushtest.FCMUnregistered
		}
		return pushtest.FCMOK
	})
	a.SetDefault(pushtest.APNsUnregistered)
	a.Script("ios", pushtest.APNsOK)

	var got []string
	for _, c := range []struct{ provider, token string }{
		{kabinet.ProviderFCM, "x"}, {kabinet.ProviderFCM, "x"}, {kabinet.ProviderFCM, "y"}, {kabinet.ProviderFCM, "y"}, {kabinet.ProviderFCM, "y"},
		{kabinet.ProviderAPNs, "ios"}, {kabinet.ProviderAPNs, "ios"},
	} {
		got = append(got, r.Send(context.Background(), &push.Notification{Kind: kabinet.NotifyNewDevice, Provider: c.provider, Token: c.token}).Outcome.String())
	}
	want := "RETRY SENT SENT INVALID_TOKEN SENT SENT INVALID_TOKEN"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
	if f.Requests() != 5 || len(f.Messages()) != 5 || len(f.Delivered("y")) != 2 || a.Count() != 2 || len(a.Delivered("ios")) != 1 {
		t.Errorf("got FCM %d requests, %d recorded, %d delivered to y; APNs %d requests, %d delivered; want 5, 5, 2; 2, 1",
			f.Requests(), len(f.Messages()), len(f.Delivered("y")), a.Count(), len(a.Delivered("ios")))
	}
}
