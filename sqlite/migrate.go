package sqlite

import (
	"context"
	"embed"
	"fmt"

	"github.com/kabinet/kabinet/internal/migrate"
)

// migrations are SQLite's dialect of the schema; postgres/migrations holds
// the same versions for PostgreSQL.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the embedded migrations in version order.
func Migrations() ([]migrate.Migration, error) { return migrate.Load(migrations, "migrations") }

var dialect = migrate.Dialect{Param: func(int) string { return "?" }}

// migrate applies every pending migration (internal/migrate), each in its
// own transaction together with its record in schema_migrations.
func (db *DB) migrate(ctx context.Context) error {
	all, err := Migrations()
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := migrate.Apply(ctx, db.write, dialect, all, db.now()); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// Migrations lists the applied migrations, oldest first.
func (db *DB) Migrations(ctx context.Context) ([]string, error) { return migrate.Applied(ctx, db.read) }
