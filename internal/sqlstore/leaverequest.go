package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// leaveColumns are a leave request's columns, r being leave_requests. The
// employee's external id comes from a scalar subquery rather than a join,
// so that a locking read locks the request row only.
const leaveColumns = `r.id, r.org_id, r.employee_id, (SELECT e.external_id FROM employees e WHERE e.id = r.employee_id),
	r.leave_type_code, r.leave_type_title, r.starts_on, r.ends_on, r.days, r.comment, r.status, r.approver_id,
	r.decided_at, r.decision_comment, r.warnings, r.client_mutation_id, r.fingerprint, r.position, r.created_at, r.updated_at`

func scanLeave(s scanner) (*kabinet.LeaveRequest, error) {
	r := &kabinet.LeaveRequest{}
	var decided sql.NullInt64
	var warnings string
	var created, updated int64
	if err := s.Scan(&r.ID, &r.OrgID, &r.EmployeeID, &r.EmployeeExternalID, &r.LeaveTypeCode, &r.LeaveTypeTitle,
		&r.StartsOn, &r.EndsOn, &r.Days, &r.Comment, &r.Status, &r.ApproverID, &decided, &r.DecisionComment, &warnings,
		&r.ClientMutationID, &r.Fingerprint, &r.Position, &created, &updated); err != nil {
		return nil, err
	}
	r.DecidedAt = storecodec.NullTime(decided)
	if warnings != "" {
		r.Warnings = strings.Split(warnings, "\n")
	}
	r.CreatedAt, r.UpdatedAt = storecodec.FromMS(created), storecodec.FromMS(updated)
	return r, nil
}

func leaveNotFound(id string) error {
	return kabinet.Errorf(kabinet.ENOTFOUND, "leave request %q not found", id)
}

// CreateLeaveRequest writes a new leave request (requests.LeaveStore): the
// employee's row is locked first, so that the checks decide reads facts no
// concurrent request of the same employee can change before the commit.
func (s *Store) CreateLeaveRequest(ctx context.Context, r *kabinet.LeaveRequest, decide func(kabinet.LeaveRequestFacts) error) (out *kabinet.LeaveRequest, replayed bool, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
		out, replayed = nil, false
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM employees WHERE id = ? AND org_id = ?`+s.dialect.ForUpdate(),
			r.EmployeeID, r.OrgID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.ENOTFOUND, "employee not found")
		} else if err != nil {
			return err
		}
		prev, err := scanLeave(tx.QueryRowContext(ctx, `SELECT `+leaveColumns+` FROM leave_requests r
			WHERE r.employee_id = ? AND r.client_mutation_id = ?`, r.EmployeeID, r.ClientMutationID))
		switch {
		case err == nil:
			out, replayed = prev, true
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		facts, err := leaveFacts(ctx, tx, r)
		if err != nil {
			return err
		}
		if err := decide(facts); err != nil {
			return err
		}
		pos, err := nextLeavePositions(ctx, tx, r.OrgID, 1)
		if err != nil {
			return err
		}
		at := storecodec.MS(now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO leave_requests (id, org_id, employee_id, client_mutation_id, fingerprint,
			leave_type_code, leave_type_title, starts_on, ends_on, days, comment, status, approver_id, decided_at,
			decision_comment, warnings, position, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', ?, ?, ?, ?)`,
			r.ID, r.OrgID, r.EmployeeID, r.ClientMutationID, r.Fingerprint, r.LeaveTypeCode, r.LeaveTypeTitle,
			r.StartsOn, r.EndsOn, r.Days, r.Comment, r.Status, r.ApproverID, strings.Join(r.Warnings, "\n"), pos, at, at); err != nil {
			return err
		}
		if err := addLeaveEvent(ctx, tx, kabinet.LeaveRequestEvent{RequestID: r.ID, To: r.Status, Actor: kabinet.LeaveActorEmployee,
			ActorEmployeeID: r.EmployeeID, Comment: r.Comment, At: now}); err != nil {
			return err
		}
		if err := recordLeaveChange(ctx, tx, r, now); err != nil {
			return err
		}
		out, err = scanLeave(tx.QueryRowContext(ctx, `SELECT `+leaveColumns+` FROM leave_requests r WHERE r.id = ?`, r.ID))
		return err
	})
	return out, replayed, err
}

