package push

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
)

// Window is the daily delivery window, in the recipient's local wall-clock
// time: [Start, End) in minutes after local midnight. End < Start wraps
// midnight (22:00–06:00); End may be 1440 ("24:00"), the end of the day, so
// that 00:00–24:00 is open all day. Start == End is invalid.
type Window struct {
	Start, End int
}

// DefaultWindow is 09:00–21:00 (docs/product.md §Quiet hours).
var DefaultWindow = Window{Start: 9 * 60, End: 21 * 60}

const minutesPerDay = 24 * 60

// ParseWindow parses a window from "HH:MM" times, e.g. ("09:00", "21:00").
// The end may be "24:00". It returns a BAD_USER_INPUT *kabinet.Error saying
// which time is wrong and why.
func ParseWindow(start, end string) (Window, error) {
	s, err := parseClock(start, false)
	if err != nil {
		return Window{}, kabinet.Errorf(kabinet.EBADINPUT, "window start %q: %s", start, err)
	}
	e, err := parseClock(end, true)
	if err != nil {
		return Window{}, kabinet.Errorf(kabinet.EBADINPUT, "window end %q: %s", end, err)
	}
	w := Window{Start: s, End: e}
	if err := w.Validate(); err != nil {
		return Window{}, err
	}
	return w, nil
}

// parseClock parses "HH:MM" (the hour may have one digit) into minutes
// after midnight; "24:00" only when allowEndOfDay.
func parseClock(s string, allowEndOfDay bool) (int, error) {
	hs, ms, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(ms) != 2 || len(hs) < 1 || len(hs) > 2 || !digits(hs) || !digits(ms) {
		return 0, fmt.Errorf("want a time of day as HH:MM, e.g. 09:00")
	}
	h, _ := strconv.Atoi(hs)
	m, _ := strconv.Atoi(ms)
	switch {
	case h == 24 && m == 0 && allowEndOfDay:
		return minutesPerDay, nil
	case h > 23:
		return 0, fmt.Errorf("hour must be 00–23")
	case m > 59:
		return 0, fmt.Errorf("minute must be 00–59")
	}
	return h*60 + m, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Validate returns a BAD_USER_INPUT *kabinet.Error if the window is empty
// (Start == End) or a bound is out of range.
func (w Window) Validate() error {
	switch {
	case w.Start < 0 || w.Start >= minutesPerDay:
		return kabinet.Errorf(kabinet.EBADINPUT, "window start must be 00:00–23:59")
	case w.End < 0 || w.End > minutesPerDay:
		return kabinet.Errorf(kabinet.EBADINPUT, "window end must be 00:00–24:00")
	case w.Start == w.End:
		return kabinet.Errorf(kabinet.EBADINPUT, "window %s–%s is empty: start and end must differ", FormatClock(w.Start), FormatClock(w.End))
	}
	return nil
}

// FormatClock formats minutes after midnight as "HH:MM" (1440 as "24:00").
func FormatClock(minutes int) string {
	return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60)
}

// StartClock returns the start as "HH:MM".
func (w Window) StartClock() string { return FormatClock(w.Start) }

// EndClock returns the end as "HH:MM".
func (w Window) EndClock() string { return FormatClock(w.End) }

// String returns "HH:MM–HH:MM".
func (w Window) String() string { return w.StartClock() + "–" + w.EndClock() }

// Contains reports whether instant t lies inside the window in loc's local
// wall-clock time (nil loc: UTC). The end is exclusive.
func (w Window) Contains(t time.Time, loc *time.Location) bool {
	if loc == nil {
		loc = time.UTC
	}
	return w.containsClock(timeOfDay(t.In(loc)))
}

func (w Window) containsClock(tod time.Duration) bool {
	s, e := time.Duration(w.Start)*time.Minute, time.Duration(w.End)*time.Minute
	if s < e {
		return s <= tod && tod < e
	}
	return tod >= s || tod < e
}

// timeOfDay is the wall-clock time elapsed since local midnight.
func timeOfDay(lt time.Time) time.Duration {
	return time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute +
		time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
}

// NextInWindow returns the first instant at or after due+delay whose local
// wall-clock time in loc lies inside w, expressed in loc (nil loc: UTC; a
// negative delay counts as zero).
//
// "Inside" is judged per instant, so time-zone transitions need no special
// cases: in a DST gap the local clock jumps, and if it jumps into the window
// the transition instant itself is the answer (a 02:30 start on a day whose
// 02:00–03:00 does not exist opens at 03:00); in a DST overlap the first of
// the repeated local times that is inside the window wins, and the fall-back
// instant is the answer when the clock falls back into the window. An invalid
// window (see Validate) is treated as open all day.
func NextInWindow(due time.Time, delay time.Duration, w Window, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if delay < 0 {
		delay = 0
	}
	t := due.Add(delay).In(loc)
	if w.Validate() != nil {
		return t
	}
	startOfWindow := time.Duration(w.Start) * time.Minute
	// Walk the zone's periods of constant UTC offset. Within one, the local
	// clock runs with the instant, so the next opening is plain arithmetic;
	// if it falls past the period's end, retry from the transition instant.
	// Zones change offset at most a few times a year, so this ends after one
	// or two turns; the bound only guards against a corrupt zone database.
	for range 64 {
		tod := timeOfDay(t)
		if w.containsClock(tod) {
			return t
		}
		wait := startOfWindow - tod
		if wait < 0 {
			wait += 24 * time.Hour
		}
		next := t.Add(wait)
		_, periodEnd := t.ZoneBounds()
		if periodEnd.IsZero() || next.Before(periodEnd) {
			return next
		}
		t = periodEnd.In(loc)
	}
	return t
}
