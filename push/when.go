package push

import (
	"time"

	"github.com/kabinet/kabinet"
)

// deliverAt is the first instant at or after t inside the window, in loc's
// local time. It is the only place that calls the window function.
func deliverAt(w Window, t time.Time, loc *time.Location) time.Time {
	return NextInWindow(t, 0, w, loc)
}

// sendAt is when the dispatcher, looking at now, sends a notification due
// at due (or on localDate, when set) with the organisation's send delay
// and window, in loc: its exact due time, not before now, moved into the
// window. Planning, the dispatcher, the delivery log and the preview of
// arrival times all go through it.
func sendAt(w Window, due time.Time, localDate string, delay time.Duration, loc *time.Location, now time.Time) time.Time {
	return deliverAt(w, later(exactDue(due, localDate, delay, loc), now), loc)
}

// location loads an IANA zone; an unknown one (which validation keeps out)
// falls back to Moscow time, Kabinet's home zone, rather than failing.
func location(zone string) *time.Location {
	if loc, err := time.LoadLocation(zone); err == nil && zone != "" {
		return loc
	}
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		return time.UTC
	}
	return loc
}

const day = 24 * time.Hour

// payslipDue is when the reminder of stage n (days) of a payslip published
// at published is due: n days later, plus the send delay.
func payslipDue(published time.Time, n int, delay time.Duration) time.Time {
	return published.Add(time.Duration(n)*day + delay)
}

// earliestZoneOffset is the farthest any zone runs ahead of UTC (UTC+14).
const earliestZoneOffset = 14 * time.Hour

// earliestDue is the due time stored for a reminder due at local midnight
// of date plus the send delay: that midnight as early as it comes in any
// zone. The dispatcher computes the exact instant in the recipient's zone
// (exactDue) when the row comes due; this bound only makes it come due early
// enough, whatever zone the recipient has by then.
func earliestDue(date string, delay time.Duration) time.Time {
	d, err := time.Parse(kabinet.DateLayout, date)
	if err != nil {
		return time.Time{}
	}
	return d.Add(-earliestZoneOffset + delay)
}

// vacationCutoff is the earliest local date still running somewhere at now
// (UTC-12 is at most a day behind UTC): a vacation reminder of an earlier
// date is over everywhere and not planned.
func vacationCutoff(now time.Time) string {
	return now.UTC().AddDate(0, 0, -1).Format(kabinet.DateLayout)
}

// exactDue is a reminder's due time: the stored one, or for reminders due
// on a local date (vacations), local midnight of that date in loc plus the
// send delay.
func exactDue(due time.Time, localDate string, delay time.Duration, loc *time.Location) time.Time {
	if localDate == "" {
		return due
	}
	d, err := time.ParseInLocation(kabinet.DateLayout, localDate, loc)
	if err != nil {
		return due
	}
	return d.Add(delay)
}

// dayOver reports whether the local date a reminder is about has ended in
// loc at now: a vacation reminder is only good on its day, so none goes out
// after the vacation began (stage 0 is the first day's morning reminder).
func dayOver(localDate string, now time.Time, loc *time.Location) bool {
	if localDate == "" {
		return false
	}
	d, err := time.ParseInLocation(kabinet.DateLayout, localDate, loc)
	if err != nil {
		return false
	}
	y, m, day := d.Date()
	return !now.Before(time.Date(y, m, day+1, 0, 0, 0, 0, loc))
}

// endOfDay is the end of the local date in loc.
func endOfDay(localDate string, loc *time.Location) time.Time {
	d, err := time.ParseInLocation(kabinet.DateLayout, localDate, loc)
	if err != nil {
		return time.Time{}
	}
	y, m, day := d.Date()
	return time.Date(y, m, day+1, 0, 0, 0, 0, loc)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
