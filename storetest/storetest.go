// Package storetest is the store conformance suite: the behaviour every
// Kabinet store (sqlite/, postgres/) must show, written once and run by each
// store's tests with its own constructor:
//
//	func TestConformance(t *testing.T) { storetest.Run(t, open) }
//
// The service and HTTP end-to-end tests (internal/testkit) run on both
// stores as well; these are the store-level properties below them.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
	"github.com/kabinet/kabinet/internal/testkit"
)

// Opener opens a fresh, empty, migrated store on the given clock; the store
// is closed and removed when tb ends.
type Opener func(tb testing.TB, clock kabinet.Clock) app.Store

// Run runs the suite against the stores open makes.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, open Opener)
	}{
		{"Ready", testReady},
		{"UniqueIsConflict", testUniqueIsConflict},
		{"Counters", testCounters},
		{"SpendChallenge", testSpendChallenge},
		{"ChangeLog", testChangeLog},
		{"NoChangeSkippedUnderConcurrentWriters", testNoChangeSkipped},
		{"Compaction", testCompaction},
		{"MarkViewedOnce", testMarkViewedOnce},
		{"GeneratedLoginsUnderConcurrency", testGeneratedLogins},
		{"PlanNotifications", testPlanNotifications},
		{"CabinetSearch", testCabinetSearch},
		{"ApplyOutbox", testApplyOutbox},
		{"LeaveCreateOnce", testLeaveCreateOnce},
		{"LeaveConcurrentCreates", testLeaveConcurrentCreates},
		{"LeaveTransitions", testLeaveTransitions},
		{"LeavePositions", testLeavePositions},
		{"LeaveSync", testLeaveSync},
		{"HRUsers", testHRUsers},
		{"HRLinksOnce", testHRLinksOnce},
		{"SecondFactorOnce", testSecondFactorOnce},
		{"NamedAPIKeys", testNamedAPIKeys},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open) })
	}
}

func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)) }

// org creates an organisation with the given employees and returns its id
// and the employees' ids by external id.
func org(t *testing.T, db app.Store, employees ...string) (string, map[string]string) {
	t.Helper()
	ctx := context.Background()
	o := &kabinet.Organization{Name: "Org", Timezone: "Europe/Moscow"}
	if err := db.CreateOrganization(ctx, o, kabinet.NewID("hash")); err != nil {
		t.Fatal(err)
	}
	var emps []kabinet.Employee
	for _, e := range employees {
		emps = append(emps, kabinet.Employee{ExternalID: e, LastName: "Иванов", FirstName: "Иван"})
	}
	if _, _, err := db.UpsertEmployees(ctx, o.ID, emps); err != nil {
		t.Fatal(err)
	}
	ids, err := db.EmployeeIDs(ctx, o.ID, employees)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID, ids
}

func slip(ext, employeeID string, accrued kabinet.Decimal) kabinet.Payslip {
	return kabinet.Payslip{ExternalID: ext, EmployeeID: employeeID, Period: "2026-10", Currency: "RUB", Accrued: accrued, Paid: accrued}
}

func testReady(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	names, err := db.Migrations(ctx)
	if err != nil || len(names) == 0 || names[0] != "0001_foundation.sql" {
		t.Fatalf("got migrations %v, %v; want 0001_foundation.sql first", names, err)
	}
}

func testUniqueIsConflict(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	if err := db.CreateOrganization(ctx, &kabinet.Organization{Name: "A", Timezone: "UTC"}, "hash-1"); err != nil {
		t.Fatal(err)
	}
	err := db.CreateOrganization(ctx, &kabinet.Organization{Name: "B", Timezone: "UTC"}, "hash-1")
	if got := kabinet.ErrorCode(err); got != kabinet.ECONFLICT {
		t.Fatalf("got %q (%v) for a duplicate key hash, want CONFLICT", got, err)
	}
	if n, _ := db.CountOrganizations(ctx); n != 1 {
		t.Fatalf("got %d organisations, want 1: the failed transaction must write nothing", n)
	}
}

// testCounters: concurrent events of one throttle key are all counted, and
// an ended window starts afresh.
func testCounters(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	const w, n = 10 * time.Minute, 8
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.AddThrottle(ctx, "a", clock.Now(), w); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := db.ThrottleCounters(ctx, []string{"a", "b"}, clock.Now())
	if err != nil || got["a"].Count != n || !got["a"].WindowEnd.Equal(clock.Now().Add(w)) {
		t.Fatalf("got %+v, %v; want %d events in a window ending %v", got, err, n, clock.Now().Add(w))
	}
	if _, ok := got["b"]; ok {
		t.Fatalf("got a counter for an unused key: %+v", got["b"])
	}
	clock.Add(w)
	if c, err := db.AddThrottle(ctx, "a", clock.Now(), w); err != nil || c.Count != 1 {
		t.Fatalf("got %+v, %v in a new window, want a count of 1", c, err)
	}
}

