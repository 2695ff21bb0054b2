package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// The dispatcher's claims. Work is claimed with a lease: claimed_by names
// the dispatcher instance and the lease end is stored in the row's next-look
// time (not_before, next_attempt_at), so rows of an instance that died come
// due again by themselves once the lease is over. On SQLite there is one
// writer, so a claim (select + update in one write transaction) is atomic;
// on PostgreSQL the select takes the rows FOR UPDATE SKIP LOCKED, so that
// instances share the work without waiting on each other. Every later write
// is fenced by claimed_by: an instance whose lease ran out and whose rows
// were taken over cannot overwrite the new owner's result.

// reasonFacts are the columns of kabinet.ReasonFacts but the device zone
// and LaterStageDue, for outbox row o, its recipient r, the payslip p,
// vacation v and leave request lr it may concern (reasonJoins), the
// settings s and organisation org. The dispatcher decides from them (push:
// reasonGone, deliveryZone).
const reasonFacts = `r.dismissed_on, o.employee_id, o.subject_key,
	p.id IS NOT NULL, p.retracted_at IS NOT NULL, p.viewed_at IS NOT NULL, COALESCE(p.employee_id, ''),
	v.id IS NOT NULL, v.cancelled_at IS NOT NULL, COALESCE(v.starts_on, ''), COALESCE(v.employee_id, ''),
	r.timezone, COALESCE(s.timezone, ''), org.timezone, lr.id IS NOT NULL, COALESCE(lr.status, '')`

const reasonJoins = ` LEFT JOIN payslips p ON p.id = o.subject_id LEFT JOIN vacations v ON v.id = o.subject_id
	LEFT JOIN leave_requests lr ON lr.id = o.subject_id`

// laterStageDue tells whether a later stage of outbox row o's reason is
// due by ?2 and not cancelled (planned, or already fanned out).
const laterStageDue = `o.due_at <= ?2 AND EXISTS (
	SELECT 1 FROM push_outbox o2 WHERE o2.kind = o.kind AND o2.subject_id = o.subject_id
	AND o2.subject_key = o.subject_key AND o2.recipient_id = o.recipient_id
	AND o2.stage > o.stage AND o2.due_at <= ?2 AND o2.status IN ('PLANNED', 'DISPATCHED', 'NO_DEVICE'))`

// factsDest are the scan destinations of reasonFacts.
func factsDest(f *kabinet.ReasonFacts) []any {
	return []any{&f.DismissedOn, &f.EmployeeID, &f.SubjectKey,
		&f.PayslipFound, &f.PayslipRetracted, &f.PayslipViewed, &f.PayslipEmployeeID,
		&f.VacationFound, &f.VacationCancelled, &f.VacationStartsOn, &f.VacationEmployeeID,
		&f.EmployeeZone, &f.SettingsZone, &f.OrgZone, &f.LeaveFound, &f.LeaveStatus}
}

// cabinetExpr is the status of recipient r's cabinet, "" when it has none.
const cabinetExpr = `COALESCE((SELECT c.status FROM cabinets c WHERE c.employee_id = r.id), '')`

// deviceZone is the zone recipient r's most recently seen active device
// reported, "" when none did.
const deviceZone = `COALESCE((SELECT d.timezone FROM devices d WHERE d.employee_id = r.id AND d.revoked_at IS NULL
	AND d.timezone <> '' ORDER BY d.last_seen_at DESC LIMIT 1), '')`