// leaveFacts reads what the checks of a new request decide from.
func leaveFacts(ctx context.Context, tx Tx, r *kabinet.LeaveRequest) (kabinet.LeaveRequestFacts, error) {
	var f kabinet.LeaveRequestFacts
	b, err := leaveBalance(ctx, tx, r.OrgID, r.EmployeeID, r.LeaveTypeCode)
	if err != nil {
		return f, err
	}
	f.Balance = b
	if b != nil {
		f.LeaveTypeTitle = b.LeaveTypeTitle
	} else {
		err := tx.QueryRowContext(ctx, `SELECT leave_type_title FROM leave_balances WHERE org_id = ? AND leave_type_code = ?
			ORDER BY as_of DESC, id LIMIT 1`, r.OrgID, r.LeaveTypeCode).Scan(&f.LeaveTypeTitle)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return f, err
		}
	}
	type statusDays struct {
		status string
		days   int
	}
	sums, err := queryAll(ctx, tx, func(s scanner) (statusDays, error) {
		var v statusDays
		return v, s.Scan(&v.status, &v.days)
	}, `SELECT status, sum(days) FROM leave_requests WHERE employee_id = ? AND leave_type_code = ? GROUP BY status`,
		r.EmployeeID, r.LeaveTypeCode)
	if err != nil {
		return f, err
	}
	f.DaysByStatus = make(map[string]int, len(sums))
	for _, v := range sums {
		f.DaysByStatus[v.status] = v.days
	}
	f.Overlaps, err = queryAll(ctx, tx, scanAbsence, absenceQuery(`r.employee_id = ?`, `v.employee_id = ?`, nil)+` LIMIT ?`,
		r.EmployeeID, r.EndsOn, r.StartsOn, r.EmployeeID, r.EndsOn, r.StartsOn, kabinet.MaxOverlaps)
	return f, err
}

// absenceQuery lists requests (of the given statuses; any when nil) and
// planned vacations that share a day with [from, to], each part narrowed by
// its own condition. Arguments: the request condition's, to, from, the
// statuses, the vacation condition's, to, from.
func absenceQuery(requestCond, vacationCond string, statuses []string) string {
	status := ""
	if len(statuses) > 0 {
		status = ` AND r.status IN (` + placeholders(len(statuses)) + `)`
	}
	return `SELECT e.id, e.external_id, e.last_name, e.first_name, '` + kabinet.EntityLeaveRequest + `', r.id, r.starts_on, r.ends_on, r.status
		FROM leave_requests r JOIN employees e ON e.id = r.employee_id
		WHERE ` + requestCond + ` AND r.starts_on <= ? AND r.ends_on >= ?` + status + `
		UNION ALL
		SELECT e.id, e.external_id, e.last_name, e.first_name, '` + kabinet.EntityVacation + `', v.id, v.starts_on, v.ends_on, ''
		FROM vacations v JOIN employees e ON e.id = v.employee_id
		WHERE ` + vacationCond + ` AND v.starts_on <= ? AND v.ends_on >= ? AND v.cancelled_at IS NULL
		ORDER BY 7, 2`
}

func scanAbsence(s scanner) (kabinet.Absence, error) {
	var a kabinet.Absence
	return a, s.Scan(&a.EmployeeID, &a.EmployeeExternalID, &a.LastName, &a.FirstName, &a.Kind, &a.ID, &a.StartsOn, &a.EndsOn, &a.Status)
}

