package kabinet

import (
	"context"
	"time"
)

// Record types of the change log and of sync tombstones (docs/contract.md §Enums,
// TombstoneType).
const (
	EntityPayslip      = "PAYSLIP"
	EntityLeaveBalance = "LEAVE_BALANCE"
	EntityVacation     = "VACATION"
	EntityLeaveRequest = "LEAVE_REQUEST"
)

// EntityRank orders the record types in a full sync: payslips, then leave
// balances, then vacations, then leave requests, then certificate
// requests. Unknown types rank last.
func EntityRank(entity string) int {
	switch entity {
	case EntityPayslip:
		return 0
	case EntityLeaveBalance:
		return 1
	case EntityVacation:
		return 2
	case EntityLeaveRequest:
		return 3
	case EntityCertificateRequest:
		return 4
	}
	return 5
}

// RecordRef names one record an employee sees.
type RecordRef struct {
	Entity string // EntityPayslip, EntityLeaveBalance or EntityVacation
	ID     string
}

// Tombstone tells a phone to delete its copy of a record that was withdrawn
// (retracted, cancelled or moved to another employee).
type Tombstone struct {
	Type string // an Entity* value
	ID   string
}

// SyncHead is the state of the change log in a read snapshot.
type SyncHead struct {
	// Seq is the high-water mark: the position of the last committed change
	// of any employee (or the floor, when everything was compacted).
	Seq int64
	// Floor is the retention floor: every change at or below it was
	// compacted away.
	Floor int64
	// Pending reports whether the employee has a change after the position
	// the head was asked about.
	Pending bool
}

// SyncChange is a record with a change in the asked range, at its last
// change there.
type SyncChange struct {
	Seq int64
	RecordRef
}

// SyncRecords are current records of one employee.
type SyncRecords struct {
	Payslips      []*Payslip
	LeaveBalances []*LeaveBalance
	Vacations     []*Vacation
	// LeaveRequests are the employee's own requests and those waiting for
	// their decision.
	LeaveRequests []*LeaveRequest
	// CertificateRequests are the employee's own certificate requests.
	CertificateRequests []*CertificateRequest
}

// Len is the number of records.
func (r *SyncRecords) Len() int {
	return len(r.Payslips) + len(r.LeaveBalances) + len(r.Vacations) + len(r.LeaveRequests) + len(r.CertificateRequests)
}

// SyncIDs are the ids of every record an employee currently sees, per
// collection, each in ascending byte order.
type SyncIDs struct {
	Payslips      []string
	LeaveBalances []string
	Vacations     []string
	LeaveRequests []string
	// CertificateRequests are the employee's own.
	CertificateRequests []string
}

// SyncReader reads one employee's change log and records inside one read
// transaction: every call sees the same committed snapshot. It is bound to
// an organisation and employee and returns nothing of anyone else.
type SyncReader interface {
	// Head returns the high-water mark and retention floor, and whether the
	// employee has a change after position after. One indexed lookup.
	Head(ctx context.Context, after int64) (SyncHead, error)
	// Changes lists the employee's records with a change in (after, upTo],
	// each once, at its last change in that range, ordered by that change;
	// at most limit of them.
	Changes(ctx context.Context, after, upTo int64, limit int) ([]SyncChange, error)
	// Records returns the current state of the named records that the
	// employee still sees (not retracted, cancelled or moved away).
	Records(ctx context.Context, refs []RecordRef) (SyncRecords, error)
	// Snapshot lists the employee's current records whose (type rank, id)
	// is after the given one, in that order; at most limit of them. A zero
	// RecordRef starts at the beginning. With changedAfter >= 0, records
	// with a change after that position are left out (a catch-up from it
	// sends them).
	Snapshot(ctx context.Context, after RecordRef, changedAfter int64, limit int) (SyncRecords, error)
	// IDs lists the ids of every record the employee currently sees.
	IDs(ctx context.Context) (SyncIDs, error)
}

// PayslipView is an offline "payslip viewed" action of an employee.
type PayslipView struct {
	OrgID            string
	EmployeeID       string
	PayslipID        string
	ClientMutationID string
	// ViewedAt is already clamped to the server's now; the store raises it
	// to the publication time when earlier.
	ViewedAt time.Time
}
