package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/kabinet/kabinet/internal/sqlstore"
)

// runner runs internal/sqlstore's statements in this store's transactions.
type runner struct{ db *DB }

func (r runner) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return r.db.WriteTx(ctx, func(tx *sql.Tx) error { return fn(sharedTx{tx}) })
}

func (r runner) Read(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return r.db.ReadTx(ctx, func(tx *sql.Tx) error { return fn(sharedTx{tx}) })
}

func (r runner) Reader() sqlstore.Querier { return r.db.read }

func (r runner) Planned(context.Context, sqlstore.Tx) error { return nil }

// sharedTx is a *sql.Tx that records changes in this store's change log.
type sharedTx struct{ *sql.Tx }

func (t sharedTx) RecordChange(ctx context.Context, orgID, employeeID, entity, entityID, op string, at time.Time) error {
	return recordChange(ctx, t.Tx, orgID, employeeID, entity, entityID, op, at)
}
