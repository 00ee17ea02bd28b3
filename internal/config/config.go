// Package config loads mailwiki's configuration from a YAML file and the
// environment, reads secrets from files where asked (the _FILE convention),
// validates everything at start-up with messages that say what to change, and
// dumps the effective configuration with secrets redacted.
//
// Precedence: built-in defaults < file < environment (MAILWIKI_*). A secret
// may be given inline, through an environment variable, or through a file
// named by the variable with a _FILE suffix (for container secrets).
package config

import (
	"time"
)

// Config is the whole configuration of a mailwiki process.
type Config struct {
	DataDir   string    `yaml:"data_dir"`
	Database  Database  `yaml:"database"`
	SMTP      SMTP      `yaml:"smtp"`
	HTTP      HTTP      `yaml:"http"`
	Spool     Spool     `yaml:"spool"`
	Queue     Queue     `yaml:"queue"`
	Log       Log       `yaml:"log"`
	Tenants   []Tenant  `yaml:"tenants"`
	Hosted    Hosted    `yaml:"hosted"`
	Connect   Connect   `yaml:"connect"`
	Forge     Forge     `yaml:"forge"`
	Retention Retention `yaml:"retention"`
	Notify    Notify    `yaml:"notify"`
	Checks    Checks    `yaml:"checks"`
}

// Notify configures the notifications sent to a sender whose message is
// given up on (delivery status notifications, RFC 3464).
type Notify struct {
	// Relay is the host:port of an SMTP relay that accepts mail from this
	// server; empty: senders are not notified (the failure is still logged).
	Relay string `yaml:"relay"`
	// From is the From: header of notifications; default
	// "Mail Delivery System <MAILER-DAEMON@smtp.domain>".
	From string `yaml:"from"`
}

// Database says where server-side state lives.
type Database struct {
	// Path of the SQLite file; default DATA_DIR/mailwiki.db.
	Path string `yaml:"path"`
}

// SMTP configures the receiving server.
type SMTP struct {
	Listen              string        `yaml:"listen"`
	Domain              string        `yaml:"domain"`
	MaxMessageBytes     int64         `yaml:"max_message_bytes"`
	MaxRecipients       int           `yaml:"max_recipients"`
	MaxLineLength       int           `yaml:"max_line_length"`
	ReadTimeout         time.Duration `yaml:"read_timeout"`
	WriteTimeout        time.Duration `yaml:"write_timeout"`
	DataTimeout         time.Duration `yaml:"data_timeout"`
	MaxConnections      int           `yaml:"max_connections"`
	MaxConnectionsPerIP int           `yaml:"max_connections_per_ip"`
	TLSCertFile         string        `yaml:"tls_cert_file"`
	TLSKeyFile          string        `yaml:"tls_key_file"`
	ImplicitTLSListen   string        `yaml:"implicit_tls_listen"`
	// RequireTLS refuses MAIL on a connection that has not negotiated TLS
	// (530 5.7.0, RFC 3207 §4); needs the certificate.
	RequireTLS bool `yaml:"require_tls"`
	// Abuse limits (see internal/smtpd's package documentation); zero
	// takes the SMTP server's default.
	// cap per client network (IPv4 /24, IPv6 /64).
	MaxConnectionsPerNetwork int `yaml:"max_connections_per_network"`
	// slots kept for networks holding fewer than 2 connections; default 20% of max_connections; -1: none.
	ReservedConnections int `yaml:"reserved_connections"`
	// connections a minute per client IP (421 4.7.0 over it); -1: unlimited.
	MaxConnectionRatePerIP int `yaml:"max_connection_rate_per_ip"`
	// messages (MAIL) a minute per client IP (451 4.7.1 over it); -1: unlimited.
	MaxMessageRatePerIP int `yaml:"max_message_rate_per_ip"`
	// longest SMTP session (421 4.4.2 after it; a message in progress finishes).
	MaxSessionTime time.Duration `yaml:"max_session_time"`
	// longest time to receive one message.
	MaxMessageTime time.Duration `yaml:"max_message_time"`
	// NOOP, RSET, VRFY, HELP... per session before each counts as an error.
	MaxJunkCommands int `yaml:"max_junk_commands"`
	// errors per session after which each reply waits error_delay.
	SoftErrorLimit int `yaml:"soft_error_limit"`
	// errors per session after which the session is closed (421 4.7.0).
	HardErrorLimit int `yaml:"hard_error_limit"`
	// the tarpit delay past soft_error_limit.
	ErrorDelay time.Duration `yaml:"error_delay"`
}

