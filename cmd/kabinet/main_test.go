package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestMigrate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--status", "--db", db}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^0001_\w+\.sql +pending$`).MatchString(out.String()) || !strings.Contains(out.String(), ": 0 applied, ") {
		t.Fatalf("status of a new file: got %q, want every migration pending", out.String())
	}
	n := strings.Count(out.String(), "pending") - 1
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "--db", db}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "applied  0"); got != n || !strings.Contains(out.String(), fmt.Sprintf(": %d new, 0 already applied", n)) {
		t.Fatalf("first migrate: got %q, want %d migrations new", out.String(), n)
	}
	// Applying again is a no-op, and says so.
	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, env(map[string]string{"KABINET_DB": db}), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), fmt.Sprintf(": 0 new, %d already applied", n)) {
		t.Fatalf("second migrate: got %q, want all %d already applied", out.String(), n)
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "--status", "--db", db}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)\.sql +pending$`).MatchString(out.String()) || !strings.Contains(out.String(), fmt.Sprintf(": %d applied, 0 pending", n)) {
		t.Fatalf("status after migrate: got %q", out.String())
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	db := filepath.Join(dir, "k.db")
	for _, tt := range []struct {
		name string
		vars map[string]string
		want string // in the one-line message
	}{
		{"ShortBootstrapToken", map[string]string{"KABINET_BOOTSTRAP_TOKEN": "short"}, "KABINET_BOOTSTRAP_TOKEN"},
		{"BadBodyLimit", map[string]string{"KABINET_MAX_BODY_BYTES": "lots"}, "KABINET_MAX_BODY_BYTES=\"lots\": not a size: write bytes, or a whole number with"},
		{"BadBatch", map[string]string{"KABINET_MAX_BATCH": "many"}, "KABINET_MAX_BATCH=\"many\": not a whole number"},
		{"ShortSecret", map[string]string{"KABINET_SECRET": "abc"}, "KABINET_SECRET"},
		{"BadPushLease", map[string]string{"KABINET_PUSH_LEASE": "soon"}, "KABINET_PUSH_LEASE=\"soon\": not a duration"},
		{"ShortPushLease", map[string]string{"KABINET_PUSH_LEASE": "1s"}, "KABINET_PUSH_LEASE must be between 5s and 1h"},
		{"UnknownEnv", map[string]string{"KABINET_ENV": "staging"}, "KABINET_ENV"},
		{"BadGraphiQL", map[string]string{"KABINET_GRAPHIQL": "yes"}, "KABINET_GRAPHIQL"},
		{"UnknownLogLevel", map[string]string{"KABINET_LOG_LEVEL": "verbose"}, "KABINET_LOG_LEVEL=\"verbose\": not a log level: use debug, info, warn or error"},
		{"BadMemoryLimit", map[string]string{"KABINET_MEMORY_LIMIT": "12 gigs"}, "KABINET_MEMORY_LIMIT=\"12 gigs\": not a size"},
		{"MissingDBDirectory", map[string]string{"KABINET_DB": filepath.Join(dir, "no", "k.db")}, "does not exist: create it, or point KABINET_DB"},
		{"DBUnderAFile", map[string]string{"KABINET_DB": filepath.Join(file, "k.db")}, "is not a directory"},
		{"DBIsADirectory", map[string]string{"KABINET_DB": dir}, "is a directory: name a file in it"},
		{"PortInUse", map[string]string{"KABINET_DB": db, "KABINET_ADDR": busy.Addr().String()}, "the port is in use (another kabinet running?): stop it, or choose another"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), []string{"serve"}, env(tt.vars), &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line with %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused start created the database")
	}
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), &bytes.Buffer{}); err == nil {
		t.Fatal("an unknown command gave no error")
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(ro, 0o500)
		err := run(context.Background(), []string{"serve", "--db", filepath.Join(ro, "k.db")}, env(nil), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "is not writable by this user") {
			t.Fatalf("read-only directory: got %v, want it named", err)
		}
	}
}

// TestHelp checks that the help exits without error and names every flag
// and every environment variable with its default.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, env(nil), &out); err != nil {
			t.Fatalf("%v: got %v, want nil", args, err)
		}
		for _, s := range settings {
			if !regexp.MustCompile(`(?m)^  ` + s.Name + ` +` + regexp.QuoteMeta(cmp.Or(s.Default, "-")) + ` `).MatchString(out.String()) {
				t.Errorf("%v: %s with its default %q is not in the help", args, s.Name, s.Default)
			}
		}
		if args[0] == "serve" {
			for _, flag := range []string{"--addr=ADDR", "--db=FILE", "--demo"} {
				if !strings.Contains(out.String(), flag) {
					t.Errorf("serve --help: %s missing", flag)
				}
			}
		}
	}
}

// TestEveryCommandHelp: each command's --help exits without error.
func TestEveryCommandHelp(t *testing.T) {
	for _, cmd := range [][]string{{"migrate"}, {"backup"}, {"restore"}, {"org", "list"}, {"org", "key"}, {"import"}, {"version"}, {"healthcheck"}} {
		var out bytes.Buffer
		if err := run(context.Background(), append(cmd, "--help"), env(nil), &out); err != nil || !strings.Contains(out.String(), "Usage: kabinet "+strings.Join(cmd, " ")) {
			t.Errorf("%v --help: got %v, %q", cmd, err, out.String())
		}
	}
}

// TestSettingsTable keeps the table honest: every variable configFromEnv
// reads is in it, and each default it shows is what the server starts with.
func TestSettingsTable(t *testing.T) {
	read := map[string]bool{}
	if _, err := configFromEnv(func(k string) string { read[k] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, s := range settings {
		listed[s.Name] = true
	}
	for k := range read {
		if !listed[k] {
			t.Errorf("%s is read but not in the settings table (nor the help)", k)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Configuration\n")
	section, _, _ = strings.Cut(section, "\n## ")
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z_]+)` \\|").FindAllStringSubmatch(section, -1) {
		documented[m[1]] = true
	}
	for name := range listed {
		if !documented[name] {
			t.Errorf("%s is not in the README's configuration table", name)
		}
	}
	for name := range documented {
		if !listed[name] {
			t.Errorf("the README documents %s, which the server does not read", name)
		}
	}
	base, _ := configFromEnv(env(nil))
	for _, s := range settings {
		if s.set == nil || s.Default == "" {
			continue
		}
		got, err := configFromEnv(env(map[string]string{s.Name: s.Default}))
		if err != nil {
			t.Errorf("%s=%s (the default): %v", s.Name, s.Default, err)
		}
		if !reflect.DeepEqual(got, base) {
			t.Errorf("%s: the default shown, %q, is not the default used", s.Name, s.Default)
		}
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^kabinet \S+\ncommit \S+.*\ngo1\.\d+`).MatchString(out.String()) {
		t.Fatalf("got %q, want version, commit and Go version", out.String())
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
	vars := map[string]string{"KABINET_DB": filepath.Join(t.TempDir(), "demo.db"), "KABINET_ADDR": addr,
		"KABINET_METRICS_TOKEN": "metrics-token-0123456789"}
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
	// --demo is development: the GraphQL IDE is on.
	if ide, err := http.Get("http://" + addr + "/graphiql"); err != nil {
		t.Errorf("GET /graphiql of the demo: %v", err)
	} else {
		ide.Body.Close()
		if ide.StatusCode != 200 {
			t.Errorf("GET /graphiql of the demo: got %d, want 200", ide.StatusCode)
		}
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
	// 20 with payslips, and two new hires without cabinets (demo.Console).
	if len(res.Errors) > 0 || len(res.Data.Employees) != 22 || len(res.Data.Payslips) != 12 || len(res.Data.Departments) < 3 {
		t.Fatalf("demo data: %d employees, %d payslips of E-006, %d departments, errors %v", len(res.Data.Employees), len(res.Data.Payslips), len(res.Data.Departments), res.Errors)
	}
	checkDemoConsole(t, addr, out.String())
	mreq, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
	mreq.Header.Set("Authorization", "Bearer metrics-token-0123456789") // not on the public port without it
	metrics, err := http.DefaultClient.Do(mreq)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(metrics.Body)
	metrics.Body.Close()
	if !regexp.MustCompile(`kabinet_build_info\{commit="[^"]+",goversion="go1\.[^"]+",version="[^"]+"\} 1`).Match(text) {
		t.Errorf("no kabinet_build_info in /metrics")
	}
	if strings.Contains(out.String(), "\"level\":\"ERROR\"") {
		t.Errorf("errors logged:\n%s", out.String())
	}
}
