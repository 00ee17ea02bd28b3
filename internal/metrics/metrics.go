// Package metrics defines mailwiki's Prometheus metrics. Every metric is
// prefixed mailwiki_ and has bounded labels only: reasons and outcomes from a
// fixed vocabulary, never an address, a subject or a tenant-provided string.
//
// A nil *Metrics is valid and records nothing, so components can be built in
// tests without a registry.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the collectors. Create it with New.
type Metrics struct {
	Registry *prometheus.Registry
	deliveryMetrics

	Accepted        prometheus.Counter
	Refused         *prometheus.CounterVec // label reason
	Published       prometheus.Counter
	Retried         prometheus.Counter
	Failed          *prometheus.CounterVec // label reason
	Connections     prometheus.Gauge
	AcceptLatency   prometheus.Histogram
	PublishLatency  prometheus.Histogram
	EndToEndLatency prometheus.Histogram
	AcceptedBytes   prometheus.Counter
}

// New registers every collector on a fresh registry, together with the Go
// runtime and process collectors. queueDepth and oldestSpoolAge are read at
// scrape time; either may be nil.
func New(queueDepth func() float64, oldestSpoolAge func() float64) *Metrics {
	r := prometheus.NewRegistry()
	latency := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
	m := &Metrics{
		Registry:        r,
		Accepted:        prometheus.NewCounter(prometheus.CounterOpts{Name: "mailwiki_messages_accepted_total", Help: "Messages answered 250 by the SMTP server."}),
		Refused:         prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailwiki_messages_refused_total", Help: "SMTP transactions refused, by reason."}, []string{"reason"}),
		Published:       prometheus.NewCounter(prometheus.CounterOpts{Name: "mailwiki_messages_published_total", Help: "Messages published to Confluence."}),
		Retried:         prometheus.NewCounter(prometheus.CounterOpts{Name: "mailwiki_messages_retried_total", Help: "Delivery attempts that failed temporarily and will be retried."}),
		Failed:          prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailwiki_messages_failed_total", Help: "Messages given up on, by reason."}, []string{"reason"}),
		Connections:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "mailwiki_smtp_connections", Help: "Open SMTP connections."}),
		AcceptLatency:   prometheus.NewHistogram(prometheus.HistogramOpts{Name: "mailwiki_accept_duration_seconds", Help: "From end of DATA to the 250 reply (spool write, fsync, job commit).", Buckets: latency}),
		PublishLatency:  prometheus.NewHistogram(prometheus.HistogramOpts{Name: "mailwiki_publish_duration_seconds", Help: "Duration of one successful delivery job (decrypt, parse, convert, publish).", Buckets: latency}),
		EndToEndLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "mailwiki_delivery_delay_seconds", Help: "From the 250 reply to the page being published.", Buckets: latency}),
		AcceptedBytes:   prometheus.NewCounter(prometheus.CounterOpts{Name: "mailwiki_accepted_bytes_total", Help: "Bytes of accepted messages."}),
	}
	r.MustRegister(m.Accepted, m.Refused, m.Published, m.Retried, m.Failed, m.Connections,
		m.AcceptLatency, m.PublishLatency, m.EndToEndLatency, m.AcceptedBytes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.deliveryMetrics = newDeliveryMetrics(r)
	if queueDepth != nil {
		r.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mailwiki_queue_depth", Help: "Messages waiting in the queue (accepted, not yet published or failed)."}, queueDepth))
	}
	if oldestSpoolAge != nil {
		r.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mailwiki_spool_oldest_age_seconds", Help: "Age of the oldest message in the spool."}, oldestSpoolAge))
	}
	return m
}

// RecordRefused counts one refusal; reason is one of a fixed vocabulary
// (smtpd's Reason constants).
func (m *Metrics) RecordRefused(reason string) {
	if m != nil {
		m.Refused.WithLabelValues(reason).Inc()
	}
}

// RecordAccepted counts one accepted message of size bytes whose durable
// commit took d.
func (m *Metrics) RecordAccepted(size int64, d time.Duration) {
	if m != nil {
		m.Accepted.Inc()
		m.AcceptedBytes.Add(float64(size))
		m.AcceptLatency.Observe(d.Seconds())
	}
}

// ConnOpened and ConnClosed track open SMTP connections.
func (m *Metrics) ConnOpened() {
	if m != nil {
		m.Connections.Inc()
	}
}

// ConnClosed is the counterpart of ConnOpened.
func (m *Metrics) ConnClosed() {
	if m != nil {
		m.Connections.Dec()
	}
}

// RecordPublished counts one published message; took is the job's duration,
// delay the time since the 250.
func (m *Metrics) RecordPublished(took, delay time.Duration) {
	if m != nil {
		m.Published.Inc()
		m.PublishLatency.Observe(took.Seconds())
		m.EndToEndLatency.Observe(delay.Seconds())
	}
}

// RecordRetried counts one temporary delivery failure.
func (m *Metrics) RecordRetried() {
	if m != nil {
		m.Retried.Inc()
	}
}

// RecordFailed counts one message given up on; reason is a mailwiki error code.
func (m *Metrics) RecordFailed(reason string) {
	if m != nil {
		m.Failed.WithLabelValues(reason).Inc()
	}
}
