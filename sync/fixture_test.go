package sync_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "github.com/mattn/go-sqlite3"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/postgres"
	"github.com/kabinet/kabinet/requests"
	ksync "github.com/kabinet/kabinet/sync"
	"github.com/kabinet/kabinet/tenancy"
)

// fixture is a real SQLite store with an organisation and employees, the
// publication service and the sync service, on a clock the test moves.
type fixture struct {
	db      app.Store
	raw     *sql.DB // the same database, for reading it without the store's code
	clock   *testkit.Clock
	payroll *payroll.Service
	svc     *ksync.Service
	leave   *requests.Service
	org     string
	emp     map[string]string // external id → id
}

func newFixture(tb testing.TB, employees ...string) *fixture {
	tb.Helper()
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	dsn := testkit.StoreDSN(tb, testkit.DefaultStore())
	db, err := app.OpenStore(ctx, dsn, clock, 0)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	org, _, err := (&tenancy.Service{Store: db}).CreateOrganization(ctx, "Org", "")
	if err != nil {
		tb.Fatalf("create organisation: %v", err)
	}
	f := &fixture{db: db, raw: openRaw(tb, dsn), clock: clock, org: org.ID, emp: map[string]string{},
		payroll: &payroll.Service{Store: db, Clock: clock},
		svc:     &ksync.Service{Store: db, Clock: clock, Key: []byte("0123456789abcdef0123456789abcdef")},
		leave:   &requests.Service{Store: db, Clock: clock},
	}
	// One department headed by the first employee: the others' leave
	// requests wait for their decision; theirs go to HR's queue.
	if _, err := f.payroll.UpsertDepartments(ctx, f.org, []payroll.DepartmentInput{{ExternalID: "D", Name: "Отдел", HeadExternalID: &employees[0]}}); err != nil {
		tb.Fatalf("upsert department: %v", err)
	}
	dept := "D"
	var in []payroll.EmployeeInput
	for _, ext := range employees {
		in = append(in, payroll.EmployeeInput{ExternalID: ext, LastName: "Иванов", FirstName: "Иван", DepartmentExternalID: &dept})
	}
	if _, err := f.payroll.UpsertEmployees(ctx, f.org, in); err != nil {
		tb.Fatalf("upsert employees: %v", err)
	}
	ids, err := db.EmployeeIDs(ctx, f.org, employees)
	if err != nil {
		tb.Fatalf("employee ids: %v", err)
	}
	f.emp = ids
	return f
}

