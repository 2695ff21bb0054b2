package main

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"text/tabwriter"

	"github.com/kabinet/kabinet/postgres"
	"github.com/kabinet/kabinet/sqlite"
)

type migrateStoreCmd struct {
	From  string `required:"" placeholder:"FILE" help:"The SQLite database file to copy (stop the server first)."`
	To    string `required:"" placeholder:"URL" help:"The empty PostgreSQL database to copy into (postgres://…); migrated first."`
	Force bool   `help:"Copy although a -wal file beside the database says a server has it open: what it writes after the copy's snapshot is not copied."`
}

// Run copies a SQLite deployment into an empty PostgreSQL database in one
// transaction, verifies every table's row count and checksum before
// committing, and prints the comparison. Any difference rolls the copy back
// and fails the command.
func (c *migrateStoreCmd) Run(e *runEnv) error {
	if !postgres.IsDSN(c.To) {
		return fmt.Errorf("--to %s: expected a postgres:// or postgresql:// URL", c.To)
	}
	if isURL(c.From) {
		return fmt.Errorf("--from %s: expected a SQLite database file", postgres.Redact(c.From))
	}
	if st, err := os.Stat(c.From); err != nil || st.IsDir() {
		return fmt.Errorf("--from %s: not a SQLite database file (%v)", c.From, err)
	}
	if _, err := os.Stat(c.From + "-wal"); err == nil && !c.Force {
		return fmt.Errorf("%s-wal exists: a server has the database open, and what it writes after the copy would be left behind; stop it first (after a crash the file holds its last commits, which the copy includes: --force)", c.From)
	}
	// Bring the source to this version's schema first, as serve would: the
	// copy needs the same tables and columns on both sides.
	db, err := sqlite.Open(e.ctx, c.From, nil)
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	src, err := sql.Open("sqlite3", "file:"+c.From+"?"+url.Values{"mode": {"ro"}, "_busy_timeout": {"10000"}}.Encode())
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", c.From, err)
	}
	defer src.Close()
	rep, err := postgres.CopyFromSQLite(e.ctx, src, c.To)
	if errors.Is(err, postgres.ErrTargetNotEmpty) {
		return fmt.Errorf("%s: %w", postgres.Redact(c.To), err)
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "table\trows\tsha-256 (source)\tresult\n")
	for _, t := range rep.Tables {
		res := "ok"
		if !t.OK() {
			res = fmt.Sprintf("DIFFERS: target %d rows, sha-256 %.16s", t.TargetRows, t.TargetSum)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.16s\t%s\n", t.Table, t.SourceRows, t.SourceSum, res)
	}
	tw.Flush()
	if !rep.OK() {
		return fmt.Errorf("verification failed: nothing was committed to %s", postgres.Redact(c.To))
	}
	fmt.Fprintf(e.stdout, "%s → %s: %d tables copied and verified; change-log counters start at %d (floor %d).\n"+
		"Point KABINET_DB at the new database and keep KABINET_SECRET as it was.\n",
		c.From, postgres.Redact(c.To), len(rep.Tables), max(rep.Head, rep.Floor), rep.Floor)
	return nil
}
