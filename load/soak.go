package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SoakConfig configures the soak scenario.
type SoakConfig struct {
	// Duration is the soak itself (--soak-duration); a clean run of
	// Config.Duration comes first, for comparison.
	Duration time.Duration
	// HostileRate is how many hostile requests a second run in the
	// background (--hostile-rate), the shapes taking turns.
	HostileRate float64
	// Shapes are the hostile shapes used (--hostile); empty: all of them.
	Shapes []string
	// RSSEvery is how often the server's RSS is recorded during the soak.
	RSSEvery time.Duration
	// BombDepth is the fragment bomb's depth (--bomb-depth; 2^depth spreads).
	BombDepth int
	// Aliases is how many setupQuickLogin one aliased request carries.
	Aliases int
}

// HostileShapes are the kinds of hostile request the soak sends, the ones
// that cost a server more than they cost the sender or hurt someone else:
//
//   - fragment-bomb: an anonymous ~1 kB document whose fragments each spread
//     the next one twice, SoakConfig.BombDepth levels deep;
//   - large-invalid: a 1 MB query that does not parse (a long comment, then
//     an unclosed selection), with a persisted-query hash, so that a cache
//     could keep it;
//   - aliased-mutations: SoakConfig.Aliases aliased setupQuickLogin (a PIN
//     hash each) with the attacker's own valid employee token;
//   - challenge-flood: 20 quickLoginChallenge for random devices and the
//     victim's device;
//   - wrong-password: a sign-in with the victim's login, a wrong password and
//     a device the victim never used.
var HostileShapes = []string{"fragment-bomb", "large-invalid", "aliased-mutations", "challenge-flood", "wrong-password"}

// RSSPoint is the server's RSS at a moment of the soak.
type RSSPoint struct {
	Seconds float64 `json:"s"`
	MB      float64 `json:"mb"`
}

// Soak runs sync-idle on the legitimate phones for cfg.Duration (clean), then
// for cfg.Soak.Duration with hostile requests in the background. The
// victim, whose login the attacker tries, signs in with its own password
// on its own device every two seconds in both runs. It returns the clean
// run, the soak, the victim's sign-ins during the soak, one summary per
// hostile shape, and the RSS over the soak.
func Soak(ctx context.Context, c *Client, cfg Config, org *Org, rate float64, w *rssWatch) ([]Summary, []RSSPoint, error) {
	if len(org.Phones) < 3 {
		return nil, nil, fmt.Errorf("the soak needs at least 3 employees (got %d)", len(org.Phones))
	}
	shapes := cfg.Soak.Shapes
	if len(shapes) == 0 {
		shapes = HostileShapes
	}
	for _, s := range shapes {
		if !slices.Contains(HostileShapes, s) {
			return nil, nil, fmt.Errorf("unknown hostile shape %q (have %s)", s, strings.Join(HostileShapes, ", "))
		}
	}
	attacker, victim := org.Phones[len(org.Phones)-1], org.Phones[len(org.Phones)-2]
	legit := org.Phones[:len(org.Phones)-2]

	victimRun := func(ctx context.Context, st *Stats) {
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for first := true; ; first = false {
			if !first {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
			t0 := time.Now()
			err := signIn(ctx, c, victim, victim.Password, victim.DeviceID)
			if ctx.Err() == nil {
				st.Record(time.Since(t0), err)
			}
		}
	}
	phase := func(name string, d time.Duration, background func(context.Context)) (Summary, Summary) {
		vctx, stop := context.WithCancel(ctx)
		vst := NewStats()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); victimRun(vctx, vst) }()
		go func() { defer wg.Done(); background(vctx) }()
		s := syncIdle(ctx, c, cfg, legit, name, d, rate)
		stop()
		wg.Wait()
		vst.Stop()
		return s, vst.Summarize(name+":victim-login", 1)
	}

	clean, cleanVictim := phase("soak-clean", cfg.Duration, func(context.Context) {})

	hostile := map[string]*Stats{}
	for _, s := range shapes {
		hostile[s] = NewStats()
	}
	var skipped atomic.Int64
	var series []RSSPoint
	start := time.Now()
	hc := NewClient(cfg.targets()[0], 8)
	soak, soakVictim := phase("soak", cfg.Soak.Duration, func(phaseCtx context.Context) {
		// A hostile request may outlive the phase (up to a minute each), so
		// that each is recorded with its outcome: a slow one is the finding.
		ctx := context.WithoutCancel(phaseCtx)
		var wg sync.WaitGroup
		defer wg.Wait()
		sem := make(chan struct{}, 4) // at most 4 hostile requests at once: a slow shape is skipped, not piled up
		every := time.Duration(float64(time.Second) / cfg.Soak.HostileRate)
		tick, rss := time.NewTicker(every), time.NewTicker(cfg.Soak.RSSEvery)
		defer tick.Stop()
		defer rss.Stop()
		series = append(series, RSSPoint{0, w.now(ctx)})
		for i := 0; ; i++ {
			select {
			case <-phaseCtx.Done():
				return
			case <-rss.C:
				p := RSSPoint{time.Since(start).Seconds(), w.now(ctx)}
				series = append(series, p)
				fmt.Fprintf(cfg.Out, "  soak RSS %6.0fs  %.1f MB\n", p.Seconds, p.MB)
				i--
				continue
			case <-tick.C:
			}
			shape := shapes[i%len(shapes)]
			select {
			case sem <- struct{}{}:
			default:
				// This tick is skipped; the shape keeps its turn, so that
				// on a starved machine every shape is still sent.
				skipped.Add(1)
				i--
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				ctx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				t0 := time.Now()
				err := sendHostile(ctx, hc, cfg.Soak, shape, attacker, victim)
				hostile[shape].Record(time.Since(t0), err)
			}()
		}
	})
	series = append(series, RSSPoint{time.Since(start).Seconds(), w.now(ctx)})

	if clean.P99ms > 0 {
		soak.Extra["p99_vs_clean"] = soak.P99ms / clean.P99ms
	}
	soak.Extra["hostile_skipped_busy"] = float64(skipped.Load())
	first, peak, last := series[0].MB, 0.0, series[len(series)-1].MB
	for _, p := range series {
		peak = max(peak, p.MB)
	}
	soak.Extra["rss_first_mb"], soak.Extra["rss_peak_mb"], soak.Extra["rss_last_mb"] = first, peak, last
	out := []Summary{clean, cleanVictim, soak, soakVictim}
	for _, s := range shapes {
		hostile[s].Stop()
		out = append(out, hostile[s].Summarize("hostile:"+s, 1))
	}
	return out, series, nil
}

