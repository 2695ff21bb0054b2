package load

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is the open-loop request rate (--rate): a fixed number of requests
// per second, or a share of the closed-loop sync-idle rate measured first in
// the same run ("50%" is half the saturation rate). Zero: closed loop.
type Rate struct {
	PerSecond float64
	Percent   float64
}

// ParseRate reads "8000", "50%" or "" (closed loop).
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return Rate{}, nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 || f > 1000 {
			return Rate{}, fmt.Errorf("--rate %q: want a percentage in (0, 1000]", s)
		}
		return Rate{Percent: f}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return Rate{}, fmt.Errorf("--rate %q: want requests per second (> 0) or a percentage of saturation such as 50%%", s)
	}
	return Rate{PerSecond: f}, nil
}

// Open reports whether the rate asks for an open loop.
func (r Rate) Open() bool { return r.PerSecond > 0 || r.Percent > 0 }

// of is the rate in requests/s given the saturation rate; 0 for a closed
// loop.
func (r Rate) of(saturation float64) float64 {
	if r.Percent > 0 {
		return saturation * r.Percent / 100
	}
	return r.PerSecond
}

// String is the rate as given.
func (r Rate) String() string {
	if r.Percent > 0 {
		return strconv.FormatFloat(r.Percent, 'g', -1, 64) + "% of saturation"
	}
	return strconv.FormatFloat(r.PerSecond, 'f', 0, 64) + " req/s"
}

// runOpen sends requests on a fixed schedule for d: cfg.Concurrency phones,
// each with one connection of its own (to targets[phone % len]), each
// sending rate/phones requests a second at evenly spaced, staggered times.
// A request's latency counts from its scheduled start, not from when it
// was sent: when the server stalls, a phone's next requests queue behind the
// one in flight on its connection and their waiting is counted (the client
// does not quietly lower the rate, which is what a closed loop does).
func runOpen(ctx context.Context, cfg Config, name string, rate float64, d time.Duration,
	fn func(ctx context.Context, c *Client, phone, seq int) error) Summary {
	n := cfg.Concurrency
	st := NewStats()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	period := time.Duration(float64(n) / rate * float64(time.Second)) // between two requests of one phone
	start := time.Now()
	targets := cfg.targets()
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := NewClient(targets[w%len(targets)], 1) // one connection per phone
			defer c.HTTP.CloseIdleConnections()
			offset := period * time.Duration(w) / time.Duration(n)
			for j := 0; ; j++ {
				at := start.Add(offset + period*time.Duration(j))
				if !sleepUntil(ctx, at) {
					return
				}
				err := fn(ctx, c, w, j*n+w)
				if ctx.Err() != nil && err != nil {
					return // cut off by the deadline: not the server's fault
				}
				st.Record(time.Since(at), err)
			}
		}(w)
	}
	s := st.await(&wg, cfg, name)
	s.Extra["open_loop_target_rps"] = rate
	return s
}

// sleepUntil waits for t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	wait := time.Until(t)
	if wait <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
