package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// cabinetColumns are the columns of a cabinet row (alias c), as scanCabinet
// reads them.
const cabinetColumns = `c.org_id, c.employee_id, c.status, c.last_error, c.last_channel, COALESCE(c.login, ''),
	c.invited_at, c.activated_at, c.code_expires_at, c.created_at, c.updated_at`

// scanCabinet reads a row of cabinetColumns, then extra.
func scanCabinet(row scanner, extra ...any) (*kabinet.Cabinet, error) {
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

// addCabinetEvent appends to the cabinet's history.
func addCabinetEvent(ctx context.Context, tx Tx, orgID, employeeID, status, reason, channel string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO cabinet_events (org_id, employee_id, status, reason, channel, at) VALUES (?, ?, ?, ?, ?, ?)`,
		orgID, employeeID, status, reason, channel, storecodec.MS(at))
	return err
}

// Cabinet returns the employee's cabinet, or NOT_FOUND when it has none.
func (s *Store) Cabinet(ctx context.Context, orgID, employeeID string) (*kabinet.Cabinet, error) {
	c, err := scanCabinet(s.run.Reader().QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.org_id = ? AND c.employee_id = ?`, orgID, employeeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "the employee has no cabinet")
	}
	return c, err
}

// Cabinets lists the organisation's employees with their cabinets, ordered
// by external ID; employees without one are NOT_CREATED. status "" lists all.
func (s *Store) Cabinets(ctx context.Context, orgID, status string) ([]*kabinet.Cabinet, error) {
	q := `SELECT ` + employeeCabinetCols + ` FROM employees e LEFT JOIN cabinets c ON c.employee_id = e.id WHERE e.org_id = ?`
	args := []any{orgID}
	switch status {
	case "":
	case kabinet.CabinetNotCreated:
		q += ` AND c.employee_id IS NULL`
	default:
		q += ` AND c.status = ?`
		args = append(args, status)
	}
	return queryAll(ctx, s.run.Reader(), scanEmployeeCabinet, q+` ORDER BY e.external_id`, args...)
}

// CabinetEvents returns the employee's cabinet history, oldest first.
func (s *Store) CabinetEvents(ctx context.Context, orgID, employeeID string) ([]kabinet.CabinetEvent, error) {
	return queryAll(ctx, s.run.Reader(), func(row scanner) (kabinet.CabinetEvent, error) {
		var ev kabinet.CabinetEvent
		var at int64
		err := row.Scan(&ev.Status, &ev.Reason, &ev.Channel, &at)
		ev.At = storecodec.FromMS(at)
		return ev, err
	}, `SELECT status, reason, channel, at FROM cabinet_events WHERE org_id = ? AND employee_id = ? ORDER BY id`, orgID, employeeID)
}

// CreateCabinet creates the employee's cabinet (or revives a CREATE_FAILED
// one) with a first activation code. An existing cabinet in another status
// is left alone and returned with created false.
func (s *Store) CreateCabinet(ctx context.Context, orgID, employeeID, codeHash string, expires time.Time) (c *kabinet.Cabinet, created bool, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
		c, created = nil, false
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM cabinets WHERE employee_id = ?`+s.dialect.ForUpdate(), employeeID).Scan(&status)
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
func (s *Store) CabinetCreateFailed(ctx context.Context, orgID, employeeID, reason string) (*kabinet.Cabinet, error) {
	now := s.now()
	var c *kabinet.Cabinet
	err := s.run.Write(ctx, func(tx Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM cabinets WHERE employee_id = ?`+s.dialect.ForUpdate(), employeeID).Scan(&status)
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
func (s *Store) IssueCode(ctx context.Context, orgID, employeeID, codeHash string, expires *time.Time, allowed []string, reason string, inv *kabinet.Invitation) (c *kabinet.Cabinet, issued bool, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
		c, issued = nil, false
		cur, err := scanCabinet(tx.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.org_id = ? AND c.employee_id = ?`+s.dialect.ForUpdate(), orgID, employeeID))
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.ENOTFOUND, "the employee has no cabinet")
		}
		if err != nil {
			return err
		}
		c = cur
		if !slices.Contains(allowed, cur.Status) {
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
func (s *Store) CabinetInviteFailed(ctx context.Context, orgID, employeeID, channel, reason string) (*kabinet.Cabinet, error) {
	now := s.now()
	var c *kabinet.Cabinet
	err := s.run.Write(ctx, func(tx Tx) error {
		if err := s.inviteSettled(ctx, tx, orgID, employeeID, channel, reason, now, true); err != nil {
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
func (s *Store) inviteSettled(ctx context.Context, tx Tx, orgID, employeeID, channel, reason string, now time.Time, codeKept bool) error {
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM cabinets WHERE org_id = ? AND employee_id = ?`+s.dialect.ForUpdate(), orgID, employeeID).Scan(&status); err != nil {
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
// lease. Claiming is a write that locks the rows it takes (SQLite's one
// writer; PostgreSQL's FOR UPDATE SKIP LOCKED), so two senders — or two
// instances — never take the same row at the same time.
func (s *Store) ClaimInvitations(ctx context.Context, ids []string, lease time.Duration, limit int) ([]*kabinet.Invitation, error) {
	now := s.now()
	var out []*kabinet.Invitation
	err := s.run.Write(ctx, func(tx Tx) error {
		out = nil
		q := `SELECT id, org_id, employee_id, channel, recipient, subject, body, attempts FROM invitation_outbox
			WHERE sent_at IS NULL AND failed_at IS NULL AND (claimed_at IS NULL OR claimed_at <= ?)`
		args := []any{storecodec.MS(now.Add(-lease))}
		if len(ids) > 0 {
			q += ` AND id IN (` + placeholders(len(ids)) + `)`
			args = append(args, anys(ids)...)
		}
		// Several instances run the outbox on PostgreSQL: a row another one
		// is claiming right now is skipped, not waited for and claimed twice.
		q += ` ORDER BY created_at, id LIMIT ?` + s.dialect.SkipLocked()
		args = append(args, limit)
		var err error
		out, err = queryAll(ctx, tx, func(row scanner) (*kabinet.Invitation, error) {
			m := &kabinet.Invitation{}
			return m, row.Scan(&m.ID, &m.OrgID, &m.EmployeeID, &m.Channel, &m.To, &m.Subject, &m.Body, &m.Attempts)
		}, q, args...)
		if err != nil {
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
func (s *Store) SettleInvitation(ctx context.Context, inv *kabinet.Invitation, sendErr string) error {
	now := s.now()
	return s.run.Write(ctx, func(tx Tx) error {
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
		return s.inviteSettled(ctx, tx, inv.OrgID, inv.EmployeeID, inv.Channel, sendErr, now, false)
	})
}

// PendingInvitations counts invitations not yet settled.
func (s *Store) PendingInvitations(ctx context.Context) (int, error) {
	var n int
	err := s.run.Reader().QueryRowContext(ctx, `SELECT count(*) FROM invitation_outbox WHERE sent_at IS NULL AND failed_at IS NULL`).Scan(&n)
	return n, err
}
