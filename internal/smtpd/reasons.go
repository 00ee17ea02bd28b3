package smtpd

import "time"

// Refusal reasons: the only values of the reason given to
// Recorder.RecordRefused (the reason label of mailwiki_messages_refused_total).
const (
	ReasonUnknownRecipient = "unknown_recipient"
	ReasonTooLarge         = "too_large"
	ReasonBadAddress       = "bad_address"
	ReasonBadData          = "bad_data" // bare CR/LF, smuggling sequences
	ReasonTooManyConns     = "too_many_connections"
	ReasonTooManyRcpts     = "too_many_recipients"
	ReasonTimeout          = "timeout"
	ReasonTLSRequired      = "tls_required"    // MAIL before STARTTLS with RequireTLS
	ReasonRateLimited      = "rate_limited"    // MaxConnectionRatePerIP, MaxMessageRatePerIP
	ReasonSessionLimit     = "session_limit"   // MaxSessionTime
	ReasonTooManyErrors    = "too_many_errors" // HardErrorLimit (junk commands included)
	ReasonStorage          = "storage"         // spool or queue failed: 451
	ReasonOther            = "other"
	// ReasonOtherGroup: a recipient of another tenant than the
	// transaction's, deferred (452 4.5.3) to a transaction of its own.
	ReasonOtherGroup = "other_tenant"
	// ReasonRateLimitedTenant: a tenant's addresses over their rate.
	ReasonRateLimitedTenant = "tenant_rate"
)

// Recorder counts what the server does (Prometheus in production; see
// internal/metrics). A nil Recorder records nothing.
type Recorder interface {
	RecordRefused(reason string)
	RecordAccepted(size int64, took time.Duration)
	ConnOpened()
	ConnClosed()
}

// nopRecorder records nothing.
type nopRecorder struct{}

func (nopRecorder) RecordRefused(string)                {}
func (nopRecorder) RecordAccepted(int64, time.Duration) {}
func (nopRecorder) ConnOpened()                         {}
func (nopRecorder) ConnClosed()                         {}
