package sqlstore

import (
	"context"

	"github.com/kabinet/kabinet"
)

// The certificate requests an employee sees in sync (their own), read
// inside the sync's read transaction by the kabinet.SyncReader of sync.go,
// like leave requests.

// syncCertificateRequests returns the employee's requests of ids, in id
// order.
func syncCertificateRequests(ctx context.Context, tx Tx, orgID, employeeID string, ids []string) ([]*kabinet.CertificateRequest, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryAll(ctx, tx, scanCertificate, `SELECT `+certificateColumns+certificateFrom+`
		WHERE c.org_id = ? AND c.employee_id = ? AND c.id IN (`+placeholders(len(ids))+`) ORDER BY c.id`,
		append([]any{orgID, employeeID}, anys(ids)...)...)
}

// snapshotCertificateRequests returns the employee's requests with an id
// after after, in id order, at most limit; with changedAfter >= 0, those
// with a change after that position are left out (kabinet.SyncReader's
// Snapshot).
func snapshotCertificateRequests(ctx context.Context, tx Tx, orgID, employeeID, after string, changedAfter int64, limit int) ([]*kabinet.CertificateRequest, error) {
	q := `SELECT ` + certificateColumns + certificateFrom + ` WHERE c.org_id = ? AND c.employee_id = ? AND c.id > ?`
	args := []any{orgID, employeeID, after}
	if changedAfter >= 0 {
		q += unchangedSince(kabinet.EntityCertificateRequest, "c.id")
		args = append(args, employeeID, changedAfter)
	}
	return queryAll(ctx, tx, scanCertificate, q+` ORDER BY c.id LIMIT ?`, append(args, limit)...)
}

// certificateRequestIDs lists the ids of every request of the employee, in
// ascending order.
func certificateRequestIDs(ctx context.Context, tx Tx, orgID, employeeID string) ([]string, error) {
	return queryAll(ctx, tx, scanString, `SELECT c.id FROM certificate_requests c WHERE c.org_id = ? AND c.employee_id = ? ORDER BY c.id`, orgID, employeeID)
}
