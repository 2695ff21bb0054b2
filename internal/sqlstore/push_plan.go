package sqlstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// The planner's side of the outbox (push.PlanStore): facts to plan from, and
// plain writes of the rows the planner decided. Which reminder is due, when
// and for whom is decided in push/, not here. The unique key (kind, subject,
// subject key, stage, recipient) makes planning idempotent, on one instance
// or several planning the same rows at once.

// UnviewedPayslips returns the organisation's payslips that are neither
// viewed nor withdrawn, narrowed by f.
func (s *Store) UnviewedPayslips(ctx context.Context, orgID string, f kabinet.PayslipFactFilter) ([]kabinet.PayslipFact, error) {
	q := `SELECT id, employee_id, period, published_at FROM payslips
		WHERE org_id = ? AND retracted_at IS NULL AND viewed_at IS NULL AND published_at > ?`
	after := int64(-1 << 62)
	if !f.PublishedAfter.IsZero() {
		after = storecodec.MS(f.PublishedAfter)
	}
	args := []any{orgID, after}
	if f.IDs != nil {
		q, args = q+` AND `+s.dialect.InStrings("id"), append(args, s.dialect.Strings(f.IDs))
	}
	if f.Period != "" {
		q, args = q+` AND period = ?`, append(args, f.Period)
	}
	return queryAll(ctx, s.run.Reader(), func(row scanner) (kabinet.PayslipFact, error) {
		var p kabinet.PayslipFact
		var published int64
		err := row.Scan(&p.ID, &p.EmployeeID, &p.Period, &published)
		p.PublishedAt = storecodec.FromMS(published)
		return p, err
	}, q, args...)
}

// ActiveVacations returns the organisation's vacations that are not
// cancelled, narrowed by f, with their employee.
func (s *Store) ActiveVacations(ctx context.Context, orgID string, f kabinet.VacationFactFilter) ([]kabinet.VacationFact, error) {
	q := `SELECT v.id, v.starts_on, v.ends_on, e.id, e.external_id, e.department_external_id, e.last_name, e.first_name
		FROM vacations v JOIN employees e ON e.id = v.employee_id
		WHERE v.org_id = ? AND v.cancelled_at IS NULL AND v.starts_on >= ?`
	args := []any{orgID, f.StartsFrom}
	if f.IDs != nil {
		q, args = q+` AND `+s.dialect.InStrings("v.id"), append(args, s.dialect.Strings(f.IDs))
	}
	if f.EmployeeIDs != nil {
		q, args = q+` AND `+s.dialect.InStrings("v.employee_id"), append(args, s.dialect.Strings(f.EmployeeIDs))
	}
	return queryAll(ctx, s.run.Reader(), func(row scanner) (kabinet.VacationFact, error) {
		var v kabinet.VacationFact
		err := row.Scan(&v.ID, &v.StartsOn, &v.EndsOn, &v.Employee.ID, &v.Employee.ExternalID, &v.Employee.DepartmentExternalID,
			&v.LastName, &v.FirstName)
		return v, err
	}, q, args...)
}

