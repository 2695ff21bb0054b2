package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/kabinet/kabinet/app"
)

type serveCmd struct {
	Addr string `placeholder:"ADDR" help:"Listen address (overrides KABINET_ADDR)."`
	DB   string `name:"db" placeholder:"FILE" help:"SQLite database file (overrides KABINET_DB)."`
	Demo bool   `help:"On an empty database, create a demo organisation and print its API key and activation codes."`
}

// Run checks everything that can be checked before touching the database
// (configuration, database path, the port), then serves until the context
// ends.
func (c *serveCmd) Run(e *runEnv) error {
	o, err := e.config(c.Addr, c.DB)
	if err != nil {
		return err
	}
	if err := checkDBPath(o.DB); err != nil {
		return err
	}
	if err := checkAddr(o.Addr); err != nil {
		return err
	}
	if o.MemoryLimit > 0 {
		debug.SetMemoryLimit(o.MemoryLimit)
	}
	logger := slog.New(slog.NewJSONHandler(e.stdout, &slog.HandlerOptions{Level: o.LogLevel}))
	if o.PprofAddr != "" {
		if err := servePprof(e.ctx, o.PprofAddr, logger); err != nil {
			return fmt.Errorf("KABINET_PPROF_ADDR=%s: %w", o.PprofAddr, err)
		}
	}
	if c.Demo && e.getenv("KABINET_ENV") == "" {
		o.Development = true // the demo is for exploring: IDE and introspection on
	}
	return serve(e.ctx, o.Config, c.Demo, logger, e.stdout)
}

func serve(ctx context.Context, cfg app.Config, demo bool, logger *slog.Logger, stdout io.Writer) error {
	a, err := app.New(ctx, cfg, demoOptions(cfg, demo, logger))
	if err != nil {
		return err
	}
	a.Registry.MustRegister(buildInfoCollector())
	if demo {
		if err := seedDemo(ctx, a, stdout); err != nil {
			a.Close()
			return fmt.Errorf("demo: %w", err)
		}
	}
	if err := a.Start(); err != nil {
		a.Close()
		return addrError(cfg.Addr, err)
	}
	logger.Info("kabinet started", "version", buildVersion().Version, "commit", buildVersion().Commit)
	<-ctx.Done()
	logger.Info("shutting down: finishing in-flight requests")
	return a.Close()
}
