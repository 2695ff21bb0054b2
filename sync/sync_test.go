package sync_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/payroll"
	ksync "github.com/kabinet/kabinet/sync"
)

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := kabinet.ErrorCode(err); got != code {
		tb.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

// seedEmployee publishes n payslips (of `lines` lines), 3 balances and
// vacations for the employee.
func (f *fixture) seedEmployee(tb testing.TB, emp string, payslips, lines, vacations int) {
	tb.Helper()
	ctx := context.Background()
	var slips []payroll.PayslipInput
	for i := range payslips {
		slips = append(slips, payslip(fmt.Sprintf("%s-PS-%d", emp, i), emp, fmt.Sprintf("%d-%02d", 2021+i/12, 1+i%12), i, lines))
	}
	if len(slips) > 0 {
		f.publish(tb, slips...)
	}
	var bals []payroll.LeaveBalanceInput
	for _, code := range []string{"ОСН", "ДОП", "УЧ"} {
		bals = append(bals, payroll.LeaveBalanceInput{EmployeeExternalID: emp, LeaveTypeCode: code, LeaveTypeTitle: "Отпуск " + code,
			AsOf: "2026-10-31", EntitledDays: "28.00", UsedDays: "14.00", RemainingDays: "14.00"})
	}
	if _, err := f.payroll.PublishLeaveBalances(ctx, f.org, bals); err != nil {
		tb.Fatalf("balances: %v", err)
	}
	var vacs []payroll.VacationInput
	for i := range vacations {
		start := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 20*i)
		vacs = append(vacs, payroll.VacationInput{ExternalID: fmt.Sprintf("%s-V-%d", emp, i), EmployeeExternalID: emp,
			StartsOn: start.Format(kabinet.DateLayout), EndsOn: start.AddDate(0, 0, 6).Format(kabinet.DateLayout), Days: 7})
	}
	if len(vacs) > 0 {
		if _, err := f.payroll.PublishVacations(ctx, f.org, vacs); err != nil {
			tb.Fatalf("vacations: %v", err)
		}
	}
}

