package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// deliveryLogQuery is HR's delivery log with every filter of
// kabinet.DeliveryFilter in a fixed shape (an empty filter matches
// everything), so that the statement is prepared once.
var deliveryLogQuery = `SELECT COALESCE(pd.id, o.id), o.kind, o.stage, r.external_id, r.last_name, r.first_name,
	COALESCE(pd.platform, ''), COALESCE(pd.provider, ''), o.status, COALESCE(pd.status, ''),
	o.note, COALESCE(pd.error, ''), o.due_at, o.not_before, o.local_date, COALESCE(pd.next_attempt_at, 0), pd.sent_at,
	r.timezone, ` + deviceZone + `, COALESCE(s.timezone, ''), org.timezone
	FROM push_outbox o JOIN employees r ON r.id = o.recipient_id JOIN organizations org ON org.id = o.org_id
	LEFT JOIN notification_settings s ON s.org_id = o.org_id
	LEFT JOIN push_deliveries pd ON pd.outbox_id = o.id
	WHERE o.org_id = ? AND (? = '' OR o.recipient_id = ?) AND (? = '' OR o.kind = ?)
	AND (? = '' OR pd.provider = ?) AND (? = 0 OR o.due_at >= ?) AND (? = 0 OR o.due_at < ?)
	AND (? = '' OR (pd.id IS NULL AND o.status IN (` + placeholders(len(storecodec.OutboxStored)) + `))
		OR (pd.status IN (` + placeholders(len(storecodec.DeliveryStored)) + `)
			AND (? = 0 OR (? = 1 AND pd.error = '') OR (? = 2 AND pd.error <> ''))))
	ORDER BY o.created_at DESC, o.due_at DESC, o.id, pd.id LIMIT ?`

// padded returns vals padded to n with "" (a status no row has).
func padded(vals []string, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = ""
		if i < len(vals) {
			out[i] = vals[i]
		}
	}
	return out
}

// DeliveryLog lists the organisation's notifications that f selects, newest
// first, at most f.Limit lines: one line per device a notification went to,
// or one line for a notification not (yet) fanned out, each with its
// attempts. f.Status is a status as shown to HR (storecodec.Stored maps it
// back). plannedAt computes when a notification not yet fanned out will go:
// from its due time (or the local date it is due on) in the recipient's
// zone, and the next look the dispatcher scheduled.
func (s *Store) DeliveryLog(ctx context.Context, orgID string, f kabinet.DeliveryFilter,
	plannedAt func(due, notBefore time.Time, localDate string, zones *kabinet.ReasonFacts) time.Time) ([]*kabinet.Delivery, error) {
	var stored storecodec.StoredStatuses
	if f.Status != "" {
		var ok bool
		if stored, ok = storecodec.Stored(f.Status); !ok {
			return nil, nil // a status no line is shown with
		}
	}
	// The date bounds come with a flag each: a bound compared with 0 would
	// make PostgreSQL take it for a 4-byte integer.
	var hasFrom, hasTo int
	var from, to int64
	if !f.From.IsZero() {
		hasFrom, from = 1, storecodec.MS(f.From)
	}
	if !f.To.IsZero() {
		hasTo, to = 1, storecodec.MS(f.To)
	}
	args := []any{orgID, f.EmployeeID, f.EmployeeID, f.Kind, f.Kind, f.Provider, f.Provider, hasFrom, from, hasTo, to, f.Status}
	args = append(args, padded(stored.Outbox, len(storecodec.OutboxStored))...)
	args = append(args, padded(stored.Delivery, len(storecodec.DeliveryStored))...)
	args = append(args, stored.Error, stored.Error, stored.Error, f.Limit)
	var out []*kabinet.Delivery
	err := s.run.Read(ctx, func(tx Tx) error {
		var err error
		var fanned []string
		out, err = queryAll(ctx, tx, func(row scanner) (*kabinet.Delivery, error) {
			r := &kabinet.Delivery{}
			var last, first, ostatus, dstatus, note, derr, localDate string
			var zones kabinet.ReasonFacts
			var due, notBefore, next int64
			var sent sql.NullInt64
			if err := row.Scan(&r.ID, &r.Kind, &r.Stage, &r.EmployeeExternalID, &last, &first, &r.Platform, &r.Provider,
				&ostatus, &dstatus, &note, &derr, &due, &notBefore, &localDate, &next, &sent,
				&zones.EmployeeZone, &zones.DeviceZone, &zones.SettingsZone, &zones.OrgZone); err != nil {
				return nil, err
			}
			r.EmployeeName = strings.TrimSpace(last + " " + first)
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
				return r, nil
			}
			r.Status, r.Error = storecodec.DeliveryStatus(dstatus, derr), derr
			r.PlannedAt = storecodec.FromMS(next)
			if r.SentAt != nil {
				r.PlannedAt = *r.SentAt
			}
			fanned = append(fanned, r.ID)
			return r, nil
		}, deliveryLogQuery, args...)
		if err != nil {
			return err
		}
		return s.readAttempts(ctx, tx, out, fanned)
	})
	return out, err
}

// readAttempts adds the attempts of the deliveries ids to their lines, in
// one statement whose shape does not depend on how many there are.
func (s *Store) readAttempts(ctx context.Context, tx Tx, lines []*kabinet.Delivery, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	byID := make(map[string]*kabinet.Delivery, len(lines))
	for _, l := range lines {
		byID[l.ID] = l
	}
	rows, err := tx.QueryContext(ctx, `SELECT delivery_id, at, outcome, error FROM push_attempts
		WHERE `+s.dialect.InStrings("delivery_id")+` ORDER BY id`, s.dialect.Strings(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var a kabinet.DeliveryAttempt
		var at int64
		if err := rows.Scan(&id, &at, &a.Outcome, &a.Error); err != nil {
			return err
		}
		a.At = storecodec.FromMS(at)
		if l := byID[id]; l != nil {
			l.Attempts = append(l.Attempts, a)
		}
	}
	return rows.Err()
}
