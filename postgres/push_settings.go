package postgres

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
	err := db.conn.QueryRowContext(ctx, `SELECT window_start, window_end, send_delay_seconds, payslip_days, vacation_days,
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
