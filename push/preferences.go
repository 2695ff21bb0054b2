package push

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
)

// Notification preferences (docs/product.md §Notification preferences):
// an employee turns categories of notifications on or off in the app; the
// categories that carry a legal duty or a security signal cannot be turned
// off (kabinet.NotificationCategories). The dispatcher honours the choice
// when it sends, not when it plans: a reminder planned while a category was
// on is not sent once it is off, and one planned while it was off goes out
// if it is on again by then.

// PreferenceStore is what preferences need of the store.
type PreferenceStore interface {
	// NotificationPreferences returns the employee's stored choices,
	// category → enabled; a category without one is on.
	NotificationPreferences(ctx context.Context, orgID, employeeID string) (map[string]bool, error)
	// SaveNotificationPreferences stores choices, all in one transaction.
	SaveNotificationPreferences(ctx context.Context, orgID, employeeID string, choices map[string]bool, at time.Time) error
}

// RecipientStore is what the dispatcher reads of a claimed batch's
// recipients, once per batch (not per notification or device).
type RecipientStore interface {
	// MutedCategories returns, for those of the employees who turned a
	// category off, the categories they turned off.
	MutedCategories(ctx context.Context, employeeIDs []string) (map[string][]string, error)
}

// WaitingCount counts, for each of the employees, things that wait for
// them (unviewed payslips, approvals to do); an employee with none may be
// left out. The badge is the sum of the dispatcher's WaitingCounts.
type WaitingCount func(ctx context.Context, employeeIDs []string) (map[string]int, error)

// PreferenceInput is an employee's choice for one category.
type PreferenceInput struct {
	Kind    string // a kabinet.Category* value
	Enabled bool
}

// Preferences returns the employee's choice for every category, in the
// order the app shows them, with whether it may be turned off.
func (s *Service) Preferences(ctx context.Context, orgID, employeeID string) ([]*kabinet.NotificationPreference, error) {
	if orgID == "" || employeeID == "" {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "notification preferences are an employee's")
	}
	stored, err := s.Store.NotificationPreferences(ctx, orgID, employeeID)
	if err != nil {
		return nil, err
	}
	out := make([]*kabinet.NotificationPreference, 0, len(kabinet.NotificationCategories))
	for _, c := range kabinet.NotificationCategories {
		on, chosen := stored[c.Code]
		out = append(out, &kabinet.NotificationPreference{Kind: c.Code, Enabled: c.Mandatory || !chosen || on, Mandatory: c.Mandatory, Why: c.Why})
	}
	return out, nil
}

// UpdatePreferences stores the employee's choices and returns every
// category's. Categories not named keep their choice. BAD_USER_INPUT,
// listing every bad item in Items, for an unknown category, one named
// twice, or a mandatory one turned off; nothing is stored then.
func (s *Service) UpdatePreferences(ctx context.Context, orgID, employeeID string, in []PreferenceInput) ([]*kabinet.NotificationPreference, error) {
	if orgID == "" || employeeID == "" {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "notification preferences are an employee's")
	}
	bad := kabinet.NewBatchError("notification preferences")
	if len(in) > len(kabinet.NotificationCategories) {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "at most %d preferences, one per kind", len(kabinet.NotificationCategories))
	}
	choices := make(map[string]bool, len(in))
	for i, p := range in {
		c, ok := kabinet.Category(p.Kind)
		_, twice := choices[p.Kind]
		switch {
		case !ok:
			bad.Add(i, "", "kind", "unknown kind %q", p.Kind)
		case twice:
			bad.Add(i, "", "kind", "%s is named twice", p.Kind)
		case c.Mandatory && !p.Enabled:
			bad.Add(i, "", "enabled", "%s", c.Why)
		}
		choices[p.Kind] = p.Enabled
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	if err := s.Store.SaveNotificationPreferences(ctx, orgID, employeeID, choices, s.Clock.Now()); err != nil {
		return nil, err
	}
	return s.Preferences(ctx, orgID, employeeID)
}

// mutedGone is why a notification of kind is not sent to a recipient who
// turned off the categories muted, "" if it is sent: its category is off
// and may be turned off (a category made mandatory later overrides an
// earlier choice).
func mutedGone(kind string, muted []string) string {
	cat := kabinet.CategoryOf(kind)
	if cat == "" || !slices.Contains(muted, cat) {
		return ""
	}
	if c, _ := kabinet.Category(cat); c.Mandatory {
		return ""
	}
	return "the recipient turned off " + strings.ToLower(strings.ReplaceAll(cat, "_", " ")) + " in the app"
}

// recipients is what the dispatcher read of a batch's recipients.
type recipients struct {
	muted   map[string][]string
	waiting map[string]int // the badge
}

// readRecipients reads what a batch needs of its recipients, one read per
// store method: the muted categories and, when badge is set, the waiting
// counts.
func (d *Dispatcher) readRecipients(ctx context.Context, ids []string, badge bool) (recipients, error) {
	var r recipients
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if d.Recipients != nil {
		m, err := d.Recipients.MutedCategories(ctx, ids)
		if err != nil {
			return r, err
		}
		r.muted = m
	}
	if badge && len(d.Waiting) > 0 {
		r.waiting = make(map[string]int, len(ids))
		for _, count := range d.Waiting {
			m, err := count(ctx, ids)
			if err != nil {
				return r, err
			}
			for id, n := range m {
				r.waiting[id] += n
			}
		}
	}
	return r, nil
}

// badge is the recipient's badge: nil when the dispatcher counts nothing.
func (r recipients) badge(recipientID string) *int {
	if r.waiting == nil {
		return nil
	}
	n := r.waiting[recipientID]
	return &n
}

func outboxRecipients(items []*kabinet.OutboxItem) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.RecipientID
	}
	return ids
}

func deliveryRecipients(items []*kabinet.DeliveryItem) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.RecipientID
	}
	return ids
}