// OrgChart returns the organisation's departments, with the employee id of
// each published head, and its head (the manager rule reads it: push,
// leave requests and the Employee.manager field).
func (s *Store) OrgChart(ctx context.Context, orgID string) (*kabinet.OrgChart, error) {
	units, err := queryAll(ctx, s.run.Reader(), func(row scanner) (kabinet.OrgUnit, error) {
		var u kabinet.OrgUnit
		err := row.Scan(&u.ExternalID, &u.ParentExternalID, &u.HeadExternalID, &u.HeadID)
		return u, err
	}, `SELECT d.external_id, d.parent_external_id, d.head_external_id, COALESCE(h.id, '')
		FROM departments d LEFT JOIN employees h ON h.org_id = d.org_id AND h.external_id = d.head_external_id AND d.head_external_id <> ''
		WHERE d.org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	heads, err := queryAll(ctx, s.run.Reader(), scanString, `SELECT id FROM employees WHERE org_id = ? AND is_org_head LIMIT 1`, orgID)
	if err != nil {
		return nil, err
	}
	var head string
	if len(heads) > 0 {
		head = heads[0]
	}
	return kabinet.NewOrgChart(units, head), nil
}

// BroadcastStages returns the highest stage of the organisation's payslip
// broadcasts, and the highest stage of a broadcast about period planned
// after since; 0 for none.
func (s *Store) BroadcastStages(ctx context.Context, orgID, period string, since time.Time) (last, lastOfPeriod int, err error) {
	err = s.run.Reader().QueryRowContext(ctx, `SELECT COALESCE(MAX(stage), 0),
		COALESCE((SELECT MAX(stage) FROM push_outbox WHERE org_id = ?1 AND kind = ?2
			AND `+s.dialect.JSONField("params", "period")+` = ?3 AND created_at > ?4), 0)
		FROM push_outbox WHERE org_id = ?1 AND kind = ?2`,
		orgID, kabinet.NotifyPayslipBroadcast, period, storecodec.MS(since)).Scan(&last, &lastOfPeriod)
	return last, lastOfPeriod, err
}

// onConflictKeep leaves a planned row alone when its unique key exists:
// planning the same reminders twice (a retried publication, two instances)
// plans them once.
const onConflictKeep = `ON CONFLICT (kind, subject_id, subject_key, stage, recipient_id) DO NOTHING`

// onConflictReplan is the re-plan rule: a row still PLANNED and unclaimed,
// or CANCELLED because the settings changed, takes the new times and params
// and is PLANNED again; a row being sent, sent, or cancelled for any other
// reason (viewed, withdrawn) keeps what it is.
const onConflictReplan = `ON CONFLICT (kind, subject_id, subject_key, stage, recipient_id) DO UPDATE SET
	base_at = excluded.base_at, due_at = excluded.due_at, not_before = excluded.not_before, local_date = excluded.local_date,
	params = excluded.params, status = 'PLANNED', note = '', updated_at = excluded.updated_at
	WHERE (push_outbox.status = 'PLANNED' AND push_outbox.claimed_by = '')
	   OR (push_outbox.status = 'CANCELLED' AND push_outbox.note = '` + kabinet.NoteSettingsChanged + `')`

// PlanNotifications writes rows as PLANNED in one transaction and returns
// how many it inserted or changed. A row whose unique key exists is left
// alone, unless replan is set: then onConflictReplan says which rows take
// the new times. Every instance's dispatcher is told when it commits
// (Runner.Planned).
func (s *Store) PlanNotifications(ctx context.Context, orgID string, rows []kabinet.PlannedNotification, replan bool) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	var n int64
	err := s.run.Write(ctx, func(tx Tx) error {
		var err error
		n, err = s.planNotifications(ctx, tx, orgID, rows, replan, s.now())
		return err
	})
	return n, err
}

func (s *Store) planNotifications(ctx context.Context, tx Tx, orgID string, rows []kabinet.PlannedNotification, replan bool, now time.Time) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	conflict := onConflictKeep
	if replan {
		conflict = onConflictReplan
	}
	// In the order of the unique key (subject first: it varies most), with
	// ids in increasing order, both indexes mostly grow at their end
	// instead of splitting pages at random.
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareKeys(&rows[a], &rows[b]) })
	ids := newOutboxIDs(now, len(rows))
	insert := planValuesInsert
	if s.dialect == Postgres {
		insert = planArraysInsert
	}
	total, err := insert(ctx, tx, orgID, rows, order, ids, conflict, now)
	if err != nil || total == 0 {
		return total, err
	}
	return total, s.run.Planned(ctx, tx)
}

// planColumns are the columns of an outbox row the planner decides; the
// rows are written PLANNED, not before their due time.
const planColumns = `id, org_id, kind, subject_id, subject_key, stage, recipient_id, employee_id, base_at, due_at, local_date,
	not_before, params, status, created_at, updated_at`

// planChunk is how many rows one INSERT writes: on SQLite 11 parameters
// each, well under its limit of 32,766 bound parameters per statement.
const planChunk = 1000

// planInsert writes the planned rows, in order, with the given ids.
type planInsert func(ctx context.Context, tx Tx, orgID string, rows []kabinet.PlannedNotification, order []int, ids []string,
	conflict string, now time.Time) (int64, error)

// planValuesInsert writes the rows with multi-row INSERT … VALUES, one
// prepared statement for every full chunk: SQLite's fastest bulk insert.
func planValuesInsert(ctx context.Context, tx Tx, orgID string, rows []kabinet.PlannedNotification, order []int, ids []string,
	conflict string, now time.Time) (int64, error) {
	insert := func(k int) string {
		return `INSERT INTO push_outbox (` + planColumns + `) VALUES ` + planValues(k) + "\n" + conflict
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	var total int64
	args := make([]any, 0, planChunk*11+2)
	for start := 0; start < len(rows); start += planChunk {
		part := order[start:min(start+planChunk, len(rows))]
		args = append(args[:0], storecodec.MS(now), orgID)
		for k, i := range part {
			r := &rows[i]
			args = append(args, ids[start+k], r.Kind, r.SubjectID, r.SubjectKey, r.Stage, r.RecipientID, r.EmployeeID,
				storecodec.MS(r.BaseAt), storecodec.MS(r.DueAt), r.LocalDate, r.Params)
		}
		var res sql.Result
		var err error
		if len(part) == planChunk {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insert(planChunk)); err != nil {
					return total, err
				}
			}
			res, err = full.ExecContext(ctx, args...)
		} else {
			res, err = tx.ExecContext(ctx, insert(len(part)), args...)
		}
		if err != nil {
			return total, err
		}
		k, _ := res.RowsAffected()
		total += k
	}
	return total, nil
}

// planValues is the VALUES list of a multi-row INSERT of k rows of
// planColumns: 11 values bound per row (?3…), the due time twice (it is
// also the first not_before); the time of planning (?1), the organisation
// (?2) and the status shared.
func planValues(k int) string {
	var b strings.Builder
	for i := range k {
		if i > 0 {
			b.WriteString(",\n")
		}
		p := 3 + i*11
		fmt.Fprintf(&b, "(?%d, ?2, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, 'PLANNED', ?1, ?1)",
			p, p+1, p+2, p+3, p+4, p+5, p+6, p+7, p+8, p+9, p+8, p+10)
	}
	return b.String()
}

// planArraysInsert writes the rows with one INSERT … SELECT FROM
// unnest(arrays) per chunk: PostgreSQL's fastest bulk insert short of COPY
// (which has no ON CONFLICT), one statement text whatever the count.
func planArraysInsert(ctx context.Context, tx Tx, orgID string, rows []kabinet.PlannedNotification, order []int, ids []string,
	conflict string, now time.Time) (int64, error) {
	var total int64
	for start := 0; start < len(rows); start += 5 * planChunk {
		part := order[start:min(start+5*planChunk, len(rows))]
		n := len(part)
		kinds, subjects, keys, recipients, emps, dates, params := make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		stages, bases, dues := make([]int64, n), make([]int64, n), make([]int64, n)
		for k, i := range part {
			r := &rows[i]
			kinds[k], subjects[k], keys[k], recipients[k], emps[k] = r.Kind, r.SubjectID, r.SubjectKey, r.RecipientID, r.EmployeeID
			stages[k], bases[k], dues[k], dates[k], params[k] = int64(r.Stage), storecodec.MS(r.BaseAt), storecodec.MS(r.DueAt), r.LocalDate, r.Params
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO push_outbox (`+planColumns+`)
			SELECT u.id, ?1, u.kind, u.subject, u.key, u.stage, u.recipient, u.emp, u.base, u.due, u.day, u.due, u.params, 'PLANNED', ?2, ?2
			FROM unnest(?3::text[], ?4::text[], ?5::text[], ?6::text[], ?7::bigint[], ?8::text[], ?9::text[], ?10::bigint[], ?11::bigint[],
				?12::text[], ?13::text[]) AS u(id, kind, subject, key, stage, recipient, emp, base, due, day, params)
			`+conflict, orgID, storecodec.MS(now), ids[start:start+n], kinds, subjects, keys, stages, recipients, emps, bases, dues, dates, params)
		if err != nil {
			return total, err
		}
		k, _ := res.RowsAffected()
		total += k
	}
	return total, nil
}

