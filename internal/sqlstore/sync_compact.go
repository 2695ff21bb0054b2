package sqlstore

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/internal/storecodec"
)

// ForgetMutations deletes the remembered offline actions (their
// clientMutationId and answer) made before the given time, in transactions
// of at most batch rows. It runs after each store's compaction of its
// change log (CompactChanges): a phone whose cursor is older than the
// retention floor starts over from a snapshot, so its replays are no
// longer answered from memory either. Several instances may run it at
// once: each batch skips the rows another one holds.
func (s *Store) ForgetMutations(ctx context.Context, before time.Time, batch int) error {
	for {
		var n int64
		err := s.run.Write(ctx, func(tx Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM sync_mutations WHERE (employee_id, client_mutation_id) IN
				(SELECT employee_id, client_mutation_id FROM sync_mutations WHERE created_at < ? LIMIT ?`+s.dialect.SkipLocked()+`)`,
				storecodec.MS(before), batch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil || n == 0 {
			return err
		}
	}
}
