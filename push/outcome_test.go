package push_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push"
)

func TestProviderOutcomes(t *testing.T) {
	t.Run("InvalidTokenRetired", func(t *testing.T) {
		f := newFixture(t, 1)
		f.device(t, "E-1", "device-1")
		f.rec.script = func(*push.Notification) push.Result {
			return push.Result{Outcome: push.OutcomeInvalidToken, Reason: "UNREGISTERED"}
		}
		f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
		f.env.Clock.Add(5 * 24 * time.Hour)
		f.dispatch(t)
		dev, _ := f.env.App.DB.Devices(context.Background(), employeeID(t, f, "E-1"))
		if p, tok, _ := f.env.App.DB.PushToken(context.Background(), dev[0].ID); p != "" || tok != "" {
			t.Fatalf("got token %s %q still registered, want it retired", p, tok)
		}
		f.rec.script = nil
		f.env.Clock.Add(3 * 24 * time.Hour)
		f.dispatch(t)
		if n := len(f.rec.sent()); n != 0 {
			t.Fatalf("got %d sent to a retired token, want 0", n)
		}
		want := map[string]int{"PAYSLIP_REMINDER/5/FAILED": 1, "PAYSLIP_REMINDER/8/UNDELIVERABLE": 1, "PAYSLIP_REMINDER/10/PLANNED": 1}
		if got := statuses(f.deliveries(t, "E-1")); !equalMaps(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("RetryHonoursRetryAfter", func(t *testing.T) {
		f := newFixture(t, 1)
		f.device(t, "E-1", "device-1")
		calls := 0
		f.rec.script = func(*push.Notification) push.Result {
			calls++
			if calls == 1 {
				return push.Result{Outcome: push.OutcomeRetry, RetryAfter: 10 * time.Minute, Reason: "429 QUOTA_EXCEEDED"}
			}
			return push.Result{Outcome: push.OutcomeSent}
		}
		f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
		f.env.Clock.Add(5 * 24 * time.Hour)
		if st := f.dispatch(t); st.Retried != 1 {
			t.Fatalf("got %+v, want one retry", st)
		}
		ds := f.deliveries(t, "E-1")
		if ds[2].Status != "RETRYING" || ds[2].Error == nil || !strings.Contains(*ds[2].Error, "429") {
			t.Fatalf("got %+v, want RETRYING with the reason", ds[2])
		}
		f.env.Clock.Add(10*time.Minute - time.Second)
		f.dispatch(t)
		if calls != 1 {
			t.Fatalf("got %d calls before Retry-After passed, want 1", calls)
		}
		f.env.Clock.Add(time.Second)
		f.dispatch(t)
		if calls != 2 || len(f.rec.sent()) != 1 {
			t.Fatalf("got %d calls, %d sent, want 2 and 1", calls, len(f.rec.sent()))
		}
		ds = f.deliveries(t, "E-1")
		if ds[2].Status != "SENT" || len(ds[2].Attempts) != 2 || ds[2].Attempts[0].Outcome != "RETRY" {
			t.Errorf("got %+v, want SENT after RETRY, SENT", ds[2])
		}
	})
	t.Run("RetryingStageSuperseded", func(t *testing.T) {
		// Stage 1 is still waiting for its retry when stage 2 falls due:
		// expanding stage 2 cancels it, and only stage 2 goes out.
		f := newFixture(t, 1)
		f.device(t, "E-1", "device-1")
		f.settings(t, map[string]any{"payslipReminderDays": []int{1, 2}})
		calls := 0
		f.rec.script = func(*push.Notification) push.Result {
			if calls++; calls == 1 {
				return push.Result{Outcome: push.OutcomeRetry, RetryAfter: 20 * time.Hour, Reason: "429 QUOTA_EXCEEDED"}
			}
			return push.Result{Outcome: push.OutcomeSent}
		}
		f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
		f.env.Clock.Add(25 * time.Hour)
		if st := f.dispatch(t); st.Retried != 1 {
			t.Fatalf("got %+v, want stage 1 retried", st)
		}
		f.env.Clock.Add(24 * time.Hour)
		f.dispatch(t)
		if got := f.rec.sent(); calls != 2 || len(got) != 1 {
			t.Fatalf("got %d calls, sent %+v; want 2 calls, one sent", calls, got)
		}
		want := map[string]int{"PAYSLIP_REMINDER/1/CANCELLED": 1, "PAYSLIP_REMINDER/2/SENT": 1}
		ds := f.deliveries(t, "E-1")
		if got := statuses(ds); !equalMaps(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for _, d := range ds {
			if d.Stage == 1 && (d.Error == nil || *d.Error != "superseded by a later stage") {
				t.Errorf("got stage 1 error %v, want superseded by a later stage", d.Error)
			}
		}
	})
	t.Run("RetryDeadline", func(t *testing.T) {
		f := newFixture(t, 1)
		f.device(t, "E-1", "device-1")
		f.rec.script = func(*push.Notification) push.Result { return push.Result{Outcome: push.OutcomeRetry, Reason: "503"} }
		f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
		f.env.Clock.Add(5 * 24 * time.Hour)
		for range 100 {
			f.dispatch(t)
			f.env.Clock.Add(time.Hour)
		}
		ds := f.deliveries(t, "E-1")
		d := ds[len(ds)-1]
		if d.Status != "FAILED" || d.Error == nil || !strings.Contains(*d.Error, "gave up") || len(d.Attempts) < 3 {
			t.Fatalf("got %+v, want FAILED after several attempts", d)
		}
		for _, a := range d.Attempts[:len(d.Attempts)-1] {
			if a.Outcome != "RETRY" {
				t.Errorf("got attempt %s, want RETRY", a.Outcome)
			}
		}
	})
	for _, tc := range []struct {
		name    string
		outcome push.Outcome
		want    string
	}{{"Failed", push.OutcomeFailed, "FAILED"}, {"Undeliverable", push.OutcomeUndeliverable, "UNDELIVERABLE"}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 1)
			f.device(t, "E-1", "device-1")
			f.rec.script = func(*push.Notification) push.Result {
				return push.Result{Outcome: tc.outcome, Reason: "no credentials for FCM"}
			}
			f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
			f.env.Clock.Add(5 * 24 * time.Hour)
			f.dispatch(t)
			ds := f.deliveries(t, "E-1")
			if d := ds[2]; d.Status != tc.want || d.Error == nil || len(d.Attempts) != 1 {
				t.Fatalf("got %+v, want %s with the reason and one attempt", d, tc.want)
			}
			dev, _ := f.env.App.DB.Devices(context.Background(), employeeID(t, f, "E-1"))
			if _, tok, _ := f.env.App.DB.PushToken(context.Background(), dev[0].ID); tok == "" {
				t.Errorf("got the token retired, want it kept (not a token error)")
			}
		})
	}
}

func employeeID(t *testing.T, f *fixture, ext string) string {
	t.Helper()
	e, err := f.env.App.DB.EmployeeByExternalID(context.Background(), f.org, ext)
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}
