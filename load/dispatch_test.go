package load_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/load"
	"github.com/kabinet/kabinet/push/providers"
)

// TestDispatch runs `kabinet-load --scenario dispatch --push-fakes DIR` as
// an operator would: the harness starts the wire-level fake FCM and APNs
// and writes DIR/push.env, the server is started with those variables, and
// every phone's reminder arrives at the fakes, once.
func TestDispatch(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	jsonPath := filepath.Join(dir, "report.json")
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- load.Main(context.Background(), []string{"--target", "http://" + addr, "--scenario", "dispatch",
			"--push-fakes", dir, "--wait", "30s", "--dispatch-timeout", "20s",
			"--employees", "12", "--months", "1", "--concurrency", "4", "--settle", "0s", "--json", jsonPath},
			func(string) string { return testkit.BootstrapToken }, &out)
	}()
	env := readEnv(t, filepath.Join(dir, "push.env"), done)
	testkit.Start(t, func(c *app.Config, o *app.Options) {
		c.Addr = addr
		c.Push = providers.ConfigFromEnv(func(k string) string { return env[k] })
		o.Clock = testkit.NewClock(time.Now()) // the harness plans with its own clock
	})
	if err := <-done; err != nil {
		t.Fatalf("kabinet-load: %v\n%s", err, out.String())
	}
	var rep load.Report
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Scenarios) != 1 || rep.Scenarios[0].Scenario != "dispatch" {
		t.Fatalf("scenarios %+v, want dispatch alone", rep.Scenarios)
	}
	s := rep.Scenarios[0]
	if s.Extra["reminders_planned"] != 12 || s.Extra["reminders_arrived"] != 12 || s.Requests != 12 {
		t.Fatalf("planned %v, arrived %v (%d recorded), want 12 each", s.Extra["reminders_planned"], s.Extra["reminders_arrived"], s.Requests)
	}
	for _, k := range []string{"KABINET_FCM_ENDPOINT", "KABINET_FCM_CREDENTIALS", "KABINET_APNS_HOST", "KABINET_APNS_KEY_FILE"} {
		if !strings.Contains(out.String(), k+"=") {
			t.Errorf("the harness did not print %s for the server:\n%s", k, out.String())
		}
	}
	t.Log(out.String())
}

// TestDispatchNeedsFakes: without --push-fakes the server would send to the
// real providers (or nowhere), so the harness refuses before any work.
func TestDispatchNeedsFakes(t *testing.T) {
	var out bytes.Buffer
	err := load.Main(context.Background(), []string{"--target", "http://127.0.0.1:1", "--scenario", "payday,dispatch"},
		func(string) string { return "token" }, &out)
	if err == nil || !strings.Contains(err.Error(), "--push-fakes") {
		t.Fatalf("got %v, want an error naming --push-fakes", err)
	}
}

// freeAddr is a local address nothing listens on (for the server the
// harness waits for).
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// readEnv waits for the harness's push.env and parses it.
func readEnv(t *testing.T, path string, done <-chan error) map[string]string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil { // written whole, then renamed
			env := map[string]string{}
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, "="); ok {
					env[k] = v
				}
			}
			return env
		}
		select {
		case err := <-done:
			t.Fatalf("the harness stopped before writing %s: %v", path, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 20s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
