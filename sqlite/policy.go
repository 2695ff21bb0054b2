package sqlite

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
func (db *DB) AuthPolicy(ctx context.Context, orgID string) (*kabinet.AuthPolicy, error) {
	p := &kabinet.AuthPolicy{}
	var methods string
	err := db.read.QueryRowContext(ctx, `SELECT quick_login_methods, pin_length, max_pin_attempts, access_ttl_seconds, refresh_ttl_seconds, ask_login_on_activation
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
func (db *DB) PutAuthPolicy(ctx context.Context, orgID string, p *kabinet.AuthPolicy) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO auth_policies (org_id, quick_login_methods, pin_length, max_pin_attempts, access_ttl_seconds,
			refresh_ttl_seconds, ask_login_on_activation, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET quick_login_methods = excluded.quick_login_methods, pin_length = excluded.pin_length,
			max_pin_attempts = excluded.max_pin_attempts, access_ttl_seconds = excluded.access_ttl_seconds,
			refresh_ttl_seconds = excluded.refresh_ttl_seconds, ask_login_on_activation = excluded.ask_login_on_activation,
			updated_at = excluded.updated_at`,
		orgID, strings.Join(p.QuickLoginMethods, ","), p.PINLength, p.MaxPINAttempts, p.AccessTokenTTLSeconds, p.RefreshTokenTTLSeconds,
		p.AskLoginOnActivation, storecodec.MS(db.now()))
	return err
}