func TestFullSync(t *testing.T) {
	t.Run("OnePage", func(t *testing.T) {
		f := newFixture(t, "A", "B")
		f.seedEmployee(t, "A", 5, 3, 2)
		f.seedEmployee(t, "B", 4, 3, 1)
		res := f.sync(t, "A", "", 100)
		if got := [3]int{len(res.Payslips), len(res.LeaveBalances), len(res.Vacations)}; got != [3]int{5, 3, 2} {
			t.Fatalf("got %v payslips/balances/vacations, want [5 3 2]", got)
		}
		if res.HasMore || res.Integrity == nil || len(res.Deleted) != 0 {
			t.Fatalf("got hasMore=%v integrity=%v deleted=%v, want false, set, none", res.HasMore, res.Integrity, res.Deleted)
		}
		for _, p := range res.Payslips {
			if p.EmployeeExternalID != "A" || len(p.Lines) != 3 {
				t.Fatalf("got payslip of %s with %d lines, want A's with 3", p.EmployeeExternalID, len(p.Lines))
			}
		}
		if res.Integrity.Payslips.Count != 5 || res.Integrity.Vacations.Count != 2 || res.Integrity.LeaveBalances.Count != 3 {
			t.Fatalf("got integrity %+v, want counts 5, 3, 2", res.Integrity)
		}
		if want := ksync.Digest(nil).Digest; want != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
			t.Fatalf("got empty digest %s, want SHA-256 of the empty string", want)
		}
	})
	t.Run("Paged", func(t *testing.T) {
		f := newFixture(t, "A")
		f.seedEmployee(t, "A", 20, 2, 10)
		ph := newPhone("A")
		seen := map[string]bool{}
		pages := 0
		for {
			full := ph.cursor == ""
			res := f.sync(t, "A", ph.cursor, 7)
			pages++
			for _, ref := range refsOf(res) {
				if seen[ref.ID] {
					t.Fatalf("page %d repeats %v", pages, ref)
				}
				seen[ref.ID] = true
			}
			if res.HasMore == (res.Integrity != nil) {
				t.Fatalf("page %d: got hasMore=%v with integrity %v, want integrity on the last page only", pages, res.HasMore, res.Integrity)
			}
			ph.apply(t, res, full)
			if !res.HasMore {
				break
			}
		}
		if pages != 5 || len(seen) != 33 {
			t.Fatalf("got %d records in %d pages, want 33 in 5", len(seen), pages)
		}
		if d := diff(ph.records, f.serverState(t, "A")); d != "" {
			t.Fatalf("phone differs:\n%s", d)
		}
	})
	t.Run("ChangesWhilePaging", func(t *testing.T) {
		f := newFixture(t, "A")
		f.seedEmployee(t, "A", 6, 1, 0)
		ph := newPhone("A")
		ph.apply(t, f.sync(t, "A", "", 4), true)
		// A payslip already sent is corrected, one not yet sent is retracted,
		// and a new one is published, all between the snapshot's pages.
		f.publish(t, payslip(ph.firstPayslipExt(t), "A", "2021-01", 777, 1))
		slips, _ := f.db.Payslips(context.Background(), f.org, kabinet.PayslipFilter{EmployeeID: f.emp["A"]})
		var unsent []string
		for _, p := range slips {
			if _, ok := ph.records[kabinet.RecordRef{Entity: kabinet.EntityPayslip, ID: p.ID}]; !ok {
				unsent = append(unsent, p.ExternalID)
			}
		}
		if _, err := f.payroll.RetractPayslip(context.Background(), f.org, unsent[0]); err != nil {
			t.Fatal(err)
		}
		f.publish(t, payslip(unsent[1], "A", "2021-06", 555, 1)) // not sent yet, corrected
		f.publish(t, payslip("NEW", "A", "2026-10", 1, 1))
		// The rest of the snapshot (payslips, then 3 balances), then the
		// catch-up from the snapshot's head; integrity only at the very end.
		// Each record comes once: a record changed after the snapshot's head
		// is left to the catch-up rather than sent twice.
		var tombstones int
		sent := map[kabinet.RecordRef]bool{}
		for pages := 1; ; pages++ {
			res := f.sync(t, "A", ph.cursor, 4)
			ph.apply(t, res, false)
			for _, ref := range refsOf(res) {
				if sent[ref] {
					t.Fatalf("page %d sends %v again", pages, ref)
				}
				sent[ref] = true
			}
			tombstones += len(res.Deleted)
			if res.HasMore == (res.Integrity != nil) {
				t.Fatalf("page %d: got hasMore=%v with integrity %v, want integrity on the last page only", pages, res.HasMore, res.Integrity)
			}
			if !res.HasMore {
				break
			}
		}
		if tombstones != 1 {
			t.Fatalf("got %d tombstones, want 1 (the payslip retracted while paging)", tombstones)
		}
		if d := diff(ph.records, f.serverState(t, "A")); d != "" {
			t.Fatalf("phone differs:\n%s", d)
		}
	})
}

func (p *phone) firstPayslipExt(tb testing.TB) string {
	for ref, v := range p.records {
		if ref.Entity == kabinet.EntityPayslip {
			return strings.Split(v, "|")[0]
		}
	}
	tb.Fatal("the phone has no payslip")
	return ""
}

