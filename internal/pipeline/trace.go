package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/textproto"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// MaxHops is the most Received fields a message may carry before it is
// taken for a loop (RFC 5321 §6.3; Postfix's hopcount_limit is 50).
const MaxHops = 50

// traceScreen looks for loops in the header: our own mailwiki.LoopHeader, or more
// than MaxHops Received fields. It reads the header only.
type traceScreen struct{}

func (traceScreen) Name() string { return "trace" }

func (traceScreen) Screen(_ context.Context, _ *mailwiki.Envelope, msg io.Reader) (mailwiki.Finding, error) {
	h, err := textproto.NewReader(bufio.NewReader(msg)).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return mailwiki.Finding{}, nil // no header to read: the built-in check says so
	}
	switch {
	case h.Get(mailwiki.LoopHeader) != "":
		return mailwiki.Finding{Loop: "Message refused: it was sent by this server and has come back to it (mail loop)"}, nil
	case len(h.Values("Received")) > MaxHops:
		return mailwiki.Finding{Loop: fmt.Sprintf("Message refused: it has passed through more than %d servers (mail loop, RFC 5321 section 6.3)", MaxHops)}, nil
	}
	return mailwiki.Finding{}, nil
}

// receivedField is the Received trace field (RFC 5321 §4.4, RFC 3848 for
// ESMTPS) the door adds for the message.
func receivedField(env *mailwiki.Envelope, by string) string {
	ip := env.RemoteAddr
	if i := strings.LastIndexByte(ip, ':'); i > 0 {
		ip = strings.Trim(ip[:i], "[]")
	}
	with := "ESMTP"
	if env.TLS {
		with = "ESMTPS"
	}
	return fmt.Sprintf("Received: from %s ([%s]) by %s (mailwiki) with %s id %s; %s",
		fieldSafe(env.Helo), ip, fieldSafe(by), with, env.ID, env.Received.UTC().Format(time.RFC1123Z))
}

// fieldSafe keeps a client-given name from breaking the header: printable
// ASCII without spaces, parentheses or semicolons.
func fieldSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c <= ' ' || c > '~' || c == '(' || c == ')' || c == ';' {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "unknown"
	}
	return string(b)
}

// withTrace returns the message as stored: the door's trace fields on top
// of the bytes as received (RFC 5322 §3.6.7: trace fields are prepended).
func withTrace(trace []string, raw []byte) []byte {
	if len(trace) == 0 || raw == nil {
		return raw
	}
	n := len(raw)
	for _, f := range trace {
		n += len(f) + 2
	}
	out := make([]byte, 0, n)
	for _, f := range trace {
		out = append(out, f...)
		out = append(out, '\r', '\n')
	}
	return append(out, raw...)
}
