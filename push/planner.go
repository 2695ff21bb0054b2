package push

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/payroll"
)

// PlanStore is what planning needs of the store: facts to decide from and
// plain writes of what was decided. Which reminder is due, when and for whom
// is decided here, in Go; an implementation only queries and writes what it
// is told, so a second store (PostgreSQL) holds no copy of a rule.
type PlanStore interface {
	// UnviewedPayslips returns the organisation's payslips that are neither
	// viewed nor withdrawn, narrowed by f.
	UnviewedPayslips(ctx context.Context, orgID string, f kabinet.PayslipFactFilter) ([]kabinet.PayslipFact, error)
	// ActiveVacations returns the organisation's vacations that are not
	// cancelled, narrowed by f, with their employee.
	ActiveVacations(ctx context.Context, orgID string, f kabinet.VacationFactFilter) ([]kabinet.VacationFact, error)
	// OrgChart returns the organisation's departments (with the employee id
	// of each published head) and its head.
	OrgChart(ctx context.Context, orgID string) (*kabinet.OrgChart, error)
	// Reach returns how each of the given employees can be reached; an
	// employee with neither cabinet nor device may be absent.
	Reach(ctx context.Context, orgID string, employeeIDs []string) (map[string]kabinet.Reach, error)
	// BroadcastStages returns the highest stage of the organisation's
	// payslip broadcasts, and the highest stage of a broadcast about period
	// planned after since; 0 for none.
	BroadcastStages(ctx context.Context, orgID, period string, since time.Time) (last, lastOfPeriod int, err error)
	// PlanNotifications writes rows as PLANNED, in one transaction, and
	// returns how many it inserted or changed. A row whose unique key
	// (kind, subject, subject key, stage, recipient) exists is left alone,
	// unless replan is set: then an existing row still PLANNED and unclaimed,
	// or CANCELLED with kabinet.NoteSettingsChanged, takes the new times and
	// params and is PLANNED again. Nothing sent or being sent is touched.
	PlanNotifications(ctx context.Context, orgID string, rows []kabinet.PlannedNotification, replan bool) (int64, error)
	// CancelReminders cancels what is not yet sent of the kinds about the
	// subjects: PLANNED rows, and deliveries not yet handed to a provider.
	// It returns the rows cancelled.
	CancelReminders(ctx context.Context, kinds, subjectIDs []string, note string) (int64, error)
	// CancelOtherKeys cancels the PLANNED rows of the kinds about each
	// subject of keys whose subject key is not keys[subject].
	CancelOtherKeys(ctx context.Context, kinds []string, keys map[string]string, note string) (int64, error)
}

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
	now := s.now()
	switch ev.Kind {
	case payroll.EventPayslips:
		_, err = s.planPayslips(ctx, ev.OrgID, st, ev.IDs, now)
	case payroll.EventVacations:
		_, err = s.planVacations(ctx, ev.OrgID, st, kabinet.VacationFactFilter{IDs: ev.IDs}, now)
	case payroll.EventEmployees:
		// Their department or head mark may have changed: so may their
		// vacations' manager.
		_, err = s.planVacations(ctx, ev.OrgID, st, kabinet.VacationFactFilter{EmployeeIDs: ev.IDs}, now)
	}
	return err
}

// planPayslips (re-)plans the reminders of the given payslips.
func (s *Service) planPayslips(ctx context.Context, orgID string, st *kabinet.NotificationSettings, ids []string, now time.Time) (int64, error) {
	if len(st.PayslipDays) == 0 {
		return 0, nil
	}
	facts, err := s.Store.UnviewedPayslips(ctx, orgID, kabinet.PayslipFactFilter{IDs: ids, PublishedAfter: payslipHorizon(st, now)})
	if err != nil {
		return 0, err
	}
	return s.Store.PlanNotifications(ctx, orgID, payslipReminders(facts, st, now, false), true)
}

// payslipHorizon is the publication time before which a payslip is past
// its last stage: backfilled history gets no reminders.
func payslipHorizon(st *kabinet.NotificationSettings, now time.Time) time.Time {
	last := 0
	for _, d := range st.PayslipDays {
		last = max(last, d)
	}
	return now.Add(-time.Duration(last)*day - st.SendDelay)
}

