package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// PublishPayslips publishes payslips by external ID in one transaction. Each
// payslip's EmployeeID must be resolved by the caller. A payslip without a
// PublishedAt keeps its stored publication time (or gets now when new), so
// that republishing the same document is not a change. Every created,
// corrected, moved or un-retracted payslip is recorded in the change log.
func (db *DB) PublishPayslips(ctx context.Context, orgID string, slips []kabinet.Payslip) (res kabinet.PublishResult, changed []string, err error) {
	now := db.now()
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, changed = kabinet.PublishResult{}, nil
		sel, err := tx.PrepareContext(ctx, `SELECT id, employee_id, published_at, fingerprint, retracted_at FROM payslips WHERE org_id = ? AND external_id = ?`)
		if err != nil {
			return err
		}
		defer sel.Close()
		for i := range slips {
			p := &slips[i]
			var id, oldEmp, oldFP string
			var published int64
			var retracted sql.NullInt64
			err := sel.QueryRowContext(ctx, orgID, p.ExternalID).Scan(&id, &oldEmp, &published, &oldFP, &retracted)
			exists := err == nil
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if p.PublishedAt.IsZero() {
				p.PublishedAt = now
				if exists {
					p.PublishedAt = storecodec.FromMS(published)
				}
			}
			lines, err := json.Marshal(p.Lines)
			if err != nil {
				return err
			}
			fp := storecodec.Fingerprint([]any{p.EmployeeID, p.Period, storecodec.MS(p.PublishedAt), p.Currency, p.Accrued, p.Deducted, p.Paid,
				p.DebtAtStart, p.DebtAtEnd, string(lines)})
			p.UpdatedAt = now
			switch {
			case !exists:
				p.ID = kabinet.NewID("ps")
				_, err = tx.ExecContext(ctx, `INSERT INTO payslips (id, org_id, employee_id, external_id, period, published_at, currency,
					accrued, deducted, paid, debt_start, debt_end, lines, fingerprint, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					p.ID, orgID, p.EmployeeID, p.ExternalID, p.Period, storecodec.MS(p.PublishedAt), p.Currency,
					p.Accrued, p.Deducted, p.Paid, p.DebtAtStart, p.DebtAtEnd, string(lines), fp, storecodec.MS(now), storecodec.MS(now))
				res.Created++
			case oldFP == fp && !retracted.Valid:
				p.ID = id
				res.Unchanged++
				continue
			default:
				p.ID = id
				_, err = tx.ExecContext(ctx, `UPDATE payslips SET employee_id = ?, period = ?, published_at = ?, currency = ?,
					accrued = ?, deducted = ?, paid = ?, debt_start = ?, debt_end = ?, lines = ?, fingerprint = ?,
					retracted_at = NULL, updated_at = ? WHERE id = ?`,
					p.EmployeeID, p.Period, storecodec.MS(p.PublishedAt), p.Currency, p.Accrued, p.Deducted, p.Paid,
					p.DebtAtStart, p.DebtAtEnd, string(lines), fp, storecodec.MS(now), id)
				res.Updated++
				if err == nil && oldEmp != p.EmployeeID && !retracted.Valid {
					// Moved to another employee: the previous one's phone must drop it.
					err = recordChange(ctx, tx, orgID, oldEmp, EntityPayslip, id, OpDelete, now)
				}
			}
			if err != nil {
				return err
			}
			if err := recordChange(ctx, tx, orgID, p.EmployeeID, EntityPayslip, p.ID, OpUpsert, now); err != nil {
				return err
			}
			changed = append(changed, p.ID)
		}
		return nil
	})
	return res, changed, err
}

// RetractPayslip withdraws a payslip: it stays stored for the record, and
// every device of the employee gets a tombstone. It returns the payslip's
// id, or "" if it was retracted already (nothing changed). Unknown: NOT_FOUND.
func (db *DB) RetractPayslip(ctx context.Context, orgID, externalID string) (string, error) {
	return db.withdraw(ctx, `payslips`, `retracted_at`, EntityPayslip, orgID, externalID, "payslip")
}

// withdraw soft-deletes a record by external ID and records the tombstone.
func (db *DB) withdraw(ctx context.Context, table, column, entity, orgID, externalID, noun string) (string, error) {
	now := db.now()
	changed := ""
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		var id, emp string
		var gone sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT id, employee_id, `+column+` FROM `+table+` WHERE org_id = ? AND external_id = ?`,
			orgID, externalID).Scan(&id, &emp, &gone)
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.ENOTFOUND, "%s %q not found", noun, externalID)
		}
		if err != nil || gone.Valid {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+column+` = ?, updated_at = ? WHERE id = ?`, storecodec.MS(now), storecodec.MS(now), id); err != nil {
			return err
		}
		changed = id
		return recordChange(ctx, tx, orgID, emp, entity, id, OpDelete, now)
	})
	return changed, err
}

const payslipColumns = `p.id, p.external_id, p.employee_id, e.external_id, p.period, p.published_at, p.currency,
	p.accrued, p.deducted, p.paid, p.debt_start, p.debt_end, p.lines, p.viewed_at, p.retracted_at, p.updated_at`

// scanPayslip reads a row of payslipColumns.
func scanPayslip(row scanner) (*kabinet.Payslip, error) {
	p := &kabinet.Payslip{}
	var published, updated int64
	var viewed, retracted sql.NullInt64
	var lines string
	err := row.Scan(&p.ID, &p.ExternalID, &p.EmployeeID, &p.EmployeeExternalID, &p.Period, &published, &p.Currency,
		&p.Accrued, &p.Deducted, &p.Paid, &p.DebtAtStart, &p.DebtAtEnd, &lines, &viewed, &retracted, &updated)
	if err != nil {
		return nil, err
	}
	p.PublishedAt, p.UpdatedAt = storecodec.FromMS(published), storecodec.FromMS(updated)
	p.ViewedAt, p.RetractedAt = storecodec.NullTime(viewed), storecodec.NullTime(retracted)
	if p.Lines, err = storecodec.DecodeLines(lines); err != nil {
		return nil, err
	}
	return p, nil
}

// Payslips lists an organisation's payslips, newest period first.
func (db *DB) Payslips(ctx context.Context, orgID string, f kabinet.PayslipFilter) ([]*kabinet.Payslip, error) {
	q := `SELECT ` + payslipColumns + ` FROM payslips p JOIN employees e ON e.id = p.employee_id WHERE p.org_id = ?`
	args := []any{orgID}
	if f.EmployeeID != "" {
		q += ` AND p.employee_id = ?`
		args = append(args, f.EmployeeID)
	}
	if f.Period != "" {
		q += ` AND p.period = ?`
		args = append(args, f.Period)
	}
	if !f.IncludeRetracted {
		q += ` AND p.retracted_at IS NULL`
	}
	q += ` ORDER BY p.period DESC, p.external_id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return queryAll(ctx, db.read, scanPayslip, q, args...)
}
