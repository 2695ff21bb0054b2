package push_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push/pushtest"
)

// The process-level crash tests run the real binary (`kabinet serve`) on a
// database seeded in-process, with FCM pointed at a slow local fake, stop
// it mid-dispatch with SIGTERM or SIGKILL while HR publishes and reads the
// delivery log, restart it, and count what the fake received.

const processEmployees = 60

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// kabinetBinary builds cmd/kabinet once per test run.
func kabinetBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kabinet-bin")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "kabinet")
		out, err := exec.Command("go", "build", "-o", binary, "github.com/kabinet/kabinet/cmd/kabinet").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// server is a running `kabinet serve` subprocess.
type server struct {
	cmd *exec.Cmd
	url string
	log bytes.Buffer
}

func startServer(t *testing.T, env map[string]string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{url: "http://" + addr}
	s.cmd = exec.Command(kabinetBinary(t), "serve")
	s.cmd.Env = append(os.Environ(), "KABINET_ADDR="+addr, "KABINET_LOG_LEVEL=warn", "GOMAXPROCS=2")
	for k, v := range env {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	waitFor(t, "the server to answer /healthz", func() bool {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	return s
}

// stop signals the server and waits for it to exit.
func (s *server) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the server did not exit after %v; log:\n%s", sig, s.log.String())
	}
}

// processFixture seeds a database: n employees with an activated cabinet,
// a phone with an FCM token and a payslip whose reminder is overdue by the
// wall clock; window all day. The in-process app only seeds (no
// dispatcher), in batches that fit a request.
func processFixture(t *testing.T, n int) (*testkit.Env, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	env := testkit.Start(t, func(_ *app.Config, o *app.Options) { o.NoDispatcher = true })
	env.Clock.Set(time.Now().Add(-48 * time.Hour))
	org, key := env.NewOrg(t, "ООО Процесс")
	env.Do(t, key, `mutation { upsertDepartments(input: [{externalId: "D-1", name: "Отдел"}]) { created } }`, nil).Must(t, nil)
	env.Do(t, key, `mutation($in: NotificationSettingsInput!) { updateNotificationSettings(input: $in) { windowStart } }`,
		map[string]any{"in": map[string]any{"payslipReminderDays": []int{1}, "windowStart": "00:00", "windowEnd": "24:00"}}).Must(t, nil)
	const batch = 250
	for from := 1; from <= n; from += batch {
		var emps, slips []map[string]any
		for i := from; i < from+batch && i <= n; i++ {
			emp := fmt.Sprintf("E-%d", i)
			emps = append(emps, map[string]any{"externalId": emp, "lastName": "Иванов", "firstName": "Иван", "departmentExternalId": "D-1"})
			slips = append(slips, testkit.Payslip("PS-"+emp, emp, "2026-10"))
		}
		env.Do(t, key, `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { created } }`,
			map[string]any{"in": emps}).Must(t, nil)
		for _, e := range emps {
			emp := e["externalId"].(string)
			s := env.EmployeeSession(t, org, emp, "phone")
			a := &kabinet.Actor{Role: kabinet.RoleEmployee, OrgID: org, EmployeeID: s.EmployeeID, DeviceID: s.DeviceID, SessionID: s.ID}
			if err := env.App.Push.RegisterPushToken(context.Background(), a, kabinet.ProviderFCM, fcmToken(emp, "phone")); err != nil {
				t.Fatalf("push token of %s: %v", emp, err)
			}
		}
		env.PublishPayslips(t, key, slips...)
	}
	return env, key
}

// reminders counts the payslip reminders the fake received, by token.
func reminders(ff *pushtest.FCM) map[string]int {
	got := map[string]int{}
	for _, m := range ff.Messages() {
		if strings.HasPrefix(m.CollapseKey, "payslip:") {
			got[m.Token]++
		}
	}
	return got
}

// hrTraffic publishes payslips of later periods and reads the delivery log
// over HTTP until stop is called; errors while the server is down are
// expected and ignored.
func hrTraffic(url func() string, key string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			q := `mutation($in: [PayslipInput!]!) { publishPayslips(input: $in) { created } }`
			vars := map[string]any{"in": []any{testkit.Payslip(fmt.Sprintf("HR-%d", i), fmt.Sprintf("E-%d", 1+i%processEmployees), "2026-11")}}
			if i%2 == 1 {
				q, vars = `{ deliveries(employeeExternalId: "E-1") { status } }`, nil
			}
			body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url()+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+key)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() { cancel(); <-done }
}

