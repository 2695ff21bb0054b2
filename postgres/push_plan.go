package postgres

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// UnviewedPayslips returns the organisation's payslips that are neither
// viewed nor withdrawn, narrowed by f.
func (db *DB) UnviewedPayslips(ctx context.Context, orgID string, f kabinet.PayslipFactFilter) ([]kabinet.PayslipFact, error) {
	q := `SELECT id, employee_id, period, published_at FROM payslips
		WHERE org_id = ? AND retracted_at IS NULL AND viewed_at IS NULL AND published_at > ?`
	after := int64(-1 << 62)
	if !f.PublishedAfter.IsZero() {
		after = storecodec.MS(f.PublishedAfter)
	}
	args := []any{orgID, after}
	if f.IDs != nil {
		q, args = q+` AND id = ANY(?::text[])`, append(args, f.IDs)
	}
	if f.Period != "" {
		q, args = q+` AND period = ?`, append(args, f.Period)
	}
	return queryAll(ctx, db.conn, func(row scanner) (kabinet.PayslipFact, error) {
		var p kabinet.PayslipFact
		var published int64
		err := row.Scan(&p.ID, &p.EmployeeID, &p.Period, &published)
		p.PublishedAt = storecodec.FromMS(published)
		return p, err
	}, q, args...)
}

// ActiveVacations returns the organisation's vacations that are not
// cancelled, narrowed by f, with their employee.
func (db *DB) ActiveVacations(ctx context.Context, orgID string, f kabinet.VacationFactFilter) ([]kabinet.VacationFact, error) {
	q := `SELECT v.id, v.starts_on, v.ends_on, e.id, e.external_id, e.department_external_id, e.last_name, e.first_name
		FROM vacations v JOIN employees e ON e.id = v.employee_id
		WHERE v.org_id = ? AND v.cancelled_at IS NULL AND v.starts_on >= ?`
	args := []any{orgID, f.StartsFrom}
	if f.IDs != nil {
		q, args = q+` AND v.id = ANY(?::text[])`, append(args, f.IDs)
	}
	if f.EmployeeIDs != nil {
		q, args = q+` AND v.employee_id = ANY(?::text[])`, append(args, f.EmployeeIDs)
	}
	return queryAll(ctx, db.conn, func(row scanner) (kabinet.VacationFact, error) {
		var v kabinet.VacationFact
		err := row.Scan(&v.ID, &v.StartsOn, &v.EndsOn, &v.Employee.ID, &v.Employee.ExternalID, &v.Employee.DepartmentExternalID,
			&v.LastName, &v.FirstName)
		return v, err
	}, q, args...)
}

// OrgChart returns the organisation's departments, with the employee id of
// each published head, and its head (the manager rule reads it: push and
// the Employee.manager field).
func (db *DB) OrgChart(ctx context.Context, orgID string) (*kabinet.OrgChart, error) {
	units, err := queryAll(ctx, db.conn, func(row scanner) (kabinet.OrgUnit, error) {
		var u kabinet.OrgUnit
		err := row.Scan(&u.ExternalID, &u.ParentExternalID, &u.HeadExternalID, &u.HeadID)
		return u, err
	}, `SELECT d.external_id, d.parent_external_id, d.head_external_id, COALESCE(h.id, '')
		FROM departments d LEFT JOIN employees h ON h.org_id = d.org_id AND h.external_id = d.head_external_id AND d.head_external_id <> ''
		WHERE d.org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	heads, err := queryAll(ctx, db.conn, scanString, `SELECT id FROM employees WHERE org_id = ? AND is_org_head LIMIT 1`, orgID)
	if err != nil {
		return nil, err
	}
	var head string
	if len(heads) > 0 {
		head = heads[0]
	}
	return kabinet.NewOrgChart(units, head), nil
}

// BroadcastStages returns the highest stage of the organisation's payslip
// broadcasts, and the highest stage of a broadcast about period planned
// after since; 0 for none.
func (db *DB) BroadcastStages(ctx context.Context, orgID, period string, since time.Time) (last, lastOfPeriod int, err error) {
	err = db.conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(stage), 0),
		COALESCE((SELECT MAX(stage) FROM push_outbox WHERE org_id = ?1 AND kind = ?2
			AND params::jsonb->>'period' = ?3 AND created_at > ?4), 0)
		FROM push_outbox WHERE org_id = ?1 AND kind = ?2`,
		orgID, kabinet.NotifyPayslipBroadcast, period, storecodec.MS(since)).Scan(&last, &lastOfPeriod)
	return last, lastOfPeriod, err
}

const onConflictKeep = `ON CONFLICT (kind, subject_id, subject_key, stage, recipient_id) DO NOTHING`

const onConflictReplan = `ON CONFLICT (kind, subject_id, subject_key, stage, recipient_id) DO UPDATE SET
	base_at = excluded.base_at, due_at = excluded.due_at, not_before = excluded.not_before, local_date = excluded.local_date,
	params = excluded.params, status = 'PLANNED', note = '', updated_at = excluded.updated_at
	WHERE (push_outbox.status = 'PLANNED' AND push_outbox.claimed_by = '')
	   OR (push_outbox.status = 'CANCELLED' AND push_outbox.note = '` + kabinet.NoteSettingsChanged + `')`

