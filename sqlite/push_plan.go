package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/kabinet/kabinet"
)

// Planning writes the outbox with set-based statements (INSERT … SELECT …
// ON CONFLICT): one statement per kind of reminder, whatever the number of
// employees. The unique key (kind, subject, subject key, stage, recipient)
// makes planning idempotent; a re-plan updates only rows still PLANNED and
// unclaimed, so nothing sent or being sent is touched.

const dayMS = 86_400_000

// newOutboxID is the SQL expression of a random public id of an outbox or
// delivery row, in the style of kabinet.NewID.
func newRowID(prefix string) string {
	return `'` + prefix + `_' || lower(hex(randomblob(10)))`
}

// localMidnightLowerBound is the SQL expression of the earliest instant the
// local midnight starting the date in col can be, in any zone (UTC+14). The
// dispatcher computes the exact instant in the recipient's zone when the row
// comes due; this bound only makes sure it comes due early enough.
func localMidnightLowerBound(col string) string {
	return `(CAST(strftime('%s', ` + col + `) AS INTEGER) * 1000 - 50400000)`
}

const onConflictReplan = `ON CONFLICT (kind, subject_id, subject_key, stage, recipient_id) DO UPDATE SET
	base_at = excluded.base_at, due_at = excluded.due_at, not_before = excluded.not_before, local_date = excluded.local_date,
	params = excluded.params, status = 'PLANNED', note = '', updated_at = excluded.updated_at
	WHERE (push_outbox.status = 'PLANNED' AND push_outbox.claimed_by = '')
	   OR (push_outbox.status = 'CANCELLED' AND push_outbox.note = '` + noteSettingsChanged + `')`

// PlanPayslipReminders plans the "not viewed N days after publication"
// reminders of the given payslips (all of the organisation's when ids is
// nil), for every configured stage. Payslips past their last stage
// (backfilled history) get none; overdue stages are planned and the
// dispatcher sends only the latest of them. It returns the rows written.
func (db *DB) PlanPayslipReminders(ctx context.Context, orgID string, s *kabinet.NotificationSettings, payslipIDs []string) (int64, error) {
	var n int64
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = planPayslips(ctx, tx, orgID, s, payslipIDs, false, db.now())
		return err
	})
	return n, err
}

func planPayslips(ctx context.Context, tx *sql.Tx, orgID string, s *kabinet.NotificationSettings, ids []string, futureOnly bool, now time.Time) (int64, error) {
	if len(s.PayslipDays) == 0 {
		return 0, nil
	}
	maxDay := 0
	for _, d := range s.PayslipDays {
		maxDay = max(maxDay, d)
	}
	due := `p.published_at + st.value * 86400000 + :delay`
	q := `INSERT INTO push_outbox (id, org_id, kind, subject_id, subject_key, stage, recipient_id, employee_id, base_at, due_at,
		local_date, not_before, params, status, created_at, updated_at)
		SELECT ` + newRowID("nt") + `, p.org_id, '` + kabinet.NotifyPayslipReminder + `', p.id, '', st.value, p.employee_id, p.employee_id,
		p.published_at, ` + due + `, '', ` + due + `, json_object('period', p.period), 'PLANNED', :now, :now
		FROM payslips p, json_each(:days) st
		WHERE p.org_id = :org AND p.retracted_at IS NULL AND p.viewed_at IS NULL
		AND p.published_at + :maxday * 86400000 + :delay > :now`
	if ids != nil {
		q += ` AND p.id IN (SELECT value FROM json_each(:ids))`
	}
	if futureOnly {
		q += ` AND ` + due + ` > :now`
	}
	res, err := tx.ExecContext(ctx, q+"\n"+onConflictReplan,
		sql.Named("delay", s.SendDelay.Milliseconds()), sql.Named("now", ms(now)), sql.Named("days", jsonInts(s.PayslipDays)),
		sql.Named("org", orgID), sql.Named("maxday", maxDay), sql.Named("ids", mustJSON(ids)))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// PlanVacationReminders plans the reminders of the given vacations (all of
// the organisation's when ids is nil): to the employee and to their manager,
// N days before the start, at local midnight of that day in the recipient's
// zone (refined by the dispatcher), for days not yet over. Planned reminders
// of a vacation that moved are cancelled.
func (db *DB) PlanVacationReminders(ctx context.Context, orgID string, s *kabinet.NotificationSettings, vacationIDs []string) (int64, error) {
	var n int64
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = planVacations(ctx, tx, orgID, s, vacationIDs, db.now())
		return err
	})
	return n, err
}

