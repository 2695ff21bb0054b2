package push

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
)

// OverviewStore is what HR's overview of reminders needs of the store
// (sqlstore.Store implements it).
type OverviewStore interface {
	// PeriodViews counts the payslips of a period ("" for the latest) and
	// the unviewed ones.
	PeriodViews(ctx context.Context, orgID, period string) (*kabinet.PeriodViews, error)
	// ActivityFacts reads what the activity chart is decided from.
	ActivityFacts(ctx context.Context, orgID string, from, to time.Time) (*kabinet.ActivityFacts, error)
}

// DeliveryQuery narrows HR's delivery log; zero values match everything.
type DeliveryQuery struct {
	EmployeeExternalID string
	Kind               string // one of Kinds
	Status             string // a kabinet.Delivery* status
	Provider           string // FCM or APNS
	From, To           time.Time
	Limit              int // 1–1000
}

// DeliveryStatuses are the statuses the delivery log shows.
var DeliveryStatuses = []string{kabinet.DeliveryPlanned, kabinet.DeliverySending, kabinet.DeliveryRetrying, kabinet.DeliverySent,
	kabinet.DeliveryFailed, kabinet.DeliveryCancelled, kabinet.DeliveryUndeliverable, kabinet.DeliveryUnconfirmed}

// MaxDeliveries is the most lines one read of the delivery log returns.
const MaxDeliveries = 1000

// Deliveries is HR's delivery log: the organisation's notifications that q
// selects, newest first, with every attempt. NOT_FOUND for an unknown
// employee; BAD_USER_INPUT for an unknown kind, status or provider, a limit
// outside 1–1000 or a range that ends before it starts.
func (s *Service) Deliveries(ctx context.Context, orgID string, q DeliveryQuery) ([]*kabinet.Delivery, error) {
	f := kabinet.DeliveryFilter{Kind: q.Kind, Status: q.Status, Provider: q.Provider, From: q.From, To: q.To, Limit: q.Limit}
	b := kabinet.NewBatchError("filters")
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		b.Add(0, "", "kind", "unknown kind %q (one of %s)", f.Kind, strings.Join(Kinds, ", "))
	}
	if f.Status != "" && !slices.Contains(DeliveryStatuses, f.Status) {
		b.Add(0, "", "status", "unknown status %q (one of %s)", f.Status, strings.Join(DeliveryStatuses, ", "))
	}
	if f.Provider != "" && f.Provider != kabinet.ProviderFCM && f.Provider != kabinet.ProviderAPNs {
		b.Add(0, "", "provider", "unknown provider %q (FCM or APNS)", f.Provider)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		b.Add(0, "", "to", "the range ends (%s) before it starts (%s)", f.To.Format(time.RFC3339), f.From.Format(time.RFC3339))
	}
	if f.Limit < 1 || f.Limit > MaxDeliveries {
		b.Add(0, "", "limit", "limit must be between 1 and %d", MaxDeliveries)
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	if q.EmployeeExternalID != "" {
		e, err := s.Store.EmployeeByExternalID(ctx, orgID, q.EmployeeExternalID)
		if err != nil {
			return nil, err
		}
		f.EmployeeID = e.ID
	}
	st, w, err := s.schedule(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return s.Store.DeliveryLog(ctx, orgID, f, func(due, notBefore time.Time, localDate string, zones *kabinet.ReasonFacts) time.Time {
		return sendAt(w, due, localDate, st.SendDelay, location(deliveryZone(zones)), notBefore) // the dispatcher's rules
	})
}

// schedule is the organisation's settings with their window.
func (s *Service) schedule(ctx context.Context, orgID string) (*kabinet.NotificationSettings, Window, error) {
	st, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, Window{}, err
	}
	w, err := ParseWindow(st.WindowStart, st.WindowEnd)
	return st, w, err
}

// BroadcastPreview is what a one-off reminder about a period would do now.
type BroadcastPreview struct {
	Period    string
	Unviewed  int // payslips of the period not yet viewed
	Reachable int // reminders it would plan: employees with an active cabinet and a push device
	// Repeat: a reminder of the period was planned within the last 12
	// hours; pressing again reminds only of payslips published since.
	Repeat bool
	// ArrivesAt is when the reminder reaches an employee in the
	// organisation's reminder zone.
	ArrivesAt time.Time
	Zone      string
}

// PreviewBroadcast counts, without planning anything, what
// RemindUnviewedPayslips would do for period now. BAD_USER_INPUT for a
// malformed period.
func (s *Service) PreviewBroadcast(ctx context.Context, orgID, period string) (*BroadcastPreview, error) {
	b, err := s.broadcast(ctx, orgID, period)
	if err != nil {
		return nil, err
	}
	w, err := ParseWindow(b.settings.WindowStart, b.settings.WindowEnd)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return &BroadcastPreview{Period: b.period, Unviewed: b.unviewed, Reachable: len(b.rows), Repeat: b.repeat, Zone: b.settings.Timezone,
		ArrivesAt: sendAt(w, now.Add(b.settings.SendDelay), "", b.settings.SendDelay, location(b.settings.Timezone), now)}, nil
}

// ArrivalPreview says when reminders planned now would reach an employee
// in Zone, under Settings (possibly not saved).
type ArrivalPreview struct {
	Settings *kabinet.NotificationSettings
	Zone     string
	Now      time.Time
	// OneOff is when a one-off reminder HR sends now arrives.
	OneOff time.Time
	// Payslip are the arrivals of the reminders of a payslip published
	// now and not viewed, one per reminder day.
	Payslip []StageArrival
}

// StageArrival is when the reminder of one stage (days) arrives.
type StageArrival struct {
	Days int
	At   time.Time
}

