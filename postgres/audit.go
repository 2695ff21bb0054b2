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
		INSERT INTO audit_log (org_id, actor, operation, targets, outcome, address, request_id, at, actor_name, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.OrgID, e.Actor, e.Operation, string(targets), e.Outcome, e.Address, e.RequestID, storecodec.MS(e.At), e.ActorName, e.Detail).Scan(&e.ID)
}
