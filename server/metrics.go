package server

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// series caches each (route, method, status)'s counter and histogram:
	// looking them up by label values hashes and copies the labels on every
	// request. Its keys are bounded like the labels (routes are the app's,
	// unknown paths are "other").
	mu     sync.RWMutex
	series map[seriesKey]seriesHandles
}

type seriesKey struct {
	route, method string
	status        int
}

type seriesHandles struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{series: map[seriesKey]seriesHandles{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kabinet_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kabinet_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

// observe counts a request. Fiber's strings alias fasthttp buffers that are
// reused by the next request, so label values are cloned before Prometheus
// keeps them.
func (m *httpMetrics) observe(route, method string, status int, d time.Duration) {
	route = routeLabel(route) // unknown paths must not explode the label set
	k := seriesKey{route, method, status}
	m.mu.RLock()
	h, ok := m.series[k]
	m.mu.RUnlock()
	if !ok {
		k.route, k.method = strings.Clone(route), strings.Clone(method)
		h = seriesHandles{m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(status)), m.duration.WithLabelValues(k.route)}
		m.mu.Lock()
		m.series[k] = h
		m.mu.Unlock()
	}
	h.requests.Inc()
	h.duration.Observe(d.Seconds())
}
