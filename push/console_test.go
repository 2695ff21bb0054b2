package push_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
	"github.com/kabinet/kabinet/push"
)

// What the HR console reads from push, over HTTP: the one-off reminder's
// preview, the arrival preview, the delivery log's filters and the
// reminders' activity.

func TestPayslipReminderPreview(t *testing.T) {
	f := newFixture(t, 5)
	f.device(t, "E-1", "phone")
	f.device(t, "E-2", "phone")
	var slips []map[string]any
	for _, e := range []string{"E-1", "E-2", "E-3", "E-4", "E-5"} {
		slips = append(slips, testkit.Payslip("PS-"+e, e, "2026-10"))
	}
	f.env.PublishPayslips(t, f.key, slips...)
	f.env.Clock.Set(time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC)) // 22:00 Moscow: quiet hours
	const q = `query($p: String!) { payslipReminderPreview(period: $p) { period unviewed reachable repeat arrivesAt timezone } }`
	type preview struct {
		Period              string
		Unviewed, Reachable int
		Repeat              bool
		ArrivesAt           time.Time
		Timezone            string
	}
	var out struct{ PayslipReminderPreview preview }
	f.env.Do(t, f.key, q, map[string]any{"p": "2026-10"}).Must(t, &out)
	want := preview{Period: "2026-10", Unviewed: 5, Reachable: 2, ArrivesAt: time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC), Timezone: "Europe/Moscow"}
	if got := out.PayslipReminderPreview; !got.ArrivesAt.Equal(want.ArrivesAt) || got.Period != want.Period || got.Unviewed != want.Unviewed ||
		got.Reachable != want.Reachable || got.Repeat || got.Timezone != want.Timezone {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if n := len(f.deliveries(t, "")); n != 5*3 { // the payslip reminders only: the preview planned nothing
		t.Fatalf("got %d lines in the delivery log after a preview, want 15", n)
	}
	var sent struct{ RemindUnviewedPayslips int }
	f.env.Do(t, f.key, `mutation { remindUnviewedPayslips(period: "2026-10") }`, nil).Must(t, &sent)
	if sent.RemindUnviewedPayslips != out.PayslipReminderPreview.Reachable {
		t.Fatalf("got %d planned, want the preview's %d", sent.RemindUnviewedPayslips, out.PayslipReminderPreview.Reachable)
	}
	t.Run("RepeatIsNamed", func(t *testing.T) {
		f.env.Do(t, f.key, q, map[string]any{"p": "2026-10"}).Must(t, &out)
		if !out.PayslipReminderPreview.Repeat {
			t.Fatalf("got repeat false after a reminder of the period, want true")
		}
		f.env.Do(t, f.key, `mutation { remindUnviewedPayslips(period: "2026-10") }`, nil).Must(t, &sent)
		if sent.RemindUnviewedPayslips != 0 {
			t.Fatalf("got %d planned by the repeated press, want 0", sent.RemindUnviewedPayslips)
		}
	})
	t.Run("ErrPeriod", func(t *testing.T) {
		f.env.Do(t, f.key, q, map[string]any{"p": "2026-13"}).WantCode(t, "BAD_USER_INPUT")
	})
}

