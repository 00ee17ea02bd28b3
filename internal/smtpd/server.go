package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	smtp "github.com/emersion/go-smtp"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/metrics"
)

// Handler is the seam to the rest of mailwiki: recipient lookup and durable
// acceptance. It is called concurrently from many sessions.
type Handler interface {
	// Recipient is called for each RCPT TO with the canonical address; a
	// *mailwiki.Error with code ENOTFOUND refuses it with 550 5.1.1.
	Recipient(ctx context.Context, s SessionInfo, rcpt string) error
	// Deliver must make the message durable (spool + queue commit) before
	// returning nil; only then is 250 sent. body is the dot-unstuffed
	// message, limited to MaxMessageBytes (reading past it returns an
	// ETOOLARGE error); a read error means the message is refused whatever
	// Deliver returns, so Deliver must then discard what it wrote. env.ID is
	// set; env.Size is final once body returned io.EOF. Deliver must read
	// body to io.EOF before returning nil.
	Deliver(ctx context.Context, env *mailwiki.Envelope, body io.Reader) error
}

// SessionInfo describes the client of an SMTP session.
type SessionInfo struct {
	ConnID     string
	RemoteAddr string
	Helo       string
	TLS        bool
}

// Server is mailwiki's SMTP front door: go-smtp plus the deadlines, limits
// and checks it lacks (see the package documentation).
type Server struct {
	cfg    Config
	h      Handler
	log    *slog.Logger
	m      *metrics.Metrics
	now    func() time.Time
	smtp   *smtp.Server
	limits *limiter

	ctx    context.Context // passed to the handler; canceled by a forced close
	cancel context.CancelFunc

	mu        sync.Mutex
	addr      net.Addr
	listeners []net.Listener
	conns     map[*trackedConn]struct{}
	down      bool
}

// New validates cfg and returns a server; logger may be nil (discard) and m
// may be nil (no metrics).
func New(cfg Config, h Handler, logger *slog.Logger, m *metrics.Metrics) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("smtpd: a Handler is required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, h: h, log: logger, m: m, now: time.Now,
		limits: newLimiter(cfg.MaxConnections, cfg.MaxConnectionsPerIP), conns: make(map[*trackedConn]struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.smtp = s.newSMTP()
	return s, nil
}

func (s *Server) newSMTP() *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = s.cfg.Domain
	// go-smtp refuses a message of exactly its limit; body enforces the
	// exact limit, go-smtp's bounds the reader one byte later.
	srv.MaxMessageBytes = s.cfg.MaxMessageBytes + 1
	srv.MaxRecipients = 0 // enforced in Rcpt, with logging and metrics
	srv.MaxLineLength = s.cfg.MaxLineLength
	srv.ReadTimeout = s.cfg.ReadTimeout
	srv.WriteTimeout = s.cfg.WriteTimeout
	srv.TLSConfig = s.cfg.TLSConfig
	srv.EnableSMTPUTF8 = true // addresses are validated per RFC 6531 in Mail/Rcpt
	srv.ErrorLog = errorLog{s.log}
	return srv
}

// newSession is go-smtp's Backend: called at EHLO/HELO (again after STARTTLS).
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	tc := unwrapConn(c.Conn())
	if tc == nil {
		return nil, errors.New("smtpd: connection not accepted through this server")
	}
	_, isTLS := c.TLSConnectionState()
	info := SessionInfo{ConnID: tc.id, RemoteAddr: tc.RemoteAddr().String(), Helo: c.Hostname(), TLS: isTLS}
	return &session{srv: s, conn: tc, info: info, log: tc.log}, nil
}

// Connections returns the number of open SMTP connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// track wraps an admitted connection; its Close releases the slot.
func (s *Server) track(c net.Conn, ip string) *trackedConn {
	id := NewID()
	tc := &trackedConn{Conn: c, id: id, dataTimeout: s.cfg.DataTimeout,
		log: s.log.With("conn_id", id)}
	tc.onClose = func() {
		s.limits.release(ip)
		s.mu.Lock()
		delete(s.conns, tc)
		s.mu.Unlock()
		s.m.ConnClosed()
		tc.log.Debug("connection closed")
	}
	s.mu.Lock()
	s.conns[tc] = struct{}{}
	down := s.down
	s.mu.Unlock()
	if down {
		tc.shutdown()
	}
	s.m.ConnOpened()
	tc.log.Debug("connection opened", "remote_addr", c.RemoteAddr().String())
	return tc
}

// Serve accepts SMTP connections on ln until Shutdown. It returns nil after
// Shutdown and the listener's error otherwise.
func (s *Server) Serve(ln net.Listener) error {
	return s.serve(ln, &limitListener{Listener: ln, srv: s})
}

// serveTLS accepts implicit-TLS connections on ln.
func (s *Server) serveTLS(ln net.Listener) error {
	return s.serve(ln, tls.NewListener(&limitListener{Listener: ln, srv: s, tlsConfig: s.cfg.TLSConfig}, s.cfg.TLSConfig))
}

// serve registers ln, so that Shutdown closes it even if go-smtp has not
// seen it yet, and runs go-smtp on wrapped.
func (s *Server) serve(ln, wrapped net.Listener) error {
	s.mu.Lock()
	if s.addr == nil {
		s.addr = ln.Addr()
	}
	down := s.down
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	if down {
		ln.Close()
		return nil
	}
	err := s.smtp.Serve(wrapped)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil
	}
	return err
}

// ListenAndServe listens on cfg.Addr (and cfg.ImplicitTLSAddr when set) and
// serves until Shutdown or a listener fails.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtpd: listen on %s: %w", s.cfg.Addr, err)
	}
	if s.cfg.ImplicitTLSAddr == "" {
		return s.Serve(ln)
	}
	tln, err := net.Listen("tcp", s.cfg.ImplicitTLSAddr)
	if err != nil {
		ln.Close()
		return fmt.Errorf("smtpd: listen on %s: %w", s.cfg.ImplicitTLSAddr, err)
	}
	errc := make(chan error, 2)
	go func() { errc <- s.serveTLS(tln) }()
	go func() { errc <- s.Serve(ln) }()
	return errors.Join(<-errc, <-errc)
}

// Addr returns the address of the first listener served, or nil.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Shutdown stops accepting, ends idle sessions at once (421), lets sessions
// that are receiving a message finish it and get their reply, and returns
// when every connection is closed. If ctx ends first, the remaining
// connections are closed and ctx's error is returned.
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
		return ctx.Err()
	}
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

// errorLog routes go-smtp's internal error log to slog at debug level.
type errorLog struct{ l *slog.Logger }

func (e errorLog) Printf(format string, v ...any) { e.l.Debug("go-smtp: " + fmt.Sprintf(format, v...)) }
func (e errorLog) Println(v ...any)               { e.l.Debug("go-smtp: " + fmt.Sprint(v...)) }
