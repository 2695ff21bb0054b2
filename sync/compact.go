package sync

import (
	"context"
	"log/slog"
	"time"

	"github.com/kabinet/kabinet"
)

// DefaultRetention is how long changes and tombstones are kept: a phone that
// has not synced for longer must full-sync.
const DefaultRetention = 180 * 24 * time.Hour

// CompactStore is what the Compactor needs of the store.
type CompactStore interface {
	// CompactChanges deletes the change log recorded before the given time
	// and raises the retention floor past it, in batches.
	CompactChanges(ctx context.Context, before time.Time, batch int) (deleted, floor int64, err error)
}

// Compactor deletes changes and tombstones older than the retention window
// and the offline-action records of the same age. A cursor below what it
// compacted answers RESET_REQUIRED. Set Store; the rest have defaults.
type Compactor struct {
	Store CompactStore
	// Clock decides what is old; After waits between runs (time.After when
	// nil), so tests drive both.
	Clock kabinet.Clock
	After func(d time.Duration) <-chan time.Time
	// Retention is the window (DefaultRetention when zero); Interval the
	// time between runs (one hour when zero); Batch the rows deleted per
	// transaction (10,000 when zero).
	Retention time.Duration
	Interval  time.Duration
	Batch     int
	Logger    *slog.Logger
}

// CompactResult tells what a compaction did.
type CompactResult struct {
	Before  time.Time // changes recorded before this were compacted
	Deleted int64     // change-log rows deleted
	Floor   int64     // the retention floor afterwards
}

// Compact compacts once, now.
func (c *Compactor) Compact(ctx context.Context) (CompactResult, error) {
	retention := c.Retention
	if retention <= 0 {
		retention = DefaultRetention
	}
	now := time.Now().UTC()
	if c.Clock != nil {
		now = c.Clock.Now()
	}
	res := CompactResult{Before: now.Add(-retention)}
	var err error
	res.Deleted, res.Floor, err = c.Store.CompactChanges(ctx, res.Before, c.Batch)
	return res, err
}

// Run compacts at once and then every Interval until ctx is done. A failed
// run is logged and retried at the next interval. It returns ctx's error.
func (c *Compactor) Run(ctx context.Context) error {
	interval := c.Interval
	if interval <= 0 {
		interval = time.Hour
	}
	after := c.After
	if after == nil {
		after = time.After
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	for {
		res, err := c.Compact(ctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			log.ErrorContext(ctx, "sync compaction failed", "err", err)
		case res.Deleted > 0:
			log.InfoContext(ctx, "sync compaction", "deleted", res.Deleted, "floor", res.Floor, "before", res.Before)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-after(interval):
		}
	}
}