// TeamAbsences lists the requests of the given statuses and the planned
// vacations of the department's employees other than except that share a
// day with [from, to], by first day; at most limit of them.
func (s *Store) TeamAbsences(ctx context.Context, orgID, departmentExternalID, except, from, to string, statuses []string, limit int) (out []kabinet.Absence, err error) {
	if departmentExternalID == "" {
		return nil, nil
	}
	const team = `e.org_id = ? AND e.department_external_id = ? AND e.id <> ?`
	args := []any{orgID, departmentExternalID, except, to, from}
	for _, st := range statuses {
		args = append(args, st)
	}
	args = append(args, orgID, departmentExternalID, except, to, from, limit)
	err = s.run.Read(ctx, func(tx Tx) error {
		out, err = queryAll(ctx, tx, scanAbsence, absenceQuery(team, team, statuses)+` LIMIT ?`, args...)
		return err
	})
	return out, err
}

// nextLeavePositions takes n positions of the organisation's request
// counter and returns the last. The counter's row stays locked until the
// commit, so positions commit in the order they are taken; callers take
// them after every other lock of the transaction.
func nextLeavePositions(ctx context.Context, tx Tx, orgID string, n int) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, `INSERT INTO leave_request_counters (org_id, position) VALUES (?, ?)
		ON CONFLICT (org_id) DO UPDATE SET position = leave_request_counters.position + excluded.position
		RETURNING position`, orgID, n).Scan(&last)
	return last, err
}