// signIn signs p in with a password on a device; the session it gets is
// dropped (the phone keeps syncing with its own).
func signIn(ctx context.Context, c *Client, p *Phone, password, device string) error {
	return p.on(c).Do(ctx, "", `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`,
		map[string]any{"in": map[string]any{"login": p.Login, "password": password,
			"device": map[string]any{"id": device, "platform": p.Platform, "model": "Load phone"}}}, nil)
}

// sendHostile sends one request of the shape. Errors are the expected
// outcome of most; the soak reports them by code.
func sendHostile(ctx context.Context, c *Client, cfg SoakConfig, shape string, attacker, victim *Phone) error {
	switch shape {
	case "fragment-bomb":
		return c.Do(ctx, "", fragmentBomb(cfg.BombDepth), nil, nil)
	case "large-invalid":
		// Not 1 MB of fields: a long selection of one name is a different
		// attack (validation compares fields pairwise) that the server
		// should refuse by size first.
		q := "# " + randomHex(8) + strings.Repeat(" padding", 1<<20/8) + "\nquery { __typename"
		return c.DoExtensions(ctx, "", q, nil, map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(q)}}, nil)
	case "aliased-mutations":
		var b strings.Builder
		b.WriteString("mutation {")
		for i := range cfg.Aliases {
			fmt.Fprintf(&b, ` a%d: setupQuickLogin(input: {method: PIN, pin: "4827"}) { deviceSecret }`, i)
		}
		b.WriteString(" }")
		attacker.mu.Lock()
		token := attacker.Access
		attacker.mu.Unlock()
		return c.Do(ctx, token, b.String(), nil, nil)
	case "challenge-flood":
		var first error
		for i := range 20 {
			device := "stranger-" + randomHex(8)
			if i%4 == 0 {
				device = victim.DeviceID
			}
			err := c.Do(ctx, "", `mutation($d: String!) { quickLoginChallenge(deviceId: $d) { challenge } }`, map[string]any{"d": device}, nil)
			if first == nil {
				first = err
			}
		}
		return first
	case "wrong-password":
		return signIn(ctx, c, victim, "wrong-"+randomHex(4), "stranger-"+randomHex(8))
	}
	return fmt.Errorf("unknown hostile shape %q", shape)
}

// fragmentBomb is a document of depth fragments, each spreading the next
// twice: 2^depth spreads if expanded, about 60 bytes a level.
func fragmentBomb(depth int) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }")
	for i := range depth {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Query { __typename }", depth)
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