// PlanVacationRemindersOf re-plans the vacations of the given employees
// (their manager may have changed).
func (db *DB) PlanVacationRemindersOf(ctx context.Context, orgID string, s *kabinet.NotificationSettings, employeeIDs []string) (int64, error) {
	var n int64
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		ids, err := queryStrings(ctx, tx, `SELECT id FROM vacations WHERE org_id = ? AND cancelled_at IS NULL
			AND employee_id IN (SELECT value FROM json_each(?))`, orgID, mustJSON(employeeIDs))
		if err != nil || len(ids) == 0 {
			return err
		}
		n, err = planVacations(ctx, tx, orgID, s, ids, db.now())
		return err
	})
	return n, err
}

// managerOf is the SQL expression of the manager of employee e (docs/product.md §Manager rule,
// as sqlite.Manager, set-based): the head of e's department; for the head
// itself, the head of the parent department; else the organisation's head.
const managerOf = `COALESCE(
	(SELECT h.id FROM departments d JOIN employees h ON h.org_id = d.org_id AND h.external_id = d.head_external_id
	  WHERE d.org_id = e.org_id AND d.external_id = e.department_external_id AND d.head_external_id <> e.external_id),
	(SELECT h.id FROM departments d JOIN departments pd ON pd.org_id = d.org_id AND pd.external_id = d.parent_external_id
	  JOIN employees h ON h.org_id = pd.org_id AND h.external_id = pd.head_external_id
	  WHERE d.org_id = e.org_id AND d.external_id = e.department_external_id AND d.head_external_id = e.external_id
	  AND pd.head_external_id <> e.external_id),
	(SELECT h.id FROM employees h WHERE h.org_id = e.org_id AND h.is_org_head = 1 AND h.id <> e.id LIMIT 1))`

func planVacations(ctx context.Context, tx *sql.Tx, orgID string, s *kabinet.NotificationSettings, ids []string, now time.Time) (int64, error) {
	filter := ``
	if ids != nil {
		filter = ` AND v.id IN (SELECT value FROM json_each(:ids))`
		// A moved vacation is a new reason: its old planned reminders go.
		if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET status = 'CANCELLED', note = 'vacation moved', updated_at = :now
			WHERE kind IN (:k1, :k2) AND subject_id IN (SELECT value FROM json_each(:ids)) AND status = 'PLANNED'
			AND subject_key <> COALESCE((SELECT v.starts_on FROM vacations v WHERE v.id = push_outbox.subject_id), '')`,
			sql.Named("now", ms(now)), sql.Named("k1", kabinet.NotifyVacationReminder), sql.Named("k2", kabinet.NotifyManagerVacationReminder),
			sql.Named("ids", mustJSON(ids))); err != nil {
			return 0, err
		}
	}
	var total int64
	for _, plan := range []struct {
		kind, recipient string
		days            []int
	}{
		{kabinet.NotifyVacationReminder, `v.employee_id`, s.VacationDays},
		{kabinet.NotifyManagerVacationReminder, `v.manager_id`, s.ManagerDays},
	} {
		if len(plan.days) == 0 {
			continue
		}
		day := `date(v.starts_on, '-' || st.value || ' days')`
		due := localMidnightLowerBound(day) + ` + :delay`
		q := `INSERT INTO push_outbox (id, org_id, kind, subject_id, subject_key, stage, recipient_id, employee_id, base_at, due_at,
			local_date, not_before, params, status, created_at, updated_at)
			SELECT ` + newRowID("nt") + `, v.org_id, '` + plan.kind + `', v.id, v.starts_on, st.value, ` + plan.recipient + `, v.employee_id,
			CAST(strftime('%s', v.starts_on) AS INTEGER) * 1000, ` + due + `, ` + day + `, ` + due + `,
			json_object('startsOn', v.starts_on, 'endsOn', v.ends_on, 'name', v.employee_name), 'PLANNED', :now, :now
			FROM (SELECT v.*, ` + managerOf + ` AS manager_id, trim(e.last_name || ' ' || e.first_name) AS employee_name
			      FROM vacations v JOIN employees e ON e.id = v.employee_id
			      WHERE v.org_id = :org AND v.cancelled_at IS NULL` + filter + `) v, json_each(:days) st
			WHERE ` + plan.recipient + ` IS NOT NULL AND ` + day + ` >= date(:now / 1000 - 86400, 'unixepoch')
			` + onConflictReplan
		res, err := tx.ExecContext(ctx, q, sql.Named("delay", s.SendDelay.Milliseconds()), sql.Named("now", ms(now)),
			sql.Named("days", jsonInts(plan.days)), sql.Named("org", orgID), sql.Named("ids", mustJSON(ids)))
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// PlanNewDevice plans the notice of a sign-in on a new device, to the
// employee's other devices. Planning it twice changes nothing.
func (db *DB) PlanNewDevice(ctx context.Context, orgID, employeeID string, dev *kabinet.Device) error {
	now := db.now()
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO push_outbox (id, org_id, kind, subject_id, stage, recipient_id, employee_id,
			base_at, due_at, not_before, params, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, json_object('model', ?, 'platform', ?), 'PLANNED', ?, ?)
			ON CONFLICT (kind, subject_id, subject_key, stage, recipient_id) DO NOTHING`,
			kabinet.NewID("nt"), orgID, kabinet.NotifyNewDevice, dev.ID, employeeID, employeeID,
			ms(now), ms(now), ms(now), dev.Model, dev.Platform, ms(now), ms(now))
		return err
	})
}