// processCrash runs the scenario: serve, stop with sig once the fake has
// received some reminders (the rest are in flight or waiting), serve again
// until every reminder arrived, and return what the fake received and how
// many had arrived at the stop.
func processCrash(t *testing.T, sig syscall.Signal) (got map[string]int, atStop int, log []delivery) {
	env, key := processFixture(t, processEmployees)
	ff := pushtest.NewFCM(t)
	ff.SetDefault(pushtest.Reply{Delay: 300 * time.Millisecond})
	vars := ff.Env(t)
	vars["KABINET_DB"] = env.DBPath
	vars["KABINET_PUSH_LEASE"] = "5s"
	var mu sync.Mutex
	srv := startServer(t, vars)
	url := func() string { mu.Lock(); defer mu.Unlock(); return srv.url }
	stopHR := hrTraffic(url, key)
	defer stopHR()
	waitFor(t, "reminders to reach the fake", func() bool { return len(reminders(ff)) >= 10 })
	srv.stop(t, sig)
	// Requests whose bytes were on their way when the process died are
	// still being read by the fake: they were in flight at the stop.
	time.Sleep(300 * time.Millisecond)
	atStop = len(ff.Messages())
	ff.SetDefault(pushtest.Reply{})
	next := startServer(t, vars)
	mu.Lock()
	srv = next
	mu.Unlock()
	// After SIGKILL the dead instance's claims come due when its lease
	// (5 s) runs out.
	deadline := time.Now().Add(20 * time.Second)
	for len(reminders(ff)) < processEmployees && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a late duplicate would arrive now
	next.stop(t, syscall.SIGTERM)
	var out struct{ Deliveries []delivery }
	env.Do(t, key, `{ deliveries(limit: 1000) { kind status employeeExternalId attempts { outcome } } }`, nil).Must(t, &out)
	for _, d := range out.Deliveries {
		if d.Kind == "PAYSLIP_REMINDER" && d.Status != "PLANNED" {
			log = append(log, d)
		}
	}
	if len(log) != processEmployees {
		t.Errorf("got %d reminders past PLANNED in HR's log, want %d", len(log), processEmployees)
	}
	return reminders(ff), atStop, log
}

// TestProcessSIGTERM: a graceful stop mid-dispatch sends nothing twice and
// loses nothing.
func TestProcessSIGTERM(t *testing.T) {
	got, atStop, log := processCrash(t, syscall.SIGTERM)
	if len(got) != processEmployees {
		t.Fatalf("got reminders for %d phones, want %d (lost some)", len(got), processEmployees)
	}
	// A send the stop turned into a retry would be repeated only 15–30 s
	// later: HR's log shows it now.
	for _, d := range log {
		if d.Status != "SENT" || len(d.Attempts) != 1 {
			t.Errorf("%s: got %s with attempts %+v, want SENT at the first attempt", d.EmployeeExternalID, d.Status, d.Attempts)
		}
	}
	for tok, n := range got {
		if n != 1 {
			t.Errorf("%s got %d copies, want 1: a SIGTERM repeated a send", tok, n)
		}
	}
	t.Logf("%d messages had reached the fake at SIGTERM", atStop)
}

// TestProcessSIGKILL: a kill mid-dispatch loses nothing and repeats at most
// the sends in flight: those handed to the provider whose answer was not
// yet written, at most Concurrency + Concurrency/2 (the dispatcher's
// InDoubtLimit at the default 32), and only ones that had reached the
// provider before the kill.
func TestProcessSIGKILL(t *testing.T) {
	got, atStop, log := processCrash(t, syscall.SIGKILL)
	for _, d := range log {
		if d.Status != "SENT" {
			t.Errorf("%s: got %s, want SENT after the restart", d.EmployeeExternalID, d.Status)
		}
	}
	dups := duplicates(t, got, processEmployees)
	if dups > inDoubtLimit || dups > atStop {
		t.Fatalf("got %d duplicates, want at most %d (in doubt) and at most the %d sends made before the kill", dups, inDoubtLimit, atStop)
	}
	t.Logf("%d messages had reached the fake at SIGKILL; %d repeated after the restart", atStop, dups)
}