// compareKeys orders planned notifications by the outbox's unique key.
func compareKeys(a, b *kabinet.PlannedNotification) int {
	// Not cmp.Or: that would compare every field every time.
	if c := strings.Compare(a.SubjectID, b.SubjectID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.SubjectKey, b.SubjectKey); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Stage, b.Stage); c != 0 {
		return c
	}
	return strings.Compare(a.RecipientID, b.RecipientID)
}

// outboxIDs are the ids of outbox rows: "nt_" and 23 characters of the
// time of planning, a sequence number and 40 random bits, in an alphabet
// that sorts like the bytes. They are opaque to clients; that a batch's ids
// increase only keeps bulk inserts appending to the primary-key index.
var (
	outboxIDEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)
	outboxIDSeq      atomic.Uint32
)

// newOutboxIDs returns n new ids in increasing order.
func newOutboxIDs(now time.Time, n int) []string {
	random := make([]byte, 5*n)
	if _, err := rand.Read(random); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	ids := make([]string, n)
	var b [14]byte
	binary.BigEndian.PutUint64(b[:8], uint64(storecodec.MS(now))<<16) // 48 bits of milliseconds
	for i := range ids {
		seq := outboxIDSeq.Add(1)
		b[6], b[7], b[8] = byte(seq>>16), byte(seq>>8), byte(seq)
		copy(b[9:], random[5*i:5*i+5])
		ids[i] = "nt_" + outboxIDEncoding.EncodeToString(b[:])
	}
	return ids
}

