package sqlite

import (
	"context"
	"database/sql"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/sqlstore"
)

// The change log's head, SQLite's way. What a sync reads is written once
// for both stores (sqlstore.Store.ReadSync); the log is this store's own:
// seq is allocated inside the single write transaction, so every change at
// or below a read transaction's high-water mark is visible in it, and none
// above it is.

// syncHead is one statement: the table's last seq (the rowid b-tree's right
// edge), the floor row, and one probe of the (employee_id, seq) index.
const syncHead = `SELECT (SELECT max(seq) FROM changes), floor_seq,
	EXISTS (SELECT 1 FROM changes WHERE employee_id = ? AND seq > ?)
	FROM sync_state WHERE id = 1`

// SyncHead reads the head with q; positions are global, so the
// organisation does not matter (sqlstore.Runner).
func (runner) SyncHead(ctx context.Context, q sqlstore.Querier, _, employeeID string, after int64) (kabinet.SyncHead, error) {
	var h kabinet.SyncHead
	var last sql.NullInt64
	if err := q.QueryRowContext(ctx, syncHead, employeeID, after).Scan(&last, &h.Floor, &h.Pending); err != nil {
		return h, err
	}
	h.Seq = max(last.Int64, h.Floor)
	return h, nil
}

// SyncHead is kabinet.SyncReader's Head without a transaction: a single
// statement reads one snapshot by itself. A sync with nothing to send
// needs nothing more, and skips BEGIN and COMMIT.
func (db *DB) SyncHead(ctx context.Context, employeeID string, after int64) (kabinet.SyncHead, error) {
	return runner{db}.SyncHead(ctx, db.read, "", employeeID, after)
}
