package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/sqlite"
	"github.com/kabinet/kabinet/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(tb testing.TB, clock kabinet.Clock) app.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "k.db"), clock)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		return db
	})
}