// ClaimOutbox claims up to limit due PLANNED outbox rows (not_before at or
// before now) for owner until leaseUntil, oldest first, each with the facts
// the dispatcher decides from (whether its reason holds, its zone, the
// recipient's cabinet).
func (s *Store) ClaimOutbox(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*kabinet.OutboxItem, error) {
	var out []*kabinet.OutboxItem
	err := s.run.Write(ctx, func(tx Tx) error {
		out = nil
		ids, err := queryAll(ctx, tx, scanString, `SELECT id FROM push_outbox WHERE status = 'PLANNED' AND not_before <= ?
			ORDER BY not_before LIMIT ?`+s.dialect.SkipLocked(), storecodec.MS(now), limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		idj := JSON(ids)
		if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET claimed_by = ?, lease_until = ?, not_before = ?, updated_at = ?
			WHERE id IN (SELECT value FROM `+s.dialect.JSONStrings()+`)`,
			owner, storecodec.MS(leaseUntil), storecodec.MS(leaseUntil), storecodec.MS(now), idj); err != nil {
			return err
		}
		out, err = queryAll(ctx, tx, func(r scanner) (*kabinet.OutboxItem, error) {
			it := &kabinet.OutboxItem{}
			var due int64
			dest := append([]any{&it.ID, &it.OrgID, &it.Kind, &it.SubjectID, &it.Stage, &it.RecipientID, &due, &it.LocalDate}, factsDest(&it.Facts)...)
			if err := r.Scan(append(dest, &it.Facts.DeviceZone, &it.Facts.LaterStageDue, &it.Cabinet)...); err != nil {
				return nil, err
			}
			it.DueAt = storecodec.FromMS(due)
			return it, nil
		}, `SELECT o.id, o.org_id, o.kind, o.subject_id, o.stage, o.recipient_id, o.due_at, o.local_date,
			`+reasonFacts+`, `+deviceZone+`, `+laterStageDue+`, `+cabinetExpr+`
			FROM push_outbox o JOIN employees r ON r.id = o.recipient_id JOIN organizations org ON org.id = o.org_id
			LEFT JOIN notification_settings s ON s.org_id = o.org_id`+reasonJoins+`
			WHERE o.id IN (SELECT value FROM `+numbered(s.dialect.JSONStrings(), 1)+`)`, idj, storecodec.MS(now))
		return err
	})
	return out, err
}

// ClaimDeliveries claims up to limit deliveries for owner until leaseUntil:
// PENDING ones that are due, and CLAIMED or SENDING ones whose claimer's
// lease ran out. A SENDING one was possibly handed to the provider before its
// claimer stopped: it is counted in InDoubt and an IN_DOUBT attempt is logged.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*kabinet.DeliveryItem, error) {
	// PostgreSQL takes the oldest first; SQLite takes any due ones, which
	// its (status, next_attempt_at) index gives without sorting every due
	// row (its one writer means no instance waits for another).
	order := ""
	if s.dialect == Postgres {
		order = " ORDER BY next_attempt_at"
	}
	var out []*kabinet.DeliveryItem
	err := s.run.Write(ctx, func(tx Tx) error {
		out = nil
		ids, err := queryAll(ctx, tx, scanString, `SELECT id FROM push_deliveries WHERE status IN ('PENDING', 'CLAIMED', 'SENDING')
			AND next_attempt_at <= ?`+order+` LIMIT ?`+s.dialect.SkipLocked(), storecodec.MS(now), limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		idj := JSON(ids)
		doubted, err := queryAll(ctx, tx, scanString, `INSERT INTO push_attempts (delivery_id, at, outcome, error)
			SELECT id, ?, 'IN_DOUBT', 'the dispatcher stopped while sending; the provider may have it' FROM push_deliveries
			WHERE id IN (SELECT value FROM `+s.dialect.JSONStrings()+`) AND status = 'SENDING' RETURNING delivery_id`, storecodec.MS(now), idj)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE push_deliveries SET in_doubt = in_doubt + CASE WHEN status = 'SENDING' THEN 1 ELSE 0 END,
			status = 'CLAIMED', claimed_by = ?, next_attempt_at = ?, updated_at = ? WHERE id IN (SELECT value FROM `+s.dialect.JSONStrings()+`)`,
			owner, storecodec.MS(leaseUntil), storecodec.MS(now), idj); err != nil {
			return err
		}
		out, err = queryAll(ctx, tx, func(r scanner) (*kabinet.DeliveryItem, error) {
			it := &kabinet.DeliveryItem{}
			var due int64
			var first sql.NullInt64
			var params string
			dest := []any{&it.ID, &it.OutboxID, &it.OrgID, &it.Kind, &it.SubjectID, &it.Stage, &it.RecipientID, &it.EmployeeID,
				&it.DeviceID, &it.Platform, &it.Provider, &it.Token, &due, &it.LocalDate, &params}
			dest = append(dest, factsDest(&it.Facts)...)
			dest = append(dest, &it.Facts.DeviceZone, &it.DeviceRevoked, &it.Attempts, &first, &it.InDoubt, &it.Cabinet)
			if err := r.Scan(dest...); err != nil {
				return nil, err
			}
			it.DueAt, it.FirstAttemptAt = storecodec.FromMS(due), storecodec.NullTime(first)
			it.Doubted = slices.Contains(doubted, it.ID)
			return it, json.Unmarshal([]byte(params), &it.Params)
		}, `SELECT pd.id, pd.outbox_id, o.org_id, o.kind, o.subject_id, o.stage, o.recipient_id, o.employee_id,
			pd.device_id, pd.platform, COALESCE(t.provider, ''), COALESCE(t.token, ''), o.due_at, o.local_date, o.params,
			`+reasonFacts+`, dev.timezone, dev.revoked_at IS NOT NULL,
			pd.attempts, pd.first_attempt_at, pd.in_doubt,
			`+cabinetExpr+`
			FROM push_deliveries pd JOIN push_outbox o ON o.id = pd.outbox_id JOIN employees r ON r.id = o.recipient_id
			JOIN devices dev ON dev.id = pd.device_id JOIN organizations org ON org.id = o.org_id
			LEFT JOIN notification_settings s ON s.org_id = o.org_id LEFT JOIN push_tokens t ON t.device_id = pd.device_id`+reasonJoins+`
			WHERE pd.id IN (SELECT value FROM `+s.dialect.JSONStrings()+`)`, idj)
		return err
	})
	return out, err
}

// OutboxStats reports the work waiting at now: planned notifications and
// undelivered deliveries, and the due time of the oldest of them that is due.
func (s *Store) OutboxStats(ctx context.Context, now time.Time) (depth int, oldestDue time.Time, err error) {
	var a, b int
	var o1, o2 sql.NullInt64
	err = s.run.Read(ctx, func(tx Tx) error {
		return tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM push_outbox WHERE status = 'PLANNED'),
		(SELECT count(*) FROM push_deliveries WHERE status IN ('PENDING', 'CLAIMED', 'SENDING')),
		(SELECT min(not_before) FROM push_outbox WHERE status = 'PLANNED' AND not_before <= ?1),
		(SELECT min(next_attempt_at) FROM push_deliveries WHERE status = 'PENDING' AND next_attempt_at <= ?1)`, storecodec.MS(now)).
			Scan(&a, &b, &o1, &o2)
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	for _, o := range []sql.NullInt64{o1, o2} {
		if o.Valid && (oldestDue.IsZero() || storecodec.FromMS(o.Int64).Before(oldestDue)) {
			oldestDue = storecodec.FromMS(o.Int64)
		}
	}
	return a + b, oldestDue, nil
}

// scanString scans a row of one string.
func scanString(r scanner) (s string, err error) {
	err = r.Scan(&s)
	return s, err
}
