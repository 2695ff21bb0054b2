package push

import (
	"context"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/payroll"
)

var (
	payslipKinds  = []string{kabinet.NotifyPayslipReminder, kabinet.NotifyPayslipBroadcast}
	vacationKinds = []string{kabinet.NotifyVacationReminder, kabinet.NotifyManagerVacationReminder}
)

// Published plans and cancels reminders after a publication was committed
// (payroll.Listener): new and corrected payslips and vacations are
// (re-)planned, withdrawn payslips and cancelled vacations lose what is not
// yet sent, and changed employees get their vacations' manager reminders
// re-planned. Planning is idempotent, so a retried event does no harm;
// failures are logged (the publication stands, and the dispatcher re-checks
// every reason before sending anyway).
func (s *Service) Published(ctx context.Context, ev payroll.Event) {
	if len(ev.IDs) == 0 {
		return
	}
	err := s.published(ctx, ev)
	if err != nil {
		a := kabinet.ActorFrom(ctx)
		s.logger().ErrorContext(ctx, "push: planning after publication failed", "request_id", a.RequestID, "org", ev.OrgID, "kind", ev.Kind, "err", err)
		return
	}
	s.wake()
}

func (s *Service) published(ctx context.Context, ev payroll.Event) error {
	switch ev.Kind {
	case payroll.EventRetracted:
		_, err := s.Store.CancelReminders(ctx, payslipKinds, ev.IDs, "payslip withdrawn")
		return err
	case payroll.EventCancelled:
		_, err := s.Store.CancelReminders(ctx, vacationKinds, ev.IDs, "vacation cancelled")
		return err
	case payroll.EventPayslips, payroll.EventVacations, payroll.EventEmployees:
	default:
		return nil
	}
	st, err := s.Settings(ctx, ev.OrgID)
	if err != nil {
		return err
	}
	switch ev.Kind {
	case payroll.EventPayslips:
		_, err = s.Store.PlanPayslipReminders(ctx, ev.OrgID, st, ev.IDs)
	case payroll.EventVacations:
		_, err = s.Store.PlanVacationReminders(ctx, ev.OrgID, st, ev.IDs)
	case payroll.EventEmployees:
		_, err = s.Store.PlanVacationRemindersOf(ctx, ev.OrgID, st, ev.IDs)
	}
	return err
}

// PayslipViewed cancels the payslip's reminders that are not yet sent. The
// sync service calls it after markPayslipViewed; it is idempotent.
func (s *Service) PayslipViewed(ctx context.Context, orgID, employeeID, payslipID string) {
	if _, err := s.Store.CancelReminders(ctx, payslipKinds, []string{payslipID}, "payslip viewed"); err != nil {
		a := kabinet.ActorFrom(ctx)
		s.logger().ErrorContext(ctx, "push: cancel reminders of a viewed payslip", "request_id", a.RequestID, "err", err)
	}
}

// NewDeviceSignIn plans the "signed in on a new device" notice to the
// employee's other devices (auth.NewDeviceNotifier). It is sent at once,
// inside the window, without the organisation's send delay.
func (s *Service) NewDeviceSignIn(ctx context.Context, orgID, employeeID string, device *kabinet.Device, otherDeviceIDs []string) {
	if len(otherDeviceIDs) == 0 {
		return
	}
	if err := s.Store.PlanNewDevice(ctx, orgID, employeeID, device); err != nil {
		a := kabinet.ActorFrom(ctx)
		s.logger().ErrorContext(ctx, "push: plan new-device notice", "request_id", a.RequestID, "err", err)
		return
	}
	s.wake()
}

// RemindUnviewedPayslips plans HR's one-off reminder to every employee who
// has not viewed their payslip of period ("2026-10"), after the send delay
// and inside the window like every reminder, and returns how many were
// planned. BAD_USER_INPUT for a malformed period.
func (s *Service) RemindUnviewedPayslips(ctx context.Context, orgID, period string) (int, error) {
	period = strings.TrimSpace(period)
	if _, err := time.Parse(kabinet.PeriodLayout, period); err != nil || len(period) != 7 {
		return 0, kabinet.Errorf(kabinet.EBADINPUT, "period must be a month, YYYY-MM (got %q)", period)
	}
	st, err := s.Settings(ctx, orgID)
	if err != nil {
		return 0, err
	}
	n, err := s.Store.PlanPayslipBroadcast(ctx, orgID, period, st.SendDelay)
	if err != nil {
		return 0, err
	}
	s.wake()
	return int(n), nil
}

// Deliveries is HR's delivery log: the organisation's notifications (of one
// employee when employeeExternalID is set), newest first, with every
// attempt. NOT_FOUND for an unknown employee.
func (s *Service) Deliveries(ctx context.Context, orgID, employeeExternalID string, limit int) ([]*kabinet.Delivery, error) {
	var empID string
	if employeeExternalID != "" {
		e, err := s.Store.EmployeeByExternalID(ctx, orgID, employeeExternalID)
		if err != nil {
			return nil, err
		}
		empID = e.ID
	}
	st, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	w, err := ParseWindow(st.WindowStart, st.WindowEnd)
	if err != nil {
		return nil, err
	}
	return s.Store.DeliveryLog(ctx, orgID, empID, limit, func(due, notBefore time.Time, localDate, zone string) time.Time {
		loc := location(zone)
		exact := exactDue(due, localDate, st.SendDelay, loc)
		return deliverAt(w, later(exact, notBefore), loc)
	})
}
