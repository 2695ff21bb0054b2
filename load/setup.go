package load

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Phone is one simulated employee's phone: its credentials and what it
// holds offline.
type Phone struct {
	EmployeeExternalID string
	DeviceID           string
	Platform           string
	Login, Password    string
	ActivationCode     string
	Access, Refresh    string
	Cursor             string
	// Payslips the phone holds, by id → period; viewed ids.
	Payslips map[string]string
	Viewed   map[string]bool
	// Quick login.
	Method       string
	PIN          string
	DeviceSecret string
	Key          *ecdsa.PrivateKey
	// via is the instance this phone talks to (--target lists several).
	via *Client
	mu  sync.Mutex
}

// on is the client of the phone's instance; c when it has none of its own.
func (p *Phone) on(c *Client) *Client {
	if p.via != nil {
		return p.via
	}
	return c
}

// Org is the organisation the harness set up.
type Org struct {
	Key    string
	Phones []*Phone
	Months []string // periods published, oldest first
}

// Config sizes the run.
type Config struct {
	// Target is the server's base URL, or several instances' separated by
	// commas: phones are spread over them, publication goes through the
	// first.
	Target string
	// Metrics lists, in the order of Target, the base URLs where the
	// instances serve /metrics (KABINET_METRICS_ADDR: it is not on the
	// public port); empty: the targets.
	Metrics        string
	BootstrapToken string
	Employees      int
	Months         int
	Concurrency    int
	Duration       time.Duration
	Settle         time.Duration // quiet pause before the last RSS reading
	Out            io.Writer
	// Now is the harness's idea of the current month (payday publishes the next).
	Now time.Time
	// Rate, when set, runs healthz and sync-idle in an open loop.
	Rate Rate
	// Soak configures the soak scenario.
	Soak SoakConfig
	// Push configures the dispatch scenario's fakes.
	Push PushConfig
}

// PushConfig is where the dispatch scenario's fake FCM and APNs listen.
type PushConfig struct {
	// Dir, when set, starts the fakes and writes Dir/push.env for the
	// server; the harness then waits up to Wait for the targets.
	Dir               string
	FCMAddr, APNsAddr string
	Wait              time.Duration
	// Timeout bounds the wait for every reminder to arrive.
	Timeout time.Duration
}

// targets is the list of instances in Target.
func (cfg Config) targets() []string {
	var ts []string
	for _, t := range strings.Split(cfg.Target, ",") {
		if t = strings.TrimSpace(t); t != "" {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return []string{""}
	}
	return ts
}

const password = "Kabinet-load-2026!"

// Setup creates an organisation of cfg.Employees employees with cfg.Months
// months of payslips each, and activates one phone per employee through the
// real operations.
func Setup(ctx context.Context, c *Client, cfg Config) (*Org, error) {
	out := cfg.Out
	start := time.Now()
	var created struct {
		CreateOrganization struct{ APIKey string }
	}
	if err := c.Do(ctx, cfg.BootstrapToken, `mutation($n: String!) { createOrganization(input: {name: $n}) { apiKey } }`,
		map[string]any{"n": fmt.Sprintf("Load test %s", start.Format(time.RFC3339Nano))}, &created); err != nil {
		return nil, fmt.Errorf("createOrganization (is KABINET_BOOTSTRAP_TOKEN the server's?): %w", err)
	}
	org := &Org{Key: created.CreateOrganization.APIKey}
	instances := []*Client{c}
	for _, t := range cfg.targets()[1:] {
		instances = append(instances, NewClient(t, cfg.Concurrency))
	}
	if err := c.Do(ctx, org.Key, `mutation { upsertDepartments(input: [{externalId: "LOAD", name: "Нагрузка"}]) { created } }`, nil, nil); err != nil {
		return nil, err
	}
	var emps []any
	for i := 0; i < cfg.Employees; i++ {
		ext := fmt.Sprintf("L-%05d", i)
		platform := "ANDROID"
		if i%2 == 1 {
			platform = "IOS"
		}
		org.Phones = append(org.Phones, &Phone{EmployeeExternalID: ext, DeviceID: "load-device-" + ext, Platform: platform,
			Password: password, Payslips: map[string]string{}, Viewed: map[string]bool{}, via: instances[i%len(instances)]})
		emps = append(emps, map[string]any{"externalId": ext, "lastName": "Нагрузкин", "firstName": "Тест", "middleName": "Тестович",
			"email": fmt.Sprintf("load%05d@example.com", i), "departmentExternalId": "LOAD", "position": "Тестировщик"})
	}
	if err := batches(emps, 1000, func(part []any) error {
		return c.Do(ctx, org.Key, `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { created } }`, map[string]any{"in": part}, nil)
	}); err != nil {
		return nil, fmt.Errorf("upsertEmployees: %w", err)
	}
	first := time.Date(cfg.Now.Year(), cfg.Now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -cfg.Months, 0)
	for m := 0; m < cfg.Months; m++ {
		org.Months = append(org.Months, first.AddDate(0, m, 0).Format("2006-01"))
	}
	var slips []any
	for _, p := range org.Phones {
		for _, period := range org.Months {
			slips = append(slips, payslip(p.EmployeeExternalID, period))
		}
	}
	if err := batches(slips, 1000, func(part []any) error {
		return c.Do(ctx, org.Key, `mutation($in: [PayslipInput!]!) { publishPayslips(input: $in) { created } }`, map[string]any{"in": part}, nil)
	}); err != nil {
		return nil, fmt.Errorf("publishPayslips: %w", err)
	}
	fmt.Fprintf(out, "setup: %d employees, %d payslips published in %s\n", cfg.Employees, len(slips), time.Since(start).Round(time.Millisecond))

	// Cabinets and activation codes, as HR would issue them.
	byExt := map[string]*Phone{}
	var ids []any
	for _, p := range org.Phones {
		byExt[p.EmployeeExternalID] = p
		ids = append(ids, p.EmployeeExternalID)
	}
	type result struct {
		EmployeeExternalID string
		ActivationCode     *string
		Status             string
		LastError          *string
	}
	collect := func(rs []result) {
		for _, r := range rs {
			if r.ActivationCode != nil && *r.ActivationCode != "" {
				byExt[r.EmployeeExternalID].ActivationCode = *r.ActivationCode
			}
		}
	}
	if err := batches(ids, 500, func(part []any) error {
		var out struct{ CreateCabinets []result }
		err := c.Do(ctx, org.Key, `mutation($ids: [String!]!) { createCabinets(employeeExternalIds: $ids) { employeeExternalId activationCode status lastError } }`,
			map[string]any{"ids": part}, &out)
		collect(out.CreateCabinets)
		return err
	}); err != nil {
		return nil, fmt.Errorf("createCabinets: %w", err)
	}
	if err := batches(ids, 500, func(part []any) error {
		var out struct{ SendInvitations []result }
		err := c.Do(ctx, org.Key, `mutation($ids: [String!]!) { sendInvitations(employeeExternalIds: $ids, channel: EMAIL) { employeeExternalId activationCode status lastError } }`,
			map[string]any{"ids": part}, &out)
		collect(out.SendInvitations)
		return err
	}); err != nil {
		return nil, fmt.Errorf("sendInvitations: %w", err)
	}
	start = time.Now()
	var failed atomic.Int64
	var firstErr atomic.Value
	parallel(ctx, org.Phones, cfg.Concurrency, func(p *Phone) {
		if err := activate(ctx, c, p); err != nil {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, err)
			return
		}
		if _, err := syncAll(ctx, c, p); err != nil {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, err)
		}
	})
	if n := failed.Load(); n > 0 {
		return nil, fmt.Errorf("%d phones failed to activate or sync: %v", n, firstErr.Load())
	}
	fmt.Fprintf(out, "setup: %d phones activated and fully synced in %s\n", len(org.Phones), time.Since(start).Round(time.Millisecond))
	return org, nil
}

