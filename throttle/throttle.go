// Package throttle is Kabinet's one limiter of repeated events — wrong
// activation codes, wrong passwords and PINs, successful sign-ins that an
// address has proven — per key (a code, a device, a client address, a
// login).
//
// Counters live in the database (fixed windows: one row per key with its
// count, the end of its window and the time of its last event), so limits
// hold across restarts and are shared by every instance using the same
// database. Counting is one atomic add-and-read in the store, so concurrent
// events of one key are all counted.
//
// A Rule either caps a key (at most Max events per Window, then Check
// refuses until the window ends) or, with Backoff set, delays it
// progressively: after Free events, each further attempt must wait
// Backoff·2^(n−Free) after the last one (at most MaxDelay), so a guesser
// slows down exponentially while nobody is ever locked out for good.
//
// Usage:
//
//	keys := []throttle.Key{{Name: "login/addr/" + addr, Rule: perAddress}, …}
//	if err := l.Check(ctx, keys...); err != nil { return err } // RATE_LIMITED
//	if wrong { l.Add(ctx, keys...) }
//
// Errors: Check returns a RATE_LIMITED *kabinet.Error with RetryAfter set.
package throttle

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// Rule is how many events a key may have.
type Rule struct {
	// Max events per Window; once reached, Check refuses until the window
	// ends. Zero: no cap (a Backoff rule).
	Max    int
	Window time.Duration
	// Backoff, if set, delays instead of capping: after Free events in the
	// window, the next attempt must wait Backoff·2^(n−Free) after the last
	// event, at most MaxDelay.
	Free     int
	Backoff  time.Duration
	MaxDelay time.Duration
}

// Key is one counter: a name that says what is counted ("login/addr/…")
// and its rule. Names are stored as given: hash secrets before using them.
type Key struct {
	Name string
	Rule Rule
}

// Counter is the stored state of one key.
type Counter struct {
	Count     int
	WindowEnd time.Time // the count is void from then on
	Last      time.Time // the latest event
}

// Store keeps the counters. It is small on purpose: every store (SQLite,
// PostgreSQL) implements it with one statement per method.
type Store interface {
	// ThrottleCounters returns the counters of the named keys whose window
	// has not ended at now; other keys are absent.
	ThrottleCounters(ctx context.Context, names []string, now time.Time) (map[string]Counter, error)
	// AddThrottle adds one event to the key at now, atomically, starting a
	// new window [now, now+window) if the stored one has ended, and returns
	// the counter after the addition.
	AddThrottle(ctx context.Context, name string, now time.Time, window time.Duration) (Counter, error)
	// ResetThrottle drops the counters of the named keys.
	ResetThrottle(ctx context.Context, names []string) error
	// PurgeThrottle drops counters whose window ended before t.
	PurgeThrottle(ctx context.Context, before time.Time) error
}

// Limiter checks and counts events. It is safe for concurrent use.
type Limiter struct {
	Store Store
	Clock kabinet.Clock
}

// Wait is how long the counter c of a key under rule r must wait at now
// before the next attempt (0: it may go ahead).
func (r Rule) Wait(c Counter, now time.Time) time.Duration {
	if !now.Before(c.WindowEnd) {
		return 0
	}
	if r.Backoff > 0 {
		if c.Count < r.Free {
			return 0
		}
		d := r.MaxDelay
		if shift := c.Count - r.Free; shift < 30 {
			d = min(r.Backoff<<shift, r.MaxDelay)
		}
		return max(c.Last.Add(d).Sub(now), 0)
	}
	if r.Max > 0 && c.Count >= r.Max {
		return c.WindowEnd.Sub(now)
	}
	return 0
}

// Check returns RATE_LIMITED (with RetryAfter: the longest wait among the
// keys) if any key must wait. Keys with an empty name are ignored.
func (l *Limiter) Check(ctx context.Context, keys ...Key) error {
	cs, err := l.Counters(ctx, keys...)
	if err != nil {
		return err
	}
	now := l.Clock.Now()
	var wait time.Duration
	for _, k := range keys {
		if c, ok := cs[k.Name]; ok {
			wait = max(wait, k.Rule.Wait(c, now))
		}
	}
	if wait > 0 {
		return Limited(wait)
	}
	return nil
}

// Limited is the RATE_LIMITED error for a wait.
func Limited(wait time.Duration) error {
	return &kabinet.Error{Code: kabinet.ERATELIMITED, RetryAfter: wait,
		Message: "too many attempts; try again in " + roundUp(wait)}
}

// Counters returns the live counters of the keys, by name.
func (l *Limiter) Counters(ctx context.Context, keys ...Key) (map[string]Counter, error) {
	names := names(keys)
	if len(names) == 0 {
		return nil, nil
	}
	return l.Store.ThrottleCounters(ctx, names, l.Clock.Now())
}

// Add counts one event for every key. It is counted even if the client has
// gone away: a guesser must not escape the count by hanging up.
func (l *Limiter) Add(ctx context.Context, keys ...Key) error {
	ctx = context.WithoutCancel(ctx)
	now := l.Clock.Now()
	for _, k := range keys {
		if k.Name == "" {
			continue
		}
		if _, err := l.Store.AddThrottle(ctx, k.Name, now, k.Rule.Window); err != nil {
			return err
		}
	}
	return nil
}

// Reset forgets the events of the keys, e.g. of a device after it signed
// in. Do not reset shared keys (a client address) on success: an attacker
// holding one valid credential could otherwise keep the counter low.
func (l *Limiter) Reset(ctx context.Context, keys ...Key) error {
	n := names(keys)
	if len(n) == 0 {
		return nil
	}
	return l.Store.ResetThrottle(context.WithoutCancel(ctx), n)
}

// Purge drops the counters whose window has ended.
func (l *Limiter) Purge(ctx context.Context) error {
	return l.Store.PurgeThrottle(ctx, l.Clock.Now())
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
