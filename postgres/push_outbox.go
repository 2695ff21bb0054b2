package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// The dispatcher's side of the outbox, for several instances: a claim
// takes due rows with FOR UPDATE SKIP LOCKED, so instances share the work
// without waiting on each other, and stores a lease (claimed_by = the
// instance, the lease end in not_before / next_attempt_at), so rows of an
// instance that died come due again by themselves. Every later write is
// fenced by claimed_by: an instance whose lease ran out and whose rows were
// taken over cannot overwrite the new owner's result (its writes come back
// as lost). Wake-ups between instances are not needed for correctness: a
// claim that finds nothing waits for the dispatcher's polling interval.

// reasonFacts are the columns of kabinet.ReasonFacts but the device zone
// and LaterStageDue, for outbox row o, its recipient r, the payslip p and
// vacation v it may concern (reasonJoins), the settings s and organisation
// org. The dispatcher decides from them (push: reasonGone, deliveryZone).
const reasonFacts = `r.dismissed_on, o.employee_id, o.subject_key,
	p.id IS NOT NULL, p.retracted_at IS NOT NULL, p.viewed_at IS NOT NULL, COALESCE(p.employee_id, ''),
	v.id IS NOT NULL, v.cancelled_at IS NOT NULL, COALESCE(v.starts_on, ''), COALESCE(v.employee_id, ''),
	r.timezone, COALESCE(s.timezone, ''), org.timezone`

const reasonJoins = ` LEFT JOIN payslips p ON p.id = o.subject_id LEFT JOIN vacations v ON v.id = o.subject_id`

// laterStageDue tells whether a later stage of outbox row o's reminder is
// due by now (Unix ms, the parameter named) and not yet settled.
func laterStageDue(now string) string {
	return `o.due_at <= ` + now + ` AND EXISTS (
	SELECT 1 FROM push_outbox o2 WHERE o2.kind = o.kind AND o2.subject_id = o.subject_id
	AND o2.subject_key = o.subject_key AND o2.recipient_id = o.recipient_id
	AND o2.stage > o.stage AND o2.due_at <= ` + now + ` AND o2.status IN ('PLANNED', 'DISPATCHED', 'NO_DEVICE'))`
}

// factsDest are the scan destinations of reasonFacts.
func factsDest(f *kabinet.ReasonFacts) []any {
	return []any{&f.DismissedOn, &f.EmployeeID, &f.SubjectKey,
		&f.PayslipFound, &f.PayslipRetracted, &f.PayslipViewed, &f.PayslipEmployeeID,
		&f.VacationFound, &f.VacationCancelled, &f.VacationStartsOn, &f.VacationEmployeeID,
		&f.EmployeeZone, &f.SettingsZone, &f.OrgZone}
}

// cabinetExpr is the status of recipient r's cabinet, "" when it has none.
const cabinetExpr = `COALESCE((SELECT c.status FROM cabinets c WHERE c.employee_id = r.id), '')`

