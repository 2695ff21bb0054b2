package sync_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
	ksync "github.com/kabinet/kabinet/sync"
)

// syncQuery asks for everything a phone keeps.
const syncQuery = `query($c: String, $l: Int) { sync(cursor: $c, limit: $l) {
	payslips { id externalId employeeExternalId period publishedAt currency accrued deducted paid netPay debtAtStart debtAtEnd viewedAt
		lines { section code title amount days hours period } }
	leaveBalances { id leaveTypeCode leaveTypeTitle asOf entitledDays usedDays remainingDays }
	vacations { id externalId startsOn endsOn days }
	leaveRequests { id employee { id } startsOn endsOn status approver { id } decisionComment }
	deleted { type id }
	cursor hasMore limit
	integrity { payslips { count digest } leaveBalances { count digest } vacations { count digest } leaveRequests { count digest } }
} }`

const markQuery = `mutation($in: MarkPayslipViewedInput!) { markPayslipViewed(input: $in) { id viewedAt } }`

// wireResult is a sync result as the phone decodes it.
type wireResult struct {
	Sync struct {
		Payslips []struct {
			ID, ExternalID, EmployeeExternalID, Period, PublishedAt, Currency string
			Accrued, Deducted, Paid, NetPay, DebtAtStart, DebtAtEnd           string
			ViewedAt                                                          *string
			Lines                                                             []struct{ Section, Title, Amount string }
		}
		LeaveBalances []struct {
			ID, LeaveTypeCode, LeaveTypeTitle, AsOf, EntitledDays, UsedDays, RemainingDays string
		}
		Vacations []struct {
			ID, ExternalID, StartsOn, EndsOn string
			Days                             int
		}
		LeaveRequests []struct {
			ID, StartsOn, EndsOn, Status string
			Employee                     struct{ ID string }
			Approver                     *struct{ ID string }
			DecisionComment              *string
		}
		Deleted   []kabinet.Tombstone
		Cursor    string
		HasMore   bool
		Limit     int
		Integrity *struct{ Payslips, LeaveBalances, Vacations, LeaveRequests ksync.CollectionDigest }
	}
}

// result converts the wire form into the service's, for phone.apply.
func (w *wireResult) result(tb testing.TB, emp string) *ksync.Result {
	tb.Helper()
	dec := func(s string) kabinet.Decimal {
		d, err := kabinet.ParseDecimal(s)
		if err != nil {
			tb.Fatalf("decimal %q: %v", s, err)
		}
		return d
	}
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			tb.Fatalf("time %q: %v", s, err)
		}
		return t
	}
	s := &w.Sync
	res := &ksync.Result{Deleted: s.Deleted, Cursor: s.Cursor, HasMore: s.HasMore, Limit: s.Limit}
	for _, p := range s.Payslips {
		k := &kabinet.Payslip{ID: p.ID, ExternalID: p.ExternalID, EmployeeExternalID: p.EmployeeExternalID, Period: p.Period,
			PublishedAt: at(p.PublishedAt), Currency: p.Currency, Accrued: dec(p.Accrued)}
		if p.ViewedAt != nil {
			v := at(*p.ViewedAt)
			k.ViewedAt = &v
		}
		for _, l := range p.Lines {
			k.Lines = append(k.Lines, kabinet.PayslipLine{Section: l.Section, Title: l.Title, Amount: dec(l.Amount)})
		}
		res.Payslips = append(res.Payslips, k)
	}
	for _, b := range s.LeaveBalances {
		res.LeaveBalances = append(res.LeaveBalances, &kabinet.LeaveBalance{ID: b.ID, LeaveTypeCode: b.LeaveTypeCode, LeaveTypeTitle: b.LeaveTypeTitle,
			AsOf: b.AsOf, EntitledDays: dec(b.EntitledDays), UsedDays: dec(b.UsedDays), RemainingDays: dec(b.RemainingDays)})
	}
	for _, v := range s.Vacations {
		res.Vacations = append(res.Vacations, &kabinet.Vacation{ID: v.ID, ExternalID: v.ExternalID, EmployeeExternalID: emp,
			StartsOn: v.StartsOn, EndsOn: v.EndsOn, Days: v.Days})
	}
	for _, r := range s.LeaveRequests {
		k := &kabinet.LeaveRequest{ID: r.ID, EmployeeID: r.Employee.ID, StartsOn: r.StartsOn, EndsOn: r.EndsOn, Status: r.Status}
		if r.Approver != nil {
			k.ApproverID = r.Approver.ID
		}
		if r.DecisionComment != nil {
			k.DecisionComment = *r.DecisionComment
		}
		res.LeaveRequests = append(res.LeaveRequests, k)
	}
	if s.Integrity != nil {
		res.Integrity = &ksync.Integrity{Payslips: s.Integrity.Payslips, LeaveBalances: s.Integrity.LeaveBalances, Vacations: s.Integrity.Vacations,
			LeaveRequests: s.Integrity.LeaveRequests}
	}
	return res
}

