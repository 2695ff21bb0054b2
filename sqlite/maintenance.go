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

// restartGap is how far RestartChangeLog moves the change log past its last
// position: more changes than any lost timeline after a backup can have made.
const restartGap = 1 << 40

// RestartChangeLog makes every sync cursor issued so far unusable, for a
// database restored from a backup: phones that synced after the backup was
// taken hold positions of a timeline the restored database never had, and
// positions it will reach again with other changes. It empties the change
// log and moves both its next position and the retention floor restartGap
// past the last one, so that every earlier cursor is below the floor
// (RESET_REQUIRED: the phone syncs afresh from the restored data). Run it
// with no server on the database: a running one keeps the log's head in
// memory. It returns the new floor.
func (db *DB) RestartChangeLog(ctx context.Context) (int64, error) {
	var floor int64
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		var last, cur int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0), floor_seq FROM sync_state WHERE id = 1`).Scan(&last, &cur); err != nil {
			return err
		}
		floor = max(last, cur) + restartGap
		if _, err := tx.ExecContext(ctx, `DELETE FROM changes`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sync_state SET floor_seq = ? WHERE id = 1`, floor); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sqlite_sequence WHERE name = 'changes'`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES ('changes', ?)`, floor)
		return err
	})
	if err != nil {
		return 0, err
	}
	return floor, nil // WriteTx has moved the in-memory head to it
}
