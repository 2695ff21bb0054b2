package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet/kabinet/internal/pgtest"
)

// TestWakeupsReconnect: the listener wakes on a NOTIFY from another
// connection, and after its connection is killed on the server it comes
// back by itself (one wake-up on reconnection, for what it may have
// missed) and wakes on the next NOTIFY again.
func TestWakeupsReconnect(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := openDSN(t, dsn, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := db.Wakeups(ctx)
	other, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	wait := func(what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(3 * time.Second):
			t.Fatalf("no wake-up: %s", what)
		}
	}
	wait("on connecting") // listening from now on
	if _, err := other.Exec(ctx, "NOTIFY kabinet_push"); err != nil {
		t.Fatal(err)
	}
	wait("after a NOTIFY")
	// Kill every wake-up listener of this database (other tests' ones
	// come back the same way).
	if _, err := other.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'kabinet wake-ups' AND datname = current_database()`); err != nil {
		t.Fatal(err)
	}
	wait("after the listener's connection was killed (reconnection)")
	if _, err := other.Exec(ctx, "NOTIFY kabinet_push"); err != nil {
		t.Fatal(err)
	}
	wait("after a NOTIFY on the new connection")
}
