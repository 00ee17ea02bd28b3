package config

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

var (
	tenantIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	spaceKeyRe = regexp.MustCompile(`^[A-Za-z0-9~]{1,255}$`)
)

// validate returns every problem, each naming the key and what to change.
func (c Config) validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.DataDir == "" {
		add("data_dir is empty: set it to a directory mailwiki may write to (e.g. /var/lib/mailwiki)")
	}
	errs = append(errs, c.SMTP.validate()...)
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		add("http.listen %q is not host:port (e.g. 127.0.0.1:8080)", c.HTTP.Listen)
	}
	errs = append(errs, c.Spool.validate()...)
	if c.Queue.Workers < 1 || c.Queue.Workers > 1000 {
		add("queue.workers = %d: choose between 1 and 1000", c.Queue.Workers)
	}
	if c.Queue.BusyConnections < 0 || c.Queue.BusyWorkers < 1 || c.Queue.BusyWorkers > c.Queue.Workers {
		add("queue.busy_connections (%d) must be 0 (off) or more, queue.busy_workers (%d) between 1 and queue.workers", c.Queue.BusyConnections, c.Queue.BusyWorkers)
	}
	if c.Queue.MemoryBudget < 64<<20 {
		add("queue.memory_budget = %d: choose at least 67108864 (64 MiB); the default is 1073741824 (1 GiB)", c.Queue.MemoryBudget)
	}
	if !durationOK(c.Queue.JobTimeout) || !durationOK(c.Queue.MaxBackoff) || !durationOK(c.Queue.PollInterval) {
		add("queue.job_timeout, queue.max_backoff and queue.poll_interval must be durations between 1ns and 24h (e.g. 5m)")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level %q: choose debug, info, warn or error", c.Log.Level)
	}
	if c.Retention.MessageMaxAge <= 0 || c.Retention.MessageMaxAge > 48*time.Hour {
		add("retention.message_max_age = %s: must be more than 0 and at most 48h (no message content is kept longer)", c.Retention.MessageMaxAge)
	}
	if c.Notify.Relay != "" {
		if _, _, err := net.SplitHostPort(c.Notify.Relay); err != nil {
			add("notify.relay %q is not host:port (e.g. smtp.example.com:25)", c.Notify.Relay)
		}
	}
	if c.Notify.From != "" {
		if _, err := mail.ParseAddress(c.Notify.From); err != nil {
			add("notify.from %q is not an address (e.g. \"Mail Delivery System <mailer-daemon@wiki.example.com>\")", c.Notify.From)
		}
	}
	installed := c.Connect.Enabled || c.Forge.Enabled
	errs = append(errs, validateTenants(c.Tenants, installed)...)
	errs = append(errs, c.Hosted.validate(installed)...)
	errs = append(errs, c.Connect.validate()...)
	errs = append(errs, c.Forge.validate()...)
	errs = append(errs, c.Checks.validate()...)
	return errs
}

func (s SMTP) validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(s.Listen); err != nil {
		add("smtp.listen %q is not host:port (e.g. :25 or 127.0.0.1:2525)", s.Listen)
	}
	if s.ImplicitTLSListen != "" {
		if _, _, err := net.SplitHostPort(s.ImplicitTLSListen); err != nil {
			add("smtp.implicit_tls_listen %q is not host:port (e.g. :465)", s.ImplicitTLSListen)
		}
		if s.TLSCertFile == "" {
			add("smtp.implicit_tls_listen needs smtp.tls_cert_file and smtp.tls_key_file")
		}
	}
	if s.Domain == "" {
		add("smtp.domain is empty: set it to this server's host name (it appears in the greeting)")
	}
	if s.MaxMessageBytes < 1024 || s.MaxMessageBytes > 1<<30 {
		add("smtp.max_message_bytes = %d: choose between 1024 and 1073741824", s.MaxMessageBytes)
	}
	if s.MaxRecipients < 1 || s.MaxRecipients > 1000 {
		add("smtp.max_recipients = %d: choose between 1 and 1000", s.MaxRecipients)
	}
	if s.MaxLineLength < 1000 {
		add("smtp.max_line_length = %d: RFC 5321 requires at least 1000", s.MaxLineLength)
	}
	if !durationOK(s.ReadTimeout) || !durationOK(s.WriteTimeout) || !durationOK(s.DataTimeout) {
		add("smtp.read_timeout, smtp.write_timeout and smtp.data_timeout must be durations between 1ns and 24h (RFC 5321 suggests 5m)")
	}
	if s.MaxConnections < 1 || s.MaxConnectionsPerIP < 1 || s.MaxConnectionsPerIP > s.MaxConnections {
		add("smtp.max_connections (%d) and smtp.max_connections_per_ip (%d) must be at least 1, per IP not above the total", s.MaxConnections, s.MaxConnectionsPerIP)
	}
	for key, v := range map[string]int{"max_connections_per_network": s.MaxConnectionsPerNetwork, "max_junk_commands": s.MaxJunkCommands,
		"soft_error_limit": s.SoftErrorLimit, "hard_error_limit": s.HardErrorLimit} {
		if v < 1 {
			add("smtp.%s = %d: choose at least 1", key, v)
		}
	}
	for key, v := range map[string]int{"reserved_connections": s.ReservedConnections, "max_connection_rate_per_ip": s.MaxConnectionRatePerIP,
		"max_message_rate_per_ip": s.MaxMessageRatePerIP} {
		if v < -1 {
			add("smtp.%s = %d: choose a number, 0 for the default, or -1 for none", key, v)
		}
	}
	if s.SoftErrorLimit > s.HardErrorLimit {
		add("smtp.soft_error_limit (%d) is above smtp.hard_error_limit (%d): lower it", s.SoftErrorLimit, s.HardErrorLimit)
	}
	if !durationOK(s.MaxSessionTime) || !durationOK(s.MaxMessageTime) || !durationOK(s.ErrorDelay) {
		add("smtp.max_session_time, smtp.max_message_time and smtp.error_delay must be durations between 1ns and 24h (defaults 15m, 15m, 1s)")
	}
	if s.RequireTLS && s.TLSCertFile == "" {
		add("smtp.require_tls needs a certificate: set smtp.tls_cert_file and smtp.tls_key_file (PEM), or set require_tls to false")
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		add("smtp.tls_cert_file and smtp.tls_key_file go together: set both or neither")
	} else if s.TLSCertFile != "" {
		if _, err := tls.LoadX509KeyPair(s.TLSCertFile, s.TLSKeyFile); err != nil {
			add("smtp.tls_cert_file %s / tls_key_file %s: %v (give a PEM certificate chain and its private key)", s.TLSCertFile, s.TLSKeyFile, err)
		}
	}
	return errs
}

