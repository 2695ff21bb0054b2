package load

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
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
	// RSSIdleMB is read after the run and a quiet pause (--settle): the
	// server should be back near its start (no leak).
	RSSIdleMB float64   `json:"rss_after_idle_mb"`
	Settle    string    `json:"settle"`
	Scenarios []Summary `json:"scenarios"`
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
	fs.DurationVar(&cfg.Settle, "settle", 20*time.Second, "quiet pause after the run before the last RSS reading")
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
		fmt.Fprintf(out, "\nserver RSS: %.1f MB at start, %.1f MB peak, %.1f MB at the end, %.1f MB after %s idle\n",
			rep.RSSStartMB, rep.RSSPeakMB, rep.RSSEndMB, rep.RSSIdleMB, rep.Settle)
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
	rep.Settle = cfg.Settle.String()
	w := watchRSS(ctx, c)
	rep.RSSStartMB = w.now(ctx)
	finish := func() {
		w.stop()
		rep.RSSPeakMB = max(w.overall(), rep.RSSStartMB)
		rep.RSSEndMB = w.now(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(cfg.Settle):
		}
		rep.RSSIdleMB = w.now(ctx)
	}
	org, err := Setup(ctx, c, cfg)
	if err != nil {
		finish()
		return rep, err
	}
	if scenario == "all" || scenario == "sync-idle" {
		w.reset()
		base := Baseline(ctx, c, cfg)
		base.Extra["server_rss_peak_mb"] = w.peak()
		w.reset()
		idle := SyncIdle(ctx, c, cfg, org, base)
		idle.Extra["server_rss_peak_mb"] = w.peak()
		rep.Scenarios = append(rep.Scenarios, base, idle)
	}
	if scenario == "all" || scenario == "payday" {
		w.reset()
		s, err := Payday(ctx, c, cfg, org)
		s.Extra["server_rss_peak_mb"] = w.peak()
		rep.Scenarios = append(rep.Scenarios, s)
		if err != nil {
			finish()
			return rep, err
		}
	}
	if scenario == "all" || scenario == "login" {
		w.reset()
		s, err := Login(ctx, c, cfg, org)
		if err != nil {
			finish()
			return rep, err
		}
		s.Extra["server_rss_peak_mb"] = w.peak()
		rep.Scenarios = append(rep.Scenarios, s)
	}
	finish()
	return rep, nil
}

// rssWatch samples the server's RSS four times a second.
type rssWatch struct {
	c      *Client
	mu     sync.Mutex
	max    float64 // since the last reset
	all    float64 // over the whole run
	cancel context.CancelFunc
}

func watchRSS(ctx context.Context, c *Client) *rssWatch {
	w := &rssWatch{c: c}
	ctx, w.cancel = context.WithCancel(ctx)
	go func() {
		for ctx.Err() == nil {
			r := w.now(ctx)
			w.mu.Lock()
			w.max, w.all = max(w.max, r), max(w.all, r)
			w.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *rssWatch) now(ctx context.Context) float64 { return float64(w.c.RSS(ctx)) / (1 << 20) }
func (w *rssWatch) stop()                           { w.cancel() }
func (w *rssWatch) reset()                          { w.mu.Lock(); w.max = 0; w.mu.Unlock() }
func (w *rssWatch) peak() float64                   { w.mu.Lock(); defer w.mu.Unlock(); return w.max }
func (w *rssWatch) overall() float64                { w.mu.Lock(); defer w.mu.Unlock(); return w.all }
