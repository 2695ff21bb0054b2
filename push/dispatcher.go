package push

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/kabinet/kabinet"
)

// DispatchStore is what the Dispatcher needs of the store (sqlite.DB).
type DispatchStore interface {
	ClaimOutbox(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*kabinet.OutboxItem, error)
	ApplyOutbox(ctx context.Context, owner string, decisions []kabinet.OutboxDecision) error
	ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*kabinet.DeliveryItem, error)
	ApplyDeliveries(ctx context.Context, owner string, ups []kabinet.DeliveryUpdate) ([]string, error)
}

// Gate decides whether an employee may still be reached (active cabinet, not
// blocked or dismissed), like auth.Gate. A refusal cancels the notification.
type Gate interface {
	MaySignIn(ctx context.Context, orgID, employeeID string) error
}

// Dispatcher is the worker that delivers the outbox. Run polls; tests call
// DispatchDue. Several dispatchers (goroutines, processes or, on
// PostgreSQL, instances) may share one database: work is claimed with a
// lease and every write is guarded by the claimer's ID.
//
// Delivery guarantee, per (reason, stage, device):
//
//   - A delivery is marked SENDING (durably) before it is handed to the
//     provider, and its outcome is recorded after, with a context that
//     survives shutdown. A stop by context cancellation (graceful shutdown)
//     therefore never loses nor repeats a send: unsent claimed rows are
//     released, sent ones are recorded.
//   - If the process dies (or a Sender panics) between the SENDING mark and
//     the record, nobody can know whether the provider got it: FCM and APNs
//     have no idempotency keys. Such a row is found SENDING with its lease
//     over, logged IN_DOUBT and sent once more, with the same collapse key,
//     so a duplicate replaces the first on the lock screen. A row found in
//     doubt a second time is marked FAILED, not resent. So: exactly once
//     unless the process dies while a send is in flight; then at most twice,
//     never lost to a single crash. Only the rows of the batch in flight
//     (at most Concurrency) are exposed.
//   - Nothing is sent outside the window: the window is checked for the
//     device's zone right before the SENDING mark; a row whose time falls
//     outside (after downtime, a retry at night) is re-planned to the next
//     opening instead.
type Dispatcher struct {
	Store  DispatchStore
	Sender Sender
	Clock  kabinet.Clock
	Gate   Gate // nil: everyone may be reached
	// Settings returns an organisation's settings (Service.Settings).
	Settings func(ctx context.Context, orgID string) (*kabinet.NotificationSettings, error)
	Logger   *slog.Logger
	Metrics  *Metrics

	ID            string        // this instance; default random
	Concurrency   int           // sends in flight at once; default 32
	Lease         time.Duration // how long a claim holds; default 2 minutes
	SendTimeout   time.Duration // per send; default 30 seconds
	PollInterval  time.Duration // Run's idle poll; default 5 seconds
	RetryBase     time.Duration // first back-off; default 30 seconds
	RetryMax      time.Duration // longest back-off; default 1 hour
	RetryDeadline time.Duration // give up this long after the first attempt; default 24 hours
	Locale        string        // default LocaleRU

	once  sync.Once
	wake  chan struct{}
	hooks hooks
}

// hooks let crash tests stop the dispatcher at chosen points.
type hooks struct{ afterOutboxClaim, afterClaim, afterMark, beforeRecord func() }

func (d *Dispatcher) init() {
	d.once.Do(func() {
		if d.ID == "" {
			d.ID = kabinet.NewID("disp")
		}
		if d.Concurrency <= 0 {
			d.Concurrency = 32
		}
		def := func(p *time.Duration, v time.Duration) {
			if *p <= 0 {
				*p = v
			}
		}
		def(&d.Lease, 2*time.Minute)
		def(&d.SendTimeout, 30*time.Second)
		def(&d.PollInterval, 5*time.Second)
		def(&d.RetryBase, 30*time.Second)
		def(&d.RetryMax, time.Hour)
		def(&d.RetryDeadline, 24*time.Hour)
		if d.Locale == "" {
			d.Locale = LocaleRU
		}
		if d.Logger == nil {
			d.Logger = slog.Default()
		}
		d.wake = make(chan struct{}, 1)
	})
}