// addLeaveEvent records a transition in the request's history.
func addLeaveEvent(ctx context.Context, tx Tx, ev kabinet.LeaveRequestEvent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO leave_request_events (request_id, n, from_status, to_status, actor, actor_employee_id, comment, at)
		SELECT ?, COALESCE(max(n), 0) + 1, ?, ?, ?, ?, ?, ? FROM leave_request_events WHERE request_id = ?`,
		ev.RequestID, ev.From, ev.To, ev.Actor, ev.ActorEmployeeID, ev.Comment, storecodec.MS(ev.At), ev.RequestID)
	return err
}

// recordLeaveChange tells sync that the request changed, for its employee
// and for its approver (whose phone holds it while it waits for them).
func recordLeaveChange(ctx context.Context, tx Tx, r *kabinet.LeaveRequest, now time.Time) error {
	if err := tx.RecordChange(ctx, r.OrgID, r.EmployeeID, kabinet.EntityLeaveRequest, r.ID, opUpsert, now); err != nil {
		return err
	}
	if r.ApproverID == "" {
		return nil
	}
	return tx.RecordChange(ctx, r.OrgID, r.ApproverID, kabinet.EntityLeaveRequest, r.ID, opUpsert, now)
}

// opUpsert is the change log's operation for a record that changed; sync
// sends its current state, or a tombstone when the employee no longer sees
// it.
const opUpsert = "UPSERT"

// TransitionLeaveRequests applies the transitions decide returns for the
// organisation's requests of ids, locked in id order (requests.LeaveStore).
func (s *Store) TransitionLeaveRequests(ctx context.Context, orgID string, ids []string, decide func([]*kabinet.LeaveRequest) ([]kabinet.LeaveTransition, error)) (out []*kabinet.LeaveRequest, err error) {
	now := s.now()
	err = s.run.Write(ctx, func(tx Tx) error {
		out = nil
		args := make([]any, 0, len(ids)+1)
		args = append(args, orgID)
		for _, id := range ids {
			args = append(args, id)
		}
		found, err := queryAll(ctx, tx, scanLeave, `SELECT `+leaveColumns+` FROM leave_requests r
			WHERE r.org_id = ? AND r.id IN (`+placeholders(len(ids))+`) ORDER BY r.id`+s.dialect.ForUpdate(), args...)
		if err != nil {
			return err
		}
		byID := make(map[string]*kabinet.LeaveRequest, len(found))
		for _, r := range found {
			byID[r.ID] = r
		}
		cur := make([]*kabinet.LeaveRequest, len(ids))
		for i, id := range ids {
			cur[i] = byID[id]
		}
		ts, err := decide(cur)
		if err != nil {
			return err
		}
		var changed []kabinet.LeaveTransition
		for _, t := range ts {
			if r := byID[t.ID]; r != nil && r.Status != t.To {
				changed = append(changed, t)
			}
		}
		if len(changed) > 0 {
			last, err := nextLeavePositions(ctx, tx, orgID, len(changed))
			if err != nil {
				return err
			}
			for i, t := range changed {
				if err := applyLeaveTransition(ctx, tx, byID[t.ID], t, last-int64(len(changed)-1-i), now); err != nil {
					return err
				}
			}
		}
		out, err = queryAll(ctx, tx, scanLeave, `SELECT `+leaveColumns+` FROM leave_requests r
			WHERE r.org_id = ? AND r.id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return err
		}
		byID = make(map[string]*kabinet.LeaveRequest, len(out))
		for _, r := range out {
			byID[r.ID] = r
		}
		out = out[:0]
		for _, id := range ids {
			if r := byID[id]; r != nil {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

// applyLeaveTransition writes one transition of a locked request.
func applyLeaveTransition(ctx context.Context, tx Tx, r *kabinet.LeaveRequest, t kabinet.LeaveTransition, pos int64, now time.Time) error {
	at := storecodec.MS(now)
	q := `UPDATE leave_requests SET status = ?, position = ?, updated_at = ? WHERE id = ?`
	args := []any{t.To, pos, at, r.ID}
	if t.Decision {
		q = `UPDATE leave_requests SET status = ?, position = ?, updated_at = ?, decided_at = ?, decision_comment = ? WHERE id = ?`
		args = []any{t.To, pos, at, at, t.Comment, r.ID}
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return err
	}
	if err := addLeaveEvent(ctx, tx, kabinet.LeaveRequestEvent{RequestID: r.ID, From: r.Status, To: t.To, Actor: t.Actor,
		ActorEmployeeID: t.ActorEmployeeID, Comment: t.Comment, At: now}); err != nil {
		return err
	}
	return recordLeaveChange(ctx, tx, r, now)
}

// LeaveRequest returns one request of the organisation; NOT_FOUND.
func (s *Store) LeaveRequest(ctx context.Context, orgID, id string) (r *kabinet.LeaveRequest, err error) {
	err = s.run.Read(ctx, func(tx Tx) error {
		r, err = scanLeave(tx.QueryRowContext(ctx, `SELECT `+leaveColumns+` FROM leave_requests r WHERE r.id = ? AND r.org_id = ?`, id, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return leaveNotFound(id)
		}
		return err
	})
	return r, err
}

// LeaveRequests lists the organisation's requests f selects, in position
// order; at most f.Limit.
func (s *Store) LeaveRequests(ctx context.Context, orgID string, f kabinet.LeaveRequestFilter) (out []*kabinet.LeaveRequest, err error) {
	q := `SELECT ` + leaveColumns + ` FROM leave_requests r WHERE r.org_id = ? AND r.position > ?`
	args := []any{orgID, f.After}
	if f.Status != "" {
		q += ` AND r.status = ?`
		args = append(args, f.Status)
	}
	if f.EmployeeID != "" {
		q += ` AND r.employee_id = ?`
		args = append(args, f.EmployeeID)
	}
	if f.ApproverID != "" || f.HRQueue {
		q += ` AND r.approver_id = ?`
		args = append(args, f.ApproverID)
	}
	q += ` ORDER BY r.position LIMIT ?`
	args = append(args, f.Limit)
	err = s.run.Read(ctx, func(tx Tx) error {
		out, err = queryAll(ctx, tx, scanLeave, q, args...)
		return err
	})
	return out, err
}

// LeaveRequestHistory returns the transitions of the organisation's
// requests, oldest first, by request id.
func (s *Store) LeaveRequestHistory(ctx context.Context, orgID string, ids []string) (map[string][]kabinet.LeaveRequestEvent, error) {
	out := make(map[string][]kabinet.LeaveRequestEvent, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{orgID}
	for _, id := range ids {
		args = append(args, id)
	}
	err := s.run.Read(ctx, func(tx Tx) error {
		evs, err := queryAll(ctx, tx, func(s scanner) (kabinet.LeaveRequestEvent, error) {
			var ev kabinet.LeaveRequestEvent
			var at int64
			err := s.Scan(&ev.RequestID, &ev.From, &ev.To, &ev.Actor, &ev.ActorEmployeeID, &ev.Comment, &at)
			ev.At = storecodec.FromMS(at)
			return ev, err
		}, `SELECT h.request_id, h.from_status, h.to_status, h.actor, h.actor_employee_id, h.comment, h.at
			FROM leave_request_events h JOIN leave_requests r ON r.id = h.request_id
			WHERE r.org_id = ? AND h.request_id IN (`+placeholders(len(ids))+`) ORDER BY h.request_id, h.n`, args...)
		for _, ev := range evs {
			out[ev.RequestID] = append(out[ev.RequestID], ev)
		}
		return err
	})
	return out, err
}

// LeaveBalance returns the employee's balance of a leave type; nil when
// none is published.
func (s *Store) LeaveBalance(ctx context.Context, orgID, employeeID, leaveTypeCode string) (b *kabinet.LeaveBalance, err error) {
	err = s.run.Read(ctx, func(tx Tx) error {
		b, err = leaveBalance(ctx, tx, orgID, employeeID, leaveTypeCode)
		return err
	})
	return b, err
}

func leaveBalance(ctx context.Context, tx Tx, orgID, employeeID, code string) (*kabinet.LeaveBalance, error) {
	b := &kabinet.LeaveBalance{EmployeeID: employeeID}
	var updated int64
	err := tx.QueryRowContext(ctx, `SELECT id, leave_type_code, leave_type_title, as_of, entitled, used, remaining, updated_at
		FROM leave_balances WHERE employee_id = ? AND org_id = ? AND leave_type_code = ?`, employeeID, orgID, code).
		Scan(&b.ID, &b.LeaveTypeCode, &b.LeaveTypeTitle, &b.AsOf, &b.EntitledDays, &b.UsedDays, &b.RemainingDays, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	b.UpdatedAt = storecodec.FromMS(updated)
	return b, err
}

// LeaveRequestSettings returns the organisation's settings, the defaults
// when it has none.
func (s *Store) LeaveRequestSettings(ctx context.Context, orgID string) (st kabinet.LeaveRequestSettings, err error) {
	err = s.run.Read(ctx, func(tx Tx) error {
		var updated int64
		err := tx.QueryRowContext(ctx, `SELECT past_grace_days, reminder_hours, updated_at FROM leave_request_settings WHERE org_id = ?`,
			orgID).Scan(&st.PastGraceDays, &st.ReminderHours, &updated)
		if errors.Is(err, sql.ErrNoRows) {
			st = kabinet.DefaultLeaveRequestSettings
			return nil
		}
		st.UpdatedAt = storecodec.FromMS(updated)
		return err
	})
	return st, err
}

// SetLeaveRequestSettings stores the organisation's settings.
func (s *Store) SetLeaveRequestSettings(ctx context.Context, orgID string, st kabinet.LeaveRequestSettings) error {
	return s.run.Write(ctx, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO leave_request_settings (org_id, past_grace_days, reminder_hours, updated_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET past_grace_days = excluded.past_grace_days,
			reminder_hours = excluded.reminder_hours, updated_at = excluded.updated_at`,
			orgID, st.PastGraceDays, st.ReminderHours, storecodec.MS(s.now()))
		return err
	})
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
