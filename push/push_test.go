package push_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
)

func TestPayslipReminders(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t, 2)
		f.device(t, "E-1", "device-1")
		// Published at 12:00 Moscow: the stages fall inside the window.
		f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
		if st := f.dispatch(t); st.Sent != 0 {
			t.Fatalf("sent %d at publication, want 0", st.Sent)
		}
		f.env.Clock.Add(5*24*time.Hour - time.Minute)
		f.dispatch(t)
		if n := len(f.rec.sent()); n != 0 {
			t.Fatalf("got %d sent a minute before stage 5, want 0", n)
		}
		f.env.Clock.Add(time.Minute)
		f.dispatch(t)
		got := f.rec.sent()
		if len(got) != 1 {
			t.Fatalf("got %d sent at stage 5, want 1", len(got))
		}
		n := got[0].N
		if n.Kind != "PAYSLIP_REMINDER" || n.Token != fcmToken("E-1", "device-1") || n.Provider != "FCM" ||
			n.CollapseKey == "" || n.DeepLink == "" || n.Params["period"] != "2026-10" || n.Badge == nil || *n.Badge != 1 {
			t.Errorf("got notification %+v, want an FCM payslip reminder for 2026-10 with collapse key, deep link and badge 1", n)
		}
		f.env.Clock.Add(3 * 24 * time.Hour)
		f.dispatch(t)
		f.env.Clock.Add(2 * 24 * time.Hour)
		f.dispatch(t)
		if n := len(f.rec.sent()); n != 3 {
			t.Fatalf("got %d sent after stage 10, want 3", n)
		}
		for _, s := range f.rec.sent() {
			if !inWindow(s.At) {
				t.Errorf("sent at %v Moscow, outside 09:00–21:00", s.At.In(moscow))
			}
		}
		ds := f.deliveries(t, "E-1")
		want := map[string]int{"PAYSLIP_REMINDER/5/SENT": 1, "PAYSLIP_REMINDER/8/SENT": 1, "PAYSLIP_REMINDER/10/SENT": 1}
		if got := statuses(ds); !equalMaps(got, want) {
			t.Errorf("got deliveries %v, want %v", got, want)
		}
		if ds[0].Platform == nil || *ds[0].Platform != "ANDROID" || ds[0].SentAt == nil || len(ds[0].Attempts) != 1 || ds[0].Attempts[0].Outcome != "SENT" {
			t.Errorf("got delivery %+v, want ANDROID, sent, one SENT attempt", ds[0])
		}
	})
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestPayslipReminderWindow(t *testing.T) {
	f := newFixture(t, 1)
	f.device(t, "E-1", "device-1")
	// 20:30 UTC = 23:30 Moscow: stage 5 falls due at night.
	f.env.Clock.Set(time.Date(2026, 11, 2, 20, 30, 0, 0, time.UTC))
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
	f.env.Clock.Add(5 * 24 * time.Hour)
	if st := f.dispatch(t); st.Sent != 0 || st.Replanned != 1 {
		t.Fatalf("got %+v at 23:30 local, want nothing sent and one re-planned", st)
	}
	ds := f.deliveries(t, "E-1")
	wantAt := time.Date(2026, 11, 8, 6, 0, 0, 0, time.UTC) // 09:00 Moscow
	if len(ds) != 3 || !ds[2].PlannedAt.Equal(wantAt) || ds[2].Status != "PLANNED" || ds[2].Stage != 5 {
		t.Fatalf("got %+v, want stage 5 PLANNED at %v (last of three)", ds, wantAt)
	}
	f.env.Clock.Set(wantAt.Add(-time.Second))
	f.dispatch(t)
	if n := len(f.rec.sent()); n != 0 {
		t.Fatalf("got %d sent at 08:59:59 local, want 0", n)
	}
	f.env.Clock.Set(wantAt)
	f.dispatch(t)
	if got := f.rec.sent(); len(got) != 1 || !got[0].At.Equal(wantAt) {
		t.Fatalf("got %+v, want one sent at %v", got, wantAt)
	}
}

