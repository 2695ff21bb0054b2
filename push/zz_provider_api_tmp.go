// temporary: replaced by the pushproviders branch.
//
// These are the declarations the pushproviders branch provides in package
// push, copied so that the planner and dispatcher build before it lands. The
// window implementation here is deliberately plain.

package push

import (
	"context"
	"fmt"
	"time"
)

// Notification is one message to one device.
type Notification struct {
	ID, Kind, Provider, Token, Locale, Title, Body string
	Params                                         map[string]string
	DeepLink, CollapseKey                          string
	Badge                                          *int
	Expiry                                         time.Time
	Priority                                       string
}

// Notification kinds.
const (
	KindPayslipReminder         = "payslip_reminder"
	KindVacationReminder        = "vacation_reminder"
	KindManagerVacationReminder = "manager_vacation_reminder"
	KindNewDevice               = "new_device"
	KindPayslipBroadcast        = "payslip_broadcast"
)

// Providers.
const (
	ProviderFCM  = "FCM"
	ProviderAPNs = "APNS"
)

// Outcome classifies a send.
type Outcome int

// Outcomes.
const (
	OutcomeSent Outcome = iota
	OutcomeInvalidToken
	OutcomeRetry
	OutcomeFailed
	OutcomeUndeliverable
)

// Result is what a Sender reports.
type Result struct {
	Outcome    Outcome
	RetryAfter time.Duration
	ProviderID string
	Reason     string
}

// Sender hands one notification to a provider.
type Sender interface {
	Send(ctx context.Context, n *Notification) Result
}

// Window is a daily delivery window.
type Window struct{ start, end int } // minutes after local midnight

// ParseWindow parses "HH:MM" bounds; end < start wraps midnight; equal is invalid.
func ParseWindow(start, end string) (Window, error) {
	s, err1 := parseHM(start)
	e, err2 := parseHM(end)
	if err1 != nil || err2 != nil {
		return Window{}, fmt.Errorf("window times must be HH:MM")
	}
	if s == e {
		return Window{}, fmt.Errorf("the window has zero length")
	}
	return Window{s, e}, nil
}

func parseHM(v string) (int, error) {
	t, err := time.Parse("15:04", v)
	if err != nil || len(v) != 5 {
		return 0, fmt.Errorf("bad time %q", v)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// NextInWindow returns the first instant >= due+delay inside the window in
// loc's local time.
func NextInWindow(w Window, due time.Time, delay time.Duration, loc *time.Location) time.Time {
	t := due.Add(delay).In(loc)
	m := t.Hour()*60 + t.Minute()
	inside := m >= w.start && m < w.end
	if w.end < w.start {
		inside = m >= w.start || m < w.end
	}
	if inside {
		return t.UTC()
	}
	y, mo, d := t.Date()
	open := time.Date(y, mo, d, w.start/60, w.start%60, 0, 0, loc)
	if !open.After(t) {
		open = time.Date(y, mo, d+1, w.start/60, w.start%60, 0, 0, loc)
	}
	return open.UTC()
}
