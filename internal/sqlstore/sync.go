package sqlstore

import (
	"context"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// ReadSync runs fn with a reader of one employee's change log and records,
// all inside one read transaction (on PostgreSQL REPEATABLE READ, READ
// ONLY): the high-water mark and the rows fn reads come from the same
// snapshot. Each store numbers its change log so that a snapshot that sees
// position H sees every change at or below H and none above it
// (Runner.SyncHead says how it reads H). Which records an employee sees,
// and in which order a snapshot pages through them, is written here once.
func (s *Store) ReadSync(ctx context.Context, orgID, employeeID string, fn func(r kabinet.SyncReader) error) error {
	return s.run.Read(ctx, func(tx Tx) error {
		return fn(&syncReader{run: s.run, tx: tx, org: orgID, emp: employeeID})
	})
}

// syncReader implements kabinet.SyncReader on a read transaction.
type syncReader struct {
	run      Runner
	tx       Tx
	org, emp string
}

func (r *syncReader) Head(ctx context.Context, after int64) (kabinet.SyncHead, error) {
	return r.run.SyncHead(ctx, r.tx, r.org, r.emp, after)
}

func (r *syncReader) Changes(ctx context.Context, after, upTo int64, limit int) ([]kabinet.SyncChange, error) {
	return queryAll(ctx, r.tx, func(row scanner) (c kabinet.SyncChange, err error) {
		err = row.Scan(&c.Seq, &c.Entity, &c.ID)
		return c, err
	}, `SELECT max(seq) AS last, entity, entity_id FROM changes
		WHERE employee_id = ? AND seq > ? AND seq <= ?
		GROUP BY entity, entity_id ORDER BY last LIMIT ?`, r.emp, after, upTo, limit)
}

// Live records of the employee, by collection. The org_id condition is
// redundant with the employee's (globally unique) id; it is kept so that a
// mistake elsewhere can never cross tenants.
const (
	syncPayslips = `SELECT ` + PayslipColumns + ` FROM payslips p JOIN employees e ON e.id = p.employee_id
		WHERE p.employee_id = ? AND p.org_id = ? AND p.retracted_at IS NULL`
	syncBalances = `SELECT id, leave_type_code, leave_type_title, as_of, entitled, used, remaining, updated_at
		FROM leave_balances WHERE employee_id = ? AND org_id = ?`
	syncVacations = `SELECT v.id, v.external_id, e.external_id, v.starts_on, v.ends_on, v.days, v.updated_at
		FROM vacations v JOIN employees e ON e.id = v.employee_id
		WHERE v.employee_id = ? AND v.org_id = ? AND v.cancelled_at IS NULL`
)

func (r *syncReader) Records(ctx context.Context, refs []kabinet.RecordRef) (kabinet.SyncRecords, error) {
	var out kabinet.SyncRecords
	var ps, lb, vac []any
	var lr, cr []string
	for _, ref := range refs {
		switch ref.Entity {
		case kabinet.EntityPayslip:
			ps = append(ps, ref.ID)
		case kabinet.EntityLeaveBalance:
			lb = append(lb, ref.ID)
		case kabinet.EntityVacation:
			vac = append(vac, ref.ID)
		case kabinet.EntityLeaveRequest:
			lr = append(lr, ref.ID)
		case kabinet.EntityCertificateRequest:
			cr = append(cr, ref.ID)
		}
	}
	var err error
	if len(ps) > 0 {
		out.Payslips, err = r.payslips(ctx, syncPayslips+` AND p.id IN (`+placeholders(len(ps))+`) ORDER BY p.id`, ps...)
		if err != nil {
			return out, err
		}
	}
	if len(lb) > 0 {
		out.LeaveBalances, err = r.balances(ctx, syncBalances+` AND id IN (`+placeholders(len(lb))+`) ORDER BY id`, lb...)
		if err != nil {
			return out, err
		}
	}
	if len(vac) > 0 {
		out.Vacations, err = r.vacations(ctx, syncVacations+` AND v.id IN (`+placeholders(len(vac))+`) ORDER BY v.id`, vac...)
		if err != nil {
			return out, err
		}
	}
	if out.LeaveRequests, err = syncLeaveRequests(ctx, r.tx, r.org, r.emp, lr); err != nil {
		return out, err
	}
	out.CertificateRequests, err = syncCertificateRequests(ctx, r.tx, r.org, r.emp, cr)
	return out, err
}

// unchangedSince leaves out a record with a change after a position: one
// probe of the (employee_id, seq) index per record, over the few changes
// made while a snapshot is paged.
func unchangedSince(entity, idColumn string) string {
	return ` AND NOT EXISTS (SELECT 1 FROM changes ch WHERE ch.employee_id = ? AND ch.seq > ? AND ch.entity = '` + entity +
		`' AND ch.entity_id = ` + idColumn + `)`
}

func (r *syncReader) Snapshot(ctx context.Context, after kabinet.RecordRef, changedAfter int64, limit int) (kabinet.SyncRecords, error) {
	var out kabinet.SyncRecords
	// filter adds the change filter and the keyset condition.
	filter := func(entity, idColumn, id string) (string, []any) {
		q, args := ` AND `+idColumn+` > ?`, []any{id}
		if changedAfter >= 0 {
			q += unchangedSince(entity, idColumn)
			args = append(args, r.emp, changedAfter)
		}
		return q + ` ORDER BY ` + idColumn + ` LIMIT ?`, args
	}
	rank := kabinet.EntityRank(after.Entity)
	if after.Entity == "" {
		rank = 0
	}
	// A collection after the one the cursor stopped in starts at its first id.
	from := func(entity string) (string, bool) {
		switch k := kabinet.EntityRank(entity); {
		case k < rank:
			return "", false
		case k == rank:
			return after.ID, true
		}
		return "", true
	}
	var err error
	if id, ok := from(kabinet.EntityPayslip); ok && limit > 0 {
		q, args := filter(kabinet.EntityPayslip, "p.id", id)
		out.Payslips, err = r.payslips(ctx, syncPayslips+q, append(args, limit)...)
		if err != nil {
			return out, err
		}
		limit -= len(out.Payslips)
	}
	if id, ok := from(kabinet.EntityLeaveBalance); ok && limit > 0 {
		q, args := filter(kabinet.EntityLeaveBalance, "leave_balances.id", id)
		out.LeaveBalances, err = r.balances(ctx, syncBalances+q, append(args, limit)...)
		if err != nil {
			return out, err
		}
		limit -= len(out.LeaveBalances)
	}
	if id, ok := from(kabinet.EntityVacation); ok && limit > 0 {
		q, args := filter(kabinet.EntityVacation, "v.id", id)
		out.Vacations, err = r.vacations(ctx, syncVacations+q, append(args, limit)...)
		if err != nil {
			return out, err
		}
		limit -= len(out.Vacations)
	}
	if id, ok := from(kabinet.EntityLeaveRequest); ok && limit > 0 {
		out.LeaveRequests, err = snapshotLeaveRequests(ctx, r.tx, r.org, r.emp, id, changedAfter, limit)
		if err != nil {
			return out, err
		}
		limit -= len(out.LeaveRequests)
	}
	if id, ok := from(kabinet.EntityCertificateRequest); ok && limit > 0 {
		out.CertificateRequests, err = snapshotCertificateRequests(ctx, r.tx, r.org, r.emp, id, changedAfter, limit)
	}
	return out, err
}

func (r *syncReader) IDs(ctx context.Context) (kabinet.SyncIDs, error) {
	var out kabinet.SyncIDs
	for _, q := range []struct {
		dst   *[]string
		query string
	}{
		{&out.Payslips, `SELECT id FROM payslips WHERE employee_id = ? AND org_id = ? AND retracted_at IS NULL ORDER BY id`},
		{&out.LeaveBalances, `SELECT id FROM leave_balances WHERE employee_id = ? AND org_id = ? ORDER BY id`},
		{&out.Vacations, `SELECT id FROM vacations WHERE employee_id = ? AND org_id = ? AND cancelled_at IS NULL ORDER BY id`},
	} {
		ids, err := r.strings(ctx, q.query)
		if err != nil {
			return out, err
		}
		*q.dst = ids
	}
	var err error
	if out.LeaveRequests, err = leaveRequestIDs(ctx, r.tx, r.org, r.emp); err != nil {
		return out, err
	}
	out.CertificateRequests, err = certificateRequestIDs(ctx, r.tx, r.org, r.emp)
	return out, err
}

func (r *syncReader) strings(ctx context.Context, query string) ([]string, error) {
	return queryAll(ctx, r.tx, scanString, query, r.emp, r.org)
}

// readRows runs a sync query with the employee and organisation as its first
// two arguments, and scans every row with scan.
func readRows[T any](ctx context.Context, r *syncReader, scan func(scanner) (T, error), query string, args []any) ([]T, error) {
	return queryAll(ctx, r.tx, scan, query, append([]any{r.emp, r.org}, args...)...)
}

func (r *syncReader) payslips(ctx context.Context, query string, args ...any) ([]*kabinet.Payslip, error) {
	return readRows(ctx, r, ScanPayslip, query, args)
}

func (r *syncReader) balances(ctx context.Context, query string, args ...any) ([]*kabinet.LeaveBalance, error) {
	return readRows(ctx, r, func(row scanner) (*kabinet.LeaveBalance, error) {
		b := &kabinet.LeaveBalance{EmployeeID: r.emp}
		var updated int64
		err := row.Scan(&b.ID, &b.LeaveTypeCode, &b.LeaveTypeTitle, &b.AsOf, &b.EntitledDays, &b.UsedDays, &b.RemainingDays, &updated)
		b.UpdatedAt = storecodec.FromMS(updated)
		return b, err
	}, query, args)
}

func (r *syncReader) vacations(ctx context.Context, query string, args ...any) ([]*kabinet.Vacation, error) {
	return readRows(ctx, r, func(row scanner) (*kabinet.Vacation, error) {
		v := &kabinet.Vacation{EmployeeID: r.emp}
		var updated int64
		err := row.Scan(&v.ID, &v.ExternalID, &v.EmployeeExternalID, &v.StartsOn, &v.EndsOn, &v.Days, &updated)
		v.UpdatedAt = storecodec.FromMS(updated)
		return v, err
	}, query, args)
}