func (s Spool) validate() []error {
	var errs []error
	if len(s.MasterKeys) == 0 {
		return append(errs, fmt.Errorf("spool.master_keys is empty: set MAILWIKI_MASTER_KEY (or _FILE) to a base64 32-byte key, e.g. from 'openssl rand -base64 32'"))
	}
	ids := make([]string, 0, len(s.MasterKeys))
	for id, k := range s.MasterKeys {
		ids = append(ids, id)
		b, err := base64.StdEncoding.DecodeString(k.Value)
		if err != nil || len(b) != 32 {
			errs = append(errs, fmt.Errorf("spool.master_keys.%s: want base64 of exactly 32 bytes (e.g. 'openssl rand -base64 32')", id))
		}
	}
	sort.Strings(ids)
	if _, ok := s.MasterKeys[s.PrimaryKey]; !ok {
		errs = append(errs, fmt.Errorf("spool.primary_key %q is not among spool.master_keys (have: %s)", s.PrimaryKey, strings.Join(ids, ", ")))
	}
	return errs
}

func validateTenants(tenants []Tenant, connect bool) []error {
	var errs []error
	if len(tenants) == 0 && !connect {
		errs = append(errs, fmt.Errorf("tenants is empty: add at least one Confluence site with its addresses, or enable connect or forge (sites install mailwiki)"))
	}
	seenID := map[string]bool{}
	seenAddr := map[string]string{}
	for _, t := range tenants {
		if !tenantIDRe.MatchString(t.ID) {
			errs = append(errs, fmt.Errorf("tenants: id %q: use lower-case letters, digits and '-'", t.ID))
		}
		if seenID[t.ID] {
			errs = append(errs, fmt.Errorf("tenants: id %q appears twice", t.ID))
		}
		seenID[t.ID] = true
		errs = append(errs, t.validate()...)
		for _, a := range t.Addresses {
			addr := strings.ToLower(a.Address)
			if other, dup := seenAddr[addr]; dup {
				errs = append(errs, fmt.Errorf("tenants[%s]: address %s is already routed by tenant %s", t.ID, a.Address, other))
			}
			seenAddr[addr] = t.ID
		}
	}
	return errs
}

func (t Tenant) validate() []error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("tenants[%s]: "+format, append([]any{t.ID}, args...)...))
	}
	u, err := url.Parse(t.BaseURL)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		add("base_url %q: want the site's URL, e.g. https://acme.atlassian.net/wiki", t.BaseURL)
	case u.Scheme == "http" && !t.AllowInsecureHTTP:
		add("base_url %q uses plain HTTP: Confluence is called over HTTPS only; use https:// (allow_insecure_http is for a local sandbox)", t.BaseURL)
	}
	switch t.Flavor {
	case "cloud", "": // cloud unless said otherwise
		if t.Email == "" || t.APIToken.Value == "" {
			add("flavor cloud needs email and api_token (or MAILWIKI_TENANT_%s_API_TOKEN[_FILE])", envName(t.ID))
		}
	case "datacenter":
		if t.PersonalAccessToken.Value == "" {
			add("flavor datacenter needs personal_access_token (or MAILWIKI_TENANT_%s_PERSONAL_ACCESS_TOKEN[_FILE])", envName(t.ID))
		}
	default:
		add("flavor %q: choose cloud or datacenter", t.Flavor)
	}
	if len(t.Addresses) == 0 {
		add("no addresses: add at least one {address, space}")
	}
	for _, a := range t.Addresses {
		if p, err := mail.ParseAddress(a.Address); err != nil || p.Address != a.Address || p.Name != "" {
			add("address %q is not a plain email address like docs@wiki.example.com", a.Address)
		}
		if !spaceKeyRe.MatchString(a.Space) {
			add("address %s: space %q is not a Confluence space key (letters and digits, e.g. DOCS)", a.Address, a.Space)
		}
	}
	var ve *mailwiki.ValidationError
	door := t.DoorConfig()
	if errors.As(door.Validate(nil), &ve) {
		for _, f := range ve.Fields {
			add("%s: %s", strings.Replace(f.Field, "spam.action", "spam_action", 1), f.Message)
		}
	}
	return errs
}

// DoorConfig is the tenant's secure sender list and spam action as a
// normalized mailwiki.TenantConfig (addresses left out).
func (t Tenant) DoorConfig() mailwiki.TenantConfig {
	c := mailwiki.TenantConfig{Senders: mailwiki.SenderList{Mode: t.Senders.Mode, Entries: append([]string(nil), t.Senders.Entries...)},
		Spam: mailwiki.SpamSettings{Action: t.SpamAction}}
	c.Normalize()
	return c
}
