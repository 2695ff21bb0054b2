package push_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push"
)

// Crash points. A kill is simulated by the store: from a chosen call on,
// every call fails without touching the database, as if the process had
// died there (before the call, or just after its commit with the answer
// lost); senders still in flight finish, but nothing they report is written.
const (
	crashNone              = iota
	crashKillBefore        // the process dies before its k-th store call
	crashKillAfter         // … just after its k-th store call committed
	crashSenderPanicBefore // the Sender dies before the provider has it
	crashSenderPanicAfter  // … after the provider has it
	crashCancelBefore      // graceful stop just before a send
	crashCancelAfter       // graceful stop after a send, before its record
	crashPoints
)

type crashed struct{}

var errKilled = errors.New("killed")

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// killStore is the dispatcher's store until a simulated kill. It serialises
// the calls (a kill is an instant: no call commits after it) and notes the
// deliveries whose outcome was durably written.
type killStore struct {
	push.DispatchStore
	mu       sync.Mutex
	calls    int
	killAt   int  // 0: never
	after    bool // kill just after call killAt committed
	dead     bool
	recorded map[string]bool
}

func (k *killStore) do(f func() error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dead {
		return errKilled
	}
	k.calls++
	if k.calls == k.killAt && !k.after {
		k.dead = true
		return errKilled
	}
	err := f()
	if k.calls == k.killAt {
		k.dead = true
		return errKilled
	}
	return err
}

func (k *killStore) ClaimOutbox(ctx context.Context, owner string, now, until time.Time, limit int) (out []*kabinet.OutboxItem, err error) {
	err = k.do(func() (err error) { out, err = k.DispatchStore.ClaimOutbox(ctx, owner, now, until, limit); return err })
	return out, err
}

func (k *killStore) ApplyOutbox(ctx context.Context, owner string, ds []kabinet.OutboxDecision, fan kabinet.FanOutRule) (lost []string, err error) {
	err = k.do(func() (err error) { lost, err = k.DispatchStore.ApplyOutbox(ctx, owner, ds, fan); return err })
	return lost, err
}

func (k *killStore) ClaimDeliveries(ctx context.Context, owner string, now, until time.Time, limit int) (out []*kabinet.DeliveryItem, err error) {
	err = k.do(func() (err error) {
		out, err = k.DispatchStore.ClaimDeliveries(ctx, owner, now, until, limit)
		return err
	})
	return out, err
}

func (k *killStore) ApplyDeliveries(ctx context.Context, owner string, ups []kabinet.DeliveryUpdate) (lost []string, err error) {
	err = k.do(func() error {
		lost, err = k.DispatchStore.ApplyDeliveries(ctx, owner, ups)
		if err == nil {
			for _, u := range ups {
				if u.Status != "SENDING" && !slices.Contains(lost, u.ID) {
					k.recorded[u.ID] = true
				}
			}
		}
		return err
	})
	return lost, err
}

// crashSender delivers to the recorder and crashes at a chosen send. It
// notes every delivery that reached the provider, so that the test can tell
// which were in doubt at a crash: reached, outcome not written.
type crashSender struct {
	rec     *recorder
	mu      sync.Mutex
	mode    int
	at      int // crash at this send of the round
	sends   int
	fired   bool
	cancel  context.CancelFunc
	reached []string // delivery ids that reached the provider this round
	doubt   map[string]bool
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
			panic(crashed{})
		case crashCancelBefore:
			c.cancel()
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
	c.reached = append(c.reached, n.ID)
	c.mu.Unlock()
	return res
}

