package push

import (
	"strings"
	"time"

	"github.com/kabinet/kabinet"
)

// reasonGone is why a notification's reason no longer holds at send time,
// "" if it still holds (docs/product.md §Reminders: a reminder whose reason
// is gone is not sent). The store reads the facts when it claims the row;
// this is the one place the rule is written, for every store.
func reasonGone(kind string, f *kabinet.ReasonFacts, now time.Time) string {
	if f.DismissedOn != "" && f.DismissedOn < now.UTC().Format(time.DateOnly) {
		return "recipient dismissed"
	}
	switch kind {
	case kabinet.NotifyPayslipReminder, kabinet.NotifyPayslipBroadcast:
		switch {
		case !f.PayslipFound:
			return "payslip gone"
		case f.PayslipRetracted:
			return "payslip withdrawn"
		case f.PayslipViewed:
			return "payslip viewed"
		case f.PayslipEmployeeID != f.EmployeeID:
			return "payslip moved to another employee"
		case kind == kabinet.NotifyPayslipReminder && f.LaterStageDue:
			// After downtime only the latest overdue stage goes out.
			return errSuperseded
		}
	case kabinet.NotifyVacationReminder, kabinet.NotifyManagerVacationReminder:
		switch {
		case !f.VacationFound:
			return "vacation gone"
		case f.VacationCancelled:
			return "vacation cancelled"
		case f.VacationStartsOn != f.SubjectKey || f.VacationEmployeeID != f.EmployeeID:
			return "vacation moved"
		}
	case kabinet.NotifyLeaveApproval, kabinet.NotifyLeaveApprovalReminder:
		// Cancelled when the request leaves PENDING (LeaveTransitioned);
		// checked again here in case that did not happen (a crash between
		// the decision's commit and the cancellation).
		switch {
		case !f.LeaveFound:
			return "request gone"
		case f.LeaveStatus != kabinet.LeavePending:
			return "request " + strings.ToLower(f.LeaveStatus)
		}
	case kabinet.NotifyLeaveDecision:
		// An approval later cancelled by HR is not told as an approval: the
		// cancellation's own notice follows. A registration by payroll
		// leaves the approval standing.
		switch {
		case !f.LeaveFound:
			return "request gone"
		case f.LeaveStatus == kabinet.LeaveCancelled && f.SubjectKey != kabinet.LeaveCancelled:
			return "request cancelled"
		}
	}
	return mutedGone(kind, f.Muted)
}

// deliveryZone is the zone a notification is delivered in: the employee's
// own, else their device's, else the zone of the organisation's reminder
// settings, else the organisation's.
func deliveryZone(f *kabinet.ReasonFacts) string {
	for _, z := range []string{f.EmployeeZone, f.DeviceZone, f.SettingsZone} {
		if z != "" {
			return z
		}
	}
	return f.OrgZone
}
