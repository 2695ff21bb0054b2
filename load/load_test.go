package load_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/load"
)

// TestSmoke runs every scenario of the harness briefly against a real
// server, so that the harness cannot rot: setup through the real operations
// (publication, cabinets, activation, sync), then sync-idle, payday and the
// quick-login storm, with no error and the phones matching the server.
func TestSmoke(t *testing.T) {
	env := testkit.Start(t)
	env.Clock.Set(time.Now()) // the phones stamp views with their own clocks
	var out bytes.Buffer
	cfg := load.Config{Target: env.URL, BootstrapToken: testkit.BootstrapToken, Employees: 12, Months: 2, Concurrency: 4,
		Duration: 500 * time.Millisecond, Out: &out, Now: env.Clock.Now()}
	rep, err := load.Run(context.Background(), cfg, "all")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	byName := map[string]load.Summary{}
	for _, s := range rep.Scenarios {
		byName[s.Scenario] = s
		if len(s.Errors) > 0 {
			t.Errorf("%s: errors %v", s.Scenario, s.Errors)
		}
		if s.Requests == 0 {
			t.Errorf("%s: no request made", s.Scenario)
		}
	}
	for _, name := range []string{"healthz", "sync-idle", "payday", "login"} {
		if _, ok := byName[name]; !ok {
			t.Fatalf("scenario %s missing from %+v", name, rep.Scenarios)
		}
	}
	if got := byName["sync-idle"].Extra["unexpected_changes"]; got != 0 {
		t.Errorf("sync-idle saw %v changes, want 0", got)
	}
	if got := byName["sync-idle"].Extra["ratio_to_healthz"]; got <= 0 {
		t.Errorf("no baseline ratio: %v", got)
	}
	pd := byName["payday"].Extra
	if pd["phones_that_saw_it"] != 12 || pd["phones_differing_from_server"] != 0 {
		t.Errorf("payday: %v phones saw the new payslip, %v differ from the server; want 12 and 0", pd["phones_that_saw_it"], pd["phones_differing_from_server"])
	}
	if rep.RSSStartMB <= 0 {
		t.Errorf("the server's RSS was not read")
	}
}
