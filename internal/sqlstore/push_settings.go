package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// NotificationSettings returns the organisation's stored reminder schedule,
// or NOT_FOUND when HR never changed it (the caller applies the defaults).
func (s *Store) NotificationSettings(ctx context.Context, orgID string) (*kabinet.NotificationSettings, error) {
	ns := &kabinet.NotificationSettings{}
	var delay, updated int64
	var pd, vd, md, texts string
	err := s.run.Reader().QueryRowContext(ctx, `SELECT window_start, window_end, send_delay_seconds, payslip_days, vacation_days,
		manager_days, timezone, texts, updated_at FROM notification_settings WHERE org_id = ?`, orgID).
		Scan(&ns.WindowStart, &ns.WindowEnd, &delay, &pd, &vd, &md, &ns.Timezone, &texts, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "no notification settings stored")
	}
	if err != nil {
		return nil, err
	}
	ns.SendDelay, ns.UpdatedAt = time.Duration(delay)*time.Second, storecodec.FromMS(updated)
	for _, f := range []struct {
		src string
		dst any
	}{{pd, &ns.PayslipDays}, {vd, &ns.VacationDays}, {md, &ns.ManagerDays}, {texts, &ns.Texts}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, err
		}
	}
	return ns, nil
}

// SaveNotificationSettings stores the organisation's reminder schedule and,
// in the same transaction, applies re (nil: nothing planned changes): the
// planned, unclaimed reminders of re.Keep's kinds at stages not kept are
// cancelled (kabinet.NoteSettingsChanged), the due times of the others move
// by re.Shift, then re.Rows are planned with replan set (PlanNotifications).
// Which stages are kept, the shift and the rows are decided in push/.
func (s *Store) SaveNotificationSettings(ctx context.Context, orgID string, ns *kabinet.NotificationSettings, re *kabinet.Replan) error {
	now := s.now()
	ns.UpdatedAt = now
	return s.run.Write(ctx, func(tx Tx) error {
		pd, vd, md, texts := jsonInts(ns.PayslipDays), jsonInts(ns.VacationDays), jsonInts(ns.ManagerDays), JSON(ns.Texts)
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_settings (org_id, window_start, window_end, send_delay_seconds,
			payslip_days, vacation_days, manager_days, timezone, texts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET window_start = excluded.window_start, window_end = excluded.window_end,
			send_delay_seconds = excluded.send_delay_seconds, payslip_days = excluded.payslip_days, vacation_days = excluded.vacation_days,
			manager_days = excluded.manager_days, timezone = excluded.timezone, texts = excluded.texts, updated_at = excluded.updated_at`,
			orgID, ns.WindowStart, ns.WindowEnd, int64(ns.SendDelay/time.Second), pd, vd, md, ns.Timezone, texts, storecodec.MS(now)); err != nil {
			return err
		}
		if re == nil {
			return nil
		}
		return s.replan(ctx, tx, orgID, re, now)
	})
}

// replan applies re to the organisation's planned reminders.
func (s *Store) replan(ctx context.Context, tx Tx, orgID string, re *kabinet.Replan, now time.Time) error {
	kinds := make([]string, 0, len(re.Keep))
	for kind, stages := range re.Keep {
		kinds = append(kinds, kind)
		if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET status = 'CANCELLED', note = ?, updated_at = ?
			WHERE org_id = ? AND kind = ? AND status = 'PLANNED' AND claimed_by = ''
			AND stage NOT IN (SELECT CAST(value AS BIGINT) FROM `+s.dialect.JSONStrings()+`)`,
			kabinet.NoteSettingsChanged, storecodec.MS(now), orgID, kind, jsonInts(stages)); err != nil {
			return err
		}
	}
	// A planned row looks next at its due time again (the window may have
	// moved it later); with a changed delay, that due time moves.
	if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET due_at = due_at + ?1, not_before = due_at + ?1, updated_at = ?2
		WHERE org_id = ?3 AND kind IN (SELECT value FROM `+numbered(s.dialect.JSONStrings(), 4)+`) AND status = 'PLANNED' AND claimed_by = ''`,
		re.Shift.Milliseconds(), storecodec.MS(now), orgID, JSON(kinds)); err != nil {
		return err
	}
	_, err := s.planNotifications(ctx, tx, orgID, re.Rows, true, now)
	return err
}

// jsonInts is v as a JSON array, [] for nil.
func jsonInts(v []int) string {
	if v == nil {
		v = []int{}
	}
	return JSON(v)
}
