package postgres

import (
	"github.com/kabinet/kabinet/internal/storecodec"

	"context"
	"time"
)

// CompactChanges deletes the change log's rows recorded before the given
// time, and the remembered offline actions made before it, in transactions
// of at most batch rows so that publication is never blocked for long. Each
// transaction raises the retention floor of every organisation it deleted
// from to the last seq it deleted there, so at every commit "seq <= floor"
// covers the compacted part of that organisation's log. It returns the
// number of change rows deleted and the highest floor afterwards.
//
// Several instances may compact at once: a batch locks the rows it deletes
// with SKIP LOCKED, so two compactors take different rows, and the floor
// only ever rises (greatest).
func (db *DB) CompactChanges(ctx context.Context, before time.Time, batch int) (deleted, floor int64, err error) {
	if batch <= 0 {
		batch = 10_000
	}
	for {
		var n int64
		err := db.WriteTx(ctx, func(tx *txn) error {
			return tx.QueryRowContext(ctx, `WITH gone AS (
					DELETE FROM changes WHERE (org_id, seq) IN (
						SELECT org_id, seq FROM changes WHERE at < ? ORDER BY at LIMIT ? FOR UPDATE SKIP LOCKED)
					RETURNING org_id, seq),
				raised AS (
					UPDATE sync_counters c SET floor_seq = greatest(c.floor_seq, g.last)
					FROM (SELECT org_id, max(seq) AS last FROM gone GROUP BY org_id) g
					WHERE c.org_id = g.org_id RETURNING c.floor_seq)
				SELECT (SELECT count(*) FROM gone), coalesce((SELECT max(floor_seq) FROM raised), 0)`,
				storecodec.MS(before), batch).Scan(&n, &floor)
		})
		if err != nil {
			return deleted, floor, err
		}
		deleted += n
		if n == 0 {
			break
		}
	}
	if err := db.conn.QueryRowContext(ctx, `SELECT coalesce(max(floor_seq), 0) FROM sync_counters`).Scan(&floor); err != nil {
		return deleted, floor, err
	}
	return deleted, floor, db.ForgetMutations(ctx, before, batch)
}
