package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/postgres"
	"github.com/kabinet/kabinet/sqlite"
)

type migrateCmd struct {
	DB     string `name:"db" placeholder:"FILE|URL" help:"SQLite database file or postgres:// URL (overrides KABINET_DB)."`
	Status bool   `help:"List every migration as applied or pending, and change nothing."`
}

// Run applies the pending migrations and says which were new and which
// were already applied.
func (c *migrateCmd) Run(e *runEnv) error {
	o, err := e.config("", c.DB)
	if err != nil {
		return err
	}
	status := sqlite.MigrationStatus
	if postgres.IsDSN(o.DB) {
		status = postgres.MigrationStatus
	}
	before, err := status(e.ctx, o.DB)
	if err != nil {
		return err
	}
	if c.Status {
		tw := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', 0)
		pending := 0
		for _, m := range before {
			state := "pending"
			if m.Applied {
				state = "applied " + m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
			} else {
				pending++
			}
			fmt.Fprintf(tw, "%s\t%s\n", m.Name, state)
		}
		tw.Flush()
		fmt.Fprintf(e.stdout, "%s: %d applied, %d pending\n", postgres.Redact(o.DB), len(before)-pending, pending)
		return nil
	}
	if err := checkDBPath(o.DB); err != nil {
		return err
	}
	db, err := app.OpenStore(e.ctx, o.DB, nil, 1)
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	var applied, already []string
	for _, m := range before {
		if m.Applied {
			already = append(already, m.Name)
		} else {
			applied = append(applied, m.Name)
		}
	}
	for _, name := range applied {
		fmt.Fprintf(e.stdout, "applied  %s\n", name)
	}
	if len(already) > 0 {
		fmt.Fprintf(e.stdout, "already applied: %d (%s … %s)\n", len(already), already[0], already[len(already)-1])
	}
	fmt.Fprintf(e.stdout, "%s: %d new, %d already applied\n", postgres.Redact(o.DB), len(applied), len(already))
	return nil
}

type backupCmd struct {
	DB string `name:"db" placeholder:"FILE" help:"SQLite database file to copy (overrides KABINET_DB)."`
	To string `required:"" placeholder:"FILE" help:"The new file to write the copy to (must not exist)."`
}

// Run copies the database while the server may go on writing to it.
func (c *backupCmd) Run(e *runEnv) error {
	o, err := e.config("", c.DB)
	if err != nil {
		return err
	}
	if isURL(o.DB) {
		return errors.New("kabinet backup copies a SQLite database; for PostgreSQL use pg_dump (docs/deploy.md, Backups)")
	}
	if err := sqlite.Backup(e.ctx, o.DB, c.To); err != nil {
		return err
	}
	st, err := os.Stat(c.To)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s: consistent copy written to %s (%d bytes, integrity ok)\n"+
		"Keep KABINET_SECRET with it if you set one; without it the copy's tokens, cursors and codes do not verify.\n", o.DB, c.To, st.Size())
	return err
}

type restoreCmd struct {
	DB    string `name:"db" placeholder:"FILE" help:"The SQLite database file to replace (overrides KABINET_DB)."`
	From  string `required:"" placeholder:"FILE" help:"The backup to restore (made by kabinet backup)."`
	Force bool   `help:"Restore although a -wal file beside the database says a server has it open (or crashed)."`
}

