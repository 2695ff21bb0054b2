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
	cfg := load.Config{Target: env.URL, Metrics: env.MetricsURL, BootstrapToken: testkit.BootstrapToken, Employees: 12, Months: 2, Concurrency: 4,
		Duration: time.Second, Out: &out, Now: env.Clock.Now()}
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
	if got := byName["sync-idle"].Extra["server_cpu_us_per_request"]; got <= 0 {
		t.Errorf("the server's CPU per sync was not measured: %v", got)
	}
	pd := byName["payday"].Extra
	if pd["phones_that_saw_it"] != 12 || pd["phones_differing_from_server"] != 0 {
		t.Errorf("payday: %v phones saw the new payslip, %v differ from the server; want 12 and 0", pd["phones_that_saw_it"], pd["phones_differing_from_server"])
	}
	if rep.RSSStartMB <= 0 {
		t.Errorf("the server's RSS was not read")
	}
}

// TestOpenLoop runs sync-idle at half the closed loop's rate on a fixed
// schedule, spread over two "instances" (the same server twice).
func TestOpenLoop(t *testing.T) {
	env := testkit.Start(t)
	env.Clock.Set(time.Now())
	var out bytes.Buffer
	rate, err := load.ParseRate("50%")
	if err != nil {
		t.Fatal(err)
	}
	cfg := load.Config{Target: env.URL + "," + env.URL, BootstrapToken: testkit.BootstrapToken, Employees: 6, Months: 1, Concurrency: 4,
		Duration: 600 * time.Millisecond, Out: &out, Now: env.Clock.Now(), Rate: rate}
	rep, err := load.Run(context.Background(), cfg, "sync-idle")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	byName := map[string]load.Summary{}
	for _, s := range rep.Scenarios {
		byName[s.Scenario] = s
		if len(s.Errors) > 0 || s.Requests == 0 {
			t.Errorf("%s: %d requests, errors %v", s.Scenario, s.Requests, s.Errors)
		}
	}
	closed, open := byName["sync-idle"], byName["sync-idle-open"]
	if open.Requests == 0 {
		t.Fatalf("no open-loop run in %+v", rep.Scenarios)
	}
	want := closed.RPS / 2
	if got := open.Extra["open_loop_target_rps"]; got < want*0.999 || got > want*1.001 {
		t.Errorf("open loop asked for %v req/s, want half of %v", got, closed.RPS)
	}
	// The schedule, not the server's speed, sets the open loop's rate.
	if got := open.RPS; got > want*1.2 {
		t.Errorf("open loop sent %.0f req/s, over the %.0f scheduled", got, want)
	}
	if _, ok := byName["healthz-open"]; !ok {
		t.Errorf("no open-loop healthz beside it: %+v", rep.Scenarios)
	}
}

// TestSoak runs a short soak with every hostile shape: the legitimate
// phones see no error, and every shape was sent.
func TestSoak(t *testing.T) {
	env := testkit.Start(t)
	env.Clock.Set(time.Now())
	var out bytes.Buffer
	cfg := load.Config{Target: env.URL, Metrics: env.MetricsURL, BootstrapToken: testkit.BootstrapToken, Employees: 6, Months: 1, Concurrency: 3,
		Duration: 400 * time.Millisecond, Out: &out, Now: env.Clock.Now(),
		Soak: load.SoakConfig{Duration: 2 * time.Second, HostileRate: 10, RSSEvery: 500 * time.Millisecond, BombDepth: 10, Aliases: 2}}
	rep, err := load.Run(context.Background(), cfg, "soak")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	byName := map[string]load.Summary{}
	for _, s := range rep.Scenarios {
		byName[s.Scenario] = s
	}
	for _, name := range []string{"soak-clean", "soak"} {
		if s := byName[name]; s.Requests == 0 || len(s.Errors) > 0 {
			t.Errorf("%s: %d requests, errors %v; want some, none", name, s.Requests, s.Errors)
		}
	}
	for _, shape := range load.HostileShapes {
		if byName["hostile:"+shape].Requests == 0 {
			t.Errorf("hostile shape %s was not sent", shape)
		}
	}
	for _, s := range rep.Scenarios {
		t.Logf("%s: %d requests, p50 %.1f ms, max %.1f ms, errors %v", s.Scenario, s.Requests, s.P50ms, s.Maxms, s.Errors)
	}
	if len(rep.SoakRSS) < 3 {
		t.Errorf("RSS recorded %d times over the soak, want at least 3", len(rep.SoakRSS))
	}
}
