package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// DeliveryLog lists the organisation's notifications (of one recipient when
// employeeID is set), newest due first: one line per device a notification
// went to, or one line for a notification not (yet) fanned out, each with
// its attempts. plannedAt computes when a notification not yet fanned out
// will go: from its due time (or the local date it is due on) in the
// recipient's zone, and the next look the dispatcher scheduled.
func (s *Store) DeliveryLog(ctx context.Context, orgID, employeeID string, limit int,
	plannedAt func(due, notBefore time.Time, localDate string, zones *kabinet.ReasonFacts) time.Time) ([]*kabinet.Delivery, error) {
	q := `SELECT COALESCE(pd.id, o.id), o.kind, o.stage, r.external_id, COALESCE(pd.platform, ''), o.status, COALESCE(pd.status, ''),
		o.note, COALESCE(pd.error, ''), o.due_at, o.not_before, o.local_date, COALESCE(pd.next_attempt_at, 0), pd.sent_at,
		r.timezone, ` + deviceZone + `, COALESCE(s.timezone, ''), org.timezone
		FROM push_outbox o JOIN employees r ON r.id = o.recipient_id JOIN organizations org ON org.id = o.org_id
		LEFT JOIN notification_settings s ON s.org_id = o.org_id
		LEFT JOIN push_deliveries pd ON pd.outbox_id = o.id
		WHERE o.org_id = ?`
	args := []any{orgID}
	if employeeID != "" {
		q += ` AND o.recipient_id = ?`
		args = append(args, employeeID)
	}
	q += ` ORDER BY o.created_at DESC, o.due_at DESC, o.id, pd.id LIMIT ?`
	args = append(args, limit)
	var out []*kabinet.Delivery
	byID := map[string]*kabinet.Delivery{}
	err := s.run.Read(ctx, func(tx Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			r := &kabinet.Delivery{}
			var ostatus, dstatus, note, derr, localDate string
			var zones kabinet.ReasonFacts
			var due, notBefore, next int64
			var sent sql.NullInt64
			if err := rows.Scan(&r.ID, &r.Kind, &r.Stage, &r.EmployeeExternalID, &r.Platform, &ostatus, &dstatus, &note, &derr,
				&due, &notBefore, &localDate, &next, &sent,
				&zones.EmployeeZone, &zones.DeviceZone, &zones.SettingsZone, &zones.OrgZone); err != nil {
				return err
			}
			r.SentAt = storecodec.NullTime(sent)
			if dstatus == "" { // not fanned out
				r.Status, r.Error = storecodec.OutboxStatus(ostatus), note
				r.PlannedAt = storecodec.FromMS(due)
				if plannedAt != nil {
					// A claimed row's not_before is its lease end, not a plan.
					nb := notBefore
					if ostatus != "PLANNED" {
						nb = due
					}
					r.PlannedAt = plannedAt(storecodec.FromMS(due), storecodec.FromMS(nb), localDate, &zones)
				}
			} else {
				r.Status, r.Error = storecodec.DeliveryStatus(dstatus, derr), derr
				r.PlannedAt = storecodec.FromMS(next)
				if r.SentAt != nil {
					r.PlannedAt = *r.SentAt
				}
				ids = append(ids, r.ID)
			}
			out = append(out, r)
			byID[r.ID] = r
		}
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		rows.Close()
		arows, err := tx.QueryContext(ctx, `SELECT delivery_id, at, outcome, error FROM push_attempts
			WHERE delivery_id IN (SELECT value FROM `+s.dialect.JSONStrings()+`) ORDER BY id`, JSON(ids))
		if err != nil {
			return err
		}
		defer arows.Close()
		for arows.Next() {
			var id string
			var a kabinet.DeliveryAttempt
			var at int64
			if err := arows.Scan(&id, &at, &a.Outcome, &a.Error); err != nil {
				return err
			}
			a.At = storecodec.FromMS(at)
			if r := byID[id]; r != nil {
				r.Attempts = append(r.Attempts, a)
			}
		}
		return arows.Err()
	})
	return out, err
}
