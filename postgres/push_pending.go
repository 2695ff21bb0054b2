package postgres

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// The push planner's and dispatcher's store methods are being reshaped on
// other branches (planning rules moved into push/, a new claim/record
// interface); they are ported to PostgreSQL against that interface once it
// is on main. Until then they answer errPushPending, and a PostgreSQL
// deployment plans and sends no reminders (publication, sync and sign-in do
// not depend on them: the planner's errors are logged, not returned).
var errPushPending = &kabinet.Error{Code: kabinet.EINTERNAL, Message: "postgres: push planning and dispatch are not available on PostgreSQL yet"}

func (db *DB) SaveNotificationSettings(context.Context, string, *kabinet.NotificationSettings) error {
	return errPushPending
}

func (db *DB) DeliveryLog(context.Context, string, string, int,
	func(due, notBefore time.Time, localDate, zone string) time.Time) ([]*kabinet.Delivery, error) {
	return nil, errPushPending
}

func (db *DB) ClaimOutbox(context.Context, string, time.Time, time.Time, int) ([]*kabinet.OutboxItem, error) {
	return nil, nil // nothing is planned, so nothing is due
}

func (db *DB) ApplyOutbox(context.Context, string, []kabinet.OutboxDecision) error {
	return errPushPending
}

func (db *DB) ClaimDeliveries(context.Context, string, time.Time, time.Time, int) ([]*kabinet.DeliveryItem, error) {
	return nil, nil
}

func (db *DB) ApplyDeliveries(context.Context, string, []kabinet.DeliveryUpdate) ([]string, error) {
	return nil, errPushPending
}

func (db *DB) OutboxStats(context.Context, time.Time) (int, time.Time, error) {
	return 0, time.Time{}, nil
}

func (db *DB) PlanPayslipReminders(context.Context, string, *kabinet.NotificationSettings, []string) (int64, error) {
	return 0, errPushPending
}

func (db *DB) PlanVacationReminders(context.Context, string, *kabinet.NotificationSettings, []string) (int64, error) {
	return 0, errPushPending
}

func (db *DB) PlanVacationRemindersOf(context.Context, string, *kabinet.NotificationSettings, []string) (int64, error) {
	return 0, errPushPending
}

func (db *DB) PlanNewDevice(context.Context, string, string, *kabinet.Device) error {
	return errPushPending
}

func (db *DB) PlanPayslipBroadcast(context.Context, string, string, time.Duration) (int64, error) {
	return 0, errPushPending
}

func (db *DB) CancelReminders(context.Context, []string, []string, string) (int64, error) {
	return 0, nil // nothing is planned, so nothing is cancelled
}