// Wake makes Run look for due work now instead of at its next poll.
func (d *Dispatcher) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx ends, then returns nil once the sends in flight
// are recorded. It polls every PollInterval, timed by the Clock when it has
// an After method (test clocks), else by the wall clock, and at every Wake.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.init()
	for {
		if _, err := d.DispatchDue(ctx); err != nil && ctx.Err() == nil {
			d.Logger.ErrorContext(ctx, "push: dispatch", "err", err)
		}
		var tick <-chan time.Time
		stop := func() {}
		if c, ok := d.Clock.(interface {
			After(time.Duration) <-chan time.Time
		}); ok {
			tick = c.After(d.PollInterval)
		} else {
			t := time.NewTimer(d.PollInterval)
			tick, stop = t.C, func() { t.Stop() }
		}
		select {
		case <-ctx.Done():
			stop()
			return nil
		case <-tick:
		case <-d.wake:
		}
		stop()
	}
}

// Stats counts what one DispatchDue did.
type Stats struct {
	Expanded, Replanned, Cancelled, Sent, Retried, Failed int
}

// DispatchDue does all the work that is due now and returns what it did:
// due outbox rows are checked and fanned out to devices, then due
// deliveries are sent in batches until none is left. It stops early, with
// ctx's error, when ctx ends.
func (d *Dispatcher) DispatchDue(ctx context.Context) (Stats, error) {
	d.init()
	var st Stats
	for ctx.Err() == nil {
		n, err := d.expand(ctx, &st)
		if err != nil {
			return st, err
		}
		if n == 0 {
			break
		}
	}
	for ctx.Err() == nil {
		n, err := d.deliver(ctx, &st)
		if err != nil {
			return st, err
		}
		if n == 0 {
			break
		}
	}
	return st, ctx.Err()
}

const outboxBatch = 500

// cache memoizes per-batch lookups: settings, windows, zones, gate answers.
type cache struct {
	d        *Dispatcher
	settings map[string]*kabinet.NotificationSettings
	windows  map[string]Window
	gate     map[string]error
}

func (d *Dispatcher) newCache() *cache {
	return &cache{d: d, settings: map[string]*kabinet.NotificationSettings{}, windows: map[string]Window{}, gate: map[string]error{}}
}

func (c *cache) org(ctx context.Context, orgID string) (*kabinet.NotificationSettings, Window, error) {
	if s, ok := c.settings[orgID]; ok {
		return s, c.windows[orgID], nil
	}
	s, err := c.d.Settings(ctx, orgID)
	if err != nil {
		return nil, Window{}, err
	}
	w, err := ParseWindow(s.WindowStart, s.WindowEnd)
	if err != nil {
		return nil, Window{}, fmt.Errorf("push: stored window of %s: %w", orgID, err)
	}
	c.settings[orgID], c.windows[orgID] = s, w
	return s, w, nil
}

func (c *cache) mayReach(ctx context.Context, orgID, employeeID string) error {
	if c.d.Gate == nil {
		return nil
	}
	if err, ok := c.gate[employeeID]; ok {
		return err
	}
	err := c.d.Gate.MaySignIn(ctx, orgID, employeeID)
	c.gate[employeeID] = err
	return err
}

// expand claims due outbox rows and fans them out, cancels them or moves them
// to the window's next opening. It returns the number of rows claimed.
func (d *Dispatcher) expand(ctx context.Context, st *Stats) (int, error) {
	now := d.Clock.Now()
	items, err := d.Store.ClaimOutbox(ctx, d.ID, now, now.Add(d.Lease), outboxBatch)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	call(d.hooks.afterOutboxClaim)
	c := d.newCache()
	decisions := make([]kabinet.OutboxDecision, 0, len(items))
	for _, it := range items {
		dec, err := d.decideOutbox(ctx, c, it, now)
		if err != nil {
			return 0, err
		}
		switch dec.Action {
		case kabinet.OutboxExpand:
			st.Expanded++
		case kabinet.OutboxReplan:
			st.Replanned++
		case kabinet.OutboxCancel:
			st.Cancelled++
			d.Metrics.cancelled("", it.Kind, dec.Note)
		}
		decisions = append(decisions, dec)
	}
	return len(items), d.Store.ApplyOutbox(context.WithoutCancel(ctx), d.ID, decisions)
}

