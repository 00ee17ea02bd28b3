package smtpd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	smtp "github.com/emersion/go-smtp"
)

// errConnClosed is what a poisoned or shutting-down connection returns from
// Read. It wraps net.ErrClosed, which go-smtp treats as a quiet end of the
// connection.
var errConnClosed = fmt.Errorf("smtpd: connection closed by the server: %w", net.ErrClosed)

// errPeerClosed replaces io.EOF from the socket. go-smtp reads a BDAT chunk
// through an io.LimitReader, which takes io.EOF for the chunk's end: a client
// that declared 1000 bytes and hung up after 72 had its cut message accepted.
// Any other error makes go-smtp abandon the chunk and the transaction, and
// because it wraps net.ErrClosed, go-smtp still ends the session quietly when
// the client hangs up between commands.
var errPeerClosed = &connError{err: fmt.Errorf("smtpd: the client closed the connection: %w", net.ErrClosed)}

// errShutdown ends an idle session at shutdown; as a timeout it makes go-smtp
// answer 421 4.4.2 and close.
var errShutdown = &connError{timeout: true, err: errors.New("smtpd: server shutting down")}

// connError replaces a network error so that no local detail (addresses,
// syscall names) can reach an SMTP reply: go-smtp quotes read errors verbatim
// in BDAT replies. It still reports Timeout, so go-smtp answers an idle
// timeout between commands with 421 4.4.2.
type connError struct {
	timeout bool
	err     error // for logs
}

func (e *connError) Error() string {
	if e.timeout {
		return "timeout"
	}
	return "connection error"
}
func (e *connError) Unwrap() error   { return e.err }
func (e *connError) Timeout() bool   { return e.timeout }
func (e *connError) Temporary() bool { return e.timeout }

// trackedConn wraps every accepted connection, below TLS. It
//   - extends the read deadline on every read while a message is being
//     received (dataMode), so the DATA deadline moves with progress;
//   - poisons itself on the first read error: every later Read fails, so
//     nothing sent after a timeout inside DATA or BDAT can ever be read and
//     executed as commands (go-smtp issue #196);
//   - reports the client's end of stream as an error (errPeerClosed), so that
//     a truncated BDAT chunk is never taken as complete;
//   - shuts its write side after the reply that ends a refused DATA, so that
//     go-smtp's own second reply (for a too long line) cannot reach the
//     client;
//   - ends idle reads once the server shuts down;
//   - releases its connection slot and metrics exactly once on Close.
type trackedConn struct {
	net.Conn
	id          string
	ip, network string // the client's address and network (see clientNetwork)
	log         *slog.Logger
	m           Recorder
	now         func() time.Time
	dataTimeout time.Duration
	// maxMessageTime bounds receiving one message; dataEnd (Unix
	// nanoseconds) is when the one being received must be complete.
	maxMessageTime time.Duration
	dataEnd        atomic.Int64
	writeTimeout   time.Duration
	guard          *sessionGuard // the session limits; connection goroutine only

	dataMode    atomic.Bool // a message is being received
	inTxn       atomic.Bool // a transaction is open (MAIL accepted, not yet ended)
	endOnWrite  atomic.Bool // leave dataMode at the next write (the reply)
	poisoned    atomic.Bool
	hangUp      atomic.Bool // shut the write side after the next write
	hungUp      atomic.Bool // the write side is shut
	closing     atomic.Bool // server shutting down
	lastReadErr atomic.Pointer[connError]

	// The door's connection verdict, decided at the first EHLO/HELO; only
	// the connection's goroutine touches these.
	doorChecked bool
	doorRefusal *smtp.SMTPError

	closeOnce sync.Once
	onClose   func()
	done      chan struct{} // closed by Close
}

