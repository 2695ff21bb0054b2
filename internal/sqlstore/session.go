package sqlstore

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
func (s *Store) Secret(ctx context.Context, name string, n int) ([]byte, error) {
	var v []byte
	err := s.run.Write(ctx, func(tx Tx) error {
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
			name, v, storecodec.MS(s.now())); err != nil {
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
// st.Session.QuickLoginMethod.
func (s *Store) StartSession(ctx context.Context, st *kabinet.SessionStart) (newDevice bool, others []string, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
		newDevice, others = false, nil
		d := &st.Device
		err := tx.QueryRowContext(ctx, `SELECT id FROM devices WHERE employee_id = ? AND client_id = ?`, st.Session.EmployeeID, d.ClientID).Scan(&d.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			newDevice = true
			d.ID = kabinet.NewID("dev")
			_, err = tx.ExecContext(ctx, `INSERT INTO devices (id, org_id, employee_id, client_id, platform, model, app_version, timezone, first_seen_at, last_seen_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, st.Session.OrgID, st.Session.EmployeeID, d.ClientID, d.Platform, d.Model, d.AppVersion, d.Timezone, storecodec.MS(now), storecodec.MS(now))
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
		others, err = queryAll(ctx, tx, scanString, `SELECT id FROM devices WHERE employee_id = ? AND id <> ? AND revoked_at IS NULL`, st.Session.EmployeeID, d.ID)
		if err != nil {
			return err
		}
		st.Session.DeviceID = d.ID
		pw := nullMS(st.PasswordAt)
		if st.PasswordAt != nil {
			// A password sign-in unlocks the device's quick login.
			if _, err := tx.ExecContext(ctx, `UPDATE quick_logins SET failed_attempts = 0, locked_at = NULL, updated_at = ? WHERE device_id = ?`, storecodec.MS(now), d.ID); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT method FROM quick_logins WHERE device_id = ?), '')`, d.ID).Scan(&st.Session.QuickLoginMethod); err != nil {
			return err
		}
		if newDevice && len(others) > 0 && st.Event.Reason == "" {
			st.Event.Reason = kabinet.ReasonNewDevice
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, org_id, employee_id, device_id, method, auth_time, password_at, created_at, last_used_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.Session.ID, st.Session.OrgID, st.Session.EmployeeID, d.ID, st.Method, storecodec.MS(now), pw, storecodec.MS(now), storecodec.MS(now), storecodec.MS(st.ExpiresAt)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (?, ?, ?)`, st.RefreshHash, st.Session.ID, storecodec.MS(now)); err != nil {
			return err
		}
		st.Event.DeviceID = d.ID
		return insertLoginEvent(ctx, tx, &st.Event, now)
	})
	return newDevice, others, err
}

// KnownDevice reports whether the employee has signed in on the install
// (its app-generated id) and has not revoked it.
func (s *Store) KnownDevice(ctx context.Context, employeeID, clientID string) (bool, error) {
	var n int
	err := s.run.Reader().QueryRowContext(ctx, `SELECT count(*) FROM devices WHERE employee_id = ? AND client_id = ? AND revoked_at IS NULL`,
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
func (s *Store) Session(ctx context.Context, id string) (*kabinet.SessionInfo, error) {
	info, err := scanSession(s.run.Reader().QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "session not found")
	}
	return info, err
}

// RotateRefresh exchanges a refresh token for its successor in one write
// transaction, so that of two concurrent refreshes exactly one succeeds.
// check is called inside the transaction with the session and may refuse
// it (expired, idle, employee blocked). Presenting a token that was
// already rotated revokes the session and returns kabinet.ErrRefreshReused.
func (s *Store) RotateRefresh(ctx context.Context, oldHash, newHash string, check func(*kabinet.SessionInfo) error) (*kabinet.SessionInfo, error) {
	now := s.now()
	var info *kabinet.SessionInfo
	var reused bool
	err := s.run.Write(ctx, func(tx Tx) error {
		var sessionID string
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT session_id, used_at FROM refresh_tokens WHERE token_hash = ?`+s.dialect.ForUpdate(), oldHash).Scan(&sessionID, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "invalid refresh token")
		}
		if err != nil {
			return err
		}
		if info, err = scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, sessionID)); err != nil {
			return err
		}
		if info.Revoked {
			return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the session has ended; sign in again")
		}
		if used.Valid {
			reused = true
			return revokeSessions(ctx, tx, `id = ?`, sessionID, "refresh token reused: suspected theft", now)
		}
		if err := check(info); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?`, storecodec.MS(now), oldHash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (?, ?, ?)`, newHash, sessionID, storecodec.MS(now)); err != nil {
			return err
		}
		info.LastUsedAt = now
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET last_used_at = ? WHERE id = ?`, storecodec.MS(now), sessionID)
		return err
	})
	if reused && err == nil {
		return info, kabinet.ErrRefreshReused
	}
	return info, err
}

// RevokeSession ends one session. Revoking an ended one changes nothing.
func (s *Store) RevokeSession(ctx context.Context, sessionID, reason string) error {
	return s.run.Write(ctx, func(tx Tx) error {
		return revokeSessions(ctx, tx, `id = ?`, sessionID, reason, s.now())
	})
}

// RevokeEmployeeSessions ends every session of an employee and removes
// every quick login they set up, in one transaction.
func (s *Store) RevokeEmployeeSessions(ctx context.Context, employeeID, reason string) error {
	return s.run.Write(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM quick_logins WHERE employee_id = ?`, employeeID); err != nil {
			return err
		}
		return revokeSessions(ctx, tx, `employee_id = ?`, employeeID, reason, s.now())
	})
}

