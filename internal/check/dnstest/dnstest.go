// Package dnstest runs an authoritative DNS server on loopback for tests:
// records are added per test, every other name answers NXDOMAIN, and a name
// can be made to answer SERVFAIL to exercise temporary DNS failures.
//
// It is a normal package (not _test) so that tests of any package can use
// it; production code never imports it.
package dnstest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// ttl is the TTL of every answer; the Go resolver does not cache, so any
// value works.
const ttl = 60

// maxTXTString is the longest character-string of a TXT record (RFC 1035
// §3.3.14); longer values are split into several strings of one record.
const maxTXTString = 255

// Server is a DNS server on 127.0.0.1, the same port for UDP and TCP. Its
// methods are safe for concurrent use, also while it answers queries;
// records added after a query are seen by the next one.
type Server struct {
	addr string

	mu       sync.Mutex
	records  map[string][]dns.RR // by lower-case FQDN
	servfail map[string]bool     // by lower-case FQDN
	asked    map[string]int      // queries by lower-case FQDN
}

// Start starts a Server on 127.0.0.1 with a free port, answering over UDP
// and TCP, and registers its shutdown with t.Cleanup. It fails the test
// when the server cannot listen.
func Start(t testing.TB) *Server {
	t.Helper()
	pc, l, err := listen()
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	s := &Server{
		addr:     l.Addr().String(),
		records:  make(map[string][]dns.RR),
		servfail: make(map[string]bool),
	}
	udp := &dns.Server{PacketConn: pc, Handler: s}
	tcp := &dns.Server{Listener: l, Handler: s}
	for _, srv := range []*dns.Server{udp, tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return s
}

// listen opens a UDP socket and a TCP listener on the same free loopback
// port, trying a few ports since the TCP port may be taken.
func listen() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("listen udp: %w", err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l, nil
		}
		lastErr = err
		_ = pc.Close()
	}
	return nil, nil, fmt.Errorf("listen tcp on the udp port: %w", lastErr)
}

// Addr returns the server's "127.0.0.1:port", the same for UDP and TCP.
func (s *Server) Addr() string { return s.addr }

// Resolver returns a pure-Go resolver that sends every query to this server
// (whatever /etc/resolv.conf names), over UDP and, for truncated answers,
// TCP. StrictErrors is set, so a SERVFAIL ends a lookup as a temporary
// error instead of the resolver trying the search list.
func (s *Server) Resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo:     true,
		StrictErrors: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, s.addr)
		},
	}
}

// TXT adds one TXT record to name for each value (RFC 1035 §3.3.14). A
// value longer than 255 bytes is split into 255-byte strings of one record,
// as DKIM keys are published; resolvers join them again.
func (s *Server) TXT(name string, values ...string) {
	for _, v := range values {
		s.add(&dns.TXT{Hdr: header(name, dns.TypeTXT), Txt: splitTXT(v)})
	}
}

// A adds an address record to name: an A record for an IPv4 address, an
// AAAA record for an IPv6 one. It panics on an invalid ip (nil or of
// neither length), a mistake in the test itself.
func (s *Server) A(name string, ip net.IP) {
	switch {
	case ip.To4() != nil:
		s.add(&dns.A{Hdr: header(name, dns.TypeA), A: ip.To4()})
	case len(ip) == net.IPv6len:
		s.add(&dns.AAAA{Hdr: header(name, dns.TypeAAAA), AAAA: ip})
	default:
		panic(fmt.Sprintf("dnstest: A(%q): invalid IP %v", name, ip))
	}
}

// ServFail makes every query for name (any type) answer SERVFAIL, which
// resolvers report as a temporary error: the temperror of SPF, DKIM and
// DMARC. It takes precedence over records of name.
func (s *Server) ServFail(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.servfail[fqdn(name)] = true
}

func (s *Server) add(rr dns.RR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := rr.Header().Name
	s.records[name] = append(s.records[name], rr)
}

// ServeDNS answers one query; it implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.count(req)
	m := s.answer(req)
	if w.LocalAddr().Network() == "udp" {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size) // sets TC when it does not fit: the client retries over TCP
	}
	_ = w.WriteMsg(m)
}

// answer builds the reply to req: SERVFAIL for names marked so, the
// records of the asked type for known names (none is NODATA), NXDOMAIN for
// unknown names.
func (s *Server) answer(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		return m
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	rrs, known := s.records[name]
	switch {
	case s.servfail[name]:
		m.Rcode = dns.RcodeServerFailure
	case !known:
		m.Rcode = dns.RcodeNameError
	default:
		for _, rr := range rrs {
			if rr.Header().Rrtype == q.Qtype {
				rr = dns.Copy(rr)
				rr.Header().Name = q.Name // echo the asked case
				m.Answer = append(m.Answer, rr)
			}
		}
	}
	return m
}

func header(name string, rrtype uint16) dns.RR_Header {
	return dns.RR_Header{Name: fqdn(name), Rrtype: rrtype, Class: dns.ClassINET, Ttl: ttl}
}

func fqdn(name string) string { return dns.Fqdn(strings.ToLower(name)) }

// splitTXT cuts v into character-strings of at most 255 bytes ("" is one
// empty string), each escaped as miekg/dns expects: it reads a backslash
// as the start of an escape.
func splitTXT(v string) []string {
	parts := []string{}
	for len(v) > maxTXTString {
		parts = append(parts, escapeTXT(v[:maxTXTString]))
		v = v[maxTXTString:]
	}
	return append(parts, escapeTXT(v))
}

func escapeTXT(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

func (s *Server) count(req *dns.Msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.asked == nil {
		s.asked = map[string]int{}
	}
	for _, q := range req.Question {
		s.asked[strings.ToLower(q.Name)]++
	}
}

// Queries returns how many queries (of any type, over UDP or TCP) asked
// for name so far.
func (s *Server) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked[fqdn(name)]
}
