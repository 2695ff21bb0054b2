package postgres

import (
	"context"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/sqlstore"
)

// The change log's head, PostgreSQL's way. What a sync reads is written
// once for both stores (sqlstore.Store.ReadSync, in one REPEATABLE READ,
// READ ONLY transaction); the log is this store's own: the high-water mark
// is the organisation's counter row, which moves in the same transaction
// as the changes it numbers and is held locked until that commits
// (change.go), so a snapshot that sees the counter at H sees every change
// at or below H, and none above it.

// syncHead is one statement: the organisation's counter and floor, and one
// probe of the (employee_id, seq) index. Positions count per organisation.
const syncHead = `SELECT c.seq, c.floor_seq, EXISTS (SELECT 1 FROM changes WHERE employee_id = ? AND seq > ?)
	FROM sync_counters c WHERE c.org_id = `

// SyncHead reads the head with q (sqlstore.Runner); without orgID, the
// employee's organisation is looked up in the same statement.
func (runner) SyncHead(ctx context.Context, q sqlstore.Querier, orgID, employeeID string, after int64) (kabinet.SyncHead, error) {
	var row interface{ Scan(...any) error }
	if orgID == "" {
		row = q.QueryRowContext(ctx, syncHead+`(SELECT org_id FROM employees WHERE id = ?)`, employeeID, after, employeeID)
	} else {
		row = q.QueryRowContext(ctx, syncHead+`?`, employeeID, after, orgID)
	}
	var h kabinet.SyncHead
	if err := row.Scan(&h.Seq, &h.Floor, &h.Pending); err != nil {
		return h, err
	}
	h.Seq = max(h.Seq, h.Floor)
	return h, nil
}

// SyncHead is kabinet.SyncReader's Head without a transaction: a single
// statement reads one snapshot by itself. It always asks the database, so
// a change committed by any instance is seen by the next sync on every
// other instance: there is no per-process "nothing changed" shortcut on
// PostgreSQL (the method costs one index probe and one primary-key read).
func (db *DB) SyncHead(ctx context.Context, employeeID string, after int64) (kabinet.SyncHead, error) {
	return runner{db}.SyncHead(ctx, db.conn, "", employeeID, after)
}
