package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/sqlite"
	"github.com/kabinet/kabinet/throttle"
)

var (
	_ auth.Store           = (*sqlite.DB)(nil)
	_ auth.PolicyStore     = (*sqlite.DB)(nil)
	_ auth.QuickLoginStore = (*sqlite.DB)(nil)
	_ auth.CredentialStore = (*sqlite.DB)(nil)
	_ throttle.Store       = (*sqlite.DB)(nil)
)

func TestSpendChallenge(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	exp := clock.Now().Add(time.Minute)
	const n = 8
	var wg sync.WaitGroup
	var won atomic.Int32
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := db.SpendChallenge(ctx, "h", exp); kabinet.ErrorCode(err) {
			case "":
				won.Add(1)
			case kabinet.ECONFLICT:
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("got %d spends of one challenge out of %d concurrent, want 1", won.Load(), n)
	}
	// Spent challenges are dropped once expired (the signature refuses them by then).
	clock.Add(time.Minute)
	if err := db.SpendChallenge(ctx, "other", clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.SpendChallenge(ctx, "h", clock.Now().Add(time.Minute)); err != nil {
		t.Fatalf("expired spent challenge not purged: %v", err)
	}
}
