package smtpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	smtp "github.com/emersion/go-smtp"

	"github.com/mailwiki/mailwiki"
)

// Handler is the seam to durable acceptance. It is called concurrently from
// many sessions. Deciding who may send and to whom is the door's job
// (Config.Door), done before the message is sent.
type Handler interface {
	// Deliver must make the message durable (spool + queue commit) before
	// returning nil; only then is 250 sent. body is the dot-unstuffed
	// message, limited to MaxMessageBytes (reading past it returns an
	// ETOOLARGE error); a read error means the message is refused whatever
	// Deliver returns, so Deliver must then discard what it wrote. env.ID is
	// set; env.Size is final once body returned io.EOF. Deliver must read
	// body to io.EOF before returning nil.
	Deliver(ctx context.Context, env *mailwiki.Envelope, body io.Reader) error
}

// Server is mailwiki's SMTP front door: go-smtp plus the deadlines, limits
// and checks it lacks (see the package documentation).
type Server struct {
	cfg    Config
	h      Handler
	log    *slog.Logger
	m      Recorder
	now    func() time.Time
	limits *limiter
	rates  *ipRates // nil when both rates are Off

	ctx    context.Context // passed to the handler; canceled by a forced close
	cancel context.CancelFunc

	mu        sync.Mutex
	opened    bool
	addr      net.Addr // plain listener, once open
	tlsAddr   net.Addr // implicit-TLS listener, once open
	listeners []net.Listener
	serving   sync.WaitGroup // the goroutines Open started
	conns     map[*trackedConn]struct{}
	down      bool
}

// New validates cfg and returns a server; logger may be nil (discard) and m
// may be nil (nothing recorded).
func New(cfg Config, h Handler, logger *slog.Logger, m Recorder) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("smtpd: a Handler is required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = nopRecorder{}
	}
	cfg = cfg.WithDefaults()
	s := &Server{cfg: cfg, h: h, log: logger, m: m, now: time.Now,
		limits: newLimiter(cfg), conns: make(map[*trackedConn]struct{})}
	s.rates = newIPRates(cfg.MaxConnectionRatePerIP, cfg.MaxMessageRatePerIP, s.now)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// newSMTP returns the go-smtp server of one connection: its Debug writer,
// the connection's guard, sees every reply above TLS (see session_limits.go).
func (s *Server) newSMTP(debug io.Writer) *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Debug = debug
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
	conn := mailwiki.ConnInfo{ConnID: tc.id, RemoteAddr: tc.RemoteAddr().String(), TLS: isTLS}
	if reply := s.checkConnection(tc, conn); reply != nil {
		return nil, reply
	}
	tc.guard.replyConn = c.Conn() // after STARTTLS, the TLS connection
	info := mailwiki.SessionInfo{ConnInfo: conn, Helo: c.Hostname()}
	return &session{srv: s, conn: tc, info: info, log: tc.log}, nil
}

// Connections returns the number of open SMTP connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// track wraps an admitted connection; its Close releases the slot.
func (s *Server) track(c net.Conn, ip, network string) *trackedConn {
	id := NewID()
	tc := &trackedConn{Conn: c, id: id, ip: ip, network: network, m: s.m, now: s.now,
		dataTimeout: s.cfg.DataTimeout, maxMessageTime: s.cfg.MaxMessageTime, writeTimeout: s.cfg.WriteTimeout,
		guard: newSessionGuard(&s.cfg, s.now()), done: make(chan struct{}),
		log: s.log.With("conn_id", id)}
	tc.guard.replyConn = tc // until TLS
	tc.onClose = func() {
		close(tc.done)
		s.limits.release(ip, network)
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

// errorLog routes go-smtp's internal error log to slog at debug level.
type errorLog struct{ l *slog.Logger }

func (e errorLog) Printf(format string, v ...any) { e.l.Debug("go-smtp: " + fmt.Sprintf(format, v...)) }
func (e errorLog) Println(v ...any)               { e.l.Debug("go-smtp: " + fmt.Sprint(v...)) }
