// Package push plans and delivers Kabinet's notifications (docs/product.md §Reminders):
// payslip and vacation reminders, the new-device sign-in notice and HR's
// one-off reminders, each planned durably in an outbox, delivered only
// inside the organisation's window in the recipient's local time, to every
// active device of the recipient, through FCM and APNs (push/fcm,
// push/apns) or the log sender, with every attempt in the delivery log.
//
// The Service owns settings, push tokens and planning; the Dispatcher is the
// worker that delivers. Errors returned to clients are *kabinet.Error:
// BAD_USER_INPUT for invalid settings, tokens or periods, NOT_FOUND for an
// unknown employee or a device that is not the caller's.
package push

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet"
)

// Store is what the Service needs of the store (sqlite.DB implements it).
// Like PlanStore, it decides nothing.
type Store interface {
	SettingsStore
	PlanStore
	OverviewStore
	EmployeeByExternalID(ctx context.Context, orgID, externalID string) (*kabinet.Employee, error)
	// SaveNotificationSettings stores the organisation's settings and
	// applies re in the same transaction (see kabinet.Replan).
	SaveNotificationSettings(ctx context.Context, orgID string, s *kabinet.NotificationSettings, re *kabinet.Replan) error
	RegisterPushToken(ctx context.Context, orgID, employeeID, deviceID, provider, token string) error
	// DeliveryLog lists the notifications f selects, newest first (see
	// sqlstore.Store.DeliveryLog).
	DeliveryLog(ctx context.Context, orgID string, f kabinet.DeliveryFilter,
		plannedAt func(due, notBefore time.Time, localDate string, zones *kabinet.ReasonFacts) time.Time) ([]*kabinet.Delivery, error)
}

// SettingsStore is what reading the settings needs of the store.
type SettingsStore interface {
	Organization(ctx context.Context, id string) (*kabinet.Organization, error)
	// NotificationSettings returns the stored settings, NOT_FOUND when HR
	// never changed them.
	NotificationSettings(ctx context.Context, orgID string) (*kabinet.NotificationSettings, error)
}

// Service holds notification settings, push tokens and the planner. Build
// it with every field it needs; it is safe for concurrent use.
type Service struct {
	Store  Store
	Clock  kabinet.Clock
	Logger *slog.Logger
	// Wake, if set, is called after something was planned that may be due
	// now (Dispatcher.Wake), so it goes out without waiting for the poll.
	Wake func()
}

// DefaultSettings returns the defaults of docs/product.md §Defaults for an
// organisation in zone tz.
func DefaultSettings(tz string) *kabinet.NotificationSettings {
	return &kabinet.NotificationSettings{
		WindowStart: "09:00", WindowEnd: "21:00",
		PayslipDays: []int{5, 8, 10}, VacationDays: []int{0}, ManagerDays: []int{0},
		Timezone: tz, Texts: []kabinet.NotificationText{},
	}
}

// Settings returns the organisation's reminder schedule: what HR stored, or
// the defaults.
func (s *Service) Settings(ctx context.Context, orgID string) (*kabinet.NotificationSettings, error) {
	return SettingsOf(s.Store)(ctx, orgID)
}

// SettingsOf returns the function that reads an organisation's reminder
// schedule from store: what HR stored, or the defaults (the Dispatcher's
// Settings).
func SettingsOf(store SettingsStore) func(ctx context.Context, orgID string) (*kabinet.NotificationSettings, error) {
	return func(ctx context.Context, orgID string) (*kabinet.NotificationSettings, error) {
		st, err := store.NotificationSettings(ctx, orgID)
		if kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
			return st, err
		}
		org, err := store.Organization(ctx, orgID)
		if err != nil {
			return nil, err
		}
		return DefaultSettings(org.Timezone), nil
	}
}

// SettingsInput changes some of the settings; nil fields keep their value.
// Texts, when not nil, replaces every override (empty: back to defaults).
type SettingsInput struct {
	WindowStart, WindowEnd                 *string
	SendDelaySeconds                       *int
	PayslipDays, VacationDays, ManagerDays []int
	Timezone                               *string
	Texts                                  []kabinet.NotificationText
}

// Limits of the settings.
const (
	MaxDayOffset = 365
	MaxSendDelay = 7 * 24 * time.Hour
	maxStages    = 10
	maxTitle     = 100
	maxBody      = 500
)

// Kinds lists the notification kinds HR can word.
var Kinds = []string{kabinet.NotifyPayslipReminder, kabinet.NotifyVacationReminder, kabinet.NotifyManagerVacationReminder,
	kabinet.NotifyNewDevice, kabinet.NotifyPayslipBroadcast,
	kabinet.NotifyLeaveApproval, kabinet.NotifyLeaveApprovalReminder, kabinet.NotifyLeaveDecision}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// Placeholders HR may use in texts.
var Placeholders = []string{"{period}", "{startsOn}", "{endsOn}", "{name}", "{model}", "{days}"}

// UpdateSettings validates and stores the changed settings and re-plans what
// is not yet sent, in one transaction. Invalid input is BAD_USER_INPUT
// listing every problem, and nothing is changed.
func (s *Service) UpdateSettings(ctx context.Context, orgID string, in SettingsInput) (*kabinet.NotificationSettings, error) {
	cur, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	next, err := merge(cur, in)
	if err != nil {
		return nil, err
	}
	re, err := s.replan(ctx, orgID, cur, next)
	if err != nil {
		return nil, err
	}
	if err := s.Store.SaveNotificationSettings(ctx, orgID, next, re); err != nil {
		return nil, err
	}
	s.wake()
	return next, nil
}

