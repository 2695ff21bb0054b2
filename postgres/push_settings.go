package postgres

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
func (db *DB) NotificationSettings(ctx context.Context, orgID string) (*kabinet.NotificationSettings, error) {
	s := &kabinet.NotificationSettings{}
	var delay, updated int64
	var pd, vd, md, texts string
	err := db.conn.QueryRowContext(ctx, `SELECT window_start, window_end, send_delay_seconds, payslip_days, vacation_days,
		manager_days, timezone, texts, updated_at FROM notification_settings WHERE org_id = ?`, orgID).
		Scan(&s.WindowStart, &s.WindowEnd, &delay, &pd, &vd, &md, &s.Timezone, &texts, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "no notification settings stored")
	}
	if err != nil {
		return nil, err
	}
	s.SendDelay, s.UpdatedAt = time.Duration(delay)*time.Second, storecodec.FromMS(updated)
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
// in the same transaction, applies re (nil: nothing planned changes): the
// planned, unclaimed reminders of re.Keep's kinds at stages not kept are
// cancelled (kabinet.NoteSettingsChanged), the due times of the others move
// by re.Shift, then re.Rows are planned with replan set (PlanNotifications).
func (db *DB) SaveNotificationSettings(ctx context.Context, orgID string, s *kabinet.NotificationSettings, re *kabinet.Replan) error {
	now := db.now()
	s.UpdatedAt = now
	return db.WriteTx(ctx, func(tx *txn) error {
		pd, vd, md, texts := jsonInts(s.PayslipDays), jsonInts(s.VacationDays), jsonInts(s.ManagerDays), mustJSON(s.Texts)
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_settings (org_id, window_start, window_end, send_delay_seconds,
			payslip_days, vacation_days, manager_days, timezone, texts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET window_start = excluded.window_start, window_end = excluded.window_end,
			send_delay_seconds = excluded.send_delay_seconds, payslip_days = excluded.payslip_days, vacation_days = excluded.vacation_days,
			manager_days = excluded.manager_days, timezone = excluded.timezone, texts = excluded.texts, updated_at = excluded.updated_at`,
			orgID, s.WindowStart, s.WindowEnd, int64(s.SendDelay/time.Second), pd, vd, md, s.Timezone, texts, storecodec.MS(now)); err != nil {
			return err
		}
		if re == nil {
			return nil
		}
		return replan(ctx, tx, orgID, re, now)
	})
}

// replan applies re to the organisation's planned reminders.
func replan(ctx context.Context, tx *txn, orgID string, re *kabinet.Replan, now time.Time) error {
	kinds := make([]string, 0, len(re.Keep))
	for kind, stages := range re.Keep {
		kinds = append(kinds, kind)
		keep := make([]int64, len(stages))
		for i, st := range stages {
			keep[i] = int64(st)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET status = 'CANCELLED', note = ?, updated_at = ?
			WHERE org_id = ? AND kind = ? AND status = 'PLANNED' AND claimed_by = ''
			AND NOT (stage = ANY(?::bigint[]))`, kabinet.NoteSettingsChanged, storecodec.MS(now), orgID, kind, keep); err != nil {
			return err
		}
	}
	// A planned row looks next at its due time again (the window may have
	// moved it later); with a changed delay, that due time moves.
	if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET due_at = due_at + ?1, not_before = due_at + ?1, updated_at = ?2
		WHERE org_id = ?3 AND kind = ANY(?4::text[]) AND status = 'PLANNED' AND claimed_by = ''`,
		re.Shift.Milliseconds(), storecodec.MS(now), orgID, kinds); err != nil {
		return err
	}
	_, err := planNotifications(ctx, tx, orgID, re.Rows, true, now)
	return err
}

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
