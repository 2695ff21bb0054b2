package activation

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kabinet/kabinet"
)

// Outbox tuning.
const (
	// sendLease is how long a claimed invitation belongs to its sender; a
	// sender that died holding it loses it after this. It exceeds sendTimeout.
	sendLease   = 2 * time.Minute
	sendTimeout = 45 * time.Second
	claimBatch  = 50
	// sendParallel messages are sent at once; sendBudget is how long a
	// request sends before leaving the rest to the worker.
	sendParallel = 8
	sendBudget   = 20 * time.Second
	// sweepEvery is how often Run flushes leftovers, blocks the dismissed
	// and purges old throttle counters.
	sweepEvery = time.Minute
)

// send delivers the queued invitations with the given outbox ids now, in
// parallel, for at most sendBudget: a request must answer before the HTTP
// server's write timeout. What it did not get to is left to Run (kicked)
// and returned.
func (s *Service) send(ctx context.Context, ids []string) (left []string, err error) {
	start := time.Now() // a network budget, not business time
	for i := 0; i < len(ids); i += claimBatch {
		if time.Since(start) > sendBudget {
			s.Kick()
			return ids[i:], nil
		}
		if _, err := s.deliver(ctx, ids[i:min(i+claimBatch, len(ids))]); err != nil {
			return nil, err
		}
	}
	return nil, nil
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

// deliver claims (ids, or any when nil) and sends one batch, sendParallel
// messages at a time.
func (s *Service) deliver(ctx context.Context, ids []string) (int, error) {
	invs, err := s.Store.ClaimInvitations(ctx, ids, sendLease, claimBatch)
	if err != nil {
		return 0, err
	}
	errs := make([]error, len(invs))
	sem := make(chan struct{}, sendParallel)
	var wg sync.WaitGroup
	for i, inv := range invs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = s.deliverOne(ctx, inv)
		}()
	}
	wg.Wait()
	return len(invs), errors.Join(errs...)
}

// deliverOne sends one claimed invitation and settles it.
func (s *Service) deliverOne(ctx context.Context, inv *kabinet.Invitation) error {
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
	return s.Store.SettleInvitation(context.WithoutCancel(ctx), inv, reason)
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
			if err := s.Limiter.Purge(ctx); err != nil && ctx.Err() == nil {
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
