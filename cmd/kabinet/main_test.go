package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestMigrateFromEmpty(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--db", db}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\d+ migrations applied \(latest 0\d+_\w+\.sql\)`).MatchString(out.String()) {
		t.Fatalf("got %q", out.String())
	}
	// Applying again is a no-op.
	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, env(map[string]string{"KABINET_DB": db}), &out); err != nil {
		t.Fatal(err)
	}
}

func TestConfigErrors(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"ShortBootstrapToken": {"KABINET_BOOTSTRAP_TOKEN": "short"},
		"BadBodyLimit":        {"KABINET_MAX_BODY_BYTES": "lots"},
		"ShortSecret":         {"KABINET_SECRET": "abc"},
		"BadPushLease":        {"KABINET_PUSH_LEASE": "soon"},
		"ShortPushLease":      {"KABINET_PUSH_LEASE": "1s"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := run(context.Background(), []string{"serve"}, env(vars), &bytes.Buffer{}); err == nil {
				t.Fatal("got no error, want the configuration refused")
			}
		})
	}
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), &bytes.Buffer{}); err == nil {
		t.Fatal("an unknown command gave no error")
	}
}

// TestPushLease: KABINET_PUSH_LEASE sets the dispatcher's claim lease.
func TestPushLease(t *testing.T) {
	cfg, err := configFromEnv(env(map[string]string{"KABINET_PUSH_LEASE": "45s"}))
	if err != nil || cfg.PushLease != 45*time.Second {
		t.Fatalf("got %v, %v, want a 45s lease", cfg.PushLease, err)
	}
	if cfg, _ := configFromEnv(env(nil)); cfg.PushLease != 2*time.Minute {
		t.Fatalf("got default %v, want 2m", cfg.PushLease)
	}
}

// TestServeDemo runs `kabinet serve --demo` as a newcomer would, queries the
// demo organisation with the printed key, and stops the server.
func TestServeDemo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	out := &testkit.Buffer{}
	done := make(chan error)
	vars := map[string]string{"KABINET_DB": filepath.Join(t.TempDir(), "demo.db"), "KABINET_ADDR": addr}
	go func() { done <- run(ctx, []string{"serve", "--demo"}, env(vars), out) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var up bool
	for i := 0; i < 600 && !up; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			up = resp.StatusCode == 200
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !up {
		t.Fatalf("server did not come up; output:\n%s", out.String())
	}
	key := regexp.MustCompile(`KABINET_KEY=(kbn_[a-z0-9]+)`).FindStringSubmatch(out.String())
	if key == nil {
		t.Fatalf("no API key printed:\n%s", out.String())
	}
	body, _ := json.Marshal(map[string]string{"query": `{ employees { externalId } payslips(employeeExternalId: "E-006") { period } departments { name } }`})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Data struct {
			Employees   []struct{ ExternalID string }
			Payslips    []struct{ Period string }
			Departments []struct{ Name string }
		}
		Errors []any
	}
	json.NewDecoder(resp.Body).Decode(&res)
	if len(res.Errors) > 0 || len(res.Data.Employees) != 20 || len(res.Data.Payslips) != 12 || len(res.Data.Departments) < 3 {
		t.Fatalf("demo data: %d employees, %d payslips of E-006, %d departments, errors %v", len(res.Data.Employees), len(res.Data.Payslips), len(res.Data.Departments), res.Errors)
	}
	if strings.Contains(out.String(), "\"level\":\"ERROR\"") {
		t.Errorf("errors logged:\n%s", out.String())
	}
}
