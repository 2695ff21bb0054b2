package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// PublishVacations publishes planned vacations by external ID in one
// transaction; a changed one (moved, other days, other employee) is a
// correction, and a cancelled one published again is restored.
func (db *DB) PublishVacations(ctx context.Context, orgID string, vacs []kabinet.Vacation) (res kabinet.PublishResult, changed []string, err error) {
	now := db.now()
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, changed = kabinet.PublishResult{}, nil
		for i := range vacs {
			v := &vacs[i]
			fp := storecodec.Fingerprint([]any{v.EmployeeID, v.StartsOn, v.EndsOn, v.Days})
			var id, oldEmp, old string
			var cancelled sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT id, employee_id, fingerprint, cancelled_at FROM vacations WHERE org_id = ? AND external_id = ?`,
				orgID, v.ExternalID).Scan(&id, &oldEmp, &old, &cancelled)
			v.UpdatedAt = now
			switch {
			case errors.Is(err, sql.ErrNoRows):
				v.ID = kabinet.NewID("vac")
				_, err = tx.ExecContext(ctx, `INSERT INTO vacations (id, org_id, employee_id, external_id, starts_on, ends_on, days,
					fingerprint, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					v.ID, orgID, v.EmployeeID, v.ExternalID, v.StartsOn, v.EndsOn, v.Days, fp, storecodec.MS(now), storecodec.MS(now))
				res.Created++
			case err != nil:
				return err
			case old == fp && !cancelled.Valid:
				v.ID = id
				res.Unchanged++
				continue
			default:
				v.ID = id
				_, err = tx.ExecContext(ctx, `UPDATE vacations SET employee_id = ?, starts_on = ?, ends_on = ?, days = ?, fingerprint = ?,
					cancelled_at = NULL, updated_at = ? WHERE id = ?`, v.EmployeeID, v.StartsOn, v.EndsOn, v.Days, fp, storecodec.MS(now), id)
				res.Updated++
				if err == nil && oldEmp != v.EmployeeID && !cancelled.Valid {
					err = recordChange(ctx, tx, orgID, oldEmp, EntityVacation, id, OpDelete, now)
				}
			}
			if err != nil {
				return err
			}
			if err := recordChange(ctx, tx, orgID, v.EmployeeID, EntityVacation, v.ID, OpUpsert, now); err != nil {
				return err
			}
			changed = append(changed, v.ID)
		}
		return nil
	})
	return res, changed, err
}

// CancelVacation cancels a planned vacation; the employee's devices get a
// tombstone. It returns the vacation's id, or "" if it was cancelled already.
// Unknown: NOT_FOUND.
func (db *DB) CancelVacation(ctx context.Context, orgID, externalID string) (string, error) {
	return db.withdraw(ctx, `vacations`, `cancelled_at`, EntityVacation, orgID, externalID, "vacation")
}
