package activation

import (
	"context"
	"time"
)

// Outbox tuning.
const (
	// sendLease is how long a claimed invitation belongs to its sender; a
	// sender that died holding it loses it after this. It exceeds sendTimeout.
	sendLease   = 2 * time.Minute
	sendTimeout = 45 * time.Second
	claimBatch  = 50
	// sweepEvery is how often Run flushes leftovers, blocks the dismissed
	// and purges old throttle counters.
	sweepEvery = time.Minute
)

// send delivers the queued invitations with the given outbox ids now.
func (s *Service) send(ctx context.Context, ids []string) error {
	for start := 0; start < len(ids); start += claimBatch {
		part := ids[start:min(start+claimBatch, len(ids))]
		if _, err := s.deliver(ctx, part); err != nil {
			return err
		}
	}
	return nil
}

// Flush delivers every unsettled invitation whose lease is free: those
// queued by automatic invitations and those left by a crash. It returns how
// many it settled.
func (s *Service) Flush(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.deliver(ctx, nil)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// deliver claims (ids, or any when nil) and sends one batch.
func (s *Service) deliver(ctx context.Context, ids []string) (int, error) {
	invs, err := s.Store.ClaimInvitations(ctx, ids, sendLease, claimBatch)
	if err != nil {
		return 0, err
	}
	for _, inv := range invs {
		reason := ""
		sender := s.Senders[inv.Channel]
		if sender == nil {
			reason = "no sender is configured for " + inv.Channel
		} else {
			sctx, cancel := context.WithTimeout(ctx, sendTimeout)
			err := sender.Send(sctx, Message{ID: inv.ID, Channel: inv.Channel, To: inv.To, Subject: inv.Subject, Text: inv.Body})
			cancel()
			if err != nil {
				reason = inv.Channel + " could not be sent: " + err.Error()
				s.logger().WarnContext(ctx, "invitation failed", "invitation", inv.ID, "channel", inv.Channel, "err", err)
			}
		}
		// Settled with a fresh context: the message went out, so its outcome
		// must be recorded even if the request was cancelled meanwhile.
		if err := s.Store.SettleInvitation(context.WithoutCancel(ctx), inv, reason); err != nil {
			return 0, err
		}
	}
	return len(invs), nil
}

// Kick asks Run to flush soon (after automatic invitations were queued).
func (s *Service) Kick() {
	select {
	case s.kicks() <- struct{}{}:
	default:
	}
}

func (s *Service) kicks() chan struct{} {
	s.once.Do(func() { s.kick = make(chan struct{}, 1) })
	return s.kick
}

// Run is the invitation worker: it flushes the outbox at start (what a crash
// left behind), whenever Kick is called and every minute, and at the same
// times blocks the cabinets of employees whose dismissal date has passed and
// drops expired throttle counters. It returns when ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		if _, err := s.Flush(ctx); err != nil && ctx.Err() == nil {
			s.logger().ErrorContext(ctx, "invitation outbox", "err", err)
		}
		if ctx.Err() == nil {
			if err := s.BlockDismissed(ctx); err != nil && ctx.Err() == nil {
				s.logger().ErrorContext(ctx, "block dismissed employees", "err", err)
			}
			if err := s.Store.PurgeThrottle(ctx, s.Clock.Now()); err != nil && ctx.Err() == nil {
				s.logger().ErrorContext(ctx, "purge throttle counters", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.kicks():
		case <-t.C:
		}
	}
}
