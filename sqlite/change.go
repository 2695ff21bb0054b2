package sqlite

import (
	"github.com/kabinet/kabinet/internal/storecodec"

	"context"
	"database/sql"
	"time"
)

// recordChange appends to the change log inside the caller's write
// transaction; the AUTOINCREMENT seq it gets is therefore in commit order.
func recordChange(ctx context.Context, tx *sql.Tx, orgID, employeeID, entity, entityID, op string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO changes (org_id, employee_id, entity, entity_id, op, at) VALUES (?, ?, ?, ?, ?, ?)`,
		orgID, employeeID, entity, entityID, op, storecodec.MS(at))
	return err
}

// ChangeCount is the number of change-log entries of an organisation: a
// republish that changes nothing must leave it as it was.
func (db *DB) ChangeCount(ctx context.Context, orgID string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM changes WHERE org_id = ?`, orgID).Scan(&n)
	return n, err
}