func TestArrivalPreview(t *testing.T) {
	f := newFixture(t, 1)
	// 2026-11-02 09:00 UTC is 19:00 in Vladivostok (UTC+10) and 12:00 in Moscow.
	const q = `query($s: NotificationSettingsInput, $z: String) { arrivalPreview(settings: $s, timezone: $z) {
		timezone now oneOff payslipReminders { days at } windowStart windowEnd sendDelaySeconds } }`
	type arrival struct {
		Timezone, WindowStart, WindowEnd string
		Now, OneOff                      time.Time
		SendDelaySeconds                 int
		PayslipReminders                 []struct {
			Days int
			At   time.Time
		}
	}
	preview := func(t *testing.T, settings map[string]any, zone string) arrival {
		t.Helper()
		var out struct{ ArrivalPreview arrival }
		f.env.Do(t, f.key, q, map[string]any{"s": settings, "z": zone}).Must(t, &out)
		return out.ArrivalPreview
	}
	t.Run("WindowMovesTheArrival", func(t *testing.T) {
		got := preview(t, map[string]any{"windowStart": "09:00", "windowEnd": "18:00"}, "Asia/Vladivostok")
		if want := time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC); !got.OneOff.Equal(want) { // 09:00 next morning there
			t.Fatalf("window 09–18: got %v, want %v", got.OneOff, want)
		}
		if got.Timezone != "Asia/Vladivostok" || got.WindowEnd != "18:00" {
			t.Errorf("got zone %s, window end %s; want Asia/Vladivostok and the unsaved 18:00", got.Timezone, got.WindowEnd)
		}
		got = preview(t, map[string]any{"windowStart": "09:00", "windowEnd": "21:00"}, "Asia/Vladivostok")
		if !got.OneOff.Equal(got.Now) {
			t.Fatalf("window 09–21 at 19:00 local: got %v, want now (%v)", got.OneOff, got.Now)
		}
		got = preview(t, map[string]any{"windowStart": "09:00", "windowEnd": "21:00", "sendDelaySeconds": 3 * 3600}, "Asia/Vladivostok")
		if want := time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC); !got.OneOff.Equal(want) { // 22:00 is quiet: the next 09:00
			t.Fatalf("delay 3 h: got %v, want %v", got.OneOff, want)
		}
	})
	t.Run("PayslipDays", func(t *testing.T) {
		got := preview(t, map[string]any{"payslipReminderDays": []int{2, 5}}, "Asia/Vladivostok")
		if len(got.PayslipReminders) != 2 || got.PayslipReminders[0].Days != 2 ||
			!got.PayslipReminders[0].At.Equal(time.Date(2026, 11, 4, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("got %+v, want day 2 at 2026-11-04 19:00 Vladivostok", got.PayslipReminders)
		}
	})
	t.Run("SavedZoneByDefault", func(t *testing.T) {
		got := preview(t, nil, "")
		if got.Timezone != "Europe/Moscow" || got.WindowStart != "09:00" || !got.OneOff.Equal(got.Now) {
			t.Fatalf("got %+v, want the saved settings in Moscow, arriving now", got)
		}
	})
	t.Run("NothingSaved", func(t *testing.T) {
		var out struct{ NotificationSettings struct{ WindowEnd string } }
		f.env.Do(t, f.key, `{ notificationSettings { windowEnd } }`, nil).Must(t, &out)
		if out.NotificationSettings.WindowEnd != "21:00" {
			t.Fatalf("got saved window end %q after previews, want 21:00", out.NotificationSettings.WindowEnd)
		}
	})
	t.Run("ErrBadSettings", func(t *testing.T) {
		e := f.env.Do(t, f.key, q, map[string]any{"s": map[string]any{"windowStart": "25:00", "sendDelaySeconds": -1}}).WantCode(t, "BAD_USER_INPUT")
		if items, _ := e.Extensions["items"].([]any); len(items) != 2 {
			t.Fatalf("got items %v, want one per bad field (windowStart, sendDelaySeconds)", e.Extensions["items"])
		}
	})
	t.Run("ErrZone", func(t *testing.T) {
		f.env.Do(t, f.key, q, map[string]any{"z": "Mars/Olympus"}).WantCode(t, "BAD_USER_INPUT")
	})
}

