package storetest

import (
	"context"
	"maps"
	"testing"

	"github.com/kabinet/kabinet"
)

// testNotificationPreferences: choices are stored per employee and
// category, a second save overwrites the first, and the dispatcher's batch
// reads (muted categories, unviewed payslips) see only what they ask for.
func testNotificationPreferences(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1", "E-2", "E-3")
	e1, e2, e3 := ids["E-1"], ids["E-2"], ids["E-3"]

	t.Run("OK", func(t *testing.T) {
		if err := db.SaveNotificationPreferences(ctx, orgID, e1, map[string]bool{
			kabinet.CategoryPayslipReminders: false, kabinet.CategoryApprovals: true}, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveNotificationPreferences(ctx, orgID, e1, map[string]bool{
			kabinet.CategoryApprovals: false, kabinet.CategoryVacationReminders: true}, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveNotificationPreferences(ctx, orgID, e2, map[string]bool{kabinet.CategoryVacationReminders: false}, clock.Now()); err != nil {
			t.Fatal(err)
		}
		got, err := db.NotificationPreferences(ctx, orgID, e1)
		want := map[string]bool{kabinet.CategoryPayslipReminders: false, kabinet.CategoryApprovals: false, kabinet.CategoryVacationReminders: true}
		if err != nil || !maps.Equal(got, want) {
			t.Fatalf("got %v, %v; want %v", got, err, want)
		}
		if got, err := db.NotificationPreferences(ctx, "org_other", e1); err != nil || len(got) != 0 {
			t.Errorf("got %v, %v through another organisation, want nothing", got, err)
		}
		muted, err := db.MutedCategories(ctx, []string{e1, e2, e3})
		if err != nil {
			t.Fatal(err)
		}
		if len(muted) != 2 || len(muted[e1]) != 2 || len(muted[e2]) != 1 || muted[e2][0] != kabinet.CategoryVacationReminders {
			t.Errorf("got muted %v, want E-1: payslip reminders and approvals, E-2: vacation reminders", muted)
		}
	})

	t.Run("UnviewedPayslipCounts", func(t *testing.T) {
		slips := []kabinet.Payslip{slip("PS-1", e1, 100), slip("PS-2", e1, 100), slip("PS-3", e1, 100), slip("PS-4", e2, 100)}
		slips[1].Period, slips[2].Period = "2026-09", "2026-08"
		if _, _, err := db.PublishPayslips(ctx, orgID, slips); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.MarkPayslipViewed(ctx, kabinet.PayslipView{OrgID: orgID, EmployeeID: e1, PayslipID: slips[0].ID,
			ClientMutationID: "m-1", ViewedAt: clock.Now()}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RetractPayslip(ctx, orgID, "PS-2"); err != nil {
			t.Fatal(err)
		}
		got, err := db.UnviewedPayslipCounts(ctx, []string{e1, e2, e3})
		want := map[string]int{e1: 1, e2: 1}
		if err != nil || !maps.Equal(got, want) {
			t.Fatalf("got %v, %v; want %v (one viewed and one withdrawn of E-1's three)", got, err, want)
		}
		if got, err := db.UnviewedPayslipCounts(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("got %v, %v for no employees, want nothing", got, err)
		}
	})
}
