package push_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push"
	"github.com/kabinet/kabinet/push/pushtest"
)

// dueReminders gives n employees a device and a payslip whose one reminder
// is due now, with the new-device notices already sent, and returns the
// fake FCM's request count at that point.
func dueReminders(t *testing.T, f *fixture, n int) int {
	t.Helper()
	f.settings(t, map[string]any{"payslipReminderDays": []int{1}})
	for i := 1; i <= n; i++ {
		f.device(t, fmt.Sprintf("E-%d", i), "phone")
		f.env.PublishPayslips(t, f.key, testkit.Payslip(fmt.Sprintf("PS-%d", i), fmt.Sprintf("E-%d", i), "2026-10"))
	}
	f.dispatch(t) // the new-device notices
	f.rec.reset()
	f.env.Clock.Add(24 * time.Hour)
	return f.fcm.Requests()
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestStopFinishesSendsInFlight: a graceful stop (the worker's context
// ends) while the provider holds the sends lets them finish and records
// them SENT; nothing becomes a RETRY and nothing is sent again later. (Before,
// the sends' context was the worker's: the stop cancelled sends the provider
// already had, they were recorded RETRY and repeated 15–30 s later.)
func TestStopFinishesSendsInFlight(t *testing.T) {
	const n = 4
	f := newFixture(t, n)
	base := dueReminders(t, f, n)
	f.fcm.SetDefault(pushtest.Reply{Delay: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := f.env.App.Dispatcher.DispatchDue(ctx); done <- err }()
	waitFor(t, "the sends to reach the provider", func() bool { return f.fcm.Requests() == base+n })
	cancel()
	<-done
	f.fcm.SetDefault(pushtest.Reply{})
	for i := 1; i <= n; i++ {
		ds := f.deliveries(t, fmt.Sprintf("E-%d", i))
		if ds[0].Status != "SENT" || len(ds[0].Attempts) != 1 || ds[0].Attempts[0].Outcome != "SENT" {
			t.Errorf("E-%d: got %s %+v, want SENT at the first attempt", i, ds[0].Status, ds[0].Attempts)
		}
	}
	f.env.Clock.Add(time.Hour)
	f.dispatch(t)
	if got := f.fcm.Requests() - base; got != n {
		t.Fatalf("the provider got %d sends, want %d: a stop repeated sends", got, n)
	}
}

// TestStopGraceRunsOut: a send still unanswered when StopGrace runs out is
// cancelled and recorded in doubt (IN_DOUBT, resent at once), not as a
// retry that hides the possible duplicate.
func TestStopGraceRunsOut(t *testing.T) {
	f := newFixture(t, 1)
	base := dueReminders(t, f, 1)
	f.fcm.SetDefault(pushtest.Reply{Delay: time.Minute})
	d := &push.Dispatcher{Store: f.env.App.DB, Sender: f.rec, Clock: f.env.Clock, Settings: f.env.App.Push.Settings,
		Logger: quiet, StopGrace: 50 * time.Millisecond, Metrics: f.env.App.Dispatcher.Metrics}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := d.DispatchDue(ctx); done <- err }()
	waitFor(t, "the send to reach the provider", func() bool { return f.fcm.Requests() == base+1 })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the stop waited past StopGrace")
	}
	ds := f.deliveries(t, "E-1")
	if len(ds[0].Attempts) != 1 || ds[0].Attempts[0].Outcome != "IN_DOUBT" {
		t.Fatalf("got %s %+v, want one IN_DOUBT attempt", ds[0].Status, ds[0].Attempts)
	}
	if got := metric(t, f, "kabinet_push_in_doubt_total"); got != 1 {
		t.Errorf("got kabinet_push_in_doubt_total %v, want 1", got)
	}
	f.fcm.SetDefault(pushtest.Reply{})
	f.dispatch(t) // at once: no lease to wait for
	if ds := f.deliveries(t, "E-1"); ds[0].Status != "SENT" {
		t.Fatalf("got %s after the restart, want SENT", ds[0].Status)
	}
}

// TestOutcomesRecordedAsTheyArrive: while one send hangs, the outcomes of
// the others of its claim are already written, so a kill then would repeat
// only the hanging one. (Before, a batch's outcomes were written together
// after its slowest send: a kill put the whole batch in doubt.)
func TestOutcomesRecordedAsTheyArrive(t *testing.T) {
	const n = 4
	f := newFixture(t, n)
	dueReminders(t, f, n)
	release := make(chan struct{})
	var once sync.Once
	hang := push.SenderFunc(func(ctx context.Context, note *push.Notification) push.Result {
		if note.Token == fcmToken("E-1", "phone") {
			<-release
		}
		return f.rec.Send(ctx, note)
	})
	defer once.Do(func() { close(release) })
	d := &push.Dispatcher{Store: f.env.App.DB, Sender: hang, Clock: f.env.Clock, Settings: f.env.App.Push.Settings,
		Logger: quiet, Concurrency: n}
	done := make(chan error, 1)
	go func() { _, err := d.DispatchDue(context.Background()); done <- err }()
	waitFor(t, "the other sends to be recorded", func() bool {
		for i := 2; i <= n; i++ {
			if ds := f.deliveries(t, fmt.Sprintf("E-%d", i)); ds[0].Status != "SENT" {
				return false
			}
		}
		return true
	})
	if ds := f.deliveries(t, "E-1"); ds[0].Status != "SENDING" {
		t.Errorf("got %s for the hanging send, want SENDING", ds[0].Status)
	}
	once.Do(func() { close(release) })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestNoActiveCabinetReason: a reminder to someone who never activated a
// cabinet is cancelled as "no active cabinet" and counted under that
// reason, not as blocked.
func TestNoActiveCabinetReason(t *testing.T) {
	f := newFixture(t, 2)
	f.settings(t, map[string]any{"payslipReminderDays": []int{1}})
	f.device(t, "E-1", "phone") // E-2 never signs in
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"), testkit.Payslip("PS-2", "E-2", "2026-10"))
	f.env.Clock.Add(24 * time.Hour)
	f.dispatch(t)
	ds := f.deliveries(t, "E-2")
	if len(ds) != 1 || ds[0].Status != "CANCELLED" || ds[0].Error == nil || !strings.Contains(*ds[0].Error, "no active cabinet") {
		t.Fatalf("got %+v, want the reminder CANCELLED for no active cabinet", ds)
	}
	fams, err := f.env.App.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]float64{}
	for _, fam := range fams {
		if fam.GetName() != "kabinet_push_cancelled_total" {
			continue
		}
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" {
					reasons[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	if reasons["no_active_cabinet"] != 1 || reasons["blocked"] != 0 {
		t.Fatalf("got cancellations by reason %v, want no_active_cabinet 1 and blocked 0", reasons)
	}
}
