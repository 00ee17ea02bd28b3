package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/check/builtin"
	"github.com/mailwiki/mailwiki/internal/check/clamav"
	"github.com/mailwiki/mailwiki/internal/check/msgauth"
	"github.com/mailwiki/mailwiki/internal/check/rspamd"
	"github.com/mailwiki/mailwiki/internal/config"
)

// The door's message stage: each screen adapts one internal/check package
// to mailwiki.Screen.

// screens builds the message stage from the checks section: sender
// authentication always, rspamd and ClamAV when configured, the built-in
// check always (header sanity; EICAR and GTUBE without scanners). It also
// returns the fail action of each screen.
func screens(c config.Checks, hostname string) ([]mailwiki.Screen, map[string]string) {
	auth := &msgauth.Checker{Resolver: resolver(c.DNS.Nameserver), AuthServID: hostname, Timeout: c.DNS.Timeout,
		Cache: msgauth.NewCache(0, nil)}
	list := []mailwiki.Screen{authScreen{auth}}
	actions := map[string]string{"msgauth": c.AuthFailAction, "builtin": mailwiki.FailTempfail}
	if c.Rspamd.Address != "" {
		list = append(list, rspamdScreen{&rspamd.Client{URL: c.Rspamd.Address, Timeout: c.Rspamd.Timeout}})
		actions["rspamd"] = c.Rspamd.FailAction
	}
	if c.ClamAV.Address != "" {
		network, addr, _ := clamav.ParseAddress(c.ClamAV.Address) // validated with the configuration
		list = append(list, clamavScreen{&clamav.Client{Network: network, Address: addr, Timeout: c.ClamAV.Timeout}})
		actions["clamav"] = c.ClamAV.FailAction
	}
	// Last: when a scanner and the built-in check find the same thing, the
	// reply names the scanner's finding.
	list = append(list, builtinScreen{onlyMalwareCheck: c.ClamAV.Address == ""})
	return list, actions
}

// resolver returns a resolver asking nameserver (host:port) only, or the
// system's when nameserver is empty.
func resolver(nameserver string) *net.Resolver {
	if nameserver == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, nameserver)
	}}
}

// authScreen is sender authentication: SPF for the client and MAIL FROM,
// DKIM and DMARC for the message.
type authScreen struct{ c *msgauth.Checker }

func (authScreen) Name() string { return "msgauth" }

func (s authScreen) Screen(ctx context.Context, env *mailwiki.Envelope, msg io.Reader) (mailwiki.Finding, error) {
	spf := make(chan msgauth.SPFResult, 1) // SPF's DNS runs while the message streams in
	go func() { spf <- s.c.SPF(ctx, clientIP(env.RemoteAddr), env.Helo, env.From) }()
	res, err := s.c.MessageThen(ctx, func() msgauth.SPFResult { return <-spf }, msg)
	if errors.Is(err, msgauth.ErrHeaderTooLarge) {
		return mailwiki.Finding{HeaderProblem: fmt.Sprintf("its header section is larger than %d bytes", msgauth.MaxHeaderBytes)}, nil
	}
	if err != nil {
		return mailwiki.Finding{}, err
	}
	return mailwiki.Finding{Auth: &mailwiki.SenderAuth{
		Results: res.AuthenticationResults(s.c.AuthServID), HeaderFrom: res.HeaderFrom,
		Authenticated: res.Authenticated, Temporary: res.Temporary,
		DMARC: res.DMARC.Result, Policy: res.DMARC.Policy,
	}}, nil
}

func clientIP(remote string) net.IP {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	return net.ParseIP(host)
}

// rspamdScreen asks rspamd for its action on the message.
type rspamdScreen struct{ c *rspamd.Client }

func (rspamdScreen) Name() string { return "rspamd" }

func (s rspamdScreen) Screen(ctx context.Context, env *mailwiki.Envelope, msg io.Reader) (mailwiki.Finding, error) {
	ip := ""
	if a := clientIP(env.RemoteAddr); a != nil {
		ip = a.String()
	}
	res, err := s.c.Check(ctx, msg, rspamd.Meta{IP: ip, Helo: env.Helo, From: env.From, Rcpt: env.To, QueueID: env.ID})
	if err != nil {
		return mailwiki.Finding{}, err
	}
	f := mailwiki.Finding{SpamDetail: fmt.Sprintf("rspamd %s, score %.1f/%.1f", res.Action, res.Score, res.RequiredScore)}
	switch res.Action {
	case "reject":
		f.Spam = mailwiki.SpamLikely
	case "soft reject":
		f.Spam = mailwiki.SpamDefer
	case "add header", "rewrite subject":
		f.Spam = mailwiki.SpamPossible
	}
	return f, nil
}

