package app

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type operationMetrics struct {
	ops      *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newOperationMetrics(reg *prometheus.Registry) *operationMetrics {
	m := &operationMetrics{
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kabinet_graphql_operations_total", Help: "GraphQL root fields resolved, by field and outcome code.",
		}, []string{"field", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kabinet_graphql_field_duration_seconds", Help: "GraphQL root field latency.",
			Buckets: []float64{.0001, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}, []string{"field"}),
	}
	reg.MustRegister(m.ops, m.duration)
	return m
}

func (m *operationMetrics) observe(field, code string, d time.Duration) {
	m.ops.WithLabelValues(field, code).Inc()
	m.duration.WithLabelValues(field).Observe(d.Seconds())
}
