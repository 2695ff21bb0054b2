package app

import (
	"context"
	"runtime/debug"
	"time"
)

// memoryReleaser returns memory to the operating system once the server has
// been idle for a while after serving. A burst (a payday, a sign-in storm
// hashing passwords at 9 MiB each) leaves the Go heap large, and with no
// allocation to trigger the collector it would stay so for minutes.
type memoryReleaser struct {
	lastRequest func() time.Time
	idle        time.Duration // how long without requests counts as idle
	every       time.Duration // how often to look
	released    time.Time     // the last request seen at the previous release
	release     func()        // debug.FreeOSMemory when nil
}

// Run looks every r.every until ctx ends.
func (r *memoryReleaser) Run(ctx context.Context) {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.check(now)
		}
	}
}

func (r *memoryReleaser) check(now time.Time) {
	last := r.lastRequest()
	if last.IsZero() || !last.After(r.released) || now.Sub(last) < r.idle {
		return
	}
	r.released = last
	if r.release == nil {
		r.release = debug.FreeOSMemory
	}
	r.release()
}