// httpEnv is a server under test with an organisation, employees E-1…E-n
// with access tokens, and a fixture over the same store for publishing
// and for reading the server's state.
type httpEnv struct {
	*testkit.Env
	f      *fixture
	key    string
	tokens map[string]token
}

type token struct {
	value  string
	issued time.Time
}

// token is an access token of the employee, signed in again when the
// clock has moved on (access tokens are short-lived).
func (h *httpEnv) token(tb testing.TB, emp string) string {
	tb.Helper()
	t, ok := h.tokens[emp]
	if !ok || h.Clock.Now().Sub(t.issued) > 5*time.Minute {
		t = token{h.EmployeeToken(tb, h.f.org, emp), h.Clock.Now()}
		h.tokens[emp] = t
	}
	return t.value
}

func startHTTP(tb testing.TB, n int) *httpEnv {
	tb.Helper()
	env := testkit.Start(tb)
	org, key := env.NewOrg(tb, "Org")
	emps := env.SeedEmployees(tb, key, n)
	ids, err := env.App.DB.EmployeeIDs(context.Background(), org, emps)
	if err != nil {
		tb.Fatal(err)
	}
	// E-1 heads the department: the others' leave requests wait for them.
	env.Do(tb, key, `mutation { upsertDepartments(input: [{externalId: "D-1", name: "Отдел", headExternalId: "E-1"}]) { updated } }`, nil).Must(tb, nil)
	return &httpEnv{Env: env, key: key, tokens: map[string]token{},
		f: &fixture{db: env.App.DB, raw: openRaw(tb, env.DBPath), clock: env.Clock, payroll: env.App.Payroll, svc: env.App.Sync,
			leave: env.App.Leave, org: org, emp: ids}}
}

func (h *httpEnv) sync(tb testing.TB, emp, cursor string, limit int) *testkit.Response {
	tb.Helper()
	vars := map[string]any{"l": limit}
	if cursor != "" {
		vars["c"] = cursor
	}
	return h.Do(tb, h.token(tb, emp), syncQuery, vars)
}

// syncPhone pages the phone to the end over HTTP.
func (h *httpEnv) syncPhone(tb testing.TB, p *phone, limit int) {
	tb.Helper()
	for {
		full := p.cursor == ""
		var w wireResult
		h.sync(tb, p.emp, p.cursor, limit).Must(tb, &w)
		p.apply(tb, w.result(tb, p.emp), full)
		if !w.Sync.HasMore {
			return
		}
	}
}

