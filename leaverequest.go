package kabinet

import "time"

// Leave request statuses (docs/product.md §Leave requests). The transitions
// between them are one table, in package requests.
const (
	LeavePending    = "PENDING"
	LeaveApproved   = "APPROVED"
	LeaveRejected   = "REJECTED"
	LeaveWithdrawn  = "WITHDRAWN"
	LeaveRegistered = "REGISTERED"
	LeaveCancelled  = "CANCELLED"
)

// Who made a transition of a leave request (LeaveRequestEvent.Actor).
const (
	LeaveActorEmployee     = "EMPLOYEE"     // the requester
	LeaveActorApprover     = "APPROVER"     // the manager it was routed to
	LeaveActorOrganization = "ORGANIZATION" // HR or the payroll system, with the organisation's key
)

// LeaveRequest is an employee's request for leave (заявление на отпуск).
type LeaveRequest struct {
	ID                 string
	OrgID              string
	EmployeeID         string
	EmployeeExternalID string
	LeaveTypeCode      string
	LeaveTypeTitle     string
	StartsOn, EndsOn   string // dates, "2026-12-01"
	Days               int    // calendar days from StartsOn to EndsOn, both included
	Comment            string
	Status             string // a Leave* status
	// ApproverID is the employee the request is routed to; "" when it is in
	// HR's queue (the employee has no manager who can decide).
	ApproverID      string
	DecidedAt       *time.Time
	DecisionComment string
	// Warnings are what the checks found but did not refuse (a balance that
	// would go negative); HR decides.
	Warnings []string
	// ClientMutationID and Fingerprint make a replayed create harmless.
	ClientMutationID string
	Fingerprint      string
	// Position orders the organisation's requests by their last transition
	// (the payroll pull's cursor).
	Position  int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// LeaveRequestEvent is one recorded transition of a leave request: who,
// when, why.
type LeaveRequestEvent struct {
	RequestID       string
	From, To        string // From is "" for the creation
	Actor           string // a LeaveActor* value
	ActorEmployeeID string // the employee who acted; "" for the organisation
	Comment         string
	At              time.Time
}

// LeaveTransition is a change of a leave request's status as the service
// decided it; the store applies it as told.
type LeaveTransition struct {
	ID              string
	To              string
	Actor           string
	ActorEmployeeID string
	Comment         string
	// Decision marks an approval or a rejection: DecidedAt and
	// DecisionComment are set from it.
	Decision bool
}

// LeaveRequestFacts are what the checks of a new leave request are decided
// from, read by the store in the transaction that writes it.
type LeaveRequestFacts struct {
	// LeaveTypeTitle is the type's title as published in any balance of the
	// organisation; "" when the organisation published no such type.
	LeaveTypeTitle string
	// Balance is the employee's balance of the type; nil when none.
	Balance *LeaveBalance
	// DaysByStatus are the days of the employee's other requests of the
	// type, by status (the service decides which the balance does not count
	// yet).
	DaysByStatus map[string]int
	// Overlaps are the employee's requests (of any status) and planned
	// vacations that share a day with the new one; at most MaxOverlaps.
	Overlaps []Absence
}

// MaxOverlaps bounds LeaveRequestFacts.Overlaps: enough to name the
// conflicts, however many requests an employee has.
const MaxOverlaps = 20

// Absence is a time an employee is (or asks to be) away: a live leave
// request or a planned vacation.
type Absence struct {
	EmployeeID         string
	EmployeeExternalID string
	LastName           string
	FirstName          string
	Kind               string // EntityVacation or EntityLeaveRequest
	ID                 string
	StartsOn, EndsOn   string
	Status             string // the request's status; "" for a vacation
}

// LeaveRequestFilter narrows HR's and the payroll system's listing. Zero
// values match everything.
type LeaveRequestFilter struct {
	Status     string
	EmployeeID string
	ApproverID string // with PendingOnly: what awaits this approver
	HRQueue    bool   // only requests routed to HR
	After      int64  // positions after this one
	Limit      int
}

// LeaveRequestSettings are an organisation's rules for leave requests.
type LeaveRequestSettings struct {
	// PastGraceDays is how many days before today a request may start
	// (leave already taken, asked for afterwards).
	PastGraceDays int
	// ReminderHours: the approver is reminded when a request has waited
	// this long; 0 turns the reminder off.
	ReminderHours int
	UpdatedAt     time.Time
}

// DefaultLeaveRequestSettings are the settings of an organisation that has
// not changed them.
var DefaultLeaveRequestSettings = LeaveRequestSettings{PastGraceDays: 3, ReminderHours: 24}
