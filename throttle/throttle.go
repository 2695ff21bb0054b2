// Package throttle limits repeated failures — wrong activation codes, wrong
// passwords — per key (a code, a device, a client address, a login).
//
// Only failures are counted: a hundred people signing in successfully from
// one office address are never slowed down, while a script guessing codes
// from it is stopped after a few dozen wrong tries. Counters live in the
// database (fixed windows: at most Rule.Max failures per Rule.Window, counted
// from the first failure of the window), so they survive restarts and are
// shared by every instance using the same database.
//
// Usage:
//
//	keys := []throttle.Key{{Name: "activate/addr/" + addr, Rule: perAddress}, …}
//	if err := l.Check(ctx, keys...); err != nil { return err } // RATE_LIMITED
//	if wrong { l.Fail(ctx, keys...) }
//
// Errors: Check returns a RATE_LIMITED *kabinet.Error with RetryAfter set.
package throttle

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// Rule is at most Max failures per Window. Once Max failures are counted,
// Check refuses until the window ends.
type Rule struct {
	Max    int
	Window time.Duration
}

// Key is one counter: a name that says what is counted ("activate/addr/…")
// and its rule. Names are stored as given: hash secrets before using them.
type Key struct {
	Name string
	Rule Rule
}

// Counter is the stored state of one key.
type Counter struct {
	Failures  int
	WindowEnd time.Time
}

// Store keeps the counters.
type Store interface {
	// ThrottleCounters returns the counters of the named keys; absent keys
	// have none.
	ThrottleCounters(ctx context.Context, names []string) (map[string]Counter, error)
	// AddThrottleFailure counts one failure of the key at now, starting a new
	// window of the given length if the current one has ended.
	AddThrottleFailure(ctx context.Context, name string, now time.Time, window time.Duration) error
	// ResetThrottle drops the counters of the named keys.
	ResetThrottle(ctx context.Context, names []string) error
}

// Limiter checks and counts failures. It is safe for concurrent use.
type Limiter struct {
	Store Store
	Clock kabinet.Clock
}

// Check returns RATE_LIMITED (with RetryAfter: the longest wait among the
// exhausted keys) if any key has reached its rule's Max within its window.
// Keys with an empty name are ignored.
func (l *Limiter) Check(ctx context.Context, keys ...Key) error {
	names := names(keys)
	if len(names) == 0 {
		return nil
	}
	cs, err := l.Store.ThrottleCounters(ctx, names)
	if err != nil {
		return err
	}
	now := l.Clock.Now()
	var wait time.Duration
	for _, k := range keys {
		c, ok := cs[k.Name]
		if !ok || k.Name == "" || c.Failures < k.Rule.Max || !now.Before(c.WindowEnd) {
			continue
		}
		wait = max(wait, c.WindowEnd.Sub(now))
	}
	if wait > 0 {
		return &kabinet.Error{Code: kabinet.ERATELIMITED, RetryAfter: wait,
			Message: "too many failed attempts; try again in " + roundUp(wait)}
	}
	return nil
}

// Fail counts one failure for every key.
func (l *Limiter) Fail(ctx context.Context, keys ...Key) error {
	now := l.Clock.Now()
	for _, k := range keys {
		if k.Name == "" {
			continue
		}
		if err := l.Store.AddThrottleFailure(ctx, k.Name, now, k.Rule.Window); err != nil {
			return err
		}
	}
	return nil
}

// Reset forgets the failures of the keys, e.g. of a device after it signed
// in. Do not reset shared keys (a client address) on success: an attacker
// holding one valid credential could otherwise keep the counter low.
func (l *Limiter) Reset(ctx context.Context, keys ...Key) error {
	n := names(keys)
	if len(n) == 0 {
		return nil
	}
	return l.Store.ResetThrottle(ctx, n)
}

func names(keys []Key) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k.Name != "" {
			out = append(out, k.Name)
		}
	}
	return out
}

func roundUp(d time.Duration) string {
	if d < time.Minute {
		return ((d + time.Second - 1) / time.Second * time.Second).String()
	}
	return (d + time.Minute - 1).Truncate(time.Minute).String()
}
