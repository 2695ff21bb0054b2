package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kabinet/kabinet"
)

// PutQuickLogin sets up quick login on an employee's device, replacing the
// method set up there before (and clearing its attempt counter and lock).
// It fills q.ClientID and q.CreatedAt. NOT_FOUND if the device is not the
// employee's or has been revoked.
func (db *DB) PutQuickLogin(ctx context.Context, q *kabinet.QuickLogin) error {
	now := db.now()
	return db.WriteTx(ctx, func(tx *txn) error {
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
			ms(now), ms(now))
		return err
	})
}

const quickLoginColumns = `q.device_id, q.org_id, q.employee_id, q.client_id, q.method, q.public_key, q.secret_hash, q.pin_hash,
	q.failed_attempts, q.locked_at, q.created_at, d.platform, d.model, d.app_version, d.timezone`

func scanQuickLogin(row interface{ Scan(...any) error }) (*kabinet.QuickLogin, error) {
	q := &kabinet.QuickLogin{}
	var secret, pin sql.NullString
	var locked sql.NullInt64
	var created int64
	d := &q.Device
	if err := row.Scan(&q.DeviceID, &q.OrgID, &q.EmployeeID, &q.ClientID, &q.Method, &q.PublicKey, &secret, &pin,
		&q.FailedAttempts, &locked, &created, &d.Platform, &d.Model, &d.AppVersion, &d.Timezone); err != nil {
		return nil, err
	}
	q.SecretHash, q.PINHash, q.LockedAt, q.CreatedAt = secret.String, pin.String, nullTime(locked), fromMS(created)
	d.ID, d.ClientID, d.OrgID, d.EmployeeID, d.QuickLoginMethod = q.DeviceID, q.ClientID, q.OrgID, q.EmployeeID, q.Method
	return q, nil
}

