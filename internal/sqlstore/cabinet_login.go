package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// scanCredentials reads a row of cabinetColumns, code_hash, password_hash.
func scanCredentials(row scanner) (*kabinet.CabinetCredentials, error) {
	cr := &kabinet.CabinetCredentials{}
	var code sql.NullString
	c, err := scanCabinet(row, &code, &cr.PasswordHash)
	if err != nil {
		return nil, err
	}
	cr.Cabinet, cr.CodeHash = *c, code.String
	return cr, nil
}

// CabinetByCode returns the cabinet whose current code has the given hash,
// or NOT_FOUND.
func (s *Store) CabinetByCode(ctx context.Context, codeHash string) (*kabinet.CabinetCredentials, error) {
	cr, err := scanCredentials(s.run.Reader().QueryRowContext(ctx, `SELECT `+cabinetColumns+`, c.code_hash, c.password_hash
		FROM cabinets c WHERE c.code_hash = ?`, codeHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "no such code")
	}
	return cr, err
}

// CabinetCredentials returns the employee's cabinet with its secrets, or NOT_FOUND.
func (s *Store) CabinetCredentials(ctx context.Context, orgID, employeeID string) (*kabinet.CabinetCredentials, error) {
	cr, err := scanCredentials(s.run.Reader().QueryRowContext(ctx, `SELECT `+cabinetColumns+`, c.code_hash, c.password_hash
		FROM cabinets c WHERE c.org_id = ? AND c.employee_id = ?`, orgID, employeeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "the employee has no cabinet")
	}
	return cr, err
}

// CabinetsByLogin returns the activated cabinets with the login (compared
// case-insensitively), across organisations: a login is unique only within
// one. At most limit are returned.
func (s *Store) CabinetsByLogin(ctx context.Context, loginNorm string, limit int) ([]*kabinet.CabinetCredentials, error) {
	return queryAll(ctx, s.run.Reader(), scanCredentials, `SELECT `+cabinetColumns+`, c.code_hash, c.password_hash
		FROM cabinets c WHERE c.login_norm = ? AND c.activated_at IS NOT NULL ORDER BY c.activated_at LIMIT ?`, loginNorm, limit)
}

// ActivateCabinet performs a first activation in one write transaction: the
// cabinet must still have this unused, unexpired code and not be active or
// blocked. The login is chosen (CONFLICT when taken in the organisation) or
// generated unique. It returns ErrAlreadyActivated if the cabinet is already
// active (a racing activation won), and UNAUTHENTICATED if the code is no
// longer the cabinet's or has expired.
func (s *Store) ActivateCabinet(ctx context.Context, a *kabinet.CabinetActivation) (login string, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
		var status string
		var code sql.NullString
		var activated, expires sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT status, code_hash, activated_at, code_expires_at FROM cabinets WHERE org_id = ? AND employee_id = ?`+s.dialect.ForUpdate(),
			a.OrgID, a.EmployeeID).Scan(&status, &code, &activated, &expires)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && code.String != a.CodeHash) {
			return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the activation code is wrong, expired or was replaced")
		}
		if err != nil {
			return err
		}
		if activated.Valid {
			return kabinet.ErrAlreadyActivated
		}
		if status == kabinet.CabinetBlocked || status == kabinet.CabinetCreateFailed {
			return kabinet.Errorf(kabinet.EFORBIDDEN, "this cabinet is blocked; contact HR")
		}
		if expires.Valid && !now.Before(storecodec.FromMS(expires.Int64)) {
			return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the activation code is wrong, expired or was replaced")
		}
		login = a.Login
		if s.dialect == Postgres {
			// PostgreSQL runs write transactions side by side (from one
			// instance's pool or from several instances); SQLite's one
			// writer already serialises them. Concurrent activations would
			// check or pick the same login (read committed: neither sees
			// the other's uncommitted row) and one would fail on the unique
			// index, even the store's own generated retry (activation passes
			// a pre-chosen login first). One lock per organisation's logins
			// serialises the check-and-set to commit; activations are once
			// per employee, so it is not contended.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, "cabinet-logins/"+a.OrgID); err != nil {
				return err
			}
		}
		if login == "" {
			if login, err = freeLogin(ctx, tx, a.OrgID, a.LoginBase); err != nil {
				return err
			}
		} else {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cabinets WHERE org_id = ? AND login_norm = ?`, a.OrgID, strings.ToLower(login)).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return kabinet.Errorf(kabinet.ECONFLICT, "the login %q is taken; choose another", login)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cabinets SET status = ?, last_error = '', login = ?, login_norm = ?, password_hash = ?, password_at = ?,
			consent_version = ?, consent_at = ?, activated_at = ?, code_expires_at = NULL, updated_at = ? WHERE employee_id = ?`,
			kabinet.CabinetActive, login, strings.ToLower(login), a.PasswordHash, storecodec.MS(now), a.ConsentVersion, storecodec.MS(now), storecodec.MS(now), storecodec.MS(now), a.EmployeeID); err != nil {
			return err
		}
		return addCabinetEvent(ctx, tx, a.OrgID, a.EmployeeID, kabinet.CabinetActive, "activated (consent version "+a.ConsentVersion+")", "", now)
	})
	return login, err
}

// FreeLogin returns the login a cabinet of the organisation would be given
// now for the generated login base (see freeLogin); ActivateCabinet checks
// again that it is free.
func (s *Store) FreeLogin(ctx context.Context, orgID, base string) (string, error) {
	return freeLogin(ctx, s.run.Reader(), orgID, base)
}

// freeLogin returns base, or base with the smallest suffix 2, 3, … that no
// cabinet of the organisation uses (case-insensitively).
func freeLogin(ctx context.Context, tx Querier, orgID, base string) (string, error) {
	norm := strings.ToLower(base)
	rows, err := tx.QueryContext(ctx, `SELECT login_norm FROM cabinets WHERE org_id = ? AND substr(login_norm, 1, ?) = ?`, orgID, len([]rune(norm)), norm)
	if err != nil {
		return "", err
	}
	taken := map[string]bool{}
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			rows.Close()
			return "", err
		}
		taken[l] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	if !taken[norm] {
		return base, nil
	}
	for i := 2; ; i++ {
		if n := strconv.Itoa(i); !taken[norm+n] {
			return base + n, nil
		}
	}
}

// RecordConsent records a consent accepted at a re-activation.
func (s *Store) RecordConsent(ctx context.Context, orgID, employeeID, version string) error {
	now := s.now()
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE cabinets SET consent_version = ?, consent_at = ?, updated_at = ? WHERE org_id = ? AND employee_id = ?`,
			version, storecodec.MS(now), storecodec.MS(now), orgID, employeeID)
		return err
	})
}

