package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// RecordAudit appends an entry to the audit log.
func (db *DB) RecordAudit(ctx context.Context, e *kabinet.AuditEntry) error {
	return db.WriteTx(ctx, func(tx *txn) error { return insertAudit(ctx, tx, e, db.now()) })
}

// insertAudit writes e in tx: RecordAudit's, or a mutation's own
// (kabinet.PendingAudit, see WriteTx).
func insertAudit(ctx context.Context, tx *txn, e *kabinet.AuditEntry, now time.Time) error {
	if e.Targets == nil {
		e.Targets = []string{}
	}
	targets, err := json.Marshal(e.Targets)
	if err != nil {
		return err
	}
	if e.At.IsZero() {
		e.At = now
	}
	return tx.QueryRowContext(ctx, `
		INSERT INTO audit_log (org_id, actor, operation, targets, outcome, address, request_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.OrgID, e.Actor, e.Operation, string(targets), e.Outcome, e.Address, e.RequestID, storecodec.MS(e.At)).Scan(&e.ID)
}

// AuditLog returns an organisation's audit entries, newest first, with ids
// below before (0 = from the newest), at most limit.
func (db *DB) AuditLog(ctx context.Context, orgID string, before int64, limit int) ([]*kabinet.AuditEntry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	return queryAll(ctx, db.conn, func(row scanner) (*kabinet.AuditEntry, error) {
		e := &kabinet.AuditEntry{}
		var targets string
		var at int64
		if err := row.Scan(&e.ID, &e.OrgID, &e.Actor, &e.Operation, &targets, &e.Outcome, &e.Address, &e.RequestID, &at); err != nil {
			return nil, err
		}
		e.At = storecodec.FromMS(at)
		return e, json.Unmarshal([]byte(targets), &e.Targets)
	}, `SELECT id, org_id, actor, operation, targets, outcome, address, request_id, at
		FROM audit_log WHERE org_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, orgID, before, limit)
}
