package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/kabinet/kabinet"
)

// NotificationSettings returns the organisation's stored reminder schedule,
// or NOT_FOUND when HR never changed it (the caller applies the defaults).
func (db *DB) NotificationSettings(ctx context.Context, orgID string) (*kabinet.NotificationSettings, error) {
	s := &kabinet.NotificationSettings{}
	var delay, updated int64
	var pd, vd, md, texts string
	err := db.read.QueryRowContext(ctx, `SELECT window_start, window_end, send_delay_seconds, payslip_days, vacation_days,
		manager_days, timezone, texts, updated_at FROM notification_settings WHERE org_id = ?`, orgID).
		Scan(&s.WindowStart, &s.WindowEnd, &delay, &pd, &vd, &md, &s.Timezone, &texts, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "no notification settings stored")
	}
	if err != nil {
		return nil, err
	}
	s.SendDelay, s.UpdatedAt = time.Duration(delay)*time.Second, fromMS(updated)
	for _, f := range []struct {
		src string
		dst any
	}{{pd, &s.PayslipDays}, {vd, &s.VacationDays}, {md, &s.ManagerDays}, {texts, &s.Texts}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// SaveNotificationSettings stores the organisation's reminder schedule and,
// in the same transaction, re-plans every reminder that is not yet sent:
// planned reminders of stages that were switched off are cancelled ("settings
// changed"), the due times of the others follow the new delay, and newly
// switched-on stages are planned for payslips and vacations whose stage is
// still ahead. A stage switched off and on again is revived.
func (db *DB) SaveNotificationSettings(ctx context.Context, orgID string, s *kabinet.NotificationSettings) error {
	now := db.now()
	s.UpdatedAt = now
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		pd, vd, md, texts := jsonInts(s.PayslipDays), jsonInts(s.VacationDays), jsonInts(s.ManagerDays), mustJSON(s.Texts)
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_settings (org_id, window_start, window_end, send_delay_seconds,
			payslip_days, vacation_days, manager_days, timezone, texts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET window_start = excluded.window_start, window_end = excluded.window_end,
			send_delay_seconds = excluded.send_delay_seconds, payslip_days = excluded.payslip_days, vacation_days = excluded.vacation_days,
			manager_days = excluded.manager_days, timezone = excluded.timezone, texts = excluded.texts, updated_at = excluded.updated_at`,
			orgID, s.WindowStart, s.WindowEnd, int64(s.SendDelay/time.Second), pd, vd, md, s.Timezone, texts, ms(now)); err != nil {
			return err
		}
		return replan(ctx, tx, orgID, s, now)
	})
}

// replan brings the organisation's planned reminders in line with s.
func replan(ctx context.Context, tx *sql.Tx, orgID string, s *kabinet.NotificationSettings, now time.Time) error {
	delay := s.SendDelay.Milliseconds()
	for kind, days := range map[string][]int{
		kabinet.NotifyPayslipReminder:         s.PayslipDays,
		kabinet.NotifyVacationReminder:        s.VacationDays,
		kabinet.NotifyManagerVacationReminder: s.ManagerDays,
	} {
		if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET status = 'CANCELLED', note = ?, updated_at = ?
			WHERE org_id = ? AND kind = ? AND status = 'PLANNED' AND claimed_by = ''
			AND stage NOT IN (SELECT value FROM json_each(?))`, noteSettingsChanged, ms(now), orgID, kind, jsonInts(days)); err != nil {
			return err
		}
	}
	// The delay may have changed: planned reminders keep their stage, move their due time.
	if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET due_at = base_at + stage * 86400000 + ?, updated_at = ?
		WHERE org_id = ? AND kind = ? AND status = 'PLANNED' AND claimed_by = ''`,
		delay, ms(now), orgID, kabinet.NotifyPayslipReminder); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET due_at = `+localMidnightLowerBound("local_date")+` + ?, updated_at = ?
		WHERE org_id = ? AND kind IN (?, ?) AND status = 'PLANNED' AND claimed_by = ''`,
		delay, ms(now), orgID, kabinet.NotifyVacationReminder, kabinet.NotifyManagerVacationReminder); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET not_before = due_at
		WHERE org_id = ? AND status = 'PLANNED' AND claimed_by = '' AND kind IN (?, ?, ?)`, orgID,
		kabinet.NotifyPayslipReminder, kabinet.NotifyVacationReminder, kabinet.NotifyManagerVacationReminder); err != nil {
		return err
	}
	if _, err := planPayslips(ctx, tx, orgID, s, nil, true, now); err != nil {
		return err
	}
	_, err := planVacations(ctx, tx, orgID, s, nil, now)
	return err
}

const noteSettingsChanged = "settings changed"

func jsonInts(v []int) string {
	if v == nil {
		v = []int{}
	}
	return mustJSON(v)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain values only
	}
	return string(b)
}
