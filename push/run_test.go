package push_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push"
)

// notifySender signals every notification it accepts.
type notifySender struct{ ch chan *push.Notification }

func (s notifySender) Send(_ context.Context, n *push.Notification) push.Result {
	s.ch <- n
	return push.Result{Outcome: push.OutcomeSent}
}

// TestRunInBackground: with the dispatcher running (as in production), a
// notice planned by a sign-in is delivered without anyone calling
// DispatchDue (planning wakes the worker), and the app shuts down cleanly.
func TestRunInBackground(t *testing.T) {
	snd := notifySender{ch: make(chan *push.Notification, 10)}
	env := testkit.Start(t, func(_ *app.Config, o *app.Options) { o.PushSender = snd })
	org, key := env.NewOrg(t, "ООО Ромашка")
	env.SeedEmployees(t, key, 1)
	f := &fixture{env: env, org: org, key: key}
	f.device(t, "E-1", "device-1")
	f.device(t, "E-1", "device-2")
	select {
	case n := <-snd.ch:
		if n.Kind != "NEW_DEVICE" {
			t.Fatalf("got %s, want the new-device notice", n.Kind)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the background dispatcher sent nothing")
	}
	// The metrics are on the app's registry. The outcome is recorded just
	// after the Send returned: wait for the worker (not for time).
	want := []string{`kabinet_push_sent_total{kind="NEW_DEVICE",provider="FCM"} 1`, "kabinet_push_outbox_depth 0", "kabinet_push_oldest_due_age_seconds 0"}
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		resp, err := http.Get(env.MetricsURL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body = string(b); containsAll(body, want) {
			return
		}
	}
	for _, m := range want {
		if !strings.Contains(body, m) {
			t.Errorf("got /metrics without %q", m)
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
