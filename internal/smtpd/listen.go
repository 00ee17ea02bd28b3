package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	smtp "github.com/emersion/go-smtp"
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

// tlsListener admits connections within the caps, then does the TLS
// handshake (in go-smtp's connection goroutine, under WriteTimeout and
// ReadTimeout): trackedConn stays below TLS.
func (s *Server) tlsListener(ln net.Listener) net.Listener {
	return tls.NewListener(&limitListener{Listener: ln, srv: s, tlsConfig: s.cfg.TLSConfig}, s.cfg.TLSConfig)
}

// start registers ln, so that Shutdown closes it, and runs go-smtp on
// wrapped in a goroutine that Shutdown waits for. Called with s.mu held.
func (s *Server) start(ln, wrapped net.Listener, name string) {
	s.listeners = append(s.listeners, ln)
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		if err := s.smtp.Serve(wrapped); err != nil && !s.isDown() {
			s.log.Error("smtp listener stopped", "listener", name, "addr", ln.Addr().String(), "err", err)
		}
	}()
}

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
	err := s.smtp.Shutdown(ctx)
	s.cancel()
	if ctx.Err() != nil {
		s.closeAll() // go-smtp's Close is a no-op once Shutdown started
		s.serving.Wait()
		return ctx.Err()
	}
	s.serving.Wait()
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil // a second Shutdown, or listeners we closed first
	}
	return err
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
