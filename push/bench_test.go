package push_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/fcm"
	"github.com/kabinet/kabinet/push/pushtest"
	"github.com/kabinet/kabinet/sqlite"
)

// seedOrg fills a fresh database with an organisation of n employees, each
// with one payslip (published at clock's now) and one Android device with an
// FCM token, with bulk SQL (the benchmarks measure planning and dispatch,
// not publication).
func seedOrg(b *testing.B, n int) (*sqlite.DB, *testkit.Clock, string, []string) {
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
			 SELECT 'dev_' || substr(id, 5), :org, id, 'phone', 'ANDROID', :now, :now FROM employees WHERE org_id = :org`,
			`INSERT INTO push_tokens (device_id, org_id, employee_id, provider, token, created_at, refreshed_at)
			 SELECT 'dev_' || substr(id, 5), :org, id, 'FCM', 'fcm-token-' || id || '-0123456789abcdefghij', :now, :now
			 FROM employees WHERE org_id = :org`,
		} {
			if _, err := tx.ExecContext(ctx, q, sql.Named("n", n), sql.Named("org", org.ID), sql.Named("now", now)); err != nil {
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
	for range b.N {
		clearOutbox(b, db)
		b.StartTimer()
		svc.Published(ctx, payroll.Event{OrgID: orgID, Kind: payroll.EventPayslips, IDs: ids})
		b.StopTimer()
	}
	b.StopTimer()
	var rows int
	db.ReadTx(ctx, func(tx *sql.Tx) error { return tx.QueryRow(`SELECT count(*) FROM push_outbox`).Scan(&rows) })
	if rows != 3*n {
		b.Fatalf("got %d outbox rows, want %d", rows, 3*n)
	}
	b.ReportMetric(float64(rows), "rows/op")
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
	benchDispatch(b, func(*testkit.Clock) push.Sender { return snd })
}

// BenchmarkDispatchFakeFCM20k is the same through the real FCM SDK to the
// local wire-protocol fake (HTTP/JSON, OAuth) of push/pushtest.
func BenchmarkDispatchFakeFCM20k(b *testing.B) {
	benchDispatch(b, func(clock *testkit.Clock) push.Sender {
		ff := pushtest.NewFCM(b)
		ff.DisableRecording()
		s, err := fcm.New(context.Background(), fcm.Config{CredentialsFile: ff.WriteServiceAccount(b), Endpoint: ff.Endpoint(), Now: clock.Now})
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

func benchDispatch(b *testing.B, newSender func(*testkit.Clock) push.Sender) {
	const n = 20_000
	db, clock, orgID, ids := seedOrg(b, n)
	ctx := context.Background()
	settings := push.DefaultSettings("Europe/Moscow")
	settings.PayslipDays = []int{5}
	planner := &push.Service{Store: db, Clock: clock}
	if _, err := planner.UpdateSettings(ctx, orgID, push.SettingsInput{PayslipDays: settings.PayslipDays}); err != nil {
		b.Fatal(err)
	}
	snd := newSender(clock)
	var peak uint64
	var total time.Duration
	b.StopTimer()
	for range b.N {
		clearOutbox(b, db)
		clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		planner.Published(ctx, payroll.Event{OrgID: orgID, Kind: payroll.EventPayslips, IDs: ids})
		clock.Add(5 * 24 * time.Hour)
		d := &push.Dispatcher{Store: db, Sender: snd, Clock: clock, Concurrency: 32,
			Settings: func(context.Context, string) (*kabinet.NotificationSettings, error) { return settings, nil }}
		runtime.GC()
		heap := pushtest.WatchHeap()
		start := time.Now()
		b.StartTimer()
		st, err := d.DispatchDue(ctx)
		b.StopTimer()
		total += time.Since(start)
		peak = max(peak, heap())
		if err != nil || st.Sent != n {
			b.Fatalf("got %+v, %v, want %d sent", st, err, n)
		}
		_ = orgID
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "msgs/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
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
	for i := range b.N {
		clearOutbox(b, db)
		b.StartTimer()
		if _, err := svc.UpdateSettings(ctx, orgID, push.SettingsInput{SendDelaySeconds: &[]int{i % 2}[0]}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
	}
	var rows int
	db.ReadTx(ctx, func(tx *sql.Tx) error { return tx.QueryRow(`SELECT count(*) FROM push_outbox`).Scan(&rows) })
	if rows != 3*n {
		b.Fatalf("got %d outbox rows, want %d", rows, 3*n)
	}
}
