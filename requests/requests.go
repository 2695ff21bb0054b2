package requests

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// LeaveStore is what the leave request service needs of the store.
type LeaveStore interface {
	// CreateLeaveRequest writes a new request in one write transaction,
	// unless the employee already used its ClientMutationID: then it
	// returns that request with replayed set (the caller compares
	// content). Inside the transaction it reads the facts of the checks
	// and calls decide, which returns the request to write (or an error,
	// and nothing is written). The creation is recorded in the history and
	// the change log (for the employee and the approver).
	CreateLeaveRequest(ctx context.Context, r *kabinet.LeaveRequest, decide func(kabinet.LeaveRequestFacts) error) (out *kabinet.LeaveRequest, replayed bool, err error)
	// TransitionLeaveRequests locks the organisation's requests of ids
	// (those that exist; nil in their place otherwise), calls decide with
	// them and applies the transitions it returns, in one transaction: each
	// recorded in the history and the change log, with a new position. A
	// transition to the status the request already has changes nothing.
	// decide's error writes nothing.
	TransitionLeaveRequests(ctx context.Context, orgID string, ids []string, decide func([]*kabinet.LeaveRequest) ([]kabinet.LeaveTransition, error)) ([]*kabinet.LeaveRequest, error)
	// LeaveRequest returns one request of the organisation; NOT_FOUND.
	LeaveRequest(ctx context.Context, orgID, id string) (*kabinet.LeaveRequest, error)
	// LeaveRequests lists the organisation's requests f selects, in
	// position order.
	LeaveRequests(ctx context.Context, orgID string, f kabinet.LeaveRequestFilter) ([]*kabinet.LeaveRequest, error)
	// LeaveRequestHistory returns the transitions of the requests, oldest
	// first, by request id.
	LeaveRequestHistory(ctx context.Context, orgID string, ids []string) (map[string][]kabinet.LeaveRequestEvent, error)
	// TeamAbsences lists the requests in one of statuses and the planned
	// vacations of the department's employees other than except that share
	// a day with [from, to]; at most limit of them.
	TeamAbsences(ctx context.Context, orgID, departmentExternalID, except, from, to string, statuses []string, limit int) ([]kabinet.Absence, error)
	// LeaveBalance returns the employee's balance of a leave type; nil when
	// none is published.
	LeaveBalance(ctx context.Context, orgID, employeeID, leaveTypeCode string) (*kabinet.LeaveBalance, error)
	// LeaveRequestSettings returns the organisation's settings (the
	// defaults when it has none); SetLeaveRequestSettings stores them.
	LeaveRequestSettings(ctx context.Context, orgID string) (kabinet.LeaveRequestSettings, error)
	SetLeaveRequestSettings(ctx context.Context, orgID string, s kabinet.LeaveRequestSettings) error

	Employee(ctx context.Context, orgID, id string) (*kabinet.Employee, error)
	EmployeeByExternalID(ctx context.Context, orgID, externalID string) (*kabinet.Employee, error)
	OrgChart(ctx context.Context, orgID string) (*kabinet.OrgChart, error)
	Organization(ctx context.Context, id string) (*kabinet.Organization, error)
}

// LeaveNotifier is told, after the commit, what happened to a request:
// push plans the approver's and the employee's notifications from it.
// Replays and no-op transitions are not told.
type LeaveNotifier interface {
	// LeaveRequested: a new request waits for its approver (none: HR's
	// queue); remindAfter is the organisation's reminder delay (0: none).
	// employeeName is the requester's, for the approver's texts.
	LeaveRequested(ctx context.Context, r *kabinet.LeaveRequest, employeeName string, remindAfter time.Duration)
	// LeaveTransitioned: a request left PENDING, or an approved one was
	// registered or cancelled.
	LeaveTransitioned(ctx context.Context, r *kabinet.LeaveRequest, from string)
}

// Service runs leave requests. Set Store; Clock defaults to the wall
// clock, Notify to nothing.
type Service struct {
	Store  LeaveStore
	Clock  kabinet.Clock
	Notify LeaveNotifier
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return kabinet.SystemClock{}.Now()
	}
	return s.Clock.Now().UTC()
}
