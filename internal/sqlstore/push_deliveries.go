package sqlstore

import (
	"context"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// deliveryUpdate is a kabinet.DeliveryUpdate as ApplyDeliveries hands it
// to the database, one element of a JSON array.
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
// its attempt in the log, in one transaction of at most three set-based
// statements over one JSON array (so that a group of outcomes costs about
// what one does), and returns the ids it left alone because owner no longer
// held them (cancelled, or taken over by another instance after its lease
// ran out): the dispatcher must then not send them. The statuses and
// outcomes are the dispatcher's (push/); the bookkeeping is this: marking
// SENDING counts an attempt and sets the first attempt's time once, SENT
// sets the time sent, a status other than CLAIMED or SENDING gives the row
// up (claimed_by emptied), and a retired token is deleted from its device.
func (s *Store) ApplyDeliveries(ctx context.Context, owner string, ups []kabinet.DeliveryUpdate) ([]string, error) {
	if len(ups) == 0 {
		return nil, nil
	}
	now := storecodec.MS(s.now())
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
	js := JSON(rows)
	d := s.dialect
	// held: the updates whose row owner still holds, in input order (j.key).
	// Unindexed keeps SQLite from looking rows up by status (every claimed
	// row) instead of by id (the group's).
	held := `FROM ` + d.JSONRows("j") + ` JOIN push_deliveries pd ON pd.id = j.value ->> 'id'
		AND ` + d.Unindexed("pd.claimed_by") + ` = ? AND ` + d.Unindexed("pd.status") + ` IN ('CLAIMED', 'SENDING')`
	var lost []string
	err := s.run.Write(ctx, func(tx Tx) error {
		if logs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO push_attempts (delivery_id, at, outcome, error)
				SELECT pd.id, CAST(? AS BIGINT), j.value ->> 'o', j.value ->> 'e' `+held+` WHERE j.value ->> 'o' <> '' ORDER BY j.key`,
				now, js, owner); err != nil {
				return err
			}
		}
		if retires {
			if _, err := tx.ExecContext(ctx, `DELETE FROM push_tokens WHERE (device_id, token) IN
				(SELECT pd.device_id, j.value ->> 'rt' `+held+` WHERE j.value ->> 'rt' <> '')`, js, owner); err != nil {
				return err
			}
		}
		done, err := queryAll(ctx, tx, scanString, `UPDATE push_deliveries SET status = u.s, next_attempt_at = u.n, error = u.e,
			provider_id = CASE WHEN u.p <> '' THEN u.p ELSE provider_id END,
			claimed_by = CASE WHEN u.s IN ('CLAIMED', 'SENDING') THEN claimed_by ELSE '' END,
			attempts = attempts + CASE WHEN u.s = 'SENDING' THEN 1 ELSE 0 END, in_doubt = in_doubt + u.d,
			first_attempt_at = CASE WHEN u.s = 'SENDING' THEN COALESCE(first_attempt_at, ?1) ELSE first_attempt_at END,
			sent_at = CASE WHEN u.s = 'SENT' THEN ?1 ELSE sent_at END, updated_at = ?1
			FROM (SELECT j.value ->> 'id' AS id, j.value ->> 's' AS s, CAST(j.value ->> 'n' AS BIGINT) AS n, j.value ->> 'e' AS e,
				j.value ->> 'p' AS p, CAST(j.value ->> 'd' AS INTEGER) AS d FROM `+numbered(d.JSONRows("j"), 2)+`) u
			WHERE push_deliveries.id = u.id AND `+d.Unindexed("claimed_by")+` = ?3 AND `+d.Unindexed("status")+` IN ('CLAIMED', 'SENDING')
			RETURNING push_deliveries.id`, now, js, owner)
		if err != nil {
			return err
		}
		lost = storecodec.Missing(ids, done)
		return nil
	})
	return lost, err
}
