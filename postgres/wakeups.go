package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet/kabinet/internal/sqlstore"
)

// pushChannel is the NOTIFY channel of planned notifications: the planning
// transaction notifies it (delivered at commit, to every listening
// instance, not at all on rollback).
const pushChannel = "kabinet_push"

// wakeupsApp is the listener connection's application_name, so that an
// operator can tell it in pg_stat_activity.
const wakeupsApp = "kabinet wake-ups"

// Wakeup back-off between reconnections of the listener.
const (
	wakeupBackoffMin = 100 * time.Millisecond
	wakeupBackoffMax = 10 * time.Second
)

// Wakeups returns a channel that receives soon after any instance on this
// database commits planned notifications, so that every dispatcher looks
// for due work at once rather than at its next poll. It listens on a
// dedicated connection (outside the pool, which it would otherwise hold for
// ever) until ctx ends. A lost connection is reopened with back-off
// (wakeupBackoffMin doubling to wakeupBackoffMax) and each (re)connection
// sends one wake-up, for what was committed while nobody listened; the
// dispatcher's poll covers the time in between. The channel holds at most
// one pending wake-up.
func (db *DB) Wakeups(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	go func() {
		backoff := wakeupBackoffMin
		for {
			err := db.listen(ctx, ch, func() { backoff = wakeupBackoffMin })
			if ctx.Err() != nil {
				return
			}
			slog.Default().WarnContext(ctx, "postgres: push wake-ups: listener lost; dispatchers fall back to polling until it is back",
				"err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, wakeupBackoffMax)
		}
	}()
	return ch
}

// listen holds one LISTEN connection until it fails or ctx ends.
func (db *DB) listen(ctx context.Context, ch chan struct{}, connected func()) error {
	cfg := db.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = wakeupsApp
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, "LISTEN "+pushChannel); err != nil {
		return err
	}
	connected()
	for {
		select {
		case ch <- struct{}{}:
		default:
		}
		if _, err := c.WaitForNotification(ctx); err != nil {
			return err
		}
	}
}

// notifyPlanned wakes every instance's dispatcher when tx commits.
func notifyPlanned(ctx context.Context, tx sqlstore.Tx) error {
	_, err := tx.ExecContext(ctx, "NOTIFY "+pushChannel)
	return err
}
