package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/sqlite"
)

// MustOpenDB opens a real SQLite file in a temporary directory.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "k.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.Migrations(ctx)
	if err != nil || len(first) < 2 || first[0] != "0001_foundation.sql" {
		t.Fatalf("got migrations %v, %v", first, err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	db.Close()
	// Reopening applies nothing new and keeps the data.
	db, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	again, _ := db.Migrations(ctx)
	if len(again) != len(first) {
		t.Fatalf("got %d migrations after reopening, want %d", len(again), len(first))
	}
	var mode string
	var fk int
	db.ReadTx(ctx, func(tx *sql.Tx) error {
		tx.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode)
		return tx.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk)
	})
	if mode != "wal" || fk != 1 {
		t.Fatalf("got journal_mode %q, foreign_keys %d; want wal, 1", mode, fk)
	}
}

func TestReaderIsReadOnly(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, name, timezone, created_at) VALUES ('x', 'x', 'UTC', 0)`)
		return err
	})
	if err == nil {
		t.Fatal("a write through the reader pool succeeded")
	}
}

// TestChangeHead: the in-memory head follows every committed change, is not
// moved by writes that record none, and is read back after reopening.
func TestChangeHead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := db.CommittedHead(); got != 0 {
		t.Fatalf("got head %d on a new database, want 0", got)
	}
	org := &kabinet.Organization{Name: "A", Timezone: "UTC"}
	if err := db.CreateOrganization(ctx, org, "h"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.UpsertEmployees(ctx, org.ID, []kabinet.Employee{{ExternalID: "E-1", LastName: "И", FirstName: "И"}}); err != nil {
		t.Fatal(err)
	}
	ids, _ := db.EmployeeIDs(ctx, org.ID, []string{"E-1"})
	if got, _ := db.CommittedHead(); got != 0 {
		t.Fatalf("got head %d after writes that record no change, want 0", got)
	}
	for i, ext := range []string{"PS-1", "PS-2"} {
		slip := kabinet.Payslip{ExternalID: ext, EmployeeID: ids["E-1"], Period: "2026-10", Currency: "RUB", Accrued: 100}
		if _, _, err := db.PublishPayslips(ctx, org.ID, []kabinet.Payslip{slip}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.CommittedHead(); got != int64(i+1) {
			t.Fatalf("got head %d after %d changes, want %d", got, i+1, i+1)
		}
	}
	db.Close()
	db, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, _ := db.CommittedHead(); got != 2 {
		t.Fatalf("got head %d after reopening, want 2", got)
	}
}