// merge returns cur changed by in, or BAD_USER_INPUT listing every invalid
// field (Items name them: windowStart, sendDelaySeconds, …).
func merge(cur *kabinet.NotificationSettings, in SettingsInput) (*kabinet.NotificationSettings, error) {
	next := *cur
	b := kabinet.NewBatchError("settings")
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&next.WindowStart, in.WindowStart)
	set(&next.WindowEnd, in.WindowEnd)
	set(&next.Timezone, in.Timezone)
	if _, err := ParseWindow(next.WindowStart, next.WindowEnd); err != nil {
		b.Add(0, "", "windowStart", "windowStart/windowEnd: the window %s–%s is invalid: %v (times are HH:MM, start and end differ)", next.WindowStart, next.WindowEnd, err)
	}
	if in.SendDelaySeconds != nil {
		d := time.Duration(*in.SendDelaySeconds) * time.Second
		if *in.SendDelaySeconds < 0 || d > MaxSendDelay {
			b.Add(0, "", "sendDelaySeconds", "sendDelaySeconds must be between 0 and %d seconds", int(MaxSendDelay/time.Second))
		}
		next.SendDelay = d
	}
	for _, f := range []struct {
		name string
		in   []int
		dst  *[]int
	}{{"payslipReminderDays", in.PayslipDays, &next.PayslipDays}, {"vacationReminderDaysBefore", in.VacationDays, &next.VacationDays},
		{"managerVacationReminderDaysBefore", in.ManagerDays, &next.ManagerDays}} {
		if f.in == nil {
			continue
		}
		if msg := checkDays(f.in); msg != "" {
			b.Add(0, "", f.name, "%s: %s", f.name, msg)
		}
		days := slices.Clone(f.in)
		slices.Sort(days)
		*f.dst = days
	}
	if !kabinet.ValidTimezone(next.Timezone) {
		b.Add(0, "", "timezone", "timezone %q is not a known IANA time zone (e.g. Europe/Moscow)", next.Timezone)
	}
	if in.Texts != nil {
		seen := map[string]bool{}
		next.Texts = make([]kabinet.NotificationText, 0, len(in.Texts))
		for i, t := range in.Texts {
			t.Kind, t.Locale = strings.TrimSpace(t.Kind), strings.ToLower(strings.TrimSpace(t.Locale))
			if msg := checkText(t); msg != "" {
				b.Add(i, "", "texts", "texts[%d]: %s", i, msg)
			}
			if key := t.Kind + "/" + t.Locale; seen[key] {
				b.Add(i, "", "texts", "texts[%d]: a second text for %s in %q", i, t.Kind, t.Locale)
			} else {
				seen[key] = true
			}
			next.Texts = append(next.Texts, t)
		}
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	return &next, nil
}

func checkDays(days []int) string {
	if len(days) > maxStages {
		return fmt.Sprintf("at most %d stages", maxStages)
	}
	seen := map[int]bool{}
	for _, d := range days {
		switch {
		case d < 0 || d > MaxDayOffset:
			return fmt.Sprintf("day offsets must be between 0 and %d (got %d)", MaxDayOffset, d)
		case seen[d]:
			return fmt.Sprintf("day %d is listed twice", d)
		}
		seen[d] = true
	}
	return ""
}

func checkText(t kabinet.NotificationText) string {
	switch {
	case !slices.Contains(Kinds, t.Kind):
		return fmt.Sprintf("unknown kind %q (one of %s)", t.Kind, strings.Join(Kinds, ", "))
	case t.Locale == "" || len(t.Locale) > 10:
		return "locale must be a language tag such as ru or en"
	case strings.TrimSpace(t.Title) == "" || utf8.RuneCountInString(t.Title) > maxTitle:
		return fmt.Sprintf("title must have 1 to %d characters", maxTitle)
	case utf8.RuneCountInString(t.Body) > maxBody:
		return fmt.Sprintf("body must have at most %d characters", maxBody)
	}
	for _, p := range placeholder.FindAllString(t.Title+t.Body, -1) {
		if !slices.Contains(Placeholders, p) {
			return fmt.Sprintf("unknown placeholder %s (known: %s)", p, strings.Join(Placeholders, " "))
		}
	}
	return ""
}

// replan decides what a change of the settings from cur to next does to
// every reminder not yet sent: planned reminders of stages switched off are
// cancelled, the others keep their stage and follow the new delay, and
// stages switched on are planned for payslips and vacations whose stage is
// still ahead. A stage switched off and on again is revived.
func (s *Service) replan(ctx context.Context, orgID string, cur, next *kabinet.NotificationSettings) (*kabinet.Replan, error) {
	now := s.now()
	re := &kabinet.Replan{
		Keep: map[string][]int{
			kabinet.NotifyPayslipReminder:         next.PayslipDays,
			kabinet.NotifyVacationReminder:        next.VacationDays,
			kabinet.NotifyManagerVacationReminder: next.ManagerDays,
		},
		Shift: next.SendDelay - cur.SendDelay,
	}
	if len(next.PayslipDays) > 0 {
		facts, err := s.Store.UnviewedPayslips(ctx, orgID, kabinet.PayslipFactFilter{PublishedAfter: payslipHorizon(next, now)})
		if err != nil {
			return nil, err
		}
		re.Rows = payslipReminders(facts, next, now, true)
	}
	vacs, err := s.Store.ActiveVacations(ctx, orgID, kabinet.VacationFactFilter{StartsFrom: vacationCutoff(now)})
	if err != nil {
		return nil, err
	}
	rows, err := s.vacationReminders(ctx, orgID, vacs, next, now)
	if err != nil {
		return nil, err
	}
	re.Rows = append(re.Rows, rows...)
	return re, nil
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock.Now()
}

func (s *Service) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
