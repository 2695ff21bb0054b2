package postgres

import (
	"context"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// The dispatcher's side of the outbox that is PostgreSQL's own: the
// delivery outcomes (ApplyDeliveries, over unnest'ed arrays). The claims,
// the fan-out, the gauges and HR's delivery log (ClaimOutbox, ApplyOutbox,
// ClaimDeliveries, OutboxStats, DeliveryLog) are written once for both
// stores in internal/sqlstore: claims take rows FOR UPDATE SKIP LOCKED, so
// instances share the work without waiting on each other, and store a
// lease (claimed_by = the instance, the lease end in not_before /
// next_attempt_at), so rows of an instance that died come due again by
// themselves. Every later write is fenced by claimed_by: an instance whose
// lease ran out and whose rows were taken over cannot overwrite the new
// owner's result (its writes come back as lost). Wake-ups between instances
// are not needed for correctness: a claim that finds nothing waits for the
// dispatcher's polling interval.

// ApplyDeliveries writes changes of deliveries claimed by owner, each with
// its attempt in the log, in one transaction of three set-based statements
// over arrays (unnest, in input order), and returns the ids it left alone
// because owner no longer held them (cancelled or taken over meanwhile):
// the dispatcher must then not send them. Marking SENDING counts an attempt.
func (db *DB) ApplyDeliveries(ctx context.Context, owner string, ups []kabinet.DeliveryUpdate) ([]string, error) {
	if len(ups) == 0 {
		return nil, nil
	}
	now := storecodec.MS(db.now())
	ids, statuses, outcomes, errs, providerIDs, retire := make([]string, len(ups)), make([]string, len(ups)),
		make([]string, len(ups)), make([]string, len(ups)), make([]string, len(ups)), make([]string, len(ups))
	nexts, doubts := make([]int64, len(ups)), make([]int64, len(ups))
	for i, u := range ups {
		nexts[i] = now
		if !u.NextAttemptAt.IsZero() {
			nexts[i] = storecodec.MS(u.NextAttemptAt)
		}
		ids[i], statuses[i], outcomes[i], errs[i], providerIDs[i], retire[i] = u.ID, u.Status, u.Outcome, u.Error, u.ProviderID, u.RetireToken
		if u.InDoubt {
			doubts[i] = 1
		}
	}
	var lost []string
	err := db.WriteTx(ctx, func(tx *txn) error {
		const ups = `unnest(?3::text[], ?4::text[], ?5::bigint[], ?6::text[], ?7::text[], ?8::text[], ?9::text[], ?10::bigint[])
			WITH ORDINALITY AS u(id, s, n, o, e, p, rt, d, k)`
		const held = `FROM ` + ups + ` JOIN push_deliveries pd ON pd.id = u.id
			AND pd.claimed_by = ?1 AND pd.status IN ('CLAIMED', 'SENDING')`
		args := []any{owner, now, ids, statuses, nexts, outcomes, errs, providerIDs, retire, doubts}
		if _, err := tx.ExecContext(ctx, `INSERT INTO push_attempts (delivery_id, at, outcome, error)
			SELECT pd.id, ?2, u.o, u.e `+held+` WHERE u.o <> '' ORDER BY u.k`, args...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM push_tokens t USING `+ups+`, push_deliveries pd
			WHERE pd.id = u.id AND pd.claimed_by = ?1 AND pd.status IN ('CLAIMED', 'SENDING') AND ?2::bigint IS NOT NULL
			AND u.rt <> '' AND t.device_id = pd.device_id AND t.token = u.rt`, args...); err != nil {
			return err
		}
		done, err := queryStrings(ctx, tx, `UPDATE push_deliveries SET status = u.s, next_attempt_at = u.n, error = u.e,
			provider_id = CASE WHEN u.p <> '' THEN u.p ELSE provider_id END,
			claimed_by = CASE WHEN u.s IN ('CLAIMED', 'SENDING') THEN claimed_by ELSE '' END,
			attempts = attempts + CASE WHEN u.s = 'SENDING' THEN 1 ELSE 0 END, in_doubt = in_doubt + u.d,
			first_attempt_at = CASE WHEN u.s = 'SENDING' THEN COALESCE(first_attempt_at, ?2) ELSE first_attempt_at END,
			sent_at = CASE WHEN u.s = 'SENT' THEN ?2 ELSE sent_at END, updated_at = ?2
			FROM `+ups+`
			WHERE push_deliveries.id = u.id AND claimed_by = ?1 AND status IN ('CLAIMED', 'SENDING')
			RETURNING push_deliveries.id`, args...)
		if err != nil {
			return err
		}
		lost = storecodec.Missing(ids, done)
		return nil
	})
	return lost, err
}