// openRaw opens the store's database with the plain driver, read-only for
// SQLite: "$1" is a parameter in both dialects.
func openRaw(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	driver, name := "sqlite3", "file:"+dsn+"?mode=ro&_busy_timeout=5000"
	if postgres.IsDSN(dsn) {
		driver, name = "pgx", dsn
	}
	raw, err := sql.Open(driver, name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return raw
}

// payslip is a payslip input with n accrual lines whose amounts depend on
// seed, so that a different seed is a correction.
func payslip(ext, emp, period string, seed, n int) payroll.PayslipInput {
	var lines []payroll.PayslipLineInput
	total := 0
	for i := range n {
		amount := 1000 + seed + i
		total += amount
		lines = append(lines, payroll.PayslipLineInput{Section: kabinet.SectionAccrual, Title: fmt.Sprintf("Начисление %d", i),
			Amount: fmt.Sprintf("%d.00", amount)})
	}
	return payroll.PayslipInput{ExternalID: ext, EmployeeExternalID: emp, Period: period,
		Accrued: fmt.Sprintf("%d.00", total), Deducted: "0.00", Paid: "0.00", Lines: lines}
}

func (f *fixture) publish(tb testing.TB, in ...payroll.PayslipInput) {
	tb.Helper()
	if _, err := f.payroll.PublishPayslips(context.Background(), f.org, in); err != nil {
		tb.Fatalf("publish payslips: %v", err)
	}
}

func (f *fixture) sync(tb testing.TB, emp, cursor string, limit int) *ksync.Result {
	tb.Helper()
	res, err := f.svc.Sync(context.Background(), f.org, f.emp[emp], cursor, &limit)
	if err != nil {
		tb.Fatalf("sync: %v", err)
	}
	return res
}

// phone is the app's offline store, rebuilt from sync results only.
type phone struct {
	emp     string
	cursor  string
	records map[kabinet.RecordRef]string // canonical form of each record
}

func newPhone(emp string) *phone { return &phone{emp: emp, records: map[kabinet.RecordRef]string{}} }

// apply takes one page into the store. A page of a sync without a cursor
// starts from an empty store.
func (p *phone) apply(tb testing.TB, res *ksync.Result, full bool) {
	tb.Helper()
	if full {
		clear(p.records)
	}
	seen := map[kabinet.RecordRef]bool{}
	put := func(ref kabinet.RecordRef, v string) {
		if seen[ref] {
			tb.Fatalf("page sends %v twice", ref)
		}
		seen[ref] = true
		p.records[ref] = v
	}
	for _, x := range res.Payslips {
		put(kabinet.RecordRef{Entity: kabinet.EntityPayslip, ID: x.ID}, canonPayslip(x))
	}
	for _, x := range res.LeaveBalances {
		put(kabinet.RecordRef{Entity: kabinet.EntityLeaveBalance, ID: x.ID}, canonBalance(x))
	}
	for _, x := range res.Vacations {
		put(kabinet.RecordRef{Entity: kabinet.EntityVacation, ID: x.ID}, canonVacation(x))
	}
	for _, x := range res.LeaveRequests {
		put(kabinet.RecordRef{Entity: kabinet.EntityLeaveRequest, ID: x.ID}, canonLeave(x))
	}
	for _, d := range res.Deleted {
		ref := kabinet.RecordRef{Entity: d.Type, ID: d.ID}
		if seen[ref] {
			tb.Fatalf("page sends %v and its tombstone", ref)
		}
		seen[ref] = true
		delete(p.records, ref)
	}
	if n := len(seen); n > res.Limit {
		tb.Fatalf("page has %d records and tombstones, want at most the limit %d", n, res.Limit)
	}
	p.cursor = res.Cursor
	if res.Integrity != nil {
		p.checkIntegrity(tb, res.Integrity)
	}
}

func (p *phone) checkIntegrity(tb testing.TB, in *ksync.Integrity) {
	tb.Helper()
	ids := map[string][]string{}
	for ref := range p.records {
		ids[ref.Entity] = append(ids[ref.Entity], ref.ID)
	}
	for _, c := range []struct {
		entity string
		got    ksync.CollectionDigest
	}{{kabinet.EntityPayslip, in.Payslips}, {kabinet.EntityLeaveBalance, in.LeaveBalances}, {kabinet.EntityVacation, in.Vacations},
		{kabinet.EntityLeaveRequest, in.LeaveRequests}} {
		if want := ksync.Digest(ids[c.entity]); c.got != want {
			tb.Fatalf("integrity of %s: got %+v, want %+v (the phone's copy)", c.entity, c.got, want)
		}
	}
}

// syncAll pages until hasMore is false and returns the number of pages.
func (p *phone) syncAll(tb testing.TB, f *fixture, limit int) int {
	tb.Helper()
	for n := 1; ; n++ {
		full := p.cursor == ""
		res := f.sync(tb, p.emp, p.cursor, limit)
		p.apply(tb, res, full)
		if !res.HasMore {
			return n
		}
		if n > 10_000 {
			tb.Fatalf("sync does not end")
		}
	}
}

func canonPayslip(p *kabinet.Payslip) string {
	viewed := "-"
	if p.ViewedAt != nil {
		viewed = p.ViewedAt.UTC().Format(time.RFC3339Nano)
	}
	var lines []string
	for _, l := range p.Lines {
		lines = append(lines, l.Section+":"+l.Amount.String())
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s", p.ExternalID, p.EmployeeExternalID, p.Period, p.Accrued, p.PublishedAt.UTC().Format(time.RFC3339Nano),
		viewed, strings.Join(lines, ","))
}

func canonBalance(b *kabinet.LeaveBalance) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s", b.LeaveTypeCode, b.LeaveTypeTitle, b.AsOf, b.EntitledDays, b.UsedDays, b.RemainingDays)
}