func (c *trackedConn) Read(p []byte) (int, error) {
	if c.poisoned.Load() {
		return 0, errConnClosed
	}
	if c.closing.Load() && !c.busy() {
		c.poisoned.Store(true)
		return 0, errShutdown
	}
	if c.dataMode.Load() {
		c.Conn.SetReadDeadline(c.dataDeadline())
	}
	n, err := c.Conn.Read(p)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF):
		c.poisoned.Store(true) // the client closed: nothing more to read
		return n, errPeerClosed
	}
	return n, c.fail(err)
}

// fail poisons the connection and returns the error go-smtp should see.
func (c *trackedConn) fail(err error) error {
	c.poisoned.Store(true)
	var ne net.Error
	ce := &connError{timeout: errors.As(err, &ne) && ne.Timeout(), err: err}
	if c.closing.Load() && !c.busy() {
		return errShutdown // our own deadline woke the read at shutdown
	}
	if ce.timeout && !c.dataMode.Load() && c.guard.expired(c.now()) {
		c.endSession(endSessionTime) // woken idle at the session's end
		return errConnClosed
	}
	c.lastReadErr.Store(ce)
	return ce
}

// dataDeadline is the read deadline while a message is received: DataTimeout
// from now, but no later than its MaxMessageTime bound.
func (c *trackedConn) dataDeadline() time.Time {
	d := time.Now().Add(c.dataTimeout)
	if end := time.Unix(0, c.dataEnd.Load()); end.Before(d) {
		return end
	}
	return d
}

func (c *trackedConn) Write(p []byte) (int, error) {
	if c.endOnWrite.CompareAndSwap(true, false) {
		c.dataMode.Store(false)
	}
	if c.hungUp.Load() {
		return 0, errConnClosed
	}
	n, err := c.Conn.Write(p)
	if c.hangUp.CompareAndSwap(true, false) {
		c.shutWrite()
	}
	return n, err
}

// hangUpAfterReply poisons the connection and makes the next write (the
// reply being prepared) the last one: the write side is shut after it, so
// the client reads that one reply and then the end of the stream. Only for a
// reply written by the connection's own goroutine right after (DATA, not
// BDAT, whose Data runs beside the connection's goroutine).
func (c *trackedConn) hangUpAfterReply() {
	c.poison()
	c.hangUp.Store(true)
}

// shutWrite sends FIN (TCP) rather than closing, so that the unread rest of
// the client's data does not turn the close into a reset that could destroy
// the reply in flight. Later writes fail.
func (c *trackedConn) shutWrite() {
	c.hungUp.Store(true)
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	c.Conn.Close()
}

// beginData switches to the moving DATA deadline, bounded by MaxMessageTime
// from now.
func (c *trackedConn) beginData() {
	c.dataEnd.Store(time.Now().Add(c.maxMessageTime).UnixNano())
	c.endOnWrite.Store(false)
	c.dataMode.Store(true)
}

// endData keeps the moving deadline until the reply is written, so that
// go-smtp's draining of a refused message is still covered.
func (c *trackedConn) endData() { c.endOnWrite.Store(true) }

// poison makes every later Read fail, which makes go-smtp close the
// connection after its current reply.
func (c *trackedConn) poison() { c.poisoned.Store(true) }

// busy reports whether a transaction is open or a message is being
// received: shutdown lets such a connection finish (until its deadline).
// The open transaction matters because go-smtp writes the 354 reply before
// it hands the body over: a client may be sending data before dataMode is set.
func (c *trackedConn) busy() bool { return c.dataMode.Load() || c.inTxn.Load() }

// shutdown ends the connection at its next read unless it is busy; a read
// blocked now is woken.
func (c *trackedConn) shutdown() {
	c.closing.Store(true)
	if !c.busy() {
		c.Conn.SetReadDeadline(time.Now())
	}
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(c.onClose)
	return err
}

// unwrapConn finds the trackedConn under a go-smtp connection (which may be a
// *tls.Conn after STARTTLS or on the implicit-TLS listener).
func unwrapConn(nc net.Conn) *trackedConn {
	if t, ok := nc.(*tls.Conn); ok {
		nc = t.NetConn()
	}
	tc, _ := nc.(*trackedConn)
	return tc
}
