package push_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
)

// preference is a line of notificationPreferences.
type preference struct {
	Kind      string
	Enabled   bool
	Mandatory bool
	Reason    *string
}

const preferencesQuery = `{ notificationPreferences { kind enabled mandatory reason } }`

const updatePreferences = `mutation($in: [NotificationPreferenceInput!]!) {
	updateNotificationPreferences(input: $in) { kind enabled mandatory reason } }`

func prefsOf(ps []preference) map[string]bool {
	m := map[string]bool{}
	for _, p := range ps {
		m[p.Kind] = p.Enabled
	}
	return m
}

// iPhone signs the employee in on an iPhone and registers an APNs token.
func (f *fixture) iPhone(t *testing.T, emp string) (accessToken, apnsToken string) {
	t.Helper()
	ctx := context.Background()
	e, err := f.env.App.DB.EmployeeByExternalID(ctx, f.org, emp)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.env.App.Auth.StartSession(ctx, f.org, e.ID, kabinet.Device{ClientID: "iphone-" + emp, Platform: kabinet.PlatformIOS, Model: "iPhone 15"}, kabinet.MethodPassword)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(emp))
	apnsToken = hex.EncodeToString(sum[:])
	f.env.Do(t, s.AccessToken, `mutation($t: String!) { registerPushToken(input: {provider: APNS, token: $t}) }`,
		map[string]any{"t": apnsToken}).Must(t, nil)
	return s.AccessToken, apnsToken
}

func TestNotificationPreferences(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t, 2)
		tok := f.device(t, "E-1", "android")
		var got struct{ NotificationPreferences []preference }
		f.env.Do(t, tok, preferencesQuery, nil).Must(t, &got)
		if len(got.NotificationPreferences) != 6 {
			t.Fatalf("got %d preferences, want 6 kinds", len(got.NotificationPreferences))
		}
		for _, p := range got.NotificationPreferences {
			mandatory := p.Kind == "NEW_DEVICE" || p.Kind == "HR_NOTICES"
			if !p.Enabled || p.Mandatory != mandatory || (p.Reason != nil) != mandatory {
				t.Errorf("got %+v, want enabled, mandatory %v with a reason only then", p, mandatory)
			}
		}
		var upd struct{ UpdateNotificationPreferences []preference }
		f.env.Do(t, tok, updatePreferences, map[string]any{"in": []map[string]any{
			{"kind": "PAYSLIP_REMINDERS", "enabled": false}, {"kind": "APPROVALS", "enabled": false}}}).Must(t, &upd)
		f.env.Do(t, tok, updatePreferences, map[string]any{"in": []map[string]any{{"kind": "APPROVALS", "enabled": true}}}).Must(t, &upd)
		m := prefsOf(upd.UpdateNotificationPreferences)
		if m["PAYSLIP_REMINDERS"] || !m["APPROVALS"] || !m["VACATION_REMINDERS"] || !m["NEW_DEVICE"] {
			t.Errorf("got %v, want payslip reminders off (kept from the first call), approvals on again, the rest on", m)
		}
		other := f.device(t, "E-2", "android")
		f.env.Do(t, other, preferencesQuery, nil).Must(t, &got)
		if !prefsOf(got.NotificationPreferences)["PAYSLIP_REMINDERS"] {
			t.Errorf("got E-2's payslip reminders off, want E-1's choice to be E-1's only")
		}
	})

	t.Run("ErrMandatory", func(t *testing.T) {
		f := newFixture(t, 1)
		tok := f.device(t, "E-1", "android")
		r := f.env.Do(t, tok, updatePreferences, map[string]any{"in": []map[string]any{
			{"kind": "PAYSLIP_REMINDERS", "enabled": false}, {"kind": "NEW_DEVICE", "enabled": false}}})
		e := r.WantCode(t, kabinet.EBADINPUT)
		if !strings.Contains(e.Message, "new-device sign-in notices cannot be turned off") {
			t.Errorf("got message %q, want it to say why new-device notices stay on", e.Message)
		}
		items, _ := e.Extensions["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["index"].(float64) != 1 {
			t.Errorf("got items %v, want item 1", e.Extensions["items"])
		}
		var got struct{ NotificationPreferences []preference }
		f.env.Do(t, tok, preferencesQuery, nil).Must(t, &got)
		if !prefsOf(got.NotificationPreferences)["PAYSLIP_REMINDERS"] {
			t.Errorf("got payslip reminders off after a refused batch, want nothing written")
		}
	})

	t.Run("ErrTwice", func(t *testing.T) {
		f := newFixture(t, 1)
		tok := f.device(t, "E-1", "android")
		f.env.Do(t, tok, updatePreferences, map[string]any{"in": []map[string]any{
			{"kind": "APPROVALS", "enabled": false}, {"kind": "APPROVALS", "enabled": true}}}).WantCode(t, kabinet.EBADINPUT)
	})

	t.Run("ErrNotEmployee", func(t *testing.T) {
		f := newFixture(t, 1)
		r := f.env.Do(t, f.key, preferencesQuery, nil)
		if c := r.Code(); c != kabinet.EFORBIDDEN && c != kabinet.EUNAUTHENTICATED {
			t.Errorf("got %q with an organisation key, want FORBIDDEN", c)
		}
	})
}

