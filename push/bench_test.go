package push_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/apns"
	"github.com/kabinet/kabinet/push/fcm"
	"github.com/kabinet/kabinet/push/pushtest"
	"github.com/kabinet/kabinet/sqlite"
)

// seedOrg fills a fresh database with an organisation of n employees, each
// with one payslip (published at clock's now) and one Android device with an
// FCM token, with bulk SQL (the benchmarks measure planning and dispatch,
// not publication).
func seedOrg(b *testing.B, n int) (*sqlite.DB, *testkit.Clock, string, []string) {
	return seedOrgOn(b, n, kabinet.ProviderFCM)
}

// seedOrgOn is seedOrg with devices of the provider's platform.
func seedOrgOn(b *testing.B, n int, provider string) (*sqlite.DB, *testkit.Clock, string, []string) {
	b.Helper()
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), clock)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	org := &kabinet.Organization{Name: "Bench", Timezone: "Europe/Moscow"}
	if err := db.CreateOrganization(ctx, org, "hash"); err != nil {
		b.Fatal(err)
	}
	now := clock.Now().UnixMilli()
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n)
			 INSERT INTO employees (id, org_id, external_id, last_name, first_name, fingerprint, created_at, updated_at)
			 SELECT 'emp_' || i, :org, 'E-' || i, 'Иванов', 'Иван', '', :now, :now FROM s`,
			`INSERT INTO payslips (id, org_id, employee_id, external_id, period, published_at, currency, accrued, deducted, paid,
			 debt_start, debt_end, lines, fingerprint, created_at, updated_at)
			 SELECT 'ps_' || substr(id, 5), :org, id, 'PS-' || substr(id, 5), '2026-10', :now, 'RUB', 1, 0, 1, 0, 0, '[]', '', :now, :now
			 FROM employees WHERE org_id = :org`,
			`INSERT INTO devices (id, org_id, employee_id, client_id, platform, first_seen_at, last_seen_at)
			 SELECT 'dev_' || substr(id, 5), :org, id, 'phone', :platform, :now, :now FROM employees WHERE org_id = :org`,
			`INSERT INTO push_tokens (device_id, org_id, employee_id, provider, token, created_at, refreshed_at)
			 SELECT 'dev_' || substr(id, 5), :org, id, :provider, benchToken(id), :now, :now
			 FROM employees WHERE org_id = :org`,
		} {
			q = strings.ReplaceAll(q, "benchToken(id)", `'token-' || id || '-0123456789abcdefghij'`)
			if _, err := tx.ExecContext(ctx, q, sql.Named("n", n), sql.Named("org", org.ID), sql.Named("now", now),
				sql.Named("platform", platformOf[provider]), sql.Named("provider", provider)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	rows, err := db.Payslips(ctx, org.ID, kabinet.PayslipFilter{})
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range rows {
		ids = append(ids, p.ID)
	}
	return db, clock, org.ID, ids
}

var platformOf = map[string]string{kabinet.ProviderFCM: kabinet.PlatformAndroid, kabinet.ProviderAPNs: kabinet.PlatformIOS}

func clearOutbox(b *testing.B, db *sqlite.DB) {
	b.Helper()
	if err := db.WriteTx(context.Background(), func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM push_attempts`, `DELETE FROM push_deliveries`, `DELETE FROM push_outbox`} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPlanPayslips plans the three default stages for an organisation
