package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/kabinet/kabinet/internal/migrate"
)

// MigrationState is one embedded migration and whether a database has it.
type MigrationState = migrate.State

// MigrationStatus lists the embedded migrations, oldest first, and which of
// them the database at path has applied. It changes nothing: a missing file
// has every migration pending.
func MigrationStatus(ctx context.Context, path string) ([]MigrationState, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return migrate.Status(ctx, nil, all, false)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?"+url.Values{"mode": {"ro"}, "_busy_timeout": {"10000"}}.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	defer db.Close()
	var hasTable int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&hasTable); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	return migrate.Status(ctx, db, all, hasTable > 0)
}

// Backup writes a consistent copy of the database at from into the new file
// to with VACUUM INTO: one read transaction, so the copy holds exactly the
// transactions committed before it began, while other connections and
// processes go on writing. The copy is compact and has no WAL; it is a
// complete database that Open accepts as it is. to must not exist.
func Backup(ctx context.Context, from, to string) error {
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("sqlite: no database at %s", from)
	}
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("sqlite: %s already exists: choose a new file name", to)
	}
	src, err := sql.Open("sqlite3", "file:"+from+"?"+url.Values{"mode": {"ro"}, "_busy_timeout": {"10000"}}.Encode())
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", from, err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, to); err != nil {
		os.Remove(to)
		return fmt.Errorf("sqlite: backup to %s: %w", to, err)
	}
	dst, err := sql.Open("sqlite3", "file:"+to+"?mode=ro")
	if err != nil {
		return err
	}
	defer dst.Close()
	var check string
	if err := dst.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		return fmt.Errorf("sqlite: the backup %s fails its integrity check: %v %s", to, err, check)
	}
	return nil
}