func TestIncrementalSync(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.seedEmployee(t, "A", 3, 1, 2)
	ph := newPhone("A")
	ph.syncAll(t, f, 100)

	t.Run("NoChange", func(t *testing.T) {
		f.publish(t, payslip("B-1", "B", "2026-10", 1, 1)) // someone else's
		res := f.sync(t, "A", ph.cursor, 100)
		if n := len(refsOf(res)); n != 0 || res.HasMore || res.Integrity != nil {
			t.Fatalf("got %d records, hasMore=%v, integrity=%v, want nothing", n, res.HasMore, res.Integrity)
		}
		ph.apply(t, res, false)
	})
	t.Run("Collapse", func(t *testing.T) {
		for seed := range 5 {
			f.publish(t, payslip("A-PS-0", "A", "2021-01", 100+seed, 1))
		}
		res := f.sync(t, "A", ph.cursor, 100)
		if len(res.Payslips) != 1 || res.Payslips[0].Lines[0].Amount.String() != "1104.00" {
			t.Fatalf("got %d payslips, want 1 in its latest state (1104.00)", len(res.Payslips))
		}
		ph.apply(t, res, false)
	})
	t.Run("Tombstones", func(t *testing.T) {
		ctx := context.Background()
		f.payroll.RetractPayslip(ctx, f.org, "A-PS-1")
		f.payroll.CancelVacation(ctx, f.org, "A-V-0")
		f.publish(t, payslip("A-PS-2", "B", "2021-03", 2, 1)) // moved to B
		res := f.sync(t, "A", ph.cursor, 100)
		got := map[string]int{}
		for _, d := range res.Deleted {
			got[d.Type]++
		}
		if got[kabinet.EntityPayslip] != 2 || got[kabinet.EntityVacation] != 1 || len(res.Payslips)+len(res.Vacations) != 0 {
			t.Fatalf("got tombstones %v and %d records, want 2 payslips, 1 vacation, no records", got, len(res.Payslips)+len(res.Vacations))
		}
		ph.apply(t, res, false)
		if d := diff(ph.records, f.serverState(t, "A")); d != "" {
			t.Fatalf("phone differs:\n%s", d)
		}
	})
	t.Run("Restored", func(t *testing.T) {
		f.publish(t, payslip("A-PS-1", "A", "2021-02", 1, 1))
		res := f.sync(t, "A", ph.cursor, 100)
		if len(res.Payslips) != 1 || len(res.Deleted) != 0 {
			t.Fatalf("got %d payslips and %d tombstones, want the restored payslip", len(res.Payslips), len(res.Deleted))
		}
	})
}

