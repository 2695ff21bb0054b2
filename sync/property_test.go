package sync_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/payroll"
	"github.com/kabinet/kabinet/requests"
	ksync "github.com/kabinet/kabinet/sync"
)

// publisher makes random publications: new payslips, corrections,
// unchanged republishes, moves to the other employee, retractions and
// restorations, balances, vacations added, moved and cancelled, and views.
type publisher struct {
	f     *fixture
	rng   *rand.Rand
	emps  []string
	n     int
	slips map[string]*slipState
	vacs  map[string]payroll.VacationInput
	day   int // the balances' asOf moves forward
}

type slipState struct {
	emp, period string
	seed, lines int
}

func newPublisher(f *fixture, seed uint64, emps ...string) *publisher {
	return &publisher{f: f, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), emps: emps,
		slips: map[string]*slipState{}, vacs: map[string]payroll.VacationInput{}}
}

func (p *publisher) pick(m []string) string { return m[p.rng.IntN(len(m))] }

func (p *publisher) other(emp string) string {
	for {
		if e := p.pick(p.emps); e != emp {
			return e
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out) // map order is random; the run must replay from its seed
	return out
}

func (p *publisher) publishSlip(tb testing.TB, ext string) {
	s := p.slips[ext]
	p.f.publish(tb, payslip(ext, s.emp, s.period, s.seed, s.lines))
}

// step makes one random publication and says what it did.
func (p *publisher) step(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	f := p.f
	f.clock.Add(time.Duration(p.rng.IntN(90)) * time.Minute)
	slips, vacs := keys(p.slips), keys(p.vacs)
	switch op := p.rng.IntN(14); {
	case op == 0 || len(slips) == 0:
		p.n++
		ext := fmt.Sprintf("PS-%d", p.n)
		p.slips[ext] = &slipState{emp: p.pick(p.emps), period: fmt.Sprintf("2026-%02d", 1+p.n%12), seed: p.rng.IntN(1000), lines: 1 + p.rng.IntN(3)}
		p.publishSlip(tb, ext)
		return "publish " + ext
	case op == 1:
		ext := p.pick(slips)
		p.slips[ext].seed = p.rng.IntN(1000)
		p.publishSlip(tb, ext)
		return "correct (or restore) " + ext
	case op == 2:
		ext := p.pick(slips)
		p.publishSlip(tb, ext)
		return "republish unchanged (or restore) " + ext
	case op == 3:
		ext := p.pick(slips)
		p.slips[ext].emp = p.other(p.slips[ext].emp)
		p.publishSlip(tb, ext)
		return "move " + ext + " to " + p.slips[ext].emp
	case op == 4:
		ext := p.pick(slips)
		if _, err := f.payroll.RetractPayslip(ctx, f.org, ext); err != nil {
			tb.Fatalf("retract: %v", err)
		}
		return "retract " + ext
	case op == 5:
		codes := []string{"ОСН", "ДОП", "УЧ"}
		p.day++
		in := payroll.LeaveBalanceInput{EmployeeExternalID: p.pick(p.emps), LeaveTypeCode: p.pick(codes), LeaveTypeTitle: "Отпуск",
			AsOf:         time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, p.day).Format(kabinet.DateLayout),
			EntitledDays: "28.00", UsedDays: fmt.Sprintf("%d.00", p.rng.IntN(28)), RemainingDays: "1.00"}
		if _, err := f.payroll.PublishLeaveBalances(ctx, f.org, []payroll.LeaveBalanceInput{in}); err != nil {
			tb.Fatalf("publish balance: %v", err)
		}
		return "balance " + in.EmployeeExternalID + " " + in.LeaveTypeCode
	case op == 6 || op == 7 && len(vacs) == 0:
		p.n++
		ext := fmt.Sprintf("V-%d", p.n)
		p.vacs[ext] = p.vacation(ext, p.pick(p.emps))
		p.publishVacation(tb, ext)
		return "vacation " + ext
	case op == 7:
		ext := p.pick(vacs)
		emp := p.vacs[ext].EmployeeExternalID
		if p.rng.IntN(3) == 0 {
			emp = p.other(emp)
		}
		p.vacs[ext] = p.vacation(ext, emp)
		p.publishVacation(tb, ext)
		return "move (or restore) vacation " + ext
	case op >= 11:
		return p.leaveStep(tb)
	case op == 8 && len(vacs) > 0:
		ext := p.pick(vacs)
		if _, err := f.payroll.CancelVacation(ctx, f.org, ext); err != nil {
			tb.Fatalf("cancel vacation: %v", err)
		}
		return "cancel vacation " + ext
	default:
		emp := p.pick(p.emps)
		live, err := f.db.Payslips(ctx, f.org, kabinet.PayslipFilter{EmployeeID: f.emp[emp]})
		if err != nil {
			tb.Fatalf("payslips: %v", err)
		}
		if len(live) == 0 {
			return "nothing to view"
		}
		ps := live[p.rng.IntN(len(live))]
		at := f.clock.Now().Add(-time.Duration(p.rng.IntN(600)) * time.Minute)
		_, err = f.svc.MarkPayslipViewed(ctx, f.org, f.emp[emp], ksync.View{PayslipID: ps.ID, ViewedAt: at,
			ClientMutationID: fmt.Sprintf("m-%d", p.rng.IntN(1<<30))})
		if err != nil {
			tb.Fatalf("mark viewed: %v", err)
		}
		return "view " + ps.ExternalID
	}
}

