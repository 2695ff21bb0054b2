// Package sqlstore is the SQL of both stores, written once: every table's
// statements, with ? placeholders and SQL that SQLite and PostgreSQL both
// accept, run by each store through its own transactions. sqlite.DB and
// postgres.DB embed a *Store built on their WriteTx and ReadTx (Runner), so
// its methods are theirs. What is left in sqlite/ and postgres/ is each
// engine's own: connections and transactions, the change log's numbering
// (Tx.RecordChange, Runner.SyncHead), wake-ups across instances
// (Runner.Planned), migrations, compaction and backups.
//
// The rules of the stores hold here too: every exported method owns its
// transaction (Write or Read), private helpers take a Tx; times are stored
// as Unix milliseconds in UTC (internal/storecodec), money as integer
// kopecks; a unique violation comes back as CONFLICT (each store's
// transaction translates its driver's errors). Where the dialects differ
// (row locks, JSON lists, planner hints, bulk inserts), a Dialect method or
// one `if s.dialect == Postgres` with its reason says how. Most business
// rules are decided by the services (push/ plans and fans out, requests/
// routes, auth/ and activation/ check) and the store writes what it is
// told, set-based where speed needs it; the few that must be decided under
// the row lock they read (a cabinet's transitions, the PIN lockout, a
// session's new-device reason, a payslip view's replay) are written here,
// once.
//
// Schema changes stay in each store's migrations (sqlite/migrations,
// postgres/migrations), with the same number and the same tables on both.
package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/kabinet/kabinet"
)

// Querier runs statements written with ? placeholders.
type Querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// Tx is a transaction whose statements are written with ? placeholders.
type Tx interface {
	Querier
	// PrepareContext prepares a statement for the rest of the transaction
	// (a lookup repeated for every record of a batch).
	PrepareContext(ctx context.Context, q string) (*sql.Stmt, error)
	// RecordChange appends to the organisation's change log (delta sync)
	// as part of this transaction: the change is visible to sync exactly
	// when the transaction commits, in commit order.
	RecordChange(ctx context.Context, orgID, employeeID, entity, entityID, op string, at time.Time) error
}

// Runner runs transactions: the store's own WriteTx and ReadTx.
type Runner interface {
	// Write runs fn in a write transaction, committing when fn returns nil
	// (and writing the mutation's pending audit entry with it).
	Write(ctx context.Context, fn func(Tx) error) error
	// Read runs fn in a read-only transaction that sees one snapshot.
	Read(ctx context.Context, fn func(Tx) error) error
	// Reader runs single read statements, each its own snapshot, without
	// the cost of a transaction (SQLite's reader pool, PostgreSQL's pool).
	Reader() Querier
	// Planned tells, when tx commits, every instance's dispatcher that
	// notifications were planned (PostgreSQL: NOTIFY); a SQLite file has
	// one process, whose push service wakes its own dispatcher.
	Planned(ctx context.Context, tx Tx) error
	// SyncHead reads, with q, the head of the change log as one employee
	// of the organisation sees it (kabinet.SyncReader's Head): the log is
	// each store's own (one sequence on SQLite, a counter per organisation
	// on PostgreSQL). orgID may be empty: the employee's is used.
	SyncHead(ctx context.Context, q Querier, orgID, employeeID string, after int64) (kabinet.SyncHead, error)
}

// Dialect is the SQL engine underneath.
type Dialect int

// The dialects.
const (
	SQLite Dialect = iota
	Postgres
)

// ForUpdate is the row-lock clause a read-modify-write SELECT ends with:
// PostgreSQL locks the rows; SQLite has one writer, which holds the whole
// database from BEGIN (IMMEDIATE), and no such clause.
func (d Dialect) ForUpdate() string {
	if d == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// ILike is the operator of a LIKE that ignores the case of ASCII letters:
// SQLite's LIKE does (and only for ASCII), PostgreSQL's ILIKE does for every
// letter; callers that need other letters matched pass their case variants.
func (d Dialect) ILike() string {
	if d == Postgres {
		return " ILIKE "
	}
	return " LIKE "
}

// Bytewise is the collation clause that orders text by its UTF-8 bytes,
// as SQLite does by default, so that both stores list in the same order
// whatever the database's locale.
func (d Dialect) Bytewise() string {
	if d == Postgres {
		return ` COLLATE "C"`
	}
	return ""
}

// SkipLocked is the clause a claim's SELECT ends with: PostgreSQL locks
// the rows it takes and passes over those another instance holds; SQLite's
// one writer needs none.
func (d Dialect) SkipLocked() string {
	if d == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// Store is the shared part of a store.
type Store struct {
	run     Runner
	dialect Dialect
	clock   kabinet.Clock
}

// New returns the shared part of a store that runs its transactions with r.
func New(r Runner, d Dialect, clock kabinet.Clock) *Store {
	if clock == nil {
		clock = kabinet.SystemClock{}
	}
	return &Store{run: r, dialect: d, clock: clock}
}

// now is the store's clock, as a stored time.
func (s *Store) now() time.Time { return s.clock.Now().UTC() }

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, tx Querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
