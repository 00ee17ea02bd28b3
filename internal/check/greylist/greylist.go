package greylist

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Defaults of the Options' zero fields (RFC 6647 §6: a delay of minutes, a
// pending triplet kept for hours, a confirmed one for weeks).
const (
	DefaultDelay      = 5 * time.Minute
	DefaultPendingTTL = 4 * time.Hour
	DefaultKeep       = 36 * 24 * time.Hour
	DefaultMaxEntries = 100_000
)

// Reason is the Verdict's Reason of a greylisting refusal.
const Reason = "greylisted"

// sessionTTL is how long a connection's MAIL FROM is kept for its RCPT TO
// stages; maxSessions bounds how many connections are remembered.
const (
	sessionTTL  = time.Hour
	maxSessions = 10_000
)

// Options configure a Greylist. The zero value is valid: the defaults
// above, no allowlist, bounces greylisted, the wall clock, no logging.
type Options struct {
	// Delay is how long after the first sighting a retry passes.
	Delay time.Duration
	// PendingTTL is how long a triplet not yet retried is kept, from its
	// first sighting; it must be longer than Delay.
	PendingTTL time.Duration
	// Keep is how long a confirmed triplet passes after its last use.
	Keep time.Duration
	// MaxEntries bounds the triplets kept (see the package doc).
	MaxEntries int
	// Allow lists the client networks that are never greylisted: CIDRs
	// ("192.0.2.0/24", "2001:db8::/32") or single addresses.
	Allow []string
	// PassNullSender lets the null reverse path <> through (see the
	// package doc); by default bounces are greylisted too.
	PassNullSender bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives a debug line per refusal (the triplet's hash prefix,
	// never an address); discarded when nil.
	Logger *slog.Logger
}

// Greylist is the door check. Create it with New; it is safe for
// concurrent use.
type Greylist struct {
	opts  Options
	allow []netip.Prefix
	salt  [32]byte
	log   *slog.Logger

	mu       sync.Mutex
	table    *table
	sessions map[string]session // connection id → its MAIL FROM
}

// session is a connection's current MAIL FROM, as a salted hash.
type session struct {
	sender [32]byte
	at     time.Time
}

// New returns a Greylist. An invalid option is an ECONFIG *mailwiki.Error
// saying what to change.
func New(opts Options) (*Greylist, error) {
	opts = withDefaults(opts)
	if opts.PendingTTL <= opts.Delay {
		return nil, mailwiki.Errorf(mailwiki.ECONFIG, "greylist: the pending lifetime (%s) must be longer than the delay (%s)", opts.PendingTTL, opts.Delay)
	}
	allow, err := parseAllow(opts.Allow)
	if err != nil {
		return nil, err
	}
	g := &Greylist{opts: opts, allow: allow, log: opts.Logger,
		table: newTable(opts.MaxEntries), sessions: make(map[string]session)}
	_, _ = rand.Read(g.salt[:]) // never fails (crypto/rand)
	return g, nil
}

func withDefaults(o Options) Options {
	if o.Delay <= 0 {
		o.Delay = DefaultDelay
	}
	if o.PendingTTL <= 0 {
		o.PendingTTL = DefaultPendingTTL
	}
	if o.Keep <= 0 {
		o.Keep = DefaultKeep
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func parseAllow(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, mailwiki.Errorf(mailwiki.ECONFIG, "greylist: allowlist entry %q is neither a CIDR such as 192.0.2.0/24 nor an IP address", s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// CheckConnection accepts: greylisting decides at RCPT TO.
func (g *Greylist) CheckConnection(context.Context, mailwiki.ConnInfo) mailwiki.Verdict {
	return mailwiki.Verdict{}
}

// CheckSender accepts, and remembers the connection's MAIL FROM (hashed)
// for its RCPT TO stages.
func (g *Greylist) CheckSender(_ context.Context, s mailwiki.SessionInfo, from string) mailwiki.Verdict {
	now := g.opts.Now()
	h := g.hash(strings.ToLower(from))
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.sessions) >= maxSessions {
		g.forgetSessions(now)
	}
	g.sessions[s.ConnID] = session{sender: h, at: now}
	return mailwiki.Verdict{}
}

// forgetSessions drops the connections whose MAIL FROM is older than
// sessionTTL and, if that is not enough, any until a tenth of the room is
// free. The caller holds g.mu.
func (g *Greylist) forgetSessions(now time.Time) {
	for id, s := range g.sessions {
		if now.Sub(s.at) > sessionTTL {
			delete(g.sessions, id)
		}
	}
	for id := range g.sessions {
		if len(g.sessions) < maxSessions*9/10 {
			break
		}
		delete(g.sessions, id)
	}
}

// CheckRecipient greylists the triplet of the client's network, the
// connection's MAIL FROM and rcpt (see the package doc). A connection whose
// MAIL FROM is unknown (CheckSender not called, or forgotten) is keyed as
// having no sender, which differs from the null reverse path.
func (g *Greylist) CheckRecipient(_ context.Context, s mailwiki.SessionInfo, rcpt string) mailwiki.Verdict {
	network, allowed := g.network(s.RemoteAddr)
	if allowed {
		return mailwiki.Verdict{}
	}
	now := g.opts.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	sess, known := g.sessions[s.ConnID]
	if g.opts.PassNullSender && known && sess.sender == g.hash("") {
		return mailwiki.Verdict{}
	}
	k := g.tripletKey(network, sess.sender, strings.ToLower(rcpt))
	wait := g.decide(k, now)
	if wait <= 0 {
		return mailwiki.Verdict{}
	}
	g.log.Debug("greylisted", "conn_id", s.ConnID, "triplet", fmt.Sprintf("%x", k[:6]), "retry_in", wait)
	return mailwiki.Reject(451, [3]int{4, 7, 1}, retryMessage(wait), Reason)
}

// retryMessage is the sentence of a refusal: the wait in whole minutes,
// rounded up, or in seconds under a minute.
func retryMessage(wait time.Duration) string {
	if wait < time.Minute {
		seconds := max(int((wait+time.Second-1)/time.Second), 1)
		if seconds == 1 {
			return "Greylisted: please retry in 1 second"
		}
		return fmt.Sprintf("Greylisted: please retry in %d seconds", seconds)
	}
	minutes := int((wait + time.Minute - 1) / time.Minute)
	if minutes == 1 {
		return "Greylisted: please retry in 1 minute"
	}
	return fmt.Sprintf("Greylisted: please retry in %d minutes", minutes)
}

// decide records an attempt of triplet k and returns how long the client
// must still wait: zero or less passes. The caller holds g.mu.
func (g *Greylist) decide(k key, now time.Time) time.Duration {
	e := g.table.get(k, now)
	switch {
	case e == nil:
		g.table.addPending(k, now, now.Add(g.opts.PendingTTL))
		return g.opts.Delay
	case e.confirmed:
		g.table.confirm(e, now.Add(g.opts.Keep))
		return 0
	}
	wait := e.first.Add(g.opts.Delay).Sub(now)
	if wait <= 0 {
		g.table.confirm(e, now.Add(g.opts.Keep))
	}
	return wait
}

// network returns the key of the client's network (its /24 or /64, or the
// address text as given when it does not parse) and whether the network
// is allowlisted.
func (g *Greylist) network(remote string) (string, bool) {
	addr, err := parseAddr(remote)
	if err != nil {
		return "raw:" + remote, false
	}
	for _, p := range g.allow {
		if p.Contains(addr) {
			return "", true
		}
	}
	bits := 64
	if addr.Is4() {
		bits = 24
	}
	p, _ := addr.Prefix(bits)
	return p.String(), false
}

// parseAddr reads "ip:port", "[ipv6]:port" or a bare address.
func parseAddr(s string) (netip.Addr, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), nil
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return a.Unmap(), err
}

// hash is the salted SHA-256 of s.
func (g *Greylist) hash(s string) [32]byte {
	h := sha256.New()
	h.Write(g.salt[:])
	h.Write([]byte(s))
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// tripletKey is the salted SHA-256 of network, the sender's hash and rcpt.
func (g *Greylist) tripletKey(network string, sender [32]byte, rcpt string) key {
	return key(g.hash(network + "\x00" + string(sender[:]) + "\x00" + rcpt))
}

// Stats reports how many triplets are kept, pending and confirmed.
func (g *Greylist) Stats() (pending, confirmed int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.table.counts()
}

var _ mailwiki.Check = (*Greylist)(nil)
