package sqlite

import (
	"context"
	"database/sql"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// The dispatcher's side of the outbox that is SQLite's own: the delivery
// outcomes (ApplyDeliveries, over a JSON array). The claims, the fan-out,
// the gauges and HR's delivery log (ClaimOutbox, ApplyOutbox,
// ClaimDeliveries, OutboxStats, DeliveryLog), with their leases, are
// written once for both stores in internal/sqlstore.

// deliveryUpdate is a kabinet.DeliveryUpdate as ApplyDeliveries hands it
// to SQLite, one element of a JSON array.
type deliveryUpdate struct {
	ID          string `json:"id"`
	Status      string `json:"s"`
	Next        int64  `json:"n"`
	Outcome     string `json:"o"`
	Error       string `json:"e"`
	ProviderID  string `json:"p"`
	RetireToken string `json:"rt"`
	InDoubt     int    `json:"d"`
}

// ApplyDeliveries writes changes of deliveries claimed by owner, each with
// its attempt in the log, in one transaction of three set-based statements
// (so that a group of outcomes costs about what one does), and returns the
// ids it left alone because owner no longer held them (cancelled or taken
// over meanwhile): the dispatcher must then not send them. Marking SENDING
// counts an attempt.
func (db *DB) ApplyDeliveries(ctx context.Context, owner string, ups []kabinet.DeliveryUpdate) ([]string, error) {
	if len(ups) == 0 {
		return nil, nil
	}
	now := storecodec.MS(db.now())
	rows := make([]deliveryUpdate, len(ups))
	ids := make([]string, len(ups))
	var logs, retires bool // whether any update logs an attempt or retires a token
	for i, u := range ups {
		logs, retires = logs || u.Outcome != "", retires || u.RetireToken != ""
		next := now
		if !u.NextAttemptAt.IsZero() {
			next = storecodec.MS(u.NextAttemptAt)
		}
		rows[i] = deliveryUpdate{ID: u.ID, Status: u.Status, Next: next, Outcome: u.Outcome, Error: u.Error,
			ProviderID: u.ProviderID, RetireToken: u.RetireToken}
		if u.InDoubt {
			rows[i].InDoubt = 1
		}
		ids[i] = u.ID
	}
	js := mustJSON(rows)
	var lost []string
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		// held: the updates whose row owner still holds, in input order.
		// The unary + keeps SQLite from looking rows up by status (every
		// claimed row) instead of by id (the group's).
		const held = `FROM json_each(:ups) j JOIN push_deliveries pd ON pd.id = j.value ->> 'id'
			AND +pd.claimed_by = :owner AND +pd.status IN ('CLAIMED', 'SENDING')`
		args := []any{sql.Named("ups", js), sql.Named("owner", owner), sql.Named("now", now)}
		if logs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO push_attempts (delivery_id, at, outcome, error)
				SELECT pd.id, :now, j.value ->> 'o', j.value ->> 'e' `+held+` WHERE j.value ->> 'o' <> '' ORDER BY j.key`, args...); err != nil {
				return err
			}
		}
		if retires {
			if _, err := tx.ExecContext(ctx, `DELETE FROM push_tokens WHERE rowid IN (SELECT t.rowid `+held+`
				JOIN push_tokens t ON t.device_id = pd.device_id AND t.token = j.value ->> 'rt' WHERE j.value ->> 'rt' <> '')`, args...); err != nil {
				return err
			}
		}
		done, err := queryStrings(ctx, tx, `UPDATE push_deliveries SET status = u.s, next_attempt_at = u.n, error = u.e,
			provider_id = CASE WHEN u.p <> '' THEN u.p ELSE provider_id END,
			claimed_by = CASE WHEN u.s IN ('CLAIMED', 'SENDING') THEN claimed_by ELSE '' END,
			attempts = attempts + (u.s = 'SENDING'), in_doubt = in_doubt + u.d,
			first_attempt_at = CASE WHEN u.s = 'SENDING' THEN COALESCE(first_attempt_at, :now) ELSE first_attempt_at END,
			sent_at = CASE WHEN u.s = 'SENT' THEN :now ELSE sent_at END, updated_at = :now
			FROM (SELECT j.value ->> 'id' AS id, j.value ->> 's' AS s, j.value ->> 'n' AS n, j.value ->> 'e' AS e,
				j.value ->> 'p' AS p, j.value ->> 'd' AS d FROM json_each(:ups) j) u
			WHERE push_deliveries.id = u.id AND +claimed_by = :owner AND +status IN ('CLAIMED', 'SENDING')
			RETURNING push_deliveries.id`, args...)
		if err != nil {
			return err
		}
		lost = storecodec.Missing(ids, done)
		return nil
	})
	return lost, err
}

func queryStrings(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	return queryAll(ctx, tx, scanString, q, args...)
}
