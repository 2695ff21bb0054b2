package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// CreateOrganization stores a new organisation and its first API key, given
// only as its hash.
func (db *DB) CreateOrganization(ctx context.Context, org *kabinet.Organization, keyHash string) error {
	now := db.now()
	org.ID = kabinet.NewID("org")
	org.CreatedAt = now
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, name, timezone, created_at) VALUES (?, ?, ?, ?)`,
			org.ID, org.Name, org.Timezone, storecodec.MS(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, key_hash, created_at) VALUES (?, ?, ?, ?)`,
			kabinet.NewID("key"), org.ID, keyHash, storecodec.MS(now))
		return err
	})
}

// OrganizationByKeyHash finds the organisation of an unrevoked API key.
// It returns NOT_FOUND for an unknown or revoked key.
func (db *DB) OrganizationByKeyHash(ctx context.Context, keyHash string) (org *kabinet.Organization, keyID string, err error) {
	org = &kabinet.Organization{}
	var created int64
	err = db.read.QueryRowContext(ctx, `
		SELECT o.id, o.name, o.timezone, o.created_at, k.id
		FROM api_keys k JOIN organizations o ON o.id = k.org_id
		WHERE k.key_hash = ? AND k.revoked_at IS NULL`, keyHash).
		Scan(&org.ID, &org.Name, &org.Timezone, &created, &keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", kabinet.Errorf(kabinet.ENOTFOUND, "unknown API key")
	}
	if err != nil {
		return nil, "", err
	}
	org.CreatedAt = storecodec.FromMS(created)
	return org, keyID, nil
}

// Organization returns the organisation with the given id, or NOT_FOUND.
func (db *DB) Organization(ctx context.Context, id string) (*kabinet.Organization, error) {
	org := &kabinet.Organization{}
	var created int64
	err := db.read.QueryRowContext(ctx, `SELECT id, name, timezone, created_at FROM organizations WHERE id = ?`, id).
		Scan(&org.ID, &org.Name, &org.Timezone, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "organization not found")
	}
	if err != nil {
		return nil, err
	}
	org.CreatedAt = storecodec.FromMS(created)
	return org, nil
}

// CountOrganizations is the number of organisations (the demo seeds only an
// empty database).
func (db *DB) CountOrganizations(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM organizations`).Scan(&n)
	return n, err
}

// AddAPIKey stores another API key, given only as its hash, for an existing
// organisation; NOT_FOUND when there is none with that id.
func (db *DB) AddAPIKey(ctx context.Context, orgID, keyHash string) error {
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM organizations WHERE id = ?`, orgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return kabinet.Errorf(kabinet.ENOTFOUND, "organization %q not found", orgID)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, key_hash, created_at) VALUES (?, ?, ?, ?)`,
			kabinet.NewID("key"), orgID, keyHash, storecodec.MS(db.now()))
		return err
	})
}

// Organizations lists every organisation, oldest first (the operator's
// command line; there are few).
func (db *DB) Organizations(ctx context.Context) ([]*kabinet.Organization, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, timezone, created_at FROM organizations ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*kabinet.Organization
	for rows.Next() {
		org := &kabinet.Organization{}
		var created int64
		if err := rows.Scan(&org.ID, &org.Name, &org.Timezone, &created); err != nil {
			return nil, err
		}
		org.CreatedAt = storecodec.FromMS(created)
		list = append(list, org)
	}
	return list, rows.Err()
}
