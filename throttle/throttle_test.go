package throttle_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/sqlite"
	"github.com/kabinet/kabinet/throttle"
)

func newLimiter(t *testing.T) (*throttle.Limiter, *testkit.Clock, string) {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := sqlite.Open(context.Background(), path, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &throttle.Limiter{Store: db, Clock: clock}, clock, path
}

func TestLimiter(t *testing.T) {
	ctx := context.Background()
	l, clock, path := newLimiter(t)
	rule := throttle.Rule{Max: 3, Window: 10 * time.Minute}
	a, b := throttle.Key{Name: "a", Rule: rule}, throttle.Key{Name: "b", Rule: rule}

	for i := 0; i < 3; i++ {
		if err := l.Check(ctx, a, b); err != nil {
			t.Fatalf("check before failure %d: got %v, want nil", i+1, err)
		}
		if err := l.Add(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	err := l.Check(ctx, b, a)
	var ke *kabinet.Error
	if kabinet.ErrorCode(err) != kabinet.ERATELIMITED {
		t.Fatalf("after 3 failures: got %v, want RATE_LIMITED", err)
	}
	ke = err.(*kabinet.Error)
	if ke.RetryAfter != 10*time.Minute {
		t.Errorf("got RetryAfter %v, want 10m", ke.RetryAfter)
	}
	if err := l.Check(ctx, b); err != nil {
		t.Errorf("other key: got %v, want nil", err)
	}

	// The counters are in the database: another limiter on the same file
	// (a restart, a second instance) sees them.
	db2, err := sqlite.Open(ctx, path, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	l2 := &throttle.Limiter{Store: db2, Clock: clock}
	if err := l2.Check(ctx, a); kabinet.ErrorCode(err) != kabinet.ERATELIMITED {
		t.Errorf("second instance: got %v, want RATE_LIMITED", err)
	}

	clock.Add(4 * time.Minute)
	if err := l.Check(ctx, a); err == nil || err.(*kabinet.Error).RetryAfter != 6*time.Minute {
		t.Errorf("4 minutes later: got %v, want RATE_LIMITED with 6m to wait", err)
	}
	clock.Add(6 * time.Minute)
	if err := l.Check(ctx, a); err != nil {
		t.Errorf("after the window: got %v, want nil", err)
	}
	// A new window starts counting from one.
	l.Add(ctx, a)
	if err := l.Check(ctx, a); err != nil {
		t.Errorf("one failure in a new window: got %v, want nil", err)
	}
	l.Add(ctx, a)
	l.Add(ctx, a)
	if err := l.Check(ctx, a); kabinet.ErrorCode(err) != kabinet.ERATELIMITED {
		t.Errorf("3 failures in the new window: got %v, want RATE_LIMITED", err)
	}
	if err := l.Reset(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(ctx, a); err != nil {
		t.Errorf("after Reset: got %v, want nil", err)
	}
	// Empty names are ignored (no client address known).
	if err := l.Add(ctx, throttle.Key{Rule: rule}); err != nil {
		t.Errorf("empty key: got %v, want nil", err)
	}
}

// TestBackoff: a Backoff rule never locks; after Free events each attempt
// waits twice as long as the one before, counted from the last event, up to
// MaxDelay.
func TestBackoff(t *testing.T) {
	ctx := context.Background()
	l, clock, _ := newLimiter(t)
	k := throttle.Key{Name: "b", Rule: throttle.Rule{Window: time.Hour, Free: 2, Backoff: time.Second, MaxDelay: 5 * time.Second}}
	for range 2 {
		if err := l.Check(ctx, k); err != nil {
			t.Fatalf("free attempt: got %v, want nil", err)
		}
		l.Add(ctx, k)
	}
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
		err := l.Check(ctx, k)
		if ke, ok := err.(*kabinet.Error); !ok || ke.Code != kabinet.ERATELIMITED || ke.RetryAfter != want {
			t.Fatalf("attempt %d: got %v, want RATE_LIMITED after %v", i+3, err, want)
		}
		clock.Add(want)
		if err := l.Check(ctx, k); err != nil {
			t.Fatalf("attempt %d after waiting %v: got %v, want nil", i+3, want, err)
		}
		l.Add(ctx, k)
	}
	clock.Add(time.Hour)
	if err := l.Check(ctx, k); err != nil {
		t.Fatalf("after the window: got %v, want nil", err)
	}
}

// TestConcurrentAdds: every one of many concurrent events is counted.
func TestConcurrentAdds(t *testing.T) {
	ctx := context.Background()
	l, _, _ := newLimiter(t)
	k := throttle.Key{Name: "c", Rule: throttle.Rule{Max: 1000, Window: time.Hour}}
	const n = 40
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Add(ctx, k); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	cs, err := l.Counters(ctx, k)
	if err != nil || cs["c"].Count != n {
		t.Fatalf("got %+v, %v; want count %d", cs["c"], err, n)
	}
}
