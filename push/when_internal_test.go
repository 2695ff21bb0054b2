package push

import (
	"testing"
	"time"

	"github.com/kabinet/kabinet"
)

func TestExactDueAndDayOver(t *testing.T) {
	for _, tc := range []struct {
		zone      string
		localDate string
		delay     time.Duration
		wantDue   time.Time // UTC
	}{
		{"Etc/GMT+12", "2026-11-10", 0, time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)},        // UTC−12
		{"Pacific/Kiritimati", "2026-11-10", 0, time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC)}, // UTC+14
		{"Europe/Moscow", "2026-11-10", time.Hour, time.Date(2026, 11, 9, 22, 0, 0, 0, time.UTC)},
		{"America/Sao_Paulo", "2026-11-10", 0, time.Date(2026, 11, 10, 3, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", "2026-03-29", 0, time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC)}, // DST starts that night
	} {
		loc := location(tc.zone)
		lower := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if got := exactDue(lower, tc.localDate, tc.delay, loc); !got.Equal(tc.wantDue) {
			t.Errorf("%s %s: got due %v, want %v", tc.zone, tc.localDate, got.UTC(), tc.wantDue)
		}
		// The planner's lower bound (UTC midnight − 14 h) is never later.
		d, _ := time.Parse("2006-01-02", tc.localDate)
		if bound := d.Add(-14 * time.Hour); bound.After(tc.wantDue.Add(-tc.delay)) {
			t.Errorf("%s: lower bound %v after the local midnight %v", tc.zone, bound, tc.wantDue)
		}
		end := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		if dayOver(tc.localDate, end.Add(-time.Nanosecond), loc) || !dayOver(tc.localDate, end, loc) {
			t.Errorf("%s: the day of %s should end exactly at %v", tc.zone, tc.localDate, end)
		}
	}
}

func TestBackoff(t *testing.T) {
	d := &Dispatcher{RetryBase: 30 * time.Second, RetryMax: time.Hour}
	for _, tc := range []struct {
		attempt    int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{1, 0, 15 * time.Second, 30 * time.Second},
		{2, 0, 30 * time.Second, time.Minute},
		{4, 0, 2 * time.Minute, 4 * time.Minute},
		{20, 0, 30 * time.Minute, time.Hour},                      // capped
		{1, 10 * time.Minute, 10 * time.Minute, 10 * time.Minute}, // Retry-After wins
	} {
		for range 50 {
			if got := d.backoff(tc.attempt, tc.retryAfter); got < tc.lo || got > tc.hi {
				t.Fatalf("attempt %d, Retry-After %v: got %v, want within [%v, %v]", tc.attempt, tc.retryAfter, got, tc.lo, tc.hi)
			}
		}
	}
}

// TestEarliestDueIsNoLaterThanAnyZone: the due time stored for a reminder
// due on a local date comes no later than that date's midnight plus the
// delay in any zone, so the dispatcher always looks in time.
func TestEarliestDueIsNoLaterThanAnyZone(t *testing.T) {
	for _, zone := range []string{"Pacific/Kiritimati", "Pacific/Auckland", "Asia/Vladivostok", "Europe/Moscow", "UTC",
		"America/Sao_Paulo", "Etc/GMT+12"} {
		for _, date := range []string{"2026-11-10", "2026-03-29", "2026-10-25"} {
			for _, delay := range []time.Duration{0, 90 * time.Minute} {
				loc, err := time.LoadLocation(zone)
				if err != nil {
					t.Fatal(err)
				}
				exact := exactDue(time.Time{}, date, delay, loc)
				if got := earliestDue(date, delay); got.After(exact) {
					t.Errorf("%s %s +%v: earliest %v, after the exact %v", zone, date, delay, got, exact)
				}
			}
		}
	}
	if got, want := earliestDue("2026-11-10", time.Hour), time.Date(2026, 11, 9, 11, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("got %v, want %v (UTC+14 midnight plus an hour)", got, want)
	}
}

func TestPayslipStages(t *testing.T) {
	published := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	if got, want := payslipDue(published, 5, time.Hour), time.Date(2026, 11, 7, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("payslipDue: got %v, want %v", got, want)
	}
	st := DefaultSettings("Europe/Moscow") // 5, 8 and 10 days
	st.SendDelay = time.Hour
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	horizon := payslipHorizon(st, now) // published before: past the last stage
	if want := now.Add(-10*24*time.Hour - time.Hour); !horizon.Equal(want) {
		t.Fatalf("payslipHorizon: got %v, want %v", horizon, want)
	}
	rows := payslipReminders([]kabinet.PayslipFact{{ID: "ps_1", EmployeeID: "emp_1", Period: "2026-10", PublishedAt: now.Add(-6 * 24 * time.Hour)}},
		st, now, true)
	if len(rows) != 2 || rows[0].Stage != 8 || rows[1].Stage != 10 || rows[0].Params != `{"period":"2026-10"}` {
		t.Fatalf("future stages of a payslip published 6 days ago: got %+v, want stages 8 and 10", rows)
	}
}
