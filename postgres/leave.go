package postgres

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// PublishLeaveBalances publishes balances, one per employee and leave type,
// in one transaction. A balance older (by AsOf) than the stored one does not
// replace it and is reported as a warning.
func (db *DB) PublishLeaveBalances(ctx context.Context, orgID string, bals []kabinet.LeaveBalance) (res kabinet.PublishResult, err error) {
	now := db.now()
	err = db.WriteTx(ctx, func(tx *txn) error {
		res = kabinet.PublishResult{}
		for i := range bals {
			b := &bals[i]
			fp := storecodec.Fingerprint([]any{b.LeaveTypeTitle, b.AsOf, b.EntitledDays, b.UsedDays, b.RemainingDays})
			var id, old, asOf string
			err := tx.QueryRowContext(ctx, `SELECT id, fingerprint, as_of FROM leave_balances WHERE employee_id = ? AND leave_type_code = ?`,
				b.EmployeeID, b.LeaveTypeCode).Scan(&id, &old, &asOf)
			b.UpdatedAt = now
			switch {
			case errors.Is(err, sql.ErrNoRows):
				b.ID = kabinet.NewID("lb")
				_, err = tx.ExecContext(ctx, `INSERT INTO leave_balances (id, org_id, employee_id, leave_type_code, leave_type_title, as_of,
					entitled, used, remaining, fingerprint, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					b.ID, orgID, b.EmployeeID, b.LeaveTypeCode, b.LeaveTypeTitle, b.AsOf, b.EntitledDays, b.UsedDays, b.RemainingDays,
					fp, storecodec.MS(now), storecodec.MS(now))
				res.Created++
			case err != nil:
				return err
			case old == fp:
				b.ID = id
				res.Unchanged++
				continue
			case b.AsOf < asOf: // ISO dates compare as strings
				b.ID = id
				res.Unchanged++
				res.Warnings = append(res.Warnings, kabinet.ItemError{Index: i, ExternalID: b.EmployeeExternalID, Field: "asOf",
					Reason: "older than the stored balance as of " + asOf + "; kept the stored one"})
				continue
			default:
				b.ID = id
				_, err = tx.ExecContext(ctx, `UPDATE leave_balances SET leave_type_title = ?, as_of = ?, entitled = ?, used = ?, remaining = ?,
					fingerprint = ?, updated_at = ? WHERE id = ?`,
					b.LeaveTypeTitle, b.AsOf, b.EntitledDays, b.UsedDays, b.RemainingDays, fp, storecodec.MS(now), id)
				res.Updated++
			}
			if err != nil {
				return err
			}
			if err := recordChange(ctx, tx, orgID, b.EmployeeID, EntityLeaveBalance, b.ID, OpUpsert, now); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}
