package load

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

const syncQuery = `query($c: String, $l: Int) { sync(cursor: $c, limit: $l) { payslips { id period viewedAt } deleted { type id } cursor hasMore } }`

type syncPage struct {
	Sync struct {
		Payslips []struct {
			ID, Period string
			ViewedAt   *string
		}
		Deleted []struct{ Type, ID string }
		Cursor  string
		HasMore bool
	}
}

// syncOnce pulls one page into the phone through c and reports what
// changed.
func syncOnce(ctx context.Context, c *Client, p *Phone) (changed int, more bool, err error) {
	var cursor any
	p.mu.Lock()
	if p.Cursor != "" {
		cursor = p.Cursor
	}
	access := p.Access
	p.mu.Unlock()
	var out syncPage
	if err := c.Do(ctx, access, syncQuery, map[string]any{"c": cursor, "l": 500}, &out); err != nil {
		return 0, false, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range out.Sync.Payslips {
		p.Payslips[s.ID] = s.Period
		if s.ViewedAt != nil {
			p.Viewed[s.ID] = true
		}
	}
	for _, d := range out.Sync.Deleted {
		if d.Type == "PAYSLIP" {
			delete(p.Payslips, d.ID)
		}
	}
	p.Cursor = out.Sync.Cursor
	return len(out.Sync.Payslips) + len(out.Sync.Deleted), out.Sync.HasMore, nil
}

// syncAll pages until the phone is up to date, through its instance.
func syncAll(ctx context.Context, c *Client, p *Phone) (int, error) {
	total := 0
	for {
		n, more, err := syncOnce(ctx, p.on(c), p)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// run drives fn from conc workers for d, printing progress every second.
func run(ctx context.Context, cfg Config, name string, d time.Duration, fn func(ctx context.Context, worker, i int) error) Summary {
	st := NewStats()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	var seq atomic.Int64
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(seq.Add(1) - 1)
				t0 := time.Now()
				err := fn(ctx, w, i)
				switch {
				case err == errStop:
					cancel()
					return
				case err == errIdle:
					time.Sleep(time.Millisecond) // others hold the remaining work
					continue
				case ctx.Err() != nil && err != nil:
					return // cut off by the deadline: not the server's fault
				}
				st.Record(time.Since(t0), err)
			}
		}(w)
	}
	return st.await(&wg, cfg, name)
}

// Baseline measures GET /healthz at the configured concurrency (spread
// over the instances), or at rate requests/s in an open loop if rate > 0.
func Baseline(ctx context.Context, c *Client, cfg Config, rate float64) Summary {
	if rate > 0 {
		return runOpen(ctx, cfg, "healthz-open", rate, cfg.Duration, func(ctx context.Context, c *Client, _, _ int) error {
			_, err := c.Get(ctx, "/healthz")
			return err
		})
	}
	cs := []*Client{c}
	for _, t := range cfg.targets()[1:] {
		cs = append(cs, NewClient(t, cfg.Concurrency))
	}
	return run(ctx, cfg, "healthz", cfg.Duration, func(ctx context.Context, w, _ int) error {
		_, err := cs[w%len(cs)].Get(ctx, "/healthz")
		return err
	})
}

// SyncIdle: every phone syncs incrementally with nothing new; at rate
// requests/s in an open loop if rate > 0 (each request from the
// connection of the phone slot that sends it).
func SyncIdle(ctx context.Context, c *Client, cfg Config, org *Org, base Summary, rate float64) Summary {
	s := syncIdle(ctx, c, cfg, org.Phones, "sync-idle", cfg.Duration, rate)
	if base.RPS > 0 {
		s.Extra["ratio_to_healthz"] = s.RPS / base.RPS
		s.Extra["healthz_rps"] = base.RPS
		s.Extra["healthz_p99_ms"] = base.P99ms
	}
	return s
}

// syncIdle runs no-change syncs of phones for d, closed or open loop.
func syncIdle(ctx context.Context, c *Client, cfg Config, phones []*Phone, name string, d time.Duration, rate float64) Summary {
	var unexpected atomic.Int64
	idle := func(ctx context.Context, c *Client, i int) error {
		n, _, err := syncOnce(ctx, c, phones[i%len(phones)])
		if n > 0 {
			unexpected.Add(int64(n))
		}
		return err
	}
	var s Summary
	if rate > 0 {
		s = runOpen(ctx, cfg, name+"-open", rate, d, func(ctx context.Context, c *Client, _, i int) error { return idle(ctx, c, i) })
	} else {
		s = run(ctx, cfg, name, d, func(ctx context.Context, _, i int) error { return idle(ctx, phones[i%len(phones)].on(c), i) })
	}
	s.Extra["unexpected_changes"] = float64(unexpected.Load())
	return s
}

