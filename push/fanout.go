package push

import "github.com/kabinet/kabinet"

// Why a notification reached no device, and why a waiting delivery of an
// earlier stage (or a claimed earlier stage itself, reasonGone) is not sent.
const (
	noteNoDevice  = "no device with a push token"
	errSuperseded = "superseded by a later stage"
)

// fanOut decides what expanding claimed notifications writes, from the
// facts the store read in ApplyOutbox's transaction; this is the one place
// these rules are written, for every store (docs/product.md §Delivery,
// §Features):
//
//   - every active device of the recipient that has a push token gets one
//     delivery, but a new-device notice never goes to the new device itself
//     (it is announced on the employee's other devices);
//   - a notification with no such device is settled NO_DEVICE, the others
//     DISPATCHED;
//   - an expanded payslip reminder cancels the deliveries of its earlier
//     stages that still wait (after downtime or retries only the latest
//     stage goes out).
//
// Its cost is linear in the facts.
func fanOut(f *kabinet.FanOutFacts) kabinet.FanOut {
	var out kabinet.FanOut
	supersedes := make(map[string]bool)
	for _, n := range f.Notifications {
		before := len(out.Deliveries)
		for _, d := range f.Devices[n.RecipientID] {
			if receives(&n, &d) {
				out.Deliveries = append(out.Deliveries, kabinet.NewDelivery{NotificationID: n.ID, OrgID: n.OrgID,
					DeviceID: d.ID, Platform: d.Platform, Provider: d.Provider})
			}
		}
		if len(out.Deliveries) > before {
			out.Settled = append(out.Settled, kabinet.SettledOutbox{ID: n.ID, Status: kabinet.OutboxDispatched})
		} else {
			out.Settled = append(out.Settled, kabinet.SettledOutbox{ID: n.ID, Status: kabinet.OutboxNoDevice, Note: noteNoDevice})
		}
		if n.Kind == kabinet.NotifyPayslipReminder {
			supersedes[n.ID] = true
		}
	}
	cancelled := make(map[string]bool)
	for _, w := range f.Waiting {
		if supersedes[w.NotificationID] && !cancelled[w.ID] {
			cancelled[w.ID] = true
			out.Cancel = append(out.Cancel, kabinet.CancelDelivery{ID: w.ID, Error: errSuperseded})
		}
	}
	return out
}

// receives tells whether device d gets notification n: it can receive
// notifications, and is not the subject of a new-device notice.
func receives(n *kabinet.FanOutNotification, d *kabinet.FanOutDevice) bool {
	return deliverable(d) && !(n.Kind == kabinet.NotifyNewDevice && d.ID == n.SubjectID)
}

// deliverable tells whether device d can receive notifications: it is
// active (not revoked) and has a push token.
func deliverable(d *kabinet.FanOutDevice) bool {
	return !d.Revoked && d.Provider != ""
}
