package load

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// Report is the whole run, as --json writes it.
type Report struct {
	Target      string    `json:"target"`
	Employees   int       `json:"employees"`
	Months      int       `json:"months"`
	Concurrency int       `json:"concurrency"`
	StartedAt   time.Time `json:"started_at"`
	RSSStartMB  float64   `json:"rss_start_mb"`
	RSSPeakMB   float64   `json:"rss_peak_mb"`
	RSSEndMB    float64   `json:"rss_end_mb"`
	Scenarios   []Summary `json:"scenarios"`
}

// Main parses the command line and runs the harness.
func Main(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("kabinet-load", flag.ContinueOnError)
	fs.SetOutput(out)
	cfg := Config{Out: out, Now: time.Now()}
	var scenario, jsonPath string
	fs.StringVar(&cfg.Target, "target", "http://127.0.0.1:8080", "the server's base URL")
	fs.StringVar(&cfg.BootstrapToken, "bootstrap-token", getenv("KABINET_BOOTSTRAP_TOKEN"), "the server's operator token")
	fs.IntVar(&cfg.Employees, "employees", 2000, "employees (one phone each)")
	fs.IntVar(&cfg.Months, "months", 12, "months of payslips published before the run")
	fs.IntVar(&cfg.Concurrency, "concurrency", 200, "concurrent phones")
	fs.DurationVar(&cfg.Duration, "duration", 20*time.Second, "how long each scenario runs")
	fs.StringVar(&scenario, "scenario", "all", "all, sync-idle, payday or login")
	fs.StringVar(&jsonPath, "json", "", "also write the summary as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.BootstrapToken == "" {
		return errors.New("the operator token is needed: set KABINET_BOOTSTRAP_TOKEN or --bootstrap-token")
	}
	if cfg.Employees < 1 || cfg.Concurrency < 1 || cfg.Months < 1 {
		return errors.New("--employees, --concurrency and --months must be positive")
	}
	rep, err := Run(ctx, cfg, scenario)
	if rep != nil {
		fmt.Fprintf(out, "\nserver RSS: %.1f MB at start, %.1f MB peak, %.1f MB at the end\n", rep.RSSStartMB, rep.RSSPeakMB, rep.RSSEndMB)
		for _, s := range rep.Scenarios {
			s.Print(out)
		}
		if jsonPath != "" {
			b, _ := json.MarshalIndent(rep, "", "  ")
			if werr := os.WriteFile(jsonPath, b, 0o644); werr != nil {
				return werr
			}
		}
	}
	return err
}

// Run sets up the organisation and runs the scenarios.
func Run(ctx context.Context, cfg Config, scenario string) (*Report, error) {
	switch scenario {
	case "all", "sync-idle", "payday", "login":
	default:
		return nil, fmt.Errorf("unknown scenario %q", scenario)
	}
	c := NewClient(cfg.Target, cfg.Concurrency)
	rep := &Report{Target: cfg.Target, Employees: cfg.Employees, Months: cfg.Months, Concurrency: cfg.Concurrency, StartedAt: time.Now().UTC()}
	mb := func(b int64) float64 { return float64(b) / (1 << 20) }
	rep.RSSStartMB = mb(c.RSS(ctx))
	peak := rep.RSSStartMB
	watch, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() {
		for watch.Err() == nil {
			if r := mb(c.RSS(watch)); r > peak {
				peak = r
			}
			select {
			case <-watch.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	finish := func() {
		stopWatch()
		rep.RSSPeakMB = max(peak, rep.RSSStartMB)
		rep.RSSEndMB = mb(c.RSS(ctx))
	}
	org, err := Setup(ctx, c, cfg)
	if err != nil {
		finish()
		return rep, err
	}
	if scenario == "all" || scenario == "sync-idle" {
		base := Baseline(ctx, c, cfg)
		rep.Scenarios = append(rep.Scenarios, base, SyncIdle(ctx, c, cfg, org, base))
	}
	if scenario == "all" || scenario == "payday" {
		s, err := Payday(ctx, c, cfg, org)
		rep.Scenarios = append(rep.Scenarios, s)
		if err != nil {
			finish()
			return rep, err
		}
	}
	if scenario == "all" || scenario == "login" {
		s, err := Login(ctx, c, cfg, org)
		if err != nil {
			finish()
			return rep, err
		}
		rep.Scenarios = append(rep.Scenarios, s)
	}
	finish()
	return rep, nil
}
