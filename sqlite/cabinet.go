package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/sqlstore"
	"github.com/kabinet/kabinet/internal/storecodec"
)

const cabinetColumns = `c.org_id, c.employee_id, c.status, c.last_error, c.last_channel, COALESCE(c.login, ''),
	c.invited_at, c.activated_at, c.code_expires_at, c.created_at, c.updated_at`

func scanCabinet(row interface{ Scan(...any) error }, extra ...any) (*kabinet.Cabinet, error) {
	c := &kabinet.Cabinet{}
	var invited, activated, expires sql.NullInt64
	var created, updated int64
	dst := append([]any{&c.OrgID, &c.EmployeeID, &c.Status, &c.LastError, &c.LastChannel, &c.Login,
		&invited, &activated, &expires, &created, &updated}, extra...)
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	c.InvitedAt, c.ActivatedAt, c.CodeExpires = storecodec.NullTime(invited), storecodec.NullTime(activated), storecodec.NullTime(expires)
	c.CreatedAt, c.UpdatedAt = storecodec.FromMS(created), storecodec.FromMS(updated)
	return c, nil
}

func addCabinetEvent(ctx context.Context, tx *sql.Tx, orgID, employeeID, status, reason, channel string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO cabinet_events (org_id, employee_id, status, reason, channel, at) VALUES (?, ?, ?, ?, ?, ?)`,
		orgID, employeeID, status, reason, channel, storecodec.MS(at))
	return err
}

// Cabinet returns the employee's cabinet, or NOT_FOUND when it has none.
func (db *DB) Cabinet(ctx context.Context, orgID, employeeID string) (*kabinet.Cabinet, error) {
	c, err := scanCabinet(db.read.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.org_id = ? AND c.employee_id = ?`, orgID, employeeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "the employee has no cabinet")
	}
	return c, err
}

// Cabinets lists the organisation's employees with their cabinets, ordered
// by external ID; employees without one are NOT_CREATED. status "" lists all.
func (db *DB) Cabinets(ctx context.Context, orgID, status string) ([]*kabinet.Cabinet, error) {
	q := `SELECT ` + employeeColumnsAs("e") + `, c.status, c.last_error, c.last_channel, COALESCE(c.login, ''),
		c.invited_at, c.activated_at, c.code_expires_at, c.created_at, c.updated_at
		FROM employees e LEFT JOIN cabinets c ON c.employee_id = e.id WHERE e.org_id = ?`
	args := []any{orgID}
	switch status {
	case "":
	case kabinet.CabinetNotCreated:
		q += ` AND c.employee_id IS NULL`
	default:
		q += ` AND c.status = ?`
		args = append(args, status)
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY e.external_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*kabinet.Cabinet
	for rows.Next() {
		e := &kabinet.Employee{}
		var ecreated, eupdated int64
		var st, lastErr, lastCh, login sql.NullString
		var invited, activated, expires, created, updated sql.NullInt64
		if err := rows.Scan(&e.ID, &e.OrgID, &e.ExternalID, &e.LastName, &e.FirstName, &e.MiddleName, &e.Email, &e.Phone,
			&e.DepartmentExternalID, &e.Position, &e.Timezone, &e.IsOrganizationHead, &e.DismissedOn, &ecreated, &eupdated,
			&st, &lastErr, &lastCh, &login, &invited, &activated, &expires, &created, &updated); err != nil {
			return nil, err
		}
		e.CreatedAt, e.UpdatedAt = storecodec.FromMS(ecreated), storecodec.FromMS(eupdated)
		e.Login = login.String
		c := &kabinet.Cabinet{OrgID: orgID, EmployeeID: e.ID, Employee: e, Status: kabinet.CabinetNotCreated}
		if st.Valid {
			c.Status, c.LastError, c.LastChannel, c.Login = st.String, lastErr.String, lastCh.String, login.String
			c.InvitedAt, c.ActivatedAt, c.CodeExpires = storecodec.NullTime(invited), storecodec.NullTime(activated), storecodec.NullTime(expires)
			c.CreatedAt, c.UpdatedAt = storecodec.FromMS(created.Int64), storecodec.FromMS(updated.Int64)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func employeeColumnsAs(alias string) string {
	cols := strings.Split(sqlstore.EmployeeColumns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// CabinetEvents returns the employee's cabinet history, oldest first.
func (db *DB) CabinetEvents(ctx context.Context, orgID, employeeID string) ([]kabinet.CabinetEvent, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT status, reason, channel, at FROM cabinet_events WHERE org_id = ? AND employee_id = ? ORDER BY id`, orgID, employeeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kabinet.CabinetEvent
	for rows.Next() {
		var ev kabinet.CabinetEvent
		var at int64
		if err := rows.Scan(&ev.Status, &ev.Reason, &ev.Channel, &at); err != nil {
			return nil, err
		}
		ev.At = storecodec.FromMS(at)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// CreateCabinet creates the employee's cabinet (or revives a CREATE_FAILED
// one) with a first activation code. An existing cabinet in another status
// is left alone and returned with created false.
func (db *DB) CreateCabinet(ctx context.Context, orgID, employeeID, codeHash string, expires time.Time) (c *kabinet.Cabinet, created bool, err error) {
	now := db.now()
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		c, created = nil, false
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM cabinets WHERE employee_id = ?`, employeeID).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO cabinets (employee_id, org_id, status, code_hash, code_issued_at, code_expires_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, employeeID, orgID, kabinet.CabinetCreated, codeHash, storecodec.MS(now), storecodec.MS(expires), storecodec.MS(now), storecodec.MS(now))
		case err != nil:
			return err
		case status == kabinet.CabinetCreateFailed:
			_, err = tx.ExecContext(ctx, `UPDATE cabinets SET status = ?, last_error = '', code_hash = ?, code_issued_at = ?, code_expires_at = ?, updated_at = ?
				WHERE employee_id = ?`, kabinet.CabinetCreated, codeHash, storecodec.MS(now), storecodec.MS(expires), storecodec.MS(now), employeeID)
		default:
			c, err = scanCabinet(tx.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.employee_id = ?`, employeeID))
			return err
		}
		if err != nil {
			return err
		}
		created = true
		if err := addCabinetEvent(ctx, tx, orgID, employeeID, kabinet.CabinetCreated, "cabinet created", "", now); err != nil {
			return err
		}
		c, err = scanCabinet(tx.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.employee_id = ?`, employeeID))
		return err
	})
	return c, created, err
}

// CabinetCreateFailed records that a cabinet could not be created. An
// existing cabinet in another status is left alone.
func (db *DB) CabinetCreateFailed(ctx context.Context, orgID, employeeID, reason string) (*kabinet.Cabinet, error) {
	now := db.now()
	var c *kabinet.Cabinet
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM cabinets WHERE employee_id = ?`, employeeID).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO cabinets (employee_id, org_id, status, last_error, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)`, employeeID, orgID, kabinet.CabinetCreateFailed, reason, storecodec.MS(now), storecodec.MS(now))
		case err != nil:
			return err
		case status == kabinet.CabinetCreateFailed:
			_, err = tx.ExecContext(ctx, `UPDATE cabinets SET last_error = ?, updated_at = ? WHERE employee_id = ?`, reason, storecodec.MS(now), employeeID)
		default:
			c, err = scanCabinet(tx.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.employee_id = ?`, employeeID))
			return err
		}
		if err != nil {
			return err
		}
		if err := addCabinetEvent(ctx, tx, orgID, employeeID, kabinet.CabinetCreateFailed, reason, "", now); err != nil {
			return err
		}
		c, err = scanCabinet(tx.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.employee_id = ?`, employeeID))
		return err
	})
	return c, err
}

