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

// Gate decides whether an employee may still be reached (active cabinet, not
// blocked or dismissed), like auth.Gate. A refusal cancels the notification.
type Gate interface {
	MaySignIn(ctx context.Context, orgID, employeeID string) error
}

// Dispatcher is the worker that delivers the outbox. Run polls; tests call
// DispatchDue. Several dispatchers (goroutines, processes or, on
// PostgreSQL, instances) may share one database: work is claimed with a
// lease and every write is fenced by the claimer's ID (see DispatchStore).
//
// Deliveries flow through a pipeline (pipeline.go): a claim of ClaimBatch
// deliveries is re-checked at once; a single writer marks the next sends
// SENDING and records the outcomes that have arrived, in one transaction
// per group; Concurrency senders hand them to the provider. The writer
// never waits for a whole batch, so a delivery's outcome is durable one
// group commit after the provider answered.
//
// Delivery guarantee, per (reason, stage, device):
//
//   - A delivery is marked SENDING (durably) before it is handed to the
//     provider, and its outcome is recorded after. At most Concurrency
//   - Concurrency/2 deliveries are SENDING at once (InDoubtLimit): the
//     sends in flight and the answers waiting for the next group commit.
//   - A stop (ctx ends) stops claiming and marking; sends already handed
//     over go on with a context of their own, for up to StopGrace, and are
//     recorded. One still unanswered then is cancelled and recorded in
//     doubt (IN_DOUBT, resent at once) — never as a retry, which would
//     hide a possible duplicate. Claimed rows not yet sent are released.
//   - If the process dies (or a Sender panics) between the SENDING mark and
//     the record, nobody can know whether the provider got it: FCM and APNs
//     have no idempotency keys. Such a row is found SENDING with its lease
//     over, logged IN_DOUBT and sent once more, with the same collapse key,
//     so a duplicate replaces the first on the lock screen. A row found in
//     doubt a second time is DELIVERED_UNCONFIRMED (the provider had it at
//     least once), not resent. So: exactly once unless the process dies
//     while sends are in flight; then those (at most InDoubtLimit) at most
//     twice, never lost to a single crash.
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

	ID          string // this instance; default random
	Concurrency int    // sends in flight at once; default 32
	ClaimBatch  int    // deliveries per claim; default 8 × Concurrency
	// Lease is how long a claim holds; default 2 minutes. It trades the
	// delay of a dead instance's work (and of the second copy of a send in
	// doubt) against a live but slow instance losing work it still holds:
	// it must outlast SendTimeout plus a write.
	Lease         time.Duration
	SendTimeout   time.Duration // per send; default 30 seconds, at most Lease/2
	StopGrace     time.Duration // how long a stop waits for sends in flight; default 10 seconds
	PollInterval  time.Duration // Run's idle poll; default 5 seconds
	RetryBase     time.Duration // first back-off; default 30 seconds
	RetryMax      time.Duration // longest back-off; default 1 hour
	RetryDeadline time.Duration // give up this long after the first attempt; default 24 hours
	Locale        string        // default LocaleRU
	// Wakeups, if set, is called once by Run: its channel tells of
	// notifications planned by other instances on a shared store (on
	// PostgreSQL, LISTEN/NOTIFY), so that Run looks for due work then
	// rather than at its next poll. Nil: the poll and Wake only.
	Wakeups func(ctx context.Context) <-chan struct{}

	once sync.Once
	wake chan struct{}
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		if d.ID == "" {
			d.ID = kabinet.NewID("disp")
		}
		if d.Concurrency <= 0 {
			d.Concurrency = 32
		}
		if d.ClaimBatch <= 0 {
			d.ClaimBatch = 8 * d.Concurrency
		}
		def := func(p *time.Duration, v time.Duration) {
			if *p <= 0 {
				*p = v
			}
		}
		def(&d.Lease, 2*time.Minute)
		def(&d.SendTimeout, min(30*time.Second, d.Lease/2))
		def(&d.StopGrace, 10*time.Second)
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
// an After method (test clocks), else by the wall clock, at every Wake, and
// at every wake-up from Wakeups.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.init()
	var others <-chan struct{}
	if d.Wakeups != nil {
		others = d.Wakeups(ctx)
	}
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
		case <-others:
		}
		stop()
	}
}

