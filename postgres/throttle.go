package postgres

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/throttle"
)

// ThrottleCounters returns the stored failure counters of the named keys.
func (db *DB) ThrottleCounters(ctx context.Context, names []string) (map[string]throttle.Counter, error) {
	out := map[string]throttle.Counter{}
	if len(names) == 0 {
		return out, nil
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	rows, err := db.conn.QueryContext(ctx, `SELECT name, failures, window_end FROM throttle_failures WHERE name IN (`+placeholders(len(names))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int
		var end int64
		if err := rows.Scan(&name, &n, &end); err != nil {
			return nil, err
		}
		out[name] = throttle.Counter{Failures: n, WindowEnd: fromMS(end)}
	}
	return out, rows.Err()
}

// AddThrottleFailure counts one failure in one statement, so concurrent
// failures of one key are all counted; an ended window starts afresh.
func (db *DB) AddThrottleFailure(ctx context.Context, name string, now time.Time, window time.Duration) error {
	return db.WriteTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO throttle_failures AS t (name, failures, window_start, window_end) VALUES (?1, 1, ?2, ?3)
			ON CONFLICT (name) DO UPDATE SET
				failures     = CASE WHEN t.window_end <= ?2 THEN 1 ELSE t.failures + 1 END,
				window_start = CASE WHEN t.window_end <= ?2 THEN ?2 ELSE t.window_start END,
				window_end   = CASE WHEN t.window_end <= ?2 THEN ?3 ELSE t.window_end END`,
			name, ms(now), ms(now.Add(window)))
		return err
	})
}

// ResetThrottle drops the counters of the named keys.
func (db *DB) ResetThrottle(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	return db.WriteTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM throttle_failures WHERE name IN (`+placeholders(len(names))+`)`, args...)
		return err
	})
}

// PurgeThrottle drops counters whose window ended before t.
func (db *DB) PurgeThrottle(ctx context.Context, t time.Time) error {
	return db.WriteTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM throttle_failures WHERE window_end < ?`, ms(t))
		return err
	})
}
