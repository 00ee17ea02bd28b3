package smtpd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"time"
)

// Defaults applied by Config.withDefaults to zero fields.
const (
	DefaultAddr            = ":25"
	DefaultMaxMessageBytes = 30 << 20
	DefaultMaxRecipients   = 50
	// DefaultMaxLineLength bounds one line, in bytes, of commands and of
	// message data. RFC 5321 §4.5.3.1.6 allows 1000 octets, but real senders
	// exceed it (HTML from some mailers arrives unwrapped; Postfix accepts up to
	// line_length_limit = 2048 and splits longer lines rather than refusing).
	// go-smtp does not split: it answers 500 and drops the connection, so the
	// sender retries and finally bounces. The limit's real job is to bound the
	// memory of a command line (textproto buffers a whole line; DATA is
	// streamed), so it is set generously: 8 KiB per line costs nothing per
	// connection and keeps sloppy but legitimate mail flowing.
	DefaultMaxLineLength = 8192
	// DefaultReadTimeout is the idle time allowed between commands, the
	// 5 minutes RFC 5321 §4.5.3.2.7 asks servers to wait.
	DefaultReadTimeout = 5 * time.Minute
	// DefaultWriteTimeout bounds writing one reply.
	DefaultWriteTimeout = time.Minute
	// DefaultDataTimeout is the inactivity allowed during DATA; it restarts
	// with every read that returns bytes (RFC 5321 §4.5.3.2.5/6 give clients 3
	// minutes per data block).
	DefaultDataTimeout       = 5 * time.Minute
	DefaultMaxConnections    = 500
	DefaultMaxConnectionsPer = 50
)

// Config configures the SMTP server. Zero values take the defaults above;
// negative values are refused by Validate.
type Config struct {
	Addr                string // listen address for ListenAndServe, default ":25"
	Domain              string // name in the greeting, default the host name
	MaxMessageBytes     int64  // default 30 MB
	MaxRecipients       int    // per message, default 50
	MaxLineLength       int    // see DefaultMaxLineLength
	ReadTimeout         time.Duration
	WriteTimeout        time.Duration
	DataTimeout         time.Duration
	MaxConnections      int         // global cap on open connections
	MaxConnectionsPerIP int         // cap per client IP address
	TLSConfig           *tls.Config // STARTTLS is offered when set
	ImplicitTLSAddr     string      // optional implicit-TLS listener (needs TLSConfig)
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	setDefault(&c.Addr, DefaultAddr)
	if c.Domain == "" {
		c.Domain, _ = os.Hostname()
		setDefault(&c.Domain, "localhost")
	}
	setDefault(&c.MaxMessageBytes, DefaultMaxMessageBytes)
	setDefault(&c.MaxRecipients, DefaultMaxRecipients)
	setDefault(&c.MaxLineLength, DefaultMaxLineLength)
	setDefault(&c.ReadTimeout, DefaultReadTimeout)
	setDefault(&c.WriteTimeout, DefaultWriteTimeout)
	setDefault(&c.DataTimeout, DefaultDataTimeout)
	setDefault(&c.MaxConnections, DefaultMaxConnections)
	setDefault(&c.MaxConnectionsPerIP, DefaultMaxConnectionsPer)
	return c
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// Validate reports every problem in c (after defaults), each saying what to
// change.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	check := func(bad bool, format string, args ...any) {
		if bad {
			errs = append(errs, fmt.Errorf("smtpd: "+format, args...))
		}
	}
	check(c.MaxMessageBytes < 1024, "MaxMessageBytes is %d; set it to at least 1024 bytes (default %d, 30 MB)", c.MaxMessageBytes, DefaultMaxMessageBytes)
	check(c.MaxRecipients < 1, "MaxRecipients is %d; set it to at least 1 (default %d; RFC 5321 asks for 100 to be accepted)", c.MaxRecipients, DefaultMaxRecipients)
	check(c.MaxLineLength < 1000, "MaxLineLength is %d; set it to at least 1000, the RFC 5321 line limit (default %d)", c.MaxLineLength, DefaultMaxLineLength)
	for name, d := range map[string]time.Duration{"ReadTimeout": c.ReadTimeout, "WriteTimeout": c.WriteTimeout, "DataTimeout": c.DataTimeout} {
		check(d < 0, "%s is %v; set it to a positive duration such as 5m, or leave it empty for the default", name, d)
	}
	check(c.MaxConnections < 1, "MaxConnections is %d; set it to at least 1 (default %d)", c.MaxConnections, DefaultMaxConnections)
	check(c.MaxConnectionsPerIP < 1, "MaxConnectionsPerIP is %d; set it to at least 1 (default %d)", c.MaxConnectionsPerIP, DefaultMaxConnectionsPer)
	check(c.MaxConnectionsPerIP > c.MaxConnections, "MaxConnectionsPerIP (%d) is above MaxConnections (%d); lower it", c.MaxConnectionsPerIP, c.MaxConnections)
	check(c.ImplicitTLSAddr != "" && c.TLSConfig == nil, "ImplicitTLSAddr is %q but no TLS certificate is configured; configure one or clear ImplicitTLSAddr", c.ImplicitTLSAddr)
	check(c.TLSConfig != nil && len(c.TLSConfig.Certificates) == 0 && c.TLSConfig.GetCertificate == nil,
		"TLS is configured without a certificate; add one (Certificates or GetCertificate)")
	return errors.Join(errs...)
}
