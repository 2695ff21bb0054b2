package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// opDelete is the change log's operation for a record a phone must drop
// (a tombstone); opUpsert, for one that changed.
const opDelete = "DELETE"

// UpsertDepartments publishes departments by external ID in one transaction.
func (s *Store) UpsertDepartments(ctx context.Context, orgID string, deps []kabinet.Department) (kabinet.PublishResult, error) {
	var res kabinet.PublishResult
	now := s.now()
	err := s.run.Write(ctx, func(tx Tx) error {
		res = kabinet.PublishResult{}
		for i := range deps {
			d := &deps[i]
			fp := storecodec.Fingerprint([]string{d.Name, d.ParentExternalID, d.HeadExternalID})
			var id, old string
			err := tx.QueryRowContext(ctx, `SELECT id, fingerprint FROM departments WHERE org_id = ? AND external_id = ?`, orgID, d.ExternalID).Scan(&id, &old)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				d.ID = kabinet.NewID("dep")
				_, err = tx.ExecContext(ctx, `INSERT INTO departments (id, org_id, external_id, name, parent_external_id, head_external_id, fingerprint, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, orgID, d.ExternalID, d.Name, d.ParentExternalID, d.HeadExternalID, fp, storecodec.MS(now), storecodec.MS(now))
				res.Created++
			case err != nil:
				return err
			case old == fp:
				d.ID = id
				res.Unchanged++
			default:
				d.ID = id
				_, err = tx.ExecContext(ctx, `UPDATE departments SET name = ?, parent_external_id = ?, head_external_id = ?, fingerprint = ?, updated_at = ? WHERE id = ?`,
					d.Name, d.ParentExternalID, d.HeadExternalID, fp, storecodec.MS(now), id)
				res.Updated++
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// Departments lists an organisation's departments by external ID.
func (s *Store) Departments(ctx context.Context, orgID string) ([]*kabinet.Department, error) {
	return queryAll(ctx, s.run.Reader(), func(row scanner) (*kabinet.Department, error) {
		d := &kabinet.Department{}
		return d, row.Scan(&d.ID, &d.ExternalID, &d.Name, &d.ParentExternalID, &d.HeadExternalID)
	}, `SELECT id, external_id, name, parent_external_id, head_external_id FROM departments WHERE org_id = ? ORDER BY external_id`, orgID)
}

// DepartmentParents maps every department of the organisation to its parent's
// external ID ("" for a top-level one).
func (s *Store) DepartmentParents(ctx context.Context, orgID string) (map[string]string, error) {
	rows, err := s.run.Reader().QueryContext(ctx, `SELECT external_id, parent_external_id FROM departments WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ext, parent string
		if err := rows.Scan(&ext, &parent); err != nil {
			return nil, err
		}
		out[ext] = parent
	}
	return out, rows.Err()
}

// PublishLeaveBalances publishes balances, one per employee and leave type,
// in one transaction. A balance older (by AsOf) than the stored one does not
// replace it and is reported as a warning.
func (s *Store) PublishLeaveBalances(ctx context.Context, orgID string, bals []kabinet.LeaveBalance) (res kabinet.PublishResult, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
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
			if err := tx.RecordChange(ctx, orgID, b.EmployeeID, kabinet.EntityLeaveBalance, b.ID, opUpsert, now); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// PublishVacations publishes planned vacations by external ID in one
// transaction; a changed one (moved, other days, other employee) is a
// correction, and a cancelled one published again is restored.
func (s *Store) PublishVacations(ctx context.Context, orgID string, vacs []kabinet.Vacation) (res kabinet.PublishResult, changed []string, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
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
					err = tx.RecordChange(ctx, orgID, oldEmp, kabinet.EntityVacation, id, opDelete, now)
				}
			}
			if err != nil {
				return err
			}
			if err := tx.RecordChange(ctx, orgID, v.EmployeeID, kabinet.EntityVacation, v.ID, opUpsert, now); err != nil {
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
func (s *Store) CancelVacation(ctx context.Context, orgID, externalID string) (string, error) {
	return s.withdraw(ctx, `vacations`, `cancelled_at`, kabinet.EntityVacation, orgID, externalID, "vacation")
}

// PublishPayslips publishes payslips by external ID in one transaction. Each
// payslip's EmployeeID must be resolved by the caller. A payslip without a
// PublishedAt keeps its stored publication time (or gets now when new), so
// that republishing the same document is not a change. Every created,
// corrected, moved or un-retracted payslip is recorded in the change log.
func (s *Store) PublishPayslips(ctx context.Context, orgID string, slips []kabinet.Payslip) (res kabinet.PublishResult, changed []string, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
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
					err = tx.RecordChange(ctx, orgID, oldEmp, kabinet.EntityPayslip, id, opDelete, now)
				}
			}
			if err != nil {
				return err
			}
			if err := tx.RecordChange(ctx, orgID, p.EmployeeID, kabinet.EntityPayslip, p.ID, opUpsert, now); err != nil {
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
func (s *Store) RetractPayslip(ctx context.Context, orgID, externalID string) (string, error) {
	return s.withdraw(ctx, `payslips`, `retracted_at`, kabinet.EntityPayslip, orgID, externalID, "payslip")
}

// withdraw soft-deletes a record by external ID and records the tombstone.
func (s *Store) withdraw(ctx context.Context, table, column, entity, orgID, externalID, noun string) (string, error) {
	now := s.now()
	changed := ""
	err := s.run.Write(ctx, func(tx Tx) error {
		var id, emp string
		var gone sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT id, employee_id, `+column+` FROM `+table+` WHERE org_id = ? AND external_id = ?`+s.dialect.ForUpdate(),
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
		return tx.RecordChange(ctx, orgID, emp, entity, id, opDelete, now)
	})
	return changed, err
}

// PayslipColumns are the columns ScanPayslip reads (payslips p JOIN employees e).
const PayslipColumns = `p.id, p.external_id, p.employee_id, e.external_id, p.period, p.published_at, p.currency,
	p.accrued, p.deducted, p.paid, p.debt_start, p.debt_end, p.lines, p.viewed_at, p.retracted_at, p.updated_at`

// ScanPayslip reads a row of PayslipColumns.
func ScanPayslip(row scanner) (*kabinet.Payslip, error) {
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
func (s *Store) Payslips(ctx context.Context, orgID string, f kabinet.PayslipFilter) ([]*kabinet.Payslip, error) {
	q := `SELECT ` + PayslipColumns + ` FROM payslips p JOIN employees e ON e.id = p.employee_id WHERE p.org_id = ?`
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
	return queryAll(ctx, s.run.Reader(), ScanPayslip, q, args...)
}
