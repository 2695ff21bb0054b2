package postgres

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// UnviewedPayslips returns the organisation's payslips that are neither
// viewed nor withdrawn, narrowed by f.
func (db *DB) UnviewedPayslips(ctx context.Context, orgID string, f kabinet.PayslipFactFilter) ([]kabinet.PayslipFact, error) {
	q := `SELECT id, employee_id, period, published_at FROM payslips
		WHERE org_id = ? AND retracted_at IS NULL AND viewed_at IS NULL AND published_at > ?`
	after := int64(-1 << 62)
	if !f.PublishedAfter.IsZero() {
		after = ms(f.PublishedAfter)
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
		p.PublishedAt = fromMS(published)
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

// Reach returns, for the given employees, the state of their cabinet and
// how many of their devices are active with a push token. Employees with
// neither are absent.
func (db *DB) Reach(ctx context.Context, orgID string, employeeIDs []string) (map[string]kabinet.Reach, error) {
	rows, err := db.conn.QueryContext(ctx, `SELECT e.id, COALESCE(c.status, ''),
		(SELECT count(*) FROM devices d JOIN push_tokens t ON t.device_id = d.id WHERE d.employee_id = e.id AND d.revoked_at IS NULL)
		FROM unnest(?::text[]) AS e(id) LEFT JOIN cabinets c ON c.employee_id = e.id AND c.org_id = ?`, employeeIDs, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]kabinet.Reach, len(employeeIDs))
	for rows.Next() {
		var id string
		var r kabinet.Reach
		if err := rows.Scan(&id, &r.CabinetStatus, &r.PushDevices); err != nil {
			return nil, err
		}
		if r != (kabinet.Reach{}) {
			out[id] = r
		}
	}
	return out, rows.Err()
}

// BroadcastStages returns the highest stage of the organisation's payslip
// broadcasts, and the highest stage of a broadcast about period planned
// after since; 0 for none.
func (db *DB) BroadcastStages(ctx context.Context, orgID, period string, since time.Time) (last, lastOfPeriod int, err error) {
	err = db.conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(stage), 0),
		COALESCE((SELECT MAX(stage) FROM push_outbox WHERE org_id = ?1 AND kind = ?2
			AND params::jsonb->>'period' = ?3 AND created_at > ?4), 0)
		FROM push_outbox WHERE org_id = ?1 AND kind = ?2`,
		orgID, kabinet.NotifyPayslipBroadcast, period, ms(since)).Scan(&last, &lastOfPeriod)
	return last, lastOfPeriod, err
}
