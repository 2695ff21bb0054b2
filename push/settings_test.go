package push_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
)

const settingsFields = `windowStart windowEnd sendDelaySeconds payslipReminderDays vacationReminderDaysBefore managerVacationReminderDaysBefore timezone texts { kind locale title body }`

type settingsOut struct {
	WindowStart, WindowEnd, Timezone  string
	SendDelaySeconds                  int
	PayslipReminderDays               []int
	VacationReminderDaysBefore        []int
	ManagerVacationReminderDaysBefore []int
	Texts                             []struct{ Kind, Locale, Title, Body string }
}

func TestNotificationSettings(t *testing.T) {
	f := newFixture(t, 1)
	var got struct{ NotificationSettings settingsOut }
	f.env.Do(t, f.key, `{ notificationSettings { `+settingsFields+` } }`, nil).Must(t, &got)
	s := got.NotificationSettings
	if s.WindowStart != "09:00" || s.WindowEnd != "21:00" || s.SendDelaySeconds != 0 || s.Timezone != "Europe/Moscow" ||
		!equalInts(s.PayslipReminderDays, []int{5, 8, 10}) || !equalInts(s.VacationReminderDaysBefore, []int{0}) ||
		!equalInts(s.ManagerVacationReminderDaysBefore, []int{0}) || len(s.Texts) != 0 {
		t.Fatalf("got defaults %+v, want docs/product.md §Defaults", s)
	}

	t.Run("OK", func(t *testing.T) {
		var out struct{ UpdateNotificationSettings settingsOut }
		f.env.Do(t, f.key, `mutation($in: NotificationSettingsInput!) { updateNotificationSettings(input: $in) { `+settingsFields+` } }`,
			map[string]any{"in": map[string]any{"windowStart": "22:00", "windowEnd": "06:00", "sendDelaySeconds": 600,
				"payslipReminderDays": []int{10, 3}, "timezone": "Asia/Yekaterinburg",
				"texts": []map[string]any{{"kind": "PAYSLIP_REMINDER", "locale": "ru", "title": "Листок за {period}", "body": "Откройте"}}}}).Must(t, &out)
		s := out.UpdateNotificationSettings
		if s.WindowStart != "22:00" || s.WindowEnd != "06:00" || s.SendDelaySeconds != 600 || !equalInts(s.PayslipReminderDays, []int{3, 10}) ||
			s.Timezone != "Asia/Yekaterinburg" || !equalInts(s.VacationReminderDaysBefore, []int{0}) || len(s.Texts) != 1 {
			t.Fatalf("got %+v, want the update (days sorted, others kept)", s)
		}
		var again struct{ NotificationSettings settingsOut }
		f.env.Do(t, f.key, `{ notificationSettings { `+settingsFields+` } }`, nil).Must(t, &again)
		if again.NotificationSettings.WindowStart != "22:00" || again.NotificationSettings.Texts[0].Title != "Листок за {period}" {
			t.Errorf("got %+v stored, want the update", again.NotificationSettings)
		}
	})

	for _, tc := range []struct {
		name string
		in   map[string]any
		want string // in the message
	}{
		{"ErrZeroWindow", map[string]any{"windowStart": "09:00", "windowEnd": "09:00"}, "window"},
		{"ErrUnparsableWindow", map[string]any{"windowStart": "25:00"}, "window"},
		{"ErrWindowText", map[string]any{"windowEnd": "evening"}, "window"},
		{"ErrNegativeDays", map[string]any{"payslipReminderDays": []int{-1}}, "between 0 and 365"},
		{"ErrAbsurdDays", map[string]any{"vacationReminderDaysBefore": []int{366}}, "between 0 and 365"},
		{"ErrDuplicateDays", map[string]any{"managerVacationReminderDaysBefore": []int{3, 3}}, "twice"},
		{"ErrUnknownZone", map[string]any{"timezone": "Mars/Olympus"}, "time zone"},
		{"ErrNegativeDelay", map[string]any{"sendDelaySeconds": -5}, "sendDelaySeconds"},
		{"ErrUnknownKind", map[string]any{"texts": []map[string]any{{"kind": "SPAM", "locale": "ru", "title": "x", "body": "y"}}}, "unknown kind"},
		{"ErrUnknownPlaceholder", map[string]any{"texts": []map[string]any{{"kind": "NEW_DEVICE", "locale": "ru", "title": "{salary}", "body": ""}}}, "placeholder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := f.env.Do(t, f.key, `mutation($in: NotificationSettingsInput!) { updateNotificationSettings(input: $in) { windowStart } }`,
				map[string]any{"in": tc.in}).WantCode(t, "BAD_USER_INPUT")
			if !strings.Contains(e.Message, tc.want) {
				t.Errorf("got message %q, want it to mention %q", e.Message, tc.want)
			}
		})
	}
	t.Run("ErrEmployeeKey", func(t *testing.T) {
		tok := f.env.EmployeeToken(t, f.org, "E-1")
		f.env.Do(t, tok, `mutation { updateNotificationSettings(input: {sendDelaySeconds: 1}) { windowStart } }`, nil).WantCode(t, "FORBIDDEN")
	})
}

