package postgres

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// UpsertDepartments publishes departments by external ID in one transaction.
func (db *DB) UpsertDepartments(ctx context.Context, orgID string, deps []kabinet.Department) (kabinet.PublishResult, error) {
	var res kabinet.PublishResult
	now := db.now()
	err := db.WriteTx(ctx, func(tx *txn) error {
		res = kabinet.PublishResult{}
		for i := range deps {
			d := &deps[i]
			fp := storecodec.Fingerprint([]string{d.Name, d.ParentExternalID, d.HeadExternalID})
			var id, old string
			err := tx.QueryRowContext(ctx, `SELECT id, fingerprint FROM departments WHERE org_id = ? AND external_id = ?`, orgID, d.ExternalID).Scan(&id, &old)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				d.ID = kabinet.NewID("dep")
				_, err = tx.ExecContext(ctx, `INSERT INTO departments (id, org_id, external_id, name, parent_external_id, head_external_id, fingerprint, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, orgID, d.ExternalID, d.Name, d.ParentExternalID, d.HeadExternalID, fp, storecodec.MS(now), storecodec.MS(now))
				res.Created++
			case err != nil:
				return err
			case old == fp:
				d.ID = id
				res.Unchanged++
			default:
				d.ID = id
				_, err = tx.ExecContext(ctx, `UPDATE departments SET name = ?, parent_external_id = ?, head_external_id = ?, fingerprint = ?, updated_at = ? WHERE id = ?`,
					d.Name, d.ParentExternalID, d.HeadExternalID, fp, storecodec.MS(now), id)
				res.Updated++
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// Departments lists an organisation's departments by external ID.
func (db *DB) Departments(ctx context.Context, orgID string) ([]*kabinet.Department, error) {
	return queryAll(ctx, db.conn, func(row scanner) (*kabinet.Department, error) {
		d := &kabinet.Department{}
		return d, row.Scan(&d.ID, &d.ExternalID, &d.Name, &d.ParentExternalID, &d.HeadExternalID)
	}, `SELECT id, external_id, name, parent_external_id, head_external_id FROM departments WHERE org_id = ? ORDER BY external_id`, orgID)
}

// DepartmentParents maps every department of the organisation to its parent's
// external ID ("" for a top-level one).
func (db *DB) DepartmentParents(ctx context.Context, orgID string) (map[string]string, error) {
	rows, err := db.conn.QueryContext(ctx, `SELECT external_id, parent_external_id FROM departments WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ext, parent string
		if err := rows.Scan(&ext, &parent); err != nil {
			return nil, err
		}
		out[ext] = parent
	}
	return out, rows.Err()
}
