package smtpd

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"sync"
	"time"
)

const (
	maxRefusing   = 64 // concurrent over-cap refusals being written
	refuseTimeout = 5 * time.Second
	// reservedNetworkMax: once occupancy reaches MaxConnections −
	// ReservedConnections, only a network holding fewer connections than
	// this is admitted.
	reservedNetworkMax = 2
)

// capRefusal names the cap that refused a connection: its log label and
// the sentence of its 421 4.7.0 reply (RFC 3463 §3.8: 4.7.0, other security
// or policy status).
type capRefusal struct {
	limit, reply string
}

var (
	refusedGlobal   = &capRefusal{"max_connections", "421 4.7.0 Too many connections, try again later\r\n"}
	refusedIP       = &capRefusal{"max_connections_per_ip", "421 4.7.0 Too many connections from your address, try again later\r\n"}
	refusedNetwork  = &capRefusal{"max_connections_per_network", "421 4.7.0 Too many connections from your network, try again later\r\n"}
	refusedReserved = &capRefusal{"reserved_connections", "421 4.7.0 Server busy: the remaining connections are kept for other networks, try again later\r\n"}
	refusedRate     = &capRefusal{"connection_rate_per_ip", "421 4.7.0 Too many connections from your address in the last minute, slow down and try again later\r\n"}
)

// limiter counts open connections globally, per client IP and per client
// network (see clientNetwork), and keeps the last ReservedConnections slots
// for networks holding fewer than reservedNetworkMax connections, so that
// one group of clients cannot take every slot.
type limiter struct {
	max, perIP, perNet, reserved int
	mu                           sync.Mutex
	total                        int
	byIP, byNet                  map[string]int
	refusing                     chan struct{}
}

func newLimiter(cfg Config) *limiter {
	return &limiter{max: cfg.MaxConnections, perIP: cfg.MaxConnectionsPerIP,
		perNet: cfg.MaxConnectionsPerNetwork, reserved: max(cfg.ReservedConnections, 0),
		byIP: make(map[string]int), byNet: make(map[string]int), refusing: make(chan struct{}, maxRefusing)}
}

// acquire takes a slot for ip in network, or returns the cap that refuses
// it.
func (l *limiter) acquire(ip, network string) *capRefusal {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.total >= l.max:
		return refusedGlobal
	case l.byIP[ip] >= l.perIP:
		return refusedIP
	case l.byNet[network] >= l.perNet:
		return refusedNetwork
	case l.total >= l.max-l.reserved && l.byNet[network] >= reservedNetworkMax:
		return refusedReserved
	}
	l.total++
	l.byIP[ip]++
	l.byNet[network]++
	return nil
}

func (l *limiter) release(ip, network string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	decrement(l.byIP, ip)
	decrement(l.byNet, network)
}

func decrement(m map[string]int, key string) {
	if m[key]--; m[key] <= 0 {
		delete(m, key)
	}
}

// limitListener admits connections within the caps and the connection rate
// and wraps them in trackedConn; otherwise it answers 421 4.7.0 and closes,
// without ever handing the connection to go-smtp.
type limitListener struct {
	net.Listener
	srv       *Server
	tlsConfig *tls.Config // implicit TLS: the refusal is written inside TLS
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if tc := l.admit(c); tc != nil {
			return tc, nil
		}
	}
}

// admit returns the tracked connection, or nil after refusing it.
func (l *limitListener) admit(c net.Conn) *trackedConn {
	ip := remoteIP(c)
	network := clientNetwork(ip)
	refusal := refusedRate
	if l.srv.rates.allowConnection(ip) {
		if refusal = l.srv.limits.acquire(ip, network); refusal == nil {
			return l.srv.track(c, ip, network)
		}
	}
	reason := ReasonTooManyConns
	if refusal == refusedRate {
		reason = ReasonRateLimited
	}
	l.srv.m.RecordRefused(reason)
	l.srv.log.Info("connection refused", "remote_ip", ip, "smtp_code", 421, "reason", reason, "limit", refusal.limit)
	select {
	case l.srv.limits.refusing <- struct{}{}:
		go l.refuse(c, refusal.reply)
	default:
		c.Close() // a flood: do not even spend a goroutine on it
	}
	return nil
}

func (l *limitListener) refuse(c net.Conn, reply string) {
	defer func() { <-l.srv.limits.refusing }()
	defer c.Close()
	c.SetDeadline(time.Now().Add(refuseTimeout))
	if l.tlsConfig != nil {
		tc := tls.Server(c, l.tlsConfig)
		ctx, cancel := context.WithTimeout(context.Background(), refuseTimeout)
		defer cancel()
		if tc.HandshakeContext(ctx) != nil {
			return
		}
		c = tc
	}
	c.Write([]byte(reply))
}

func remoteIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// clientNetwork is the network a client address is counted in: its IPv4 /24
// or its IPv6 /64 (an IPv4-mapped IPv6 address counts as IPv4). What is not
// an IP address is its own network.
func clientNetwork(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, _ := a.WithZone("").Prefix(bits)
	return p.String()
}