func TestSyncOverHTTP(t *testing.T) {
	h := startHTTP(t, 2)
	h.PublishPayslips(t, h.key, testkit.Payslip("P-1", "E-1", "2026-09"), testkit.Payslip("P-2", "E-1", "2026-10"),
		testkit.Payslip("P-3", "E-2", "2026-10"))
	ph := newPhone("E-1")
	h.syncPhone(t, ph, 1)
	if d := diff(ph.records, h.f.serverState(t, "E-1")); d != "" || len(ph.records) != 2 {
		t.Fatalf("after the full sync: got %d records, want E-1's 2:\n%s", len(ph.records), d)
	}

	t.Run("Fields", func(t *testing.T) {
		var w struct {
			Sync struct {
				Payslips []map[string]any
				Limit    int
			}
		}
		h.sync(t, "E-1", "", 10).Must(t, &w)
		p := w.Sync.Payslips[0]
		if p["netPay"] != "87000.00" || p["currency"] != "RUB" || len(p["lines"].([]any)) != 3 || p["employeeExternalId"] != "E-1" {
			t.Fatalf("got payslip %v, want netPay 87000.00, RUB, 3 lines, of E-1", p)
		}
	})
	t.Run("Incremental", func(t *testing.T) {
		h.PublishPayslips(t, h.key, testkit.Payslip("P-4", "E-1", "2026-11"))
		h.Do(t, h.key, `mutation { retractPayslip(externalId: "P-1") }`, nil).Must(t, nil)
		var w wireResult
		h.sync(t, "E-1", ph.cursor, 10).Must(t, &w)
		if len(w.Sync.Payslips) != 1 || w.Sync.Payslips[0].ExternalID != "P-4" || len(w.Sync.Deleted) != 1 || w.Sync.Deleted[0].Type != "PAYSLIP" {
			t.Fatalf("got %d payslips and tombstones %v, want P-4 and P-1's tombstone", len(w.Sync.Payslips), w.Sync.Deleted)
		}
		ph.apply(t, w.result(t, "E-1"), false)
	})
	t.Run("LimitClamped", func(t *testing.T) {
		var w wireResult
		h.sync(t, "E-1", ph.cursor, 1_000_000).Must(t, &w)
		if w.Sync.Limit != ksync.DefaultMaxLimit {
			t.Fatalf("got limit %d, want it clamped to %d", w.Sync.Limit, ksync.DefaultMaxLimit)
		}
		h.sync(t, "E-1", ph.cursor, 0).WantCode(t, "BAD_USER_INPUT")
	})
	t.Run("ErrCursorOfAnotherEmployee", func(t *testing.T) {
		h.sync(t, "E-2", ph.cursor, 10).WantCode(t, "RESET_REQUIRED")
	})
	t.Run("ErrCursorOfAnotherOrganization", func(t *testing.T) {
		org2, key2 := h.NewOrg(t, "Other")
		h.SeedEmployees(t, key2, 1) // also E-1, in another organisation
		token := h.EmployeeToken(t, org2, "E-1")
		r := h.Do(t, token, syncQuery, map[string]any{"c": ph.cursor})
		r.WantCode(t, "RESET_REQUIRED")
		var w wireResult
		h.Do(t, token, syncQuery, nil).Must(t, &w)
		if n := len(w.Sync.Payslips); n != 0 {
			t.Fatalf("other organisation's E-1: got %d payslips, want none", n)
		}
	})
	t.Run("ErrForgedCursor", func(t *testing.T) {
		forged := []byte(ph.cursor)
		forged[5] ^= 2
		h.sync(t, "E-1", string(forged), 10).WantCode(t, "RESET_REQUIRED")
		h.sync(t, "E-1", "garbage", 10).WantCode(t, "RESET_REQUIRED")
	})
	t.Run("ErrNotAnEmployee", func(t *testing.T) {
		h.Do(t, h.key, syncQuery, nil).WantCode(t, "FORBIDDEN")
		h.Do(t, "", syncQuery, nil).WantCode(t, "UNAUTHENTICATED")
	})
	t.Run("ResetAfterCompaction", func(t *testing.T) {
		// A publication the phone has not synced yet grows older than the
		// retention window and is compacted: the phone must start over.
		h.PublishPayslips(t, h.key, testkit.Payslip("P-5", "E-1", "2026-12"))
		h.Clock.Add(181 * 24 * time.Hour)
		if _, err := h.App.Compactor.Compact(context.Background()); err != nil {
			t.Fatal(err)
		}
		h.sync(t, "E-1", ph.cursor, 10).WantCode(t, "RESET_REQUIRED")
		ph.cursor = ""
		h.syncPhone(t, ph, 2)
		if d := diff(ph.records, h.f.serverState(t, "E-1")); d != "" {
			t.Fatalf("after the reset:\n%s", d)
		}
	})
}

