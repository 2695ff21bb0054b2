package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/kabinet/kabinet/internal/migrate"
)

// migrations are PostgreSQL's dialect of the schema: the same versions and
// names as sqlite/migrations, with PostgreSQL's types (BIGINT times, BOOLEAN
// flags, BYTEA, identity columns) and the per-organisation change counter.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the embedded migrations in version order.
func Migrations() ([]migrate.Migration, error) { return migrate.Load(migrations, "migrations") }

// dialect numbers parameters $n and serialises migrations of one schema
// across processes with an advisory lock: several instances may start at
// once.
var dialect = migrate.Dialect{
	Param: func(n int) string { return fmt.Sprintf("$%d", n) },
	Lock:  `SELECT pg_advisory_xact_lock(hashtext('kabinet.migrate.' || current_schema()))`,
}

func (db *DB) migrate(ctx context.Context) error {
	all, err := Migrations()
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if err := migrate.Apply(ctx, db.sql, dialect, all, db.now()); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

func pendingMigrations(ctx context.Context, db *sql.DB, all []migrate.Migration) error {
	return migrate.Pending(ctx, db, all)
}

// Migrations lists the applied migrations, oldest first.
func (db *DB) Migrations(ctx context.Context) ([]string, error) { return migrate.Applied(ctx, db.sql) }

// MigrationStatus lists the embedded migrations, oldest first, and which of
// them the database at dsn has applied. It changes nothing.
func MigrationStatus(ctx context.Context, dsn string) ([]migrate.State, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	defer db.Close()
	var hasTable bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&hasTable); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return migrate.Status(ctx, db, all, hasTable)
}