// TestCrashSafety stops the dispatcher at random points between claim, send
// and record, many times, restarting a new instance on the same database
// each time, and checks the delivery guarantee: every due reminder reaches
// every device, exactly once per (reason, stage, device) except deliveries
// caught in flight by a crash (at most twice, same collapse key; at most
// InDoubtLimit of them per crash), none repeated by a graceful stop, and
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
	ks := &killStore{DispatchStore: f.env.App.DB, recorded: map[string]bool{}}
	newDispatcher := func(id string, store push.DispatchStore) *push.Dispatcher {
		c := 1 + rng.IntN(4)
		return &push.Dispatcher{Store: store, Sender: cs, Clock: f.env.Clock, Settings: f.env.App.Push.Settings,
			ID: id, Concurrency: c, ClaimBatch: c + rng.IntN(3*c), Lease: 2 * time.Minute, Logger: quiet}
	}
	crashes, maxDoubt := 0, 0
	round := 0
	f.env.Clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	end := time.Date(2026, 11, 7, 0, 0, 0, 0, time.UTC)
	for f.env.Clock.Now().Before(end) {
		round++
		d := newDispatcher(fmt.Sprintf("r%d", round), ks)
		rctx, cancel := context.WithCancel(ctx)
		mode := rng.IntN(crashPoints)
		cs.mu.Lock()
		cs.mode, cs.at, cs.sends, cs.fired, cs.cancel, cs.reached = mode, 1+rng.IntN(3), 0, false, cancel, nil
		cs.mu.Unlock()
		ks.mu.Lock()
		ks.calls, ks.killAt, ks.after, ks.dead = 0, 0, mode == crashKillAfter, false
		if mode == crashKillBefore || mode == crashKillAfter {
			ks.killAt = 1 + rng.IntN(6)
		}
		ks.mu.Unlock()
		_, err := d.DispatchDue(rctx)
		cancel()
		if err != nil && !errors.Is(err, errKilled) && !errors.Is(err, context.Canceled) {
			t.Fatalf("round %d: %v", round, err)
		}
		ks.mu.Lock()
		killed := ks.dead
		ks.mu.Unlock()
		// In doubt: reached the provider, outcome not written. A graceful
		// stop must leave none.
		inDoubt := 0
		for _, id := range cs.reached {
			if !ks.recorded[id] {
				inDoubt++
				cs.doubt[id] = true
				if mode == crashCancelBefore || mode == crashCancelAfter {
					t.Errorf("round %d: a graceful stop left delivery %s unrecorded", round, id)
				}
			}
		}
		if inDoubt > d.InDoubtLimit() {
			t.Errorf("round %d: %d deliveries in doubt at a crash, want at most %d (Concurrency %d + headroom)",
				round, inDoubt, d.InDoubtLimit(), d.Concurrency)
		}
		maxDoubt = max(maxDoubt, inDoubt)
		if killed || cs.fired {
			crashes++
		}
		if killed || (cs.fired && (mode == crashSenderPanicBefore || mode == crashSenderPanicAfter)) {
			// Restart after the dead instance's leases ran out: two new
			// instances share the work.
			f.env.Clock.Add(2*time.Minute + time.Second)
			cs.mu.Lock()
			cs.mode = crashNone
			cs.mu.Unlock()
			var wg sync.WaitGroup
			for k := range 2 {
				wg.Add(1)
				rd := newDispatcher(fmt.Sprintf("r%d-restart%d", round, k), f.env.App.DB)
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
	t.Logf("seed %d: %d rounds, %d crashes, %d deliveries, %d duplicates of deliveries in flight at a crash (at most %d in doubt at once)",
		seed, round, crashes, len(want), dups, maxDoubt)
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
// third time; it is DELIVERED_UNCONFIRMED (not FAILED: the provider had it),
// counted apart in the metrics, and the provider saw it twice.
func TestInDoubtTwice(t *testing.T) {
	f := newFixture(t, 1)
	f.device(t, "E-1", "phone")
	f.settings(t, map[string]any{"payslipReminderDays": []int{1}})
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
	f.env.Clock.Add(24 * time.Hour)
	for range 3 {
		cs := &crashSender{rec: f.rec, doubt: map[string]bool{}, mode: crashSenderPanicAfter, at: 1}
		d := &push.Dispatcher{Store: f.env.App.DB, Sender: cs, Clock: f.env.Clock, Settings: f.env.App.Push.Settings, Logger: quiet,
			Metrics: f.env.App.Dispatcher.Metrics}
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
	if ds[0].Status != "DELIVERED_UNCONFIRMED" || fmt.Sprint(outcomes) != "[IN_DOUBT IN_DOUBT]" {
		t.Fatalf("got %s with attempts %v, want DELIVERED_UNCONFIRMED after IN_DOUBT twice", ds[0].Status, outcomes)
	}
	if got := metric(t, f, "kabinet_push_unconfirmed_total"); got != 1 {
		t.Errorf("got kabinet_push_unconfirmed_total %v, want 1", got)
	}
	if got := metric(t, f, "kabinet_push_failed_total"); got != 0 {
		t.Errorf("got kabinet_push_failed_total %v, want 0: nothing failed", got)
	}
}

// metric sums the series of the named metric family in the app's registry.
func metric(t *testing.T, f *fixture, name string) float64 {
	t.Helper()
	fams, err := f.env.App.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, fam := range fams {
		if fam.GetName() != name {
			continue
		}
		for _, m := range fam.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}
