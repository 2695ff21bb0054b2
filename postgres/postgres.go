// Package postgres is Kabinet's shared store: PostgreSQL through
// github.com/jackc/pgx/v5, for several Kabinet instances behind one load
// balancer. The SQLite store (sqlite/) stays the embedded default; both
// pass the same conformance suite (storetest/).
//
// The pool is a pgxpool.Pool (size: Options.MaxConns, KABINET_DB_MAX_CONNS);
// the store's SQL runs through database/sql on that pool
// (stdlib.OpenDBFromPool), so it reads like the SQLite store's; LISTEN
// (Wakeups) holds one more connection of its own, outside the pool.
//
// Every exported method owns its transaction; private helpers take a *txn.
// Statements are written with ? placeholders, as in the SQLite store, and
// numbered ($1, $2, ...) once per distinct statement (rebind). Writes run at
// READ COMMITTED and lock what they read-modify-write (FOR UPDATE or one
// atomic UPDATE); reads that must agree with each other run in one
// REPEATABLE READ, READ ONLY transaction (one snapshot). Driver errors are
// translated here: unique_violation becomes CONFLICT, anything unexpected
// stays internal. Times are stored as Unix milliseconds in UTC (BIGINT),
// money as integer kopecks, as in the SQLite store, so that migrate-store
// copies rows unchanged.
//
// # The change log
//
// seq counts per organisation: the writing transaction buffers its changes
// and, last thing before COMMIT, takes their positions from the
// organisation's sync_counters row (UPDATE ... SET seq = seq + n RETURNING
// seq). The row lock is held to commit, so within an organisation positions
// are given out and committed in the same order, with no gaps: a snapshot
// that sees position P sees every change at or below it. A plain sequence
// would not do (allocated at INSERT, committed in any order: a reader could
// see 11 before 10 commits and skip 10 for ever). Taking the counter last
// keeps the lock short (the commit only) and makes it the last lock every
// writer takes, so it can not deadlock with the rows a batch updates.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/sqlstore"
)

// Options tune the store.
type Options struct {
	// MaxConns is the pool size (KABINET_DB_MAX_CONNS); zero: pgxpool's
	// default, max(4, number of CPUs).
	MaxConns int
}

// DB is the store. It is safe for concurrent use, by several processes on
// one database as well.
type DB struct {
	// Store is the SQL shared with the SQLite store; its methods are this
	// store's.
	*sqlstore.Store

	dsn  string
	pool *pgxpool.Pool
	sql  *sql.DB
	conn conn // single statements, each its own snapshot
	// writers bounds the write transactions in flight to half the pool.
	writers chan struct{}
	Clock   kabinet.Clock
}

// IsDSN reports whether a KABINET_DB value names a PostgreSQL database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redact hides the password of a postgres:// URL (for logs); a file path
// comes back as it is.
func Redact(dsn string) string {
	if !IsDSN(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable)"
	}
	return u.Redacted()
}

// Open connects to the database named by dsn and applies the pending
// migrations.
func Open(ctx context.Context, dsn string, clock kabinet.Clock, opt Options) (*DB, error) {
	if clock == nil {
		clock = kabinet.SystemClock{}
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = int32(opt.MaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := stdlib.OpenDBFromPool(pool)
	db := &DB{dsn: dsn, pool: pool, sql: s, conn: conn{s}, Clock: clock,
		writers: make(chan struct{}, max(1, cfg.MaxConns/2))}
	db.Store = sqlstore.New(runner{db}, sqlstore.Postgres, clock)
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool.
func (db *DB) Close() error {
	err := db.sql.Close()
	db.pool.Close()
	return err
}

// Ready reports whether the database answers and every migration is applied.
func (db *DB) Ready(ctx context.Context) error {
	all, err := Migrations()
	if err == nil {
		err = pendingMigrations(ctx, db.sql, all)
	}
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// WriteTx runs fn in a READ COMMITTED transaction, committing if fn returns
// nil. The changes fn recorded get their positions just before the commit.
// It is exported for packages' tests.
func (db *DB) WriteTx(ctx context.Context, fn func(tx *txn) error) (err error) {
	// A write transaction may read through the pool while it holds a
	// connection (a callback of the service, a nested lookup). Letting at
	// most half the pool be held by writers leaves those reads a connection:
	// otherwise writers waiting for one row lock could hold every
	// connection while the lock's holder waits for one.
	select {
	case db.writers <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-db.writers }()
	stx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer stx.Rollback()
	t := &txn{tx: stx}
	if err := fn(t); err != nil {
		return translate(err)
	}
	// The audit entry of the mutation this write belongs to commits with it.
	if pa := kabinet.PendingAuditFrom(ctx); pa != nil {
		if e := pa.Claim(); e != nil {
			committed := false
			defer func() { pa.Done(committed) }()
			if err := sqlstore.InsertAudit(ctx, t, e, db.now()); err != nil {
				return translate(err)
			}
			defer func() { committed = err == nil }()
		}
	}
	if err := t.flushChanges(ctx); err != nil {
		return translate(err)
	}
	return translate(stx.Commit())
}

// ReadTx runs fn in a REPEATABLE READ, READ ONLY transaction: every
// statement in it sees the same committed snapshot.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *txn) error) error {
	stx, err := db.sql.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return translate(err)
	}
	defer stx.Rollback()
	if err := fn(&txn{tx: stx}); err != nil {
		return translate(err)
	}
	return translate(stx.Commit())
}

// tx is a transaction whose statements are written with ? placeholders.
type txn struct {
	tx      *sql.Tx
	changes []change
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, rebind(q), args...)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, rebind(q), args...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, rebind(q), args...)
}

func (t *txn) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, rebind(q))
}

// conn runs single statements (each its own snapshot) with ? placeholders.
type conn struct{ db *sql.DB }

func (c conn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, rebind(q), args...)
}

func (c conn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return c.db.QueryContext(ctx, rebind(q), args...)
}

func (c conn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return c.db.QueryRowContext(ctx, rebind(q), args...)
}

// rebound caches rebind's results: the statements are a fixed set, built
// from constants.
var rebound gosync.Map

// rebind numbers the ? placeholders of a statement ($1, $2, ...), leaving
// string literals alone. SQLite's ?N is PostgreSQL's $N.
func rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(q[i+1 : j])
				i = j - 1
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	rebound.Store(q, out)
	return out
}

// translate maps driver errors to kabinet errors at the boundary.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
		return &kabinet.Error{Code: kabinet.ECONFLICT, Message: "a record with the same key already exists"}
	}
	return err
}

// now is the store's clock, as a stored time.
func (db *DB) now() time.Time { return db.Clock.Now().UTC() }
