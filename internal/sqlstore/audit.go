package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// AuditLog returns an organisation's audit entries, newest first, with ids
// below before (0 = from the newest), at most limit. Each names who acted:
// the HR user's name as written with the entry, or the API key's name.
func (s *Store) AuditLog(ctx context.Context, orgID string, before int64, limit int) ([]*kabinet.AuditEntry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	var out []*kabinet.AuditEntry
	err := s.run.Read(ctx, func(tx Tx) (err error) {
		out, err = queryAll(ctx, tx, func(row scanner) (*kabinet.AuditEntry, error) {
			e := &kabinet.AuditEntry{}
			var targets string
			var at int64
			if err := row.Scan(&e.ID, &e.OrgID, &e.Actor, &e.ActorName, &e.Operation, &targets, &e.Outcome, &e.Address,
				&e.RequestID, &at, &e.Detail); err != nil {
				return nil, err
			}
			e.At = storecodec.FromMS(at)
			return e, json.Unmarshal([]byte(targets), &e.Targets)
		}, `SELECT a.id, a.org_id, a.actor, COALESCE(NULLIF(a.actor_name, ''), k.name, ''), a.operation, a.targets, a.outcome,
			a.address, a.request_id, a.at, a.detail
			FROM audit_log a LEFT JOIN api_keys k ON a.actor LIKE 'key:%' AND k.id = SUBSTR(a.actor, 5)
			WHERE a.org_id = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?`, orgID, before, limit)
		return err
	})
	return out, err
}

// RecordAudit appends an entry to the audit log.
func (s *Store) RecordAudit(ctx context.Context, e *kabinet.AuditEntry) error {
	return s.run.Write(ctx, func(tx Tx) error { return InsertAudit(ctx, tx, e, s.now()) })
}

// InsertAudit writes e with q and sets its id: RecordAudit's, or a
// mutation's own, written by each store's WriteTx with the mutation
// (kabinet.PendingAudit).
func InsertAudit(ctx context.Context, q Querier, e *kabinet.AuditEntry, now time.Time) error {
	if e.Targets == nil {
		e.Targets = []string{}
	}
	if e.At.IsZero() {
		e.At = now
	}
	return q.QueryRowContext(ctx, `
		INSERT INTO audit_log (org_id, actor, operation, targets, outcome, address, request_id, at, actor_name, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.OrgID, e.Actor, e.Operation, JSON(e.Targets), e.Outcome, e.Address, e.RequestID, storecodec.MS(e.At), e.ActorName, e.Detail).Scan(&e.ID)
}
