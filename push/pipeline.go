package push

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kabinet/kabinet"
)

// job is one delivery to send.
type job struct {
	it *kabinet.DeliveryItem
	n  *Notification
}

// pipeline delivers the claims of one DispatchDue: claim → re-check (the
// caller), mark SENDING → send → record (the writer and the senders).
//
// One writer goroutine owns the store's write side. Each round it takes
// what has accumulated — outcomes of finished sends, decisions made before
// sending (cancel, re-plan) and as many queued jobs as there are free
// SENDING slots — and writes them in one ApplyDeliveries call; then it hands
// the newly marked jobs to the senders. So a group commit costs one
// transaction however many rows it carries, the senders never wait for a
// whole batch, and an answer is durable one commit after it arrived.
//
// Slots bound what a crash can put in doubt: a job takes a slot when it is
// marked and gives it back when its outcome is written (or its send
// panicked), so at most InDoubtLimit deliveries are SENDING at once.
type pipeline struct {
	d       *Dispatcher
	sendCtx context.Context // the senders' context: not the worker's, so a stop does not cancel sends
	abort   context.CancelFunc
	sendCh  chan *job
	senders sync.WaitGroup
	writer  chan struct{} // closed when the writer returns

	mu       sync.Mutex
	cond     *sync.Cond
	queue    []*job                   // claimed and re-checked, waiting for a SENDING mark
	pending  []kabinet.DeliveryUpdate // to write: decisions made before sending
	done     []kabinet.DeliveryUpdate // to write: outcomes of sends (each frees a slot)
	slots    int                      // jobs marked (or being marked) whose outcome is not written
	stopping bool                     // the worker's context ended: mark nothing more
	closed   bool                     // no more submissions
	err      error                    // the first write error; the pipeline stops
	st       Stats
}

func (d *Dispatcher) newPipeline(ctx context.Context) *pipeline {
	sendCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	p := &pipeline{d: d, sendCtx: sendCtx, abort: abort, sendCh: make(chan *job, d.InDoubtLimit()), writer: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	for range d.Concurrency {
		p.senders.Add(1)
		go p.sender()
	}
	go p.write()
	// On a stop: no more marks; the sends in flight get StopGrace, then
	// their contexts are cancelled and they are recorded in doubt.
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.stopping = true
		p.cond.Broadcast()
		p.mu.Unlock()
		t := time.AfterFunc(d.StopGrace, abort)
		<-p.writer
		t.Stop()
	})
	go func() { <-p.writer; stop() }()
	return p
}

// submit queues the decisions made before sending and the jobs to send. It
// waits while a whole claim is still queued, so that claims run ahead of the
// senders by one batch, not more (their leases keep running).
func (p *pipeline) submit(pre []kabinet.DeliveryUpdate, jobs []*job, st Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st.add(st)
	p.pending = append(p.pending, pre...)
	p.queue = append(p.queue, jobs...)
	p.cond.Broadcast()
	for len(p.queue) >= p.d.ClaimBatch && !p.stopping && p.err == nil {
		p.cond.Wait()
	}
}

// ok reports whether claiming more is useful: no stop, no write error.
func (p *pipeline) ok() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.stopping && p.err == nil
}

// close waits until every submitted job is sent and recorded (or released)
// and returns what was done and the first write error.
func (p *pipeline) close() (Stats, error) {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	<-p.writer
	close(p.sendCh)
	p.senders.Wait()
	p.abort()
	return p.st, p.err
}