// ClaimOutbox first cancels payslip reminders overtaken by a later overdue
// stage (after downtime only the latest stage goes out), then claims up to
// limit due PLANNED outbox rows for owner until leaseUntil.
func (db *DB) ClaimOutbox(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*kabinet.OutboxItem, error) {
	var out []*kabinet.OutboxItem
	err := db.WriteTx(ctx, func(tx *txn) error {
		out = nil
		ids, err := queryStrings(ctx, tx, `SELECT id FROM push_outbox WHERE status = 'PLANNED' AND not_before <= ?
			ORDER BY not_before LIMIT ? FOR UPDATE SKIP LOCKED`, storecodec.MS(now), limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET claimed_by = ?, lease_until = ?, not_before = ?, updated_at = ?
			WHERE id = ANY(?::text[])`, owner, storecodec.MS(leaseUntil), storecodec.MS(leaseUntil), storecodec.MS(now), ids); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT o.id, o.org_id, o.kind, o.subject_id, o.stage, o.recipient_id, o.due_at, o.local_date,
			`+reasonFacts+`,
			COALESCE((SELECT d.timezone FROM devices d WHERE d.employee_id = r.id AND d.revoked_at IS NULL AND d.timezone <> '' ORDER BY d.last_seen_at DESC LIMIT 1), ''),
			`+laterStageDue("?2")+`,
			`+cabinetExpr+`
			FROM push_outbox o JOIN employees r ON r.id = o.recipient_id JOIN organizations org ON org.id = o.org_id
			LEFT JOIN notification_settings s ON s.org_id = o.org_id`+reasonJoins+`
			WHERE o.id = ANY(?1::text[])`, ids, storecodec.MS(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it := &kabinet.OutboxItem{}
			var due int64
			dest := append([]any{&it.ID, &it.OrgID, &it.Kind, &it.SubjectID, &it.Stage, &it.RecipientID, &due, &it.LocalDate}, factsDest(&it.Facts)...)
			if err := rows.Scan(append(dest, &it.Facts.DeviceZone, &it.Facts.LaterStageDue, &it.Cabinet)...); err != nil {
				return err
			}
			it.DueAt = storecodec.FromMS(due)
			out = append(out, it)
		}
		return rows.Err()
	})
	return out, err
}

// ClaimDeliveries claims up to limit deliveries for owner until leaseUntil:
// PENDING ones that are due, and CLAIMED or SENDING ones whose claimer's
// lease ran out. A SENDING one was possibly handed to the provider before its
// claimer stopped: it is counted in InDoubt and an IN_DOUBT attempt is logged.
func (db *DB) ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*kabinet.DeliveryItem, error) {
	var out []*kabinet.DeliveryItem
	err := db.WriteTx(ctx, func(tx *txn) error {
		out = nil
		ids, err := queryStrings(ctx, tx, `SELECT id FROM push_deliveries WHERE status IN ('PENDING', 'CLAIMED', 'SENDING')
			AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED`, storecodec.MS(now), limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		doubted, err := queryStrings(ctx, tx, `INSERT INTO push_attempts (delivery_id, at, outcome, error)
			SELECT id, ?, 'IN_DOUBT', 'the dispatcher stopped while sending; the provider may have it' FROM push_deliveries
			WHERE id = ANY(?::text[]) AND status = 'SENDING' RETURNING delivery_id`, storecodec.MS(now), ids)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE push_deliveries SET in_doubt = in_doubt + CASE WHEN status = 'SENDING' THEN 1 ELSE 0 END,
			status = 'CLAIMED', claimed_by = ?, next_attempt_at = ?, updated_at = ? WHERE id = ANY(?::text[])`,
			owner, storecodec.MS(leaseUntil), storecodec.MS(now), ids); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT pd.id, pd.outbox_id, o.org_id, o.kind, o.subject_id, o.stage, o.recipient_id, o.employee_id,
			pd.device_id, pd.platform, COALESCE(t.provider, ''), COALESCE(t.token, ''), o.due_at, o.local_date, o.params,
			`+reasonFacts+`, dev.timezone, dev.revoked_at IS NOT NULL,
			pd.attempts, pd.first_attempt_at, pd.in_doubt,
			(SELECT count(*) FROM payslips p2 WHERE p2.employee_id = o.recipient_id AND p2.viewed_at IS NULL AND p2.retracted_at IS NULL),
			`+cabinetExpr+`
			FROM push_deliveries pd JOIN push_outbox o ON o.id = pd.outbox_id JOIN employees r ON r.id = o.recipient_id
			JOIN devices dev ON dev.id = pd.device_id JOIN organizations org ON org.id = o.org_id
			LEFT JOIN notification_settings s ON s.org_id = o.org_id LEFT JOIN push_tokens t ON t.device_id = pd.device_id`+reasonJoins+`
			WHERE pd.id = ANY(?1::text[])`, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it := &kabinet.DeliveryItem{}
			var due int64
			var first sql.NullInt64
			var params string
			dest := []any{&it.ID, &it.OutboxID, &it.OrgID, &it.Kind, &it.SubjectID, &it.Stage, &it.RecipientID, &it.EmployeeID,
				&it.DeviceID, &it.Platform, &it.Provider, &it.Token, &due, &it.LocalDate, &params}
			dest = append(dest, factsDest(&it.Facts)...)
			dest = append(dest, &it.Facts.DeviceZone, &it.DeviceRevoked, &it.Attempts, &first, &it.InDoubt, &it.Unviewed, &it.Cabinet)
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			it.DueAt, it.FirstAttemptAt = storecodec.FromMS(due), storecodec.NullTime(first)
			it.Doubted = slices.Contains(doubted, it.ID)
			if err := json.Unmarshal([]byte(params), &it.Params); err != nil {
				return err
			}
			out = append(out, it)
		}
		return rows.Err()
	})
	return out, err
}