// Payday: the payroll system publishes the next month for everyone in
// batches while every phone syncs and marks its new payslip viewed. It
// measures how long after its publication each phone saw its payslip, and
// checks what each phone ends with against the server.
func Payday(ctx context.Context, c *Client, cfg Config, org *Org) (Summary, error) {
	last, _ := time.Parse("2006-01", org.Months[len(org.Months)-1])
	period := last.AddDate(0, 1, 0).Format("2006-01")
	org.Months = append(org.Months, period)
	published := make([]atomic.Int64, len(org.Phones)) // unix nanos of the publication's response
	seen := make([]atomic.Int64, len(org.Phones))
	var remaining atomic.Int64
	remaining.Store(int64(len(org.Phones)))
	idx := map[*Phone]int{}
	for i, p := range org.Phones {
		idx[p] = i
	}
	pubDone := make(chan error, 1)
	go func() {
		var items []any
		for _, p := range org.Phones {
			items = append(items, payslip(p.EmployeeExternalID, period))
		}
		i := 0
		pubDone <- batches(items, 250, func(part []any) error {
			err := c.Do(ctx, org.Key, `mutation($in: [PayslipInput!]!) { publishPayslips(input: $in) { created } }`, map[string]any{"in": part}, nil)
			now := time.Now().UnixNano()
			for range part {
				published[i].Store(now)
				i++
			}
			return err
		})
	}()
	var mu sync.Mutex
	var delays []time.Duration
	d := cfg.Duration
	if d < 10*time.Second {
		d = 10 * time.Second
	}
	// Phones that have not seen the new payslip wait in a ring; each worker
	// takes the next one, syncs it, and puts it back if it is still waiting.
	var qmu sync.Mutex
	queue := append([]*Phone(nil), org.Phones...)
	s := run(ctx, cfg, "payday", d, func(ctx context.Context, _, _ int) error {
		qmu.Lock()
		if remaining.Load() == 0 {
			qmu.Unlock()
			return errStop
		}
		if len(queue) == 0 {
			qmu.Unlock()
			return errIdle
		}
		p := queue[0]
		queue = queue[1:]
		qmu.Unlock()
		k := idx[p]
		_, err := syncAll(ctx, c, p)
		id := ""
		if err == nil {
			id = p.payslipOf(period)
		}
		if id == "" {
			qmu.Lock()
			queue = append(queue, p)
			qmu.Unlock()
			return err
		}
		now := time.Now()
		seen[k].Store(now.UnixNano())
		remaining.Add(-1)
		if pub := published[k].Load(); pub != 0 {
			mu.Lock()
			delays = append(delays, max(0, now.Sub(time.Unix(0, pub))))
			mu.Unlock()
		}
		return p.on(c).Do(ctx, p.Access, `mutation($in: MarkPayslipViewedInput!) { markPayslipViewed(input: $in) { id viewedAt } }`,
			map[string]any{"in": map[string]any{"payslipId": id, "viewedAt": now.UTC().Format(time.RFC3339Nano), "clientMutationId": "view-" + id}}, nil)
	})
	if err := <-pubDone; err != nil {
		return s, fmt.Errorf("publishing the new month: %w", err)
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	if len(delays) > 0 {
		s.Extra["visibility_p50_ms"] = float64(delays[len(delays)/2].Microseconds()) / 1000
		s.Extra["visibility_p99_ms"] = float64(delays[len(delays)*99/100].Microseconds()) / 1000
		s.Extra["visibility_max_ms"] = float64(delays[len(delays)-1].Microseconds()) / 1000
	}
	s.Extra["phones_that_saw_it"] = float64(int64(len(org.Phones)) - remaining.Load())
	mismatch, err := Verify(ctx, c, org)
	if err != nil {
		return s, err
	}
	s.Extra["phones_differing_from_server"] = float64(mismatch)
	return s, nil
}

// errStop tells run that the scenario is complete, errIdle that there is
// nothing to do for the moment; neither call made a request.
var (
	errStop = errors.New("stop")
	errIdle = errors.New("idle")
)

func (p *Phone) payslipOf(period string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, per := range p.Payslips {
		if per == period {
			return id
		}
	}
	return ""
}

// Verify syncs every phone once more and compares its payslips with the
// server's list for that employee: same ids, nothing lost, nothing extra.
func Verify(ctx context.Context, c *Client, org *Org) (int, error) {
	var mismatch atomic.Int64
	var firstErr atomic.Value
	parallel(ctx, org.Phones, 16, func(p *Phone) {
		if _, err := syncAll(ctx, c, p); err != nil {
			firstErr.CompareAndSwap(nil, err)
			return
		}
		var out struct{ Payslips []struct{ ID string } }
		if err := c.Do(ctx, org.Key, `query($e: String!) { payslips(employeeExternalId: $e, limit: 1000) { id retractedAt } }`,
			map[string]any{"e": p.EmployeeExternalID}, &out); err != nil {
			firstErr.CompareAndSwap(nil, err)
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(out.Payslips) != len(p.Payslips) {
			mismatch.Add(1)
			return
		}
		for _, s := range out.Payslips {
			if _, ok := p.Payslips[s.ID]; !ok {
				mismatch.Add(1)
				return
			}
		}
	})
	if err, ok := firstErr.Load().(error); ok {
		return 0, err
	}
	return int(mismatch.Load()), nil
}

// Login: quick-login storms. A share of the phones signs in with the
// password and sets up a PIN (even) or biometrics (odd); then every worker
// repeats challenge → quick login → refresh.
func Login(ctx context.Context, c *Client, cfg Config, org *Org) (Summary, error) {
	n := min(len(org.Phones), max(cfg.Concurrency, 20))
	phones := org.Phones[:n]
	var firstErr atomic.Value
	parallel(ctx, phones, cfg.Concurrency, func(p *Phone) {
		if err := setupQuickLogin(ctx, c, p); err != nil {
			firstErr.CompareAndSwap(nil, err)
		}
	})
	if err, ok := firstErr.Load().(error); ok {
		return Summary{}, err
	}
	s := run(ctx, cfg, "login", cfg.Duration, func(ctx context.Context, w, i int) error {
		p := phones[i%len(phones)]
		if !p.mu.TryLock() {
			p = phones[w%len(phones)] // another worker holds it; take this worker's own
			p.mu.Lock()
		}
		defer p.mu.Unlock()
		return quickLogin(ctx, c, p)
	})
	return s, nil
}

func setupQuickLogin(ctx context.Context, c *Client, p *Phone) error {
	var login struct {
		Login struct{ AccessToken, RefreshToken string }
	}
	if err := p.on(c).Do(ctx, "", `mutation($in: LoginInput!) { login(input: $in) { accessToken refreshToken } }`,
		map[string]any{"in": map[string]any{"login": p.Login, "password": p.Password,
			"device": map[string]any{"id": p.DeviceID, "platform": p.Platform, "model": "Load phone"}}}, &login); err != nil {
		return fmt.Errorf("login %s: %w", p.Login, err)
	}
	p.Access, p.Refresh = login.Login.AccessToken, login.Login.RefreshToken
	in := map[string]any{}
	if p.Platform == "ANDROID" {
		p.Method, p.PIN = "PIN", "4827"
		in = map[string]any{"method": "PIN", "pin": p.PIN}
	} else {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
		p.Method, p.Key = "BIOMETRIC", key
		in = map[string]any{"method": "BIOMETRIC", "publicKey": base64.StdEncoding.EncodeToString(der)}
	}
	var out struct {
		SetupQuickLogin struct{ DeviceSecret *string }
	}
	if err := p.on(c).Do(ctx, p.Access, `mutation($in: SetupQuickLoginInput!) { setupQuickLogin(input: $in) { deviceSecret } }`, map[string]any{"in": in}, &out); err != nil {
		return fmt.Errorf("setupQuickLogin %s: %w", p.Method, err)
	}
	if out.SetupQuickLogin.DeviceSecret != nil {
		p.DeviceSecret = *out.SetupQuickLogin.DeviceSecret
	}
	return nil
}

// quickLogin signs the phone in with its method and refreshes the session.
func quickLogin(ctx context.Context, c *Client, p *Phone) error {
	var ch struct{ QuickLoginChallenge struct{ Challenge string } }
	c = p.on(c)
	if err := c.Do(ctx, "", `mutation($d: String!) { quickLoginChallenge(deviceId: $d) { challenge } }`, map[string]any{"d": p.DeviceID}, &ch); err != nil {
		return err
	}
	in := map[string]any{"deviceId": p.DeviceID, "challenge": ch.QuickLoginChallenge.Challenge}
	if p.Method == "PIN" {
		in["pin"], in["deviceSecret"] = p.PIN, p.DeviceSecret
	} else {
		raw, err := base64.StdEncoding.DecodeString(ch.QuickLoginChallenge.Challenge)
		if err != nil {
			return errors.New("the challenge is not base64")
		}
		sum := sha256.Sum256(raw)
		sig, err := ecdsa.SignASN1(rand.Reader, p.Key, sum[:])
		if err != nil {
			return err
		}
		in["signature"] = base64.StdEncoding.EncodeToString(sig)
	}
	var out struct {
		QuickLogin struct{ AccessToken, RefreshToken string }
	}
	if err := c.Do(ctx, "", `mutation($in: QuickLoginInput!) { quickLogin(input: $in) { accessToken refreshToken } }`, map[string]any{"in": in}, &out); err != nil {
		return err
	}
	var ref struct {
		RefreshSession struct{ AccessToken, RefreshToken string }
	}
	if err := c.Do(ctx, "", `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }`,
		map[string]any{"t": out.QuickLogin.RefreshToken}, &ref); err != nil {
		return err
	}
	p.Access, p.Refresh = ref.RefreshSession.AccessToken, ref.RefreshSession.RefreshToken
	return nil
}
