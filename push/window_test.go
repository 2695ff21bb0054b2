package push_test

import (
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zone files

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/push"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return tm
}

func mustWindow(t testing.TB, start, end string) push.Window {
	t.Helper()
	w, err := push.ParseWindow(start, end)
	if err != nil {
		t.Fatalf("ParseWindow(%q, %q): %v", start, end, err)
	}
	return w
}

func TestNextInWindow(t *testing.T) {
	tests := []struct {
		name       string
		zone       string
		start, end string
		due        string // RFC 3339 with the zone's offset, for readability
		delay      time.Duration
		want       string
	}{
		// Plain days.
		{"InsideUnchanged", "UTC", "09:00", "21:00", "2026-11-23T12:34:56.789Z", 0, "2026-11-23T12:34:56.789Z"},
		{"BeforeStartSameDay", "UTC", "09:00", "21:00", "2026-11-23T03:00:00Z", 0, "2026-11-23T09:00:00Z"},
		{"AfterEndNextDay", "UTC", "09:00", "21:00", "2026-11-23T22:00:00Z", 0, "2026-11-24T09:00:00Z"},
		{"ExactlyAtStart", "UTC", "09:00", "21:00", "2026-11-23T09:00:00Z", 0, "2026-11-23T09:00:00Z"},
		{"ExactlyAtEndIsOutside", "UTC", "09:00", "21:00", "2026-11-23T21:00:00Z", 0, "2026-11-24T09:00:00Z"},
		{"JustBeforeEnd", "UTC", "09:00", "21:00", "2026-11-23T20:59:59.999999999Z", 0, "2026-11-23T20:59:59.999999999Z"},
		{"JustBeforeStart", "UTC", "09:00", "21:00", "2026-11-23T08:59:59.999Z", 0, "2026-11-23T09:00:00Z"},
		{"YearEnd", "UTC", "09:00", "21:00", "2026-12-31T23:30:00Z", 0, "2027-01-01T09:00:00Z"},
		{"DelayPushesPastEnd", "UTC", "09:00", "21:00", "2026-11-23T20:30:00Z", time.Hour, "2026-11-24T09:00:00Z"},
		{"DelayStaysInside", "UTC", "09:00", "21:00", "2026-11-23T10:00:00Z", 90 * time.Second, "2026-11-23T10:01:30Z"},
		{"DelayIntoWindow", "UTC", "09:00", "21:00", "2026-11-23T08:00:00Z", 2 * time.Hour, "2026-11-23T10:00:00Z"},
		{"LongDelay", "UTC", "09:00", "21:00", "2026-11-23T10:00:00Z", 48 * time.Hour, "2026-11-25T10:00:00Z"},
		{"NegativeDelayIsZero", "UTC", "09:00", "21:00", "2026-11-23T10:00:00Z", -time.Hour, "2026-11-23T10:00:00Z"},
		{"MoscowEvening", "Europe/Moscow", "09:00", "21:00", "2026-11-23T23:30:00+03:00", 0, "2026-11-24T09:00:00+03:00"},
		{"MoscowEarlyMorning", "Europe/Moscow", "09:00", "21:00", "2026-11-23T03:00:00+03:00", 0, "2026-11-23T09:00:00+03:00"},

		// Windows that wrap midnight.
		{"WrapLateEvening", "UTC", "22:00", "06:00", "2026-11-23T23:00:00Z", 0, "2026-11-23T23:00:00Z"},
		{"WrapAfterMidnight", "UTC", "22:00", "06:00", "2026-11-23T05:59:00Z", 0, "2026-11-23T05:59:00Z"},
		{"WrapAtEnd", "UTC", "22:00", "06:00", "2026-11-23T06:00:00Z", 0, "2026-11-23T22:00:00Z"},
		{"WrapMidday", "UTC", "22:00", "06:00", "2026-11-23T12:00:00Z", 0, "2026-11-23T22:00:00Z"},
		{"WrapAtMidnight", "UTC", "22:00", "06:00", "2026-11-24T00:00:00Z", 0, "2026-11-24T00:00:00Z"},
		{"WrapAtStart", "UTC", "22:00", "06:00", "2026-11-23T22:00:00Z", 0, "2026-11-23T22:00:00Z"},
		{"EndsAtMidnightSpelled24", "UTC", "09:00", "24:00", "2026-11-23T23:59:59Z", 0, "2026-11-23T23:59:59Z"},
		{"EndsAtMidnightSpelled24After", "UTC", "09:00", "24:00", "2026-11-24T00:00:00Z", 0, "2026-11-24T09:00:00Z"},
		{"EndsAtMidnightSpelled00", "UTC", "09:00", "00:00", "2026-11-24T00:00:00Z", 0, "2026-11-24T09:00:00Z"},
		{"AllDay", "UTC", "00:00", "24:00", "2026-11-23T03:17:00Z", 0, "2026-11-23T03:17:00Z"},
		{"OneMinute", "UTC", "12:00", "12:01", "2026-11-23T12:01:00Z", 0, "2026-11-24T12:00:00Z"},

		// Extreme offsets: UTC+14, UTC−12, and a 45-minute one.
		{"KiritimatiMidnight", "Pacific/Kiritimati", "09:00", "21:00", "2026-11-24T00:00:00+14:00", 0, "2026-11-24T09:00:00+14:00"},
		{"KiritimatiInside", "Pacific/Kiritimati", "09:00", "21:00", "2026-11-23T20:59:00+14:00", 0, "2026-11-23T20:59:00+14:00"},
		{"GMTPlus12Evening", "Etc/GMT+12", "09:00", "21:00", "2026-11-22T22:00:00-12:00", 0, "2026-11-23T09:00:00-12:00"},
		{"GMTPlus12Wrap", "Etc/GMT+12", "22:00", "06:00", "2026-11-22T21:59:00-12:00", 0, "2026-11-22T22:00:00-12:00"},
		{"KathmanduBeforeStart", "Asia/Kathmandu", "09:00", "21:00", "2026-11-23T08:45:00+05:45", 0, "2026-11-23T09:00:00+05:45"},
		{"KathmanduAtEnd", "Asia/Kathmandu", "09:00", "21:00", "2026-11-23T21:00:00+05:45", 0, "2026-11-24T09:00:00+05:45"},

		// America/New_York, spring forward 2026-03-08 02:00 EST → 03:00 EDT.
		{"NYGapStartInsideGap", "America/New_York", "02:30", "05:00", "2026-03-08T01:00:00-05:00", 0, "2026-03-08T03:00:00-04:00"},
		{"NYGapWindowSwallowed", "America/New_York", "02:00", "02:30", "2026-03-08T01:00:00-05:00", 0, "2026-03-09T02:00:00-04:00"},
		{"NYGapDefaultWindow", "America/New_York", "09:00", "21:00", "2026-03-08T00:00:00-05:00", 0, "2026-03-08T09:00:00-04:00"},
		{"NYGapDelayAcross", "America/New_York", "09:00", "21:00", "2026-03-07T20:30:00-05:00", time.Hour, "2026-03-08T09:00:00-04:00"},
		{"NYGapWrapWindow", "America/New_York", "22:00", "02:30", "2026-03-08T01:59:00-05:00", 0, "2026-03-08T01:59:00-05:00"},
		{"NYGapWrapWindowEndSwallowed", "America/New_York", "22:00", "02:30", "2026-03-08T01:59:59.9-05:00", time.Second, "2026-03-08T22:00:00-04:00"},
		{"NYGapStartAtTransitionClock", "America/New_York", "03:00", "05:00", "2026-03-08T01:30:00-05:00", 0, "2026-03-08T03:00:00-04:00"},

		// America/New_York, fall back 2026-11-01 02:00 EDT → 01:00 EST.
		{"NYOverlapFirstOccurrence", "America/New_York", "01:30", "05:00", "2026-11-01T00:00:00-04:00", 0, "2026-11-01T01:30:00-04:00"},
		{"NYOverlapFallBackIntoWindow", "America/New_York", "22:00", "01:30", "2026-11-01T01:45:00-04:00", 0, "2026-11-01T01:00:00-05:00"},
		{"NYOverlapSecondOccurrence", "America/New_York", "01:30", "01:45", "2026-11-01T01:50:00-04:00", 0, "2026-11-01T01:30:00-05:00"},
		{"NYOverlapAfterBoth", "America/New_York", "22:00", "01:30", "2026-11-01T01:35:00-05:00", 0, "2026-11-01T22:00:00-05:00"},
		{"NYOverlapInsideSecondPass", "America/New_York", "01:00", "02:00", "2026-11-01T01:10:00-05:00", 0, "2026-11-01T01:10:00-05:00"},
		{"NYOverlapDefaultWindow", "America/New_York", "09:00", "21:00", "2026-10-31T23:00:00-04:00", 0, "2026-11-01T09:00:00-05:00"},

		// Europe/London, spring forward 2026-03-29 01:00 GMT → 02:00 BST;
		// fall back 2026-10-25 02:00 BST → 01:00 GMT.
		{"LondonGap", "Europe/London", "01:30", "03:00", "2026-03-29T00:30:00Z", 0, "2026-03-29T02:00:00+01:00"},
		{"LondonGapDelay", "Europe/London", "01:10", "01:50", "2026-03-29T00:30:00Z", 10 * time.Minute, "2026-03-30T01:10:00+01:00"},
		{"LondonOverlapFirst", "Europe/London", "01:15", "08:00", "2026-10-25T00:00:00+01:00", 0, "2026-10-25T01:15:00+01:00"},
		{"LondonOverlapEndRepeats", "Europe/London", "00:30", "01:15", "2026-10-25T01:20:00+01:00", 0, "2026-10-25T01:00:00Z"},

		// Australia/Lord_Howe: half-hour DST, 2026-10-04 02:00 (+10:30) → 02:30 (+11:00).
		{"LordHoweHalfHourGap", "Australia/Lord_Howe", "02:15", "05:00", "2026-10-04T01:00:00+10:30", 0, "2026-10-04T02:30:00+11:00"},
		{"LordHoweHalfHourGapOnTheDot", "Australia/Lord_Howe", "02:30", "05:00", "2026-10-04T01:00:00+10:30", 0, "2026-10-04T02:30:00+11:00"},
		// Back on 2026-04-05 02:00 (+11:00) → 01:30 (+10:30).
		{"LordHoweHalfHourOverlap", "Australia/Lord_Howe", "01:40", "01:50", "2026-04-05T01:55:00+11:00", 0, "2026-04-05T01:40:00+10:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			w := mustWindow(t, tt.start, tt.end)
			due, want := mustTime(t, tt.due), mustTime(t, tt.want)
			got := push.NextInWindow(due, tt.delay, w, loc)
			if !got.Equal(want) {
				t.Fatalf("NextInWindow(%s, %v, %s, %s): got %s, want %s", tt.due, tt.delay, w, tt.zone, got.Format(time.RFC3339Nano), want.In(loc).Format(time.RFC3339Nano))
			}
			if got.Location() != loc {
				t.Errorf("got location %v, want %v", got.Location(), loc)
			}
			if !w.Contains(got, loc) {
				t.Errorf("got %s, which the window %s does not contain", got.Format(time.RFC3339), w)
			}
		})
	}
}

