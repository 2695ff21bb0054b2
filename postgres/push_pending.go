package postgres

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// The push planner's writes and the dispatcher's store methods (the
// outbox, deliveries, the delivery log) are not ported to PostgreSQL yet:
// their SQLite SQL was reshaped on main while this store was written. Until
// they are, they answer errPushPending, and a PostgreSQL deployment plans
// and sends no reminders. Publication, sync and sign-in do not depend on
// them: the planner's errors are logged, not returned, and with nothing
// planned the dispatcher finds nothing due.
var errPushPending = &kabinet.Error{Code: kabinet.EINTERNAL, Message: "postgres: push planning and dispatch are not available on PostgreSQL yet"}

func (db *DB) DeliveryLog(context.Context, string, string, int,
	func(due, notBefore time.Time, localDate, zone string) time.Time) ([]*kabinet.Delivery, error) {
	return nil, errPushPending
}

func (db *DB) ClaimOutbox(context.Context, string, time.Time, time.Time, int) ([]*kabinet.OutboxItem, error) {
	return nil, nil // nothing is planned, so nothing is due
}

func (db *DB) ApplyOutbox(context.Context, string, []kabinet.OutboxDecision) ([]string, error) {
	return nil, errPushPending
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
