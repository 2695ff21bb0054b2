package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
	"github.com/kabinet/kabinet/tenancy"
)

// Named organisation API keys (api_keys' name, created_by and last_used_at
// columns, migration 0008). Creating the first key with the organisation
// and finding a key's organisation stay in each store's organization.go.

// APIKeys lists an organisation's keys, live ones first, newest first, at
// most limit.
func (s *Store) APIKeys(ctx context.Context, orgID string, limit int) ([]*tenancy.APIKey, error) {
	var out []*tenancy.APIKey
	err := s.run.Read(ctx, func(tx Tx) (err error) {
		out, err = queryAll(ctx, tx, func(row scanner) (*tenancy.APIKey, error) {
			k := &tenancy.APIKey{}
			var created int64
			var revoked, used sql.NullInt64
			if err := row.Scan(&k.ID, &k.OrgID, &k.Name, &k.CreatedBy, &created, &revoked, &used); err != nil {
				return nil, err
			}
			k.CreatedAt, k.RevokedAt, k.LastUsedAt = storecodec.FromMS(created), storecodec.NullTime(revoked), storecodec.NullTime(used)
			return k, nil
		}, `SELECT id, org_id, name, created_by, created_at, revoked_at, last_used_at FROM api_keys WHERE org_id = ?
			ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id LIMIT ?`, orgID, limit)
		return err
	})
	return out, err
}

func insertAPIKey(ctx context.Context, tx Tx, k *tenancy.APIKey, keyHash string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, key_hash, created_at, name, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.OrgID, keyHash, storecodec.MS(k.CreatedAt), k.Name, k.CreatedBy)
	return err
}

// CreateNamedAPIKey stores a named key.
func (s *Store) CreateNamedAPIKey(ctx context.Context, k *tenancy.APIKey, keyHash string) error {
	return s.run.Write(ctx, func(tx Tx) error { return insertAPIKey(ctx, tx, k, keyHash) })
}

// revokeAPIKey revokes a live key of the organisation; NOT_FOUND when there
// is none.
func revokeAPIKey(ctx context.Context, tx Tx, orgID, id string, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL`,
		storecodec.MS(at), orgID, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, kabinet.Errorf(kabinet.ENOTFOUND, "no such live API key"))
	}
	return nil
}

// RevokeAPIKey revokes a live key; NOT_FOUND for an unknown or revoked key
// of the organisation.
func (s *Store) RevokeAPIKey(ctx context.Context, orgID, id string, at time.Time) error {
	return s.run.Write(ctx, func(tx Tx) error { return revokeAPIKey(ctx, tx, orgID, id, at) })
}

// RotateAPIKey revokes the live key and stores next, in one transaction.
func (s *Store) RotateAPIKey(ctx context.Context, orgID, id string, next *tenancy.APIKey, keyHash string) error {
	return s.run.Write(ctx, func(tx Tx) error {
		if err := revokeAPIKey(ctx, tx, orgID, id, next.CreatedAt); err != nil {
			return err
		}
		return insertAPIKey(ctx, tx, next, keyHash)
	})
}

// TouchAPIKey records a key's use (never moving it back).
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
			storecodec.MS(at), id, storecodec.MS(at))
		return err
	})
}
