package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Open binds the plain listener on Config.Addr and, when
// Config.ImplicitTLSAddr is set, the implicit-TLS listener (RFC 8314 §3.3),
// then serves both in the background until Shutdown. It returns once both are
// bound, so Addr and ImplicitTLSAddr are set (use port 0 to let the system
// choose). If either cannot be bound, nothing is left open. A listener that
// fails later is logged at error level and stops; the other goes on. Open may
// be called once.
func (s *Server) Open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.down:
		return errors.New("smtpd: Open after Shutdown")
	case s.opened:
		return errors.New("smtpd: Open called twice")
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtpd: listen on %s: %w", s.cfg.Addr, err)
	}
	var tln net.Listener
	if s.cfg.ImplicitTLSAddr != "" {
		if tln, err = net.Listen("tcp", s.cfg.ImplicitTLSAddr); err != nil {
			ln.Close()
			return fmt.Errorf("smtpd: listen on %s (implicit TLS): %w", s.cfg.ImplicitTLSAddr, err)
		}
		s.tlsAddr = tln.Addr()
		s.start(tln, s.tlsListener(tln), "implicit TLS")
	}
	s.opened, s.addr = true, ln.Addr()
	s.start(ln, &limitListener{Listener: ln, srv: s}, "plain")
	return nil
}

// tlsListener admits connections within the caps, then starts TLS (the
// handshake runs in go-smtp's connection goroutine, under WriteTimeout and
// ReadTimeout): trackedConn stays below TLS, and the guard writes a closing
// reply through the TLS connection.
func (s *Server) tlsListener(ln net.Listener) net.Listener {
	return &tlsAcceptListener{Listener: &limitListener{Listener: ln, srv: s, tlsConfig: s.cfg.TLSConfig}, cfg: s.cfg.TLSConfig}
}

type tlsAcceptListener struct {
	net.Listener // a *limitListener: it returns *trackedConn
	cfg          *tls.Config
}

func (l *tlsAcceptListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := tls.Server(c, l.cfg)
	c.(*trackedConn).guard.replyConn = tc
	return tc, nil
}

// start registers ln, so that Shutdown closes it, and runs the accept loop
// on wrapped in a goroutine that Shutdown waits for. Called with s.mu held.
func (s *Server) start(ln, wrapped net.Listener, name string) {
	s.listeners = append(s.listeners, ln)
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		if err := s.acceptLoop(wrapped); err != nil && !s.isDown() {
			s.log.Error("smtp listener stopped", "listener", name, "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// acceptLoop serves each admitted connection until ln fails; a temporary
// error (out of file descriptors) is retried after a pause of up to 1 s.
func (s *Server) acceptLoop(ln net.Listener) error {
	var pause time.Duration
	for {
		c, err := ln.Accept()
		if isTemporary(err) {
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed, retrying", "err", err, "pause", pause)
			time.Sleep(pause)
			continue
		}
		if err != nil {
			return err
		}
		pause = 0
		s.serve(c)
	}
}

func isTemporary(err error) bool {
	t, ok := err.(interface{ Temporary() bool })
	return ok && t.Temporary()
}

// serve runs a go-smtp server of the connection's own (see newSMTP) on c
// until the connection is closed.
func (s *Server) serve(c net.Conn) {
	tc := unwrapConn(c)
	srv := s.newSMTP(tc.guard)
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		srv.Serve(&oneConnListener{c: c, done: tc.done}) // returns once c is closed
	}()
}

// oneConnListener hands one connection to go-smtp's Serve, then blocks the
// next Accept until that connection is closed.
type oneConnListener struct {
	c    net.Conn
	done <-chan struct{}
	once sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = l.c })
	if c != nil {
		return c, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error   { return nil }
func (l *oneConnListener) Addr() net.Addr { return l.c.LocalAddr() }

func (s *Server) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

// Addr returns the bound address of the plain listener, or nil before Open.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ImplicitTLSAddr returns the bound address of the implicit-TLS listener, or
// nil when there is none or before Open.
func (s *Server) ImplicitTLSAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tlsAddr
}

// Shutdown closes both listeners, ends idle sessions at once (421), lets
// sessions that are receiving a message finish it and get their reply, and
// returns when every connection is closed and the serving goroutines have
// returned. If ctx ends first, the remaining connections are closed and ctx's
// error is returned. Later calls return at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.down = true
	for _, ln := range s.listeners {
		ln.Close()
	}
	for c := range s.conns {
		c.shutdown()
	}
	s.mu.Unlock()
	served := make(chan struct{})
	go func() {
		s.serving.Wait()
		close(served)
	}()
	select {
	case <-served:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.cancel()
		s.closeAll()
		<-served
		return ctx.Err()
	}
}

// closeAll closes every open connection.
func (s *Server) closeAll() {
	s.mu.Lock()
	conns := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}
