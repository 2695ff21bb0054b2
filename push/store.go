package push

import (
	"context"
	"time"

	"github.com/kabinet/kabinet"
)

// DispatchStore is what the Dispatcher needs of the store: the outbox
// (one row per reason, recipient and stage) and its deliveries (one row per
// device). sqlite.DB implements it; a PostgreSQL store implements the same
// four methods with FOR UPDATE SKIP LOCKED.
//
// Leases. Work is claimed for a lease: the claimer's owner id and an
// expiry. A claim takes due rows that are free or whose lease ran out (a
// dead claimer's), in one call that returns everything the dispatcher needs
// to decide and send (no further read per row). Every later write names the
// owner and changes only the rows that owner still holds; a row whose lease
// was lost (it ran out and another instance claimed it, or the row was
// cancelled meanwhile) is left alone and its id is returned as lost, so the
// dispatcher neither sends it nor counts it. A store may therefore serve
// several dispatchers (goroutines, processes, instances) at once.
//
// In doubt. A delivery marked SENDING whose lease ran out was possibly
// handed to the provider by a claimer that died before recording the
// outcome. ClaimDeliveries takes such a row like a free one, counts it in
// DeliveryItem.InDoubt and logs an IN_DOUBT attempt.
type DispatchStore interface {
	// ClaimOutbox claims up to limit due PLANNED outbox rows (not_before
	// at or before now) for owner until leaseUntil, oldest first. Payslip
	// reminders overtaken by a later due stage are cancelled first.
	ClaimOutbox(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*kabinet.OutboxItem, error)
	// ApplyOutbox writes the decisions on rows owner claimed, in one
	// transaction: cancel or re-plan as decided; for the rows to expand that
	// owner still holds, it reads the facts (their recipients' devices, the
	// waiting deliveries of earlier stages), calls fan with them once and
	// writes what fan decided (deliveries, cancellations, final statuses;
	// at most one delivery per row and device). It returns the ids owner no
	// longer held, which it left alone.
	ApplyOutbox(ctx context.Context, owner string, decisions []kabinet.OutboxDecision, fan kabinet.FanOutRule) (lost []string, err error)
	// ClaimDeliveries claims up to limit deliveries for owner until
	// leaseUntil: due PENDING ones and CLAIMED or SENDING ones whose lease
	// ran out (see "In doubt").
	ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*kabinet.DeliveryItem, error)
	// ApplyDeliveries writes the updates of deliveries owner claimed, each
	// with its attempt in the log, in one transaction (the dispatcher groups
	// the outcomes that arrive together and the SENDING marks of the next
	// sends). Marking SENDING counts an attempt and renews the lease to
	// NextAttemptAt. It returns the ids owner no longer held, which it left
	// alone: a delivery whose SENDING mark is lost must not be sent.
	ApplyDeliveries(ctx context.Context, owner string, ups []kabinet.DeliveryUpdate) (lost []string, err error)
}
