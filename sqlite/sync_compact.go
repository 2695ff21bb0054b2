package sqlite

import (
	"github.com/kabinet/kabinet/internal/storecodec"

	"context"
	"database/sql"
	"time"
)

// CompactChanges deletes the change log's rows recorded before the given
// time, and the remembered offline actions made before it, in transactions
// of at most batch rows so that publication is never blocked for long. It
// raises the retention floor to the last deleted seq in the same
// transaction as each deletion, so at every commit "seq <= floor" is exactly
// the compacted part of the log. It returns the number of change rows
// deleted and the floor afterwards.
//
// Rows are deleted as a prefix in seq order: if the clock ever went back,
// a row younger than before but older in seq than a compactable one goes
// too, which at worst makes a few cursors reset a little early.
func (db *DB) CompactChanges(ctx context.Context, before time.Time, batch int) (deleted, floor int64, err error) {
	if batch <= 0 {
		batch = 10_000
	}
	var target sql.NullInt64
	if err := db.read.QueryRowContext(ctx, `SELECT max(seq) FROM changes WHERE at < ?`, storecodec.MS(before)).Scan(&target); err != nil {
		return 0, 0, err
	}
	for {
		var n int64
		err := db.WriteTx(ctx, func(tx *sql.Tx) error {
			if err := tx.QueryRowContext(ctx, `SELECT floor_seq FROM sync_state WHERE id = 1`).Scan(&floor); err != nil {
				return err
			}
			var end sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM (SELECT seq FROM changes WHERE seq <= ? ORDER BY seq LIMIT ?)`,
				target.Int64, batch).Scan(&end); err != nil || !end.Valid {
				return err
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM changes WHERE seq <= ?`, end.Int64)
			if err != nil {
				return err
			}
			if n, err = res.RowsAffected(); err != nil {
				return err
			}
			floor = max(floor, end.Int64)
			_, err = tx.ExecContext(ctx, `UPDATE sync_state SET floor_seq = ? WHERE id = 1`, floor)
			return err
		})
		if err != nil {
			return deleted, floor, err
		}
		deleted += n
		if n == 0 {
			break
		}
	}
	return deleted, floor, db.ForgetMutations(ctx, before, batch)
}
