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
	// DefaultMaxConnectionsPer caps connections per client IP address. It was
	// 50 (Postfix's smtpd_client_connection_count_limit): four addresses then
	// held all 200 slots. 20 is what a well-behaved sender opens at most:
	// Postfix's own smtp_destination_concurrency_limit, the number of parallel
	// deliveries it makes to one destination, defaults to 20.
	DefaultMaxConnectionsPer = 20
	// DefaultMaxConnectionsPerNetwork caps connections per client network
	// (IPv4 /24, IPv6 /64): the addresses of one provider or one abuser.
	DefaultMaxConnectionsPerNetwork = 100
	// DefaultMaxConnectionRatePerIP and DefaultMaxMessageRatePerIP are per
	// minute and per client IP address, generous for one sending MTA.
	DefaultMaxConnectionRatePerIP = 60
	DefaultMaxMessageRatePerIP    = 120
	// DefaultMaxSessionTime bounds a connection's life; a message being
	// received finishes first.
	DefaultMaxSessionTime = 15 * time.Minute
	// DefaultMaxMessageTime bounds the receiving of one message (DATA or
	// BDAT, start to end) whatever its progress.
	DefaultMaxMessageTime = 15 * time.Minute
	// DefaultMaxJunkCommands, DefaultSoftErrorLimit, DefaultHardErrorLimit
	// and DefaultErrorDelay follow Postfix's smtpd_junk_command_limit (100),
	// smtpd_soft_error_limit (10), smtpd_hard_error_limit (20) and
	// smtpd_error_sleep_time (1s).
	DefaultMaxJunkCommands = 100
	DefaultSoftErrorLimit  = 10
	DefaultHardErrorLimit  = 20
	DefaultErrorDelay      = time.Second
	// Off turns off MaxConnectionRatePerIP, MaxMessageRatePerIP (no rate
	// limit) and ReservedConnections (no reserved slots); zero, as for every
	// field, means the default.
	Off = -1
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
	MaxConnections      int // global cap on open connections
	MaxConnectionsPerIP int // cap per client IP address
	// MaxConnectionsPerNetwork caps connections per client network: IPv4
	// /24, IPv6 /64.
	MaxConnectionsPerNetwork int
	// ReservedConnections: once MaxConnections − ReservedConnections are
	// open, a new connection is admitted only from a network holding fewer
	// than 2. Zero means 20% of MaxConnections; Off reserves none.
	ReservedConnections int
	// MaxConnectionRatePerIP is the number of connections a client IP
	// address may open per minute (421 4.7.0 beyond it); Off for no limit.
	MaxConnectionRatePerIP int
	// MaxMessageRatePerIP is the number of messages (MAIL commands accepted)
	// a client IP address may begin per minute (451 4.7.1 beyond it); Off
	// for no limit.
	MaxMessageRatePerIP int
	// MaxSessionTime bounds a connection's life: past it, the next command
	// (or the idle wait for one) is answered 421 4.4.2 and the connection
	// closed; a message being received finishes first.
	MaxSessionTime time.Duration
	// MaxMessageTime bounds receiving one message (DATA or BDAT, start to
	// end), besides the DataTimeout of inactivity: 421 4.4.2, nothing kept.
	MaxMessageTime time.Duration
	// MaxJunkCommands is the number of commands that send no mail (NOOP,
	// RSET, VRFY, HELP, EXPN, unknown ones) a session may give; each one
	// beyond counts as an error, as Postfix's smtpd_junk_command_limit.
	MaxJunkCommands int
	// SoftErrorLimit: once a session has had this many error replies (any
	// 4xx or 5xx), each further reply is sent after ErrorDelay.
	SoftErrorLimit int
	// HardErrorLimit: a session that has had this many error replies is
	// answered 421 4.7.0 at its next command and closed.
	HardErrorLimit int
	// ErrorDelay is the tarpit delay of each reply past SoftErrorLimit.
	ErrorDelay      time.Duration
	TLSConfig       *tls.Config // STARTTLS is offered when set
	ImplicitTLSAddr string      // optional implicit-TLS listener opened by Open (needs TLSConfig)
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
		// ReservedConnections stays 0: 20% of whatever MaxConnections is.
		MaxConnectionsPerNetwork: DefaultMaxConnectionsPerNetwork,
		MaxConnectionRatePerIP:   DefaultMaxConnectionRatePerIP,
		MaxMessageRatePerIP:      DefaultMaxMessageRatePerIP,
		MaxSessionTime:           DefaultMaxSessionTime,
		MaxMessageTime:           DefaultMaxMessageTime,
		MaxJunkCommands:          DefaultMaxJunkCommands,
		SoftErrorLimit:           DefaultSoftErrorLimit,
		HardErrorLimit:           DefaultHardErrorLimit,
		ErrorDelay:               DefaultErrorDelay,
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
	setDefault(&c.MaxConnectionsPerNetwork, d.MaxConnectionsPerNetwork)
	setDefault(&c.ReservedConnections, c.MaxConnections/5)
	setDefault(&c.MaxConnectionRatePerIP, d.MaxConnectionRatePerIP)
	setDefault(&c.MaxMessageRatePerIP, d.MaxMessageRatePerIP)
	setDefault(&c.MaxSessionTime, d.MaxSessionTime)
	setDefault(&c.MaxMessageTime, d.MaxMessageTime)
	setDefault(&c.MaxJunkCommands, d.MaxJunkCommands)
	setDefault(&c.SoftErrorLimit, d.SoftErrorLimit)
	setDefault(&c.HardErrorLimit, d.HardErrorLimit)
	setDefault(&c.ErrorDelay, d.ErrorDelay)
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
	for name, d := range map[string]time.Duration{"ReadTimeout": c.ReadTimeout, "WriteTimeout": c.WriteTimeout, "DataTimeout": c.DataTimeout,
		"MaxSessionTime": c.MaxSessionTime, "MaxMessageTime": c.MaxMessageTime, "ErrorDelay": c.ErrorDelay} {
		check(d < 0, "%s is %v; set it to a positive duration such as 5m, or leave it empty for the default", name, d)
	}
	check(c.MaxConnections < 1, "MaxConnections is %d; set it to at least 1 (default %d)", c.MaxConnections, DefaultMaxConnections)
	check(c.MaxConnectionsPerIP < 1, "MaxConnectionsPerIP is %d; set it to at least 1 (default %d)", c.MaxConnectionsPerIP, DefaultMaxConnectionsPer)
	check(c.MaxConnectionsPerIP > c.MaxConnections, "MaxConnectionsPerIP (%d) is above MaxConnections (%d); lower it", c.MaxConnectionsPerIP, c.MaxConnections)
	errs = append(errs, c.validateAbuseLimits()...)
	check(c.ImplicitTLSAddr != "" && c.TLSConfig == nil, "ImplicitTLSAddr is %q but no TLS certificate is configured; configure one or clear ImplicitTLSAddr", c.ImplicitTLSAddr)
	check(c.RequireTLS && c.TLSConfig == nil, "RequireTLS is set but no TLS certificate is configured, so no client could ever send mail; configure one or clear RequireTLS")
	check(c.TLSConfig != nil && len(c.TLSConfig.Certificates) == 0 && c.TLSConfig.GetCertificate == nil,
		"TLS is configured without a certificate; add one (Certificates or GetCertificate)")
	return errors.Join(errs...)
}

