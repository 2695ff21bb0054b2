package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// CabinetCounts counts the organisation's employees by cabinet status
// (NOT_CREATED for those without a cabinet) and those with neither email
// nor phone, in one snapshot.
func (s *Store) CabinetCounts(ctx context.Context, orgID string) (*kabinet.CabinetCounts, error) {
	out := &kabinet.CabinetCounts{ByStatus: map[string]int{}}
	err := s.run.Read(ctx, func(tx Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT c.status, count(*) FROM employees e LEFT JOIN cabinets c ON c.employee_id = e.id
			WHERE e.org_id = ? GROUP BY c.status`, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st sql.NullString
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			status := kabinet.CabinetNotCreated
			if st.Valid {
				status = st.String
			}
			out.ByStatus[status] += n
			out.Employees += n
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM employees WHERE org_id = ? AND email = '' AND phone = ''`, orgID).
			Scan(&out.WithoutContacts)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PeriodViews counts the payslips of a period ("2026-10"; "" for the
// latest period with a payslip not withdrawn) that are not withdrawn, and
// those of them not yet viewed. Period is "" when there is none.
func (s *Store) PeriodViews(ctx context.Context, orgID, period string) (*kabinet.PeriodViews, error) {
	out := &kabinet.PeriodViews{}
	err := s.run.Read(ctx, func(tx Tx) error {
		if period == "" {
			var p sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT max(period) FROM payslips WHERE org_id = ? AND retracted_at IS NULL`, orgID).Scan(&p); err != nil {
				return err
			}
			if period = p.String; period == "" {
				return nil
			}
		}
		out.Period = period
		return tx.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(CASE WHEN viewed_at IS NULL THEN 1 ELSE 0 END), 0)
			FROM payslips WHERE org_id = ? AND period = ? AND retracted_at IS NULL`, orgID, period).Scan(&out.Published, &out.Unviewed)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// quarterHourMS is the bucket of the activity counts.
const quarterHourMS = "900000" // 15 minutes in ms, written into the statement: PostgreSQL groups by the same expression only

// MaxDueGroups bounds the due groups ActivityFacts reads.
const MaxDueGroups = 20000

// ActivityFacts reads what the reminders' activity chart is decided from,
// over [from, to): deliveries that ended SENT and those that ended FAILED
// or UNDELIVERABLE, counted by quarter hour of their last change, and the
// notifications not cancelled that were due then, grouped by due minute
// and the recipient's zone facts (at most MaxDueGroups groups).
func (s *Store) ActivityFacts(ctx context.Context, orgID string, from, to time.Time) (*kabinet.ActivityFacts, error) {
	out := &kabinet.ActivityFacts{}
	err := s.run.Read(ctx, func(tx Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT status, updated_at / `+quarterHourMS+`, count(*) FROM push_deliveries
			WHERE org_id = ? AND updated_at >= ? AND updated_at < ? AND status IN ('SENT', 'FAILED', 'UNDELIVERABLE')
			GROUP BY status, updated_at / `+quarterHourMS, orgID, storecodec.MS(from), storecodec.MS(to))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var bucket int64
			var n int
			if err := rows.Scan(&st, &bucket, &n); err != nil {
				return err
			}
			c := kabinet.PushCount{Bucket: storecodec.FromMS(bucket * 900000), N: n}
			if st == "SENT" {
				out.Sent = append(out.Sent, c)
			} else {
				out.Failed = append(out.Failed, c)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		out.Due, err = queryAll(ctx, tx, func(r scanner) (kabinet.DueGroup, error) {
			var g kabinet.DueGroup
			var minute int64
			err := r.Scan(&minute, &g.LocalDate, &g.Zones.EmployeeZone, &g.Zones.DeviceZone, &g.Zones.SettingsZone, &g.Zones.OrgZone, &g.N)
			g.Due = storecodec.FromMS(minute * 60000)
			return g, err
		}, `SELECT m, local_date, ez, dz, sz, oz, count(*) FROM (
				SELECT o.due_at / 60000 AS m, o.local_date AS local_date, r.timezone AS ez, `+deviceZone+` AS dz,
					COALESCE(st.timezone, '') AS sz, org.timezone AS oz
				FROM push_outbox o JOIN employees r ON r.id = o.recipient_id JOIN organizations org ON org.id = o.org_id
				LEFT JOIN notification_settings st ON st.org_id = o.org_id
				WHERE o.org_id = ? AND o.due_at >= ? AND o.due_at < ? AND o.status <> 'CANCELLED'
			) t GROUP BY m, local_date, ez, dz, sz, oz ORDER BY m LIMIT ?`,
			orgID, storecodec.MS(from), storecodec.MS(to), MaxDueGroups)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
