package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
)

// TestBackupUnderLoad takes a backup while publication goes on, restores it
// by starting a server on the copy, and finds there every employee whose
// publication had been acknowledged before the backup began.
func TestBackupUnderLoad(t *testing.T) {
	testkit.SQLiteOnly(t) // kabinet backup copies a SQLite file; PostgreSQL has pg_dump
	live := testkit.Start(t)
	orgID, key := live.NewOrg(t, "ООО Копия")
	live.SeedEmployees(t, key, 1)
	var acked atomic.Int64 // employees W-0 … W-(acked-1) are committed
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			r := live.Do(t, key, `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { created } }`, map[string]any{"in": []map[string]any{
				{"externalId": fmt.Sprintf("W-%d", i), "lastName": "Петров", "firstName": "Пётр", "departmentExternalId": "D-1"},
			}})
			if len(r.Errors) > 0 {
				t.Errorf("publish W-%d: %+v", i, r.Errors)
				return
			}
			acked.Store(int64(i + 1))
		}
	}()
	for acked.Load() < 20 { // the load is running
		time.Sleep(10 * time.Millisecond)
	}
	before := acked.Load()
	to := filepath.Join(t.TempDir(), "backup.db")
	var out bytes.Buffer
	err := run(context.Background(), []string{"backup", "--db", live.DBPath, "--to", to}, env(nil), &out)
	during := acked.Load() - before
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !strings.Contains(out.String(), "integrity ok") {
		t.Errorf("got %q, want the copy checked", out.String())
	}
	t.Logf("%d employees acknowledged before the backup, %d while it ran", before, during)

	restored := testkit.Start(t, func(c *app.Config, _ *app.Options) { c.DB = to })
	for i := range before {
		if _, err := restored.App.DB.EmployeeByExternalID(context.Background(), orgID, fmt.Sprintf("W-%d", i)); err != nil {
			t.Fatalf("W-%d, acknowledged before the backup: %v", i, err)
		}
	}
	// The restored server serves the same organisation with the same key.
	var got struct{ Employees []struct{ ExternalID string } }
	restored.Do(t, key, `{ employees(limit: 5) { externalId } }`, nil).Must(t, &got)
	if len(got.Employees) == 0 {
		t.Fatal("the restored server lists no employees with the old key")
	}
	if err := run(context.Background(), []string{"backup", "--db", live.DBPath, "--to", to}, env(nil), &out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: got %v, want it refused", err)
	}
}

// TestOrgKey issues a new key for an organisation whose key is lost: the
// new key works, the old one still does.
func TestOrgKey(t *testing.T) {
	live := testkit.Start(t)
	orgID, oldKey := live.NewOrg(t, "ООО Ключ")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"org", "list", "--db", live.DBPath}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), orgID) || !strings.Contains(out.String(), "ООО Ключ") {
		t.Fatalf("org list: got %q, want %s listed", out.String(), orgID)
	}
	out.Reset()
	if err := run(context.Background(), []string{"org", "key", "--org", orgID, "--db", live.DBPath}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`KABINET_KEY=(kbn_\w+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("got %q, want a key printed", out.String())
	}
	for _, k := range []string{m[1], oldKey} {
		live.Do(t, k, `{ employees(limit: 1) { externalId } }`, nil).Must(t, nil)
	}
	err := run(context.Background(), []string{"org", "key", "--org", "org_nope", "--db", live.DBPath}, env(nil), &out)
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unknown org: got %v, want not found", err)
	}
	err = run(context.Background(), []string{"org", "key", "--org", orgID, "--db", filepath.Join(t.TempDir(), "none.db")}, env(nil), &out)
	if err == nil || !strings.Contains(err.Error(), "no database there") {
		t.Errorf("missing database: got %v, want it named", err)
	}
}

// TestRestoreResetsCursors: a phone that synced after the backup was taken
// holds a position of a timeline the restored database never had; once the
// restored database has numbered as many changes again, that cursor would
// silently skip them. After kabinet restore it answers RESET_REQUIRED.
func TestRestoreResetsCursors(t *testing.T) {
	testkit.SQLiteOnly(t) // kabinet restore replaces a SQLite file
	live := testkit.Start(t)
	orgID, key := live.NewOrg(t, "ООО Восстановление")
	live.SeedEmployees(t, key, 1)
	live.PublishPayslips(t, key, testkit.Payslip("PS-1", "E-1", "2026-08"))
	token := live.EmployeeToken(t, orgID, "E-1")
	sync := func(env *testkit.Env, cursor string) *testkit.Response {
		var c any
		if cursor != "" {
			c = cursor
		}
		return env.Do(t, token, `query($c: String) { sync(cursor: $c) { cursor hasMore payslips { id } } }`, map[string]any{"c": c})
	}
	cursorOf := func(r *testkit.Response) string {
		var out struct{ Sync struct{ Cursor string } }
		r.Must(t, &out)
		return out.Sync.Cursor
	}
	c0 := cursorOf(sync(live, ""))
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := run(context.Background(), []string{"backup", "--db", live.DBPath, "--to", backup}, env(nil), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	live.PublishPayslips(t, key, testkit.Payslip("PS-2", "E-1", "2026-09"), testkit.Payslip("PS-3", "E-1", "2026-10"))
	c1 := cursorOf(sync(live, c0)) // a position the backup never reached

	target := filepath.Join(t.TempDir(), "kabinet.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"restore", "--from", backup, "--db", target}, env(nil), &out); err != nil {
		t.Fatalf("restore: %v", err)
	}
	restored := testkit.Start(t, func(c *app.Config, _ *app.Options) { c.DB = target })
	for i := range 5 { // the restored database numbers its own changes past c1's position
		restored.PublishPayslips(t, key, testkit.Payslip(fmt.Sprintf("PS-R%d", i), "E-1", fmt.Sprintf("2025-%02d", i+1)))
	}
	sync(restored, c1).WantCode(t, "RESET_REQUIRED")
	var full struct {
		Sync struct{ Payslips []struct{ ID string } }
	}
	sync(restored, "").Must(t, &full)
	if len(full.Sync.Payslips) != 6 {
		t.Errorf("full sync after the restore: got %d payslips, want PS-1 and the 5 published since", len(full.Sync.Payslips))
	}

	// A database a server has open is not replaced.
	err := run(context.Background(), []string{"restore", "--from", backup, "--db", restored.DBPath}, env(nil), &out)
	if err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Errorf("restore over a running server's database: got %v, want it refused", err)
	}
}
