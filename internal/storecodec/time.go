package storecodec

import (
	"database/sql"
	"time"
)

// Times are stored as Unix milliseconds, UTC, by both stores (and copied as
// such by kabinet migrate-store).

// MS converts a time to the stored form.
func MS(t time.Time) int64 { return t.UnixMilli() }

// FromMS converts a stored time back.
func FromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// NullTime converts a nullable stored time.
func NullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := FromMS(v.Int64)
	return &t
}
