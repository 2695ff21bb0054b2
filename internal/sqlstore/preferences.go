package sqlstore

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// Notification preferences: one row per employee and category they chose
// (migration 0010); a category without a row is on. Which categories exist
// and which may be turned off is decided in Go (kabinet.NotificationCategories,
// push/preferences.go); the store keeps the choices.

// NotificationPreferences returns the employee's stored choices, category →
// enabled.
func (s *Store) NotificationPreferences(ctx context.Context, orgID, employeeID string) (map[string]bool, error) {
	return readMap(ctx, s, scanPair[bool], `SELECT category, enabled FROM notification_preferences
		WHERE org_id = ? AND employee_id = ?`, orgID, employeeID)
}

// SaveNotificationPreferences stores the employee's choices, category →
// enabled, all in one transaction.
func (s *Store) SaveNotificationPreferences(ctx context.Context, orgID, employeeID string, choices map[string]bool, at time.Time) error {
	return s.run.Write(ctx, func(tx Tx) error {
		for c, on := range choices {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notification_preferences (org_id, employee_id, category, enabled, updated_at)
				VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (employee_id, category) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
				orgID, employeeID, c, on, storecodec.MS(at)); err != nil {
				return err
			}
		}
		return nil
	})
}

// MutedCategories returns, for those of the employees who turned a
// category off, the categories they turned off: one indexed read for a
// batch of recipients (the dispatcher's).
func (s *Store) MutedCategories(ctx context.Context, employeeIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(employeeIDs) == 0 {
		return out, nil
	}
	err := s.run.Read(ctx, func(tx Tx) error {
		clear(out)
		pairs, err := queryAll(ctx, tx, scanPair[string], `SELECT employee_id, category FROM notification_preferences
			WHERE enabled = ? AND employee_id IN (`+placeholders(len(employeeIDs))+`)`, append([]any{false}, anys(employeeIDs)...)...)
		for _, p := range pairs {
			out[p.key] = append(out[p.key], p.val)
		}
		return err
	})
	return out, err
}

// UnviewedPayslipCounts returns, for those of the employees who have any,
// how many of their payslips are neither viewed nor withdrawn (the badge's
// first part): one count per employee over a partial index, for a batch.
func (s *Store) UnviewedPayslipCounts(ctx context.Context, employeeIDs []string) (map[string]int, error) {
	if len(employeeIDs) == 0 {
		return map[string]int{}, nil
	}
	return readMap(ctx, s, scanPair[int], `SELECT employee_id, count(*) FROM payslips
		WHERE viewed_at IS NULL AND retracted_at IS NULL AND employee_id IN (`+placeholders(len(employeeIDs))+`)
		GROUP BY employee_id`, anys(employeeIDs)...)
}

// PendingApprovalCounts returns, for those of the employees who have any,
// how many leave requests wait for their decision (the badge's second
// part): one count per approver over leave_requests_approver, for a batch.
func (s *Store) PendingApprovalCounts(ctx context.Context, employeeIDs []string) (map[string]int, error) {
	if len(employeeIDs) == 0 {
		return map[string]int{}, nil
	}
	return readMap(ctx, s, scanPair[int], `SELECT approver_id, count(*) FROM leave_requests
		WHERE status = ? AND approver_id IN (`+placeholders(len(employeeIDs))+`) GROUP BY approver_id`,
		append([]any{kabinet.LeavePending}, anys(employeeIDs)...)...)
}

// pair is a row of a key and a value.
type pair[V any] struct {
	key string
	val V
}

func scanPair[V any](r scanner) (pair[V], error) {
	var p pair[V]
	return p, r.Scan(&p.key, &p.val)
}

// readMap runs a query of (key, value) rows in a read transaction and
// returns them as a map.
func readMap[V any](ctx context.Context, s *Store, scan func(scanner) (pair[V], error), query string, args ...any) (map[string]V, error) {
	out := map[string]V{}
	err := s.run.Read(ctx, func(tx Tx) error {
		clear(out)
		pairs, err := queryAll(ctx, tx, scan, query, args...)
		for _, p := range pairs {
			out[p.key] = p.val
		}
		return err
	})
	return out, err
}

// anys converts strings to query arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