// HTTP configures health, readiness and metrics.
type HTTP struct {
	Listen string `yaml:"listen"`
}

// Spool configures the encrypted message store.
type Spool struct {
	// Dir defaults to DATA_DIR/spool.
	Dir string `yaml:"dir"`
	// MasterKeys maps a key id to a base64 32-byte key; secret.
	MasterKeys map[string]Secret `yaml:"master_keys"`
	// PrimaryKey is the id of the key that encrypts new messages.
	PrimaryKey string `yaml:"primary_key"`
}

// Queue configures delivery workers.
type Queue struct {
	Workers int `yaml:"workers"`
	// While at least BusyConnections SMTP connections are open (a burst),
	// only BusyWorkers deliveries run at once, so senders are answered
	// first; 0 disables this.
	BusyConnections int           `yaml:"busy_connections"`
	BusyWorkers     int           `yaml:"busy_workers"`
	JobTimeout      time.Duration `yaml:"job_timeout"`
	MaxBackoff      time.Duration `yaml:"max_backoff"`
	PollInterval    time.Duration `yaml:"poll_interval"`
	// MemoryBudget bounds, in bytes, the memory of the deliveries running
	// at once (about 3 bytes per byte of message each); a large message
	// waits until it fits.
	MemoryBudget int64 `yaml:"memory_budget"`
}

// Log configures logging.
type Log struct {
	Level string `yaml:"level"` // debug, info, warn, error
}

// Retention bounds how long anything about a message is kept.
type Retention struct {
	// MessageMaxAge: no message content outlives this (privacy promise P6); at most 48h.
	MessageMaxAge time.Duration `yaml:"message_max_age"`
}

// Tenant is one Confluence site reached with a token (mode "token").
type Tenant struct {
	ID      string `yaml:"id"`
	BaseURL string `yaml:"base_url"`
	// Flavor is "cloud" (REST v2, basic auth with email + API token) or
	// "datacenter" (REST v1, bearer personal access token).
	Flavor              string    `yaml:"flavor"`
	Email               string    `yaml:"email"`
	APIToken            Secret    `yaml:"api_token"`
	PersonalAccessToken Secret    `yaml:"personal_access_token"`
	AllowInsecureHTTP   bool      `yaml:"allow_insecure_http"` // only for a local sandbox
	Addresses           []Address `yaml:"addresses"`
	// Senders is the site's secure sender list (mode everyone or secure;
	// entries name@domain, @domain, .domain) and SpamAction what becomes
	// of spam (refuse, the default, or mark), as a site administrator
	// sets them on the admin page for installed sites.
	Senders    SenderList `yaml:"senders"`
	SpamAction string     `yaml:"spam_action"`
}

// SenderList is a declared tenant's secure sender list.
type SenderList struct {
	Mode    string   `yaml:"mode"`
	Entries []string `yaml:"entries"`
}

// Address routes one recipient address to a space.
type Address struct {
	Address string `yaml:"address"`
	Space   string `yaml:"space"`
}

// Secret is a string that is never printed. Its YAML form is either the
// value itself or a mapping {file: PATH}.
type Secret struct {
	Value string
	File  string
}

// String hides the value.
func (s Secret) String() string {
	if s.Value == "" {
		return ""
	}
	return "<redacted>"
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		DataDir: "/var/lib/mailwiki",
		SMTP:    defaultSMTP(),
		HTTP:    HTTP{Listen: "127.0.0.1:8080"},
		Queue: Queue{Workers: 16, BusyConnections: 8, BusyWorkers: 2, JobTimeout: 5 * time.Minute, MaxBackoff: 10 * time.Minute, PollInterval: time.Second,
			MemoryBudget: 1 << 30},
		Log:       Log{Level: "info"},
		Retention: Retention{MessageMaxAge: 48 * time.Hour},
		Hosted:    defaultHosted(),
		Connect:   defaultConnect(),
		Forge:     defaultForge(),
		Checks:    defaultChecks(),
	}
}