// ApplyDeliveries writes changes of deliveries claimed by owner, each with
// its attempt in the log, in one transaction of three set-based statements
// over arrays (unnest, in input order), and returns the ids it left alone
// because owner no longer held them (cancelled or taken over meanwhile):
// the dispatcher must then not send them. Marking SENDING counts an attempt.
func (db *DB) ApplyDeliveries(ctx context.Context, owner string, ups []kabinet.DeliveryUpdate) ([]string, error) {
	if len(ups) == 0 {
		return nil, nil
	}
	now := storecodec.MS(db.now())
	ids, statuses, outcomes, errs, providerIDs, retire := make([]string, len(ups)), make([]string, len(ups)),
		make([]string, len(ups)), make([]string, len(ups)), make([]string, len(ups)), make([]string, len(ups))
	nexts, doubts := make([]int64, len(ups)), make([]int64, len(ups))
	for i, u := range ups {
		nexts[i] = now
		if !u.NextAttemptAt.IsZero() {
			nexts[i] = storecodec.MS(u.NextAttemptAt)
		}
		ids[i], statuses[i], outcomes[i], errs[i], providerIDs[i], retire[i] = u.ID, u.Status, u.Outcome, u.Error, u.ProviderID, u.RetireToken
		if u.InDoubt {
			doubts[i] = 1
		}
	}
	var lost []string
	err := db.WriteTx(ctx, func(tx *txn) error {
		const ups = `unnest(?3::text[], ?4::text[], ?5::bigint[], ?6::text[], ?7::text[], ?8::text[], ?9::text[], ?10::bigint[])
			WITH ORDINALITY AS u(id, s, n, o, e, p, rt, d, k)`
		const held = `FROM ` + ups + ` JOIN push_deliveries pd ON pd.id = u.id
			AND pd.claimed_by = ?1 AND pd.status IN ('CLAIMED', 'SENDING')`
		args := []any{owner, now, ids, statuses, nexts, outcomes, errs, providerIDs, retire, doubts}
		if _, err := tx.ExecContext(ctx, `INSERT INTO push_attempts (delivery_id, at, outcome, error)
			SELECT pd.id, ?2, u.o, u.e `+held+` WHERE u.o <> '' ORDER BY u.k`, args...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM push_tokens t USING `+ups+`, push_deliveries pd
			WHERE pd.id = u.id AND pd.claimed_by = ?1 AND pd.status IN ('CLAIMED', 'SENDING') AND ?2::bigint IS NOT NULL
			AND u.rt <> '' AND t.device_id = pd.device_id AND t.token = u.rt`, args...); err != nil {
			return err
		}
		done, err := queryStrings(ctx, tx, `UPDATE push_deliveries SET status = u.s, next_attempt_at = u.n, error = u.e,
			provider_id = CASE WHEN u.p <> '' THEN u.p ELSE provider_id END,
			claimed_by = CASE WHEN u.s IN ('CLAIMED', 'SENDING') THEN claimed_by ELSE '' END,
			attempts = attempts + CASE WHEN u.s = 'SENDING' THEN 1 ELSE 0 END, in_doubt = in_doubt + u.d,
			first_attempt_at = CASE WHEN u.s = 'SENDING' THEN COALESCE(first_attempt_at, ?2) ELSE first_attempt_at END,
			sent_at = CASE WHEN u.s = 'SENT' THEN ?2 ELSE sent_at END, updated_at = ?2
			FROM `+ups+`
			WHERE push_deliveries.id = u.id AND claimed_by = ?1 AND status IN ('CLAIMED', 'SENDING')
			RETURNING push_deliveries.id`, args...)
		if err != nil {
			return err
		}
		lost = storecodec.Missing(ids, done)
		return nil
	})
	return lost, err
}

// OutboxStats reports the work waiting at now: planned notifications and
// undelivered deliveries, and the due time of the oldest of them that is due.
func (db *DB) OutboxStats(ctx context.Context, now time.Time) (depth int, oldestDue time.Time, err error) {
	var a, b int
	var o1, o2 sql.NullInt64
	err = db.conn.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM push_outbox WHERE status = 'PLANNED'),
		(SELECT count(*) FROM push_deliveries WHERE status IN ('PENDING', 'CLAIMED', 'SENDING')),
		(SELECT min(not_before) FROM push_outbox WHERE status = 'PLANNED' AND not_before <= ?1),
		(SELECT min(next_attempt_at) FROM push_deliveries WHERE status = 'PENDING' AND next_attempt_at <= ?1)`, storecodec.MS(now)).
		Scan(&a, &b, &o1, &o2)
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
