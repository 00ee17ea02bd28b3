package config

import "github.com/mailwiki/mailwiki/internal/smtpd"

// defaultSMTP is the smtp section's defaults: the SMTP server's own
// (smtpd.DefaultConfig), defined there once, so that a file that says
// nothing configures exactly what the server applies to an empty
// configuration. The greeting name defaults to the host name (localhost when
// it is unknown).
func defaultSMTP() SMTP {
	d := smtpd.DefaultConfig()
	return SMTP{
		Listen:                   d.Addr,
		Domain:                   d.Domain,
		MaxMessageBytes:          d.MaxMessageBytes,
		MaxRecipients:            d.MaxRecipients,
		MaxLineLength:            d.MaxLineLength,
		ReadTimeout:              d.ReadTimeout,
		WriteTimeout:             d.WriteTimeout,
		DataTimeout:              d.DataTimeout,
		MaxConnections:           d.MaxConnections,
		MaxConnectionsPerIP:      d.MaxConnectionsPerIP,
		MaxConnectionsPerNetwork: d.MaxConnectionsPerNetwork,
		ReservedConnections:      d.ReservedConnections,
		MaxConnectionRatePerIP:   d.MaxConnectionRatePerIP,
		MaxMessageRatePerIP:      d.MaxMessageRatePerIP,
		MaxSessionTime:           d.MaxSessionTime,
		MaxMessageTime:           d.MaxMessageTime,
		MaxJunkCommands:          d.MaxJunkCommands,
		SoftErrorLimit:           d.SoftErrorLimit,
		HardErrorLimit:           d.HardErrorLimit,
		ErrorDelay:               d.ErrorDelay,
	}
}
