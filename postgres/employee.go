package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

const employeeColumns = `id, org_id, external_id, last_name, first_name, middle_name, email, phone,
	department_external_id, position, timezone, is_org_head, dismissed_on, created_at, updated_at`

// employeeSelect is employeeColumns plus the login of the employee's
// cabinet ("" before activation), so that listings need no query per
// employee for it.
const employeeSelect = employeeColumns + `, coalesce((SELECT c.login FROM cabinets c WHERE c.employee_id = employees.id), '')`

// scanEmployee reads a row of employeeSelect.
func scanEmployee(row scanner) (*kabinet.Employee, error) {
	e := &kabinet.Employee{}
	var created, updated int64
	err := row.Scan(&e.ID, &e.OrgID, &e.ExternalID, &e.LastName, &e.FirstName, &e.MiddleName, &e.Email, &e.Phone,
		&e.DepartmentExternalID, &e.Position, &e.Timezone, &e.IsOrganizationHead, &e.DismissedOn, &created, &updated, &e.Login)
	if err != nil {
		return nil, err
	}
	e.CreatedAt, e.UpdatedAt = storecodec.FromMS(created), storecodec.FromMS(updated)
	return e, nil
}

// UpsertEmployees publishes employees by external ID in one transaction.
// Marking an employee as the organisation's head clears the mark on the
// previous head. The IDs of created and updated employees are returned in
// ids, in input order.
func (db *DB) UpsertEmployees(ctx context.Context, orgID string, emps []kabinet.Employee) (res kabinet.PublishResult, changed []string, err error) {
	now := db.now()
	err = db.WriteTx(ctx, func(tx *txn) error {
		res, changed = kabinet.PublishResult{}, nil
		for i := range emps {
			e := &emps[i]
			if e.IsOrganizationHead {
				// Clear the mark on any other head first; that is a change of theirs too.
				if _, err := tx.ExecContext(ctx, `UPDATE employees SET is_org_head = false, updated_at = ?
					WHERE org_id = ? AND is_org_head AND external_id <> ?`, storecodec.MS(now), orgID, e.ExternalID); err != nil {
					return err
				}
			}
			// The head mark is compared apart from the fingerprint, because
			// marking another head clears it here without a republish.
			fp := storecodec.Fingerprint([]any{e.LastName, e.FirstName, e.MiddleName, e.Email, e.Phone, e.DepartmentExternalID,
				e.Position, e.Timezone, e.DismissedOn})
			var id, old string
			var wasHead bool
			err := tx.QueryRowContext(ctx, `SELECT id, fingerprint, is_org_head FROM employees WHERE org_id = ? AND external_id = ?`,
				orgID, e.ExternalID).Scan(&id, &old, &wasHead)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				e.ID, e.OrgID, e.CreatedAt, e.UpdatedAt = kabinet.NewID("emp"), orgID, now, now
				_, err = tx.ExecContext(ctx, `INSERT INTO employees (`+employeeColumns+`, fingerprint)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					e.ID, orgID, e.ExternalID, e.LastName, e.FirstName, e.MiddleName, e.Email, e.Phone,
					e.DepartmentExternalID, e.Position, e.Timezone, e.IsOrganizationHead, e.DismissedOn, storecodec.MS(now), storecodec.MS(now), fp)
				res.Created++
				changed = append(changed, e.ID)
			case err != nil:
				return err
			case old == fp && wasHead == e.IsOrganizationHead:
				e.ID, e.OrgID = id, orgID
				res.Unchanged++
			default:
				e.ID, e.OrgID, e.UpdatedAt = id, orgID, now
				_, err = tx.ExecContext(ctx, `UPDATE employees SET last_name = ?, first_name = ?, middle_name = ?, email = ?, phone = ?,
					department_external_id = ?, position = ?, timezone = ?, is_org_head = ?, dismissed_on = ?, fingerprint = ?, updated_at = ?
					WHERE id = ?`, e.LastName, e.FirstName, e.MiddleName, e.Email, e.Phone, e.DepartmentExternalID, e.Position,
					e.Timezone, e.IsOrganizationHead, e.DismissedOn, fp, storecodec.MS(now), id)
				res.Updated++
				changed = append(changed, e.ID)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return res, changed, err
}

// Employee returns the organisation's employee with the given id, or NOT_FOUND.
func (db *DB) Employee(ctx context.Context, orgID, id string) (*kabinet.Employee, error) {
	return db.employeeWhere(ctx, `org_id = ? AND id = ?`, orgID, id)
}

// EmployeeByExternalID returns the organisation's employee with the given
// external ID, or NOT_FOUND.
func (db *DB) EmployeeByExternalID(ctx context.Context, orgID, externalID string) (*kabinet.Employee, error) {
	return db.employeeWhere(ctx, `org_id = ? AND external_id = ?`, orgID, externalID)
}

func (db *DB) employeeWhere(ctx context.Context, where string, args ...any) (*kabinet.Employee, error) {
	e, err := scanEmployee(db.conn.QueryRowContext(ctx, `SELECT `+employeeSelect+` FROM employees WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "employee not found")
	}
	return e, err
}

// EmployeeFilter narrows Employees. Zero values match everything.
type EmployeeFilter struct {
	ExternalIDs     []string
	Limit           int
	AfterExternalID string // keyset paging by external ID
}

// Employees lists an organisation's employees ordered by external ID.
func (db *DB) Employees(ctx context.Context, orgID string, f kabinet.EmployeeFilter) ([]*kabinet.Employee, error) {
	q := `SELECT ` + employeeSelect + ` FROM employees WHERE org_id = ? AND external_id > ?`
	args := []any{orgID, f.AfterExternalID}
	if len(f.ExternalIDs) > 0 {
		q += ` AND external_id IN (` + placeholders(len(f.ExternalIDs)) + `)`
		for _, id := range f.ExternalIDs {
			args = append(args, id)
		}
	}
	q += ` ORDER BY external_id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return queryAll(ctx, db.conn, scanEmployee, q, args...)
}

// EmployeeIDs maps the given external IDs to employee ids; unknown external
// IDs are absent from the map.
func (db *DB) EmployeeIDs(ctx context.Context, orgID string, externalIDs []string) (map[string]string, error) {
	return db.idMap(ctx, `SELECT external_id, id FROM employees WHERE org_id = ? AND external_id IN `, orgID, externalIDs)
}

// DepartmentIDs maps the given department external IDs to ids.
func (db *DB) DepartmentIDs(ctx context.Context, orgID string, externalIDs []string) (map[string]string, error) {
	return db.idMap(ctx, `SELECT external_id, id FROM departments WHERE org_id = ? AND external_id IN `, orgID, externalIDs)
}

// idMap runs a lookup of external IDs in chunks that stay under SQLite's
// limit on bound parameters.
func (db *DB) idMap(ctx context.Context, query, orgID string, externalIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(externalIDs))
	const chunk = 500
	for start := 0; start < len(externalIDs); start += chunk {
		part := externalIDs[start:min(start+chunk, len(externalIDs))]
		args := make([]any, 0, len(part)+1)
		args = append(args, orgID)
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := db.conn.QueryContext(ctx, query+`(`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var ext, id string
			if err := rows.Scan(&ext, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[ext] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
