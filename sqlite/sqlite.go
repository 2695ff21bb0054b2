// Package sqlite is Kabinet's embedded store: SQLite through
// github.com/mattn/go-sqlite3, in WAL mode with foreign keys on, one writer
// connection and a pool of readers.
//
// Every exported method owns its transaction; private helpers take a *sql.Tx.
// Driver errors are translated here: a UNIQUE violation becomes CONFLICT,
// anything unexpected stays internal. Times are stored as Unix milliseconds
// in UTC, money as integer kopecks.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/migrate"
	"github.com/kabinet/kabinet/internal/sqlstore"
)

// DB is the store. It is safe for concurrent use.
type DB struct {
	// Store is the SQL shared with the PostgreSQL store; its methods are
	// this store's.
	*sqlstore.Store

	path  string
	write *sql.DB // exactly one connection: SQLite has one writer
	read  *sql.DB // readers see committed snapshots (WAL)
	Clock kabinet.Clock

	// head is the change log's last committed seq, kept in memory so that a
	// sync with nothing new anywhere needs no read (ChangeHead). It is set
	// after each commit under commitMu, so it follows commit order and never
	// runs ahead of what readers can see.
	head      atomic.Int64
	commitMu  sync.Mutex
	trackHead bool
}

// Open opens (creating if needed) the database file at path and applies the
// pending migrations. A path of ":memory:" is refused: readers and the writer
// must share one file.
func Open(ctx context.Context, path string, clock kabinet.Clock) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, errors.New("sqlite: a file path is required")
	}
	if clock == nil {
		clock = kabinet.SystemClock{}
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "NORMAL") // durable across process crashes in WAL mode
	q.Set("_stmt_cache_size", "64") // reuse prepared statements per connection
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	// Writers take the lock at BEGIN, so that two writers never deadlock
	// upgrading a read lock.
	wq.Set("_txlock", "immediate")
	// 16 MiB of page cache for the one writer (SQLite's default is 2 MiB):
	// set-based planning inserts hundreds of thousands of outbox rows into
	// several indexes at once. 64 MiB planned 100k employees no faster and
	// held 48 MiB more in the process for good.
	wq.Set("_cache_size", "-16384")
	rq := url.Values{}
	for k, v := range q {
		rq[k] = v
	}
	rq.Set("_query_only", "true")

	w, err := sql.Open("sqlite3", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{path: path, write: w, Clock: clock}
	db.Store = sqlstore.New(runner{db}, sqlstore.SQLite, clock)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		seq, err := lastChangeSeq(ctx, tx)
		db.head.Store(seq)
		return err
	}); err != nil {
		w.Close()
		return nil, err
	}
	db.trackHead = true
	r, err := sql.Open("sqlite3", "file:"+path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.read = r
	return db, nil
}

// Close closes both pools, checkpointing the WAL.
func (db *DB) Close() error {
	var errs []error
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Wakeups never fires: one process owns a SQLite file, and its push
// service wakes its own dispatcher (push.Service.Wake).
func (db *DB) Wakeups(context.Context) <-chan struct{} { return nil }

// Ready reports whether the database answers and every migration is applied.
func (db *DB) Ready(ctx context.Context) error {
	all, err := Migrations()
	if err == nil {
		err = migrate.Pending(ctx, db.read, all)
	}
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// WriteTx runs fn in a write transaction, committing if fn returns nil. It is
// exported for the other store files and for packages' tests.
func (db *DB) WriteTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return translate(err)
	}
	// The audit entry of the mutation this write belongs to commits with it.
	if pa := kabinet.PendingAuditFrom(ctx); pa != nil {
		if e := pa.Claim(); e != nil {
			committed := false
			defer func() { pa.Done(committed) }()
			if err := sqlstore.InsertAudit(ctx, tx, e, db.now()); err != nil {
				return err
			}
			defer func() { committed = err == nil }()
		}
	}
	if !db.trackHead {
		return translate(tx.Commit())
	}
	seq, err := lastChangeSeq(ctx, tx)
	if err != nil {
		return err
	}
	// The next writer may commit as soon as this commit releases the
	// connection; the lock keeps head updates in commit order.
	db.commitMu.Lock()
	defer db.commitMu.Unlock()
	if err := tx.Commit(); err != nil {
		return translate(err)
	}
	if seq > db.head.Load() {
		db.head.Store(seq)
	}
	return nil
}

// lastChangeSeq is the last seq the change log allocated (AUTOINCREMENT
// keeps it in sqlite_sequence even when the rows are compacted away).
func lastChangeSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)`).Scan(&seq)
	return seq, err
}

// CommittedHead is the last committed seq of the change log, from memory
// (sync.Store). It is exact for this store, where every write goes through
// this process's one writer; a store shared by several processes must not
// offer it.
func (db *DB) CommittedHead() (int64, bool) { return db.head.Load(), true }

// ReadTx runs fn in a read transaction: every statement in it sees the same
// committed snapshot.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return translate(err)
	}
	return nil
}

// translate maps driver errors to kabinet errors at the boundary.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
			return &kabinet.Error{Code: kabinet.ECONFLICT, Message: "a record with the same key already exists"}
		}
	}
	return err
}

// now is the store's clock, as a stored time.
func (db *DB) now() time.Time { return db.Clock.Now().UTC() }
