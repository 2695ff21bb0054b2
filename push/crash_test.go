package push_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push"
)

// Crash points, in the order a delivery passes them.
const (
	crashNone = iota
	crashAfterOutboxClaim
	crashAfterClaim
	crashAfterMark
	crashSenderPanicBefore // the Sender dies before the provider has it
	crashSenderPanicAfter  // … after the provider has it
	crashCancelBefore      // shutdown before the send
	crashCancelAfter       // shutdown after the send, before the record
	crashBeforeRecord      // the process dies after the sends, before the record
	crashPoints
)

type crashed struct{}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// crashSender delivers to the recorder and crashes the dispatcher at a
// chosen point. It notes the deliveries that reached the provider but whose
// outcome a crash kept from being recorded: those, and only those, may be
// sent twice (the documented in-doubt case).
type crashSender struct {
	rec    *recorder
	mu     sync.Mutex
	mode   int
	at     int // crash at this send of the round
	sends  int
	fired  bool
	cancel context.CancelFunc
	batch  []string // delivery ids sent in the current batch
	doubt  map[string]bool
}

func (c *crashSender) Send(ctx context.Context, n *push.Notification) push.Result {
	c.mu.Lock()
	c.sends++
	trigger := !c.fired && c.sends == c.at
	if trigger {
		c.fired = true
	}
	mode := c.mode
	c.mu.Unlock()
	if trigger {
		switch mode {
		case crashSenderPanicBefore:
			panic(crashed{})
		case crashSenderPanicAfter:
			c.deliver(ctx, n)
			c.mu.Lock()
			c.doubt[n.ID] = true
			c.mu.Unlock()
			panic(crashed{})
		case crashCancelBefore:
			c.cancel()
			return push.Result{Outcome: push.OutcomeRetry, Reason: ctx.Err().Error()}
		case crashCancelAfter:
			res := c.deliver(ctx, n)
			c.cancel()
			return res
		}
	}
	return c.deliver(ctx, n)
}

func (c *crashSender) deliver(ctx context.Context, n *push.Notification) push.Result {
	res := c.rec.Send(ctx, n)
	c.mu.Lock()
	c.batch = append(c.batch, n.ID)
	c.mu.Unlock()
	return res
}

// hook returns a crash hook for point p of the round.
func (c *crashSender) hook(p int) func() {
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if p == crashAfterClaim || p == crashAfterOutboxClaim {
			c.batch = nil
		}
		if c.mode != p || c.fired {
			return
		}
		c.fired = true
		if p == crashBeforeRecord {
			for _, id := range c.batch {
				c.doubt[id] = true
			}
		}
		panic(crashed{})
	}
}

// TestCrashSafety stops the dispatcher at random points between claim, send
// and record, many times, restarting a new instance on the same database
// each time, and checks the delivery guarantee: every due reminder reaches
// every device, exactly once per (reason, stage, device) except deliveries
// caught in flight by a crash (at most twice, same collapse key), and
// nothing is sent outside the window.
func TestCrashSafety(t *testing.T) {
	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) { crashScenario(t, uint64(seed)) })
	}
}

