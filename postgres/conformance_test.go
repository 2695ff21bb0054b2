package postgres_test

import (
	"context"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/pgtest"
	"github.com/kabinet/kabinet/postgres"
	"github.com/kabinet/kabinet/storetest"
)

// open opens a store on a fresh schema of the test server.
func open(tb testing.TB, clock kabinet.Clock) app.Store { return openDSN(tb, pgtest.DSN(tb), clock) }

func openDSN(tb testing.TB, dsn string, clock kabinet.Clock) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), dsn, clock, postgres.Options{MaxConns: 8})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }
