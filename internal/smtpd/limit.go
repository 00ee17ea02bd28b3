package smtpd

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"
)

const (
	tooManyConnsReply = "421 4.7.0 Too many connections, try again later\r\n"
	maxRefusing       = 64 // concurrent over-cap refusals being written
	refuseTimeout     = 5 * time.Second
)

// limiter counts open connections globally and per client IP.
type limiter struct {
	max, perIP int
	mu         sync.Mutex
	total      int
	byIP       map[string]int
	refusing   chan struct{}
}

func newLimiter(max, perIP int) *limiter {
	return &limiter{max: max, perIP: perIP, byIP: make(map[string]int), refusing: make(chan struct{}, maxRefusing)}
}

// acquire takes a slot for ip, or reports false when a cap is reached.
func (l *limiter) acquire(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.max || l.byIP[ip] >= l.perIP {
		return false
	}
	l.total++
	l.byIP[ip]++
	return true
}

func (l *limiter) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
}

// limitListener admits connections within the caps and wraps them in
// trackedConn; over the cap it answers 421 and closes, without ever handing
// the connection to go-smtp.
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
		ip := remoteIP(c)
		if l.srv.limits.acquire(ip) {
			return l.srv.track(c, ip), nil
		}
		l.srv.m.RecordRefused(ReasonTooManyConns)
		l.srv.log.Info("connection refused", "remote_ip", ip, "smtp_code", 421, "reason", ReasonTooManyConns)
		select {
		case l.srv.limits.refusing <- struct{}{}:
			go l.refuse(c)
		default:
			c.Close() // a flood: do not even spend a goroutine on it
		}
	}
}

func (l *limitListener) refuse(c net.Conn) {
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
	c.Write([]byte(tooManyConnsReply))
}

func remoteIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}
