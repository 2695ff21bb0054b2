package push_test

import (
	"context"
	"testing"
	"time"
)

func (f *fixture) publishVacation(t *testing.T, ext, emp, starts, ends string) {
	t.Helper()
	f.env.Do(t, f.key, `mutation($in: [VacationInput!]!) { publishVacations(input: $in) { created } }`,
		map[string]any{"in": []map[string]any{{"externalId": ext, "employeeExternalId": emp, "startsOn": starts, "endsOn": ends, "days": 5}}}).Must(t, nil)
}

func (f *fixture) makeHead(t *testing.T, emp string) {
	t.Helper()
	f.env.Do(t, f.key, `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { updated } }`, map[string]any{"in": []map[string]any{{
		"externalId": emp, "lastName": "Петров", "firstName": "Пётр", "email": "head@example.com", "departmentExternalId": "D-1", "isOrganizationHead": true,
	}}}).Must(t, nil)
}

func (f *fixture) settings(t *testing.T, in map[string]any) {
	t.Helper()
	f.env.Do(t, f.key, `mutation($in: NotificationSettingsInput!) { updateNotificationSettings(input: $in) { windowStart } }`,
		map[string]any{"in": in}).Must(t, nil)
}

func TestVacationReminders(t *testing.T) {
	f := newFixture(t, 3)
	f.makeHead(t, "E-3")
	f.device(t, "E-2", "phone")
	f.device(t, "E-3", "phone")
	f.settings(t, map[string]any{"vacationReminderDaysBefore": []int{0, 3}, "managerVacationReminderDaysBefore": []int{1}})
	f.publishVacation(t, "V-1", "E-2", "2026-11-10", "2026-11-14")
	f.publishVacation(t, "V-2", "E-2", "2026-12-10", "2026-12-14")
	f.env.Do(t, f.key, `mutation { cancelVacation(externalId: "V-2") }`, nil).Must(t, nil)

	steps := []struct {
		at   time.Time
		to   string
		kind string
	}{
		{time.Date(2026, 11, 7, 6, 0, 0, 0, time.UTC), "E-2", "VACATION_REMINDER"},         // 3 days before, 09:00 Moscow
		{time.Date(2026, 11, 9, 6, 0, 0, 0, time.UTC), "E-3", "MANAGER_VACATION_REMINDER"}, // 1 day before, to the manager
		{time.Date(2026, 11, 10, 6, 0, 0, 0, time.UTC), "E-2", "VACATION_REMINDER"},        // the first day
	}
	for i, s := range steps {
		f.env.Clock.Set(s.at.Add(-time.Second))
		f.dispatch(t)
		if n := len(f.rec.sent()); n != i {
			t.Fatalf("step %d: got %d sent a second early, want %d", i, n, i)
		}
		f.env.Clock.Set(s.at)
		f.dispatch(t)
		got := f.rec.sent()
		if len(got) != i+1 {
			t.Fatalf("step %d: got %d sent, want %d", i, len(got), i+1)
		}
		n := got[i].N
		if n.Kind != s.kind || n.Token != fcmToken(s.to, "phone") || n.Params["startsOn"] != "2026-11-10" {
			t.Errorf("step %d: got %+v, want %s to %s about 2026-11-10", i, n, s.kind, s.to)
		}
		if s.to == "E-3" && n.Params["name"] != "Иванов Иван" {
			t.Errorf("got name %q, want the subordinate's name", n.Params["name"])
		}
	}
	f.env.Clock.Add(60 * 24 * time.Hour)
	f.dispatch(t)
	if n := len(f.rec.sent()); n != 3 {
		t.Errorf("got %d sent in total, want 3 (the cancelled vacation gets none)", n)
	}
}