// of 100,000 employees with one payslip each: 300,000 outbox rows, by the
// publication event carrying every payslip id (the listener's path).
func BenchmarkPlanPayslips100k(b *testing.B) {
	const n = 100_000
	db, clock, orgID, ids := seedOrg(b, n)
	svc := &push.Service{Store: db, Clock: clock}
	ctx := context.Background()
	b.StopTimer()
	var cpu time.Duration
	for range b.N {
		clearOutbox(b, db)
		c := cpuTime()
		b.StartTimer()
		svc.Published(ctx, payroll.Event{OrgID: orgID, Kind: payroll.EventPayslips, IDs: ids})
		b.StopTimer()
		cpu += cpuTime() - c
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.StopTimer()
	var rows int
	db.ReadTx(ctx, func(tx *sql.Tx) error { return tx.QueryRow(`SELECT count(*) FROM push_outbox`).Scan(&rows) })
	if rows != 3*n {
		b.Fatalf("got %d outbox rows, want %d", rows, 3*n)
	}
	b.ReportMetric(float64(rows), "rows/op")
}

// cpuTime is the CPU time (user and system) the process has used: under a
// shared machine's load it varies less than wall-clock time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countingSender accepts everything, counting.
type countingSender struct{ n atomic.Int64 }

func (c *countingSender) Send(context.Context, *push.Notification) push.Result {
	c.n.Add(1)
	return push.Result{Outcome: push.OutcomeSent}
}

// BenchmarkDispatch delivers stage-5 reminders of 20,000 employees (one
// device each) to an in-memory sender with bounded concurrency, and reports
// messages per second and the peak heap in use.
func BenchmarkDispatch20k(b *testing.B) {
	snd := &countingSender{}
	benchDispatch(b, 20_000, func(*testkit.Clock) push.Sender { return snd })
}

// BenchmarkDispatchFakeFCM20k is the same through the real FCM SDK to the
// local wire-protocol fake (HTTP/JSON, OAuth) of push/pushtest.
func BenchmarkDispatchFakeFCM20k(b *testing.B) {
	benchDispatch(b, 20_000, func(clock *testkit.Clock) push.Sender { return benchSender(b, kabinet.ProviderFCM, clock) })
}

// BenchmarkDispatchFakeFCM100k is issue 12's end-to-end aim: 100,000
// reminders, from planning (publication's work) to the last one accepted by
// the local FCM fake through the real SDK, in under 20 s.
func BenchmarkDispatchFakeFCM100k(b *testing.B) {
	benchDispatch(b, 100_000, func(clock *testkit.Clock) push.Sender { return benchSender(b, kabinet.ProviderFCM, clock) })
}

func benchDispatch(b *testing.B, n int, newSender func(*testkit.Clock) push.Sender) {
	db, clock, orgID, ids := seedOrg(b, n)
	ctx := context.Background()
	planner, settings := stage5Planner(b, db, clock, orgID)
	snd := newSender(clock)
	var peak uint64
	var total, planned, cpu time.Duration
	b.StopTimer()
	for range b.N {
		clearOutbox(b, db)
		clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		runtime.GC()
		start, cpu0 := time.Now(), cpuTime()
		planner.Published(ctx, payroll.Event{OrgID: orgID, Kind: payroll.EventPayslips, IDs: ids})
		planned += time.Since(start)
		clock.Add(5 * 24 * time.Hour)
		d := &push.Dispatcher{Store: db, Sender: snd, Clock: clock, Concurrency: 32,
			Settings: func(context.Context, string) (*kabinet.NotificationSettings, error) { return settings, nil }}
		heap := pushtest.WatchHeap()
		start = time.Now()
		b.StartTimer()
		st, err := d.DispatchDue(ctx)
		b.StopTimer()
		total += time.Since(start)
		cpu += cpuTime() - cpu0
		peak = max(peak, heap())
		if err != nil || st.Sent != n {
			b.Fatalf("got %+v, %v, want %d sent", st, err, n)
		}
		_ = orgID
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "msgs/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric((planned+total).Seconds()/float64(b.N), "plan+dispatch-s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/msg")
}

// BenchmarkPlanPayslips100kOrgWide is the same planning for the whole
// organisation at once, by the path of a settings change (UpdateSettings
// re-plans everything not yet sent, in the transaction that stores them).
func BenchmarkPlanPayslips100kOrgWide(b *testing.B) {
	const n = 100_000
	db, clock, orgID, _ := seedOrg(b, n)
	ctx := context.Background()
	svc := &push.Service{Store: db, Clock: clock}
	b.StopTimer()
	var cpu time.Duration
	for i := range b.N {
		clearOutbox(b, db)
		c := cpuTime()
		b.StartTimer()
		if _, err := svc.UpdateSettings(ctx, orgID, push.SettingsInput{SendDelaySeconds: &[]int{i % 2}[0]}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - c
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	var rows int
	db.ReadTx(ctx, func(tx *sql.Tx) error { return tx.QueryRow(`SELECT count(*) FROM push_outbox`).Scan(&rows) })
	if rows != 3*n {
		b.Fatalf("got %d outbox rows, want %d", rows, 3*n)
	}
}

// BenchmarkDispatchVsSDK measures, in one run and against one fake, the
// bare SDK (n sends from Concurrency goroutines, nothing else) and the whole
// dispatch of n stage-5 reminders (claim, re-check, mark, send, record) at
// the same concurrency, and reports both rates and their ratio (issue 12:
// dispatch at half the bare SDK's rate or better).
func BenchmarkDispatchVsSDK(b *testing.B) {
	for _, provider := range []string{kabinet.ProviderFCM, kabinet.ProviderAPNs} {
		b.Run(provider, func(b *testing.B) {
			const n, concurrency = 20_000, 32
			db, clock, orgID, ids := seedOrgOn(b, n, provider)
			snd := benchSender(b, provider, clock)
			ctx := context.Background()
			planner, settings := stage5Planner(b, db, clock, orgID)
			var bare, disp, bareCPU, dispCPU time.Duration
			cs := &countingStore{DispatchStore: db}
			b.StopTimer()
			for range b.N {
				cpu0 := cpuTime()
				bare += bareSends(b, snd, provider, n, concurrency)
				bareCPU += cpuTime() - cpu0
				clearOutbox(b, db)
				clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
				planner.Published(ctx, payroll.Event{OrgID: orgID, Kind: payroll.EventPayslips, IDs: ids})
				clock.Add(5 * 24 * time.Hour)
				d := &push.Dispatcher{Store: cs, Sender: snd, Clock: clock, Concurrency: concurrency,
					Settings: func(context.Context, string) (*kabinet.NotificationSettings, error) { return settings, nil }}
				st, wall, cpu, err := timedDispatch(b, d)
				disp, dispCPU = disp+wall, dispCPU+cpu
				if err != nil || st.Sent != n {
					b.Fatalf("got %+v, %v, want %d sent", st, err, n)
				}
			}
			// On a shared machine the wall-clock rates swing with the load;
			// CPU time per message (this process: dispatcher, SDK and fake)
			// does not, and its ratio is the rate ratio of a CPU-bound run.
			b.ReportMetric(float64(bareCPU.Microseconds())/float64(n*b.N), "sdk-cpu-µs/msg")
			b.ReportMetric(float64(dispCPU.Microseconds())/float64(n*b.N), "dispatch-cpu-µs/msg")
			b.ReportMetric(float64(bareCPU)/float64(dispCPU), "cpu-ratio")
			bareRate, dispRate := float64(n*b.N)/bare.Seconds(), float64(n*b.N)/disp.Seconds()
			b.ReportMetric(bareRate, "sdk-msgs/s")
			b.ReportMetric(dispRate, "dispatch-msgs/s")
			b.ReportMetric(dispRate/bareRate, "ratio")
			b.ReportMetric(float64(cs.updates.Load())/float64(cs.writes.Load()), "updates/write")
		})
	}
}

// benchSender is the real SDK client of provider pointed at its fake.
func benchSender(b *testing.B, provider string, clock *testkit.Clock) push.Sender {
	if provider == kabinet.ProviderFCM {
		ff := pushtest.NewFCM(b)
		ff.DisableRecording()
		s, err := fcm.New(context.Background(), fcm.Config{CredentialsFile: ff.WriteServiceAccount(b), Endpoint: ff.Endpoint(), Now: clock.Now})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	af := pushtest.NewAPNs(b)
	af.DisableRecording()
	s, err := apns.New(apns.Config{KeyFile: af.WriteKey(b), KeyID: af.KeyID, TeamID: af.TeamID, Topic: af.Topic,
		Environment: "development", Host: af.URL, CAFile: af.WriteCA(b), Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// bareSends sends n reminders shaped like the dispatcher's from concurrency
// goroutines and returns the time it took.
func bareSends(b *testing.B, s push.Sender, provider string, n, concurrency int) time.Duration {
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				id := strconv.FormatInt(i, 10)
				badge := 1
				note := &push.Notification{ID: "dl_" + id, Kind: kabinet.NotifyPayslipReminder, Provider: provider,
					Token: "token-emp_" + id + "-0123456789abcdefghij", Locale: push.LocaleRU,
					Params: map[string]string{"period": "2026-10", "days": "5"}, DeepLink: "kabinet://payslips/ps_" + id,
					CollapseKey: "payslip:ps_" + id, Priority: push.PriorityNormal, Expiry: time.Now().Add(24 * time.Hour)}
				if provider == kabinet.ProviderAPNs {
					note.Badge = &badge
				}
				if s.Send(context.Background(), note).Outcome != push.OutcomeSent {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		b.Fatalf("%d bare sends failed", failed.Load())
	}
	return time.Since(start)
}

// countingStore counts the dispatcher's delivery writes and the updates
// they carry (how well outcomes are grouped).
type countingStore struct {
	push.DispatchStore
	writes, updates atomic.Int64
}

func (c *countingStore) ApplyDeliveries(ctx context.Context, owner string, ups []kabinet.DeliveryUpdate) ([]string, error) {
	c.writes.Add(1)
	c.updates.Add(int64(len(ups)))
	return c.DispatchStore.ApplyDeliveries(ctx, owner, ups)
}

// expandOnlyStore is the store of a dispatcher that fans out and never
// finds a delivery to send, so that the fan-out is measured alone.
type expandOnlyStore struct{ push.DispatchStore }

func (expandOnlyStore) ClaimDeliveries(context.Context, string, time.Time, time.Time, int) ([]*kabinet.DeliveryItem, error) {
	return nil, nil
}

// BenchmarkExpand20k fans out the stage-5 reminders of 20,000 employees
// (one device each) into deliveries: the outbox claims, the reason
// re-checks and ApplyOutbox, without sending, and reports the CPU time of
// the process per outbox row.
func BenchmarkExpand20k(b *testing.B) {
	const n = 20_000
	db, clock, orgID, ids := seedOrg(b, n)
	ctx := context.Background()
	planner, settings := stage5Planner(b, db, clock, orgID)
	var cpu, total time.Duration
	b.StopTimer()
	for range b.N {
		clearOutbox(b, db)
		clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		planner.Published(ctx, payroll.Event{OrgID: orgID, Kind: payroll.EventPayslips, IDs: ids})
		clock.Add(5 * 24 * time.Hour)
		d := &push.Dispatcher{Store: expandOnlyStore{db}, Sender: &countingSender{}, Clock: clock, Concurrency: 32,
			Settings: func(context.Context, string) (*kabinet.NotificationSettings, error) { return settings, nil }}
		st, wall, c, err := timedDispatch(b, d)
		total, cpu = total+wall, cpu+c
		if err != nil || st.Expanded != n {
			b.Fatalf("got %+v, %v, want %d expanded", st, err, n)
		}
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/row")
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "rows/s")
}

// stage5Planner sets the organisation's payslip reminders to one stage, 5
// days after publication, and returns the planner and those settings.
func stage5Planner(b *testing.B, db *sqlite.DB, clock *testkit.Clock, orgID string) (*push.Service, *kabinet.NotificationSettings) {
	b.Helper()
	settings := push.DefaultSettings("Europe/Moscow")
	settings.PayslipDays = []int{5}
	planner := &push.Service{Store: db, Clock: clock}
	if _, err := planner.UpdateSettings(context.Background(), orgID, push.SettingsInput{PayslipDays: settings.PayslipDays}); err != nil {
		b.Fatal(err)
	}
	return planner, settings
}

// timedDispatch runs d.DispatchDue once, timed, after a collection, and
// returns its stats, its wall-clock time and the process's CPU time.
func timedDispatch(b *testing.B, d *push.Dispatcher) (push.Stats, time.Duration, time.Duration, error) {
	runtime.GC()
	start, cpu0 := time.Now(), cpuTime()
	b.StartTimer()
	st, err := d.DispatchDue(context.Background())
	b.StopTimer()
	return st, time.Since(start), cpuTime() - cpu0, err
}
