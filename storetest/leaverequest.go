package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
)

// leaveDraft is a pending request of the employee, routed to approver.
func leaveDraft(orgID, emp, approver, cmid, from, to string) *kabinet.LeaveRequest {
	return &kabinet.LeaveRequest{ID: kabinet.NewID("lr"), OrgID: orgID, EmployeeID: emp, LeaveTypeCode: "ANNUAL", LeaveTypeTitle: "Отпуск",
		StartsOn: from, EndsOn: to, Days: 1, Status: kabinet.LeavePending, ApproverID: approver, ClientMutationID: cmid, Fingerprint: cmid}
}

// noOverlap is the check of a new request as far as these tests need it:
// no live request or vacation shares a day.
func noOverlap(f kabinet.LeaveRequestFacts) error {
	for _, a := range f.Overlaps {
		if a.Kind == kabinet.EntityVacation || a.Status == kabinet.LeavePending || a.Status == kabinet.LeaveApproved {
			return kabinet.Errorf(kabinet.ECONFLICT, "overlap with %s", a.ID)
		}
	}
	return nil
}

// testLeaveCreateOnce: a create is written once per client mutation id; a
// refused check writes nothing (no request, no change, no position); the
// facts name overlapping requests and vacations and the booked days.
func testLeaveCreateOnce(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1", "M-1")
	emp, mgr := ids["E-1"], ids["M-1"]
	if _, _, err := db.PublishVacations(ctx, orgID, []kabinet.Vacation{{ExternalID: "V-1", EmployeeID: emp, StartsOn: "2026-12-20", EndsOn: "2026-12-25", Days: 6}}); err != nil {
		t.Fatal(err)
	}
	first, replayed, err := db.CreateLeaveRequest(ctx, leaveDraft(orgID, emp, mgr, "a", "2026-12-01", "2026-12-03"), noOverlap)
	if err != nil || replayed {
		t.Fatalf("create: got replayed %v, err %v", replayed, err)
	}
	again, replayed, err := db.CreateLeaveRequest(ctx, leaveDraft(orgID, emp, mgr, "a", "2027-01-01", "2027-01-01"), noOverlap)
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("replay: got %+v, replayed %v, err %v; want the first request", again, replayed, err)
	}
	before, err := db.ChangeCount(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	var facts kabinet.LeaveRequestFacts
	_, _, err = db.CreateLeaveRequest(ctx, leaveDraft(orgID, emp, mgr, "b", "2026-12-03", "2026-12-21"), func(f kabinet.LeaveRequestFacts) error {
		facts = f
		return noOverlap(f)
	})
	if kabinet.ErrorCode(err) != kabinet.ECONFLICT {
		t.Fatalf("overlapping create: got %v, want CONFLICT", err)
	}
	if len(facts.Overlaps) != 2 || facts.DaysByStatus[kabinet.LeavePending] != 1 {
		t.Fatalf("facts: got overlaps %+v and days %v, want the request and the vacation, 1 pending day", facts.Overlaps, facts.DaysByStatus)
	}
	after, err := db.ChangeCount(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.LeaveRequests(ctx, orgID, kabinet.LeaveRequestFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if after != before || len(list) != 1 {
		t.Fatalf("a refused create wrote: %d changes (want %d), %d requests (want 1)", after, before, len(list))
	}
	// The creation is in the history, and in the change log of both.
	h, err := db.LeaveRequestHistory(ctx, orgID, []string{first.ID})
	if err != nil || len(h[first.ID]) != 1 || h[first.ID][0].To != kabinet.LeavePending {
		t.Fatalf("history: got %+v, %v", h, err)
	}
	for _, who := range []string{emp, mgr} {
		if n, _ := leaveChanges(t, db, orgID, who); n != 1 {
			t.Errorf("changes of %s: got %d, want 1", who, n)
		}
	}
	otherOrg, _ := org(t, db, "E-1")
	if _, err := db.LeaveRequest(ctx, otherOrg, first.ID); kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
		t.Fatalf("another organisation reads the request: got %v, want NOT_FOUND", err)
	}
}

// leaveChanges counts the employee's requests with a LEAVE_REQUEST change,
// and returns the position of the last.
func leaveChanges(t *testing.T, db app.Store, orgID, emp string) (n int, last int64) {
	t.Helper()
	ctx := context.Background()
	err := db.ReadSync(ctx, orgID, emp, func(r kabinet.SyncReader) error {
		h, err := r.Head(ctx, 0)
		if err != nil {
			return err
		}
		cs, err := r.Changes(ctx, 0, h.Seq, 1000)
		for _, c := range cs {
			if c.Entity == kabinet.EntityLeaveRequest {
				n, last = n+1, max(last, c.Seq)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, last
}

// testLeaveConcurrentCreates: requests of one employee sent at once are
// checked one after the other, so two overlapping ones cannot both pass.
func testLeaveConcurrentCreates(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1")
	const n = 6
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, conflicts := 0, 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := db.CreateLeaveRequest(ctx, leaveDraft(orgID, ids["E-1"], "", fmt.Sprint("c", i), "2026-12-01", "2026-12-02"), noOverlap)
			mu.Lock()
			defer mu.Unlock()
			switch kabinet.ErrorCode(err) {
			case "":
				created++
			case kabinet.ECONFLICT:
				conflicts++
			default:
				t.Errorf("create: %v", err)
			}
		}()
	}
	wg.Wait()
	if created != 1 || conflicts != n-1 {
		t.Fatalf("got %d created and %d conflicts, want 1 and %d", created, conflicts, n-1)
	}
}

// testLeaveTransitions: a request decided by several at once is decided
// once (the row is locked, decide sees the status it changes); each
// transition is in the history and the change log, with a new position;
// a transition to the present status writes nothing.
func testLeaveTransitions(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1", "M-1")
	r, _, err := db.CreateLeaveRequest(ctx, leaveDraft(orgID, ids["E-1"], ids["M-1"], "t", "2026-12-01", "2026-12-01"), noOverlap)
	if err != nil {
		t.Fatal(err)
	}
	approve := func(cur []*kabinet.LeaveRequest) ([]kabinet.LeaveTransition, error) {
		if cur[0].Status != kabinet.LeavePending {
			return nil, kabinet.Errorf(kabinet.ECONFLICT, "decided already")
		}
		return []kabinet.LeaveTransition{{ID: cur[0].ID, To: kabinet.LeaveApproved, Actor: kabinet.LeaveActorApprover,
			ActorEmployeeID: ids["M-1"], Comment: "ok", Decision: true}}, nil
	}
	_, created := leaveChanges(t, db, orgID, ids["M-1"])
	const n = 5
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.TransitionLeaveRequests(ctx, orgID, []string{r.ID}, approve)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case kabinet.ErrorCode(err) != kabinet.ECONFLICT:
			t.Fatalf("decide: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("got %d decisions, want 1", ok)
	}
	got, err := db.LeaveRequest(ctx, orgID, r.ID)
	if err != nil || got.Status != kabinet.LeaveApproved || got.DecidedAt == nil || got.DecisionComment != "ok" || got.Position <= r.Position {
		t.Fatalf("after the decision: got %+v, %v", got, err)
	}
	// Registering twice: the second is no transition.
	register := func(cur []*kabinet.LeaveRequest) ([]kabinet.LeaveTransition, error) {
		return []kabinet.LeaveTransition{{ID: cur[0].ID, To: kabinet.LeaveRegistered, Actor: kabinet.LeaveActorOrganization}}, nil
	}
	for range 2 {
		if _, err := db.TransitionLeaveRequests(ctx, orgID, []string{r.ID}, register); err != nil {
			t.Fatal(err)
		}
	}
	h, err := db.LeaveRequestHistory(ctx, orgID, []string{r.ID})
	if err != nil || len(h[r.ID]) != 3 {
		t.Fatalf("history: got %+v, %v; want created, approved, registered", h[r.ID], err)
	}
	if _, last := leaveChanges(t, db, orgID, ids["M-1"]); last <= created {
		t.Errorf("approver's last change: got position %d, want one after the creation's %d", last, created)
	}
	// An error of decide writes nothing.
	boom := errors.New("boom")
	if _, err := db.TransitionLeaveRequests(ctx, orgID, []string{r.ID, "lr_missing"}, func(cur []*kabinet.LeaveRequest) ([]kabinet.LeaveTransition, error) {
		if cur[1] != nil {
			t.Errorf("an unknown id: got %+v, want nil", cur[1])
		}
		return nil, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("got %v, want decide's error", err)
	}
}

// testLeavePositions: a reader pulling by position while requests are
// created and decided concurrently sees every request at its latest
// position: positions commit in order.
func testLeavePositions(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	emps := []string{"E-1", "E-2", "E-3", "E-4"}
	orgID, ids := org(t, db, append(emps, "M-1")...)
	const each = 10
	var wg sync.WaitGroup
	errs := make(chan error, len(emps))
	for _, e := range emps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				day := fmt.Sprintf("2027-01-%02d", i+1)
				r, _, err := db.CreateLeaveRequest(ctx, leaveDraft(orgID, ids[e], ids["M-1"], fmt.Sprint(e, i), day, day), noOverlap)
				if err == nil && i%2 == 0 {
					_, err = db.TransitionLeaveRequests(ctx, orgID, []string{r.ID}, func(cur []*kabinet.LeaveRequest) ([]kabinet.LeaveTransition, error) {
						return []kabinet.LeaveTransition{{ID: r.ID, To: kabinet.LeaveApproved, Actor: kabinet.LeaveActorApprover, Decision: true}}, nil
					})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]string{}
	var pos int64
	pull := func() {
		rs, err := db.LeaveRequests(ctx, orgID, kabinet.LeaveRequestFilter{After: pos, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			seen[r.ID] = r.Status
			pos = r.Position
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		pull()
	}
	pull()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all, err := db.LeaveRequests(ctx, orgID, kabinet.LeaveRequestFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(emps)*each {
		t.Fatalf("got %d requests, want %d", len(all), len(emps)*each)
	}
	for _, r := range all {
		if seen[r.ID] != r.Status {
			t.Errorf("the puller saw request %s as %q, want %s: a change committed late was skipped", r.ID, seen[r.ID], r.Status)
		}
	}
}

// testLeaveSync: the approver's sync sees a pending request routed to them
// and stops seeing it once decided; the employee always sees their own.
func testLeaveSync(t *testing.T, open Opener) {
	db := open(t, newClock())
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1", "M-1", "E-2")
	r, _, err := db.CreateLeaveRequest(ctx, leaveDraft(orgID, ids["E-1"], ids["M-1"], "s", "2026-12-01", "2026-12-01"), noOverlap)
	if err != nil {
		t.Fatal(err)
	}
	sees := func(emp string) (records, snapshot, idList int) {
		t.Helper()
		err := db.ReadSync(ctx, orgID, emp, func(rd kabinet.SyncReader) error {
			recs, err := rd.Records(ctx, []kabinet.RecordRef{{Entity: kabinet.EntityLeaveRequest, ID: r.ID}})
			if err != nil {
				return err
			}
			snap, err := rd.Snapshot(ctx, kabinet.RecordRef{}, -1, 100)
			if err != nil {
				return err
			}
			idl, err := rd.IDs(ctx)
			records, snapshot, idList = len(recs.LeaveRequests), len(snap.LeaveRequests), len(idl.LeaveRequests)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, tc := range []struct {
		emp  string
		want int
	}{{"E-1", 1}, {"M-1", 1}, {"E-2", 0}} {
		if a, b, c := sees(ids[tc.emp]); a != tc.want || b != tc.want || c != tc.want {
			t.Errorf("pending: %s sees (records %d, snapshot %d, ids %d), want %d", tc.emp, a, b, c, tc.want)
		}
	}
	if _, err := db.TransitionLeaveRequests(ctx, orgID, []string{r.ID}, func(cur []*kabinet.LeaveRequest) ([]kabinet.LeaveTransition, error) {
		return []kabinet.LeaveTransition{{ID: r.ID, To: kabinet.LeaveRejected, Actor: kabinet.LeaveActorApprover, Decision: true}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		emp  string
		want int
	}{{"E-1", 1}, {"M-1", 0}} {
		if a, b, c := sees(ids[tc.emp]); a != tc.want || b != tc.want || c != tc.want {
			t.Errorf("decided: %s sees (records %d, snapshot %d, ids %d), want %d", tc.emp, a, b, c, tc.want)
		}
	}
}