// SetPassword replaces the password hash of an active cabinet.
func (s *Store) SetPassword(ctx context.Context, orgID, employeeID, hash string) error {
	now := s.now()
	return s.run.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cabinets SET password_hash = ?, password_at = ?, updated_at = ? WHERE org_id = ? AND employee_id = ? AND activated_at IS NOT NULL`,
			hash, storecodec.MS(now), storecodec.MS(now), orgID, employeeID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kabinet.Errorf(kabinet.ENOTFOUND, "the employee has no active cabinet")
		}
		return addCabinetEvent(ctx, tx, orgID, employeeID, kabinet.CabinetActive, "password changed", "", now)
	})
}

// BlockCabinet sets BLOCKED (creating the row if the employee had no
// cabinet) and records why. It reports whether the status changed.
func (s *Store) BlockCabinet(ctx context.Context, orgID, employeeID, reason string) (*kabinet.Cabinet, bool, error) {
	now := s.now()
	var c *kabinet.Cabinet
	var changed bool
	err := s.run.Write(ctx, func(tx Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM cabinets WHERE org_id = ? AND employee_id = ?`+s.dialect.ForUpdate(), orgID, employeeID).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO cabinets (employee_id, org_id, status, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				employeeID, orgID, kabinet.CabinetBlocked, reason, storecodec.MS(now), storecodec.MS(now))
		case err != nil:
			return err
		case status == kabinet.CabinetBlocked:
		default:
			_, err = tx.ExecContext(ctx, `UPDATE cabinets SET status = ?, last_error = ?, updated_at = ? WHERE employee_id = ?`,
				kabinet.CabinetBlocked, reason, storecodec.MS(now), employeeID)
		}
		if err != nil {
			return err
		}
		if status != kabinet.CabinetBlocked {
			changed = true
			if err := addCabinetEvent(ctx, tx, orgID, employeeID, kabinet.CabinetBlocked, reason, "", now); err != nil {
				return err
			}
		}
		c, err = scanCabinet(tx.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.employee_id = ?`, employeeID))
		return err
	})
	return c, changed, err
}

// UnblockCabinet lifts a block: the cabinet becomes ACTIVE again if it was
// ever activated, else CREATED (HR then sends a fresh invitation).
// BAD_USER_INPUT if it is not blocked.
func (s *Store) UnblockCabinet(ctx context.Context, orgID, employeeID string) (*kabinet.Cabinet, error) {
	now := s.now()
	var c *kabinet.Cabinet
	err := s.run.Write(ctx, func(tx Tx) error {
		var status string
		var activated sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT status, activated_at FROM cabinets WHERE org_id = ? AND employee_id = ?`+s.dialect.ForUpdate(), orgID, employeeID).Scan(&status, &activated)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && status != kabinet.CabinetBlocked) {
			return kabinet.Errorf(kabinet.EBADINPUT, "the cabinet is not blocked")
		}
		if err != nil {
			return err
		}
		next := kabinet.CabinetCreated
		if activated.Valid {
			next = kabinet.CabinetActive
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cabinets SET status = ?, last_error = '', updated_at = ? WHERE employee_id = ?`, next, storecodec.MS(now), employeeID); err != nil {
			return err
		}
		if err := addCabinetEvent(ctx, tx, orgID, employeeID, next, "unblocked by HR", "", now); err != nil {
			return err
		}
		c, err = scanCabinet(tx.QueryRowContext(ctx, `SELECT `+cabinetColumns+` FROM cabinets c WHERE c.employee_id = ?`, employeeID))
		return err
	})
	return c, err
}

// DismissalCandidates lists employees with a dismissal date whose cabinet
// exists and is not BLOCKED.
func (s *Store) DismissalCandidates(ctx context.Context) ([]kabinet.DismissalCandidate, error) {
	return queryAll(ctx, s.run.Reader(), scanDismissalCandidate, `SELECT `+employeeCols+`, o.timezone FROM employees e
		JOIN cabinets c ON c.employee_id = e.id JOIN organizations o ON o.id = e.org_id
		WHERE e.dismissed_on <> '' AND c.status <> ?`, kabinet.CabinetBlocked)
}

// scanDismissalCandidate reads a row of employeeCols and the organisation's
// time zone.
func scanDismissalCandidate(row scanner) (kabinet.DismissalCandidate, error) {
	e := &kabinet.Employee{}
	var tz string
	var created, updated int64
	if err := row.Scan(&e.ID, &e.OrgID, &e.ExternalID, &e.LastName, &e.FirstName, &e.MiddleName, &e.Email, &e.Phone,
		&e.DepartmentExternalID, &e.Position, &e.Timezone, &e.IsOrganizationHead, &e.DismissedOn, &created, &updated, &tz); err != nil {
		return kabinet.DismissalCandidate{}, err
	}
	return kabinet.DismissalCandidate{Employee: e, OrgTimezone: tz}, nil
}

// CabinetSettings returns the organisation's cabinet settings, nil when HR
// never changed them.
func (s *Store) CabinetSettings(ctx context.Context, orgID string) (*kabinet.CabinetSettings, error) {
	cs := &kabinet.CabinetSettings{}
	err := s.run.Reader().QueryRowContext(ctx, `SELECT auto_create, auto_invite, channel, email_subject, email_template, sms_template,
		android_url, ios_url, code_ttl_days, consent_version FROM cabinet_settings WHERE org_id = ?`, orgID).Scan(
		&cs.AutoCreateCabinets, &cs.AutoSendInvitations, &cs.InvitationChannel, &cs.EmailSubject, &cs.EmailTemplate, &cs.SMSTemplate, &cs.AndroidURL, &cs.IOSURL, &cs.CodeTTLDays, &cs.ConsentVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return cs, err
}

// PutCabinetSettings stores the organisation's cabinet settings.
func (s *Store) PutCabinetSettings(ctx context.Context, orgID string, cs *kabinet.CabinetSettings) error {
	now := s.now()
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO cabinet_settings (org_id, auto_create, auto_invite, channel, email_subject, email_template, sms_template,
			android_url, ios_url, code_ttl_days, consent_version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET auto_create = excluded.auto_create, auto_invite = excluded.auto_invite, channel = excluded.channel,
			email_subject = excluded.email_subject, email_template = excluded.email_template, sms_template = excluded.sms_template,
			android_url = excluded.android_url, ios_url = excluded.ios_url, code_ttl_days = excluded.code_ttl_days,
			consent_version = excluded.consent_version, updated_at = excluded.updated_at`,
			orgID, cs.AutoCreateCabinets, cs.AutoSendInvitations, cs.InvitationChannel, cs.EmailSubject, cs.EmailTemplate, cs.SMSTemplate, cs.AndroidURL, cs.IOSURL, cs.CodeTTLDays, cs.ConsentVersion, storecodec.MS(now))
		return err
	})
}