// leaveStep asks for leave, or decides, withdraws, registers or cancels a
// request: the requests of the department's employees wait for its head's
// decision (and reach the head's phone), the head's own go to HR's queue.
// Refusals (an overlap, a leave type not yet published, a request decided
// meanwhile) are part of the game.
func (p *publisher) leaveStep(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	f := p.f
	all, err := f.db.LeaveRequests(ctx, f.org, kabinet.LeaveRequestFilter{Limit: 10_000})
	if err != nil {
		tb.Fatalf("leave requests: %v", err)
	}
	refused := func(what string, err error) string {
		switch kabinet.ErrorCode(err) {
		case "":
			return what
		case kabinet.EBADINPUT, kabinet.ECONFLICT, kabinet.EFORBIDDEN:
			return what + " (refused: " + kabinet.ErrorCode(err) + ")"
		}
		tb.Fatalf("%s: %v", what, err)
		return ""
	}
	if len(all) == 0 || p.rng.IntN(3) == 0 {
		p.n++
		emp := p.pick(p.emps)
		start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, p.rng.IntN(250))
		_, err := f.leave.CreateLeave(ctx, f.org, f.emp[emp], requests.LeaveInput{ClientMutationID: fmt.Sprint("lr-", p.n),
			LeaveTypeCode: p.pick([]string{"ОСН", "ДОП"}), StartsOn: start.Format(kabinet.DateLayout),
			EndsOn: start.AddDate(0, 0, p.rng.IntN(10)).Format(kabinet.DateLayout)})
		return refused("ask for leave "+emp, err)
	}
	r := all[p.rng.IntN(len(all))]
	comment := fmt.Sprint("c", p.rng.IntN(100))
	switch p.rng.IntN(5) {
	case 0:
		_, err = f.leave.WithdrawLeave(ctx, f.org, r.EmployeeID, r.ID)
		return refused("withdraw "+r.ID, err)
	case 1:
		_, err = f.leave.RegisterLeave(ctx, f.org, []string{r.ID})
		return refused("register "+r.ID, err)
	case 2:
		_, err = f.leave.CancelLeave(ctx, f.org, r.ID, comment)
		return refused("cancel "+r.ID, err)
	}
	approve := p.rng.IntN(2) == 0
	if r.ApproverID == "" {
		_, err = f.leave.DecideQueuedLeave(ctx, f.org, r.ID, approve, comment)
	} else {
		_, err = f.leave.DecideLeave(ctx, f.org, r.ApproverID, r.ID, approve, comment)
	}
	return refused(fmt.Sprintf("decide %s (approve %v)", r.ID, approve), err)
}

func (p *publisher) vacation(ext, emp string) payroll.VacationInput {
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, p.rng.IntN(300))
	days := 1 + p.rng.IntN(14)
	return payroll.VacationInput{ExternalID: ext, EmployeeExternalID: emp, StartsOn: start.Format(kabinet.DateLayout),
		EndsOn: start.AddDate(0, 0, days-1).Format(kabinet.DateLayout), Days: days}
}

func (p *publisher) publishVacation(tb testing.TB, ext string) {
	tb.Helper()
	if _, err := p.f.payroll.PublishVacations(context.Background(), p.f.org, []payroll.VacationInput{p.vacs[ext]}); err != nil {
		tb.Fatalf("publish vacation: %v", err)
	}
}