// Stats counts what one DispatchDue did.
type Stats struct {
	Expanded, Replanned, Cancelled, Sent, Retried, Failed int
	Unconfirmed                                           int // found in doubt twice: DELIVERED_UNCONFIRMED
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
	if ctx.Err() != nil {
		return st, ctx.Err()
	}
	if err := d.deliver(ctx, &st); err != nil {
		return st, err
	}
	return st, ctx.Err()
}

// InDoubtLimit is the most deliveries that are SENDING at once: handed to
// the provider (or about to be) with their outcome not yet recorded. A
// crash sends at most these twice.
func (d *Dispatcher) InDoubtLimit() int {
	d.init()
	return d.Concurrency + d.Concurrency/2
}

const outboxBatch = 500

// cache memoizes per-batch lookups: settings, windows, zones, gate answers.
type cache struct {
	d        *Dispatcher
	settings map[string]*kabinet.NotificationSettings
	windows  map[string]Window
	gate     map[string]error
	zones    map[string]*time.Location
}

func (d *Dispatcher) newCache() *cache {
	return &cache{d: d, settings: map[string]*kabinet.NotificationSettings{}, windows: map[string]Window{}, gate: map[string]error{}, zones: map[string]*time.Location{}}
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

// location is location(zone), loaded once per batch (time.LoadLocation
// reads and parses the zone file every time).
func (c *cache) location(zone string) *time.Location {
	loc, ok := c.zones[zone]
	if !ok {
		loc = location(zone)
		c.zones[zone] = loc
	}
	return loc
}

// unreachable says why the recipient (whose cabinet has status cabinet)
// may not be reached, "" if they may. The Gate decides; the cabinet's status
// only names the reason, so that HR and the metrics can tell a cabinet never
// activated from a blocked or dismissed recipient. A Gate's internal error
// is returned, not taken for a refusal.
func (c *cache) unreachable(ctx context.Context, orgID, employeeID, cabinet string) (string, error) {
	if c.d.Gate == nil {
		return "", nil
	}
	err, ok := c.gate[employeeID]
	if !ok {
		err = c.d.Gate.MaySignIn(ctx, orgID, employeeID)
		if kabinet.ErrorCode(err) == kabinet.EINTERNAL {
			return "", err
		}
		c.gate[employeeID] = err
	}
	switch {
	case err == nil:
		return "", nil
	case cabinet == kabinet.CabinetBlocked:
		return "recipient cannot be reached: the cabinet is blocked", nil
	case cabinet != kabinet.CabinetActive:
		return noActiveCabinet, nil
	}
	return "recipient cannot be reached: " + kabinet.ErrorMessage(err), nil
}

// noActiveCabinet is the note of a notification to someone who has no
// active cabinet (never activated, or re-invited): they have no device to
// reach, and it is not a block.
const noActiveCabinet = "no active cabinet: the recipient has not activated one"

// expand claims due outbox rows and fans them out, cancels them or moves them
// to the window's next opening. It returns the number of rows claimed.
func (d *Dispatcher) expand(ctx context.Context, st *Stats) (int, error) {
	now := d.Clock.Now()
	items, err := d.Store.ClaimOutbox(ctx, d.ID, now, now.Add(d.Lease), outboxBatch)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	c := d.newCache()
	decisions := make([]kabinet.OutboxDecision, 0, len(items))
	for _, it := range items {
		it.Gone, it.Zone = reasonGone(it.Kind, &it.Facts, now), deliveryZone(&it.Facts)
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
	lost, err := d.Store.ApplyOutbox(context.WithoutCancel(ctx), d.ID, decisions, fanOut)
	if len(lost) > 0 {
		d.Logger.Warn("push: outbox rows lost to another dispatcher before their decision was written", "rows", len(lost))
	}
	return len(items), err
}

func (d *Dispatcher) decideOutbox(ctx context.Context, c *cache, it *kabinet.OutboxItem, now time.Time) (kabinet.OutboxDecision, error) {
	dec := kabinet.OutboxDecision{ID: it.ID, Action: kabinet.OutboxCancel}
	if it.Gone != "" {
		dec.Note = it.Gone
		return dec, nil
	}
	if why, err := c.unreachable(ctx, it.OrgID, it.RecipientID, it.Cabinet); err != nil || why != "" {
		dec.Note = why
		return dec, err
	}
	s, w, err := c.org(ctx, it.OrgID)
	if err != nil {
		return dec, err
	}
	loc := c.location(it.Zone)
	if dayOver(it.LocalDate, now, loc) {
		dec.Note = "its day is over (the vacation has begun or the day passed)"
		return dec, nil
	}
	if it.Kind == kabinet.NotifyNewDevice && now.Sub(it.DueAt) > 48*time.Hour {
		dec.Note = "too old to be useful"
		return dec, nil
	}
	at := sendAt(w, it.DueAt, it.LocalDate, s.SendDelay, loc, now)
	if at.After(now) {
		return kabinet.OutboxDecision{ID: it.ID, Action: kabinet.OutboxReplan, NotBefore: at}, nil
	}
	return kabinet.OutboxDecision{ID: it.ID, Action: kabinet.OutboxExpand}, nil
}

// deliver runs the delivery pipeline until no delivery is due, ctx ends or
// the store fails: it claims ClaimBatch deliveries at a time, re-checks them
// (decideDelivery) and submits them; the pipeline marks, sends and records.
func (d *Dispatcher) deliver(ctx context.Context, st *Stats) error {
	p := d.newPipeline(ctx)
	var err error
	for p.ok() {
		var n int
		if n, err = d.claimDeliveries(ctx, p); err != nil || n == 0 {
			break
		}
	}
	got, werr := p.close()
	st.add(got)
	if err != nil && ctx.Err() != nil {
		err = nil // the claim was cut off by the stop
	}
	if err == nil {
		err = werr
	}
	return err
}

// claimDeliveries claims one batch, re-checks it and submits it to p. It
// returns the number of rows claimed.
func (d *Dispatcher) claimDeliveries(ctx context.Context, p *pipeline) (int, error) {
	now := d.Clock.Now()
	items, err := d.Store.ClaimDeliveries(ctx, d.ID, now, now.Add(d.Lease), d.ClaimBatch)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	for _, it := range items {
		it.Gone, it.Zone = reasonGone(it.Kind, &it.Facts, now), deliveryZone(&it.Facts)
	}
	c := d.newCache()
	var st Stats
	pre := make([]kabinet.DeliveryUpdate, 0, len(items))
	jobs := make([]*job, 0, len(items))
	for _, it := range items {
		if it.Doubted {
			d.Metrics.inDoubt(it.Provider)
		}
		up, n, err := d.decideDelivery(ctx, c, it, now)
		if err != nil {
			// Submit what was decided; the rest waits for its lease.
			p.submit(pre, jobs, st)
			return 0, err
		}
		if n != nil {
			jobs = append(jobs, &job{it: it, n: n})
			continue
		}
		switch up.Status {
		case "CANCELLED", "UNDELIVERABLE":
			st.Cancelled++
			d.Metrics.cancelled(it.Provider, it.Kind, up.Error)
		case kabinet.DeliveryUnconfirmed:
			st.Unconfirmed++
			d.Metrics.unconfirmed(it.Provider)
		case "PENDING":
			st.Replanned++
		}
		pre = append(pre, up)
	}
	p.submit(pre, jobs, st)
	return len(items), nil
}

// decideDelivery re-checks a claimed delivery. It returns, when it is to be
// sent, the notification, else the update to write instead.
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
		up.Status = kabinet.DeliveryUnconfirmed
		return cancel("", "handed to the provider at least once, but the server stopped each time before its answer was recorded; not resent to avoid a third copy")
	}
	if why, err := c.unreachable(ctx, it.OrgID, it.RecipientID, it.Cabinet); err != nil || why != "" {
		if err != nil {
			return up, nil, err
		}
		return cancel("", why)
	}
	if it.Token == "" {
		up.Status = "UNDELIVERABLE"
		return cancel("UNDELIVERABLE", "the device has no push token (retired or never registered)")
	}
	s, w, err := c.org(ctx, it.OrgID)
	if err != nil {
		return up, nil, err
	}
	loc := c.location(it.Zone)
	if dayOver(it.LocalDate, now, loc) {
		return cancel("", "its day is over (the vacation has begun or the day passed)")
	}
	if at := sendAt(w, it.DueAt, it.LocalDate, s.SendDelay, loc, now); at.After(now) {
		return kabinet.DeliveryUpdate{ID: it.ID, Status: "PENDING", NextAttemptAt: at}, nil, nil
	}
	return kabinet.DeliveryUpdate{}, d.notification(it, s, loc, now), nil
}

// record maps a send's result to the delivery's next state.
func (d *Dispatcher) record(it *kabinet.DeliveryItem, r Result, started time.Time) kabinet.DeliveryUpdate {
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
