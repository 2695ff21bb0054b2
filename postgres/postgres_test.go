package postgres_test

import (
	"context"
	"testing"

	"github.com/kabinet/kabinet/internal/pgtest"
	"github.com/kabinet/kabinet/postgres"
	"github.com/kabinet/kabinet/sqlite"
)

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.DSN(t), nil, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	applied, err := db.Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The same versions and names as SQLite's: one schema history.
	lite, err := sqlite.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(lite) {
		t.Fatalf("applied %d migrations, SQLite has %d", len(applied), len(lite))
	}
	for i, m := range lite {
		if applied[i] != m.Name {
			t.Errorf("migration %d: got %s, want %s (as in sqlite/migrations)", i, applied[i], m.Name)
		}
	}
}