// TestSyncProperty interleaves random publications with paged syncs of two
// phones at random page sizes. Whenever a phone's sync ends (hasMore false)
// its copy, rebuilt only from sync results, must equal what the server
// holds for its employee; and pages fetched with no publication in between
// must never send a record twice.
func TestSyncProperty(t *testing.T) {
	seeds, steps := 12, 300
	if testing.Short() {
		seeds, steps = 3, 150
	}
	teamSeen := 0 // runs in which a team member's request reached the head's phone
	defer func() {
		if teamSeen == 0 && !t.Failed() {
			t.Errorf("no run synced a request waiting for the head's decision: the leave steps were not exercised")
		}
	}()
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			seen := false
			f := newFixture(t, "A", "B", "C")
			pub := newPublisher(f, uint64(seed), "A", "B", "C")
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			phones := []*phone{newPhone("A"), newPhone("B")}
			sent := make([]map[kabinet.RecordRef]bool, len(phones)) // since the last publication
			var log []string
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("%s\nafter:\n%v", fmt.Sprintf(format, args...), log[max(0, len(log)-40):])
			}
			for range steps {
				if rng.IntN(5) < 3 {
					log = append(log, pub.step(t))
					clear(sent)
					continue
				}
				i := rng.IntN(len(phones))
				ph := phones[i]
				if rng.IntN(40) == 0 {
					ph.cursor = "" // reinstalled, or told to reset
					log = append(log, "phone "+ph.emp+" starts over")
				}
				full := ph.cursor == ""
				limit := 1 + rng.IntN(8)
				res := f.sync(t, ph.emp, ph.cursor, limit)
				if sent[i] == nil || full {
					sent[i] = map[kabinet.RecordRef]bool{}
				}
				for _, ref := range refsOf(res) {
					if sent[i][ref] {
						fail("phone %s: %v sent again with no publication in between", ph.emp, ref)
					}
					sent[i][ref] = true
				}
				ph.apply(t, res, full)
				for _, r := range res.LeaveRequests {
					if r.EmployeeID != f.emp[ph.emp] && !seen {
						seen = true
						teamSeen++
					}
				}
				log = append(log, fmt.Sprintf("phone %s page limit=%d full=%v: %d records, %d tombstones, hasMore=%v",
					ph.emp, limit, full, len(refsOf(res))-len(res.Deleted), len(res.Deleted), res.HasMore))
				if !res.HasMore {
					if d := diff(ph.records, f.serverState(t, ph.emp)); d != "" {
						fail("phone %s differs from the server:\n%s", ph.emp, d)
					}
				}
			}
			for _, ph := range phones {
				ph.syncAll(t, f, 3)
				if d := diff(ph.records, f.serverState(t, ph.emp)); d != "" {
					fail("phone %s differs from the server at the end:\n%s", ph.emp, d)
				}
			}
		})
	}
}

// TestSyncPropertyConcurrent pages a phone while a publisher goroutine
// publishes for its employee and others; once the publisher stops and the
// phone's sync ends, the phone's copy must equal the server's. Some rounds
// start from a full sync, so snapshots are paged under publication too.
func TestSyncPropertyConcurrent(t *testing.T) {
	rounds, pages := 12, 100
	if testing.Short() {
		rounds, pages = 3, 30
	}
	f := newFixture(t, "A", "B")
	pub := newPublisher(f, 99, "A", "B")
	for range 30 {
		pub.step(t) // something to page through from the start
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ph := newPhone("A")
	for round := range rounds {
		if round%3 == 0 {
			ph.cursor = ""
		}
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
					pub.step(goroutineTB{t})
				}
			}
		}()
		for range pages {
			full := ph.cursor == ""
			ph.apply(t, f.sync(t, "A", ph.cursor, 1+rng.IntN(6)), full)
		}
		close(stop)
		<-done
		ph.syncAll(t, f, 1+rng.IntN(6))
		if d := diff(ph.records, f.serverState(t, "A")); d != "" {
			t.Fatalf("round %d: the phone differs from the server:\n%s", round, d)
		}
	}
}

// goroutineTB lets test helpers fail from a goroutine other than the
// test's: Fatalf reports and ends only that goroutine.
type goroutineTB struct{ testing.TB }

func (g goroutineTB) Fatalf(format string, args ...any) {
	g.Errorf(format, args...)
	runtime.Goexit()
}

func (g goroutineTB) Helper() {}

func refsOf(res *ksync.Result) []kabinet.RecordRef {
	var out []kabinet.RecordRef
	for _, x := range res.Payslips {
		out = append(out, kabinet.RecordRef{Entity: kabinet.EntityPayslip, ID: x.ID})
	}
	for _, x := range res.LeaveBalances {
		out = append(out, kabinet.RecordRef{Entity: kabinet.EntityLeaveBalance, ID: x.ID})
	}
	for _, x := range res.Vacations {
		out = append(out, kabinet.RecordRef{Entity: kabinet.EntityVacation, ID: x.ID})
	}
	for _, x := range res.LeaveRequests {
		out = append(out, kabinet.RecordRef{Entity: kabinet.EntityLeaveRequest, ID: x.ID})
	}
	for _, d := range res.Deleted {
		out = append(out, kabinet.RecordRef{Entity: d.Type, ID: d.ID})
	}
	return out
}
