package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// Secret returns the named key material, creating it with n random bytes the
// first time. Concurrent first calls agree on one value.
func (db *DB) Secret(ctx context.Context, name string, n int) ([]byte, error) {
	var v []byte
	err := db.WriteTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		v = make([]byte, n)
		if _, err := rand.Read(v); err != nil {
			return err
		}
		// Another instance may be creating it right now: the first insert
		// wins and everyone reads its value.
		if _, err = tx.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			name, v, storecodec.MS(db.now())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	})
	return v, err
}

// StartSession records the device (creating it, or reviving a revoked one),
// a new session with its first refresh token, and the login event, in one
// transaction. It reports whether the device is new to the employee and the
// ids of the employee's other active devices; the login event of a new
// device while others exist gets the reason kabinet.ReasonNewDevice, so the
// notice is durable even before it is delivered. A password (or activation)
// sign-in unlocks the device's quick login. It fills
// s.Session.QuickLoginMethod.
func (db *DB) StartSession(ctx context.Context, s *kabinet.SessionStart) (newDevice bool, others []string, err error) {
	now := db.now()
	err = db.WriteTx(ctx, func(tx *txn) error {
		newDevice, others = false, nil
		d := &s.Device
		err := tx.QueryRowContext(ctx, `SELECT id FROM devices WHERE employee_id = ? AND client_id = ?`, s.Session.EmployeeID, d.ClientID).Scan(&d.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			newDevice = true
			d.ID = kabinet.NewID("dev")
			_, err = tx.ExecContext(ctx, `INSERT INTO devices (id, org_id, employee_id, client_id, platform, model, app_version, timezone, first_seen_at, last_seen_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, s.Session.OrgID, s.Session.EmployeeID, d.ClientID, d.Platform, d.Model, d.AppVersion, d.Timezone, storecodec.MS(now), storecodec.MS(now))
		case err == nil:
			// What the app did not send this time keeps its earlier value:
			// losing the device's zone would move its quiet hours.
			_, err = tx.ExecContext(ctx, `UPDATE devices SET platform = ?, model = coalesce(nullif(?, ''), model),
				app_version = coalesce(nullif(?, ''), app_version), timezone = coalesce(nullif(?, ''), timezone),
				last_seen_at = ?, revoked_at = NULL WHERE id = ?`,
				d.Platform, d.Model, d.AppVersion, d.Timezone, storecodec.MS(now), d.ID)
		}
		if err != nil {
			return err
		}
		others, err = queryStrings(ctx, tx, `SELECT id FROM devices WHERE employee_id = ? AND id <> ? AND revoked_at IS NULL`, s.Session.EmployeeID, d.ID)
		if err != nil {
			return err
		}
		s.Session.DeviceID = d.ID
		var pw sql.NullInt64
		if s.PasswordAt != nil {
			pw = sql.NullInt64{Int64: storecodec.MS(*s.PasswordAt), Valid: true}
			// A password sign-in unlocks the device's quick login.
			if _, err := tx.ExecContext(ctx, `UPDATE quick_logins SET failed_attempts = 0, locked_at = NULL, updated_at = ? WHERE device_id = ?`, storecodec.MS(now), d.ID); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT method FROM quick_logins WHERE device_id = ?), '')`, d.ID).Scan(&s.Session.QuickLoginMethod); err != nil {
			return err
		}
		if newDevice && len(others) > 0 && s.Event.Reason == "" {
			s.Event.Reason = kabinet.ReasonNewDevice
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, org_id, employee_id, device_id, method, auth_time, password_at, created_at, last_used_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.Session.ID, s.Session.OrgID, s.Session.EmployeeID, d.ID, s.Method, storecodec.MS(now), pw, storecodec.MS(now), storecodec.MS(now), storecodec.MS(s.ExpiresAt)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (?, ?, ?)`, s.RefreshHash, s.Session.ID, storecodec.MS(now)); err != nil {
			return err
		}
		s.Event.DeviceID = d.ID
		return insertLoginEvent(ctx, tx, &s.Event, now)
	})
	return newDevice, others, err
}

// KnownDevice reports whether the employee has signed in on the install
// (its app-generated id) and has not revoked it.
func (db *DB) KnownDevice(ctx context.Context, employeeID, clientID string) (bool, error) {
	var n int
	err := db.conn.QueryRowContext(ctx, `SELECT count(*) FROM devices WHERE employee_id = ? AND client_id = ? AND revoked_at IS NULL`,
		employeeID, clientID).Scan(&n)
	return n > 0, err
}

const sessionColumns = `id, org_id, employee_id, device_id, method, auth_time, password_at, last_used_at, expires_at, revoked_at IS NOT NULL,
	COALESCE((SELECT q.method FROM quick_logins q WHERE q.device_id = sessions.device_id), '')`

func scanSession(row scanner) (*kabinet.SessionInfo, error) {
	s := &kabinet.SessionInfo{}
	var auth, last, exp int64
	var pw sql.NullInt64
	if err := row.Scan(&s.ID, &s.OrgID, &s.EmployeeID, &s.DeviceID, &s.Method, &auth, &pw, &last, &exp, &s.Revoked, &s.QuickLoginMethod); err != nil {
		return nil, err
	}
	s.AuthTime, s.LastUsedAt, s.ExpiresAt, s.PasswordAt = storecodec.FromMS(auth), storecodec.FromMS(last), storecodec.FromMS(exp), storecodec.NullTime(pw)
	return s, nil
}

// Session returns a session by id, or NOT_FOUND.
func (db *DB) Session(ctx context.Context, id string) (*kabinet.SessionInfo, error) {
	s, err := scanSession(db.conn.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "session not found")
	}
	return s, err
}

// RotateRefresh exchanges a refresh token for its successor in one write
// transaction, so that of two concurrent refreshes exactly one succeeds.
// check is called inside the transaction with the session and may refuse
// it (expired, idle, employee blocked). Presenting a token that was
// already rotated revokes the session and returns kabinet.ErrRefreshReused.
func (db *DB) RotateRefresh(ctx context.Context, oldHash, newHash string, check func(*kabinet.SessionInfo) error) (*kabinet.SessionInfo, error) {
	now := db.now()
	var s *kabinet.SessionInfo
	var reused bool
	err := db.WriteTx(ctx, func(tx *txn) error {
		var sessionID string
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT session_id, used_at FROM refresh_tokens WHERE token_hash = ? FOR UPDATE`, oldHash).Scan(&sessionID, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "invalid refresh token")
		}
		if err != nil {
			return err
		}
		if s, err = scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, sessionID)); err != nil {
			return err
		}
		if s.Revoked {
			return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the session has ended; sign in again")
		}
		if used.Valid {
			reused = true
			return revokeSessions(ctx, tx, `id = ?`, sessionID, "refresh token reused: suspected theft", now)
		}
		if err := check(s); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?`, storecodec.MS(now), oldHash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (?, ?, ?)`, newHash, sessionID, storecodec.MS(now)); err != nil {
			return err
		}
		s.LastUsedAt = now
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET last_used_at = ? WHERE id = ?`, storecodec.MS(now), sessionID)
		return err
	})
	if reused && err == nil {
		return s, kabinet.ErrRefreshReused
	}
	return s, err
}

// RevokeSession ends one session. Revoking an ended one changes nothing.
func (db *DB) RevokeSession(ctx context.Context, sessionID, reason string) error {
	return db.WriteTx(ctx, func(tx *txn) error {
		return revokeSessions(ctx, tx, `id = ?`, sessionID, reason, db.now())
	})
}

// RevokeEmployeeSessions ends every session of an employee and removes
// every quick login they set up, in one transaction.
func (db *DB) RevokeEmployeeSessions(ctx context.Context, employeeID, reason string) error {
	return db.WriteTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM quick_logins WHERE employee_id = ?`, employeeID); err != nil {
			return err
		}
		return revokeSessions(ctx, tx, `employee_id = ?`, employeeID, reason, db.now())
	})
}