// testSpendChallenge: of concurrent spends of one challenge exactly one
// wins; the others are CONFLICT.
func testSpendChallenge(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	const n = 32
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := db.SpendChallenge(ctx, "h", clock.Now().Add(time.Minute)); kabinet.ErrorCode(err) {
			case "":
				mu.Lock()
				won++
				mu.Unlock()
			case kabinet.ECONFLICT:
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d of %d concurrent spends of one challenge won, want 1", won, n)
	}
}

// testChangeLog: a publication records one change per changed record, an
// unchanged republish none; the head moves with them and says whether the
// employee has something after a position.
func testChangeLog(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1", "E-2")
	h0, err := db.SyncHead(ctx, ids["E-1"], 0)
	if err != nil || h0.Pending {
		t.Fatalf("got head %+v, %v before any change; want nothing pending", h0, err)
	}
	slips := []kabinet.Payslip{slip("PS-1", ids["E-1"], 100), slip("PS-2", ids["E-2"], 200)}
	if _, _, err := db.PublishPayslips(ctx, orgID, slips); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.ChangeCount(ctx, orgID); n != 2 {
		t.Fatalf("got %d changes after publishing 2 payslips, want 2", n)
	}
	h1, err := db.SyncHead(ctx, ids["E-1"], h0.Seq)
	if err != nil || !h1.Pending || h1.Seq <= h0.Seq {
		t.Fatalf("got head %+v, %v after publishing; want pending, above %d", h1, err, h0.Seq)
	}
	if _, _, err := db.PublishPayslips(ctx, orgID, []kabinet.Payslip{slip("PS-1", ids["E-1"], 100), slip("PS-2", ids["E-2"], 200)}); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.ChangeCount(ctx, orgID); n != 2 {
		t.Fatalf("got %d changes after an unchanged republish, want 2", n)
	}
	if h, _ := db.SyncHead(ctx, ids["E-1"], h1.Seq); h.Pending || h.Seq != h1.Seq {
		t.Fatalf("got head %+v after an unchanged republish, want %d with nothing pending", h, h1.Seq)
	}
	var got []kabinet.SyncChange
	err = db.ReadSync(ctx, orgID, ids["E-1"], func(r kabinet.SyncReader) error {
		h, err := r.Head(ctx, h0.Seq)
		if err != nil {
			return err
		}
		got, err = r.Changes(ctx, h0.Seq, h.Seq, 10)
		return err
	})
	if err != nil || len(got) != 1 || got[0].ID != slips[0].ID {
		t.Fatalf("got changes %+v, %v for E-1; want PS-1 (%s) only", got, err, slips[0].ID)
	}
}

