package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// EmployeeColumns are the columns of an employee row; EmployeeSelect adds
// the cabinet's login, and ScanEmployee reads a row of it.
const EmployeeColumns = `id, org_id, external_id, last_name, first_name, middle_name, email, phone,
	department_external_id, position, timezone, is_org_head, dismissed_on, created_at, updated_at`

// EmployeeSelect is EmployeeColumns plus the login of the employee's
// cabinet ("" before activation), so that listings need no query per
// employee for it.
const EmployeeSelect = EmployeeColumns + `, coalesce((SELECT c.login FROM cabinets c WHERE c.employee_id = employees.id), '')`

// ScanEmployee reads a row of EmployeeSelect.
func ScanEmployee(row scanner) (*kabinet.Employee, error) {
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
func (s *Store) UpsertEmployees(ctx context.Context, orgID string, emps []kabinet.Employee) (res kabinet.PublishResult, changed []string, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
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
				_, err = tx.ExecContext(ctx, `INSERT INTO employees (`+EmployeeColumns+`, fingerprint)
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
func (s *Store) Employee(ctx context.Context, orgID, id string) (*kabinet.Employee, error) {
	return s.employeeWhere(ctx, `org_id = ? AND id = ?`, orgID, id)
}

// EmployeeByExternalID returns the organisation's employee with the given
// external ID, or NOT_FOUND.
func (s *Store) EmployeeByExternalID(ctx context.Context, orgID, externalID string) (*kabinet.Employee, error) {
	return s.employeeWhere(ctx, `org_id = ? AND external_id = ?`, orgID, externalID)
}

func (s *Store) employeeWhere(ctx context.Context, where string, args ...any) (*kabinet.Employee, error) {
	e, err := ScanEmployee(s.run.Reader().QueryRowContext(ctx, `SELECT `+EmployeeSelect+` FROM employees WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "employee not found")
	}
	return e, err
}

// Employees lists an organisation's employees ordered by external ID.
func (s *Store) Employees(ctx context.Context, orgID string, f kabinet.EmployeeFilter) ([]*kabinet.Employee, error) {
	q := `SELECT ` + EmployeeSelect + ` FROM employees WHERE org_id = ? AND external_id > ?`
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
	return queryAll(ctx, s.run.Reader(), ScanEmployee, q, args...)
}

// EmployeeIDs maps the given external IDs to employee ids; unknown external
// IDs are absent from the map.
func (s *Store) EmployeeIDs(ctx context.Context, orgID string, externalIDs []string) (map[string]string, error) {
	return s.idMap(ctx, `SELECT external_id, id FROM employees WHERE org_id = ? AND external_id IN `, orgID, externalIDs)
}

// DepartmentIDs maps the given department external IDs to ids.
func (s *Store) DepartmentIDs(ctx context.Context, orgID string, externalIDs []string) (map[string]string, error) {
	return s.idMap(ctx, `SELECT external_id, id FROM departments WHERE org_id = ? AND external_id IN `, orgID, externalIDs)
}

// idMap runs a lookup of external IDs in chunks that stay under SQLite's
// limit on bound parameters.
func (s *Store) idMap(ctx context.Context, query, orgID string, externalIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(externalIDs))
	const chunk = 500
	for start := 0; start < len(externalIDs); start += chunk {
		part := externalIDs[start:min(start+chunk, len(externalIDs))]
		args := make([]any, 0, len(part)+1)
		args = append(args, orgID)
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := s.run.Reader().QueryContext(ctx, query+`(`+placeholders(len(part))+`)`, args...)
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

// CreateOrganization stores a new organisation and its first API key, given
// only as its hash.
func (s *Store) CreateOrganization(ctx context.Context, org *kabinet.Organization, keyHash string) error {
	now := s.now()
	org.ID = kabinet.NewID("org")
	org.CreatedAt = now
	return s.run.Write(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, name, timezone, created_at) VALUES (?, ?, ?, ?)`,
			org.ID, org.Name, org.Timezone, storecodec.MS(now)); err != nil {
			return err
		}
		// PostgreSQL positions the organisation's changes from its counter
		// row (postgres/change.go); SQLite's change log has one sequence.
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sync_counters (org_id) VALUES (?)`, org.ID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, key_hash, created_at) VALUES (?, ?, ?, ?)`,
			kabinet.NewID("key"), org.ID, keyHash, storecodec.MS(now))
		return err
	})
}

// OrganizationByKeyHash finds the organisation of an unrevoked API key.
// It returns NOT_FOUND for an unknown or revoked key.
func (s *Store) OrganizationByKeyHash(ctx context.Context, keyHash string) (org *kabinet.Organization, keyID string, err error) {
	org = &kabinet.Organization{}
	var created int64
	err = s.run.Reader().QueryRowContext(ctx, `
		SELECT o.id, o.name, o.timezone, o.created_at, k.id
		FROM api_keys k JOIN organizations o ON o.id = k.org_id
		WHERE k.key_hash = ? AND k.revoked_at IS NULL`, keyHash).
		Scan(&org.ID, &org.Name, &org.Timezone, &created, &keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", kabinet.Errorf(kabinet.ENOTFOUND, "unknown API key")
	}
	if err != nil {
		return nil, "", err
	}
	org.CreatedAt = storecodec.FromMS(created)
	return org, keyID, nil
}

// Organization returns the organisation with the given id, or NOT_FOUND.
func (s *Store) Organization(ctx context.Context, id string) (*kabinet.Organization, error) {
	org := &kabinet.Organization{}
	var created int64
	err := s.run.Reader().QueryRowContext(ctx, `SELECT id, name, timezone, created_at FROM organizations WHERE id = ?`, id).
		Scan(&org.ID, &org.Name, &org.Timezone, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "organization not found")
	}
	if err != nil {
		return nil, err
	}
	org.CreatedAt = storecodec.FromMS(created)
	return org, nil
}

// CountOrganizations is the number of organisations (the demo seeds only an
// empty database).
func (s *Store) CountOrganizations(ctx context.Context) (int, error) {
	var n int
	err := s.run.Reader().QueryRowContext(ctx, `SELECT count(*) FROM organizations`).Scan(&n)
	return n, err
}

// AddAPIKey stores another API key, given only as its hash, for an existing
// organisation; NOT_FOUND when there is none with that id.
func (s *Store) AddAPIKey(ctx context.Context, orgID, keyHash string) error {
	return s.run.Write(ctx, func(tx Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM organizations WHERE id = ?`, orgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return kabinet.Errorf(kabinet.ENOTFOUND, "organization %q not found", orgID)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, key_hash, created_at) VALUES (?, ?, ?, ?)`,
			kabinet.NewID("key"), orgID, keyHash, storecodec.MS(s.now()))
		return err
	})
}

// Organizations lists every organisation, oldest first (the operator's
// command line; there are few).
func (s *Store) Organizations(ctx context.Context) ([]*kabinet.Organization, error) {
	rows, err := s.run.Reader().QueryContext(ctx, `SELECT id, name, timezone, created_at FROM organizations ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*kabinet.Organization
	for rows.Next() {
		org := &kabinet.Organization{}
		var created int64
		if err := rows.Scan(&org.ID, &org.Name, &org.Timezone, &created); err != nil {
			return nil, err
		}
		org.CreatedAt = storecodec.FromMS(created)
		list = append(list, org)
	}
	return list, rows.Err()
}