func TestMarkPayslipViewedOverHTTP(t *testing.T) {
	h := startHTTP(t, 2)
	h.PublishPayslips(t, h.key, testkit.Payslip("P-1", "E-1", "2026-10"), testkit.Payslip("P-2", "E-2", "2026-10"))
	slips, _ := h.App.DB.Payslips(context.Background(), h.f.org, kabinet.PayslipFilter{})
	id := map[string]string{}
	for _, p := range slips {
		id[p.ExternalID] = p.ID
	}
	other := newPhone("E-1") // the employee's other device
	h.syncPhone(t, other, 10)
	mark := func(emp, payslipID string, at time.Time, cmid string) *testkit.Response {
		return h.Do(t, h.token(t, emp), markQuery, map[string]any{"in": map[string]any{
			"payslipId": payslipID, "viewedAt": at.Format(time.RFC3339), "clientMutationId": cmid}})
	}
	type marked struct {
		MarkPayslipViewed struct {
			ID       string
			ViewedAt string
		}
	}
	h.Clock.Add(time.Hour)
	viewed := h.Clock.Now().Add(-10 * time.Minute)
	want := viewed.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	var first, again marked
	mark("E-1", id["P-1"], viewed, "c-1").Must(t, &first)
	if first.MarkPayslipViewed.ViewedAt != want {
		t.Fatalf("got viewedAt %s, want %s", first.MarkPayslipViewed.ViewedAt, want)
	}
	before, _ := h.App.DB.ChangeCount(context.Background(), h.f.org)
	mark("E-1", id["P-1"], viewed.Add(-time.Minute), "c-1").Must(t, &again)
	after, _ := h.App.DB.ChangeCount(context.Background(), h.f.org)
	if again != first || after != before {
		t.Fatalf("replay: got %+v and %d new changes, want %+v and none", again, after-before, first)
	}
	var w wireResult
	h.sync(t, "E-1", other.cursor, 10).Must(t, &w)
	if len(w.Sync.Payslips) != 1 || w.Sync.Payslips[0].ViewedAt == nil || *w.Sync.Payslips[0].ViewedAt != want {
		t.Fatalf("other device: got %+v, want P-1 with viewedAt %s", w.Sync.Payslips, want)
	}

	mark("E-1", id["P-2"], viewed, "c-2").WantCode(t, "NOT_FOUND") // E-2's payslip
	mark("E-1", "ps_doesnotexist", viewed, "c-3").WantCode(t, "NOT_FOUND")
	mark("E-1", id["P-1"], h.Clock.Now().AddDate(0, 0, 3), "c-4").WantCode(t, "BAD_USER_INPUT")
	mark("E-1", id["P-1"], viewed, "").WantCode(t, "BAD_USER_INPUT")
	h.Do(t, h.key, markQuery, map[string]any{"in": map[string]any{"payslipId": id["P-1"], "viewedAt": viewed.Format(time.RFC3339),
		"clientMutationId": "c-5"}}).WantCode(t, "FORBIDDEN")
	org2, key2 := h.NewOrg(t, "Other")
	h.SeedEmployees(t, key2, 1)
	r := h.Do(t, h.EmployeeToken(t, org2, "E-1"), markQuery, map[string]any{"in": map[string]any{
		"payslipId": id["P-1"], "viewedAt": viewed.Format(time.RFC3339), "clientMutationId": "c-1"}})
	r.WantCode(t, "NOT_FOUND")
	var p struct{ Payslips []struct{ ViewedAt *string } }
	h.Do(t, h.key, `{ payslips(employeeExternalId: "E-2") { viewedAt } }`, nil).Must(t, &p)
	if len(p.Payslips) != 1 || p.Payslips[0].ViewedAt != nil {
		t.Fatalf("E-2's payslip: got %+v, want it not viewed", p.Payslips)
	}
}

// TestSyncPropertyOverHTTP is the property test with every sync over HTTP
// (publication goes through the service, as the payroll integration would
// through its own mutations).
func TestSyncPropertyOverHTTP(t *testing.T) {
	steps := 200
	if testing.Short() {
		steps = 60
	}
	h := startHTTP(t, 2)
	pub := newPublisher(h.f, 5, "E-1", "E-2")
	rng := rand.New(rand.NewPCG(5, 5))
	phones := []*phone{newPhone("E-1"), newPhone("E-2")}
	for i := range steps {
		if rng.IntN(2) == 0 {
			pub.step(t)
			continue
		}
		ph := phones[rng.IntN(2)]
		full := ph.cursor == ""
		var w wireResult
		h.sync(t, ph.emp, ph.cursor, 1+rng.IntN(5)).Must(t, &w)
		ph.apply(t, w.result(t, ph.emp), full)
		if !w.Sync.HasMore {
			if d := diff(ph.records, h.f.serverState(t, ph.emp)); d != "" {
				t.Fatalf("step %d: phone %s differs from the server:\n%s", i, ph.emp, d)
			}
		}
	}
}
