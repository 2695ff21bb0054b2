package postgres

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/internal/sqlstore"
)

// runner runs internal/sqlstore's statements in this store's transactions.
type runner struct{ db *DB }

func (r runner) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return r.db.WriteTx(ctx, func(tx *txn) error { return fn(tx) })
}

func (r runner) Read(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return r.db.ReadTx(ctx, func(tx *txn) error { return fn(tx) })
}

func (r runner) Reader() sqlstore.Querier { return r.db.conn }

func (r runner) Planned(ctx context.Context, tx sqlstore.Tx) error { return notifyPlanned(ctx, tx) }

// RecordChange adds a change to the transaction (sqlstore.Tx); it gets its
// position at commit.
func (t *txn) RecordChange(ctx context.Context, orgID, employeeID, entity, entityID, op string, at time.Time) error {
	return recordChange(ctx, t, orgID, employeeID, entity, entityID, op, at)
}