func TestPayslipReminderAfterDowntime(t *testing.T) {
	f := newFixture(t, 1)
	f.device(t, "E-1", "device-1")
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
	f.env.Clock.Add(11 * 24 * time.Hour) // the server was down through every stage
	f.dispatch(t)
	got := f.rec.sent()
	if len(got) != 1 || got[0].N.Params["days"] != "10" {
		t.Fatalf("got %+v, want only the stage 10 reminder", got)
	}
	want := map[string]int{"PAYSLIP_REMINDER/5/CANCELLED": 1, "PAYSLIP_REMINDER/8/CANCELLED": 1, "PAYSLIP_REMINDER/10/SENT": 1}
	if got := statuses(f.deliveries(t, "E-1")); !equalMaps(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPayslipReminderReasonGone(t *testing.T) {
	for _, tc := range []struct {
		name string
		gone func(t *testing.T, f *fixture)
	}{
		{"Viewed", func(t *testing.T, f *fixture) {
			ctx := context.Background()
			ps, err := f.env.App.DB.Payslips(ctx, f.org, kabinet.PayslipFilter{})
			if err != nil || len(ps) != 1 {
				t.Fatalf("payslips: %v %v", ps, err)
			}
			setViewed(t, f, ps[0].ID)
			f.env.App.Push.PayslipViewed(ctx, f.org, ps[0].EmployeeID, ps[0].ID)
		}},
		{"ViewedOnThePhone", func(t *testing.T, f *fixture) {
			ps, _ := f.env.App.DB.Payslips(context.Background(), f.org, kabinet.PayslipFilter{})
			tok := f.env.EmployeeToken(t, f.org, "E-1")
			f.env.Do(t, tok, `mutation($in: MarkPayslipViewedInput!) { markPayslipViewed(input: $in) { id } }`, map[string]any{"in": map[string]any{
				"payslipId": ps[0].ID, "viewedAt": f.env.Clock.Now().Format(time.RFC3339), "clientMutationId": "m-1"}}).Must(t, nil)
			if n, _, _ := f.env.App.DB.OutboxStats(context.Background(), f.env.Clock.Now().Add(30*24*time.Hour)); n != 0 {
				t.Fatalf("got %d planned after the view, want 0 (cancelled by the sync hook)", n)
			}
		}},
		{"ViewedWithoutHook", func(t *testing.T, f *fixture) {
			ps, _ := f.env.App.DB.Payslips(context.Background(), f.org, kabinet.PayslipFilter{})
			setViewed(t, f, ps[0].ID) // the dispatcher's own re-check must catch it
		}},
		{"Retracted", func(t *testing.T, f *fixture) {
			f.env.Do(t, f.key, `mutation { retractPayslip(externalId: "PS-1") }`, nil).Must(t, nil)
		}},
		{"BlockedByHR", func(t *testing.T, f *fixture) {
			f.env.Do(t, f.key, `mutation { blockCabinet(employeeExternalId: "E-1") { status } }`, nil).Must(t, nil)
		}},
		{"Blocked", func(t *testing.T, f *fixture) {
			f.env.App.Dispatcher.Gate = gateFunc(func(ctx context.Context, orgID, employeeID string) error {
				return kabinet.Errorf(kabinet.EFORBIDDEN, "the cabinet is blocked")
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 1)
			f.device(t, "E-1", "device-1")
			f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
			tc.gone(t, f)
			f.env.Clock.Add(11 * 24 * time.Hour)
			f.dispatch(t)
			if got := f.rec.sent(); len(got) != 0 {
				t.Fatalf("got %d sent, want 0", len(got))
			}
			for _, d := range f.deliveries(t, "E-1") {
				if d.Status != "CANCELLED" {
					t.Errorf("got %s/%d %s, want CANCELLED", d.Kind, d.Stage, d.Status)
				}
			}
		})
	}
}

type gateFunc func(ctx context.Context, orgID, employeeID string) error

func (g gateFunc) MaySignIn(ctx context.Context, orgID, employeeID string) error {
	return g(ctx, orgID, employeeID)
}

// setViewed marks a payslip viewed in the store only: no listener hears of
// it, as if the view's notice were lost (the dispatcher must still see it).
func setViewed(t *testing.T, f *fixture, payslipID string) {
	t.Helper()
	ctx := context.Background()
	slips, err := f.env.App.DB.Payslips(ctx, f.org, kabinet.PayslipFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range slips {
		if p.ID == payslipID {
			if _, _, err := f.env.App.DB.MarkPayslipViewed(ctx, kabinet.PayslipView{OrgID: f.org, EmployeeID: p.EmployeeID,
				PayslipID: p.ID, ClientMutationID: "test-" + p.ID, ViewedAt: f.env.Clock.Now()}); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no payslip %s", payslipID)
}

func TestEveryDevice(t *testing.T) {
	f := newFixture(t, 2)
	f.device(t, "E-1", "device-1")
	f.device(t, "E-1", "device-2")
	// An iPhone with an APNs token: gets the badge.
	ctx := context.Background()
	emp, _ := f.env.App.DB.EmployeeByExternalID(ctx, f.org, "E-1")
	s, err := f.env.App.Auth.StartSession(ctx, f.org, emp.ID, kabinet.Device{ClientID: "iphone", Platform: kabinet.PlatformIOS, Model: "iPhone 15"}, kabinet.MethodPassword)
	if err != nil {
		t.Fatal(err)
	}
	apns := strings.Repeat("ab12", 16)
	f.env.Do(t, s.AccessToken, `mutation { registerPushToken(input: {provider: APNS, token: "`+apns+`"}) }`, nil).Must(t, nil)
	f.dispatch(t) // the new-device notices
	f.rec.reset()
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"), testkit.Payslip("PS-0", "E-1", "2026-09"))
	f.env.Clock.Add(5 * 24 * time.Hour)
	f.dispatch(t)
	got := f.rec.sent()
	if len(got) != 6 {
		t.Fatalf("got %d sent, want 2 payslips × 3 devices", len(got))
	}
	tokens := map[string]int{}
	for _, s := range got {
		tokens[s.N.Token]++
		if s.N.Provider == "APNS" && (s.N.Badge == nil || *s.N.Badge != 2) {
			t.Errorf("got iOS badge %v, want 2 unviewed payslips", s.N.Badge)
		}
	}
	if tokens[apns] != 2 || tokens[fcmToken("E-1", "device-1")] != 2 || tokens[fcmToken("E-1", "device-2")] != 2 {
		t.Errorf("got per-token counts %v, want 2 each", tokens)
	}
}

func TestNewDeviceNotice(t *testing.T) {
	f := newFixture(t, 1)
	f.device(t, "E-1", "device-1")
	f.device(t, "E-1", "device-2") // signs in on a second device
	f.dispatch(t)
	got := f.rec.sent()
	if len(got) != 1 || got[0].N.Kind != "NEW_DEVICE" || got[0].N.Token != fcmToken("E-1", "device-1") || got[0].N.Params["model"] != "Pixel 8" {
		t.Fatalf("got %+v, want one new-device notice to device-1 only", got)
	}
}
