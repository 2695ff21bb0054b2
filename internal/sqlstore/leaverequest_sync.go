package sqlstore

import (
	"context"

	"github.com/kabinet/kabinet"
)

// The leave requests an employee sees in sync, read inside the sync's read
// transaction by the kabinet.SyncReader of sync.go: the employee's own requests, and the requests
// routed to them that wait for their decision. A decided request leaves
// its approver's set, and their next sync gets a tombstone for it.
//
// Arguments of seenBy: the organisation, the employee twice, PENDING.
const seenBy = `r.org_id = ? AND (r.employee_id = ? OR (r.approver_id = ? AND r.status = ?))`

func seenArgs(orgID, employeeID string) []any {
	return []any{orgID, employeeID, employeeID, kabinet.LeavePending}
}

// syncLeaveRequests returns the requests of ids that the employee sees, in
// id order.
func syncLeaveRequests(ctx context.Context, tx Tx, orgID, employeeID string, ids []string) ([]*kabinet.LeaveRequest, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := seenArgs(orgID, employeeID)
	for _, id := range ids {
		args = append(args, id)
	}
	return queryAll(ctx, tx, scanLeave, `SELECT `+leaveColumns+` FROM leave_requests r WHERE `+seenBy+
		` AND r.id IN (`+placeholders(len(ids))+`) ORDER BY r.id`, args...)
}

// snapshotLeaveRequests returns the requests the employee sees with an id
// after after, in id order, at most limit; with changedAfter >= 0, those
// with a change after that position are left out (kabinet.SyncReader's
// Snapshot).
func snapshotLeaveRequests(ctx context.Context, tx Tx, orgID, employeeID, after string, changedAfter int64, limit int) ([]*kabinet.LeaveRequest, error) {
	q := `SELECT ` + leaveColumns + ` FROM leave_requests r WHERE ` + seenBy + ` AND r.id > ?`
	args := append(seenArgs(orgID, employeeID), after)
	if changedAfter >= 0 {
		q += unchangedSince(kabinet.EntityLeaveRequest, "r.id")
		args = append(args, employeeID, changedAfter)
	}
	return queryAll(ctx, tx, scanLeave, q+` ORDER BY r.id LIMIT ?`, append(args, limit)...)
}

// leaveRequestIDs lists the ids of every request the employee sees, in
// ascending order.
func leaveRequestIDs(ctx context.Context, tx Tx, orgID, employeeID string) ([]string, error) {
	return queryAll(ctx, tx, scanString, `SELECT r.id FROM leave_requests r WHERE `+seenBy+` ORDER BY r.id`, seenArgs(orgID, employeeID)...)
}