// TestPreferencesAtSendTime: a kind turned off after it was planned is not
// sent (recorded with a note), while another kind and another employee are;
// on again, the next stage goes out. Through the real FCM and APNs clients
// to the wire-level fakes.
func TestPreferencesAtSendTime(t *testing.T) {
	f := newFixture(t, 2)
	tok1 := f.device(t, "E-1", "android")
	f.device(t, "E-2", "android")
	iphone, apnsToken := f.iPhone(t, "E-2")
	f.dispatch(t) // E-2's new-device notice
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"), testkit.Payslip("PS-2", "E-2", "2026-10"),
		testkit.Payslip("PS-3", "E-2", "2026-09"))
	f.env.Do(t, tok1, updatePreferences, map[string]any{"in": []map[string]any{{"kind": "PAYSLIP_REMINDERS", "enabled": false}}}).Must(t, nil)
	before := len(f.fcm.Delivered(fcmToken("E-1", "android")))

	f.env.Clock.Add(5 * 24 * time.Hour)
	f.dispatch(t)
	if n := len(f.fcm.Delivered(fcmToken("E-1", "android"))); n != before {
		t.Errorf("got %d messages to E-1 after turning payslip reminders off, want %d", n, before)
	}
	var stage5 *delivery
	for _, d := range f.deliveries(t, "E-1") {
		if d.Kind == "PAYSLIP_REMINDER" && d.Stage == 5 {
			stage5 = &d
		}
	}
	if stage5 == nil || stage5.Status != "CANCELLED" || stage5.Error == nil || !strings.Contains(*stage5.Error, "turned off payslip reminders") {
		t.Errorf("got E-1's stage-5 reminder %+v, want it CANCELLED with a note that E-1 turned it off", stage5)
	}
	// E-2 kept theirs: two reminders to each of two devices, the iPhone's
	// with the badge (two unviewed payslips), FCM's with the data field.
	am := f.apns.Delivered(apnsToken)
	if len(am) != 2 {
		t.Fatalf("got %d APNs requests to E-2's iPhone, want 2 reminders", len(am))
	}
	if _, _, badge, custom := am[0].Alert(); badge != 2 || custom["badge"] != nil {
		t.Errorf("got aps.badge %d (custom %v), want 2 unviewed payslips in aps only", badge, custom)
	}

	// E-2 views one: the next send's badge is 1, on both platforms. (The
	// access tokens of five days ago have expired: the phones sign in again.)
	iphone, _ = f.iPhone(t, "E-2")
	tok1 = f.device(t, "E-1", "android")
	var sync struct {
		Sync struct{ Payslips []struct{ ID, Period string } }
	}
	f.env.Do(t, iphone, `{ sync { payslips { id period } } }`, nil).Must(t, &sync)
	for _, p := range sync.Sync.Payslips {
		if p.Period == "2026-10" {
			f.env.Do(t, iphone, `mutation($in: MarkPayslipViewedInput!) { markPayslipViewed(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"payslipId": p.ID, "viewedAt": f.env.Clock.Now().Format(time.RFC3339), "clientMutationId": "v-1"}}).Must(t, nil)
		}
	}
	// E-1 turns payslip reminders on again: stage 8 goes out.
	f.env.Do(t, tok1, updatePreferences, map[string]any{"in": []map[string]any{{"kind": "PAYSLIP_REMINDERS", "enabled": true}}}).Must(t, nil)
	f.env.Clock.Add(3 * 24 * time.Hour)
	f.dispatch(t)
	if n := len(f.fcm.Delivered(fcmToken("E-1", "android"))); n != before+1 {
		t.Errorf("got %d messages to E-1 after turning payslip reminders on again, want %d", n, before+1)
	}
	am = f.apns.Delivered(apnsToken)
	if len(am) != 3 {
		t.Fatalf("got %d APNs requests to E-2's iPhone, want 3 (stage 8 of the unviewed one)", len(am))
	}
	if _, _, badge, _ := am[2].Alert(); badge != 1 {
		t.Errorf("got aps.badge %d after a view, want 1", badge)
	}
	fm := f.fcm.Delivered(fcmToken("E-2", "android"))
	if len(fm) == 0 || fm[len(fm)-1].Data["badge"] != "1" {
		t.Errorf("got FCM data %v, want badge \"1\"", fm)
	}
}

// TestMandatoryStaysOn: a stored opt-out of a kind that is mandatory (a
// choice made before it was) does not stop it: new-device notices go out.
func TestMandatoryStaysOn(t *testing.T) {
	f := newFixture(t, 1)
	f.device(t, "E-1", "device-1")
	ctx := context.Background()
	emp, _ := f.env.App.DB.EmployeeByExternalID(ctx, f.org, "E-1")
	if err := f.env.App.DB.SaveNotificationPreferences(ctx, f.org, emp.ID, map[string]bool{kabinet.CategoryNewDevice: false}, f.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.device(t, "E-1", "device-2")
	f.dispatch(t)
	if got := f.fcm.Delivered(fcmToken("E-1", "device-1")); len(got) != 1 || got[0].Data["kind"] != "NEW_DEVICE" {
		t.Fatalf("got %+v, want the new-device notice despite the stored opt-out", got)
	}
}