// IssueCode replaces the cabinet's activation code (the previous one stops
// working at once) and, when inv is not nil, queues the invitation carrying
// it — in one transaction, so a code is never issued without its message
// and no message exists without its code. The cabinet's status must be one
// of allowed, else the current cabinet is returned with issued false.
// expires nil means the code does not expire (an active cabinet's code
// needs the password anyway).
func (db *DB) IssueCode(ctx context.Context, orgID, employeeID, codeHash string, expires *time.Time, allowed []string, reason string, inv *kabinet.Invitation) (c *kabinet.Cabinet, issued bool, err error) {
	now := db.now()
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		c, issued = nil, false
		cur, err := scanCabinet(tx.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.org_id = ? AND c.employee_id = ?`, orgID, employeeID))
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.ENOTFOUND, "the employee has no cabinet")
		}
		if err != nil {
			return err
		}
		c = cur
		ok := false
		for _, s := range allowed {
			ok = ok || s == cur.Status
		}
		if !ok {
			return nil
		}
		var exp sql.NullInt64
		if expires != nil {
			exp = sql.NullInt64{Int64: storecodec.MS(*expires), Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cabinets SET code_hash = ?, code_issued_at = ?, code_expires_at = ?, updated_at = ? WHERE employee_id = ?`,
			codeHash, storecodec.MS(now), exp, storecodec.MS(now), employeeID); err != nil {
			return err
		}
		if err := addCabinetEvent(ctx, tx, orgID, employeeID, cur.Status, reason, "", now); err != nil {
			return err
		}
		if inv != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO invitation_outbox (id, org_id, employee_id, channel, recipient, subject, body, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, inv.ID, orgID, employeeID, inv.Channel, inv.To, inv.Subject, inv.Body, storecodec.MS(now)); err != nil {
				return err
			}
		}
		issued = true
		c, err = scanCabinet(tx.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.employee_id = ?`, employeeID))
		return err
	})
	return c, issued, err
}

// CabinetInviteFailed records an invitation that could not even be tried
// (no address for the channel): INVITE_FAILED with the channel and reason.
// An INVITED cabinet stays INVITED — no new code was issued, so the code
// already sent still works — with the error shown; an ACTIVE cabinet stays
// ACTIVE, a BLOCKED one keeps its block; the event is recorded either way.
func (db *DB) CabinetInviteFailed(ctx context.Context, orgID, employeeID, channel, reason string) (*kabinet.Cabinet, error) {
	now := db.now()
	var c *kabinet.Cabinet
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		if err := inviteSettled(ctx, tx, orgID, employeeID, channel, reason, now, true); err != nil {
			return err
		}
		var err error
		c, err = scanCabinet(tx.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.employee_id = ?`, employeeID))
		return err
	})
	return c, err
}