// write is the writer goroutine.
func (p *pipeline) write() {
	defer close(p.writer)
	d := p.d
	limit := d.InDoubtLimit()
	p.mu.Lock()
	for {
		for !p.ready() {
			p.cond.Wait()
		}
		if len(p.pending) == 0 && len(p.done) == 0 && len(p.queue) == 0 && p.slots == 0 && p.closed {
			break
		}
		done := len(p.done)
		ups := append(p.done, p.pending...)
		p.pending, p.done = nil, nil
		var marks []*job
		switch {
		case p.err != nil:
			p.queue = nil // the store failed: leave the claims to their leases
		case p.stopping:
			now := d.Clock.Now()
			for _, j := range p.queue {
				ups = append(ups, kabinet.DeliveryUpdate{ID: j.it.ID, Status: "PENDING", NextAttemptAt: now})
			}
			p.queue = nil
		default:
			n := min(len(p.queue), limit-p.slots)
			marks, p.queue = p.queue[:n:n], p.queue[n:]
			p.slots += n
			lease := d.Clock.Now().Add(d.Lease)
			for _, j := range marks {
				ups = append(ups, kabinet.DeliveryUpdate{ID: j.it.ID, Status: "SENDING", NextAttemptAt: lease})
			}
		}
		p.cond.Broadcast() // the queue shrank: submit may claim again
		if len(ups) == 0 {
			continue
		}
		p.mu.Unlock()
		lost, err := d.Store.ApplyDeliveries(context.WithoutCancel(p.sendCtx), d.ID, ups)
		p.mu.Lock()
		if err != nil {
			// Nothing of this group was written: the marked jobs are not
			// sent; outcomes stay unwritten (their rows are found in doubt
			// after the lease, which is the truth).
			d.Logger.Error("push: record deliveries", "err", err, "updates", len(ups))
			if p.err == nil {
				p.err = err
			}
			p.slots -= len(marks) + done
			continue
		}
		gone := make(map[string]bool, len(lost))
		for _, id := range lost {
			gone[id] = true
		}
		p.tally(ups[:done], gone)
		p.slots -= done
		for _, j := range marks {
			if gone[j.it.ID] {
				p.slots-- // cancelled or taken over meanwhile: not ours to send
				continue
			}
			p.sendCh <- j // never blocks: at most limit jobs hold slots
		}
	}
	p.mu.Unlock()
}

// ready reports whether the writer has a group worth a transaction (p.mu
// held). Outcomes wait until at least half of the sends out have answered,
// so that a group carries many rows (one commit each) while the sends
// still out and the jobs marked ahead keep the senders busy; everything is
// written at once when nothing is out, on a stop and after an error.
func (p *pipeline) ready() bool {
	switch {
	case p.stopping || p.err != nil:
		return len(p.pending)+len(p.done)+len(p.queue) > 0 || (p.closed && p.slots == 0)
	case p.slots == 0:
		return len(p.pending)+len(p.done)+len(p.queue) > 0 || p.closed
	}
	return len(p.done) > 0 && 2*len(p.done) >= p.slots
}

// tally counts the written outcomes of sends in the stats.
func (p *pipeline) tally(ups []kabinet.DeliveryUpdate, lost map[string]bool) {
	for _, u := range ups {
		if lost[u.ID] {
			continue
		}
		switch u.Status {
		case "SENT":
			p.st.Sent++
		case "PENDING":
			p.st.Retried++
		case "FAILED", "UNDELIVERABLE":
			p.st.Failed++
		}
	}
}

// sender sends the marked jobs it is handed and queues their outcomes.
func (p *pipeline) sender() {
	defer p.senders.Done()
	for j := range p.sendCh {
		up, ok := p.send(j)
		p.mu.Lock()
		if ok {
			p.done = append(p.done, up)
		} else {
			p.slots-- // panicked: left SENDING, in doubt after the lease
		}
		p.cond.Broadcast()
		p.mu.Unlock()
	}
}

// send hands one job to the Sender with a context that a stop does not
// cancel (only StopGrace running out does), and maps the result to the
// delivery's update. ok is false if the Sender panicked.
func (p *pipeline) send(j *job) (up kabinet.DeliveryUpdate, ok bool) {
	d := p.d
	defer func() {
		if r := recover(); r != nil {
			d.Logger.Error("push: sender panicked; delivery left in doubt", "delivery", j.it.ID, "panic", fmt.Sprint(r))
			ok = false
		}
	}()
	started := d.Clock.Now()
	ctx, cancel := context.WithTimeout(p.sendCtx, d.SendTimeout)
	res := d.Sender.Send(ctx, j.n)
	cancel()
	if res.Outcome == OutcomeRetry && p.sendCtx.Err() != nil {
		// Cut off by the end of StopGrace: the provider may have it. A
		// retry would hide a possible duplicate; say what is known.
		d.Metrics.inDoubt(j.it.Provider)
		return kabinet.DeliveryUpdate{ID: j.it.ID, Status: "PENDING", NextAttemptAt: d.Clock.Now(), Outcome: "IN_DOUBT",
			Error: "the server stopped while sending; the provider may have it", InDoubt: true}, true
	}
	return d.record(j.it, res, started), true
}

// add adds o's counts to s.
func (s *Stats) add(o Stats) {
	s.Expanded += o.Expanded
	s.Replanned += o.Replanned
	s.Cancelled += o.Cancelled
	s.Sent += o.Sent
	s.Retried += o.Retried
	s.Failed += o.Failed
	s.Unconfirmed += o.Unconfirmed
}