func TestDeliveryFilters(t *testing.T) {
	f := newFixture(t, 3)
	f.device(t, "E-1", "phone")
	s := f.env.EmployeeSession(t, f.org, "E-2", "iphone")
	f.env.Do(t, s.AccessToken, `mutation { registerPushToken(input: {provider: APNS, token: "`+strings.Repeat("0f", 32)+`"}) }`, nil).Must(t, nil)
	f.rec.script = func(n *push.Notification) push.Result {
		if n.Provider == "APNS" {
			return push.Result{Outcome: push.OutcomeFailed, Reason: "apns: 400 BadTopic"}
		}
		return push.Result{Outcome: push.OutcomeSent, ProviderID: "msg-" + n.ID}
	}
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"), testkit.Payslip("PS-2", "E-2", "2026-10"),
		testkit.Payslip("PS-3", "E-3", "2026-10"))
	f.env.Do(t, f.key, `mutation { remindUnviewedPayslips(period: "2026-10") }`, nil).Must(t, nil)
	f.dispatch(t)

	type line struct {
		Kind, EmployeeExternalID, EmployeeName, Status string
		Provider                                       *string
		Attempts                                       []struct{ Outcome, Error string }
	}
	const q = `query($e: String, $k: String, $s: DeliveryStatus, $p: PushProvider, $from: DateTime, $to: DateTime) {
		deliveries(employeeExternalId: $e, kind: $k, status: $s, provider: $p, from: $from, to: $to) {
			kind employeeExternalId employeeName status provider attempts { outcome error } } }`
	list := func(t *testing.T, vars map[string]any) []line {
		t.Helper()
		var out struct{ Deliveries []line }
		f.env.Do(t, f.key, q, vars).Must(t, &out)
		return out.Deliveries
	}
	for _, tc := range []struct {
		name string
		vars map[string]any
		want []string // employee/kind/status of every line
	}{
		{"Sent", map[string]any{"s": "SENT"}, []string{"E-1/PAYSLIP_BROADCAST/SENT"}},
		{"Failed", map[string]any{"s": "FAILED"}, []string{"E-2/PAYSLIP_BROADCAST/FAILED"}},
		{"ProviderAPNS", map[string]any{"p": "APNS"}, []string{"E-2/PAYSLIP_BROADCAST/FAILED"}},
		{"KindAndEmployee", map[string]any{"k": "PAYSLIP_REMINDER", "e": "E-3"},
			[]string{"E-3/PAYSLIP_REMINDER/PLANNED", "E-3/PAYSLIP_REMINDER/PLANNED", "E-3/PAYSLIP_REMINDER/PLANNED"}},
		{"PlannedBroadcasts", map[string]any{"k": "PAYSLIP_BROADCAST", "s": "PLANNED"}, nil},
		{"DueLaterThanAWeek", map[string]any{"from": "2026-11-09T00:00:00Z", "k": "PAYSLIP_REMINDER"},
			[]string{"E-1/PAYSLIP_REMINDER/PLANNED", "E-2/PAYSLIP_REMINDER/PLANNED", "E-3/PAYSLIP_REMINDER/PLANNED",
				"E-1/PAYSLIP_REMINDER/PLANNED", "E-2/PAYSLIP_REMINDER/PLANNED", "E-3/PAYSLIP_REMINDER/PLANNED"}},
		{"DueToday", map[string]any{"from": "2026-11-02T00:00:00Z", "to": "2026-11-03T00:00:00Z"},
			[]string{"E-1/PAYSLIP_BROADCAST/SENT", "E-2/PAYSLIP_BROADCAST/FAILED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]int{}
			for _, l := range list(t, tc.vars) {
				got[l.EmployeeExternalID+"/"+l.Kind+"/"+l.Status]++
			}
			want := map[string]int{}
			for _, w := range tc.want {
				want[w]++
			}
			if len(got) != len(want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			for k, n := range want {
				if got[k] != n {
					t.Fatalf("got %v, want %v", got, want)
				}
			}
		})
	}
	t.Run("LineCarriesNameProviderAndAttempt", func(t *testing.T) {
		ls := list(t, map[string]any{"s": "FAILED"})
		if len(ls) != 1 || ls[0].EmployeeName != "Иванов Иван" || ls[0].Provider == nil || *ls[0].Provider != "APNS" ||
			len(ls[0].Attempts) != 1 || ls[0].Attempts[0].Outcome != "FAILED" || ls[0].Attempts[0].Error != "apns: 400 BadTopic" {
			t.Fatalf("got %+v, want E-2's failed APNs delivery with its attempt", ls)
		}
	})
	t.Run("ErrFilters", func(t *testing.T) {
		e := f.env.Do(t, f.key, q, map[string]any{"k": "BIRTHDAY", "from": "2026-11-03T00:00:00Z", "to": "2026-11-02T00:00:00Z"}).
			WantCode(t, "BAD_USER_INPUT")
		if items, _ := e.Extensions["items"].([]any); len(items) != 2 {
			t.Fatalf("got items %v, want kind and to", e.Extensions["items"])
		}
		f.env.Do(t, f.key, q, map[string]any{"e": "E-404"}).WantCode(t, "NOT_FOUND")
	})
}