// payslipReminders are the "not viewed N days after publication" reminders
// of the payslips, one per configured stage (futureOnly: only those not yet
// due). Overdue stages are planned too; the dispatcher sends only the latest.
func payslipReminders(facts []kabinet.PayslipFact, st *kabinet.NotificationSettings, now time.Time, futureOnly bool) []kabinet.PlannedNotification {
	rows := make([]kabinet.PlannedNotification, 0, len(facts)*len(st.PayslipDays))
	params := map[string]string{} // by period: most payslips of a batch share one
	for _, p := range facts {
		ps, ok := params[p.Period]
		if !ok {
			ps = paramsJSON(struct {
				Period string `json:"period"`
			}{p.Period})
			params[p.Period] = ps
		}
		for _, day := range st.PayslipDays {
			due := payslipDue(p.PublishedAt, day, st.SendDelay)
			if futureOnly && !due.After(now) {
				continue
			}
			rows = append(rows, kabinet.PlannedNotification{Kind: kabinet.NotifyPayslipReminder, SubjectID: p.ID, Stage: day,
				RecipientID: p.EmployeeID, EmployeeID: p.EmployeeID, BaseAt: p.PublishedAt, DueAt: due, Params: ps})
		}
	}
	return rows
}

// planVacations (re-)plans the reminders of the vacations f selects;
// reminders planned for an earlier start of a moved vacation are cancelled.
func (s *Service) planVacations(ctx context.Context, orgID string, st *kabinet.NotificationSettings, f kabinet.VacationFactFilter, now time.Time) (int64, error) {
	facts, err := s.Store.ActiveVacations(ctx, orgID, f)
	if err != nil {
		return 0, err
	}
	// A moved vacation is a new reason: its old planned reminders go. A
	// vacation asked for but not found (cancelled) keeps none.
	keys := make(map[string]string, len(facts)+len(f.IDs))
	for _, id := range f.IDs {
		keys[id] = ""
	}
	for _, v := range facts {
		keys[v.ID] = v.StartsOn
	}
	if len(keys) > 0 {
		if _, err := s.Store.CancelOtherKeys(ctx, vacationKinds, keys, "vacation moved"); err != nil {
			return 0, err
		}
	}
	rows, err := s.vacationReminders(ctx, orgID, facts, st, now)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	return s.Store.PlanNotifications(ctx, orgID, rows, true)
}

// vacationReminders are the reminders of the vacations: to the employee and
// to their manager (kabinet.OrgChart), N days before the start, due at local
// midnight of that day in the recipient's zone (refined by the dispatcher),
// for days not yet over anywhere.
func (s *Service) vacationReminders(ctx context.Context, orgID string, facts []kabinet.VacationFact, st *kabinet.NotificationSettings, now time.Time) ([]kabinet.PlannedNotification, error) {
	if len(facts) == 0 || len(st.VacationDays)+len(st.ManagerDays) == 0 {
		return nil, nil
	}
	var chart *kabinet.OrgChart
	if len(st.ManagerDays) > 0 {
		var err error
		if chart, err = s.Store.OrgChart(ctx, orgID); err != nil {
			return nil, err
		}
	}
	cutoff := vacationCutoff(now)
	var rows []kabinet.PlannedNotification
	for _, v := range facts {
		start, err := time.Parse(kabinet.DateLayout, v.StartsOn)
		if err != nil {
			continue // validation keeps malformed dates out
		}
		params := paramsJSON(struct {
			StartsOn string `json:"startsOn"`
			EndsOn   string `json:"endsOn"`
			Name     string `json:"name"`
		}{v.StartsOn, v.EndsOn, strings.TrimSpace(v.LastName + " " + v.FirstName)})
		for _, plan := range []struct {
			kind, recipient string
			days            []int
		}{
			{kabinet.NotifyVacationReminder, v.Employee.ID, st.VacationDays},
			{kabinet.NotifyManagerVacationReminder, managerOf(chart, v.Employee), st.ManagerDays},
		} {
			if plan.recipient == "" {
				continue
			}
			for _, day := range plan.days {
				date := start.AddDate(0, 0, -day).Format(kabinet.DateLayout)
				if date < cutoff {
					continue
				}
				rows = append(rows, kabinet.PlannedNotification{Kind: plan.kind, SubjectID: v.ID, SubjectKey: v.StartsOn, Stage: day,
					RecipientID: plan.recipient, EmployeeID: v.Employee.ID, BaseAt: start, DueAt: earliestDue(date, st.SendDelay),
					LocalDate: date, Params: params})
			}
		}
	}
	return rows, nil
}

func managerOf(chart *kabinet.OrgChart, e kabinet.OrgMember) string {
	if chart == nil {
		return ""
	}
	return chart.ManagerOf(e)
}