// RevokeDeviceSessions ends every session on a device.
func (s *Store) RevokeDeviceSessions(ctx context.Context, deviceID, reason string) error {
	return s.run.Write(ctx, func(tx Tx) error {
		return revokeSessions(ctx, tx, `device_id = ?`, deviceID, reason, s.now())
	})
}

func revokeSessions(ctx context.Context, tx Tx, where string, arg any, reason string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE revoked_at IS NULL AND `+where, storecodec.MS(now), reason, arg)
	return err
}

// RecordLoginEvent appends to the login history.
func (s *Store) RecordLoginEvent(ctx context.Context, ev *kabinet.LoginEvent) error {
	return s.run.Write(ctx, func(tx Tx) error { return insertLoginEvent(ctx, tx, ev, s.now()) })
}

func insertLoginEvent(ctx context.Context, tx Tx, ev *kabinet.LoginEvent, now time.Time) error {
	if ev.At.IsZero() {
		ev.At = now
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO login_events (org_id, employee_id, device_id, device_model, method, success, address, user_agent, reason, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ev.OrgID, ev.EmployeeID, ev.DeviceID, ev.DeviceModel, ev.Method, ev.Success, ev.Address, ev.UserAgent, ev.Reason, storecodec.MS(ev.At))
	return err
}

// LoginHistory returns an employee's sign-in attempts, newest first.
func (s *Store) LoginHistory(ctx context.Context, employeeID string, limit int) ([]*kabinet.LoginEvent, error) {
	return queryAll(ctx, s.run.Reader(), func(row scanner) (*kabinet.LoginEvent, error) {
		ev := &kabinet.LoginEvent{}
		var at int64
		err := row.Scan(&ev.OrgID, &ev.EmployeeID, &ev.DeviceID, &ev.DeviceModel, &ev.Method, &ev.Success, &ev.Address, &ev.UserAgent, &ev.Reason, &at)
		ev.At = storecodec.FromMS(at)
		return ev, err
	}, `SELECT org_id, employee_id, device_id, device_model, method, success, address, user_agent, reason, at
		FROM login_events WHERE employee_id = ? ORDER BY id DESC LIMIT ?`, employeeID, limit)
}

// Devices lists an employee's devices that are not revoked, most recent first.
func (s *Store) Devices(ctx context.Context, employeeID string) ([]*kabinet.Device, error) {
	return queryAll(ctx, s.run.Reader(), func(row scanner) (*kabinet.Device, error) {
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
func (s *Store) RevokeDevice(ctx context.Context, employeeID, deviceID, reason string) error {
	now := s.now()
	return s.run.Write(ctx, func(tx Tx) error {
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
