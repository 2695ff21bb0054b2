package storetest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/app"
)

// testApplyOutbox: expanding claimed notifications hands the fan-out rule
// the facts (the held rows, every device of their recipients with its
// token's provider and whether it is revoked, the waiting deliveries of
// earlier stages) and writes exactly what the rule returns, fenced by the
// claim; a rule's answer that does not fit its facts writes nothing.
func testApplyOutbox(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1", "E-2")
	e1, e2 := ids["E-1"], ids["E-2"]
	phone := startDevice(t, db, orgID, e1, "phone", kabinet.PlatformAndroid, kabinet.ProviderFCM)
	tablet := startDevice(t, db, orgID, e1, "tablet", kabinet.PlatformIOS, kabinet.ProviderAPNs)
	noToken := startDevice(t, db, orgID, e1, "no-token", kabinet.PlatformAndroid, "")
	revoked := startDevice(t, db, orgID, e1, "old-phone", kabinet.PlatformAndroid, kabinet.ProviderFCM)
	if err := db.RevokeDevice(ctx, e1, revoked, "lost"); err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	plan := func(kind, subject string, stage int, recipient string) kabinet.PlannedNotification {
		return kabinet.PlannedNotification{Kind: kind, SubjectID: subject, Stage: stage, RecipientID: recipient, EmployeeID: recipient,
			BaseAt: now.Add(-time.Hour), DueAt: now.Add(-time.Hour), Params: `{}`}
	}
	if _, err := db.PlanNotifications(ctx, orgID, []kabinet.PlannedNotification{
		plan(kabinet.NotifyPayslipReminder, "ps-1", 5, e1), plan(kabinet.NotifyPayslipReminder, "ps-1", 8, e1),
		plan(kabinet.NotifyNewDevice, tablet, 0, e1), plan(kabinet.NotifyPayslipReminder, "ps-2", 5, e2),
	}, false); err != nil {
		t.Fatal(err)
	}
	// planAndClaim plans a reminder about subject and claims it for owner.
	planAndClaim := func(t *testing.T, subject, owner string) *kabinet.OutboxItem {
		t.Helper()
		if _, err := db.PlanNotifications(ctx, orgID, []kabinet.PlannedNotification{plan(kabinet.NotifyPayslipReminder, subject, 5, e1)}, false); err != nil {
			t.Fatal(err)
		}
		got, err := db.ClaimOutbox(ctx, owner, now, now.Add(time.Minute), 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("claimed %d, %v; want the new row", len(got), err)
		}
		return got[0]
	}
	claimed, err := db.ClaimOutbox(ctx, "A", now, now.Add(time.Minute), 10)
	if err != nil || len(claimed) != 4 {
		t.Fatalf("claimed %d, %v; want 4", len(claimed), err)
	}
	row := map[string]*kabinet.OutboxItem{} // "KIND/subject/stage"
	for _, it := range claimed {
		row[fmt.Sprintf("%s/%s/%d", it.Kind, it.SubjectID, it.Stage)] = it
	}
	s5, s8 := row["PAYSLIP_REMINDER/ps-1/5"], row["PAYSLIP_REMINDER/ps-1/8"]
	nd, other := row["NEW_DEVICE/"+tablet+"/0"], row["PAYSLIP_REMINDER/ps-2/5"]
	expand := func(items ...*kabinet.OutboxItem) []kabinet.OutboxDecision {
		var ds []kabinet.OutboxDecision
		for _, it := range items {
			ds = append(ds, kabinet.OutboxDecision{ID: it.ID, Action: kabinet.OutboxExpand})
		}
		return ds
	}
	// every is a rule that sends to every device the store reports, even
	// revoked ones and ones without a token: the store writes what it is
	// told, the rules are push's.
	var seen []*kabinet.FanOutFacts
	every := func(f *kabinet.FanOutFacts) kabinet.FanOut {
		seen = append(seen, f)
		var out kabinet.FanOut
		for _, n := range f.Notifications {
			st := kabinet.SettledOutbox{ID: n.ID, Status: kabinet.OutboxNoDevice, Note: "nobody"}
			for _, d := range f.Devices[n.RecipientID] {
				if d.ID != noToken {
					out.Deliveries = append(out.Deliveries, kabinet.NewDelivery{NotificationID: n.ID, OrgID: n.OrgID,
						DeviceID: d.ID, Platform: d.Platform, Provider: d.Provider})
					st = kabinet.SettledOutbox{ID: n.ID, Status: kabinet.OutboxDispatched}
				}
			}
			out.Settled = append(out.Settled, st)
		}
		for _, w := range f.Waiting {
			out.Cancel = append(out.Cancel, kabinet.CancelDelivery{ID: w.ID, Error: "later stage"})
		}
		return out
	}

	t.Run("OK", func(t *testing.T) {
		lost, err := db.ApplyOutbox(ctx, "A", expand(s5, nd, other), every)
		if err != nil || len(lost) != 0 || len(seen) != 1 {
			t.Fatalf("got lost %v, %v, %d calls of the rule; want none lost, one call", lost, err, len(seen))
		}
		f := seen[0]
		var got []string
		for _, n := range f.Notifications {
			got = append(got, fmt.Sprintf("%s/%s/%d/%s/%s", n.Kind, n.SubjectID, n.Stage, n.RecipientID, n.OrgID))
		}
		want := []string{"PAYSLIP_REMINDER/ps-1/5/" + e1 + "/" + orgID, "NEW_DEVICE/" + tablet + "/0/" + e1 + "/" + orgID,
			"PAYSLIP_REMINDER/ps-2/5/" + e2 + "/" + orgID}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("got notifications %v, want %v", got, want)
		}
		got = nil
		for recipient, ds := range f.Devices {
			for _, d := range ds {
				got = append(got, fmt.Sprintf("%s %s %s %q %v", recipient, d.ID, d.Platform, d.Provider, d.Revoked))
			}
		}
		want = []string{
			fmt.Sprintf("%s %s ANDROID %q false", e1, phone, "FCM"), fmt.Sprintf("%s %s IOS %q false", e1, tablet, "APNS"),
			fmt.Sprintf("%s %s ANDROID %q false", e1, noToken, ""), fmt.Sprintf("%s %s ANDROID %q true", e1, revoked, "FCM")}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("got devices\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if len(f.Waiting) != 0 {
			t.Errorf("got waiting %v, want none before any delivery", f.Waiting)
		}
		want = []string{"NEW_DEVICE/0 ANDROID PLANNED", "NEW_DEVICE/0 ANDROID PLANNED", "NEW_DEVICE/0 IOS PLANNED",
			"PAYSLIP_REMINDER/5 ANDROID PLANNED", "PAYSLIP_REMINDER/5 ANDROID PLANNED", "PAYSLIP_REMINDER/5 IOS PLANNED",
			"PAYSLIP_REMINDER/8  PLANNED"}
		if got := deliveryLines(t, db, orgID, e1); !slices.Equal(got, want) {
			t.Errorf("got E-1's log\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if got, want := deliveryLines(t, db, orgID, e2), []string{"PAYSLIP_REMINDER/5  UNDELIVERABLE nobody"}; !slices.Equal(got, want) {
			t.Errorf("got E-2's log %v, want %v", got, want)
		}
	})

	t.Run("Reach", func(t *testing.T) {
		// The same device facts, for planning: E-1 has no cabinet here.
		reach, err := db.Reach(ctx, orgID, []string{e1, e2, "nobody"})
		if err != nil || len(reach) != 1 || reach[e1].CabinetStatus != "" || len(reach[e1].Devices) != 4 {
			t.Fatalf("got %+v, %v; want E-1's four devices only", reach, err)
		}
		for _, d := range reach[e1].Devices {
			if d.Revoked != (d.ID == revoked) || (d.Provider == "") != (d.ID == noToken) {
				t.Errorf("got device %+v, want revoked only %s, tokenless only %s", d, revoked, noToken)
			}
		}
	})

	t.Run("LaterStageSeesWaiting", func(t *testing.T) {
		// Of stage 5's deliveries one was sent, one is being sent and the
		// others still wait: only those are the later stage's facts.
		ds, err := db.ClaimDeliveries(ctx, "D", now, now.Add(time.Minute), 10)
		if err != nil || len(ds) != 6 {
			t.Fatalf("claimed %d deliveries, %v; want 6", len(ds), err)
		}
		var ups []kabinet.DeliveryUpdate
		var waiting []string
		sent, sending := false, false
		for _, d := range ds {
			switch {
			case d.OutboxID != s5.ID:
			case d.DeviceID == phone && !sent:
				sent = true
				ups = append(ups, kabinet.DeliveryUpdate{ID: d.ID, Status: "SENT", Outcome: "SENT"})
			case d.DeviceID == tablet && !sending:
				sending = true
				ups = append(ups, kabinet.DeliveryUpdate{ID: d.ID, Status: "SENDING", NextAttemptAt: now.Add(time.Minute)})
			default:
				waiting = append(waiting, d.ID)
			}
		}
		if lost, err := db.ApplyDeliveries(ctx, "D", ups); err != nil || len(lost) != 0 {
			t.Fatalf("got lost %v, %v; want none", lost, err)
		}
		seen = nil
		if lost, err := db.ApplyOutbox(ctx, "A", expand(s8), every); err != nil || len(lost) != 0 || len(seen) != 1 {
			t.Fatalf("got lost %v, %v, %d calls; want none lost, one call", lost, err, len(seen))
		}
		var got []string
		for _, w := range seen[0].Waiting {
			if w.NotificationID != s8.ID {
				t.Errorf("got waiting %s of %s, want of %s", w.ID, w.NotificationID, s8.ID)
			}
			got = append(got, w.ID)
		}
		sort.Strings(got)
		sort.Strings(waiting)
		if !slices.Equal(got, waiting) || len(got) != 1 {
			t.Fatalf("got waiting %v, want %v (the revoked device's)", got, waiting)
		}
		want := []string{"PAYSLIP_REMINDER/5 ANDROID CANCELLED later stage", "PAYSLIP_REMINDER/5 ANDROID SENT", "PAYSLIP_REMINDER/5 IOS SENDING",
			"PAYSLIP_REMINDER/8 ANDROID PLANNED", "PAYSLIP_REMINDER/8 ANDROID PLANNED", "PAYSLIP_REMINDER/8 IOS PLANNED"}
		if got := deliveryLines(t, db, orgID, e1); !slices.Equal(got[3:], want) {
			t.Errorf("got E-1's reminders\n%s\nwant\n%s", strings.Join(got[3:], "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("ErrNotHeld", func(t *testing.T) {
		// Settled rows are no longer held; a row of another owner never was.
		mine := planAndClaim(t, "ps-3", "B")
		seen = nil
		lost, err := db.ApplyOutbox(ctx, "A", expand(s5, mine), every)
		sort.Strings(lost)
		want := []string{s5.ID, mine.ID}
		sort.Strings(want)
		if err != nil || !slices.Equal(lost, want) || len(seen) != 0 {
			t.Fatalf("got lost %v, %v, %d calls; want %v, no call", lost, err, len(seen), want)
		}
	})

	t.Run("ErrRuleOutsideFacts", func(t *testing.T) {
		mine := planAndClaim(t, "ps-4", "C")
		for name, bad := range map[string]func(kabinet.FanOut) kabinet.FanOut{
			"Unsettled":     func(o kabinet.FanOut) kabinet.FanOut { o.Settled = nil; return o },
			"UnknownStatus": func(o kabinet.FanOut) kabinet.FanOut { o.Settled[0].Status = "SENT"; return o },
			"CancelNotWaiting": func(o kabinet.FanOut) kabinet.FanOut {
				o.Cancel = append(o.Cancel, kabinet.CancelDelivery{ID: "dl_unknown", Error: "x"})
				return o
			},
			"DeliveryOfAnotherRow": func(o kabinet.FanOut) kabinet.FanOut {
				o.Deliveries = append(o.Deliveries, kabinet.NewDelivery{NotificationID: s8.ID, OrgID: orgID, DeviceID: phone, Platform: "ANDROID", Provider: "FCM"})
				return o
			},
		} {
			rule := func(f *kabinet.FanOutFacts) kabinet.FanOut { return bad(every(f)) }
			if _, err := db.ApplyOutbox(ctx, "C", expand(mine), rule); err == nil {
				t.Errorf("%s: got no error, want the fan-out refused", name)
			}
		}
		// Nothing was written: the row is still held, and expands now.
		if lost, err := db.ApplyOutbox(ctx, "C", expand(mine), every); err != nil || len(lost) != 0 {
			t.Fatalf("got lost %v, %v after the refusals; want none", lost, err)
		}
	})
}

// startDevice signs the employee in on a new device and registers its push
// token (none when provider is ""); it returns the device id.
func startDevice(t *testing.T, db app.Store, orgID, employeeID, clientID, platform, provider string) string {
	t.Helper()
	ctx := context.Background()
	s := &kabinet.SessionStart{
		Session:     kabinet.Session{ID: kabinet.NewID("ses"), OrgID: orgID, EmployeeID: employeeID},
		Device:      kabinet.Device{ClientID: clientID, Platform: platform},
		Method:      kabinet.MethodPassword,
		RefreshHash: kabinet.NewID("rh"),
		ExpiresAt:   time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Event:       kabinet.LoginEvent{OrgID: orgID, EmployeeID: employeeID, Method: kabinet.MethodPassword, Success: true},
	}
	if _, _, err := db.StartSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if provider != "" {
		if err := db.RegisterPushToken(ctx, orgID, employeeID, s.Session.DeviceID, provider, "token-"+clientID); err != nil {
			t.Fatal(err)
		}
	}
	return s.Session.DeviceID
}

// deliveryLines is the employee's delivery log as sorted
// "KIND/stage PLATFORM STATUS error" lines.
func deliveryLines(t *testing.T, db app.Store, orgID, employeeID string) []string {
	t.Helper()
	ds, err := db.DeliveryLog(context.Background(), orgID, kabinet.DeliveryFilter{EmployeeID: employeeID, Limit: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, strings.TrimSpace(fmt.Sprintf("%s/%d %s %s %s", d.Kind, d.Stage, d.Platform, d.Status, d.Error)))
	}
	sort.Strings(out)
	return out
}
