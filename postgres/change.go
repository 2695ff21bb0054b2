package postgres

import (
	"github.com/kabinet/kabinet/internal/storecodec"

	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// change is a change-log row waiting for its position.
type change struct {
	org, employee, entity, entityID, op string
	at                                  int64
}

// recordChange adds a change to the caller's write transaction. It gets its
// position when the transaction is about to commit (flushChanges).
func recordChange(_ context.Context, tx *txn, orgID, employeeID, entity, entityID, op string, at time.Time) error {
	tx.changes = append(tx.changes, change{orgID, employeeID, entity, entityID, op, storecodec.MS(at)})
	return nil
}

// flushChanges gives the transaction's changes their positions from each
// organisation's counter row and writes them, in recording order. It runs
// last before COMMIT: the counter's row lock is then held only for the
// commit, and it is the last lock the transaction takes, so it can not be
// part of a deadlock. Organisations are taken in id order for the same
// reason, should one transaction ever write to several.
func (t *txn) flushChanges(ctx context.Context) error {
	byOrg := map[string][]change{}
	for _, c := range t.changes {
		byOrg[c.org] = append(byOrg[c.org], c)
	}
	t.changes = nil
	for _, org := range slices.Sorted(maps.Keys(byOrg)) {
		cs := byOrg[org]
		var last int64
		if err := t.QueryRowContext(ctx, `UPDATE sync_counters SET seq = seq + ? WHERE org_id = ? RETURNING seq`,
			len(cs), org).Scan(&last); err != nil {
			return fmt.Errorf("change counter of %s: %w", org, err)
		}
		seqs, emps, entities, ids, ops, ats := make([]int64, len(cs)), make([]string, len(cs)), make([]string, len(cs)),
			make([]string, len(cs)), make([]string, len(cs)), make([]int64, len(cs))
		for i, c := range cs {
			seqs[i], emps[i], entities[i], ids[i], ops[i], ats[i] = last-int64(len(cs)-1-i), c.employee, c.entity, c.entityID, c.op, c.at
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO changes (org_id, seq, employee_id, entity, entity_id, op, at)
			SELECT ?, * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[])`,
			org, seqs, emps, entities, ids, ops, ats); err != nil {
			return err
		}
	}
	return nil
}

// ChangeCount is the number of change-log entries of an organisation: a
// republish that changes nothing must leave it as it was.
func (db *DB) ChangeCount(ctx context.Context, orgID string) (int, error) {
	var n int
	err := db.conn.QueryRowContext(ctx, `SELECT count(*) FROM changes WHERE org_id = ?`, orgID).Scan(&n)
	return n, err
}