func TestSettingsReplan(t *testing.T) {
	f := newFixture(t, 1)
	f.device(t, "E-1", "device-1")
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
	f.settings(t, map[string]any{"payslipReminderDays": []int{3, 5}})
	want := map[string]int{"PAYSLIP_REMINDER/3/PLANNED": 1, "PAYSLIP_REMINDER/5/PLANNED": 1,
		"PAYSLIP_REMINDER/8/CANCELLED": 1, "PAYSLIP_REMINDER/10/CANCELLED": 1}
	if got := statuses(f.deliveries(t, "E-1")); !equalMaps(got, want) {
		t.Fatalf("after switching 8 and 10 off and 3 on: got %v, want %v", got, want)
	}
	f.settings(t, map[string]any{"payslipReminderDays": []int{5, 8, 10}, "sendDelaySeconds": 3600,
		"texts": []map[string]any{{"kind": "PAYSLIP_REMINDER", "locale": "ru", "title": "Листок за {period}", "body": "Стадия {days}"}}})
	want = map[string]int{"PAYSLIP_REMINDER/3/CANCELLED": 1, "PAYSLIP_REMINDER/5/PLANNED": 1,
		"PAYSLIP_REMINDER/8/PLANNED": 1, "PAYSLIP_REMINDER/10/PLANNED": 1}
	if got := statuses(f.deliveries(t, "E-1")); !equalMaps(got, want) {
		t.Fatalf("after switching back: got %v, want %v", got, want)
	}
	// The delay moved the due time: not at 5 days, at 5 days and an hour.
	f.env.Clock.Add(5*24*time.Hour + time.Hour - time.Second)
	f.dispatch(t)
	if n := len(f.rec.sent()); n != 0 {
		t.Fatalf("got %d sent before the delay passed, want 0", n)
	}
	f.env.Clock.Add(time.Second)
	f.dispatch(t)
	got := f.rec.sent()
	if len(got) != 1 || got[0].N.Title != "Листок за 2026-10" || got[0].N.Body != "Стадия 5" {
		t.Fatalf("got %+v, want HR's text with placeholders filled", got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeliveriesAccess(t *testing.T) {
	f := newFixture(t, 1)
	f.env.Do(t, f.key, `{ deliveries(employeeExternalId: "nobody") { id } }`, nil).WantCode(t, "NOT_FOUND")
	f.env.Do(t, f.key, `{ deliveries(limit: 0) { id } }`, nil).WantCode(t, "BAD_USER_INPUT")
	tok := f.env.EmployeeToken(t, f.org, "E-1")
	f.env.Do(t, tok, `{ deliveries { id } }`, nil).WantCode(t, "FORBIDDEN")
	// Another organisation sees nothing of this one.
	f.device(t, "E-1", "device-1")
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"))
	_, key2 := f.env.NewOrg(t, "ООО Лютик")
	var out struct{ Deliveries []delivery }
	f.env.Do(t, key2, `{ deliveries { id } }`, nil).Must(t, &out)
	if len(out.Deliveries) != 0 {
		t.Errorf("got %d deliveries of another organisation, want 0", len(out.Deliveries))
	}
	f.env.Do(t, key2, `{ deliveries(employeeExternalId: "E-1") { id } }`, nil).WantCode(t, "NOT_FOUND")
}