// validateAbuseLimits checks the per-network, reserved, rate, junk and error
// limits of c (after defaults).
func (c Config) validateAbuseLimits() []error {
	var errs []error
	check := func(bad bool, format string, args ...any) {
		if bad {
			errs = append(errs, fmt.Errorf("smtpd: "+format, args...))
		}
	}
	check(c.MaxConnectionsPerNetwork < 1, "MaxConnectionsPerNetwork is %d; set it to at least 1 (default %d)", c.MaxConnectionsPerNetwork, DefaultMaxConnectionsPerNetwork)
	check(c.MaxConnectionsPerIP > c.MaxConnectionsPerNetwork, "MaxConnectionsPerIP (%d) is above MaxConnectionsPerNetwork (%d); lower it or raise MaxConnectionsPerNetwork", c.MaxConnectionsPerIP, c.MaxConnectionsPerNetwork)
	check(c.ReservedConnections < Off || c.ReservedConnections >= max(c.MaxConnections, 1),
		"ReservedConnections is %d; set it below MaxConnections (%d), to 0 for 20%% of it, or to -1 to reserve none", c.ReservedConnections, c.MaxConnections)
	for name, v := range map[string]int{"MaxConnectionRatePerIP": c.MaxConnectionRatePerIP, "MaxMessageRatePerIP": c.MaxMessageRatePerIP} {
		check(v < Off, "%s is %d; set it to a number per minute, or to -1 for no limit", name, v)
	}
	for name, v := range map[string]int{"MaxJunkCommands": c.MaxJunkCommands, "SoftErrorLimit": c.SoftErrorLimit, "HardErrorLimit": c.HardErrorLimit} {
		check(v < 1, "%s is %d; set it to at least 1, or leave it empty for the default", name, v)
	}
	check(c.SoftErrorLimit > c.HardErrorLimit, "SoftErrorLimit (%d) is above HardErrorLimit (%d); lower it, or the tarpit never starts", c.SoftErrorLimit, c.HardErrorLimit)
	return errs
}