// Run puts a backup in place of the database, with the server stopped: the
// current file is kept beside it, the backup's integrity is checked, and
// the sync change log restarts past every cursor issued so far, so that
// phones that synced after the backup was taken start afresh
// (RESET_REQUIRED) instead of missing the changes the restored database
// will number again.
func (c *restoreCmd) Run(e *runEnv) error {
	o, err := e.config("", c.DB)
	if err != nil {
		return err
	}
	if isURL(o.DB) {
		return errors.New("kabinet restore is for SQLite; for PostgreSQL use pg_restore (docs/deploy.md, Backups)")
	}
	if err := checkDBPath(o.DB); err != nil {
		return err
	}
	if _, err := os.Stat(o.DB + "-wal"); err == nil && !c.Force {
		return fmt.Errorf("%s-wal exists: a server has the database open; stop it first (if it crashed, the file holds its last commits: --force discards them)", o.DB)
	}
	tmp := o.DB + ".restoring"
	os.Remove(tmp)
	if err := sqlite.Backup(e.ctx, c.From, tmp); err != nil { // a checked copy of the backup
		return err
	}
	kept := ""
	if _, err := os.Stat(o.DB); err == nil {
		kept = o.DB + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(o.DB, kept); err != nil {
			return err
		}
	}
	os.Remove(o.DB + "-wal")
	os.Remove(o.DB + "-shm")
	if err := os.Rename(tmp, o.DB); err != nil {
		return err
	}
	db, err := sqlite.Open(e.ctx, o.DB, nil) // applies the migrations a backup of an older version lacks
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.RestartChangeLog(e.ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s restored from %s; phones will sync afresh (their cursors answer RESET_REQUIRED).\n", o.DB, c.From)
	if kept != "" {
		fmt.Fprintf(e.stdout, "The database it replaced is kept as %s.\n", kept)
	}
	return nil
}

type orgCmd struct {
	List orgListCmd `cmd:"" help:"List the organisations: id, name, time zone."`
	Key  orgKeyCmd  `cmd:"" help:"Issue a new API key for an organisation (a lost key cannot be recovered; the old ones stay valid)."`
}

type orgListCmd struct {
	DB string `name:"db" placeholder:"FILE" help:"SQLite database file (overrides KABINET_DB)."`
}

type orgKeyCmd struct {
	DB  string `name:"db" placeholder:"FILE" help:"SQLite database file (overrides KABINET_DB)."`
	Org string `required:"" placeholder:"ID" help:"The organisation's id (kabinet org list)."`
}

// openApp builds the app without serving, for an operator task on the same
// store the server uses.
func (e *runEnv) openApp(db string) (*app.App, error) {
	o, err := e.config("", db)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(o.DB); err != nil && !isURL(o.DB) {
		return nil, fmt.Errorf("KABINET_DB=%s: no database there: point KABINET_DB (--db) at the server's database", o.DB)
	}
	return app.New(e.ctx, o.Config, app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), NoDispatcher: true})
}

func (c *orgListCmd) Run(e *runEnv) error {
	a, err := e.openApp(c.DB)
	if err != nil {
		return err
	}
	defer a.Close()
	orgs, err := a.Tenancy.Organizations(e.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTIMEZONE\tCREATED")
	for _, org := range orgs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", org.ID, org.Name, org.Timezone, org.CreatedAt.UTC().Format("2006-01-02"))
	}
	return tw.Flush()
}

func (c *orgKeyCmd) Run(e *runEnv) error {
	a, err := e.openApp(c.DB)
	if err != nil {
		return err
	}
	defer a.Close()
	key, err := a.Tenancy.IssueAPIKey(e.ctx, c.Org)
	if err != nil {
		return fmt.Errorf("org %s: %w", strings.TrimSpace(c.Org), err)
	}
	_, err = fmt.Fprintf(e.stdout, "New API key for %s (shown once; the earlier keys stay valid):\n\n    export KABINET_KEY=%s\n\n", c.Org, key)
	return err
}

type healthcheckCmd struct {
	URL     string        `default:"http://127.0.0.1:8080/readyz" help:"The readiness URL to probe."`
	Timeout time.Duration `default:"3s" help:"How long to wait for the answer."`
}

// Run probes the readiness endpoint, for a container's HEALTHCHECK (the
// image has no curl): exit 0 on 200, 1 otherwise.
func (c *healthcheckCmd) Run(e *runEnv) error {
	ctx, cancel := context.WithTimeout(e.ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %v", c.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s %s", c.URL, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
