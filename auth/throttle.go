package auth

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// Limiter throttles by key (here: the client's address). The service calls
// Check before an attempt and Add after each one that must count. An
// implementation shared by several instances keeps its counts in the
// database; the integrator may put the throttle/ package behind it.
type Limiter interface {
	// Check returns RATE_LIMITED, with RetryAfter, once key has reached its
	// limit in the current window.
	Check(ctx context.Context, key string) error
	// Add counts one event of key.
	Add(ctx context.Context, key string) error
}

// CounterStore keeps fixed-window counters (sqlite.DB implements it).
type CounterStore interface {
	AddCount(ctx context.Context, key string, window time.Duration) (n int, resetAt time.Time, err error)
	Count(ctx context.Context, key string, window time.Duration) (n int, resetAt time.Time, err error)
}

// WindowLimiter allows Max events per key in each fixed Window, counted in
// the database, so limits hold across restarts and instances.
type WindowLimiter struct {
	Store  CounterStore
	Clock  kabinet.Clock
	Prefix string // namespaces the keys ("ql-fail:")
	Max    int
	Window time.Duration
	What   string // for the error message: "failed quick logins"
}

// Check implements Limiter.
func (l *WindowLimiter) Check(ctx context.Context, key string) error {
	n, resetAt, err := l.Store.Count(ctx, l.Prefix+key, l.Window)
	if err != nil {
		return err
	}
	if n >= l.Max {
		wait := max(resetAt.Sub(l.Clock.Now()), time.Second)
		return &kabinet.Error{Code: kabinet.ERATELIMITED, Message: "too many " + l.What + " from this address; try again later", RetryAfter: wait}
	}
	return nil
}

// Add implements Limiter.
func (l *WindowLimiter) Add(ctx context.Context, key string) error {
	_, _, err := l.Store.AddCount(ctx, l.Prefix+key, l.Window)
	return err
}
