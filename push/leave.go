package push

import (
	"context"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
)

// leaveApprovalKinds are what an approver gets about a pending request.
var leaveApprovalKinds = []string{kabinet.NotifyLeaveApproval, kabinet.NotifyLeaveApprovalReminder}

// leaveParams are the texts' parameters of a leave request's notifications.
type leaveParams struct {
	Name     string `json:"name,omitempty"`
	StartsOn string `json:"startsOn"`
	EndsOn   string `json:"endsOn"`
	Status   string `json:"status,omitempty"`
}

// LeaveRequested plans, after a new request was committed
// (requests.LeaveNotifier), the approver's notice (after the send delay)
// and, with remindAfter set, their reminder when the request still waits
// that long after it was made. Both go out inside the delivery window like
// every reminder, once (the outbox's unique key), and are cancelled when
// the request is decided or withdrawn. A request in HR's queue (no
// approver) plans nothing: HR sees it in the API.
func (s *Service) LeaveRequested(ctx context.Context, r *kabinet.LeaveRequest, employeeName string, remindAfter time.Duration) {
	if r.ApproverID == "" {
		return
	}
	st, err := s.Settings(ctx, r.OrgID)
	if err != nil {
		s.leaveFailed(ctx, "plan leave approval notice", err)
		return
	}
	now := s.now()
	params := paramsJSON(leaveParams{Name: employeeName, StartsOn: r.StartsOn, EndsOn: r.EndsOn})
	rows := []kabinet.PlannedNotification{{Kind: kabinet.NotifyLeaveApproval, SubjectID: r.ID, RecipientID: r.ApproverID,
		EmployeeID: r.EmployeeID, BaseAt: now, DueAt: now.Add(st.SendDelay), Params: params}}
	if remindAfter > 0 {
		rows = append(rows, kabinet.PlannedNotification{Kind: kabinet.NotifyLeaveApprovalReminder, SubjectID: r.ID,
			Stage: int(remindAfter / time.Hour), RecipientID: r.ApproverID, EmployeeID: r.EmployeeID, BaseAt: r.CreatedAt,
			DueAt: r.CreatedAt.Add(remindAfter), Params: params})
	}
	if _, err := s.Store.PlanNotifications(ctx, r.OrgID, rows, false); err != nil {
		s.leaveFailed(ctx, "plan leave approval notice", err)
		return
	}
	s.wake()
}

// LeaveTransitioned follows a request's transition (requests.LeaveNotifier):
// a request that left PENDING cancels what its approver has not yet been
// sent; an approval, a rejection or HR's cancellation is told to the
// employee (once per outcome: the outcome is the subject key).
func (s *Service) LeaveTransitioned(ctx context.Context, r *kabinet.LeaveRequest, from string) {
	if from == kabinet.LeavePending {
		if _, err := s.Store.CancelReminders(ctx, leaveApprovalKinds, []string{r.ID}, "request "+strings.ToLower(r.Status)); err != nil {
			s.leaveFailed(ctx, "cancel leave approval notices", err)
		}
	}
	switch r.Status {
	case kabinet.LeaveApproved, kabinet.LeaveRejected, kabinet.LeaveCancelled:
	default:
		return
	}
	st, err := s.Settings(ctx, r.OrgID)
	if err != nil {
		s.leaveFailed(ctx, "plan leave decision notice", err)
		return
	}
	now := s.now()
	row := kabinet.PlannedNotification{Kind: kabinet.NotifyLeaveDecision, SubjectID: r.ID, SubjectKey: r.Status,
		RecipientID: r.EmployeeID, EmployeeID: r.EmployeeID, BaseAt: now, DueAt: now.Add(st.SendDelay),
		Params: paramsJSON(leaveParams{StartsOn: r.StartsOn, EndsOn: r.EndsOn, Status: r.Status})}
	if _, err := s.Store.PlanNotifications(ctx, r.OrgID, []kabinet.PlannedNotification{row}, false); err != nil {
		s.leaveFailed(ctx, "plan leave decision notice", err)
		return
	}
	s.wake()
}

// leaveFailed logs a planning failure: the request's change stands, and
// the phones still see it at their next sync.
func (s *Service) leaveFailed(ctx context.Context, what string, err error) {
	a := kabinet.ActorFrom(ctx)
	s.logger().ErrorContext(ctx, "push: "+what, "request_id", a.RequestID, "err", err)
}