func (d *Dispatcher) decideOutbox(ctx context.Context, c *cache, it *kabinet.OutboxItem, now time.Time) (kabinet.OutboxDecision, error) {
	dec := kabinet.OutboxDecision{ID: it.ID, Action: kabinet.OutboxCancel}
	if it.Gone != "" {
		dec.Note = it.Gone
		return dec, nil
	}
	if err := c.mayReach(ctx, it.OrgID, it.RecipientID); err != nil {
		dec.Note = "recipient cannot be reached: " + kabinet.ErrorMessage(err)
		return dec, nil
	}
	s, w, err := c.org(ctx, it.OrgID)
	if err != nil {
		return dec, err
	}
	loc := location(it.Zone)
	if dayOver(it.LocalDate, now, loc) {
		dec.Note = "its day is over (the vacation has begun or the day passed)"
		return dec, nil
	}
	if it.Kind == kabinet.NotifyNewDevice && now.Sub(it.DueAt) > 48*time.Hour {
		dec.Note = "too old to be useful"
		return dec, nil
	}
	at := deliverAt(w, later(exactDue(it.DueAt, it.LocalDate, s.SendDelay, loc), now), loc)
	if at.After(now) {
		return kabinet.OutboxDecision{ID: it.ID, Action: kabinet.OutboxReplan, NotBefore: at}, nil
	}
	return kabinet.OutboxDecision{ID: it.ID, Action: kabinet.OutboxExpand}, nil
}

// job is one delivery to send.
type job struct {
	it  *kabinet.DeliveryItem
	n   *Notification
	res Result
	ok  bool // the Sender returned (no panic)
}

// deliver claims one batch of due deliveries, re-checks each, marks the ones
// to send SENDING, sends them with bounded concurrency and records every
// outcome. It returns the number of rows claimed.
func (d *Dispatcher) deliver(ctx context.Context, st *Stats) (int, error) {
	now := d.Clock.Now()
	items, err := d.Store.ClaimDeliveries(ctx, d.ID, now, now.Add(d.Lease), d.Concurrency)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	call(d.hooks.afterClaim)
	c := d.newCache()
	var pre []kabinet.DeliveryUpdate
	var jobs []*job
	for _, it := range items {
		up, n, err := d.decideDelivery(ctx, c, it, now)
		if err != nil {
			return 0, err
		}
		if n != nil {
			jobs = append(jobs, &job{it: it, n: n})
		}
		switch up.Status {
		case "CANCELLED", "UNDELIVERABLE":
			st.Cancelled++
			d.Metrics.cancelled(it.Provider, it.Kind, up.Error)
		case "FAILED":
			st.Failed++
			d.Metrics.failed(it.Provider, "in_doubt")
		case "PENDING":
			st.Replanned++
		}
		pre = append(pre, up)
	}
	bg := context.WithoutCancel(ctx)
	marked, err := d.Store.ApplyDeliveries(bg, d.ID, pre)
	if err != nil {
		return 0, err
	}
	call(d.hooks.afterMark)
	ok := make(map[string]bool, len(marked))
	for _, id := range marked {
		ok[id] = true
	}
	send := jobs[:0]
	for _, j := range jobs {
		if ok[j.it.ID] {
			send = append(send, j)
		}
	}
	d.sendAll(ctx, send)
	call(d.hooks.beforeRecord)
	var post []kabinet.DeliveryUpdate
	for _, j := range send {
		if !j.ok {
			continue // panicked: left SENDING, resolved as in doubt after the lease
		}
		up := d.record(j, now)
		switch up.Status {
		case "SENT":
			st.Sent++
		case "PENDING":
			st.Retried++
		case "FAILED", "UNDELIVERABLE":
			st.Failed++
		}
		post = append(post, up)
	}
	if _, err := d.Store.ApplyDeliveries(bg, d.ID, post); err != nil {
		return 0, err
	}
	return len(items), nil
}

func call(f func()) {
	if f != nil {
		f()
	}
}

// decideDelivery re-checks a claimed delivery. It returns the update to
// write before sending and, when it is to be sent, the notification.
func (d *Dispatcher) decideDelivery(ctx context.Context, c *cache, it *kabinet.DeliveryItem, now time.Time) (kabinet.DeliveryUpdate, *Notification, error) {
	up := kabinet.DeliveryUpdate{ID: it.ID, Status: "CANCELLED"}
	cancel := func(outcome, why string) (kabinet.DeliveryUpdate, *Notification, error) {
		up.Outcome, up.Error = outcome, why
		return up, nil, nil
	}
	switch {
	case it.Gone != "":
		return cancel("", it.Gone)
	case it.DeviceRevoked:
		return cancel("", "the device was signed out")
	case it.InDoubt >= 2:
		up.Status = "FAILED"
		return cancel("FAILED", "interrupted twice while sending; not resent to avoid a third copy")
	}
	if err := c.mayReach(ctx, it.OrgID, it.RecipientID); err != nil {
		return cancel("", "recipient cannot be reached: "+kabinet.ErrorMessage(err))
	}
	if it.Token == "" {
		up.Status = "UNDELIVERABLE"
		return cancel("UNDELIVERABLE", "the device has no push token (retired or never registered)")
	}
	s, w, err := c.org(ctx, it.OrgID)
	if err != nil {
		return up, nil, err
	}
	loc := location(it.Zone)
	if dayOver(it.LocalDate, now, loc) {
		return cancel("", "its day is over (the vacation has begun or the day passed)")
	}
	if at := deliverAt(w, later(exactDue(it.DueAt, it.LocalDate, s.SendDelay, loc), now), loc); at.After(now) {
		return kabinet.DeliveryUpdate{ID: it.ID, Status: "PENDING", NextAttemptAt: at}, nil, nil
	}
	n := d.notification(it, s, loc, now)
	return kabinet.DeliveryUpdate{ID: it.ID, Status: "SENDING", NextAttemptAt: now.Add(d.Lease)}, n, nil
}