// paramsJSON encodes the texts' parameters of a planned notification.
func paramsJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // structs of strings only
	}
	return string(b)
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
	now := s.now()
	row := kabinet.PlannedNotification{Kind: kabinet.NotifyNewDevice, SubjectID: device.ID, RecipientID: employeeID, EmployeeID: employeeID,
		BaseAt: now, DueAt: now, Params: paramsJSON(struct {
			Model    string `json:"model"`
			Platform string `json:"platform"`
		}{device.Model, device.Platform})}
	if _, err := s.Store.PlanNotifications(ctx, orgID, []kabinet.PlannedNotification{row}, false); err != nil {
		a := kabinet.ActorFrom(ctx)
		s.logger().ErrorContext(ctx, "push: plan new-device notice", "request_id", a.RequestID, "err", err)
		return
	}
	s.wake()
}

// broadcastDedup is how long a repeated broadcast of one period is a repeat.
const broadcastDedup = 12 * time.Hour

// RemindUnviewedPayslips plans HR's one-off reminder to every employee who
// has not viewed their payslip of period ("2026-10") and can be reached (an
// active cabinet and a device with a push token), after the send delay and
// inside the window like every reminder, and returns how many were planned.
// Each call is a new broadcast, except a repeat of the same period within
// broadcastDedup (a double click, a retry after a timeout), which plans only
// what the first did not (payslips published since). BAD_USER_INPUT for a
// malformed period.
func (s *Service) RemindUnviewedPayslips(ctx context.Context, orgID, period string) (int, error) {
	b, err := s.broadcast(ctx, orgID, period)
	if err != nil || len(b.rows) == 0 {
		return 0, err
	}
	if skipped := b.unviewed - len(b.rows); skipped > 0 {
		s.logger().InfoContext(ctx, "push: broadcast skips employees who cannot be reached", "org", orgID, "period", b.period,
			"unreachable", skipped)
	}
	n, err := s.Store.PlanNotifications(ctx, orgID, b.rows, false)
	if err != nil {
		return 0, err
	}
	s.wake()
	return int(n), nil
}

// plannedBroadcast is what RemindUnviewedPayslips would plan now: one row
// per unviewed payslip of the period whose employee can be reached.
type plannedBroadcast struct {
	period   string
	unviewed int  // unviewed payslips of the period
	repeat   bool // a broadcast of the period was planned within broadcastDedup
	rows     []kabinet.PlannedNotification
	settings *kabinet.NotificationSettings
}

// broadcast decides the rows of a one-off reminder about period, now.
func (s *Service) broadcast(ctx context.Context, orgID, period string) (*plannedBroadcast, error) {
	period = strings.TrimSpace(period)
	if _, err := time.Parse(kabinet.PeriodLayout, period); err != nil || len(period) != 7 {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "period must be a month, YYYY-MM (got %q)", period)
	}
	st, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	last, repeat, err := s.Store.BroadcastStages(ctx, orgID, period, now.Add(-broadcastDedup))
	if err != nil {
		return nil, err
	}
	b := &plannedBroadcast{period: period, repeat: repeat > 0, settings: st}
	stage := last + 1
	if repeat > 0 {
		stage = repeat // the unique key drops what the first one planned
	}
	facts, err := s.Store.UnviewedPayslips(ctx, orgID, kabinet.PayslipFactFilter{Period: period})
	if err != nil || len(facts) == 0 {
		return b, err
	}
	b.unviewed = len(facts)
	reach, err := s.Store.Reach(ctx, orgID, employeesOf(facts))
	if err != nil {
		return nil, err
	}
	b.rows = make([]kabinet.PlannedNotification, 0, len(facts))
	for _, p := range facts {
		if !reachable(reach[p.EmployeeID]) {
			continue
		}
		b.rows = append(b.rows, kabinet.PlannedNotification{Kind: kabinet.NotifyPayslipBroadcast, SubjectID: p.ID, Stage: stage,
			RecipientID: p.EmployeeID, EmployeeID: p.EmployeeID, BaseAt: now, DueAt: now.Add(st.SendDelay),
			Params: paramsJSON(struct {
				Period string `json:"period"`
			}{p.Period})})
	}
	return b, nil
}

// reachable reports whether a notification planned now can reach the
// employee: an active cabinet and at least one active device with a push
// token. Planning for anyone else would only be cancelled at sending.
func reachable(r kabinet.Reach) bool {
	return r.CabinetStatus == kabinet.CabinetActive && slices.ContainsFunc(r.Devices, func(d kabinet.FanOutDevice) bool { return deliverable(&d) })
}

func employeesOf(facts []kabinet.PayslipFact) []string {
	ids := make([]string, 0, len(facts))
	for _, p := range facts {
		ids = append(ids, p.EmployeeID)
	}
	return ids
}