// RevokeDeviceSessions ends every session on a device.
func (db *DB) RevokeDeviceSessions(ctx context.Context, deviceID, reason string) error {
	return db.WriteTx(ctx, func(tx *txn) error {
		return revokeSessions(ctx, tx, `device_id = ?`, deviceID, reason, db.now())
	})
}

func revokeSessions(ctx context.Context, tx *txn, where string, arg any, reason string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE revoked_at IS NULL AND `+where, storecodec.MS(now), reason, arg)
	return err
}

// RecordLoginEvent appends to the login history.
func (db *DB) RecordLoginEvent(ctx context.Context, ev *kabinet.LoginEvent) error {
	return db.WriteTx(ctx, func(tx *txn) error { return insertLoginEvent(ctx, tx, ev, db.now()) })
}

func insertLoginEvent(ctx context.Context, tx *txn, ev *kabinet.LoginEvent, now time.Time) error {
	if ev.At.IsZero() {
		ev.At = now
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO login_events (org_id, employee_id, device_id, device_model, method, success, address, user_agent, reason, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ev.OrgID, ev.EmployeeID, ev.DeviceID, ev.DeviceModel, ev.Method, ev.Success, ev.Address, ev.UserAgent, ev.Reason, storecodec.MS(ev.At))
	return err
}

// LoginHistory returns an employee's sign-in attempts, newest first.
func (db *DB) LoginHistory(ctx context.Context, employeeID string, limit int) ([]*kabinet.LoginEvent, error) {
	return queryAll(ctx, db.conn, func(row scanner) (*kabinet.LoginEvent, error) {
		ev := &kabinet.LoginEvent{}
		var at int64
		err := row.Scan(&ev.OrgID, &ev.EmployeeID, &ev.DeviceID, &ev.DeviceModel, &ev.Method, &ev.Success, &ev.Address, &ev.UserAgent, &ev.Reason, &at)
		ev.At = storecodec.FromMS(at)
		return ev, err
	}, `SELECT org_id, employee_id, device_id, device_model, method, success, address, user_agent, reason, at
		FROM login_events WHERE employee_id = ? ORDER BY id DESC LIMIT ?`, employeeID, limit)
}

// Devices lists an employee's devices that are not revoked, most recent first.
func (db *DB) Devices(ctx context.Context, employeeID string) ([]*kabinet.Device, error) {
	return queryAll(ctx, db.conn, func(row scanner) (*kabinet.Device, error) {
		d := &kabinet.Device{}
		var first, last int64
		err := row.Scan(&d.ID, &d.ClientID, &d.OrgID, &d.EmployeeID, &d.Platform, &d.Model, &d.AppVersion, &d.Timezone, &first, &last, &d.QuickLoginMethod)
		d.FirstSeenAt, d.LastSeenAt = storecodec.FromMS(first), storecodec.FromMS(last)
		return d, err
	}, `SELECT d.id, d.client_id, d.org_id, d.employee_id, d.platform, d.model, d.app_version, d.timezone,
			d.first_seen_at, d.last_seen_at, COALESCE(q.method, '')
		FROM devices d LEFT JOIN quick_logins q ON q.device_id = d.id
		WHERE d.employee_id = ? AND d.revoked_at IS NULL ORDER BY d.last_seen_at DESC`, employeeID)
}

// RevokeDevice marks an employee's device revoked, ends its sessions and
// removes its quick login.
// NOT_FOUND if the device is not the employee's.
func (db *DB) RevokeDevice(ctx context.Context, employeeID, deviceID, reason string) error {
	now := db.now()
	return db.WriteTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE devices SET revoked_at = ? WHERE id = ? AND employee_id = ? AND revoked_at IS NULL`, storecodec.MS(now), deviceID, employeeID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kabinet.Errorf(kabinet.ENOTFOUND, "device not found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM quick_logins WHERE device_id = ?`, deviceID); err != nil {
			return err
		}
		return revokeSessions(ctx, tx, `device_id = ?`, deviceID, reason, now)
	})
}