// clamavScreen asks clamd whether the message carries malware; clamd's
// size-limit alerts count as findings.
type clamavScreen struct{ c *clamav.Client }

func (clamavScreen) Name() string { return "clamav" }

func (s clamavScreen) Screen(ctx context.Context, _ *mailwiki.Envelope, msg io.Reader) (mailwiki.Finding, error) {
	res, err := s.c.Scan(ctx, msg)
	if err != nil {
		return mailwiki.Finding{}, err
	}
	switch {
	case res.Infected && res.SizeLimit:
		return mailwiki.Finding{Unscannable: res.Signature}, nil
	case res.Infected:
		return mailwiki.Finding{Malware: res.Signature}, nil
	}
	return mailwiki.Finding{}, nil
}

// builtinScreen is the check that needs no scanner: EICAR (also inside
// zip archives), GTUBE and header sanity. When it is the only malware
// check, what it could not inspect (an archive nested too deep, a
// multipart without boundary) marks the page mailwiki-unscanned.
type builtinScreen struct{ onlyMalwareCheck bool }

func (builtinScreen) Name() string { return "builtin" }

func (s builtinScreen) Screen(_ context.Context, _ *mailwiki.Envelope, msg io.Reader) (mailwiki.Finding, error) {
	res, err := builtin.Scan(msg, builtin.Limits{})
	if err != nil {
		return mailwiki.Finding{}, err
	}
	f := mailwiki.Finding{Malware: res.Malware, HeaderProblem: res.HeaderProblem, Warning: res.Uninspected,
		Incomplete: s.onlyMalwareCheck && res.Uninspected != ""}
	if res.Spam != "" {
		f.Spam, f.SpamDetail = mailwiki.SpamLikely, res.Spam
	}
	return f, nil
}

// probeScanners asks the configured scanners whether they answer (one
// second each), so that one that is down is reported at start rather than
// at the first message.
func probeScanners(ctx context.Context, c config.Checks, observe func(string, error)) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if c.Rspamd.Address != "" {
		observe("rspamd", (&rspamd.Client{URL: c.Rspamd.Address}).Ping(ctx))
	}
	if c.ClamAV.Address != "" {
		observe("clamav", (&clamav.Client{Address: c.ClamAV.Address}).Ping(ctx)) // the address is parsed by the client
	}
}

// describeScreens logs which scanners the message stage uses.
func describeScreens(log *slog.Logger, c config.Checks) {
	spam, malware := "built-in (GTUBE only)", "built-in (EICAR only)"
	if c.Rspamd.Address != "" {
		spam = "rspamd at " + c.Rspamd.Address
	}
	if c.ClamAV.Address != "" {
		malware = "clamd at " + c.ClamAV.Address
	}
	log.Info("message checks", "spam", spam, "malware", malware, "dns", nameserverName(c.DNS.Nameserver), "timeout", c.Timeout.String())
}

func nameserverName(ns string) string {
	if ns == "" {
		return "system resolver"
	}
	return ns
}

// Where the demo looks for scanners when not told otherwise: rspamd's and
// clamd's own default listeners.
const (
	DemoRspamdURL = "http://127.0.0.1:11333"
	DemoClamdAddr = "127.0.0.1:3310"
)

// DemoScanners configures rspamd at rspamdURL and clamd at clamdAddr for
// the scanners that answer a ping within a second (empty: not tried), and
// returns one line per scanner saying what the demo uses.
func DemoScanners(ctx context.Context, cfg *config.Config, rspamdURL, clamdAddr string) []string {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	spam, malware := "spam: built-in check (the GTUBE test string only); rspamd off", "malware: built-in check (the EICAR test file, also zipped); clamd off"
	if rspamdURL != "" {
		spam = strings.Replace(spam, "rspamd off", "rspamd not found", 1)
		if err := (&rspamd.Client{URL: rspamdURL}).Ping(ctx); err == nil {
			cfg.Checks.Rspamd.Address, spam = rspamdURL, "spam: rspamd at "+rspamdURL
		} else {
			spam += " at " + rspamdURL
		}
	}
	if clamdAddr != "" {
		malware = strings.Replace(malware, "clamd off", "clamd not found", 1)
		if err := (&clamav.Client{Address: clamdAddr}).Ping(ctx); err == nil {
			cfg.Checks.ClamAV.Address, malware = clamdAddr, "malware: clamd at "+clamdAddr
		} else {
			malware += " at " + clamdAddr
		}
	}
	return []string{spam, malware}
}