func payslip(emp, period string) map[string]any {
	return map[string]any{
		"externalId": "PS-" + emp + "-" + period, "employeeExternalId": emp, "period": period,
		"accrued": "120000.00", "deducted": "15600.00", "paid": "104400.00",
		"lines": []map[string]any{
			{"section": "ACCRUAL", "code": "ОКЛ", "title": "Оплата по окладу", "amount": "100000.00", "days": "21", "hours": "168"},
			{"section": "ACCRUAL", "code": "ПРМ", "title": "Премия", "amount": "20000.00"},
			{"section": "TAX", "title": "НДФЛ", "amount": "15600.00"},
			{"section": "PAYMENT", "title": "Аванс", "amount": "40000.00"},
			{"section": "PAYMENT", "title": "Зарплата", "amount": "64400.00"},
		},
	}
}

func activate(ctx context.Context, c *Client, p *Phone) error {
	if p.ActivationCode == "" {
		return fmt.Errorf("%s: no activation code was issued", p.EmployeeExternalID)
	}
	var out struct {
		Activate struct {
			AccessToken, RefreshToken string
			Employee                  struct{ Login string }
		}
	}
	err := p.on(c).Do(ctx, "", `mutation($in: ActivateInput!) { activate(input: $in) { accessToken refreshToken employee { login } } }`,
		map[string]any{"in": map[string]any{"activationCode": p.ActivationCode, "password": p.Password,
			"device": map[string]any{"id": p.DeviceID, "platform": p.Platform, "model": "Load phone", "appVersion": "1.0.0", "timezone": "Europe/Moscow"}}}, &out)
	if err != nil {
		return fmt.Errorf("activate %s: %w", p.EmployeeExternalID, err)
	}
	p.Access, p.Refresh, p.Login = out.Activate.AccessToken, out.Activate.RefreshToken, out.Activate.Employee.Login
	return nil
}

// batches calls fn on consecutive parts of items of at most n.
func batches(items []any, n int, fn func([]any) error) error {
	for start := 0; start < len(items); start += n {
		if err := fn(items[start:min(start+n, len(items))]); err != nil {
			return err
		}
	}
	return nil
}

// parallel runs fn over items with conc workers.
func parallel[T any](ctx context.Context, items []T, conc int, fn func(T)) {
	ch := make(chan T)
	var wg sync.WaitGroup
	for w := 0; w < max(1, conc); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				fn(it)
			}
		}()
	}
	for _, it := range items {
		select {
		case ch <- it:
		case <-ctx.Done():
		}
	}
	close(ch)
	wg.Wait()
}
