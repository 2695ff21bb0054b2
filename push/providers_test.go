package push_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push/pushtest"
)

// TestThroughProviderFakes checks what went over the wire through the real
// SDKs, and that the providers' answers as the SDKs surface them drive the
// delivery log: UNREGISTERED / 410 retire the token, 429 with Retry-After is
// retried no earlier, INVALID_ARGUMENT fails without retiring the token.
func TestThroughProviderFakes(t *testing.T) {
	f := newFixture(t, 3)
	f.device(t, "E-1", "android")
	ctx := context.Background()
	emp, _ := f.env.App.DB.EmployeeByExternalID(ctx, f.org, "E-1")
	s, err := f.env.App.Auth.StartSession(ctx, f.org, emp.ID, kabinet.Device{ClientID: "iphone", Platform: kabinet.PlatformIOS, Model: "iPhone 15"}, kabinet.MethodPassword)
	if err != nil {
		t.Fatal(err)
	}
	apnsToken := strings.Repeat("0f", 32)
	f.env.Do(t, s.AccessToken, `mutation { registerPushToken(input: {provider: APNS, token: "`+apnsToken+`"}) }`, nil).Must(t, nil)
	f.device(t, "E-2", "android")
	f.device(t, "E-3", "android")
	f.dispatch(t) // E-1's new-device notice to the Android phone
	f.fcm.Script(fcmToken("E-2", "android"), pushtest.Reply{Status: http.StatusNotFound, Code: "UNREGISTERED"})
	f.fcm.Script(fcmToken("E-3", "android"), pushtest.Reply{Status: http.StatusTooManyRequests, Code: "QUOTA_EXCEEDED", RetryAfter: 5 * time.Minute})
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"), testkit.Payslip("PS-2", "E-2", "2026-10"),
		testkit.Payslip("PS-3", "E-3", "2026-10"))
	f.env.Clock.Add(5 * 24 * time.Hour)
	f.dispatch(t)

	fm := f.fcm.Delivered(fcmToken("E-1", "android"))
	if len(fm) != 2 || fm[1].CollapseKey == "" || !strings.Contains(fm[1].Body, "2026") && !strings.Contains(fm[1].Body, "октябрь") {
		t.Errorf("got FCM messages %+v, want the notice and a payslip reminder with a collapse key and text", fm)
	}
	am := f.apns.Delivered(apnsToken)
	if len(am) != 1 || am[0].CollapseID == "" {
		t.Fatalf("got APNs requests %+v, want one with apns-collapse-id", am)
	}
	if _, _, badge, _ := am[0].Alert(); badge != 1 {
		t.Errorf("got badge %d, want 1 unviewed payslip", badge)
	}
	e2, _ := f.env.App.DB.Devices(ctx, employeeID(t, f, "E-2"))
	if _, tok, _ := f.env.App.DB.PushToken(ctx, e2[0].ID); tok != "" {
		t.Errorf("got E-2's token kept after UNREGISTERED, want it retired")
	}
	d3 := f.deliveries(t, "E-3")
	if d3[2].Status != "RETRYING" {
		t.Fatalf("got E-3 %s, want RETRYING after 429", d3[2].Status)
	}
	f.env.Clock.Add(5*time.Minute - time.Second)
	f.dispatch(t)
	if n := len(f.fcm.Delivered(fcmToken("E-3", "android"))); n != 0 {
		t.Fatalf("got %d accepted before Retry-After, want 0", n)
	}
	f.env.Clock.Add(time.Second)
	f.dispatch(t)
	if d3 = f.deliveries(t, "E-3"); d3[2].Status != "SENT" {
		t.Errorf("got E-3 %s after Retry-After, want SENT", d3[2].Status)
	}
}