// inviteSettled records the outcome of an invitation (reason "" = sent).
// codeKept says the failed attempt issued no new code, so an INVITED
// cabinet's code is still out there and working.
func inviteSettled(ctx context.Context, tx *sql.Tx, orgID, employeeID, channel, reason string, now time.Time, codeKept bool) error {
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM cabinets WHERE org_id = ? AND employee_id = ?`, orgID, employeeID).Scan(&status); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.ENOTFOUND, "the employee has no cabinet")
		}
		return err
	}
	evReason := "invitation sent"
	if reason != "" {
		evReason = reason
	}
	if status == kabinet.CabinetBlocked {
		// Blocked meanwhile: the block and its reason stay; only the event is kept.
		return addCabinetEvent(ctx, tx, orgID, employeeID, status, evReason, channel, now)
	}
	next := status
	switch status {
	case kabinet.CabinetCreated, kabinet.CabinetInvited, kabinet.CabinetInviteFailed:
		next = kabinet.CabinetInvited
		if reason != "" && !(codeKept && status == kabinet.CabinetInvited) {
			next = kabinet.CabinetInviteFailed
		}
	}
	var err error
	if reason == "" {
		_, err = tx.ExecContext(ctx, `UPDATE cabinets SET status = ?, last_error = '', last_channel = ?, invited_at = ?, updated_at = ? WHERE employee_id = ?`,
			next, channel, storecodec.MS(now), storecodec.MS(now), employeeID)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE cabinets SET status = ?, last_error = ?, last_channel = ?, updated_at = ? WHERE employee_id = ?`,
			next, reason, channel, storecodec.MS(now), employeeID)
	}
	if err != nil {
		return err
	}
	return addCabinetEvent(ctx, tx, orgID, employeeID, next, evReason, channel, now)
}

// ClaimInvitations takes up to limit unsettled invitations for sending —
// those of ids, or any when ids is empty — that nobody claimed within the
// lease. Claiming is a write, so two senders never take the same row at the
// same time.
func (db *DB) ClaimInvitations(ctx context.Context, ids []string, lease time.Duration, limit int) ([]*kabinet.Invitation, error) {
	now := db.now()
	var out []*kabinet.Invitation
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		out = nil
		q := `SELECT id, org_id, employee_id, channel, recipient, subject, body, attempts FROM invitation_outbox
			WHERE sent_at IS NULL AND failed_at IS NULL AND (claimed_at IS NULL OR claimed_at <= ?)`
		args := []any{storecodec.MS(now.Add(-lease))}
		if len(ids) > 0 {
			q += ` AND id IN (` + placeholders(len(ids)) + `)`
			for _, id := range ids {
				args = append(args, id)
			}
		}
		q += ` ORDER BY created_at, id LIMIT ?`
		args = append(args, limit)
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			m := &kabinet.Invitation{}
			if err := rows.Scan(&m.ID, &m.OrgID, &m.EmployeeID, &m.Channel, &m.To, &m.Subject, &m.Body, &m.Attempts); err != nil {
				rows.Close()
				return err
			}
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range out {
			m.Attempts++
			if _, err := tx.ExecContext(ctx, `UPDATE invitation_outbox SET claimed_at = ?, attempts = ? WHERE id = ?`, storecodec.MS(now), m.Attempts, m.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// SettleInvitation records the outcome of a claimed invitation (sendErr ""
// = sent), wipes its text (and with it the code), and moves the cabinet to
// INVITED or INVITE_FAILED, in one transaction.
func (db *DB) SettleInvitation(ctx context.Context, inv *kabinet.Invitation, sendErr string) error {
	now := db.now()
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		col := "sent_at"
		if sendErr != "" {
			col = "failed_at"
		}
		res, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE invitation_outbox SET %s = ?, error = ?, body = '' WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL`, col),
			storecodec.MS(now), sendErr, inv.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // settled by another sender
		}
		return inviteSettled(ctx, tx, inv.OrgID, inv.EmployeeID, inv.Channel, sendErr, now, false)
	})
}

// PendingInvitations counts invitations not yet settled.
func (db *DB) PendingInvitations(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM invitation_outbox WHERE sent_at IS NULL AND failed_at IS NULL`).Scan(&n)
	return n, err
}