func TestVacationMovedAndDowntime(t *testing.T) {
	f := newFixture(t, 1)
	f.device(t, "E-1", "phone")
	f.publishVacation(t, "V-1", "E-1", "2026-11-05", "2026-11-09")
	f.publishVacation(t, "V-1", "E-1", "2026-11-20", "2026-11-24") // moved
	want := map[string]int{"VACATION_REMINDER/0/CANCELLED": 1, "VACATION_REMINDER/0/PLANNED": 1}
	if got := statuses(f.deliveries(t, "E-1")); !equalMaps(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Down from before the start until the second day of the vacation.
	f.env.Clock.Set(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	f.dispatch(t)
	if n := len(f.rec.sent()); n != 0 {
		t.Fatalf("got %d sent after the vacation began, want 0", n)
	}
	want = map[string]int{"VACATION_REMINDER/0/CANCELLED": 2}
	if got := statuses(f.deliveries(t, "E-1")); !equalMaps(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestVacationReminderInEmployeeZone(t *testing.T) {
	f := newFixture(t, 1)
	f.env.Do(t, f.key, `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { updated } }`, map[string]any{"in": []map[string]any{{
		"externalId": "E-1", "lastName": "Иванов", "firstName": "Иван", "email": "e1@example.com", "timezone": "Asia/Vladivostok",
	}}}).Must(t, nil)
	f.device(t, "E-1", "phone")
	f.publishVacation(t, "V-1", "E-1", "2026-11-10", "2026-11-14")
	want := time.Date(2026, 11, 9, 23, 0, 0, 0, time.UTC) // 09:00 in Vladivostok (UTC+10)
	f.env.Clock.Set(want.Add(-time.Minute))
	f.dispatch(t)
	f.env.Clock.Set(want)
	f.dispatch(t)
	if got := f.rec.sent(); len(got) != 1 || !got[0].At.Equal(want) {
		t.Fatalf("got %+v, want one sent at %v", got, want)
	}
}

// TestManagerMatchesSpec: the planner's manager reminders go to the manager
// of the employee field (payroll.Service.Manager) on a small organisation
// chart: one rule, kabinet.OrgChart.ManagerOf.
func TestManagerMatchesSpec(t *testing.T) {
	f := newFixture(t, 1)
	f.env.Do(t, f.key, `mutation { upsertDepartments(input: [
		{externalId: "D-0", name: "Дирекция", headExternalId: "E-2"},
		{externalId: "D-1", name: "Отдел", parentExternalId: "D-0", headExternalId: "E-1"},
		{externalId: "D-2", name: "Склад", parentExternalId: "D-0"},
		{externalId: "D-3", name: "Лаборатория", headExternalId: "E-99"}]) { created } }`, nil).Must(t, nil)
	emp := func(ext, dept string, head bool) map[string]any {
		return map[string]any{"externalId": ext, "lastName": "Сидоров", "firstName": ext, "email": ext + "@example.com",
			"departmentExternalId": dept, "isOrganizationHead": head}
	}
	f.env.Do(t, f.key, `mutation($in: [EmployeeInput!]!) { upsertEmployees(input: $in) { created } }`, map[string]any{"in": []map[string]any{
		emp("E-1", "D-1", false), emp("E-2", "D-0", false), emp("E-3", "D-1", false), emp("E-4", "", true), emp("E-5", "D-2", false), emp("E-6", "D-3", false),
	}}).Must(t, nil)
	for i, e := range []string{"E-1", "E-2", "E-3", "E-5", "E-6"} {
		f.publishVacation(t, "V-"+e, e, "2026-12-0"+string(rune('1'+i)), "2026-12-20")
	}
	ctx := context.Background()
	want := map[string]int{}
	for _, e := range []string{"E-1", "E-2", "E-3", "E-5", "E-6"} {
		emp, err := f.env.App.DB.Employee(ctx, f.org, employeeID(t, f, e))
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.env.App.Payroll.Manager(ctx, emp)
		if err != nil || m == nil {
			t.Fatalf("manager of %s: %v %v", e, m, err)
		}
		want[m.ExternalID]++
	}
	for m, n := range want {
		if got := statuses(f.deliveries(t, m))["MANAGER_VACATION_REMINDER/0/PLANNED"]; got != n {
			t.Errorf("%s manages %d of the vacationers, got %d manager reminders", m, n, got)
		}
	}
	// Exactly one manager reminder per vacation in total.
	if n := statuses(f.deliveries(t, ""))["MANAGER_VACATION_REMINDER/0/PLANNED"]; n != 5 {
		t.Errorf("got %d manager reminders, want 5", n)
	}
}