// PreviewArrival says when reminders planned now would reach an employee
// in zone ("" for the settings' zone), with the organisation's settings
// changed by in, which are validated like UpdateSettings but not saved:
// BAD_USER_INPUT listing every invalid field, or for an unknown zone. It
// computes with the dispatcher's own functions (sendAt, payslipDue).
func (s *Service) PreviewArrival(ctx context.Context, orgID string, in SettingsInput, zone string) (*ArrivalPreview, error) {
	cur, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	st, err := merge(cur, in)
	if err != nil {
		return nil, err
	}
	if zone = strings.TrimSpace(zone); zone == "" {
		zone = st.Timezone
	}
	if !kabinet.ValidTimezone(zone) {
		return nil, &kabinet.Error{Code: kabinet.EBADINPUT, Message: "zone " + quoteShort(zone) + " is not a known IANA time zone (e.g. Asia/Vladivostok)",
			Items: []kabinet.ItemError{{Field: "zone", Reason: "not a known IANA time zone"}}}
	}
	w, err := ParseWindow(st.WindowStart, st.WindowEnd)
	if err != nil {
		return nil, err
	}
	loc, now := location(zone), s.now()
	p := &ArrivalPreview{Settings: st, Zone: zone, Now: now,
		OneOff: sendAt(w, now.Add(st.SendDelay), "", st.SendDelay, loc, now)}
	for _, d := range st.PayslipDays {
		p.Payslip = append(p.Payslip, StageArrival{Days: d, At: sendAt(w, payslipDue(now, d, st.SendDelay), "", st.SendDelay, loc, now)})
	}
	return p, nil
}

// DayActivity is one day of the reminders' activity chart, in the
// organisation's reminder zone.
type DayActivity struct {
	Day                string // "2026-11-02"
	Sent, Failed, Held int
}

// ActivityDays is how many days the activity chart shows.
const ActivityDays = 7

// Activity is the reminders' activity of the last ActivityDays days (today
// included) in the organisation's reminder zone, oldest first: deliveries
// sent and failed (FAILED or UNDELIVERABLE) by the day they ended, and
// notifications held by quiet hours by the day they were due — due at an
// instant outside the window in the recipient's zone (the dispatcher's
// zone rule), so sent at the window's next opening. Held is judged with
// the current window: a window changed during the week shifts it.
func (s *Service) Activity(ctx context.Context, orgID string) ([]DayActivity, error) {
	st, w, err := s.schedule(ctx, orgID)
	if err != nil {
		return nil, err
	}
	home := location(st.Timezone)
	now := s.now().In(home)
	y, m, d := now.Date()
	from := time.Date(y, m, d-(ActivityDays-1), 0, 0, 0, 0, home)
	to := time.Date(y, m, d+1, 0, 0, 0, 0, home)
	facts, err := s.Store.ActivityFacts(ctx, orgID, from, to)
	if err != nil {
		return nil, err
	}
	days := make([]DayActivity, ActivityDays)
	index := map[string]int{}
	for i := range days {
		days[i].Day = time.Date(y, m, d-(ActivityDays-1)+i, 0, 0, 0, 0, home).Format(kabinet.DateLayout)
		index[days[i].Day] = i
	}
	add := func(t time.Time, n int, field func(*DayActivity) *int) {
		if i, ok := index[t.In(home).Format(kabinet.DateLayout)]; ok {
			*field(&days[i]) += n
		}
	}
	for _, c := range facts.Sent {
		add(c.Bucket, c.N, func(a *DayActivity) *int { return &a.Sent })
	}
	for _, c := range facts.Failed {
		add(c.Bucket, c.N, func(a *DayActivity) *int { return &a.Failed })
	}
	zones := map[string]*time.Location{}
	for _, g := range facts.Due {
		zone := deliveryZone(&g.Zones)
		loc, ok := zones[zone]
		if !ok {
			loc = location(zone)
			zones[zone] = loc
		}
		due := exactDue(g.Due, g.LocalDate, st.SendDelay, loc)
		if !w.Contains(due, loc) {
			add(due, g.N, func(a *DayActivity) *int { return &a.Held })
		}
	}
	return days, nil
}

// LatestPeriod counts the payslips of the latest published period and the
// unviewed ones (Period "" when nothing is published).
func (s *Service) LatestPeriod(ctx context.Context, orgID string) (*kabinet.PeriodViews, error) {
	return s.Store.PeriodViews(ctx, orgID, "")
}

// SampleParams are the example values TextPreview fills placeholders with.
var SampleParams = map[string]string{"period": "2026-10", "startsOn": "2026-12-01", "endsOn": "2026-12-14",
	"name": "Иванова Ольга", "model": "Pixel 8", "days": "5"}

// TextPreview is what a phone would show for a notification of kind in
// locale with HR's title and body (the built-in text where one is empty),
// with SampleParams: the dispatcher's own filling (fill, DefaultText).
// A text that would be refused (unknown placeholder, too long) is
// BAD_USER_INPUT saying why.
func TextPreview(kind, locale, title, body string) (string, string, error) {
	locale = NormalizeLocale(locale)
	if title != "" || body != "" {
		if msg := checkText(kabinet.NotificationText{Kind: kind, Locale: locale, Title: title, Body: body}); msg != "" {
			return "", "", kabinet.Errorf(kabinet.EBADINPUT, "%s", msg)
		}
	}
	n := &Notification{Kind: kind, Locale: locale, Params: SampleParams, Title: fill(title, SampleParams), Body: fill(body, SampleParams)}
	t, b := n.Text()
	return t, b, nil
}