// threeInstanceDevices is how many phones the three-instance tests remind:
// KABINET_TEST_DEVICES, else 300 (2,000 takes about a minute on two
// shared cores; see BENCHMARKS.md).
func threeInstanceDevices(t *testing.T) int {
	if v := os.Getenv("KABINET_TEST_DEVICES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("KABINET_TEST_DEVICES=%q: want a positive number", v)
		}
		return n
	}
	return 300
}

// threeInstances seeds n phones on PostgreSQL and starts three `kabinet
// serve` processes on the database, dispatching to one fake FCM that
// answers after delay.
func threeInstances(t *testing.T, delay time.Duration) (n int, ff *pushtest.FCM, servers []*server) {
	t.Helper()
	if testkit.DefaultStore() != testkit.StorePostgres {
		t.Skip("several instances share one database only on PostgreSQL (KABINET_TEST_STORE=postgres)")
	}
	n = threeInstanceDevices(t)
	start := time.Now()
	env, _ := processFixture(t, n)
	t.Logf("seeded %d phones in %v", n, time.Since(start).Round(time.Millisecond))
	ff = pushtest.NewFCM(t)
	ff.SetDefault(pushtest.Reply{Delay: delay})
	vars := ff.Env(t)
	vars["KABINET_DB"] = env.DBPath
	vars["KABINET_PUSH_LEASE"] = "5s"
	for range 3 {
		servers = append(servers, startServer(t, vars))
	}
	return n, ff, servers
}

// waitReminders waits until n phones have their reminder (or the deadline),
// then a second more for late duplicates, and returns the count by token.
func waitReminders(ff *pushtest.FCM, n int, within time.Duration) map[string]int {
	deadline := time.Now().Add(within)
	for len(reminders(ff)) < n && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // a duplicate would arrive now
	return reminders(ff)
}

// inDoubtLimit is how many sends one killed instance may leave in doubt:
// Concurrency + Concurrency/2 at the default Concurrency of 32 (push/pipeline.go).
const inDoubtLimit = 32 + 32/2

// duplicates checks that each of n phones got its reminder once or twice
// and returns how many second copies there were.
func duplicates(t *testing.T, got map[string]int, n int) int {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got reminders for %d phones, want %d (lost some)", len(got), n)
	}
	dups := 0
	for tok, k := range got {
		if k > 2 {
			t.Errorf("%s got %d copies, want at most 2", tok, k)
		}
		dups += k - 1
	}
	return dups
}

// TestProcessThreeInstances: three `kabinet serve` processes on one
// PostgreSQL database dispatch the same due reminders (claims with FOR
// UPDATE SKIP LOCKED under a lease): every phone gets its reminder exactly
// once. It runs when the suite runs on PostgreSQL (KABINET_TEST_STORE).
func TestProcessThreeInstances(t *testing.T) {
	n, ff, _ := threeInstances(t, 20*time.Millisecond)
	start := time.Now()
	got := waitReminders(ff, n, 45*time.Second)
	t.Logf("%d phones reminded by three instances in %v", len(got), time.Since(start).Round(time.Millisecond))
	if len(got) != n {
		t.Errorf("got reminders for %d phones, want %d", len(got), n)
	}
	for tok, k := range got {
		if k != 1 {
			t.Errorf("%s got the reminder %d times, want once", tok, k)
		}
	}
}

// TestProcessThreeInstancesSIGKILL: one of three instances is killed
// mid-dispatch. Nothing is lost (its claims come due again when its lease
// ends and the others take them), and the only repeats are its sends in
// doubt: handed to the provider, answer not yet written — at most
// Concurrency + Concurrency/2 (the pipeline's bound at the default 32) for
// the one killed instance; the survivors repeat nothing.
func TestProcessThreeInstancesSIGKILL(t *testing.T) {
	n, ff, servers := threeInstances(t, 300*time.Millisecond)
	waitFor(t, "a quarter of the reminders to reach the fake", func() bool { return len(reminders(ff)) >= n/4 })
	servers[0].stop(t, syscall.SIGKILL)
	atKill := len(ff.Messages())
	ff.SetDefault(pushtest.Reply{})
	got := waitReminders(ff, n, 45*time.Second)
	dups := duplicates(t, got, n)
	if dups > inDoubtLimit || dups > atKill {
		t.Fatalf("got %d duplicates, want at most %d (the killed instance's sends in doubt) and at most the %d sends made before the kill",
			dups, inDoubtLimit, atKill)
	}
	t.Logf("%d phones; %d messages had reached the fake at SIGKILL; %d repeated (bound %d)", n, atKill, dups, inDoubtLimit)
}
