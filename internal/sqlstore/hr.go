package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// This file stores the HR console's accounts: hr_users, hr_sessions,
// hr_links and hr_recovery_codes (migration 0008). The rules (who may sign
// in, when a session ends, what a link allows) are package hr's; here are
// only the reads and writes it asks for.

const hrUserColumns = `id, org_id, email, full_name, role, status, password_hash, totp_secret, totp_enabled_at,
	totp_last_step, created_at, updated_at`

func scanHRUser(row scanner) (*hr.User, error) {
	u := &hr.User{}
	var enabled sql.NullInt64
	var created, updated int64
	var role string
	if err := row.Scan(&u.ID, &u.OrgID, &u.Email, &u.FullName, &role, &u.Status, &u.PasswordHash, &u.TOTPSecret,
		&enabled, &u.TOTPLastStep, &created, &updated); err != nil {
		return nil, err
	}
	u.Role = hr.Role(role)
	u.TOTPEnabledAt = storecodec.NullTime(enabled)
	u.CreatedAt, u.UpdatedAt = storecodec.FromMS(created), storecodec.FromMS(updated)
	return u, nil
}

// nullMS is a nullable time in the stored form.
func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: storecodec.MS(*t), Valid: true}
}

// notFound turns sql.ErrNoRows into NOT_FOUND with msg.
func notFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return kabinet.Errorf(kabinet.ENOTFOUND, "%s", msg)
	}
	return err
}

// CreateHRUser inserts an HR user, and their first set-password link if
// link is not nil, in one transaction. CONFLICT when the email is taken.
func (s *Store) CreateHRUser(ctx context.Context, u *hr.User, link *hr.Link) error {
	return s.run.Write(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO hr_users (id, org_id, email, email_norm, full_name, role, status,
			password_hash, totp_secret, totp_enabled_at, totp_last_step, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.OrgID, u.Email, hr.NormalizeEmail(u.Email), u.FullName, string(u.Role), u.Status, u.PasswordHash,
			u.TOTPSecret, nullMS(u.TOTPEnabledAt), u.TOTPLastStep, storecodec.MS(u.CreatedAt), storecodec.MS(u.UpdatedAt)); err != nil {
			return err
		}
		if link == nil {
			return nil
		}
		return insertHRLink(ctx, tx, link)
	})
}

// HRUser returns an organisation's HR user; NOT_FOUND for an unknown id or
// another organisation's user.
func (s *Store) HRUser(ctx context.Context, orgID, id string) (*hr.User, error) {
	var u *hr.User
	err := s.run.Read(ctx, func(tx Tx) (err error) {
		u, err = scanHRUser(tx.QueryRowContext(ctx, `SELECT `+hrUserColumns+` FROM hr_users WHERE org_id = ? AND id = ?`, orgID, id))
		return notFound(err, "no such HR user")
	})
	return u, err
}

// HRUserByEmail returns the HR user with the normalised email, of any
// organisation; NOT_FOUND when there is none.
func (s *Store) HRUserByEmail(ctx context.Context, emailNorm string) (*hr.User, error) {
	var u *hr.User
	err := s.run.Read(ctx, func(tx Tx) (err error) {
		u, err = scanHRUser(tx.QueryRowContext(ctx, `SELECT `+hrUserColumns+` FROM hr_users WHERE email_norm = ?`, emailNorm))
		return notFound(err, "no such HR user")
	})
	return u, err
}

// HRUsers lists an organisation's HR users by email, at most limit.
func (s *Store) HRUsers(ctx context.Context, orgID string, limit int) ([]*hr.User, error) {
	var out []*hr.User
	err := s.run.Read(ctx, func(tx Tx) (err error) {
		out, err = queryAll(ctx, tx, scanHRUser, `SELECT `+hrUserColumns+` FROM hr_users WHERE org_id = ?
			ORDER BY email_norm LIMIT ?`, orgID, limit)
		return err
	})
	return out, err
}

// UpdateHRUser writes the user's mutable fields; with revoke set it also
// revokes their live sessions but keepSession. NOT_FOUND for an unknown
// user of the organisation.
func (s *Store) UpdateHRUser(ctx context.Context, u *hr.User, revoke bool, keepSession string) error {
	return s.run.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE hr_users SET full_name = ?, role = ?, status = ?, password_hash = ?,
			totp_secret = ?, totp_enabled_at = ?, totp_last_step = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
			u.FullName, string(u.Role), u.Status, u.PasswordHash, u.TOTPSecret, nullMS(u.TOTPEnabledAt), u.TOTPLastStep,
			storecodec.MS(u.UpdatedAt), u.OrgID, u.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, kabinet.Errorf(kabinet.ENOTFOUND, "no such HR user"))
		}
		if revoke {
			return revokeHRSessions(ctx, tx, u.ID, keepSession, u.UpdatedAt)
		}
		return nil
	})
}

func revokeHRSessions(ctx context.Context, tx Tx, userID, keep string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE hr_sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`,
		storecodec.MS(at), userID, keep)
	return err
}

// AcceptTOTPStep moves the user's last accepted TOTP step to step if step
// is later, atomically, and reports whether it did: a code is accepted
// once even when two requests race.
func (s *Store) AcceptTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	return s.updateOne(ctx, `UPDATE hr_users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, userID, step)
}

// updateOne runs a conditional UPDATE in its own transaction and reports
// whether it changed a row.
func (s *Store) updateOne(ctx context.Context, q string, args ...any) (bool, error) {
	var ok bool
	err := s.run.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n > 0
		return err
	})
	return ok, err
}

