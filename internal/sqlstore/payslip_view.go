package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// mutationMarkViewed is the kind of a stored markPayslipViewed action.
const mutationMarkViewed = "MARK_PAYSLIP_VIEWED"

// MarkPayslipViewed applies an employee's offline "payslip viewed" action
// once per (employee, ClientMutationID), in one write transaction:
//
//   - a replay (the same ClientMutationID again) changes nothing and returns
//     the payslip's current state with replayed = true;
//   - otherwise viewedAt becomes the earlier of the stored one and
//     v.ViewedAt (raised to the publication time when earlier), and if that
//     moved it the change log records the payslip for the employee's other
//     devices. The action is remembered either way.
//
// A payslip that is unknown, retracted, or not the employee's is NOT_FOUND,
// with the same message in every case so nothing is revealed about other
// employees or organisations. A ClientMutationID already used for another
// payslip is CONFLICT.
func (s *Store) MarkPayslipViewed(ctx context.Context, v kabinet.PayslipView) (p *kabinet.Payslip, replayed bool, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
		p, replayed = nil, false
		// Several PostgreSQL instances may apply the same offline action at
		// once (a phone retrying through another one): the first holds this
		// lock, the others then find its record and answer a replay. SQLite
		// has one writer, which already serialises them.
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('kabinet.mutation.' || ? || '/' || ?))`,
				v.EmployeeID, v.ClientMutationID); err != nil {
				return err
			}
		}
		var target string
		err := tx.QueryRowContext(ctx, `SELECT target_id FROM sync_mutations WHERE employee_id = ? AND client_mutation_id = ?`,
			v.EmployeeID, v.ClientMutationID).Scan(&target)
		switch {
		case err == nil && target != v.PayslipID:
			return kabinet.Errorf(kabinet.ECONFLICT, "clientMutationId %q was already used for another payslip", v.ClientMutationID)
		case err == nil:
			replayed = true
			p, err = visiblePayslip(ctx, tx, v)
			return err
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var published int64
		var viewed sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT published_at, viewed_at FROM payslips
			WHERE id = ? AND org_id = ? AND employee_id = ? AND retracted_at IS NULL`+s.dialect.ForUpdate(),
			v.PayslipID, v.OrgID, v.EmployeeID).Scan(&published, &viewed)
		if errors.Is(err, sql.ErrNoRows) {
			return payslipNotFound(v.PayslipID)
		}
		if err != nil {
			return err
		}
		at := max(storecodec.MS(v.ViewedAt), published)
		if !viewed.Valid || at < viewed.Int64 {
			if _, err := tx.ExecContext(ctx, `UPDATE payslips SET viewed_at = ?, updated_at = ? WHERE id = ?`, at, storecodec.MS(now), v.PayslipID); err != nil {
				return err
			}
			if err := tx.RecordChange(ctx, v.OrgID, v.EmployeeID, kabinet.EntityPayslip, v.PayslipID, opUpsert, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_mutations (employee_id, client_mutation_id, kind, target_id, created_at)
			VALUES (?, ?, ?, ?, ?)`, v.EmployeeID, v.ClientMutationID, mutationMarkViewed, v.PayslipID, storecodec.MS(now)); err != nil {
			return err
		}
		p, err = visiblePayslip(ctx, tx, v)
		return err
	})
	return p, replayed, err
}

// visiblePayslip reads the payslip if the employee still sees it.
func visiblePayslip(ctx context.Context, tx Tx, v kabinet.PayslipView) (*kabinet.Payslip, error) {
	p, err := ScanPayslip(tx.QueryRowContext(ctx, `SELECT `+PayslipColumns+` FROM payslips p JOIN employees e ON e.id = p.employee_id
		WHERE p.id = ? AND p.org_id = ? AND p.employee_id = ? AND p.retracted_at IS NULL`, v.PayslipID, v.OrgID, v.EmployeeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, payslipNotFound(v.PayslipID)
	}
	return p, err
}

func payslipNotFound(id string) error {
	return kabinet.Errorf(kabinet.ENOTFOUND, "payslip %q not found", id)
}