// sendAll sends the jobs, at most Concurrency at once. A job not started
// because ctx ended is released for a later run; a Sender's panic is
// recovered and leaves its delivery in doubt.
func (d *Dispatcher) sendAll(ctx context.Context, jobs []*job) {
	sem := make(chan struct{}, d.Concurrency)
	var wg sync.WaitGroup
	var release []kabinet.DeliveryUpdate
	for _, j := range jobs {
		if ctx.Err() != nil {
			release = append(release, kabinet.DeliveryUpdate{ID: j.it.ID, Status: "PENDING", NextAttemptAt: d.Clock.Now()})
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(j *job) {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				if p := recover(); p != nil {
					d.Logger.Error("push: sender panicked; delivery left in doubt", "delivery", j.it.ID, "panic", fmt.Sprint(p))
				}
			}()
			sctx, cancel := context.WithTimeout(ctx, d.SendTimeout)
			defer cancel()
			j.res = d.Sender.Send(sctx, j.n)
			j.ok = true
		}(j)
	}
	wg.Wait()
	if len(release) > 0 {
		if _, err := d.Store.ApplyDeliveries(context.WithoutCancel(ctx), d.ID, release); err != nil {
			d.Logger.Error("push: release unsent deliveries", "err", err)
		}
	}
}

// record maps a send's result to the delivery's next state.
func (d *Dispatcher) record(j *job, started time.Time) kabinet.DeliveryUpdate {
	it, r := j.it, j.res
	up := kabinet.DeliveryUpdate{ID: it.ID, ProviderID: r.ProviderID}
	now := d.Clock.Now()
	switch r.Outcome {
	case OutcomeSent:
		up.Status, up.Outcome = "SENT", "SENT"
		d.Metrics.sent(it.Provider, it.Kind)
	case OutcomeInvalidToken:
		up.Status, up.Outcome, up.Error, up.RetireToken = "FAILED", "INVALID_TOKEN", "the provider rejected the token; it was retired: "+r.Reason, it.Token
		d.Metrics.failed(it.Provider, "invalid_token")
	case OutcomeUndeliverable:
		up.Status, up.Outcome, up.Error = "UNDELIVERABLE", "UNDELIVERABLE", r.Reason
		d.Metrics.failed(it.Provider, "undeliverable")
	case OutcomeRetry:
		first := started
		if it.FirstAttemptAt != nil {
			first = *it.FirstAttemptAt
		}
		wait := d.backoff(it.Attempts+1, r.RetryAfter)
		if now.Add(wait).After(first.Add(d.RetryDeadline)) {
			up.Status, up.Outcome, up.Error = "FAILED", "FAILED", "gave up retrying after "+strconv.Itoa(it.Attempts+1)+" attempts: "+r.Reason
			d.Metrics.failed(it.Provider, "retry_deadline")
			break
		}
		up.Status, up.Outcome, up.Error, up.NextAttemptAt = "PENDING", "RETRY", r.Reason, now.Add(wait)
		d.Metrics.retried(it.Provider)
	default:
		up.Status, up.Outcome, up.Error = "FAILED", "FAILED", r.Reason
		d.Metrics.failed(it.Provider, "provider_error")
	}
	return up
}

// backoff is the wait before attempt n+1: exponential from RetryBase, capped
// at RetryMax, with "equal jitter" (half fixed, half random) so that retries
// of many devices do not arrive together, and never shorter than the
// provider's Retry-After.
func (d *Dispatcher) backoff(attempt int, retryAfter time.Duration) time.Duration {
	w := d.RetryBase
	for i := 1; i < attempt && w < d.RetryMax; i++ {
		w *= 2
	}
	w = min(w, d.RetryMax)
	w = w/2 + time.Duration(rand.Int64N(int64(w/2)+1))
	return max(w, retryAfter)
}
