package push_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
)

func TestRegisterPushToken(t *testing.T) {
	f := newFixture(t, 2)
	tok := f.env.EmployeeToken(t, f.org, "E-1")
	for _, tc := range []struct{ name, provider, token string }{
		{"ErrEmpty", "FCM", ""},
		{"ErrBlank", "FCM", "   "},
		{"ErrOversized", "FCM", strings.Repeat("a", 5000)},
		{"ErrGarbage", "FCM", "hello world! <script>alert(1)</script> and more"},
		{"ErrTooShort", "FCM", "abc"},
		{"ErrAPNsNotHex", "APNS", strings.Repeat("zz", 32)},
		{"ErrAPNsOdd", "APNS", strings.Repeat("a", 65)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.env.Do(t, tok, `mutation($p: PushProvider!, $t: String!) { registerPushToken(input: {provider: $p, token: $t}) }`,
				map[string]any{"p": tc.provider, "t": tc.token}).WantCode(t, "BAD_USER_INPUT")
		})
	}
	t.Run("ErrUnknownProvider", func(t *testing.T) {
		f.env.Do(t, tok, `mutation { registerPushToken(input: {provider: HMS, token: "x"}) }`, nil).WantCode(t, "BAD_USER_INPUT")
	})
	t.Run("ErrOrgKey", func(t *testing.T) {
		f.env.Do(t, f.key, `mutation { registerPushToken(input: {provider: FCM, token: "`+fcmToken("a", "b")+`"}) }`, nil).WantCode(t, "FORBIDDEN")
	})
	t.Run("ReplaceAndMove", func(t *testing.T) {
		ctx := context.Background()
		db := f.env.App.DB
		reg := func(access, token string) {
			f.env.Do(t, access, `mutation($t: String!) { registerPushToken(input: {provider: FCM, token: $t}) }`, map[string]any{"t": token}).Must(t, nil)
		}
		s1 := f.env.EmployeeSession(t, f.org, "E-1", "shared-phone")
		reg(s1.AccessToken, fcmToken("old", "x"))
		f.env.Clock.Add(time.Minute)
		reg(s1.AccessToken, fcmToken("new", "x")) // the app got a fresh token
		if _, got, _ := db.PushToken(ctx, s1.DeviceID); got != fcmToken("new", "x") {
			t.Fatalf("got %q, want the re-registered token", got)
		}
		// The phone is handed to a colleague, who signs in on it.
		s2 := f.env.EmployeeSession(t, f.org, "E-2", "shared-phone")
		reg(s2.AccessToken, fcmToken("new", "x"))
		if _, got, _ := db.PushToken(ctx, s1.DeviceID); got != "" {
			t.Errorf("got %q still on E-1's device, want the token moved away", got)
		}
		if _, got, _ := db.PushToken(ctx, s2.DeviceID); got != fcmToken("new", "x") {
			t.Errorf("got %q on E-2's device, want the token", got)
		}
		// E-1's payslip reminder must not reach the phone E-2 now holds.
		f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
		f.env.Clock.Add(5 * 24 * time.Hour)
		f.dispatch(t)
		for _, s := range f.rec.sent() {
			if s.N.Kind == "PAYSLIP_REMINDER" {
				t.Errorf("got E-1's reminder sent to %q, want none", s.N.Token)
			}
		}
	})
}
