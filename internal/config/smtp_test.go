package config

import (
	"testing"

	"github.com/mailwiki/mailwiki/internal/smtpd"
)

// The smtp section's defaults are exactly what the SMTP server applies to an
// empty configuration: defined once, in smtpd.
func TestSMTPDefaultsAreTheServers(t *testing.T) {
	t.Parallel()
	got := Default().SMTP
	want := smtpd.Config{}.WithDefaults()
	pairs := []struct {
		name      string
		got, want any
	}{
		{"listen", got.Listen, want.Addr},
		{"domain", got.Domain, want.Domain},
		{"max_message_bytes", got.MaxMessageBytes, want.MaxMessageBytes},
		{"max_recipients", got.MaxRecipients, want.MaxRecipients},
		{"max_line_length", got.MaxLineLength, want.MaxLineLength},
		{"read_timeout", got.ReadTimeout, want.ReadTimeout},
		{"write_timeout", got.WriteTimeout, want.WriteTimeout},
		{"data_timeout", got.DataTimeout, want.DataTimeout},
		{"max_connections", got.MaxConnections, want.MaxConnections},
		{"max_connections_per_ip", got.MaxConnectionsPerIP, want.MaxConnectionsPerIP},
		{"implicit_tls_listen", got.ImplicitTLSListen, want.ImplicitTLSAddr},
		{"require_tls", got.RequireTLS, want.RequireTLS},
		{"max_connections_per_network", got.MaxConnectionsPerNetwork, want.MaxConnectionsPerNetwork},
		{"reserved_connections", got.ReservedConnections, smtpd.DefaultConfig().ReservedConnections}, // 0: a share of max_connections
		{"max_connection_rate_per_ip", got.MaxConnectionRatePerIP, want.MaxConnectionRatePerIP},
		{"max_message_rate_per_ip", got.MaxMessageRatePerIP, want.MaxMessageRatePerIP},
		{"max_session_time", got.MaxSessionTime, want.MaxSessionTime},
		{"max_message_time", got.MaxMessageTime, want.MaxMessageTime},
		{"max_junk_commands", got.MaxJunkCommands, want.MaxJunkCommands},
		{"soft_error_limit", got.SoftErrorLimit, want.SoftErrorLimit},
		{"hard_error_limit", got.HardErrorLimit, want.HardErrorLimit},
		{"error_delay", got.ErrorDelay, want.ErrorDelay},
	}
	for _, p := range pairs {
		if p.got != p.want {
			t.Errorf("smtp.%s defaults to %v, the SMTP server applies %v", p.name, p.got, p.want)
		}
	}
	if got.TLSCertFile != "" || got.TLSKeyFile != "" {
		t.Errorf("TLS configured by default: %q, %q", got.TLSCertFile, got.TLSKeyFile)
	}
	if errs := Default().SMTP.validate(); len(errs) != 0 {
		t.Errorf("the defaults do not validate: %v", errs)
	}
}
