package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Checks configures the door's message stage: sender authentication and
// the scanners. Each scanner is optional; without one, the built-in check
// still refuses the EICAR test file and the GTUBE test string.
type Checks struct {
	// DNS is the resolver sender authentication (SPF, DKIM, DMARC) asks.
	DNS DNS `yaml:"dns"`
	// Rspamd scans for spam over rspamd's HTTP protocol (POST /checkv2).
	Rspamd Scanner `yaml:"rspamd"`
	// ClamAV scans for malware over clamd's INSTREAM command.
	ClamAV Scanner `yaml:"clamav"`
	// FailAction applies when sender authentication cannot finish (its
	// DNS is down): tempfail (default), reject or accept.
	AuthFailAction string `yaml:"auth_fail_action"`
	// Timeout bounds the whole message stage of one message; default 2m.
	Timeout time.Duration `yaml:"timeout"`
	// TenantRate is the recipients a minute one site's addresses take
	// (default 600; -1: unlimited).
	TenantRate int `yaml:"tenant_rate"`
	// Greylisting asks unknown (client network, sender, recipient)
	// triplets to retry later (RFC 6647); off by default.
	Greylisting Greylisting `yaml:"greylisting"`
}

// DNS names the resolver of sender authentication.
type DNS struct {
	// Nameserver is host:port of a recursive resolver; empty: the
	// system's (/etc/resolv.conf).
	Nameserver string `yaml:"nameserver"`
	// Timeout bounds the DNS work for one message; default 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// Scanner is one optional scanner.
type Scanner struct {
	// Address: rspamd's URL (http://127.0.0.1:11333) or clamd's socket
	// (127.0.0.1:3310, unix:///run/clamav/clamd.ctl); empty: not used.
	Address string `yaml:"address"`
	// Timeout bounds one scan; default 30s.
	Timeout time.Duration `yaml:"timeout"`
	// FailAction applies when the scanner cannot answer: tempfail (451
	// 4.7.1, the default: the sender retries), reject (554 5.7.1) or
	// accept (published with the label mailwiki-unscanned).
	FailAction string `yaml:"fail_action"`
}

// Greylisting configures the optional greylisting of the RCPT stage.
type Greylisting struct {
	Enabled bool          `yaml:"enabled"`
	Delay   time.Duration `yaml:"delay"` // default 5m
	// Allow lists client networks (CIDR) never greylisted.
	Allow []string `yaml:"allow"`
}

func defaultChecks() Checks {
	return Checks{
		DNS:            DNS{Timeout: 10 * time.Second},
		Rspamd:         Scanner{Timeout: 30 * time.Second, FailAction: "tempfail"},
		ClamAV:         Scanner{Timeout: 30 * time.Second, FailAction: "tempfail"},
		AuthFailAction: "tempfail",
		Timeout:        2 * time.Minute,
		TenantRate:     600,
		Greylisting:    Greylisting{Delay: 5 * time.Minute},
	}
}

func (c Checks) validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.DNS.Nameserver != "" {
		if _, _, err := net.SplitHostPort(c.DNS.Nameserver); err != nil {
			add("checks.dns.nameserver %q is not host:port (e.g. 127.0.0.1:53)", c.DNS.Nameserver)
		}
	}
	if c.Rspamd.Address != "" {
		if u, err := url.Parse(c.Rspamd.Address); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("checks.rspamd.address %q is not an http(s) URL (e.g. http://127.0.0.1:11333)", c.Rspamd.Address)
		}
	}
	if a := c.ClamAV.Address; a != "" && !strings.HasPrefix(a, "unix://") && !strings.HasPrefix(a, "/") {
		if _, _, err := net.SplitHostPort(strings.TrimPrefix(a, "tcp://")); err != nil {
			add("checks.clamav.address %q is neither host:port (127.0.0.1:3310) nor a socket (unix:///run/clamav/clamd.ctl)", a)
		}
	}
	for name, v := range map[string]string{"checks.rspamd.fail_action": c.Rspamd.FailAction,
		"checks.clamav.fail_action": c.ClamAV.FailAction, "checks.auth_fail_action": c.AuthFailAction} {
		if v != "tempfail" && v != "reject" && v != "accept" {
			add("%s %q: choose tempfail (451, the sender retries), reject (554) or accept (published, labelled mailwiki-unscanned)", name, v)
		}
	}
	for name, d := range map[string]time.Duration{"checks.dns.timeout": c.DNS.Timeout, "checks.rspamd.timeout": c.Rspamd.Timeout,
		"checks.clamav.timeout": c.ClamAV.Timeout, "checks.timeout": c.Timeout, "checks.greylisting.delay": c.Greylisting.Delay} {
		if !durationOK(d) {
			add("%s = %s: choose a duration between 1ns and 24h (e.g. 30s)", name, d)
		}
	}
	if c.TenantRate < -1 || c.TenantRate == 0 {
		add("checks.tenant_rate = %d: choose recipients a minute per site (default 600), or -1 for no limit", c.TenantRate)
	}
	for _, n := range c.Greylisting.Allow {
		if _, _, err := net.ParseCIDR(n); err != nil {
			add("checks.greylisting.allow: %q is not a network in CIDR form (e.g. 192.0.2.0/24)", n)
		}
	}
	return errs
}
