// Package migrate applies a store's embedded schema migrations. Both stores
// (sqlite/ and postgres/) use it: each embeds its own dialect's
// migrations/NNNN_name.sql, with the same versions and names in both, and
// records the applied ones in schema_migrations (version, name, applied_at).
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one embedded NNNN_name.sql file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Load returns the *.sql files of dir in fsys in version order. File names
// are NNNN_name.sql; versions must be unique.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var list []Migration
	seen := map[int]string{}
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, base, v)
		}
		seen[v] = base
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		list = append(list, Migration{Version: v, Name: base, SQL: string(b)})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Version < list[j].Version })
	return list, nil
}

// Dialect is the little SQL that differs between the stores.
type Dialect struct {
	// Param renders the n-th (1-based) statement parameter: "?" or "$n".
	Param func(n int) string
	// Lock, when set, runs first in every migration's transaction and is
	// held to its commit, so that several processes starting at once apply
	// each migration once (PostgreSQL: an advisory transaction lock).
	// SQLite needs none: its write transactions are exclusive.
	Lock string
}

// Apply applies every pending migration of list, each in its own
// transaction together with its row in schema_migrations, so that a crash
// leaves either all of a migration or none of it.
func Apply(ctx context.Context, db *sql.DB, d Dialect, list []Migration, now time.Time) error {
	create := Migration{SQL: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`}
	if err := inTx(ctx, db, d, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, create.SQL)
		return err
	}); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	for _, m := range list {
		if err := apply(ctx, db, d, m, now); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

func apply(ctx context.Context, db *sql.DB, d Dialect, m Migration, now time.Time) error {
	return inTx(ctx, db, d, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = `+d.Param(1), m.Version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (`+
			d.Param(1)+`, `+d.Param(2)+`, `+d.Param(3)+`)`, m.Version, m.Name, now.UnixMilli())
		return err
	})
}

// inTx runs fn in a transaction that holds the dialect's lock.
func inTx(ctx context.Context, db *sql.DB, d Dialect, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.Lock != "" {
		if _, err := tx.ExecContext(ctx, d.Lock); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Applied lists the names of the applied migrations, oldest first.
func Applied(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// Pending reports an error unless every migration of list is applied
// (a store's readiness check).
func Pending(ctx context.Context, db *sql.DB, list []Migration) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("ready: %w", err)
	}
	if n != len(list) {
		return fmt.Errorf("%d of %d migrations applied", n, len(list))
	}
	return nil
}

// State is one embedded migration and whether a database has it.
type State struct {
	Name      string
	Applied   bool
	AppliedAt time.Time // zero when not applied
}

// Status lists the migrations of list, oldest first, and which of them db
// has applied (none when it has no schema_migrations table: hasTable
// false). It changes nothing.
func Status(ctx context.Context, db *sql.DB, list []Migration, hasTable bool) ([]State, error) {
	states := make([]State, len(list))
	for i, m := range list {
		states[i].Name = m.Name
	}
	if !hasTable {
		return states, nil
	}
	applied := map[string]time.Time{}
	rows, err := db.QueryContext(ctx, `SELECT name, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var at int64
		if err := rows.Scan(&name, &at); err != nil {
			return nil, err
		}
		applied[name] = time.UnixMilli(at).UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range states {
		if at, ok := applied[states[i].Name]; ok {
			states[i].Applied, states[i].AppliedAt = true, at
		}
	}
	return states, nil
}
