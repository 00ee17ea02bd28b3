package smtpd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Defaults: the one place mailwiki's SMTP defaults are defined. New applies
// them to zero fields (Config.WithDefaults) and internal/config starts from
// DefaultConfig, so a configuration file that says nothing gets exactly these.
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
	// DefaultWriteTimeout bounds writing one reply (a few hundred bytes): a
	// client that has not read for a minute is not coming back, and its
	// connection slot is better given to another.
	DefaultWriteTimeout = time.Minute
	// DefaultDataTimeout is the inactivity allowed during DATA; it restarts
	// with every read that returns bytes (RFC 5321 §4.5.3.2.5/6 give clients 3
	// minutes per data block).
	DefaultDataTimeout = 5 * time.Minute
	// DefaultMaxConnections caps open connections. Each costs little (two
	// buffers and a goroutine), but every open transaction may be writing to
	// the spool; 200 is far above what a wiki's inbound mail needs and keeps
	// a flood from taking the machine.
	DefaultMaxConnections = 200
	// DefaultMaxConnectionsPer caps connections per client IP address, as
	// Postfix's smtpd_client_connection_count_limit (50).
	DefaultMaxConnectionsPer = 50
	// DefaultDomain is the greeting name when the host name is unknown.
	DefaultDomain = "localhost"
)

// Config configures the SMTP server. Zero values take the defaults above;
// negative values are refused by Validate.
type Config struct {
	Addr                string // plain listener opened by Open, default ":25"
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
	ImplicitTLSAddr     string      // optional implicit-TLS listener opened by Open (needs TLSConfig)
	// RequireTLS refuses MAIL on a connection that has not negotiated TLS
	// (STARTTLS or the implicit-TLS listener) with 530 5.7.0 (RFC 3207 §4).
	// It needs TLSConfig.
	RequireTLS bool
	// Door is run at each stage of a transaction (connection, MAIL FROM,
	// RCPT TO), usually a mailwiki.Checks chain that ends with
	// RecipientCheck; nil accepts every connection, sender and recipient.
	Door mailwiki.Check
}

// DefaultConfig returns the defaults; Domain is the host name (DefaultDomain
// when it is unknown).
func DefaultConfig() Config {
	domain, _ := os.Hostname()
	if domain == "" {
		domain = DefaultDomain
	}
	return Config{
		Addr:                DefaultAddr,
		Domain:              domain,
		MaxMessageBytes:     DefaultMaxMessageBytes,
		MaxRecipients:       DefaultMaxRecipients,
		MaxLineLength:       DefaultMaxLineLength,
		ReadTimeout:         DefaultReadTimeout,
		WriteTimeout:        DefaultWriteTimeout,
		DataTimeout:         DefaultDataTimeout,
		MaxConnections:      DefaultMaxConnections,
		MaxConnectionsPerIP: DefaultMaxConnectionsPer,
	}
}

// WithDefaults returns c with its zero fields set from DefaultConfig: what
// New applies.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	setDefault(&c.Addr, d.Addr)
	setDefault(&c.Domain, d.Domain)
	setDefault(&c.MaxMessageBytes, d.MaxMessageBytes)
	setDefault(&c.MaxRecipients, d.MaxRecipients)
	setDefault(&c.MaxLineLength, d.MaxLineLength)
	setDefault(&c.ReadTimeout, d.ReadTimeout)
	setDefault(&c.WriteTimeout, d.WriteTimeout)
	setDefault(&c.DataTimeout, d.DataTimeout)
	setDefault(&c.MaxConnections, d.MaxConnections)
	setDefault(&c.MaxConnectionsPerIP, d.MaxConnectionsPerIP)
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
	c = c.WithDefaults()
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
	check(c.RequireTLS && c.TLSConfig == nil, "RequireTLS is set but no TLS certificate is configured, so no client could ever send mail; configure one or clear RequireTLS")
	check(c.TLSConfig != nil && len(c.TLSConfig.Certificates) == 0 && c.TLSConfig.GetCertificate == nil,
		"TLS is configured without a certificate; add one (Certificates or GetCertificate)")
	return errors.Join(errs...)
}
