// Command kabinet runs the Kabinet server.
//
//	kabinet serve [--demo] [--addr :8080] [--db kabinet.db]
//	kabinet migrate [--db kabinet.db]
//
// Configuration comes from the environment (CONTRACT.md); flags override it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/postgres"
	"github.com/kabinet/kabinet/push/providers"
)

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT
// is not set: the GC works harder as the heap nears it and returns memory to
// the OS, so that bursts (argon2 hashing in a sign-in storm holds 9 MiB per
// hash) do not leave the process large. It is a target, not a cap.
const defaultMemoryLimit = 128 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kabinet:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  kabinet serve [--demo] [--addr ADDR] [--db FILE]   run the server
  kabinet migrate [--db FILE]                        apply migrations and exit`

// run is main without the process: tests call it with their own environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (KABINET_ADDR)")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite database file or postgres:// URL (KABINET_DB)")
	demo := fs.Bool("demo", false, "on an empty database, create a demo organisation")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: logLevel(getenv("KABINET_LOG_LEVEL"))}))
	switch args[0] {
	case "migrate":
		db, err := app.OpenStore(ctx, cfg.DB, nil, 1)
		if err != nil {
			return err
		}
		defer db.Close()
		names, err := db.Migrations(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d migrations applied (latest %s)\n", postgres.Redact(cfg.DB), len(names), names[len(names)-1])
		return nil
	case "serve":
		if addr := getenv("KABINET_PPROF_ADDR"); addr != "" {
			if err := servePprof(ctx, addr, logger); err != nil {
				return err
			}
		}
		return serve(ctx, cfg, *demo, logger, stdout)
	default:
		return errors.New(usage)
	}
}

func serve(ctx context.Context, cfg app.Config, demo bool, logger *slog.Logger, stdout io.Writer) error {
	a, err := app.New(ctx, cfg, app.Options{Logger: logger})
	if err != nil {
		return err
	}
	if demo {
		if err := seedDemo(ctx, a, stdout); err != nil {
			a.Close()
			return fmt.Errorf("demo: %w", err)
		}
	}
	if err := a.Start(); err != nil {
		a.Close()
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down: finishing in-flight requests")
	return a.Close()
}

// configFromEnv reads the CONTRACT.md variables over the defaults.
func configFromEnv(getenv func(string) string) (app.Config, error) {
	cfg := app.DefaultConfig()
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("KABINET_ADDR", &cfg.Addr)
	str("KABINET_DB", &cfg.DB)
	str("KABINET_BOOTSTRAP_TOKEN", &cfg.BootstrapToken)
	str("KABINET_SECRET", &cfg.Secret)
	cfg.Push = providers.ConfigFromEnv(getenv)
	str("KABINET_SMTP_URL", &cfg.SMTPURL)
	str("KABINET_SMTP_FROM", &cfg.SMTPFrom)
	str("KABINET_SMS_WEBHOOK_URL", &cfg.SMSWebhookURL)
	for name, dst := range map[string]*int{"KABINET_MAX_BODY_BYTES": &cfg.BodyLimit, "KABINET_MAX_BATCH": &cfg.MaxBatch,
		"KABINET_SYNC_RETENTION_DAYS": &cfg.SyncRetentionDays,
		"KABINET_DB_MAX_CONNS":        &cfg.DBMaxConns} {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("%s=%q is not a number", name, v)
			}
			*dst = n
		}
	}
	return cfg, cfg.Validate()
}

func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}
