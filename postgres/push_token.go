package postgres

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// RegisterPushToken makes token the current push token of the employee's
// device: it replaces the device's previous token, and a device of anyone
// else that held the same token loses it (the phone changed hands or the app
// was reinstalled). The refresh time is stored. NOT_FOUND if the device is
// not the employee's or was revoked.
func (db *DB) RegisterPushToken(ctx context.Context, orgID, employeeID, deviceID, provider, token string) error {
	now := storecodec.MS(db.now())
	return db.WriteTx(ctx, func(tx *txn) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM devices WHERE id = ? AND org_id = ? AND employee_id = ? AND revoked_at IS NULL`,
			deviceID, orgID, employeeID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.ENOTFOUND, "device not found; sign in again")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM push_tokens WHERE provider = ? AND token = ? AND device_id <> ?`, provider, token, deviceID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO push_tokens (device_id, org_id, employee_id, provider, token, created_at, refreshed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (device_id) DO UPDATE SET provider = excluded.provider, token = excluded.token, refreshed_at = excluded.refreshed_at,
			created_at = CASE WHEN push_tokens.token = excluded.token THEN push_tokens.created_at ELSE excluded.created_at END`,
			deviceID, orgID, employeeID, provider, token, now, now)
		return err
	})
}

// PushToken returns a device's current provider and token ("" if none).
func (db *DB) PushToken(ctx context.Context, deviceID string) (provider, token string, err error) {
	err = db.conn.QueryRowContext(ctx, `SELECT provider, token FROM push_tokens WHERE device_id = ?`, deviceID).Scan(&provider, &token)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return provider, token, err
}
