package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// AuthPolicy returns the organisation's stored login policy, or nil when it
// has never been changed (the caller applies the defaults).
func (s *Store) AuthPolicy(ctx context.Context, orgID string) (*kabinet.AuthPolicy, error) {
	p := &kabinet.AuthPolicy{}
	var methods string
	err := s.run.Reader().QueryRowContext(ctx, `SELECT quick_login_methods, pin_length, max_pin_attempts, access_ttl_seconds, refresh_ttl_seconds, ask_login_on_activation
		FROM auth_policies WHERE org_id = ?`, orgID).Scan(&methods, &p.PINLength, &p.MaxPINAttempts, &p.AccessTokenTTLSeconds, &p.RefreshTokenTTLSeconds, &p.AskLoginOnActivation)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if methods != "" {
		p.QuickLoginMethods = strings.Split(methods, ",")
	}
	return p, nil
}

// PutAuthPolicy stores the organisation's login policy.
func (s *Store) PutAuthPolicy(ctx context.Context, orgID string, p *kabinet.AuthPolicy) error {
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_policies (org_id, quick_login_methods, pin_length, max_pin_attempts, access_ttl_seconds,
			refresh_ttl_seconds, ask_login_on_activation, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET quick_login_methods = excluded.quick_login_methods, pin_length = excluded.pin_length,
			max_pin_attempts = excluded.max_pin_attempts, access_ttl_seconds = excluded.access_ttl_seconds,
			refresh_ttl_seconds = excluded.refresh_ttl_seconds, ask_login_on_activation = excluded.ask_login_on_activation,
			updated_at = excluded.updated_at`,
			orgID, strings.Join(p.QuickLoginMethods, ","), p.PINLength, p.MaxPINAttempts, p.AccessTokenTTLSeconds, p.RefreshTokenTTLSeconds,
			p.AskLoginOnActivation, storecodec.MS(s.now()))
		return err
	})
}

// RegisterPushToken makes token the current push token of the employee's
// device: it replaces the device's previous token, and a device of anyone
// else that held the same token loses it (the phone changed hands or the app
// was reinstalled). The refresh time is stored. NOT_FOUND if the device is
// not the employee's or was revoked.
func (s *Store) RegisterPushToken(ctx context.Context, orgID, employeeID, deviceID, provider, token string) error {
	now := storecodec.MS(s.now())
	return s.run.Write(ctx, func(tx Tx) error {
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
func (s *Store) PushToken(ctx context.Context, deviceID string) (provider, token string, err error) {
	err = s.run.Reader().QueryRowContext(ctx, `SELECT provider, token FROM push_tokens WHERE device_id = ?`, deviceID).Scan(&provider, &token)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return provider, token, err
}
