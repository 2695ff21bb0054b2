package server

import (
	"context"
	"log/slog"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The access log is written so that it does not cost a sync its speed:
//
//   - debug: one line per request (method, path, status, duration, bytes,
//     address, request id);
//   - info: a line for every server error (status ≥ 500, at error level)
//     and every request slower than Config.SlowRequest (at warn level), and
//     once a minute a summary: requests by route, method and status, with
//     p50, p99 and max latency per route.
//
// A line per request at info was 6 % of a no-change sync's server CPU and
// most of a busy log; client errors (4xx) are counted in the summary but
// not logged one by one, so that nobody can fill the log by sending bad
// requests. Lines are built only when their level is enabled.

// summaryEvery is the access-log summary's period.
const summaryEvery = time.Minute

// accessLog logs requests as described above and observes the HTTP metrics.
// It never logs bodies or the Authorization header.
func (s *Server) accessLog(m *httpMetrics) fiber.Handler {
	sum := newAccessSummary(time.Now(), summaryEvery)
	s.summary = sum
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			if herr := s.app.ErrorHandler(c, err); herr != nil {
				c.Status(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		end := time.Now()
		d := end.Sub(start)
		route := routeLabel(c.Route().Path)
		m.observe(route, c.Method(), status, d)
		s.last.Store(end.UnixNano())
		if w := sum.add(end, route, c.Method(), status, d); w != nil {
			w.log(c.UserContext(), s.cfg.Logger)
		}
		level := slog.LevelDebug
		msg := "http"
		switch {
		case status >= fiber.StatusInternalServerError:
			level, msg = slog.LevelError, "http server error"
		case s.cfg.SlowRequest > 0 && d >= s.cfg.SlowRequest:
			level, msg = slog.LevelWarn, "http slow request"
		}
		if !s.cfg.Logger.Enabled(c.UserContext(), level) {
			return nil
		}
		s.cfg.Logger.Log(c.UserContext(), level, msg, "request_id", c.GetRespHeader(fiber.HeaderXRequestID),
			"method", c.Method(), "path", c.Path(), "status", status, "duration_ms", float64(d.Microseconds())/1000,
			"bytes", len(c.Response().Body()), "remote", c.IP())
		return nil
	}
}

// routeLabel is the route a request matched; "other" for unknown paths,
// so that they cannot grow the label set or the summary.
func routeLabel(route string) string {
	if route == "" || route == "/" {
		return "other"
	}
	return route
}

// flushSummary logs the current window's summary (at shutdown).
func (s *Server) flushSummary() {
	if s.summary != nil {
		if w := s.summary.take(time.Now()); w != nil {
			w.log(context.Background(), s.cfg.Logger)
		}
	}
}

// latency buckets: 8 a doubling from 1 µs, up to about 2^30 µs (18 min);
// a percentile is reported as its bucket's upper bound (at most 9 % high).
const (
	bucketsPerDoubling = 8
	latencyBuckets     = 30*bucketsPerDoubling + 1
)

func bucketOf(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us <= 1 {
		return 0
	}
	return min(latencyBuckets-1, int(math.Ceil(math.Log2(us)*bucketsPerDoubling)))
}

func bucketUpperMS(i int) float64 {
	return math.Ceil(math.Exp2(float64(i)/bucketsPerDoubling)) / 1000 // whole µs
}

// accessSummary counts the requests of the current window. Its cost per
// request is one uncontended-most-of-the-time lock and a few increments.
type accessSummary struct {
	mu     sync.Mutex
	every  time.Duration
	window *summaryWindow
}

// summaryWindow is one period's counts, by route and method.
type summaryWindow struct {
	start, end time.Time
	routes     map[routeKey]*routeCounts
}

type routeKey struct{ route, method string }

type routeCounts struct {
	n      int
	status map[int]int
	hist   [latencyBuckets]uint32
	max    time.Duration
}

func newAccessSummary(now time.Time, every time.Duration) *accessSummary {
	return &accessSummary{every: every, window: &summaryWindow{start: now, routes: map[routeKey]*routeCounts{}}}
}

// add counts a request that ended at now; when that closes the window, the
// closed window is returned for logging.
func (a *accessSummary) add(now time.Time, route, method string, status int, d time.Duration) *summaryWindow {
	a.mu.Lock()
	defer a.mu.Unlock()
	var closed *summaryWindow
	if now.Sub(a.window.start) >= a.every {
		closed = a.swap(now)
	}
	rc := a.window.routes[routeKey{route, method}]
	if rc == nil {
		// Fiber's strings alias fasthttp's reused buffers: the key is kept.
		rc = &routeCounts{status: map[int]int{}}
		a.window.routes[routeKey{strings.Clone(route), strings.Clone(method)}] = rc
	}
	rc.n++
	rc.status[status]++
	rc.hist[bucketOf(d)]++
	rc.max = max(rc.max, d)
	return closed
}

// take closes the current window at now; nil if it counted nothing.
func (a *accessSummary) take(now time.Time) *summaryWindow {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.swap(now)
}

func (a *accessSummary) swap(now time.Time) *summaryWindow {
	w := a.window
	w.end = now
	a.window = &summaryWindow{start: now, routes: map[routeKey]*routeCounts{}}
	if len(w.routes) == 0 {
		return nil
	}
	return w
}

// RouteSummary is one route's line in the access-log summary.
type RouteSummary struct {
	Route    string         `json:"route"`
	Method   string         `json:"method"`
	Requests int            `json:"requests"`
	ByStatus map[string]int `json:"by_status"`
	P50ms    float64        `json:"p50_ms"`
	P99ms    float64        `json:"p99_ms"`
	Maxms    float64        `json:"max_ms"`
}

// summaries are the window's routes, busiest first.
func (w *summaryWindow) summaries() []RouteSummary {
	out := make([]RouteSummary, 0, len(w.routes))
	for k, rc := range w.routes {
		rs := RouteSummary{Route: k.route, Method: k.method, Requests: rc.n, ByStatus: map[string]int{},
			P50ms: rc.percentile(.50), P99ms: rc.percentile(.99), Maxms: float64(rc.max.Microseconds()) / 1000}
		for st, n := range rc.status {
			rs.ByStatus[strconv.Itoa(st)] = n
		}
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Requests != out[j].Requests {
			return out[i].Requests > out[j].Requests
		}
		return out[i].Route+out[i].Method < out[j].Route+out[j].Method
	})
	return out
}

// percentile is the upper bound of the bucket holding the p-th request,
// never above the largest duration seen.
func (rc *routeCounts) percentile(p float64) float64 {
	rank := uint32(math.Ceil(p * float64(rc.n)))
	var seen uint32
	for i, n := range rc.hist {
		seen += n
		if seen >= rank && n > 0 {
			return min(bucketUpperMS(i), float64(rc.max.Microseconds())/1000)
		}
	}
	return float64(rc.max.Microseconds()) / 1000
}

func (w *summaryWindow) log(ctx context.Context, l *slog.Logger) {
	if !l.Enabled(ctx, slog.LevelInfo) {
		return
	}
	total := 0
	for _, rc := range w.routes {
		total += rc.n
	}
	l.LogAttrs(ctx, slog.LevelInfo, "http summary", slog.Time("since", w.start.UTC()), slog.Float64("seconds", w.end.Sub(w.start).Seconds()),
		slog.Int("requests", total), slog.Any("routes", w.summaries()))
}