func TestNextInWindowNilLocationIsUTC(t *testing.T) {
	due := mustTime(t, "2026-11-23T22:00:00+03:00") // 19:00 UTC
	got := push.NextInWindow(due, 0, push.DefaultWindow, nil)
	if want := mustTime(t, "2026-11-23T19:00:00Z"); !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestNextInWindowProperties checks random cases against the definition by
// brute force: the answer is not before due+delay, lies inside the window,
// and no earlier instant (on a one-minute grid from due+delay) does.
func TestNextInWindowProperties(t *testing.T) {
	// Each zone with an instant near one of its transitions (or any instant
	// for zones without), where the mistakes live.
	cases := []struct{ zone, near string }{
		{"UTC", "2026-06-01T00:00:00Z"},
		{"Europe/Moscow", "2026-06-01T00:00:00Z"},
		{"America/New_York", "2026-03-08T07:00:00Z"},
		{"America/New_York", "2026-11-01T06:00:00Z"},
		{"Europe/London", "2026-03-29T01:00:00Z"},
		{"Europe/London", "2026-10-25T01:00:00Z"},
		{"Australia/Lord_Howe", "2026-10-03T15:30:00Z"},
		{"Australia/Lord_Howe", "2026-04-04T15:00:00Z"},
		{"Pacific/Kiritimati", "2026-06-01T00:00:00Z"},
		{"Etc/GMT+12", "2026-06-01T00:00:00Z"},
		{"Asia/Kathmandu", "2026-06-01T00:00:00Z"},
		{"Pacific/Chatham", "2026-09-26T14:00:00Z"},
		{"America/St_Johns", "2026-03-08T05:30:00Z"},
		{"Pacific/Apia", "2011-12-30T10:00:00Z"}, // skipped a whole day
		{"America/Santiago", "2026-09-06T04:00:00Z"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		c := cases[rng.IntN(len(cases))]
		loc := mustLoad(t, c.zone)
		start := rng.IntN(24*4) * 15
		end := rng.IntN(24*4+1) * 15
		if end == start {
			continue
		}
		w := push.Window{Start: start, End: end}
		due := mustTime(t, c.near).Add(time.Duration(rng.Int64N(int64(60*time.Hour))) - 36*time.Hour)
		delay := time.Duration(rng.IntN(4)) * time.Duration(rng.Int64N(int64(6*time.Hour)))
		got := push.NextInWindow(due, delay, w, loc)
		from := due.Add(delay)
		if got.Before(from) {
			t.Fatalf("#%d %s %s due %s+%v: got %s, before due+delay", i, loc, w, due, delay, got)
		}
		if !w.Contains(got, loc) {
			t.Fatalf("#%d %s %s due %s+%v: got %s (%s local), not inside the window", i, loc, w, due, delay, got, got.In(loc))
		}
		for tt := from; tt.Before(got); tt = tt.Add(time.Minute) {
			if w.Contains(tt, loc) {
				t.Fatalf("#%d %s %s due %s+%v: got %s, but %s (%s local) is earlier and inside", i, loc, w, due, delay, got, tt, tt.In(loc))
			}
		}
		if got.Sub(from) > 50*time.Hour {
			t.Fatalf("#%d %s %s due %s+%v: got %s, more than two days later", i, loc, w, due, delay, got)
		}
	}
}

func TestParseWindow(t *testing.T) {
	ok := []struct {
		start, end string
		want       push.Window
	}{
		{"09:00", "21:00", push.Window{Start: 540, End: 1260}},
		{"9:00", "21:30", push.Window{Start: 540, End: 1290}},
		{"22:00", "06:00", push.Window{Start: 1320, End: 360}},
		{"00:00", "24:00", push.Window{Start: 0, End: 1440}},
		{"23:59", "00:00", push.Window{Start: 1439, End: 0}},
		{" 08:15 ", "17:45", push.Window{Start: 495, End: 1065}},
	}
	for _, tt := range ok {
		got, err := push.ParseWindow(tt.start, tt.end)
		if err != nil || got != tt.want {
			t.Errorf("ParseWindow(%q, %q): got %+v, %v, want %+v, nil", tt.start, tt.end, got, err, tt.want)
		}
	}
	bad := []struct{ start, end, msg string }{
		{"09:00", "09:00", `BAD_USER_INPUT: window 09:00–09:00 is empty: start and end must differ`},
		{"00:00", "00:00", `BAD_USER_INPUT: window 00:00–00:00 is empty: start and end must differ`},
		{"", "21:00", `BAD_USER_INPUT: window start "": want a time of day as HH:MM, e.g. 09:00`},
		{"9", "21:00", `BAD_USER_INPUT: window start "9": want a time of day as HH:MM, e.g. 09:00`},
		{"09:0", "21:00", `BAD_USER_INPUT: window start "09:0": want a time of day as HH:MM, e.g. 09:00`},
		{"9am", "21:00", `BAD_USER_INPUT: window start "9am": want a time of day as HH:MM, e.g. 09:00`},
		{"-1:00", "21:00", `BAD_USER_INPUT: window start "-1:00": want a time of day as HH:MM, e.g. 09:00`},
		{"+9:00", "21:00", `BAD_USER_INPUT: window start "+9:00": want a time of day as HH:MM, e.g. 09:00`},
		{"09:00:00", "21:00", `BAD_USER_INPUT: window start "09:00:00": want a time of day as HH:MM, e.g. 09:00`},
		{"24:00", "21:00", `BAD_USER_INPUT: window start "24:00": hour must be 00–23`},
		{"25:00", "21:00", `BAD_USER_INPUT: window start "25:00": hour must be 00–23`},
		{"09:60", "21:00", `BAD_USER_INPUT: window start "09:60": minute must be 00–59`},
		{"09:00", "24:01", `BAD_USER_INPUT: window end "24:01": hour must be 00–23`},
		{"09:00", "99:99", `BAD_USER_INPUT: window end "99:99": hour must be 00–23`},
		{"09:00", "21:60", `BAD_USER_INPUT: window end "21:60": minute must be 00–59`},
		{"09:00", "２１:00", `BAD_USER_INPUT: window end "２１:00": want a time of day as HH:MM, e.g. 09:00`},
	}
	for _, tt := range bad {
		_, err := push.ParseWindow(tt.start, tt.end)
		if err == nil || err.Error() != tt.msg {
			t.Errorf("ParseWindow(%q, %q): got error %v, want %s", tt.start, tt.end, err, tt.msg)
			continue
		}
		if code := kabinet.ErrorCode(err); code != kabinet.EBADINPUT {
			t.Errorf("ParseWindow(%q, %q): got code %s, want %s", tt.start, tt.end, code, kabinet.EBADINPUT)
		}
	}
}

func TestWindowValidate(t *testing.T) {
	for _, w := range []push.Window{{-1, 60}, {1440, 60}, {60, 1441}, {60, -5}, {60, 60}} {
		if err := w.Validate(); kabinet.ErrorCode(err) != kabinet.EBADINPUT {
			t.Errorf("%+v.Validate(): got %v, want a BAD_USER_INPUT error", w, err)
		}
	}
	if err := push.DefaultWindow.Validate(); err != nil {
		t.Errorf("DefaultWindow.Validate(): got %v, want nil", err)
	}
	if got, want := push.DefaultWindow.String(), "09:00–21:00"; got != want {
		t.Errorf("DefaultWindow.String(): got %q, want %q", got, want)
	}
	if got, want := (push.Window{Start: 0, End: 1440}).EndClock(), "24:00"; got != want {
		t.Errorf("EndClock(): got %q, want %q", got, want)
	}
}

func BenchmarkNextInWindow(b *testing.B) {
	loc := mustLoad(b, "America/New_York")
	due := mustTime(b, "2026-03-07T22:00:00-05:00")
	w := push.DefaultWindow
	for b.Loop() {
		push.NextInWindow(due, time.Minute, w, loc)
	}
}
