package sqlstore

import (
	"context"
	"fmt"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// waiting is the stored status of a delivery not yet handed to a sender:
// the only deliveries a later stage may cancel. ApplyOutbox reads them with
// it and fences its cancellation with it (on PostgreSQL a dispatcher of
// another instance may take one to SENDING in between; that one is sent).
const waiting = `status IN ('PENDING', 'CLAIMED')`

// ApplyOutbox writes the dispatcher's decisions on outbox rows owner
// claimed, in one transaction. Cancel and re-plan are written as decided.
// Of the rows to expand, those owner still holds are read (and locked on
// PostgreSQL, so that no other instance takes them over before the commit)
// with their facts: every device of their recipients with its push token's
// provider, and the waiting deliveries of their reasons' earlier stages.
// fan decides from them which deliveries to create, which waiting ones to
// cancel and how each row ends; that is written in a few set-based
// statements (a delivery exists once per row and device whatever happens).
// Rows no longer claimed by owner are left alone and returned as lost.
func (s *Store) ApplyOutbox(ctx context.Context, owner string, decisions []kabinet.OutboxDecision, fan kabinet.FanOutRule) ([]string, error) {
	now := storecodec.MS(s.now())
	var lost []string
	err := s.run.Write(ctx, func(tx Tx) error {
		lost = nil
		var expand []string
		for _, d := range decisions {
			var n int64
			var err error
			switch d.Action {
			case kabinet.OutboxExpand:
				expand = append(expand, d.ID)
				continue
			case kabinet.OutboxCancel:
				n, err = exec(ctx, tx, `UPDATE push_outbox SET status = 'CANCELLED', note = ?, claimed_by = '', updated_at = ?
					WHERE id = ? AND claimed_by = ? AND status = 'PLANNED'`, d.Note, now, d.ID, owner)
			case kabinet.OutboxReplan:
				n, err = exec(ctx, tx, `UPDATE push_outbox SET not_before = ?, claimed_by = '', lease_until = 0, updated_at = ?
					WHERE id = ? AND claimed_by = ? AND status = 'PLANNED'`, storecodec.MS(d.NotBefore), now, d.ID, owner)
			default:
				continue
			}
			if err != nil {
				return err
			}
			if n == 0 {
				lost = append(lost, d.ID)
			}
		}
		if len(expand) == 0 {
			return nil
		}
		facts, err := s.fanOutFacts(ctx, tx, owner, expand)
		if err != nil {
			return err
		}
		held := make([]string, len(facts.Notifications))
		for i, n := range facts.Notifications {
			held[i] = n.ID
		}
		lost = append(lost, storecodec.Missing(expand, held)...)
		if len(held) == 0 {
			return nil
		}
		out := fan(facts)
		if err := checkFanOut(facts, &out); err != nil {
			return err
		}
		return s.writeFanOut(ctx, tx, owner, now, &out)
	})
	return lost, err
}

// fanOutFacts reads the rows of ids that owner holds, their recipients'
// devices and the waiting deliveries of their earlier stages: three
// statements whatever the number of rows.
func (s *Store) fanOutFacts(ctx context.Context, tx Tx, owner string, ids []string) (*kabinet.FanOutFacts, error) {
	f := &kabinet.FanOutFacts{Devices: make(map[string][]kabinet.FanOutDevice)}
	idj := JSON(ids)
	var err error
	f.Notifications, err = queryAll(ctx, tx, func(r scanner) (n kabinet.FanOutNotification, err error) {
		err = r.Scan(&n.ID, &n.OrgID, &n.Kind, &n.SubjectID, &n.Stage, &n.RecipientID)
		return n, err
	}, `SELECT id, org_id, kind, subject_id, stage, recipient_id FROM push_outbox
		WHERE id IN (SELECT value FROM `+s.dialect.JSONStrings()+`) AND claimed_by = ? AND status = 'PLANNED'
		ORDER BY id`+s.dialect.ForUpdate(), idj, owner)
	if err != nil || len(f.Notifications) == 0 {
		return f, err
	}
	recipients := make([]string, 0, len(f.Notifications))
	seen := make(map[string]bool, len(f.Notifications))
	held := make([]string, len(f.Notifications))
	for i, n := range f.Notifications {
		held[i] = n.ID
		if !seen[n.RecipientID] {
			seen[n.RecipientID] = true
			recipients = append(recipients, n.RecipientID)
		}
	}
	if f.Devices, err = s.devicesOf(ctx, tx, recipients); err != nil {
		return nil, err
	}
	// From the held rows to their earlier stages (the outbox's unique key)
	// to those stages' deliveries (theirs): SQLite takes CROSS JOIN as the
	// join order, so it never scans all waiting deliveries.
	f.Waiting, err = queryAll(ctx, tx, func(r scanner) (w kabinet.WaitingDelivery, err error) {
		err = r.Scan(&w.ID, &w.NotificationID)
		return w, err
	}, `SELECT pd.id, o2.id FROM `+s.dialect.JSONStrings()+` j CROSS JOIN push_outbox o2 CROSS JOIN push_outbox o1
		CROSS JOIN push_deliveries pd
		WHERE o2.id = j.value AND o1.kind = o2.kind AND o1.subject_id = o2.subject_id AND o1.subject_key = o2.subject_key
		AND o1.stage < o2.stage AND o1.recipient_id = o2.recipient_id AND pd.outbox_id = o1.id AND pd.`+waiting, JSON(held))
	return f, err
}

// devicesOf reads every device of the employees, with its push token's
// provider, by employee id.
func (s *Store) devicesOf(ctx context.Context, tx Tx, employeeIDs []string) (map[string][]kabinet.FanOutDevice, error) {
	out := make(map[string][]kabinet.FanOutDevice)
	rows, err := tx.QueryContext(ctx, `SELECT d.employee_id, d.id, d.platform, d.revoked_at IS NOT NULL, COALESCE(t.provider, '')
		FROM devices d LEFT JOIN push_tokens t ON t.device_id = d.id
		WHERE `+s.dialect.InStrings("d.employee_id")+` ORDER BY d.employee_id, d.id`, s.dialect.Strings(employeeIDs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var employeeID string
		var d kabinet.FanOutDevice
		if err := rows.Scan(&employeeID, &d.ID, &d.Platform, &d.Revoked, &d.Provider); err != nil {
			return nil, err
		}
		out[employeeID] = append(out[employeeID], d)
	}
	return out, rows.Err()
}

// Reach returns how each of the organisation's employees can be reached:
// their cabinet's status and every device of theirs. Employees with
// neither are left out.
func (s *Store) Reach(ctx context.Context, orgID string, employeeIDs []string) (map[string]kabinet.Reach, error) {
	out := make(map[string]kabinet.Reach, len(employeeIDs))
	err := s.run.Read(ctx, func(tx Tx) error {
		clear(out)
		devices, err := s.devicesOf(ctx, tx, employeeIDs)
		if err != nil {
			return err
		}
		for id, ds := range devices {
			out[id] = kabinet.Reach{Devices: ds}
		}
		rows, err := tx.QueryContext(ctx, `SELECT employee_id, status FROM cabinets
			WHERE org_id = ? AND `+s.dialect.InStrings("employee_id"), orgID, s.dialect.Strings(employeeIDs))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, status string
			if err := rows.Scan(&id, &status); err != nil {
				return err
			}
			r := out[id]
			r.CabinetStatus = status
			out[id] = r
		}
		return rows.Err()
	})
	return out, err
}

// checkFanOut refuses a fan-out that writes anything but what its facts
// allow: deliveries of held rows only, cancellations of waiting deliveries
// only, every held row settled once with a status of an expanded row.
func checkFanOut(f *kabinet.FanOutFacts, out *kabinet.FanOut) error {
	held := make(map[string]bool, len(f.Notifications))
	for _, n := range f.Notifications {
		held[n.ID] = true
	}
	for _, d := range out.Deliveries {
		if !held[d.NotificationID] {
			return fmt.Errorf("sqlstore: fan-out: delivery of %s, which is not held", d.NotificationID)
		}
	}
	waits := make(map[string]bool, len(f.Waiting))
	for _, w := range f.Waiting {
		waits[w.ID] = true
	}
	for _, c := range out.Cancel {
		if !waits[c.ID] {
			return fmt.Errorf("sqlstore: fan-out: cancel of %s, which does not wait", c.ID)
		}
	}
	settled := make(map[string]bool, len(out.Settled))
	for _, st := range out.Settled {
		if !held[st.ID] || settled[st.ID] || (st.Status != kabinet.OutboxDispatched && st.Status != kabinet.OutboxNoDevice) {
			return fmt.Errorf("sqlstore: fan-out: %s settled as %q: not held, settled twice or not an expanded status", st.ID, st.Status)
		}
		settled[st.ID] = true
	}
	if len(settled) != len(held) {
		return fmt.Errorf("sqlstore: fan-out settled %d of %d rows", len(settled), len(held))
	}
	return nil
}

// newDelivery is a kabinet.NewDelivery with its id, one element of the
// JSON array writeFanOut inserts.
type newDelivery struct {
	ID           string `json:"id"`
	Notification string `json:"n"`
	Org          string `json:"g"`
	Device       string `json:"d"`
	Platform     string `json:"p"`
	Provider     string `json:"v"`
}

// writeFanOut writes a checked fan-out: one INSERT of every delivery, one
// UPDATE per cancellation error and per final status and note (one or two
// each in practice). The rows were read held and locked in this transaction;
// the UPDATEs are fenced by owner all the same.
func (s *Store) writeFanOut(ctx context.Context, tx Tx, owner string, now int64, out *kabinet.FanOut) error {
	if len(out.Deliveries) > 0 {
		rows := make([]newDelivery, len(out.Deliveries))
		for i, d := range out.Deliveries {
			rows[i] = newDelivery{ID: kabinet.NewID("dl"), Notification: d.NotificationID, Org: d.OrgID,
				Device: d.DeviceID, Platform: d.Platform, Provider: d.Provider}
		}
		// WHERE true: SQLite's upsert after INSERT … SELECT needs a WHERE.
		if _, err := tx.ExecContext(ctx, `INSERT INTO push_deliveries (id, outbox_id, org_id, device_id, platform, provider, status,
			next_attempt_at, created_at, updated_at)
			SELECT j.value ->> 'id', j.value ->> 'n', j.value ->> 'g', j.value ->> 'd', j.value ->> 'p', j.value ->> 'v', 'PENDING',
			CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT)
			FROM `+s.dialect.JSONObjects()+` j WHERE true
			ON CONFLICT (outbox_id, device_id) DO NOTHING`, now, now, now, JSON(rows)); err != nil {
			return err
		}
	}
	for _, g := range groupBy(out.Cancel, func(c kabinet.CancelDelivery) (string, [2]string) { return c.ID, [2]string{c.Error} }) {
		// The fence inside the subquery, after the look-up by id: as a
		// condition of the UPDATE, SQLite would walk every waiting delivery
		// by the status index instead.
		if _, err := tx.ExecContext(ctx, `UPDATE push_deliveries SET status = 'CANCELLED', error = ?, claimed_by = '', updated_at = ?
			WHERE id IN (SELECT pd.id FROM `+s.dialect.JSONStrings()+` j CROSS JOIN push_deliveries pd
				WHERE pd.id = j.value AND pd.`+waiting+`)`, g.key[0], now, JSON(g.ids)); err != nil {
			return err
		}
	}
	for _, g := range groupBy(out.Settled, func(st kabinet.SettledOutbox) (string, [2]string) { return st.ID, [2]string{st.Status, st.Note} }) {
		if _, err := tx.ExecContext(ctx, `UPDATE push_outbox SET status = ?, note = ?, claimed_by = '', updated_at = ?
			WHERE id IN (SELECT value FROM `+s.dialect.JSONStrings()+`) AND claimed_by = ? AND status = 'PLANNED'`,
			g.key[0], g.key[1], now, JSON(g.ids), owner); err != nil {
			return err
		}
	}
	return nil
}

// group is the ids of the elements that share a key.
type group struct {
	key [2]string
	ids []string
}

// groupBy groups the ids of xs by key, groups in the order of their first
// element.
func groupBy[T any](xs []T, idKey func(T) (string, [2]string)) []group {
	var out []group
	at := make(map[[2]string]int)
	for _, x := range xs {
		id, k := idKey(x)
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, group{key: k})
		}
		out[i].ids = append(out[i].ids, id)
	}
	return out
}

// exec runs a statement and returns the number of rows it changed.
func exec(ctx context.Context, tx Tx, q string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