func crashScenario(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 42))
	const emps = 40
	f := newFixture(t, emps)
	f.settings(t, map[string]any{"payslipReminderDays": []int{1, 2}, "vacationReminderDaysBefore": []int{0}, "managerVacationReminderDaysBefore": []int{}})
	type key struct{ collapse, days, token string }
	want := map[key]bool{}
	for i := 1; i <= emps; i++ {
		emp := fmt.Sprintf("E-%d", i)
		devs := 1 + i%2
		for d := range devs {
			f.device(t, emp, fmt.Sprintf("dev-%d", d))
		}
	}
	f.dispatch(t) // the new-device notices, not part of this test
	f.rec.reset()
	// Publications spread over 31 hours: their stages fall due all day
	// long, some at night (re-planned to the morning).
	for i := 1; i <= emps; i++ {
		f.env.PublishPayslips(t, f.key, testkit.Payslip(fmt.Sprintf("PS-%d", i), fmt.Sprintf("E-%d", i), "2026-10"))
		f.env.Clock.Add(47 * time.Minute)
	}
	for i := 1; i <= 4; i++ {
		f.publishVacation(t, fmt.Sprintf("V-%d", i), fmt.Sprintf("E-%d", i), "2026-11-05", "2026-11-09")
	}
	ctx := context.Background()
	for i := 1; i <= emps; i++ {
		emp := fmt.Sprintf("E-%d", i)
		ps, _ := f.env.App.DB.Payslips(ctx, f.org, kabinetFilter(employeeID(t, f, emp)))
		for d := range 1 + i%2 {
			tok := fcmToken(emp, fmt.Sprintf("dev-%d", d))
			want[key{"payslip:" + ps[0].ID, "1", tok}] = true
			want[key{"payslip:" + ps[0].ID, "2", tok}] = true
			if i <= 4 {
				want[key{"vacation:" + emp, "0", tok}] = true
			}
		}
	}

	cs := &crashSender{rec: f.rec, doubt: map[string]bool{}}
	newDispatcher := func(id string) *push.Dispatcher {
		return &push.Dispatcher{Store: f.env.App.DB, Sender: cs, Clock: f.env.Clock, Settings: f.env.App.Push.Settings,
			ID: id, Concurrency: 1 + rng.IntN(4), Lease: 2 * time.Minute, Logger: quiet}
	}
	crashes := 0
	round := 0
	f.env.Clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	end := time.Date(2026, 11, 7, 0, 0, 0, 0, time.UTC)
	for f.env.Clock.Now().Before(end) {
		round++
		d := newDispatcher(fmt.Sprintf("r%d", round))
		rctx, cancel := context.WithCancel(ctx)
		cs.mu.Lock()
		cs.mode, cs.at, cs.sends, cs.fired, cs.cancel = rng.IntN(crashPoints), 1+rng.IntN(3), 0, false, cancel
		cs.mu.Unlock()
		push.SetCrashHooks(d, cs.hook(crashAfterOutboxClaim), cs.hook(crashAfterClaim), cs.hook(crashAfterMark), cs.hook(crashBeforeRecord))
		func() {
			defer func() {
				if p := recover(); p != nil {
					if _, ok := p.(crashed); !ok {
						panic(p)
					}
				}
			}()
			d.DispatchDue(rctx)
		}()
		cancel()
		if cs.fired {
			crashes++
			// Restart after the dead instance's leases ran out: two new
			// instances share the work.
			f.env.Clock.Add(2*time.Minute + time.Second)
			cs.mu.Lock()
			cs.mode = crashNone
			cs.mu.Unlock()
			var wg sync.WaitGroup
			for k := range 2 {
				wg.Add(1)
				rd := newDispatcher(fmt.Sprintf("r%d-restart%d", round, k))
				go func() {
					defer wg.Done()
					if _, err := rd.DispatchDue(ctx); err != nil {
						t.Errorf("restart: %v", err)
					}
				}()
			}
			wg.Wait()
		}
		f.env.Clock.Add(time.Duration(5+rng.IntN(15)) * time.Minute)
	}
	if crashes < 20 {
		t.Fatalf("only %d crashes happened; the test did not exercise anything", crashes)
	}

	got := map[key]int{}
	ids := map[key]map[string]bool{}
	for _, s := range f.rec.sent() {
		k := key{s.N.CollapseKey, s.N.Params["days"], s.N.Token}
		if s.N.Kind == "VACATION_REMINDER" {
			k.collapse = "vacation:" + employeeOfToken(s.N.Token)
		}
		got[k]++
		if ids[k] == nil {
			ids[k] = map[string]bool{}
		}
		ids[k][s.N.ID] = true
		if !inWindow(s.At) {
			t.Errorf("sent %s at %v Moscow: outside the window", s.N.Kind, s.At.In(moscow))
		}
	}
	dups := 0
	for k := range want {
		switch n := got[k]; {
		case n == 0:
			t.Errorf("lost: %v never sent", k)
		case n == 2:
			dups++
			for id := range ids[k] {
				if !cs.doubt[id] {
					t.Errorf("%v sent twice, but delivery %s was not in flight at a crash", k, id)
				}
			}
		case n > 2:
			t.Errorf("%v sent %d times, want at most 2", k, n)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("sent %v, which was never due", k)
		}
	}
	if depth, _, err := f.env.App.DB.OutboxStats(ctx, f.env.Clock.Now()); err != nil || depth != 0 {
		t.Errorf("got outbox depth %d (%v) at the end, want 0: everything settled", depth, err)
	}
	t.Logf("seed %d: %d rounds, %d crashes, %d deliveries, %d duplicates of deliveries in flight at a crash",
		seed, round, crashes, len(want), dups)
}

func employeeOfToken(tok string) string {
	var emp string
	fmt.Sscanf(tok, "fcm:%s", &emp)
	for i := range emp {
		if emp[i] == '.' {
			return emp[:i]
		}
	}
	return emp
}

// TestInDoubtTwice: a delivery whose send is interrupted twice is not sent a
// third time; it is FAILED, and the provider saw it at most twice.
func TestInDoubtTwice(t *testing.T) {
	f := newFixture(t, 1)
	f.device(t, "E-1", "phone")
	f.settings(t, map[string]any{"payslipReminderDays": []int{1}})
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
	f.env.Clock.Add(24 * time.Hour)
	for range 3 {
		cs := &crashSender{rec: f.rec, doubt: map[string]bool{}, mode: crashSenderPanicAfter, at: 1}
		d := &push.Dispatcher{Store: f.env.App.DB, Sender: cs, Clock: f.env.Clock, Settings: f.env.App.Push.Settings, Logger: quiet}
		if _, err := d.DispatchDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.env.Clock.Add(3 * time.Minute)
	}
	if n := len(f.rec.sent()); n != 2 {
		t.Fatalf("got %d sends, want 2 (the first and one resend)", n)
	}
	ds := f.deliveries(t, "E-1")
	var outcomes []string
	for _, a := range ds[0].Attempts {
		outcomes = append(outcomes, a.Outcome)
	}
	if ds[0].Status != "FAILED" || fmt.Sprint(outcomes) != "[IN_DOUBT IN_DOUBT FAILED]" {
		t.Fatalf("got %s with attempts %v, want FAILED after IN_DOUBT twice", ds[0].Status, outcomes)
	}
}
