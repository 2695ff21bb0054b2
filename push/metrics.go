package push

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kabinet/kabinet"
)

// Metrics are the dispatcher's Prometheus series. A nil *Metrics records
// nothing. Labels are bounded: provider (FCM, APNS or empty before a device
// is known), kind, and a reason from a fixed list.
type Metrics struct {
	sentC, failedC, retriedC, cancelledC *prometheus.CounterVec
	inDoubtC, unconfirmedC               *prometheus.CounterVec
}

// StatsStore reports the outbox's depth and the due time of its oldest due row.
type StatsStore interface {
	OutboxStats(ctx context.Context, now time.Time) (depth int, oldestDue time.Time, err error)
}

// NewMetrics registers the push series on reg: counters of sent, failed,
// retried and cancelled deliveries, of sends found in doubt and of
// deliveries given up as DELIVERED_UNCONFIRMED, and gauges of the outbox depth and the
// age of the oldest due item, read from the store at every scrape.
func NewMetrics(reg prometheus.Registerer, store StatsStore, clock kabinet.Clock) *Metrics {
	m := &Metrics{
		sentC: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kabinet_push_sent_total",
			Help: "Notifications accepted by the provider, by provider and kind."}, []string{"provider", "kind"}),
		failedC: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kabinet_push_failed_total",
			Help: "Deliveries given up, by provider and reason."}, []string{"provider", "reason"}),
		retriedC: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kabinet_push_retried_total",
			Help: "Transient failures scheduled for another attempt, by provider."}, []string{"provider", "reason"}),
		cancelledC: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kabinet_push_cancelled_total",
			Help: "Notifications not sent because their reason is gone, by provider and reason."}, []string{"provider", "reason"}),
		inDoubtC: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kabinet_push_in_doubt_total",
			Help: "Sends whose outcome is unknown because the server stopped while they were in flight (resent once), by provider."}, []string{"provider"}),
		unconfirmedC: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kabinet_push_unconfirmed_total",
			Help: "Deliveries in doubt twice: handed to the provider at least once, outcome unknown, not resent (DELIVERED_UNCONFIRMED), by provider."}, []string{"provider"}),
	}
	stats := func() (int, time.Time) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, oldest, err := store.OutboxStats(ctx, clock.Now())
		if err != nil {
			return -1, time.Time{}
		}
		return n, oldest
	}
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kabinet_push_outbox_depth",
		Help: "Planned notifications and undelivered deliveries."}, func() float64 { n, _ := stats(); return float64(n) })
	age := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kabinet_push_oldest_due_age_seconds",
		Help: "How long the oldest due, undelivered item has waited (0: none)."}, func() float64 {
		_, oldest := stats()
		if oldest.IsZero() {
			return 0
		}
		return clock.Now().Sub(oldest).Seconds()
	})
	reg.MustRegister(m.sentC, m.failedC, m.retriedC, m.cancelledC, m.inDoubtC, m.unconfirmedC, depth, age)
	return m
}

func (m *Metrics) sent(provider, kind string) {
	if m != nil {
		m.sentC.WithLabelValues(provider, kind).Inc()
	}
}

func (m *Metrics) failed(provider, reason string) {
	if m != nil {
		m.failedC.WithLabelValues(provider, reason).Inc()
	}
}

func (m *Metrics) retried(provider string) {
	if m != nil {
		m.retriedC.WithLabelValues(provider, "transient").Inc()
	}
}

func (m *Metrics) inDoubt(provider string) {
	if m != nil {
		m.inDoubtC.WithLabelValues(provider).Inc()
	}
}

func (m *Metrics) unconfirmed(provider string) {
	if m != nil {
		m.unconfirmedC.WithLabelValues(provider).Inc()
	}
}

// cancelled maps the free-text note to a bounded reason label.
func (m *Metrics) cancelled(provider, kind, note string) {
	if m == nil {
		return
	}
	reason := "other"
	for _, r := range []struct{ substr, label string }{
		{"turned off", "turned_off"}, {"viewed", "viewed"}, {"withdrawn", "withdrawn"}, {"vacation cancelled", "vacation_cancelled"},
		{"moved", "moved"}, {"superseded", "superseded"}, {"day is over", "expired"}, {"too old", "expired"},
		{"no active cabinet", "no_active_cabinet"}, {"cannot be reached", "blocked"}, {"dismissed", "blocked"}, {"signed out", "device_revoked"},
		{"no push token", "no_token"}, {"settings", "settings_changed"}, {"gone", "gone"},
	} {
		if strings.Contains(note, r.substr) {
			reason = r.label
			break
		}
	}
	m.cancelledC.WithLabelValues(provider, reason).Inc()
}