// broadcastDedup is how long a repeated broadcast of one period is a repeat.
const broadcastDedup = 12 * time.Hour

// PlanPayslipBroadcast plans HR's one-off reminder to everyone who has not
// viewed their payslip of the period, due at now+delay, and returns how many
// were planned. Each call is a new broadcast (its stage is the next number),
// except a repeat of the same period within broadcastDedup, which plans only
// what the first did not (payslips published since).
func (db *DB) PlanPayslipBroadcast(ctx context.Context, orgID, period string, delay time.Duration) (int64, error) {
	now := db.now()
	var n int64
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		// Each broadcast is a stage of its own, except that HR repeating the
		// same period within broadcastDedup (a double click, a retry after a
		// timeout) reuses the last stage: the unique key then drops the repeats.
		var stage int
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(stage), 0) + 1,
			(SELECT MAX(stage) FROM push_outbox WHERE org_id = ? AND kind = ? AND json_extract(params, '$.period') = ? AND created_at > ?)
			FROM push_outbox WHERE org_id = ? AND kind = ?`,
			orgID, kabinet.NotifyPayslipBroadcast, period, ms(now.Add(-broadcastDedup)), orgID, kabinet.NotifyPayslipBroadcast).Scan(&stage, &last); err != nil {
			return err
		}
		if last.Valid {
			stage = int(last.Int64)
		}
		due := ms(now.Add(delay))
		res, err := tx.ExecContext(ctx, `INSERT INTO push_outbox (id, org_id, kind, subject_id, stage, recipient_id, employee_id,
			base_at, due_at, not_before, params, status, created_at, updated_at)
			SELECT `+newRowID("nt")+`, p.org_id, ?, p.id, ?, p.employee_id, p.employee_id, ?, ?, ?, json_object('period', p.period), 'PLANNED', ?, ?
			FROM payslips p WHERE p.org_id = ? AND p.period = ? AND p.viewed_at IS NULL AND p.retracted_at IS NULL
			ON CONFLICT (kind, subject_id, subject_key, stage, recipient_id) DO NOTHING`,
			kabinet.NotifyPayslipBroadcast, stage, ms(now), due, due, ms(now), ms(now), orgID, period)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// CancelReminders cancels what is not yet sent of the given kinds about the
// subjects (a payslip viewed or withdrawn, a vacation cancelled): planned
// outbox rows and deliveries waiting for their turn. Rows being sent right
// now are re-checked by the dispatcher. It returns the rows cancelled.
func (db *DB) CancelReminders(ctx context.Context, kinds []string, subjectIDs []string, note string) (int64, error) {
	now := db.now()
	var n int64
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		k, ids := mustJSON(kinds), mustJSON(subjectIDs)
		res, err := tx.ExecContext(ctx, `UPDATE push_outbox SET status = 'CANCELLED', note = ?, updated_at = ?
			WHERE kind IN (SELECT value FROM json_each(?)) AND subject_id IN (SELECT value FROM json_each(?)) AND status = 'PLANNED'`,
			note, ms(now), k, ids)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		res, err = tx.ExecContext(ctx, `UPDATE push_deliveries SET status = 'CANCELLED', error = ?, claimed_by = '', updated_at = ?
			WHERE status IN ('PENDING', 'CLAIMED') AND outbox_id IN (SELECT id FROM push_outbox
			WHERE kind IN (SELECT value FROM json_each(?)) AND subject_id IN (SELECT value FROM json_each(?)))`,
			note, ms(now), k, ids)
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		n += m
		return nil
	})
	return n, err
}