// QuickLoginsByClient returns the quick logins of one method set up on an
// install (one per employee who set it up there), most recent first, at
// most limit. Revoked devices have none.
func (db *DB) QuickLoginsByClient(ctx context.Context, clientID, method string, limit int) ([]*kabinet.QuickLogin, error) {
	rows, err := db.conn.QueryContext(ctx, `SELECT `+quickLoginColumns+` FROM quick_logins q JOIN devices d ON d.id = q.device_id
		WHERE q.client_id = ? AND q.method = ? AND d.revoked_at IS NULL ORDER BY q.created_at DESC LIMIT ?`, clientID, method, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*kabinet.QuickLogin
	for rows.Next() {
		q, err := scanQuickLogin(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// QuickLoginBySecret returns the PIN quick login whose device secret has
// this hash, or NOT_FOUND.
func (db *DB) QuickLoginBySecret(ctx context.Context, secretHash string) (*kabinet.QuickLogin, error) {
	q, err := scanQuickLogin(db.conn.QueryRowContext(ctx, `SELECT `+quickLoginColumns+` FROM quick_logins q JOIN devices d ON d.id = q.device_id
		WHERE q.secret_hash = ? AND d.revoked_at IS NULL`, secretHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "quick login not found")
	}
	return q, err
}

// BeginPINAttempt counts a PIN attempt on a device before the PIN is
// checked, so that concurrent guesses can never exceed the limit: the
// attempt is refused (Locked) when the quick login is locked or already has
// max failed attempts (then it is locked now). NOT_FOUND if the device has
// no PIN quick login.
func (db *DB) BeginPINAttempt(ctx context.Context, deviceID string, max int) (kabinet.PINAttempt, error) {
	now := db.now()
	var a kabinet.PINAttempt
	err := db.WriteTx(ctx, func(tx *txn) error {
		var locked sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT failed_attempts, locked_at FROM quick_logins WHERE device_id = ? AND method = ? FOR UPDATE`,
			deviceID, kabinet.MethodPIN).Scan(&a.FailedAttempts, &locked)
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.ENOTFOUND, "quick login not found")
		}
		if err != nil {
			return err
		}
		switch {
		case locked.Valid:
			a.Locked = true
			return nil
		case a.FailedAttempts >= max: // the policy's limit was lowered
			a.Locked = true
			_, err = tx.ExecContext(ctx, `UPDATE quick_logins SET locked_at = ?, updated_at = ? WHERE device_id = ?`, ms(now), ms(now), deviceID)
			return err
		}
		a.FailedAttempts++
		_, err = tx.ExecContext(ctx, `UPDATE quick_logins SET failed_attempts = failed_attempts + 1, updated_at = ? WHERE device_id = ?`, ms(now), deviceID)
		return err
	})
	return a, err
}

// EndPINAttempt records the outcome of an attempt begun with
// BeginPINAttempt: a right PIN clears the counter; a wrong one stays
// counted and locks the quick login once max are reached.
func (db *DB) EndPINAttempt(ctx context.Context, deviceID string, ok bool, max int) (kabinet.PINAttempt, error) {
	now := db.now()
	var a kabinet.PINAttempt
	err := db.WriteTx(ctx, func(tx *txn) error {
		if ok {
			_, err := tx.ExecContext(ctx, `UPDATE quick_logins SET failed_attempts = 0, updated_at = ? WHERE device_id = ?`, ms(now), deviceID)
			return err
		}
		var locked sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT failed_attempts, locked_at FROM quick_logins WHERE device_id = ? FOR UPDATE`, deviceID).Scan(&a.FailedAttempts, &locked)
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
			_, err = tx.ExecContext(ctx, `UPDATE quick_logins SET locked_at = ?, updated_at = ? WHERE device_id = ?`, ms(now), ms(now), deviceID)
		}
		return err
	})
	return a, err
}

// ClearQuickLogins removes every quick login of an employee (password
// changed, cabinet blocked).
func (db *DB) ClearQuickLogins(ctx context.Context, employeeID string) error {
	return db.WriteTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM quick_logins WHERE employee_id = ?`, employeeID)
		return err
	})
}

// PutChallenge stores a quick-login challenge (by hash) for an install. It
// also drops expired challenges, and keeps at most keep outstanding ones
// per install, so that the table stays small whatever clients do.
func (db *DB) PutChallenge(ctx context.Context, hash, clientID string, expiresAt time.Time, keep int) error {
	now := db.now()
	return db.WriteTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM quick_login_challenges WHERE expires_at <= ?`, ms(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO quick_login_challenges (challenge_hash, client_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			hash, clientID, ms(now), ms(expiresAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM quick_login_challenges WHERE client_id = ? AND challenge_hash NOT IN (
			SELECT challenge_hash FROM quick_login_challenges WHERE client_id = ? ORDER BY created_at DESC, challenge_hash DESC LIMIT ?)`, clientID, clientID, keep)
		return err
	})
}

// TakeChallenge removes a challenge and returns the install it was issued
// to and its expiry: a challenge can be taken once. NOT_FOUND if there is
// no such challenge (never issued, already taken, or purged).
func (db *DB) TakeChallenge(ctx context.Context, hash string) (clientID string, expiresAt time.Time, err error) {
	err = db.WriteTx(ctx, func(tx *txn) error {
		var exp int64
		err := tx.QueryRowContext(ctx, `DELETE FROM quick_login_challenges WHERE challenge_hash = ? RETURNING client_id, expires_at`, hash).Scan(&clientID, &exp)
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.ENOTFOUND, "challenge not found")
		}
		expiresAt = fromMS(exp)
		return err
	})
	return clientID, expiresAt, err
}

// counterRetention is how long a counter's window may last at most.
const counterRetention = 24 * time.Hour

// AddCount adds one to a fixed-window counter and returns the count in the
// current window and when that window ends. Windows must not exceed a day.
func (db *DB) AddCount(ctx context.Context, key string, window time.Duration) (n int, resetAt time.Time, err error) {
	now := db.now()
	var start int64
	err = db.WriteTx(ctx, func(tx *txn) error {
		// Counters idle for a day are dropped, so one row per address seen
		// does not accumulate forever.
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_counters WHERE window_start < ? AND key <> ?`, ms(now.Add(-counterRetention)), key); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO auth_counters (key, window_start, count) VALUES (?, ?, 1)
			ON CONFLICT (key) DO UPDATE SET
				count = CASE WHEN auth_counters.window_start + ? <= excluded.window_start THEN 1 ELSE auth_counters.count + 1 END,
				window_start = CASE WHEN auth_counters.window_start + ? <= excluded.window_start THEN excluded.window_start ELSE auth_counters.window_start END
			RETURNING count, window_start`, key, ms(now), window.Milliseconds(), window.Milliseconds()).Scan(&n, &start)
	})
	return n, fromMS(start).Add(window), err
}

// Count returns a fixed-window counter's count in the current window and
// when that window ends (0 when the window has passed).
func (db *DB) Count(ctx context.Context, key string, window time.Duration) (n int, resetAt time.Time, err error) {
	now := db.now()
	var start int64
	err = db.conn.QueryRowContext(ctx, `SELECT count, window_start FROM auth_counters WHERE key = ?`, key).Scan(&n, &start)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, err
	}
	resetAt = fromMS(start).Add(window)
	if !now.Before(resetAt) {
		return 0, time.Time{}, nil
	}
	return n, resetAt, nil
}

func qlText(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func qlBlob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
