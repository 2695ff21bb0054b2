// Command kabinet runs the Kabinet server and its operator tasks:
//
//	kabinet serve [--demo] [--addr ADDR] [--db FILE]
//	kabinet migrate [--status] [--db FILE]
//	kabinet backup --to FILE [--db FILE]
//	kabinet restore --from FILE [--db FILE]
//	kabinet migrate-store --from FILE --to postgres://…
//	kabinet org list | kabinet org key --org ID
//	kabinet import --url URL --employees FILE --payslips FILE ...
//	kabinet version
//	kabinet healthcheck [--url http://127.0.0.1:8080/readyz]
//
// Configuration comes from the environment (the table in settings.go, which
// `kabinet --help` prints); flags override it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

// defaultMemoryLimit is the Go runtime's soft memory limit when neither
// KABINET_MEMORY_LIMIT nor GOMEMLIMIT is set: the GC works harder as the heap
// nears it and returns memory to the OS, so that bursts (argon2 hashing in a
// sign-in storm holds 9 MiB per hash) do not leave the process large. It is
// a target, not a cap.
const defaultMemoryLimit = 128 << 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kabinet:", err)
		os.Exit(1)
	}
}

// cli is the command line. kong (rather than cobra) because commands,
// flags and their help are declared once as struct tags, with no registration
// code, and its help printer can be extended with the environment table.
type cli struct {
	Serve   serveCmd   `cmd:"" help:"Run the server."`
	Migrate migrateCmd `cmd:"" help:"Apply the database migrations and exit; --status only lists them."`
	Backup  backupCmd  `cmd:"" help:"Copy a live SQLite database, consistently, to a new file."`
	Restore restoreCmd `cmd:"" help:"Put a backup in place of the database (server stopped); phones then sync afresh."`
	// MigrateStore moves a SQLite deployment to PostgreSQL.
	MigrateStore migrateStoreCmd `cmd:"" name:"migrate-store" help:"Copy a SQLite database into an empty PostgreSQL database, verified by row counts and checksums."`
	Org          orgCmd          `cmd:"" help:"Operator tasks on organisations (list, issue a new API key)."`
	HRUser       hrUserCmd       `cmd:"" name:"hr-user" help:"Operator tasks on HR console users (add)."`
	Import       importCmd       `cmd:"" help:"Publish departments, employees, payslips, leave balances and vacations from CSV files (docs/import.md)."`
	Version      versionCmd      `cmd:"" help:"Print the version, the commit and the Go version."`
	// Healthcheck is for a container's HEALTHCHECK; the image has no curl.
	Healthcheck healthcheckCmd `cmd:"" help:"Exit 0 if the server's /readyz answers 200 (for container health checks)."`
}

// runEnv is what every command's Run receives.
type runEnv struct {
	ctx    context.Context
	getenv func(string) string
	stdout io.Writer
}

// exitCode carries kong's exit (after --help, or a usage error) out of
// Parse without ending the process, so that tests can call run.
type exitCode int

// run is main without the process: tests call it with their own environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (err error) {
	var c cli
	p, err := kong.New(&c,
		kong.Name("kabinet"),
		kong.Description("Kabinet: the GraphQL backend of an employee self-service phone app."),
		kong.Writers(stdout, stdout),
		kong.Exit(func(code int) { panic(exitCode(code)) }),
		kong.Help(helpWithSettings),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			code, ok := r.(exitCode)
			if !ok {
				panic(r)
			}
			if code != 0 {
				err = fmt.Errorf("exit status %d", code)
			}
		}
	}()
	kctx, err := p.Parse(args)
	if err != nil {
		return fmt.Errorf("%w (see kabinet --help)", err)
	}
	return kctx.Run(&runEnv{ctx: ctx, getenv: getenv, stdout: stdout})
}

// helpWithSettings is kong's help followed, for the root and serve, by every
// environment variable with its default.
func helpWithSettings(opts kong.HelpOptions, ctx *kong.Context) error {
	if err := kong.DefaultHelpPrinter(opts, ctx); err != nil {
		return err
	}
	if sel := ctx.Selected(); sel == nil || sel.Name == "serve" {
		printSettings(ctx.Stdout)
	}
	return nil
}

// config reads the environment, then the flags that override it.
func (e *runEnv) config(addr, db string) (options, error) {
	o, err := configFromEnv(e.getenv)
	if err != nil {
		return o, err
	}
	if addr != "" {
		o.Addr = addr
	}
	if db != "" {
		o.DB = db
	}
	return o, o.Validate()
}