// CancelReminders cancels what is not yet sent of the given kinds about the
// subjects (a payslip viewed or withdrawn, a vacation cancelled): planned
// outbox rows and deliveries waiting for their turn. Rows being sent right
// now are re-checked by the dispatcher. It returns the rows cancelled.
func (s *Store) CancelReminders(ctx context.Context, kinds []string, subjectIDs []string, note string) (int64, error) {
	now := storecodec.MS(s.now())
	inKinds, inSubjects := s.dialect.InStrings("kind"), s.dialect.InStrings("subject_id")
	k, ids := s.dialect.Strings(kinds), s.dialect.Strings(subjectIDs)
	var n int64
	err := s.run.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE push_outbox SET status = 'CANCELLED', note = ?, updated_at = ?
			WHERE `+inKinds+` AND `+inSubjects+` AND status = 'PLANNED'`, note, now, k, ids)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		res, err = tx.ExecContext(ctx, `UPDATE push_deliveries SET status = 'CANCELLED', error = ?, claimed_by = '', updated_at = ?
			WHERE status IN ('PENDING', 'CLAIMED') AND outbox_id IN (SELECT id FROM push_outbox WHERE `+inKinds+` AND `+inSubjects+`)`,
			note, now, k, ids)
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		n += m
		return nil
	})
	return n, err
}

// CancelOtherKeys cancels the PLANNED rows of the kinds about each subject
// of keys whose subject key is not keys[subject], and returns how many.
func (s *Store) CancelOtherKeys(ctx context.Context, kinds []string, keys map[string]string, note string) (int64, error) {
	now := s.now()
	var n int64
	err := s.run.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE push_outbox SET status = 'CANCELLED', note = ?, updated_at = ?
			FROM `+s.dialect.JSONPairs()+` k
			WHERE `+s.dialect.InStrings("push_outbox.kind")+` AND push_outbox.status = 'PLANNED'
			AND push_outbox.subject_id = k.key AND push_outbox.subject_key <> k.value`,
			note, storecodec.MS(now), JSON(keys), s.dialect.Strings(kinds))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
