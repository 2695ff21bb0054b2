package load

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
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
	// Rate is the open loop's rate as asked (--rate); empty: closed loop only.
	Rate string `json:"rate,omitempty"`
	// SoakRSS is the server's RSS over the soak (the first instance's; the
	// largest of them with several).
	SoakRSS []RSSPoint `json:"soak_rss,omitempty"`
}

// Main parses the command line and runs the harness.
func Main(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("kabinet-load", flag.ContinueOnError)
	fs.SetOutput(out)
	cfg := Config{Out: out, Now: time.Now()}
	var scenario, jsonPath, rate, shapes string
	fs.StringVar(&cfg.Target, "target", "http://127.0.0.1:8080", "the server's base URL, or several instances' separated by commas (phones spread over them, publication through the first)")
	fs.StringVar(&cfg.Metrics, "metrics", "", "where each instance serves /metrics (its KABINET_METRICS_ADDR, e.g. http://127.0.0.1:9090), comma-separated as --target; the RSS figures come from there")
	fs.StringVar(&cfg.BootstrapToken, "bootstrap-token", getenv("KABINET_BOOTSTRAP_TOKEN"), "the server's operator token")
	fs.IntVar(&cfg.Employees, "employees", 2000, "employees (one phone each)")
	fs.IntVar(&cfg.Months, "months", 12, "months of payslips published before the run")
	fs.IntVar(&cfg.Concurrency, "concurrency", 200, "concurrent phones")
	fs.DurationVar(&cfg.Duration, "duration", 20*time.Second, "how long each scenario runs")
	fs.StringVar(&scenario, "scenario", "all", "all, sync-idle, payday, login, dispatch or soak, or several separated by commas run in the order sync-idle, dispatch, payday, login, soak (all: all but soak; dispatch only with --push-fakes)")
	fs.StringVar(&cfg.Push.Dir, "push-fakes", "", "dispatch: start fake FCM and APNs, write their credentials and DIR/push.env (start the servers with those variables), then wait for the targets")
	fs.StringVar(&cfg.Push.FCMAddr, "fake-fcm", "127.0.0.1:0", "dispatch: the fake FCM's listen address")
	fs.StringVar(&cfg.Push.APNsAddr, "fake-apns", "127.0.0.1:0", "dispatch: the fake APNs's listen address")
	fs.DurationVar(&cfg.Push.Wait, "wait", 2*time.Minute, "with --push-fakes: how long to wait for the targets' /healthz")
	fs.DurationVar(&cfg.Push.Timeout, "dispatch-timeout", 2*time.Minute, "dispatch: how long to wait for every reminder to arrive")
	fs.StringVar(&rate, "rate", "", "also run healthz and sync-idle in an open loop at this many requests/s, or at this share of the closed loop's sync-idle rate (\"50%\")")
	fs.DurationVar(&cfg.Soak.Duration, "soak-duration", 10*time.Minute, "soak: how long the hostile background runs (after a clean run of --duration)")
	fs.Float64Var(&cfg.Soak.HostileRate, "hostile-rate", 1, "soak: hostile requests per second")
	fs.StringVar(&shapes, "hostile", "", "soak: comma-separated hostile shapes (default all: "+strings.Join(HostileShapes, ",")+")")
	fs.IntVar(&cfg.Soak.BombDepth, "bomb-depth", 24, "soak: levels of the fragment-spread bomb")
	fs.IntVar(&cfg.Soak.Aliases, "aliases", 100, "soak: aliased setupQuickLogin in one hostile request")
	fs.DurationVar(&cfg.Soak.RSSEvery, "soak-rss-every", 10*time.Second, "soak: how often the server's RSS is recorded")
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
	if cfg.Soak.HostileRate <= 0 || cfg.Soak.RSSEvery <= 0 {
		return errors.New("--hostile-rate and --soak-rss-every must be positive")
	}
	var err error
	if cfg.Rate, err = ParseRate(rate); err != nil {
		return err
	}
	if shapes != "" {
		cfg.Soak.Shapes = strings.Split(shapes, ",")
	}
	rep, err := Run(ctx, cfg, scenario)
	if rep != nil {
		fmt.Fprintf(out, "\nserver RSS: %.1f MB at start, %.1f MB peak, %.1f MB at the end, %.1f MB after %s idle\n",
			rep.RSSStartMB, rep.RSSPeakMB, rep.RSSEndMB, rep.RSSIdleMB, rep.Settle)
		for _, s := range rep.Scenarios {
			s.Print(out)
		}
		if len(rep.SoakRSS) > 0 {
			fmt.Fprint(out, "soak RSS (s: MB):")
			for _, p := range rep.SoakRSS {
				fmt.Fprintf(out, " %.0f: %.1f", p.Seconds, p.MB)
			}
			fmt.Fprintln(out)
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
	want, err := scenarios(scenario, cfg.Push.Dir != "")
	if err != nil {
		return nil, err
	}
	cfg.Out = &lockedWriter{w: cfg.Out} // progress lines come from several goroutines
	var fakes *PushFakes
	if cfg.Push.Dir != "" {
		if fakes, err = StartPushFakes(cfg.Push.Dir, cfg.Push.FCMAddr, cfg.Push.APNsAddr); err != nil {
			return nil, err
		}
		defer fakes.Close()
		fmt.Fprintf(cfg.Out, "push fakes up; start the server(s) with the variables in %s:\n", fakes.EnvFile)
		for _, k := range slices.Sorted(maps.Keys(fakes.Env)) {
			fmt.Fprintf(cfg.Out, "  %s=%s\n", k, fakes.Env[k])
		}
	}
	var instances []*Client
	for _, t := range cfg.targets() {
		instances = append(instances, NewClient(t, cfg.Concurrency))
	}
	for i, m := range strings.Split(cfg.Metrics, ",") {
		if i < len(instances) {
			instances[i].Metrics = strings.TrimSpace(m)
		}
	}
	c := instances[0]
	if fakes != nil {
		if err := waitUp(ctx, instances, cfg.Push.Wait); err != nil {
			return nil, err
		}
	}
	rep := &Report{Target: cfg.Target, Employees: cfg.Employees, Months: cfg.Months, Concurrency: cfg.Concurrency, StartedAt: time.Now().UTC()}
	rep.Settle = cfg.Settle.String()
	if cfg.Rate.Open() {
		rep.Rate = cfg.Rate.String()
	}
	w := watchRSS(ctx, instances)
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
	if want["sync-idle"] {
		// Each sync-idle run beside a /healthz run of the same kind.
		sideBySide := func(rate float64) Summary {
			w.reset()
			cpu := serverCPU(ctx, instances)
			base := Baseline(ctx, c, cfg, rate)
			cpu.per(ctx, &base)
			base.Extra["server_rss_peak_mb"] = w.peak()
			w.reset()
			cpu = serverCPU(ctx, instances)
			idle := SyncIdle(ctx, c, cfg, org, base, rate)
			cpu.per(ctx, &idle)
			if b := base.Extra["server_cpu_us_per_request"]; b > 0 {
				// What the ratio would be if the load generator cost nothing.
				idle.Extra["server_cpu_ratio_healthz_to_sync"] = b / idle.Extra["server_cpu_us_per_request"]
			}
			idle.Extra["server_rss_peak_mb"] = w.peak()
			rep.Scenarios = append(rep.Scenarios, base, idle)
			return idle
		}
		closed := sideBySide(0)
		if cfg.Rate.Open() {
			sideBySide(cfg.Rate.of(closed.RPS))
		}
	}
	// measure runs one scenario with the servers' CPU and peak RSS beside it.
	measure := func(name string, fn func() (Summary, error)) error {
		if !want[name] {
			return nil
		}
		w.reset()
		cpu := serverCPU(ctx, instances)
		s, err := fn()
		cpu.per(ctx, &s)
		s.Extra["server_rss_peak_mb"] = w.peak()
		rep.Scenarios = append(rep.Scenarios, s)
		return err
	}
	// Dispatch before payday: it reminds of the latest month, which payday's
	// phones would have viewed. Payday then also sends its publication
	// notices to the registered tokens, as a real payday does.
	err = measure("dispatch", func() (Summary, error) { return Dispatch(ctx, c, cfg, org, fakes.Arrived, cfg.Push.Timeout) })
	if err == nil {
		err = measure("payday", func() (Summary, error) { return Payday(ctx, c, cfg, org) })
	}
	if err == nil {
		err = measure("login", func() (Summary, error) { return Login(ctx, c, cfg, org) })
	}
	if err != nil {
		finish()
		return rep, err
	}
	if want["soak"] {
		var saturation float64
		if cfg.Rate.Percent > 0 {
			idle := SyncIdle(ctx, c, cfg, org, Summary{}, 0)
			rep.Scenarios = append(rep.Scenarios, idle)
			saturation = idle.RPS
		}
		w.reset()
		ss, series, err := Soak(ctx, c, cfg, org, cfg.Rate.of(saturation), w)
		rep.Scenarios, rep.SoakRSS = append(rep.Scenarios, ss...), series
		if err != nil {
			finish()
			return rep, err
		}
	}
	finish()
	return rep, nil
}

// scenarios is the set named by the --scenario list; dispatch needs the
// push fakes.
func scenarios(list string, fakes bool) (map[string]bool, error) {
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		switch name = strings.TrimSpace(name); name {
		case "all":
			want["sync-idle"], want["payday"], want["login"], want["dispatch"] = true, true, true, fakes
		case "sync-idle", "payday", "login", "dispatch", "soak":
			want[name] = true
		default:
			return nil, fmt.Errorf("unknown scenario %q", name)
		}
	}
	if want["dispatch"] && !fakes {
		return nil, errors.New("the dispatch scenario needs --push-fakes DIR (the server must send to the harness's fake FCM and APNs)")
	}
	return want, nil
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// cpuMark is the servers' CPU time at the start of a scenario.
type cpuMark struct {
	cs      []*Client
	seconds float64
}

// serverCPU marks the CPU time the instances have used so far.
func serverCPU(ctx context.Context, cs []*Client) cpuMark {
	m := cpuMark{cs: cs}
	for _, c := range cs {
		m.seconds += c.CPU(ctx)
	}
	return m
}

// per records in s the servers' CPU time per request since the mark: on a
// shared machine a steadier measure of the server's cost than requests/s.
func (m cpuMark) per(ctx context.Context, s *Summary) {
	if s.Requests == 0 || m.seconds == 0 {
		return
	}
	used := serverCPU(ctx, m.cs).seconds - m.seconds
	s.Extra["server_cpu_us_per_request"] = used / float64(s.Requests) * 1e6
}

// rssWatch samples the server's RSS four times a second (the largest of
// the instances' when there are several).
type rssWatch struct {
	cs     []*Client
	mu     sync.Mutex
	max    float64 // since the last reset
	all    float64 // over the whole run
	cancel context.CancelFunc
}

func watchRSS(ctx context.Context, cs []*Client) *rssWatch {
	w := &rssWatch{cs: cs}
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

func (w *rssWatch) now(ctx context.Context) float64 {
	var most int64
	for _, c := range w.cs {
		most = max(most, c.RSS(ctx))
	}
	return float64(most) / (1 << 20)
}

func (w *rssWatch) stop()            { w.cancel() }
func (w *rssWatch) reset()           { w.mu.Lock(); w.max = 0; w.mu.Unlock() }
func (w *rssWatch) peak() float64    { w.mu.Lock(); defer w.mu.Unlock(); return w.max }
func (w *rssWatch) overall() float64 { w.mu.Lock(); defer w.mu.Unlock(); return w.all }
