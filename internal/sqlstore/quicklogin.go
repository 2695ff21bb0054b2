package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// PutQuickLogin sets up quick login on an employee's device, replacing the
// method set up there before (and clearing its attempt counter and lock).
// It fills q.ClientID and q.CreatedAt. NOT_FOUND if the device is not the
// employee's or has been revoked.
func (s *Store) PutQuickLogin(ctx context.Context, q *kabinet.QuickLogin) error {
	now := s.now()
	return s.run.Write(ctx, func(tx Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT client_id FROM devices WHERE id = ? AND employee_id = ? AND org_id = ? AND revoked_at IS NULL`,
			q.DeviceID, q.EmployeeID, q.OrgID).Scan(&q.ClientID)
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.ENOTFOUND, "device not found")
		}
		if err != nil {
			return err
		}
		q.CreatedAt, q.FailedAttempts, q.LockedAt = now, 0, nil
		_, err = tx.ExecContext(ctx, `INSERT INTO quick_logins (device_id, org_id, employee_id, client_id, method, public_key, secret_hash, pin_hash,
				failed_attempts, locked_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)
			ON CONFLICT (device_id) DO UPDATE SET method = excluded.method, public_key = excluded.public_key,
				secret_hash = excluded.secret_hash, pin_hash = excluded.pin_hash, failed_attempts = 0, locked_at = NULL,
				created_at = excluded.created_at, updated_at = excluded.updated_at`,
			q.DeviceID, q.OrgID, q.EmployeeID, q.ClientID, q.Method, qlBlob(q.PublicKey), qlText(q.SecretHash), qlText(q.PINHash),
			storecodec.MS(now), storecodec.MS(now))
		return err
	})
}

const quickLoginColumns = `q.device_id, q.org_id, q.employee_id, q.client_id, q.method, q.public_key, q.secret_hash, q.pin_hash,
	q.failed_attempts, q.locked_at, q.created_at, d.platform, d.model, d.app_version, d.timezone`

func scanQuickLogin(row scanner) (*kabinet.QuickLogin, error) {
	q := &kabinet.QuickLogin{}
	var secret, pin sql.NullString
	var locked sql.NullInt64
	var created int64
	d := &q.Device
	if err := row.Scan(&q.DeviceID, &q.OrgID, &q.EmployeeID, &q.ClientID, &q.Method, &q.PublicKey, &secret, &pin,
		&q.FailedAttempts, &locked, &created, &d.Platform, &d.Model, &d.AppVersion, &d.Timezone); err != nil {
		return nil, err
	}
	q.SecretHash, q.PINHash, q.LockedAt, q.CreatedAt = secret.String, pin.String, storecodec.NullTime(locked), storecodec.FromMS(created)
	d.ID, d.ClientID, d.OrgID, d.EmployeeID, d.QuickLoginMethod = q.DeviceID, q.ClientID, q.OrgID, q.EmployeeID, q.Method
	return q, nil
}

// QuickLoginsByClient returns the quick logins of one method set up on an
// install (one per employee who set it up there), most recent first, at
// most limit. Revoked devices have none.
func (s *Store) QuickLoginsByClient(ctx context.Context, clientID, method string, limit int) ([]*kabinet.QuickLogin, error) {
	return queryAll(ctx, s.run.Reader(), scanQuickLogin, `SELECT `+quickLoginColumns+` FROM quick_logins q JOIN devices d ON d.id = q.device_id
		WHERE q.client_id = ? AND q.method = ? AND d.revoked_at IS NULL ORDER BY q.created_at DESC LIMIT ?`, clientID, method, limit)
}

// QuickLoginBySecret returns the PIN quick login whose device secret has
// this hash, or NOT_FOUND.
func (s *Store) QuickLoginBySecret(ctx context.Context, secretHash string) (*kabinet.QuickLogin, error) {
	q, err := scanQuickLogin(s.run.Reader().QueryRowContext(ctx, `SELECT `+quickLoginColumns+` FROM quick_logins q JOIN devices d ON d.id = q.device_id
		WHERE q.secret_hash = ? AND d.revoked_at IS NULL`, secretHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "quick login not found")
	}
	return q, err
}

// PINAttempt checks a PIN on a device in one write transaction. It is
// refused (Locked, check not called) when the quick login is locked or
// already has max failed attempts (then it is locked now); otherwise check
// is given the stored verifier, and a wrong PIN is counted — locking the
// quick login at max — while a right one clears the count. Attempts on one
// device are serialised by the transaction, so the count is exact. check
// runs under the write lock: it must be fast. NOT_FOUND if the device has
// no PIN quick login.
func (s *Store) PINAttempt(ctx context.Context, deviceID string, max int, check func(verifier string) bool) (kabinet.PINAttempt, error) {
	now := s.now()
	var a kabinet.PINAttempt
	err := s.run.Write(ctx, func(tx Tx) error {
		var verifier string
		var refused bool
		var err error
		if a, verifier, refused, err = s.openPINAttempt(ctx, tx, deviceID, max, now); err != nil || refused {
			return err
		}
		if check(verifier) {
			if a.FailedAttempts == 0 {
				return nil
			}
			a.FailedAttempts = 0
			_, err = tx.ExecContext(ctx, `UPDATE quick_logins SET failed_attempts = 0, updated_at = ? WHERE device_id = ?`, storecodec.MS(now), deviceID)
			return err
		}
		a.FailedAttempts++
		a.Locked = a.FailedAttempts >= max
		var lockAt sql.NullInt64
		if a.Locked {
			lockAt = sql.NullInt64{Int64: storecodec.MS(now), Valid: true}
		}
		_, err = tx.ExecContext(ctx, `UPDATE quick_logins SET failed_attempts = ?, locked_at = ?, updated_at = ? WHERE device_id = ?`,
			a.FailedAttempts, lockAt, storecodec.MS(now), deviceID)
		return err
	})
	return a, err
}

// openPINAttempt reads a device's PIN counter and verifier in a write
// transaction. The attempt is refused (Locked) when the quick login is
// locked or already has max failed attempts (then it is locked now).
func (s *Store) openPINAttempt(ctx context.Context, tx Tx, deviceID string, max int, now time.Time) (a kabinet.PINAttempt, verifier string, refused bool, err error) {
	var locked sql.NullInt64
	var v sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT failed_attempts, locked_at, pin_hash FROM quick_logins WHERE device_id = ? AND method = ?`+s.dialect.ForUpdate(),
		deviceID, kabinet.MethodPIN).Scan(&a.FailedAttempts, &locked, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return a, "", true, kabinet.Errorf(kabinet.ENOTFOUND, "quick login not found")
	}
	if err != nil {
		return a, "", true, err
	}
	switch {
	case locked.Valid:
		a.Locked = true
	case a.FailedAttempts >= max: // the policy's limit was lowered
		a.Locked = true
		_, err = tx.ExecContext(ctx, `UPDATE quick_logins SET locked_at = ?, updated_at = ? WHERE device_id = ?`, storecodec.MS(now), storecodec.MS(now), deviceID)
	}
	return a, v.String, a.Locked, err
}

// BeginPINAttempt counts a PIN attempt on a device before the PIN is
// checked, so that concurrent guesses can never exceed the limit: the
// attempt is refused (Locked) when the quick login is locked or already has
// max failed attempts (then it is locked now). It serves verifiers too slow
// to check inside a transaction (old argon2id ones). NOT_FOUND if the device
// has no PIN quick login.
func (s *Store) BeginPINAttempt(ctx context.Context, deviceID string, max int) (kabinet.PINAttempt, error) {
	now := s.now()
	var a kabinet.PINAttempt
	err := s.run.Write(ctx, func(tx Tx) error {
		var refused bool
		var err error
		if a, _, refused, err = s.openPINAttempt(ctx, tx, deviceID, max, now); err != nil || refused {
			return err
		}
		a.FailedAttempts++
		_, err = tx.ExecContext(ctx, `UPDATE quick_logins SET failed_attempts = failed_attempts + 1, updated_at = ? WHERE device_id = ?`, storecodec.MS(now), deviceID)
		return err
	})
	return a, err
}

// EndPINAttempt records the outcome of an attempt begun with
// BeginPINAttempt: a right PIN clears the counter; a wrong one stays
// counted and locks the quick login once max are reached.
func (s *Store) EndPINAttempt(ctx context.Context, deviceID string, ok bool, max int) (kabinet.PINAttempt, error) {
	now := s.now()
	var a kabinet.PINAttempt
	err := s.run.Write(ctx, func(tx Tx) error {
		if ok {
			_, err := tx.ExecContext(ctx, `UPDATE quick_logins SET failed_attempts = 0, updated_at = ? WHERE device_id = ?`, storecodec.MS(now), deviceID)
			return err
		}
		var locked sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT failed_attempts, locked_at FROM quick_logins WHERE device_id = ?`+s.dialect.ForUpdate(), deviceID).Scan(&a.FailedAttempts, &locked)
		if errors.Is(err, sql.ErrNoRows) { // cleared meanwhile: nothing left to lock
			a.Locked = true
			return nil
		}
		if err != nil {
			return err
		}
		a.Locked = locked.Valid
		if !a.Locked && a.FailedAttempts >= max {
			a.Locked = true
			_, err = tx.ExecContext(ctx, `UPDATE quick_logins SET locked_at = ?, updated_at = ? WHERE device_id = ?`, storecodec.MS(now), storecodec.MS(now), deviceID)
		}
		return err
	})
	return a, err
}

// ClearQuickLogins removes every quick login of an employee (password
// changed, cabinet blocked).
func (s *Store) ClearQuickLogins(ctx context.Context, employeeID string) error {
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM quick_logins WHERE employee_id = ?`, employeeID)
		return err
	})
}

// SpendChallenge records a quick-login challenge (by hash) as used until it
// expires; a challenge can be spent once: CONFLICT if it already was. Spent
// challenges past their expiry are dropped on the way, so the table holds
// at most the challenges spent within one challenge lifetime.
func (s *Store) SpendChallenge(ctx context.Context, hash string, expiresAt time.Time) error {
	now := s.now()
	return s.run.Write(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM quick_login_spent WHERE expires_at <= ?`, storecodec.MS(now)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO quick_login_spent (challenge_hash, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			hash, storecodec.MS(expiresAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kabinet.Errorf(kabinet.ECONFLICT, "challenge already used")
		}
		return nil
	})
}

// SetPINVerifier replaces the PIN verifier of a device's PIN quick login
// (an old argon2id form re-stored as a MAC after a right PIN).
func (s *Store) SetPINVerifier(ctx context.Context, deviceID, verifier string) error {
	now := s.now()
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE quick_logins SET pin_hash = ?, updated_at = ? WHERE device_id = ? AND method = ?`,
			verifier, storecodec.MS(now), deviceID, kabinet.MethodPIN)
		return err
	})
}

func qlText(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func qlBlob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
