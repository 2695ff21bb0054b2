package sqlstore

import (
	"context"
	"encoding/json"

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
