package load_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/load"
	"github.com/kabinet/kabinet/push/providers"
	"github.com/kabinet/kabinet/push/pushtest"
)

// TestDispatch runs the dispatch scenario against a real server whose FCM
// and APNs are the wire-level fakes: every phone's reminder arrives, once.
func TestDispatch(t *testing.T) {
	ff, af := pushtest.NewFCM(t), pushtest.NewAPNs(t)
	env := testkit.Start(t, func(c *app.Config, _ *app.Options) {
		c.Push = providers.ConfigFromEnv(pushtest.Getenv(ff.Env(t), af.Env(t)))
	})
	env.Clock.Set(time.Now())
	var out bytes.Buffer
	cfg := load.Config{Target: env.URL, BootstrapToken: testkit.BootstrapToken, Employees: 12, Months: 1, Concurrency: 4,
		Out: &out, Now: env.Clock.Now()}
	c := load.NewClient(cfg.Target, cfg.Concurrency)
	org, err := load.Setup(context.Background(), c, cfg)
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, out.String())
	}
	arrived := func() int { return ff.Requests() + af.Count() }
	s, err := load.Dispatch(context.Background(), c, cfg, org, arrived, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s.Extra["reminders_planned"] != 12 || s.Requests != 12 {
		t.Fatalf("got %v planned, %d arrived, want 12 and 12", s.Extra["reminders_planned"], s.Requests)
	}
	time.Sleep(200 * time.Millisecond)
	if n := arrived(); n != 12 {
		t.Fatalf("the fakes got %d notifications, want 12 (one per phone)", n)
	}
	s.Print(&out)
	t.Log(out.String())
}
