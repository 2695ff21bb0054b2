package sqlstore

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/internal/storecodec"
	"github.com/kabinet/kabinet/throttle"
)

// ThrottleCounters returns the counters of the named keys whose window has
// not ended at now.
func (s *Store) ThrottleCounters(ctx context.Context, names []string, now time.Time) (map[string]throttle.Counter, error) {
	out := make(map[string]throttle.Counter, len(names))
	if len(names) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(names)+1)
	for _, n := range names {
		args = append(args, n)
	}
	args = append(args, storecodec.MS(now))
	rows, err := s.run.Reader().QueryContext(ctx, `SELECT name, count, window_end, last_at FROM throttle_counters
		WHERE name IN (`+placeholders(len(names))+`) AND window_end > ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int
		var end, last int64
		if err := rows.Scan(&name, &n, &end, &last); err != nil {
			return nil, err
		}
		out[name] = throttle.Counter{Count: n, WindowEnd: storecodec.FromMS(end), Last: storecodec.FromMS(last)}
	}
	return out, rows.Err()
}

// AddThrottle counts one event in one statement, so concurrent events of
// one key are all counted; an ended window starts afresh.
func (s *Store) AddThrottle(ctx context.Context, name string, now time.Time, window time.Duration) (throttle.Counter, error) {
	var c throttle.Counter
	err := s.run.Write(ctx, func(tx Tx) error {
		var end, last int64
		err := tx.QueryRowContext(ctx, `INSERT INTO throttle_counters AS t (name, count, window_end, last_at) VALUES (?1, 1, ?3, ?2)
			ON CONFLICT (name) DO UPDATE SET
				count      = CASE WHEN t.window_end <= ?2 THEN 1 ELSE t.count + 1 END,
				window_end = CASE WHEN t.window_end <= ?2 THEN ?3 ELSE t.window_end END,
				last_at    = ?2
			RETURNING count, window_end, last_at`, name, storecodec.MS(now), storecodec.MS(now.Add(window))).Scan(&c.Count, &end, &last)
		c.WindowEnd, c.Last = storecodec.FromMS(end), storecodec.FromMS(last)
		return err
	})
	return c, err
}

// ResetThrottle drops the counters of the named keys.
func (s *Store) ResetThrottle(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM throttle_counters WHERE name IN (`+placeholders(len(names))+`)`, args...)
		return err
	})
}

// PurgeThrottle drops counters whose window ended before t.
func (s *Store) PurgeThrottle(ctx context.Context, t time.Time) error {
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM throttle_counters WHERE window_end < ?`, storecodec.MS(t))
		return err
	})
}
