// Package push delivers reminders to employees' phones.
//
// This file and its siblings hold the provider-neutral layer: the
// Notification a planner hands to a Sender, the Outcome a Sender reports, the
// pure per-platform payload builders (FCMMessage, APNsNotification), the
// localized default texts, the delivery-window computation (NextInWindow)
// and two small Senders (LogSender, Router). The real provider clients live
// in push/fcm and push/apns; push/providers builds a Router from the
// environment; push/pushtest holds wire-level fakes of FCM and APNs for tests.
//
// A Sender makes exactly one attempt per Send and never sleeps to retry: the
// caller (the dispatcher) owns retries, back-off and deadlines, so that they
// survive restarts and never block a worker.
package push

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Priorities of a Notification.
const (
	PriorityNormal = "normal"
	PriorityHigh   = "high"
)

// Locales with default texts. Anything else falls back to LocaleRU.
const (
	LocaleRU = "ru"
	LocaleEN = "en"
)

// Notification is one push to one device token.
type Notification struct {
	// ID is the delivery id (unique per device attempt series). It becomes
	// the apns-id when it is a UUID; otherwise APNs assigns one.
	ID string
	// Kind is one of the kabinet.Notify* kinds.
	Kind string
	// Provider is kabinet.ProviderFCM or kabinet.ProviderAPNs.
	Provider string
	// Token is the device's push token. Never log it whole (see TokenPrefix).
	Token string
	// Locale is "ru" (default) or "en".
	Locale string
	// Title and Body, when empty, are the localized defaults of Kind with
	// Params (see Text).
	Title, Body string
	// Params fill the default texts: "period" ("2026-10"), "name",
	// "startsOn" ("2026-12-01"), "model" ("iPhone 15").
	Params map[string]string
	// DeepLink opens the record in the app, e.g. "kabinet://payslips/ps_abc".
	DeepLink string
	// CollapseKey is one per reason, e.g. "payslip:ps_abc": a newer
	// reminder replaces an older one on the lock screen.
	CollapseKey string
	// Badge is what waits for the employee (unviewed payslips and approvals
	// to do): aps.badge on iOS, the data field "badge" on Android. Nil
	// leaves the badge alone.
	Badge *int
	// Expiry is when the provider may drop the notification if the device
	// is offline. Zero: the provider's default. Senders do not send a
	// notification whose Expiry has passed (OutcomeFailed, "expired").
	Expiry time.Time
	// Priority is PriorityNormal (reminders; the default) or PriorityHigh.
	Priority string
}

// Text returns the title and body to show: n.Title and n.Body where set,
// else the localized defaults of n.Kind (see DefaultText).
func (n *Notification) Text() (title, body string) {
	title, body = n.Title, n.Body
	if title == "" || body == "" {
		dt, db := DefaultText(n.Kind, n.Locale, n.Params)
		if title == "" {
			title = dt
		}
		if body == "" {
			body = db
		}
	}
	return title, body
}

// Outcome is what became of one Send.
type Outcome int

const (
	// OutcomeSent: the provider accepted the notification.
	OutcomeSent Outcome = iota + 1
	// OutcomeInvalidToken: the provider says the token is dead (FCM
	// UNREGISTERED or SENDER_ID_MISMATCH; APNs 410, BadDeviceToken,
	// DeviceTokenNotForTopic). Retire the token; do not retry.
	OutcomeInvalidToken
	// OutcomeRetry: a transient failure (429, 5xx, network, timeout). Retry
	// later, not before Result.RetryAfter when it is set.
	OutcomeRetry
	// OutcomeFailed: a permanent failure that is not the token's fault, e.g.
	// a rejected payload or rejected credentials. Do not retry; keep the token.
	OutcomeFailed
	// OutcomeUndeliverable: the deployment has no credentials for this
	// provider. Keep the token; log the delivery as undeliverable.
	OutcomeUndeliverable
)

// String returns the outcome's name in upper case, e.g. "INVALID_TOKEN".
func (o Outcome) String() string {
	switch o {
	case OutcomeSent:
		return "SENT"
	case OutcomeInvalidToken:
		return "INVALID_TOKEN"
	case OutcomeRetry:
		return "RETRY"
	case OutcomeFailed:
		return "FAILED"
	case OutcomeUndeliverable:
		return "UNDELIVERABLE"
	}
	return "UNKNOWN"
}

// Result is the outcome of one Send.
type Result struct {
	Outcome Outcome
	// RetryAfter is the provider's Retry-After, when it gave one
	// (OutcomeRetry only). Zero: the caller picks its own back-off.
	RetryAfter time.Duration
	// ProviderID is the provider's id of the accepted message: FCM's
	// "projects/p/messages/N", APNs' apns-id. Set on OutcomeSent.
	ProviderID string
	// Reason is short, for the delivery log; it never holds a token or a
	// credential. E.g. "fcm: UNREGISTERED", "apns: 410 Unregistered".
	Reason string
	// Status is the HTTP status the provider answered with, 0 when there
	// was no answer (network error, expired, undeliverable).
	Status int
}

// Sender sends one Notification and reports what became of it. It makes one
// attempt, never retries or sleeps on its own, and honours ctx. Every
// implementation in this module is safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, n *Notification) Result
}

// SenderFunc adapts a function to the Sender interface.
type SenderFunc func(ctx context.Context, n *Notification) Result

// Send calls f(ctx, n).
func (f SenderFunc) Send(ctx context.Context, n *Notification) Result { return f(ctx, n) }

// TokenPrefix returns the first characters of a push token followed by "…",
// the only form in which a token may be logged.
func TokenPrefix(token string) string {
	const keep = 8
	if len(token) <= keep {
		return "…"
	}
	return token[:keep] + "…"
}

// ParseRetryAfter parses an HTTP Retry-After value, delay-seconds or an
// HTTP date (relative to now). It returns 0 for an empty, malformed or past
// value, and caps absurd values at a day.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = at.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

const maxRetryAfter = 24 * time.Hour

// Expired reports whether n has an Expiry that is not after now; Senders
// answer such a notification with OutcomeFailed without contacting the
// provider.
func Expired(n *Notification, now time.Time) bool {
	return !n.Expiry.IsZero() && !n.Expiry.After(now)
}
