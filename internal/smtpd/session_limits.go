package smtpd

import (
	"fmt"
	"net"
	"strings"
	"time"

	smtp "github.com/emersion/go-smtp"
)

// Session limits: a connection's lifetime (MaxSessionTime), junk commands
// (MaxJunkCommands) and error replies (SoftErrorLimit with ErrorDelay,
// HardErrorLimit). go-smtp v0.26.0 has no hook for the commands it answers
// itself (NOOP, RSET, VRFY, HELP, unknown ones) nor for its own error
// replies, and after STARTTLS trackedConn sees only TLS records. What does
// reach this package, above TLS:
//   - go-smtp sets the read deadline before it reads each command line and
//     the write deadline before each reply, through TLS down to trackedConn
//     (SetReadDeadline, SetWriteDeadline below);
//   - a go-smtp Server's Debug writer receives every reply line right after
//     it was written (and the bytes read). Each connection is served by a
//     go-smtp Server of its own whose Debug is the connection's guard.

// Replies that end a session; written by this package, then the connection
// is closed.
var (
	replySessionTime = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "Session time limit reached, closing connection; reconnect to go on"}
	replyTooManyErrs = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many errors in this session, closing connection"}
	replyMsgRate     = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Too many messages from your address in the last minute, slow down and try again later"}
)

// sessionEnd is why a session is ended by this package.
type sessionEnd struct {
	reply  *smtp.SMTPError
	reason string
	what   string // for the log
}

var (
	endSessionTime = &sessionEnd{replySessionTime, ReasonSessionLimit, "session time limit reached"}
	endTooManyErrs = &sessionEnd{replyTooManyErrs, ReasonTooManyErrors, "hard error limit reached"}
)

// sessionGuard counts one connection's commands and replies. Only the
// connection's goroutine uses it.
type sessionGuard struct {
	end              time.Time // MaxSessionTime after the connection was accepted
	maxJunk          int
	soft, hard       int
	delay            time.Duration
	replyConn        net.Conn // where a closing reply is written (TLS included); nil when unknown
	junk, errs       int
	commandRead      bool   // a command was read since the last reply began
	inReply          bool   // a reply began; its last line is still to come
	lineStart        bool   // the next Debug write begins a reply line
	line             string // the start of the reply line being seen
	greeted, closing bool   // the greeting was seen; 221 or 421 was sent
}

func newSessionGuard(cfg *Config, now time.Time) *sessionGuard {
	return &sessionGuard{end: now.Add(cfg.MaxSessionTime), maxJunk: cfg.MaxJunkCommands,
		soft: cfg.SoftErrorLimit, hard: cfg.HardErrorLimit, delay: cfg.ErrorDelay}
}

// beforeCommand is called before each command line is read: it returns why
// the session must end, or nil.
func (g *sessionGuard) beforeCommand(now time.Time) *sessionEnd {
	g.commandRead, g.inReply = true, false
	switch {
	case !now.Before(g.end):
		return endSessionTime
	case g.errs >= g.hard:
		return endTooManyErrs
	}
	return nil
}

// clamp bounds a command's read deadline by the session's end, so that an
// idle session is woken then.
func (g *sessionGuard) clamp(t time.Time) time.Time {
	if t.IsZero() || t.After(g.end) {
		return g.end
	}
	return t
}

// expired reports whether the session's time is over.
func (g *sessionGuard) expired(now time.Time) bool { return !now.Before(g.end) }

// beforeReply is called before each reply and returns how long to wait
// before sending it: ErrorDelay once SoftErrorLimit errors were made, for
// the first reply to each command (as Postfix's smtpd_error_sleep_time).
func (g *sessionGuard) beforeReply() time.Duration {
	g.inReply, g.lineStart = true, true
	tarpit := g.commandRead && !g.closing && g.errs >= g.soft
	g.commandRead = false
	if tarpit {
		return g.delay
	}
	return 0
}

// Write receives what go-smtp's Debug gets: the bytes it reads, ignored,
// and each reply line it wrote, counted once its last line is complete.
func (g *sessionGuard) Write(p []byte) (int, error) {
	if !g.inReply {
		return len(p), nil
	}
	if g.lineStart {
		g.line = string(p[:min(len(p), 80)])
	}
	g.lineStart = len(p) > 0 && p[len(p)-1] == '\n'
	if g.lineStart && len(g.line) >= 4 && g.line[3] == ' ' {
		g.inReply = false
		g.count(g.line)
	}
	return len(p), nil
}

// count classifies one complete reply by its last line.
func (g *sessionGuard) count(line string) {
	code := line[:3]
	isErr := code[0] == '4' || code[0] == '5'
	if isJunkReply(line) {
		g.junk++
		isErr = isErr || g.junk > g.maxJunk
	}
	if isErr {
		g.errs++
	}
	switch code {
	case "221", "421":
		g.closing = true
	case "220":
		if g.greeted {
			g.replyConn = nil // STARTTLS: known again at the next EHLO
		}
		g.greeted = true
	}
}

// isJunkReply recognizes go-smtp v0.26.0's own replies to the commands that
// send no mail: NOOP, RSET, VRFY, then SEND, SOML, SAML, EXPN, HELP and TURN
// (502 not implemented), then unknown commands such as ETRN (500). go-smtp
// answers these without calling the backend; TestJunkCommandsCountAsErrors
// pins the texts.
func isJunkReply(line string) bool {
	return strings.HasPrefix(line, "250 2.0.0 I have successfully done nothing") ||
		strings.HasPrefix(line, "250 2.0.0 Session reset") ||
		strings.HasPrefix(line, "252 ") ||
		strings.HasPrefix(line, "502 5.5.1 ") && strings.Contains(line, " command not implemented") ||
		strings.HasPrefix(line, "500 5.5.2 Syntax errors, ")
}

// SetReadDeadline is called by go-smtp before it reads each command line
// (and before an implicit-TLS handshake), through TLS. Outside a message it
// ends the session when its time is over or it made HardErrorLimit errors,
// and bounds the wait by the session's end.
func (c *trackedConn) SetReadDeadline(t time.Time) error {
	if !c.dataMode.Load() && !c.poisoned.Load() {
		if end := c.guard.beforeCommand(c.now()); end != nil {
			c.endSession(end)
			return nil
		}
		t = c.guard.clamp(t)
	}
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline is called by go-smtp before each reply, through TLS: the
// tarpit waits here.
func (c *trackedConn) SetWriteDeadline(t time.Time) error {
	if d := c.guard.beforeReply(); d > 0 {
		time.Sleep(d)
		t = t.Add(d)
	}
	return c.Conn.SetWriteDeadline(t)
}

// endSession counts and logs the end, writes its reply (when the
// connection's writer above TLS is known) and hangs up: the next read fails
// quietly and go-smtp closes the connection. Replies to commands already
// buffered are not sent, and a poisoned connection opens no transaction.
func (c *trackedConn) endSession(e *sessionEnd) {
	c.m.RecordRefused(e.reason)
	c.log.Info("session ended: "+e.what, "smtp_code", e.reply.Code, "reason", e.reason,
		"errors", c.guard.errs, "junk_commands", c.guard.junk)
	if w := c.guard.replyConn; w != nil && !c.hungUp.Load() {
		c.Conn.SetWriteDeadline(c.now().Add(c.writeTimeout))
		fmt.Fprintf(w, "%d %d.%d.%d %s\r\n", e.reply.Code, e.reply.EnhancedCode[0], e.reply.EnhancedCode[1], e.reply.EnhancedCode[2], e.reply.Message)
	}
	c.poison()
	c.shutWrite()
}
