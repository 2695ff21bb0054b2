package push

import (
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
)

// notification builds the message for one delivery: HR's text for the kind
// and locale if any, else none (the payload builders then use the localized
// defaults, Notification.Text); a deep
// link to the record; a collapse key per reason, so a newer reminder (a
// later stage, HR's one-off, a resend after a crash) replaces the older one
// on the lock screen; an expiry; the badge (what waits for the recipient,
// Dispatcher.Waiting), on both platforms.
func (d *Dispatcher) notification(it *kabinet.DeliveryItem, s *kabinet.NotificationSettings, loc *time.Location, now time.Time, badge *int) *Notification {
	params := make(map[string]string, len(it.Params)+1)
	for k, v := range it.Params {
		params[k] = v
	}
	params["days"] = strconv.Itoa(it.Stage)
	n := &Notification{
		ID: it.ID, Kind: it.Kind, Provider: it.Provider, Token: it.Token, Locale: d.Locale,
		Params: params, Priority: PriorityNormal, Expiry: now.Add(24 * time.Hour),
	}
	switch it.Kind {
	case kabinet.NotifyPayslipReminder, kabinet.NotifyPayslipBroadcast:
		n.DeepLink, n.CollapseKey = "kabinet://payslips/"+it.SubjectID, "payslip:"+it.SubjectID
	case kabinet.NotifyVacationReminder:
		n.DeepLink, n.CollapseKey = "kabinet://vacations/"+it.SubjectID, "vacation:"+it.SubjectID
	case kabinet.NotifyManagerVacationReminder:
		n.DeepLink, n.CollapseKey = "kabinet://vacations/"+it.SubjectID, "team-vacation:"+it.SubjectID
	case kabinet.NotifyNewDevice:
		n.DeepLink, n.CollapseKey = "kabinet://devices", "device:"+it.SubjectID
	case kabinet.NotifyCertificateReady:
		n.DeepLink, n.CollapseKey = "kabinet://certificates/"+it.SubjectID, "certificate:"+it.SubjectID
	case kabinet.NotifyLeaveApproval, kabinet.NotifyLeaveApprovalReminder:
		// The reminder replaces the first notice on the lock screen.
		n.DeepLink, n.CollapseKey = "kabinet://leave-requests/"+it.SubjectID, "leave-approval:"+it.SubjectID
	case kabinet.NotifyLeaveDecision:
		n.DeepLink, n.CollapseKey = "kabinet://leave-requests/"+it.SubjectID, "leave:"+it.SubjectID
	}
	if it.LocalDate != "" {
		if end := endOfDay(it.LocalDate, loc); !end.IsZero() {
			n.Expiry = end
		}
	}
	n.Badge = badge
	for _, t := range s.Texts {
		if t.Kind == it.Kind && t.Locale == n.Locale {
			n.Title, n.Body = fill(t.Title, params), fill(t.Body, params)
			return n
		}
	}
	return n
}

// fill replaces {name} placeholders with params.
func fill(text string, params map[string]string) string {
	if !strings.Contains(text, "{") {
		return text
	}
	pairs := make([]string, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}
