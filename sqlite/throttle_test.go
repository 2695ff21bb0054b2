package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/sqlite"
)

// TestThrottleMigration: a database from before migration 0007 keeps its
// live counters — activation's failures and quick login's per-address
// failures — in the one throttle table.
func TestThrottleMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob("migrations/000[1-6]_*.sql")
	for i, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(string(b)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := raw.Exec(`INSERT INTO schema_migrations VALUES (?, ?, 0)`, i+1, strings.TrimPrefix(name, "migrations/")); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	start := now.Add(-time.Minute).UnixMilli()
	for _, q := range []string{
		`INSERT INTO throttle_failures VALUES ('activate/addr/10.0.0.1', 7, ?1, ?1 + 900000)`,
		`INSERT INTO auth_counters VALUES ('ql-fail:10.0.0.2', ?1, 4)`,
	} {
		if _, err := raw.Exec(q, start); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	db, err := sqlite.Open(context.Background(), path, testkit.NewClock(now))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, err := db.ThrottleCounters(context.Background(), []string{"activate/addr/10.0.0.1", "quick/addr/10.0.0.2"}, now)
	if err != nil {
		t.Fatal(err)
	}
	end := time.UnixMilli(start).UTC().Add(15 * time.Minute)
	if c := cs["activate/addr/10.0.0.1"]; c.Count != 7 || !c.WindowEnd.Equal(end) {
		t.Errorf("activation counter: got %+v, want 7 until %v", c, end)
	}
	if c := cs["quick/addr/10.0.0.2"]; c.Count != 4 || !c.WindowEnd.Equal(end) {
		t.Errorf("quick-login counter: got %+v, want 4 until %v", c, end)
	}
}
