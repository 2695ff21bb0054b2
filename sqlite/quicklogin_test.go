package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/sqlite"
)

var (
	_ auth.Store           = (*sqlite.DB)(nil)
	_ auth.PolicyStore     = (*sqlite.DB)(nil)
	_ auth.QuickLoginStore = (*sqlite.DB)(nil)
)

func TestCounters(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	const w = 10 * time.Minute
	for i := 1; i <= 3; i++ {
		n, reset, err := db.AddCount(ctx, "a", w)
		if err != nil || n != i || !reset.Equal(clock.Now().Add(w).Add(-time.Duration(i-1)*time.Minute)) {
			t.Fatalf("AddCount #%d: got %d, %v, %v; want %d resetting 10 minutes after the first", i, n, reset, err, i)
		}
		clock.Add(time.Minute)
	}
	if n, _, _ := db.Count(ctx, "b", w); n != 0 {
		t.Fatalf("got count %d for an unused key, want 0", n)
	}
	clock.Add(w)
	if n, _, _ := db.Count(ctx, "a", w); n != 0 {
		t.Fatalf("got count %d after the window, want 0", n)
	}
	if n, _, _ := db.AddCount(ctx, "a", w); n != 1 {
		t.Fatalf("got count %d in a new window, want 1", n)
	}
}
