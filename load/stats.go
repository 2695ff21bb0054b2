package load

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Stats collects latencies and errors of one scenario; safe for concurrent use.
type Stats struct {
	mu        sync.Mutex
	lat       []time.Duration
	errors    map[string]int
	ok        int
	start     time.Time
	elapsed   time.Duration
	lastPrint int
}

// NewStats starts a collection.
func NewStats() *Stats { return &Stats{errors: map[string]int{}, start: time.Now()} }

// Record adds one request's outcome.
func (s *Stats) Record(d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat = append(s.lat, d)
	if err == nil {
		s.ok++
		return
	}
	code := "OTHER"
	var e *Error
	if errors.As(err, &e) {
		code = e.Code
	}
	s.errors[code]++
}

// Stop ends the measurement window.
func (s *Stats) Stop() {
	s.mu.Lock()
	s.elapsed = time.Since(s.start)
	s.mu.Unlock()
}

// Progress prints a line about the requests since the previous line.
func (s *Stats) Progress(w io.Writer, name string) {
	s.mu.Lock()
	n, errs := len(s.lat), 0
	for _, c := range s.errors {
		errs += c
	}
	delta := n - s.lastPrint
	s.lastPrint = n
	el := time.Since(s.start).Round(time.Second)
	s.mu.Unlock()
	fmt.Fprintf(w, "  %-10s %6s  %7d requests  %6d in the last second  %d errors\n", name, el, n, delta, errs)
}

// await prints progress every second until the workers in wg are done,
// then summarises.
func (s *Stats) await(wg *sync.WaitGroup, cfg Config, name string) Summary {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-tick.C:
			s.Progress(cfg.Out, name)
		case <-done:
			s.Stop()
			return s.Summarize(name, cfg.Concurrency)
		}
	}
}

// Summary is what a scenario measured.
type Summary struct {
	Scenario    string         `json:"scenario"`
	Concurrency int            `json:"concurrency"`
	Seconds     float64        `json:"seconds"`
	Requests    int            `json:"requests"`
	RPS         float64        `json:"rps"`
	P50ms       float64        `json:"p50_ms"`
	P95ms       float64        `json:"p95_ms"`
	P99ms       float64        `json:"p99_ms"`
	Maxms       float64        `json:"max_ms"`
	Errors      map[string]int `json:"errors"`
	// Extra holds scenario-specific figures (baseline ratio, visibility delay…).
	Extra map[string]float64 `json:"extra,omitempty"`
}

// Summarize computes the summary.
func (s *Stats) Summarize(name string, conc int) Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	el := s.elapsed
	if el == 0 {
		el = time.Since(s.start)
	}
	lat := append([]time.Duration(nil), s.lat...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Microseconds()) / 1000
	}
	errs := map[string]int{}
	for k, v := range s.errors {
		errs[k] = v
	}
	return Summary{Scenario: name, Concurrency: conc, Seconds: el.Seconds(), Requests: len(lat), RPS: float64(len(lat)) / el.Seconds(),
		P50ms: pct(.50), P95ms: pct(.95), P99ms: pct(.99), Maxms: pct(1), Errors: errs, Extra: map[string]float64{}}
}

// Print writes the summary as a few human lines.
func (m Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "%s: %d requests in %.1fs at concurrency %d: %.0f req/s; latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms; errors %v\n",
		m.Scenario, m.Requests, m.Seconds, m.Concurrency, m.RPS, m.P50ms, m.P95ms, m.P99ms, m.Maxms, m.Errors)
	keys := make([]string, 0, len(m.Extra))
	for k := range m.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "    %s: %.3f\n", k, m.Extra[k])
	}
}