func TestLimit(t *testing.T) {
	f := newFixture(t, "A")
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		limit *int
		want  int
		code  string
	}{
		{"Default", nil, ksync.DefaultLimit, ""},
		{"Given", ptr(5), 5, ""},
		{"Max", ptr(ksync.DefaultMaxLimit), ksync.DefaultMaxLimit, ""},
		{"ClampedToMax", ptr(1_000_000), ksync.DefaultMaxLimit, ""},
		{"ErrZero", ptr(0), 0, kabinet.EBADINPUT},
		{"ErrNegative", ptr(-3), 0, kabinet.EBADINPUT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := f.svc.Sync(ctx, f.org, f.emp["A"], "", tc.limit)
			if tc.code != "" {
				wantCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Limit != tc.want {
				t.Fatalf("got limit %d, want %d", res.Limit, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestReset(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "A", "B")
	f.seedEmployee(t, "A", 2, 1, 1)
	good := f.sync(t, "A", "", 100).Cursor
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	flip := func(i int) string {
		b := []byte(string(raw))
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	pos := f.svc.EncodeCursor(f.org, f.emp["A"], ksync.Cursor{Version: ksync.ProtocolVersion}) // position 0
	for _, tc := range []struct {
		name, org, emp, cursor string
	}{
		{"ErrMalformed", f.org, f.emp["A"], "not a cursor!"},
		{"ErrTruncated", f.org, f.emp["A"], good[:len(good)-3]},
		{"ErrTooLong", f.org, f.emp["A"], strings.Repeat("A", 600)},
		{"ErrForgedPayload", f.org, f.emp["A"], flip(2)},
		{"ErrForgedTag", f.org, f.emp["A"], flip(len(raw) - 1)},
		{"ErrOtherEmployee", f.org, f.emp["B"], good},
		{"ErrOtherOrganization", "org_other", f.emp["A"], good},
		{"ErrOtherVersion", f.org, f.emp["A"], f.svc.EncodeCursor(f.org, f.emp["A"], ksync.Cursor{Version: ksync.ProtocolVersion + 1})},
		{"ErrOtherKey", f.org, f.emp["A"], (&ksync.Service{Key: []byte("another key, also 32 bytes long!")}).EncodeCursor(f.org, f.emp["A"], ksync.Cursor{Version: ksync.ProtocolVersion})},
		{"ErrAhead", f.org, f.emp["A"], f.svc.EncodeCursor(f.org, f.emp["A"], ksync.Cursor{Version: ksync.ProtocolVersion, Pos: 1 << 40})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Sync(ctx, tc.org, tc.emp, tc.cursor, nil)
			wantCode(t, err, kabinet.ERESETREQUIRED)
		})
	}
	t.Run("VersionBump", func(t *testing.T) {
		bumped := *f.svc
		bumped.Version = ksync.ProtocolVersion + 1
		_, err := bumped.Sync(ctx, f.org, f.emp["A"], good, nil)
		wantCode(t, err, kabinet.ERESETREQUIRED)
		res, err := bumped.Sync(ctx, f.org, f.emp["A"], "", nil) // the way out
		if err != nil || len(res.Payslips) != 2 {
			t.Fatalf("full sync after the bump: got %v, %v; want 2 payslips", res, err)
		}
		if _, err := bumped.Sync(ctx, f.org, f.emp["A"], res.Cursor, nil); err != nil {
			t.Fatalf("cursor issued after the bump: got %v, want it accepted", err)
		}
	})
	t.Run("Compaction", func(t *testing.T) {
		c := &ksync.Compactor{Store: f.db, Clock: f.clock, Retention: 30 * 24 * time.Hour}
		f.clock.Add(20 * 24 * time.Hour)
		fresh := f.sync(t, "A", good, 100).Cursor // synced on day 20
		f.publish(t, payslip("A-LATER", "A", "2026-11", 1, 1))
		f.clock.Add(15 * 24 * time.Hour) // day 35: the seeding is older than 30 days
		res, err := c.Compact(ctx)
		if err != nil || res.Deleted == 0 {
			t.Fatalf("compact: got %+v, %v; want rows deleted", res, err)
		}
		_, err = f.svc.Sync(ctx, f.org, f.emp["A"], pos, nil)
		wantCode(t, err, kabinet.ERESETREQUIRED)
		if got := f.sync(t, "A", fresh, 100); len(got.Payslips) != 1 {
			t.Fatalf("cursor above the floor: got %d payslips, want the 1 published after it", len(got.Payslips))
		}
		head := f.sync(t, "A", fresh, 100).Cursor
		f.clock.Add(100 * 24 * time.Hour)
		if _, err := c.Compact(ctx); err != nil {
			t.Fatal(err)
		}
		// Everything is compacted: the log is empty, but a cursor at its
		// head is still good and the data is all there in a full sync.
		_, err = f.svc.Sync(ctx, f.org, f.emp["A"], fresh, nil)
		wantCode(t, err, kabinet.ERESETREQUIRED)
		if res := f.sync(t, "A", head, 100); len(refsOf(res)) != 0 {
			t.Fatalf("sync at the head after compaction: got %d records, want none", len(refsOf(res)))
		}
		if res := f.sync(t, "A", "", 100); len(res.Payslips) != 3 {
			t.Fatalf("full sync after compaction: got %d payslips, want 3", len(res.Payslips))
		}
		f.publish(t, payslip("A-AFTER", "A", "2026-12", 1, 1))
		if res := f.sync(t, "A", head, 100); len(res.Payslips) != 1 {
			t.Fatalf("sync after compaction and a publication: got %d payslips, want 1", len(res.Payslips))
		}
	})
}

func TestSyncNeedsEmployee(t *testing.T) {
	f := newFixture(t, "A")
	_, err := f.svc.Sync(context.Background(), f.org, "", "", nil)
	wantCode(t, err, kabinet.EFORBIDDEN)
}

type viewRecorder struct{ calls []string }

func (v *viewRecorder) PayslipViewed(_ context.Context, orgID, employeeID, payslipID string) {
	v.calls = append(v.calls, payslipID)
}

func TestMarkPayslipViewed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "A", "B")
	views := &viewRecorder{}
	f.svc.Views = views
	published := f.clock.Now()
	f.publish(t, payslip("A-1", "A", "2026-10", 1, 1), payslip("B-1", "B", "2026-10", 1, 1))
	f.clock.Add(48 * time.Hour)
	slips, _ := f.db.Payslips(ctx, f.org, kabinet.PayslipFilter{})
	id := map[string]string{}
	for _, p := range slips {
		id[p.ExternalID] = p.ID
	}
	mark := func(emp, payslipID string, at time.Time, cmid string) (*kabinet.Payslip, error) {
		return f.svc.MarkPayslipViewed(ctx, f.org, f.emp[emp], ksync.View{PayslipID: payslipID, ViewedAt: at, ClientMutationID: cmid})
	}
	changes := func() int {
		n, err := f.db.ChangeCount(ctx, f.org)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	ph := newPhone("A")
	ph.syncAll(t, f, 10)
	other := newPhone("A") // the employee's second device
	other.syncAll(t, f, 10)

	firstView := f.clock.Now().Add(-time.Hour)
	t.Run("OK", func(t *testing.T) {
		before := changes()
		p, err := mark("A", id["A-1"], firstView, "m-1")
		if err != nil {
			t.Fatal(err)
		}
		if p.ViewedAt == nil || !p.ViewedAt.Equal(firstView) {
			t.Fatalf("got viewedAt %v, want %v", p.ViewedAt, firstView)
		}
		if got := changes() - before; got != 1 {
			t.Fatalf("got %d changes recorded, want 1", got)
		}
		if len(views.calls) != 1 || views.calls[0] != id["A-1"] {
			t.Fatalf("got listener calls %v, want one for the payslip", views.calls)
		}
		res := f.sync(t, "A", other.cursor, 10)
		if len(res.Payslips) != 1 || res.Payslips[0].ViewedAt == nil || !res.Payslips[0].ViewedAt.Equal(firstView) {
			t.Fatalf("other device: got %d payslips, want the viewed one with viewedAt %v", len(res.Payslips), firstView)
		}
		other.apply(t, res, false)
	})
	t.Run("Replay", func(t *testing.T) {
		before := changes()
		p, err := mark("A", id["A-1"], firstView.Add(-30*time.Minute), "m-1") // same id, even with another time
		if err != nil {
			t.Fatal(err)
		}
		if !p.ViewedAt.Equal(firstView) || changes() != before || len(views.calls) != 1 {
			t.Fatalf("replay: got viewedAt %v, %d new changes, %d listener calls; want %v, 0, 1", p.ViewedAt, changes()-before, len(views.calls), firstView)
		}
		if res := f.sync(t, "A", other.cursor, 10); len(refsOf(res)) != 0 {
			t.Fatalf("replay: other device got %d records, want none", len(refsOf(res)))
		}
	})
	t.Run("LaterViewKeepsEarliest", func(t *testing.T) {
		before := changes()
		p, err := mark("A", id["A-1"], firstView.Add(time.Minute), "m-2")
		if err != nil {
			t.Fatal(err)
		}
		if !p.ViewedAt.Equal(firstView) || changes() != before {
			t.Fatalf("got viewedAt %v and %d changes, want %v and none", p.ViewedAt, changes()-before, firstView)
		}
	})
	t.Run("EarlierViewWins", func(t *testing.T) {
		earlier := firstView.Add(-10 * time.Hour)
		p, err := mark("A", id["A-1"], earlier, "m-3")
		if err != nil || !p.ViewedAt.Equal(earlier) {
			t.Fatalf("got %v, %v; want viewedAt %v", p.ViewedAt, err, earlier)
		}
	})
	t.Run("ClampedToPublication", func(t *testing.T) {
		f.publish(t, payslip("A-2", "A", "2026-09", 1, 1))
		slips, _ := f.db.Payslips(ctx, f.org, kabinet.PayslipFilter{Period: "2026-09"})
		p, err := mark("A", slips[0].ID, published.AddDate(-1, 0, 0), "m-4")
		if err != nil || !p.ViewedAt.Equal(slips[0].PublishedAt) {
			t.Fatalf("got %v, %v; want viewedAt raised to the publication %v", p.ViewedAt, err, slips[0].PublishedAt)
		}
	})
	t.Run("SmallSkewClampedToNow", func(t *testing.T) {
		f.publish(t, payslip("A-3", "A", "2026-08", 1, 1))
		slips, _ := f.db.Payslips(ctx, f.org, kabinet.PayslipFilter{Period: "2026-08"})
		p, err := mark("A", slips[0].ID, f.clock.Now().Add(3*time.Hour), "m-5")
		if err != nil || !p.ViewedAt.Equal(f.clock.Now()) {
			t.Fatalf("got %v, %v; want viewedAt %v (now)", p.ViewedAt, err, f.clock.Now())
		}
	})
	for _, tc := range []struct {
		name, emp, payslip, cmid string
		at                       time.Time
		code                     string
	}{
		{"ErrFarFuture", "A", id["A-1"], "m-10", f.clock.Now().Add(25 * time.Hour), kabinet.EBADINPUT},
		{"ErrNoViewedAt", "A", id["A-1"], "m-11", time.Time{}, kabinet.EBADINPUT},
		{"ErrNoClientMutationID", "A", id["A-1"], "", f.clock.Now(), kabinet.EBADINPUT},
		{"ErrLongClientMutationID", "A", id["A-1"], strings.Repeat("x", 129), f.clock.Now(), kabinet.EBADINPUT},
		{"ErrUnknownPayslip", "A", "ps_unknown", "m-12", f.clock.Now(), kabinet.ENOTFOUND},
		{"ErrOtherEmployeesPayslip", "A", id["B-1"], "m-13", f.clock.Now(), kabinet.ENOTFOUND},
		{"ErrClientMutationIDReused", "A", id["A-1"], "m-4", f.clock.Now(), kabinet.ECONFLICT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := changes()
			_, err := mark(tc.emp, tc.payslip, tc.at, tc.cmid)
			wantCode(t, err, tc.code)
			if changes() != before {
				t.Fatalf("got %d changes recorded, want none", changes()-before)
			}
		})
	}
	t.Run("ErrRetracted", func(t *testing.T) {
		f.payroll.RetractPayslip(ctx, f.org, "A-1")
		_, err := mark("A", id["A-1"], f.clock.Now(), "m-20")
		wantCode(t, err, kabinet.ENOTFOUND)
		_, err = mark("A", id["A-1"], f.clock.Now(), "m-1") // a replay of a withdrawn payslip
		wantCode(t, err, kabinet.ENOTFOUND)
	})
	t.Run("ErrOtherOrganization", func(t *testing.T) {
		// The payslip's own employee, but another organisation in the actor:
		// the store scopes by organisation too.
		_, err := f.svc.MarkPayslipViewed(ctx, "org_other", f.emp["B"], ksync.View{PayslipID: id["B-1"], ViewedAt: f.clock.Now(), ClientMutationID: "x"})
		wantCode(t, err, kabinet.ENOTFOUND)
	})
}

func TestCompactorRun(t *testing.T) {
	f := newFixture(t, "A")
	f.seedEmployee(t, "A", 2, 1, 0)
	cursor := f.sync(t, "A", "", 10).Cursor
	f.svc.Sync(context.Background(), f.org, f.emp["A"], cursor, nil)
	ticks := make(chan time.Time)
	waited := make(chan time.Duration, 10)
	c := &ksync.Compactor{Store: f.db, Clock: f.clock, Retention: 24 * time.Hour, Interval: 5 * time.Minute,
		After:  func(d time.Duration) <-chan time.Time { waited <- d; return ticks },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	if d := <-waited; d != 5*time.Minute {
		t.Fatalf("got wait %v, want the interval 5m", d)
	}
	// The first run found nothing old; two days later the next one does.
	old := f.svc.EncodeCursor(f.org, f.emp["A"], ksync.Cursor{Version: ksync.ProtocolVersion})
	if _, err := f.svc.Sync(context.Background(), f.org, f.emp["A"], old, nil); err != nil {
		t.Fatalf("before compaction: got %v, want the cursor served", err)
	}
	f.clock.Add(48 * time.Hour)
	ticks <- f.clock.Now()
	<-waited
	_, err := f.svc.Sync(context.Background(), f.org, f.emp["A"], old, nil)
	wantCode(t, err, kabinet.ERESETREQUIRED)
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("got %v from Run, want context.Canceled", err)
	}
}