func TestDashboardActivity(t *testing.T) {
	f := newFixture(t, 3)
	f.device(t, "E-1", "phone")
	f.device(t, "E-2", "phone")
	f.rec.script = func(n *push.Notification) push.Result {
		if strings.Contains(n.Token, "E-2") {
			return push.Result{Outcome: push.OutcomeFailed, Reason: "fcm: INVALID_ARGUMENT"}
		}
		return push.Result{Outcome: push.OutcomeSent, ProviderID: "msg-" + n.ID}
	}
	f.env.PublishPayslips(t, f.key, testkit.Payslip("PS-1", "E-1", "2026-10"), testkit.Payslip("PS-2", "E-2", "2026-10"),
		testkit.Payslip("PS-3", "E-3", "2026-10"), testkit.Payslip("PS-0", "E-3", "2026-09"))
	// 22:00 in Moscow on 2 November: both reminders are held until 09:00 on the 3rd.
	f.env.Clock.Set(time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC))
	f.env.Do(t, f.key, `mutation { remindUnviewedPayslips(period: "2026-10") }`, nil).Must(t, nil)
	f.dispatch(t)
	f.env.Clock.Set(time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC))
	f.dispatch(t)

	var out struct {
		Dashboard struct {
			Employees, EmployeesWithoutContacts int
			ActivationRate                      float64
			CabinetsByStatus                    []struct {
				Status string
				Count  int
			}
			LatestPeriod struct {
				Period              string
				Published, Unviewed int
			}
			Activity []struct {
				Day                string
				Sent, Failed, Held int
			}
		}
	}
	f.env.Do(t, f.key, `{ dashboard { employees employeesWithoutContacts activationRate cabinetsByStatus { status count }
		latestPeriod { period published unviewed } activity { day sent failed held } } }`, nil).Must(t, &out)
	d := out.Dashboard
	if d.Employees != 3 || d.EmployeesWithoutContacts != 0 || d.ActivationRate != 1 {
		t.Errorf("got employees %d, without contacts %d, activation rate %v; want 3, 0, 1 (both cabinets created are active)",
			d.Employees, d.EmployeesWithoutContacts, d.ActivationRate)
	}
	byStatus := map[string]int{}
	for _, c := range d.CabinetsByStatus {
		byStatus[c.Status] = c.Count
	}
	if len(d.CabinetsByStatus) != 7 || byStatus["ACTIVE"] != 2 || byStatus["NOT_CREATED"] != 1 {
		t.Errorf("got %v, want every status listed, ACTIVE 2 and NOT_CREATED 1", d.CabinetsByStatus)
	}
	if lp := d.LatestPeriod; lp.Period != "2026-10" || lp.Published != 3 || lp.Unviewed != 3 {
		t.Errorf("got latest period %+v, want 2026-10 with 3 published, 3 unviewed", lp)
	}
	if len(d.Activity) != 7 || d.Activity[6].Day != "2026-11-03" || d.Activity[5].Day != "2026-11-02" {
		t.Fatalf("got activity days %+v, want the 7 days up to 2026-11-03", d.Activity)
	}
	// Due (and held) on the 2nd, sent and failed on the 3rd, Moscow time.
	if got := d.Activity[5]; got.Held != 2 || got.Sent != 0 || got.Failed != 0 {
		t.Errorf("2 November: got %+v, want 2 held", got)
	}
	if got := d.Activity[6]; got.Held != 0 || got.Sent != 1 || got.Failed != 1 {
		t.Errorf("3 November: got %+v, want 1 sent and 1 failed", got)
	}
}