// ReplaceRecoveryCodes stores the user's recovery code hashes instead of
// the old ones.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string) error {
	return s.run.Write(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM hr_recovery_codes WHERE user_id = ?`, userID); err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO hr_recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, h); err != nil {
				return err
			}
		}
		return nil
	})
}

// UseRecoveryCode marks the user's unused code of that hash used and
// reports whether there was one.
func (s *Store) UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) (bool, error) {
	return s.updateOne(ctx, `UPDATE hr_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		storecodec.MS(at), userID, hash)
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.run.Read(ctx, func(tx Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM hr_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n)
	})
	return n, err
}

func insertHRLink(ctx context.Context, tx Tx, l *hr.Link) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO hr_links (token_hash, user_id, org_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		l.TokenHash, l.UserID, l.OrgID, storecodec.MS(l.CreatedAt), storecodec.MS(l.ExpiresAt))
	return err
}

// CreateHRLink stores a one-time set-password link.
func (s *Store) CreateHRLink(ctx context.Context, l *hr.Link) error {
	return s.run.Write(ctx, func(tx Tx) error { return insertHRLink(ctx, tx, l) })
}

func scanHRLink(row scanner) (*hr.Link, error) {
	l := &hr.Link{}
	var created, expires int64
	var used sql.NullInt64
	if err := row.Scan(&l.TokenHash, &l.UserID, &l.OrgID, &created, &expires, &used); err != nil {
		return nil, err
	}
	l.CreatedAt, l.ExpiresAt, l.UsedAt = storecodec.FromMS(created), storecodec.FromMS(expires), storecodec.NullTime(used)
	return l, nil
}

// HRLink returns the link of a token hash; NOT_FOUND when there is none.
func (s *Store) HRLink(ctx context.Context, tokenHash string) (*hr.Link, error) {
	var l *hr.Link
	err := s.run.Read(ctx, func(tx Tx) (err error) {
		l, err = scanHRLink(tx.QueryRowContext(ctx, `SELECT token_hash, user_id, org_id, created_at, expires_at, used_at
			FROM hr_links WHERE token_hash = ?`, tokenHash))
		return notFound(err, "the link is unknown")
	})
	return l, err
}

// UseHRLink spends a link: marks it used, sets the user's password hash,
// makes an invited user active and revokes their sessions, in one
// transaction. NOT_FOUND when the link is unknown, used or expired at at;
// a disabled user stays disabled.
func (s *Store) UseHRLink(ctx context.Context, tokenHash, passwordHash string, at time.Time) (*hr.User, error) {
	var u *hr.User
	err := s.run.Write(ctx, func(tx Tx) error {
		var userID string
		err := tx.QueryRowContext(ctx, `UPDATE hr_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
			RETURNING user_id`, storecodec.MS(at), tokenHash, storecodec.MS(at)).Scan(&userID)
		if err = notFound(err, "the link is unknown, used or expired"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE hr_users SET password_hash = ?, updated_at = ?,
			status = CASE WHEN status = ? THEN ? ELSE status END WHERE id = ?`,
			passwordHash, storecodec.MS(at), hr.StatusInvited, hr.StatusActive, userID); err != nil {
			return err
		}
		if err := revokeHRSessions(ctx, tx, userID, "", at); err != nil {
			return err
		}
		u, err = scanHRUser(tx.QueryRowContext(ctx, `SELECT `+hrUserColumns+` FROM hr_users WHERE id = ?`, userID))
		return err
	})
	return u, err
}

// CreateHRSession stores a console session.
func (s *Store) CreateHRSession(ctx context.Context, ss *hr.Session) error {
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO hr_sessions (id, token_hash, user_id, org_id, stage, created_at, last_seen_at,
			expires_at, address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ss.ID, ss.TokenHash, ss.UserID, ss.OrgID, ss.Stage, storecodec.MS(ss.CreatedAt), storecodec.MS(ss.LastSeenAt),
			storecodec.MS(ss.ExpiresAt), ss.Address, ss.UserAgent)
		return err
	})
}

// HRSession returns the session of a token hash and its user; NOT_FOUND
// when there is none.
func (s *Store) HRSession(ctx context.Context, tokenHash string) (*hr.Session, *hr.User, error) {
	var ss *hr.Session
	var u *hr.User
	err := s.run.Read(ctx, func(tx Tx) error {
		ss = &hr.Session{}
		var created, seen, expires int64
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT id, token_hash, user_id, org_id, stage, created_at, last_seen_at, expires_at,
			revoked_at, address, user_agent FROM hr_sessions WHERE token_hash = ?`, tokenHash).Scan(
			&ss.ID, &ss.TokenHash, &ss.UserID, &ss.OrgID, &ss.Stage, &created, &seen, &expires, &revoked, &ss.Address, &ss.UserAgent)
		if err = notFound(err, "no such session"); err != nil {
			return err
		}
		ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = storecodec.FromMS(created), storecodec.FromMS(seen), storecodec.FromMS(expires)
		ss.RevokedAt = storecodec.NullTime(revoked)
		u, err = scanHRUser(tx.QueryRowContext(ctx, `SELECT `+hrUserColumns+` FROM hr_users WHERE id = ?`, ss.UserID))
		return err
	})
	return ss, u, err
}

// TouchHRSession records the session's last use, and its new stage if
// stage is not "".
func (s *Store) TouchHRSession(ctx context.Context, id, stage string, at time.Time) error {
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE hr_sessions SET last_seen_at = ?, stage = CASE WHEN ? = '' THEN stage ELSE ? END
			WHERE id = ?`, storecodec.MS(at), stage, stage, id)
		return err
	})
}

// RevokeHRSession revokes one session.
func (s *Store) RevokeHRSession(ctx context.Context, id string, at time.Time) error {
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE hr_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, storecodec.MS(at), id)
		return err
	})
}