func canonVacation(v *kabinet.Vacation) string {
	return fmt.Sprintf("%s|%s|%s|%s|%d", v.ExternalID, v.EmployeeExternalID, v.StartsOn, v.EndsOn, v.Days)
}

func canonLeave(r *kabinet.LeaveRequest) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s", r.EmployeeID, r.StartsOn, r.EndsOn, r.Status, r.ApproverID, r.DecisionComment)
}

// serverState reads what the employee should see, independently of the
// sync code: HR's payslip listing, and plain SQL for the rest.
func (f *fixture) serverState(tb testing.TB, emp string) map[kabinet.RecordRef]string {
	tb.Helper()
	ctx := context.Background()
	out := map[kabinet.RecordRef]string{}
	slips, err := f.db.Payslips(ctx, f.org, kabinet.PayslipFilter{EmployeeID: f.emp[emp]})
	if err != nil {
		tb.Fatalf("payslips: %v", err)
	}
	for _, p := range slips {
		out[kabinet.RecordRef{Entity: kabinet.EntityPayslip, ID: p.ID}] = canonPayslip(p)
	}
	err = func(tx *sql.DB) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, leave_type_code, leave_type_title, as_of, entitled, used, remaining
			FROM leave_balances WHERE employee_id = $1`, f.emp[emp])
		if err != nil {
			return err
		}
		for rows.Next() {
			var b kabinet.LeaveBalance
			if err := rows.Scan(&b.ID, &b.LeaveTypeCode, &b.LeaveTypeTitle, &b.AsOf, &b.EntitledDays, &b.UsedDays, &b.RemainingDays); err != nil {
				return err
			}
			out[kabinet.RecordRef{Entity: kabinet.EntityLeaveBalance, ID: b.ID}] = canonBalance(&b)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT v.id, v.external_id, e.external_id, v.starts_on, v.ends_on, v.days
			FROM vacations v JOIN employees e ON e.id = v.employee_id WHERE v.employee_id = $1 AND v.cancelled_at IS NULL`, f.emp[emp])
		if err != nil {
			return err
		}
		for rows.Next() {
			var v kabinet.Vacation
			if err := rows.Scan(&v.ID, &v.ExternalID, &v.EmployeeExternalID, &v.StartsOn, &v.EndsOn, &v.Days); err != nil {
				return err
			}
			out[kabinet.RecordRef{Entity: kabinet.EntityVacation, ID: v.ID}] = canonVacation(&v)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// Own requests, and those waiting for the employee's decision.
		rows, err = tx.QueryContext(ctx, `SELECT id, employee_id, starts_on, ends_on, status, approver_id, decision_comment
			FROM leave_requests WHERE employee_id = $1 OR (approver_id = $1 AND status = 'PENDING')`, f.emp[emp])
		if err != nil {
			return err
		}
		for rows.Next() {
			var r kabinet.LeaveRequest
			if err := rows.Scan(&r.ID, &r.EmployeeID, &r.StartsOn, &r.EndsOn, &r.Status, &r.ApproverID, &r.DecisionComment); err != nil {
				return err
			}
			out[kabinet.RecordRef{Entity: kabinet.EntityLeaveRequest, ID: r.ID}] = canonLeave(&r)
		}
		return rows.Err()
	}(f.raw)
	if err != nil {
		tb.Fatalf("server state: %v", err)
	}
	return out
}

// diff describes how the phone's copy differs from the server's, or "".
func diff(phone, server map[kabinet.RecordRef]string) string {
	var out []string
	for ref, want := range server {
		got, ok := phone[ref]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("missing %v: want %s", ref, want))
		case got != want:
			out = append(out, fmt.Sprintf("stale %v: got %s, want %s", ref, got, want))
		}
	}
	for ref, got := range phone {
		if _, ok := server[ref]; !ok {
			out = append(out, fmt.Sprintf("extra %v: got %s", ref, got))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}
