package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/pgtest"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/sqlite"
)

const (
	msSync = `query($c: String) { sync(cursor: $c, limit: 100) { payslips { id externalId } deleted { id } cursor hasMore } }`
	msHR   = `{ employees { id externalId login lastName firstName email phone departmentExternalId }
		payslips { id externalId employeeExternalId period publishedAt accrued paid netPay viewedAt retractedAt }
		deliveries { id kind stage employeeExternalId platform status plannedAt sentAt } }`
)

type msPage struct {
	Sync struct {
		Payslips []struct{ ID, ExternalID string }
		Cursor   string
		HasMore  bool
	}
}

// TestMigrateStore builds a SQLite deployment through the app (two
// organisations, so that SQLite's one change sequence interleaves them;
// activated cabinets, phones that synced, push tokens and planned reminders),
// copies it with migrate-store into a fresh PostgreSQL schema, and starts
// the app on the copy: the phone's token and cursor go on working (the next
// sync returns only what was published after the move), and HR sees the
// same employees, payslips and deliveries.
func TestMigrateStore(t *testing.T) {
	dsn := pgtest.DSN(t)
	old := testkit.Start(t, testkit.Store(testkit.StoreSQLite))
	type org struct{ id, key, token, cursor string }
	var orgs []*org
	for _, name := range []string{"ООО Первая", "ООО Вторая"} {
		id, key := old.NewOrg(t, name)
		orgs = append(orgs, &org{id: id, key: key})
		old.SeedEmployees(t, key, 3)
	}
	for i := range 2 { // interleave the organisations' changes
		for _, o := range orgs {
			if i == 0 {
				s := old.EmployeeSession(t, o.id, "E-1", "")
				o.token = s.AccessToken
				old.Do(t, o.token, `mutation($in: RegisterPushTokenInput!) { registerPushToken(input: $in) }`,
					map[string]any{"in": map[string]any{"provider": "FCM", "token": "fcm:" + o.id + "-abcdefghijklmnopqrstuvwxyz0123456789"}}).Must(t, nil)
			}
			old.PublishPayslips(t, o.key, testkit.Payslip(fmt.Sprintf("P-%d", i), "E-1", fmt.Sprintf("2026-%02d", 9+i)),
				testkit.Payslip(fmt.Sprintf("Q-%d", i), "E-2", fmt.Sprintf("2026-%02d", 9+i)))
		}
	}
	for _, o := range orgs {
		var p msPage
		old.Do(t, o.token, msSync, map[string]any{"c": nil}).Must(t, &p)
		if len(p.Sync.Payslips) != 2 || p.Sync.HasMore {
			t.Fatalf("full sync before the move: %+v", p.Sync)
		}
		o.cursor = p.Sync.Cursor
	}
	hrBefore := make([]string, len(orgs))
	for i, o := range orgs {
		hrBefore[i] = hrView(t, old, o.key)
		if !strings.Contains(hrBefore[i], `"status"`) {
			t.Fatalf("no deliveries planned before the move: %s", hrBefore[i])
		}
	}

	var out bytes.Buffer
	err := run(context.Background(), []string{"migrate-store", "--from", old.DBPath, "--to", dsn}, env(nil), &out)
	if err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("migrate-store with the server up: %v, want a refusal", err)
	}
	// The server stays up (it writes nothing more): --force.
	if err := run(context.Background(), []string{"migrate-store", "--force", "--from", old.DBPath, "--to", dsn}, env(nil), &out); err != nil {
		t.Fatalf("migrate-store: %v\n%s", err, out.String())
	}
	t.Log(out.String())
	for _, table := range []string{"organizations", "changes", "push_outbox", "cabinets", "secrets"} {
		if !regexpLine(out.String(), table) {
			t.Errorf("report has no ok line for %s:\n%s", table, out.String())
		}
	}
	// A second run finds the target not empty and changes nothing.
	out.Reset()
	err = run(context.Background(), []string{"migrate-store", "--force", "--from", old.DBPath, "--to", dsn}, env(nil), &out)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second migrate-store: %v, want a not-empty refusal", err)
	}

	moved := testkit.Start(t, func(c *app.Config, _ *app.Options) { c.DB = dsn })
	for i, o := range orgs {
		if got := hrView(t, moved, o.key); got != hrBefore[i] {
			t.Errorf("HR view of %s differs after the move:\nbefore %s\nafter  %s", o.id, hrBefore[i], got)
		}
		var p msPage
		moved.Do(t, o.token, msSync, map[string]any{"c": o.cursor}).Must(t, &p)
		if len(p.Sync.Payslips) != 0 {
			t.Errorf("%s: the cursor from SQLite brought %d payslips again", o.id, len(p.Sync.Payslips))
		}
		moved.PublishPayslips(t, o.key, testkit.Payslip("P-new", "E-1", "2026-12"))
		moved.Do(t, o.token, msSync, map[string]any{"c": p.Sync.Cursor}).Must(t, &p)
		if len(p.Sync.Payslips) != 1 || p.Sync.Payslips[0].ExternalID != "P-new" {
			t.Errorf("%s: after the move the old cursor's next sync has %+v, want only P-new", o.id, p.Sync.Payslips)
		}
	}
}

func hrView(t *testing.T, e *testkit.Env, key string) string {
	t.Helper()
	var v any
	e.Do(t, key, msHR, nil).Must(t, &v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func regexpLine(report, table string) bool {
	for _, l := range strings.Split(report, "\n") {
		if f := strings.Fields(l); len(f) >= 4 && f[0] == table && f[len(f)-1] == "ok" {
			return true
		}
	}
	return false
}

// TestMigrateStoreRefuses: a source with a table the target has no place
// for, or with a value that does not fit its column, fails the command and
// leaves the target empty, so that the copy can be run again once fixed.
func TestMigrateStoreRefuses(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	path := filepath.Join(t.TempDir(), "kabinet.db")
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	migrateStore := func() (string, error) {
		var out bytes.Buffer
		// --force: the test's own connection keeps the -wal file.
		err := run(ctx, []string{"migrate-store", "--force", "--from", path, "--to", dsn}, env(nil), &out)
		return out.String(), err
	}
	exec(`CREATE TABLE local_notes (id INTEGER PRIMARY KEY, note TEXT)`)
	if _, err := migrateStore(); err == nil || !strings.Contains(err.Error(), "source table local_notes has no place in the target") {
		t.Fatalf("extra source table: got %v", err)
	}
	exec(`DROP TABLE local_notes`)
	exec(`INSERT INTO organizations (id, name, timezone, created_at) VALUES ('org-1', 'ООО', 'Europe/Moscow', 0)`)
	exec(`INSERT INTO employees (id, org_id, external_id, last_name, first_name, is_org_head, fingerprint, created_at, updated_at)
		VALUES ('emp-1', 'org-1', 'E-1', 'Иванов', 'Иван', 'yes', '', 0, 0)`)
	if _, err := migrateStore(); err == nil || !strings.Contains(err.Error(), "does not fit a boolean column") {
		t.Fatalf("text in a boolean column: got %v", err)
	}
	exec(`UPDATE employees SET is_org_head = 1`)
	out, err := migrateStore() // the failed runs left the target empty
	if err != nil {
		t.Fatalf("after the fixes: %v\n%s", err, out)
	}
	if !regexpLine(out, "employees") {
		t.Errorf("no ok line for employees:\n%s", out)
	}
}