// testNoChangeSkipped is the cursor's promise under concurrent writers: a
// reader that repeatedly reads "changes in (P, head]" and moves P to head
// never skips a change, even one that committed after a change with a
// higher position was already visible.
func testNoChangeSkipped(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1")
	emp := ids["E-1"]
	const writers, each = 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, _, err := db.PublishPayslips(ctx, orgID, []kabinet.Payslip{slip(fmt.Sprintf("PS-%d-%d", w, i), emp, 100)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]bool{}
	var pos int64
	read := func() {
		err := db.ReadSync(ctx, orgID, emp, func(r kabinet.SyncReader) error {
			h, err := r.Head(ctx, pos)
			if err != nil || !h.Pending {
				pos = max(pos, h.Seq)
				return err
			}
			cs, err := r.Changes(ctx, pos, h.Seq, writers*each+1)
			for _, c := range cs {
				seen[c.ID] = true
			}
			pos = h.Seq
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		read()
	}
	read()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slips, err := db.Payslips(ctx, orgID, kabinet.PayslipFilter{EmployeeID: emp})
	if err != nil {
		t.Fatal(err)
	}
	if len(slips) != writers*each {
		t.Fatalf("got %d payslips, want %d", len(slips), writers*each)
	}
	for _, p := range slips {
		if !seen[p.ID] {
			t.Errorf("the reader never saw payslip %s (%s): a change committed late was skipped", p.ID, p.ExternalID)
		}
	}
}

// testCompaction: compacting raises the floor past the deleted changes, and
// leaves younger ones.
func testCompaction(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1")
	if _, _, err := db.PublishPayslips(ctx, orgID, []kabinet.Payslip{slip("PS-1", ids["E-1"], 1), slip("PS-2", ids["E-1"], 2)}); err != nil {
		t.Fatal(err)
	}
	old, _ := db.SyncHead(ctx, ids["E-1"], 0)
	clock.Add(48 * time.Hour)
	if _, _, err := db.PublishPayslips(ctx, orgID, []kabinet.Payslip{slip("PS-3", ids["E-1"], 3)}); err != nil {
		t.Fatal(err)
	}
	deleted, floor, err := db.CompactChanges(ctx, clock.Now().Add(-time.Hour), 1)
	if err != nil || deleted != 2 || floor != old.Seq {
		t.Fatalf("got %d deleted, floor %d, %v; want 2 deleted, floor %d", deleted, floor, err, old.Seq)
	}
	h, err := db.SyncHead(ctx, ids["E-1"], old.Seq)
	if err != nil || h.Floor != old.Seq || !h.Pending || h.Seq <= old.Seq {
		t.Fatalf("got head %+v, %v after compaction; want floor %d and PS-3 pending", h, err, old.Seq)
	}
	if n, _ := db.ChangeCount(ctx, orgID); n != 1 {
		t.Fatalf("got %d changes left, want 1", n)
	}
}

// testMarkViewedOnce: the same offline action applied concurrently is
// applied once; the others are replays.
func testMarkViewedOnce(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1")
	slips := []kabinet.Payslip{slip("PS-1", ids["E-1"], 100)}
	if _, _, err := db.PublishPayslips(ctx, orgID, slips); err != nil {
		t.Fatal(err)
	}
	before, _ := db.ChangeCount(ctx, orgID)
	const n = 6
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, replayed, err := db.MarkPayslipViewed(ctx, kabinet.PayslipView{OrgID: orgID, EmployeeID: ids["E-1"],
				PayslipID: slips[0].ID, ClientMutationID: "m-1", ViewedAt: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if !replayed {
				applied++
			}
		}()
	}
	wg.Wait()
	if applied != 1 {
		t.Fatalf("the action was applied %d times out of %d, want once", applied, n)
	}
	if after, _ := db.ChangeCount(ctx, orgID); after != before+1 {
		t.Fatalf("got %d changes after the view, want %d", after, before+1)
	}
}

// testPlanNotifications: planned rows are written once per key (a second
// plan of the same keys changes nothing unless replanning), and cancelling
// by subject or by other subject keys counts what it cancelled.
func testPlanNotifications(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1", "E-2")
	now := clock.Now()
	var rows []kabinet.PlannedNotification
	for _, e := range []string{"E-1", "E-2"} {
		for _, stage := range []int{1, 3} {
			rows = append(rows, kabinet.PlannedNotification{Kind: kabinet.NotifyVacationReminder, SubjectID: "vac-" + e, SubjectKey: "2026-12-01",
				Stage: stage, RecipientID: ids[e], EmployeeID: ids[e], BaseAt: now, DueAt: now.Add(time.Duration(stage) * time.Hour),
				LocalDate: "2026-11-30", Params: `{"startsOn":"2026-12-01"}`})
		}
	}
	if n, err := db.PlanNotifications(ctx, orgID, rows, false); err != nil || n != 4 {
		t.Fatalf("planned %d, %v; want 4", n, err)
	}
	if n, err := db.PlanNotifications(ctx, orgID, rows, false); err != nil || n != 0 {
		t.Fatalf("planned %d, %v the second time; want 0", n, err)
	}
	if n, err := db.PlanNotifications(ctx, orgID, rows[:1], true); err != nil || n != 1 {
		t.Fatalf("replanned %d, %v; want 1", n, err)
	}
	// E-1's vacation moved: its rows under the old start date go.
	n, err := db.CancelOtherKeys(ctx, []string{kabinet.NotifyVacationReminder}, map[string]string{"vac-E-1": "2026-12-08"}, "moved")
	if err != nil || n != 2 {
		t.Fatalf("cancelled %d, %v for the moved vacation; want 2", n, err)
	}
	if n, err := db.CancelReminders(ctx, []string{kabinet.NotifyVacationReminder}, []string{"vac-E-2"}, "cancelled"); err != nil || n != 2 {
		t.Fatalf("cancelled %d, %v; want 2", n, err)
	}
	if n, err := db.CancelReminders(ctx, []string{kabinet.NotifyVacationReminder}, []string{"vac-E-1", "vac-E-2"}, "again"); err != nil || n != 0 {
		t.Fatalf("cancelled %d, %v again; want 0", n, err)
	}
}

// testGeneratedLogins: namesakes activating at the same moment each get a
// login of their own (ИвановИ, ИвановИ2, …): a pre-chosen login taken
// meanwhile is a CONFLICT, the store's own pick after it never is.
func testGeneratedLogins(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	const n = 32
	var exts []string
	for i := range n {
		exts = append(exts, fmt.Sprintf("E%d", i))
	}
	orgID, ids := org(t, db, exts...)
	expires := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range exts {
		if _, _, err := db.CreateCabinet(ctx, orgID, ids[e], "code-"+e, expires); err != nil {
			t.Fatal(err)
		}
	}
	logins := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, e := range exts {
		wg.Go(func() {
			// As activation does: a login chosen beforehand, then the
			// store's own pick when it was taken meanwhile.
			act := &kabinet.CabinetActivation{OrgID: orgID, EmployeeID: ids[e],
				CodeHash: "code-" + e, LoginBase: "ИвановИ", PasswordHash: "h", ConsentVersion: "1"}
			if act.Login, errs[i] = db.FreeLogin(ctx, orgID, act.LoginBase); errs[i] != nil {
				return
			}
			logins[i], errs[i] = db.ActivateCabinet(ctx, act)
			if kabinet.ErrorCode(errs[i]) == kabinet.ECONFLICT {
				act.Login = ""
				logins[i], errs[i] = db.ActivateCabinet(ctx, act)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("activation %d: %v", i, errs[i])
		}
		if seen[logins[i]] {
			t.Fatalf("login %q given twice: %v", logins[i], logins)
		}
		seen[logins[i]] = true
	}
}