// PlanNotifications writes rows as PLANNED in one transaction, with one
// INSERT … SELECT FROM unnest(arrays) per chunk, and returns how many it
// inserted or changed. A row whose unique key exists is left alone, unless
// replan is set: then a row still PLANNED and unclaimed, or CANCELLED
// because the settings changed, takes the new times and params and is
// PLANNED again. Several instances may plan the same rows at once: the
// unique key keeps one.
func (db *DB) PlanNotifications(ctx context.Context, orgID string, rows []kabinet.PlannedNotification, replan bool) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	var n int64
	err := db.WriteTx(ctx, func(tx *txn) error {
		var err error
		n, err = planNotifications(ctx, tx, orgID, rows, replan, db.now())
		return err
	})
	return n, err
}

// planChunk bounds the arrays of one statement.
const planChunk = 5000

func planNotifications(ctx context.Context, tx *txn, orgID string, rows []kabinet.PlannedNotification, replan bool, now time.Time) (int64, error) {
	conflict := onConflictKeep
	if replan {
		conflict = onConflictReplan
	}
	var total int64
	for start := 0; start < len(rows); start += planChunk {
		part := rows[start:min(start+planChunk, len(rows))]
		ids, kinds, subjects, keys, recipients, emps, dates, params := make([]string, len(part)), make([]string, len(part)),
			make([]string, len(part)), make([]string, len(part)), make([]string, len(part)), make([]string, len(part)),
			make([]string, len(part)), make([]string, len(part))
		stages, bases, dues := make([]int64, len(part)), make([]int64, len(part)), make([]int64, len(part))
		for i := range part {
			r := &part[i]
			ids[i], kinds[i], subjects[i], keys[i], recipients[i], emps[i] = kabinet.NewID("nt"), r.Kind, r.SubjectID, r.SubjectKey, r.RecipientID, r.EmployeeID
			stages[i], bases[i], dues[i], dates[i], params[i] = int64(r.Stage), storecodec.MS(r.BaseAt), storecodec.MS(r.DueAt), r.LocalDate, r.Params
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO push_outbox (id, org_id, kind, subject_id, subject_key, stage, recipient_id, employee_id,
			base_at, due_at, local_date, not_before, params, status, created_at, updated_at)
			SELECT u.id, ?1, u.kind, u.subject, u.key, u.stage, u.recipient, u.emp, u.base, u.due, u.day, u.due, u.params, 'PLANNED', ?2, ?2
			FROM unnest(?3::text[], ?4::text[], ?5::text[], ?6::text[], ?7::bigint[], ?8::text[], ?9::text[], ?10::bigint[], ?11::bigint[],
				?12::text[], ?13::text[]) AS u(id, kind, subject, key, stage, recipient, emp, base, due, day, params)
			`+conflict, orgID, storecodec.MS(now), ids, kinds, subjects, keys, stages, recipients, emps, bases, dues, dates, params)
		if err != nil {
			return total, err
		}
		k, _ := res.RowsAffected()
		total += k
	}
	if total > 0 {
		return total, notifyPlanned(ctx, tx)
	}
	return total, nil
}

// CancelReminders cancels what is not yet sent of the given kinds about the
// subjects (a payslip viewed or withdrawn, a vacation cancelled): planned
// outbox rows and deliveries waiting for their turn. Rows being sent right
// now are re-checked by the dispatcher. It returns the rows cancelled.
func (db *DB) CancelReminders(ctx context.Context, kinds []string, subjectIDs []string, note string) (int64, error) {
	now := db.now()
	var n int64
	err := db.WriteTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE push_outbox SET status = 'CANCELLED', note = ?, updated_at = ?
			WHERE kind = ANY(?::text[]) AND subject_id = ANY(?::text[]) AND status = 'PLANNED'`,
			note, storecodec.MS(now), kinds, subjectIDs)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		res, err = tx.ExecContext(ctx, `UPDATE push_deliveries SET status = 'CANCELLED', error = ?, claimed_by = '', updated_at = ?
			WHERE status IN ('PENDING', 'CLAIMED') AND outbox_id IN (SELECT id FROM push_outbox
			WHERE kind = ANY(?::text[]) AND subject_id = ANY(?::text[]))`,
			note, storecodec.MS(now), kinds, subjectIDs)
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		n += m
		return nil
	})
	return n, err
}

// CancelOtherKeys cancels the PLANNED rows of the kinds about each subject
// of keys whose subject key is not keys[subject], and returns how many.
func (db *DB) CancelOtherKeys(ctx context.Context, kinds []string, keys map[string]string, note string) (int64, error) {
	now := db.now()
	subjects, values := make([]string, 0, len(keys)), make([]string, 0, len(keys))
	for s, v := range keys {
		subjects, values = append(subjects, s), append(values, v)
	}
	var n int64
	err := db.WriteTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE push_outbox SET status = 'CANCELLED', note = ?, updated_at = ?
			FROM unnest(?::text[], ?::text[]) AS k(subject, key)
			WHERE push_outbox.kind = ANY(?::text[]) AND push_outbox.status = 'PLANNED'
			AND push_outbox.subject_id = k.subject AND push_outbox.subject_key <> k.key`,
			note, storecodec.MS(now), subjects, values, kinds)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
