package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// SearchWords and SearchSpellings bound a cabinet search: the statement
// has this fixed shape (unused places match everything), so that it is
// prepared once and costs the same whatever is typed.
const (
	SearchWords     = 5
	SearchSpellings = 4
)

// employeeCols are the columns of kabinet.Employee, of alias e.
const employeeCols = `e.id, e.org_id, e.external_id, e.last_name, e.first_name, e.middle_name, e.email, e.phone,
	e.department_external_id, e.position, e.timezone, e.is_org_head, e.dismissed_on, e.created_at, e.updated_at`

// employeeCabinetCols are employeeCols and the columns of the employee's
// cabinet (alias c, NULL when there is none), as scanEmployeeCabinet reads
// them.
const employeeCabinetCols = employeeCols + `, c.status, c.last_error, c.last_channel,
	COALESCE(c.login, ''), c.invited_at, c.activated_at, c.code_expires_at, c.created_at, c.updated_at`

// cabinetSearchWhere is the filter of SearchCabinets: the organisation, the
// status (” any, NOT_CREATED none), the department, no contact, and
// SearchWords groups of SearchSpellings LIKE patterns over the searchable
// text of the employee.
var cabinetSearchWhere = func() string {
	w := ` FROM employees e LEFT JOIN cabinets c ON c.employee_id = e.id
		WHERE e.org_id = ?
		AND (? = '' OR (? = '` + kabinet.CabinetNotCreated + `' AND c.employee_id IS NULL) OR c.status = ?)
		AND (? = '' OR e.department_external_id = ?)
		AND (? = 0 OR (e.email = '' AND e.phone = ''))`
	text := `(e.last_name || ' ' || e.first_name || ' ' || e.middle_name || ' ' || e.external_id || ' ' || e.email || ' ' || e.phone)`
	for range SearchWords {
		w += ` AND (? = 0`
		for range SearchSpellings {
			w += ` OR ` + text + ` %s ? ESCAPE '\'`
		}
		w += `)`
	}
	return w
}()

// SearchCabinets returns one page of the organisation's employees with
// their cabinets (NOT_CREATED for those without), ordered by name (by
// UTF-8 bytes: Latin before Cyrillic), and the
// number of all matches. q.Patterns holds at most SearchWords groups of at
// most SearchSpellings LIKE patterns each (the service makes them); q.Limit
// is the page size.
func (s *Store) SearchCabinets(ctx context.Context, orgID string, q kabinet.CabinetQuery) (*kabinet.CabinetPage, error) {
	if len(q.Patterns) > SearchWords {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "at most %d words", SearchWords)
	}
	noContact := 0
	if q.NoContact {
		noContact = 1
	}
	args := []any{orgID, q.Status, q.Status, q.Status, q.DepartmentExternalID, q.DepartmentExternalID, noContact}
	for i := range SearchWords {
		var group []string
		if i < len(q.Patterns) {
			group = q.Patterns[i]
		}
		// An unused group is switched off by its flag (1: in use), so no
		// row pays for its patterns.
		args = append(args, min(len(group), 1))
		for j := range SearchSpellings {
			switch {
			case j < len(group):
				args = append(args, group[j])
			case len(group) > 0:
				args = append(args, group[0])
			default:
				args = append(args, "")
			}
		}
	}
	where, c := searchWhere[s.dialect], s.dialect.Bytewise()
	page := &kabinet.CabinetPage{Offset: q.Offset, Limit: q.Limit}
	err := s.run.Read(ctx, func(tx Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*)`+where, args...).Scan(&page.Total); err != nil {
			return err
		}
		if page.Total <= q.Offset {
			return nil
		}
		var err error
		page.Items, err = queryAll(ctx, tx, scanEmployeeCabinet, `SELECT `+employeeCabinetCols+where+`
			ORDER BY e.last_name`+c+`, e.first_name`+c+`, e.middle_name`+c+`, e.external_id`+c+` LIMIT ? OFFSET ?`,
			append(args, q.Limit, q.Offset)...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// searchWhere is cabinetSearchWhere with each dialect's case-insensitive LIKE.
var searchWhere = map[Dialect]string{SQLite: withLike(SQLite), Postgres: withLike(Postgres)}

func withLike(d Dialect) string {
	ops := make([]any, SearchWords*SearchSpellings)
	for i := range ops {
		ops[i] = d.ILike()
	}
	return fmt.Sprintf(cabinetSearchWhere, ops...)
}

// scanEmployeeCabinet reads a row of employeeCabinetCols: an employee and
// their cabinet, NOT_CREATED if they have none.
func scanEmployeeCabinet(row scanner) (*kabinet.Cabinet, error) {
	e := &kabinet.Employee{}
	var ecreated, eupdated int64
	var st, lastErr, lastCh, login sql.NullString
	var invited, activated, expires, created, updated sql.NullInt64
	if err := row.Scan(&e.ID, &e.OrgID, &e.ExternalID, &e.LastName, &e.FirstName, &e.MiddleName, &e.Email, &e.Phone,
		&e.DepartmentExternalID, &e.Position, &e.Timezone, &e.IsOrganizationHead, &e.DismissedOn, &ecreated, &eupdated,
		&st, &lastErr, &lastCh, &login, &invited, &activated, &expires, &created, &updated); err != nil {
		return nil, err
	}
	e.CreatedAt, e.UpdatedAt = storecodec.FromMS(ecreated), storecodec.FromMS(eupdated)
	e.Login = login.String
	c := &kabinet.Cabinet{OrgID: e.OrgID, EmployeeID: e.ID, Employee: e, Status: kabinet.CabinetNotCreated}
	if st.Valid {
		c.Status, c.LastError, c.LastChannel, c.Login = st.String, lastErr.String, lastCh.String, login.String
		c.InvitedAt, c.ActivatedAt, c.CodeExpires = storecodec.NullTime(invited), storecodec.NullTime(activated), storecodec.NullTime(expires)
		c.CreatedAt, c.UpdatedAt = storecodec.FromMS(created.Int64), storecodec.FromMS(updated.Int64)
	}
	return c, nil
}
