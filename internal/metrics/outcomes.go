package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Delivery outcomes beyond published and failed, Confluence calls and
// tenant health. Labels: reason is a mailwiki error code, operation one of
// the Op constants, class "2xx".."5xx" or "error" (no answer), tenant an
// operator-declared tenant id.
type deliveryMetrics struct {
	Partial          prometheus.Counter
	RecipientsFailed *prometheus.CounterVec
	ConfluenceCalls  *prometheus.CounterVec
	TenantHealthy    *prometheus.GaugeVec
	CheckUp          *prometheus.GaugeVec
}

func newDeliveryMetrics(r *prometheus.Registry) deliveryMetrics {
	m := deliveryMetrics{
		Partial: prometheus.NewCounter(prometheus.CounterOpts{Name: "mailwiki_messages_partial_total",
			Help: "Messages published for some recipients and given up on for others."}),
		RecipientsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailwiki_recipients_failed_total",
			Help: "Recipients of accepted messages that were not published, by reason."}, []string{"reason"}),
		ConfluenceCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailwiki_confluence_requests_total",
			Help: "HTTP requests made to tenants' Confluence, by operation and status class."}, []string{"operation", "status_class"}),
		TenantHealthy: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "mailwiki_tenant_healthy",
			Help: "1 while the tenant's Confluence accepts its credentials, 0 after a 401 or 403 (its messages wait)."}, []string{"tenant"}),
	}
	m.CheckUp = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "mailwiki_check_up",
		Help: "1 while a check of the door's message stage (msgauth, rspamd, clamav, builtin) answers, 0 while it does not (its fail action applies)."}, []string{"check"})
	r.MustRegister(m.Partial, m.RecipientsFailed, m.ConfluenceCalls, m.TenantHealthy, m.CheckUp)
	return m
}

// RecordPartial counts one message published for some recipients only.
func (m *Metrics) RecordPartial(took, delay time.Duration) {
	if m != nil {
		m.Partial.Inc()
		m.PublishLatency.Observe(took.Seconds())
		m.EndToEndLatency.Observe(delay.Seconds())
	}
}

// RecordRecipientFailed counts one recipient not published; reason is a
// mailwiki error code.
func (m *Metrics) RecordRecipientFailed(reason string) {
	if m != nil {
		m.RecipientsFailed.WithLabelValues(reason).Inc()
	}
}

// RecordConfluenceRequest counts one HTTP request to a Confluence site;
// status is the answer's status code, 0 when none came.
func (m *Metrics) RecordConfluenceRequest(operation string, status int) {
	if m == nil {
		return
	}
	class := "error"
	if status >= 100 && status < 600 {
		class = string(rune('0'+status/100)) + "xx"
	}
	m.ConfluenceCalls.WithLabelValues(operation, class).Inc()
}

// SetCheckUp records whether a check of the message stage answers; check
// is a screen's name, from mailwiki's own fixed set.
func (m *Metrics) SetCheckUp(check string, up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.CheckUp.WithLabelValues(check).Set(v)
}

// SetTenantHealthy records whether a tenant's credentials are accepted.
func (m *Metrics) SetTenantHealthy(tenant string, healthy bool) {
	if m == nil {
		return
	}
	v := 0.0
	if healthy {
		v = 1
	}
	m.TenantHealthy.WithLabelValues(tenant).Set(v)
}
