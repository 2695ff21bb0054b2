package push_test

import (
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
)

func TestRemindUnviewedPayslips(t *testing.T) {
	f := newFixture(t, 3)
	for _, e := range []string{"E-1", "E-2", "E-3"} {
		f.device(t, e, "phone")
	}
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"), testkit.Payslip("PS-2", "E-2", "2026-10"),
		testkit.Payslip("PS-3", "E-3", "2026-09"))
	f.env.Clock.Set(time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC)) // 22:00 Moscow: outside the window
	var out struct{ RemindUnviewedPayslips int }
	f.env.Do(t, f.key, `mutation { remindUnviewedPayslips(period: "2026-10") }`, nil).Must(t, &out)
	if out.RemindUnviewedPayslips != 2 {
		t.Fatalf("got %d planned, want 2", out.RemindUnviewedPayslips)
	}
	// HR clicks again an hour later: nothing is planned twice.
	f.env.Clock.Add(time.Hour)
	f.env.Do(t, f.key, `mutation { remindUnviewedPayslips(period: "2026-10") }`, nil).Must(t, &out)
	if out.RemindUnviewedPayslips != 0 {
		t.Fatalf("got %d planned by a repeat, want 0", out.RemindUnviewedPayslips)
	}
	f.env.Clock.Add(-time.Hour)
	f.dispatch(t)
	if n := len(f.rec.sent()); n != 0 {
		t.Fatalf("got %d sent at 22:00 local, want 0", n)
	}
	f.env.Clock.Set(time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC))
	f.dispatch(t)
	got := f.rec.sent()
	if len(got) != 2 || got[0].N.Kind != "PAYSLIP_BROADCAST" {
		t.Fatalf("got %+v, want two broadcasts at 09:00 local", got)
	}
	t.Run("AgainNextDay", func(t *testing.T) {
		f.rec.reset()
		f.env.Clock.Set(time.Date(2026, 11, 4, 7, 0, 0, 0, time.UTC))
		f.env.Do(t, f.key, `mutation { remindUnviewedPayslips(period: "2026-10") }`, nil).Must(t, &out)
		f.dispatch(t)
		if out.RemindUnviewedPayslips != 2 || len(f.rec.sent()) != 2 {
			t.Fatalf("a broadcast a day later: planned %d, sent %d; want 2 and 2", out.RemindUnviewedPayslips, len(f.rec.sent()))
		}
	})
	t.Run("ErrPeriod", func(t *testing.T) {
		f.env.Do(t, f.key, `mutation { remindUnviewedPayslips(period: "October") }`, nil).WantCode(t, "BAD_USER_INPUT")
	})
}

// TestRemindUnviewedPayslipsReachableOnly: HR's one-off reminder counts and
// plans only employees it can reach (an active cabinet and a device with a
// push token), not those it would cancel at sending.
func TestRemindUnviewedPayslipsReachableOnly(t *testing.T) {
	f := newFixture(t, 5)
	f.device(t, "E-1", "phone")
	f.device(t, "E-2", "phone")
	f.env.EmployeeSession(t, f.org, "E-3", "phone") // signed in, no push token yet
	var slips []map[string]any
	for _, e := range []string{"E-1", "E-2", "E-3", "E-4", "E-5"} { // E-4, E-5: never activated
		slips = append(slips, testkit.Payslip("PS-"+e, e, "2026-10"))
	}
	f.env.PublishPayslips(t, f.key, slips...)
	var out struct{ RemindUnviewedPayslips int }
	f.env.Do(t, f.key, `mutation { remindUnviewedPayslips(period: "2026-10") }`, nil).Must(t, &out)
	if out.RemindUnviewedPayslips != 2 {
		t.Fatalf("got %d planned, want 2 (E-1 and E-2)", out.RemindUnviewedPayslips)
	}
	if n := statuses(f.deliveries(t, ""))["PAYSLIP_BROADCAST/1/PLANNED"]; n != 2 {
		t.Errorf("got %d broadcasts in the delivery log, want 2", n)
	}
	// E-3 registers a token: a repeat now reaches them too, and only them.
	f.device(t, "E-3", "phone")
	f.env.Do(t, f.key, `mutation { remindUnviewedPayslips(period: "2026-10") }`, nil).Must(t, &out)
	if out.RemindUnviewedPayslips != 1 {
		t.Fatalf("got %d planned by the repeat, want 1 (E-3)", out.RemindUnviewedPayslips)
	}
}
