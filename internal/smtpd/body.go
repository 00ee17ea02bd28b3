package smtpd

import (
	"errors"
	"fmt"
	"io"

	smtp "github.com/emersion/go-smtp"

	"github.com/mailwiki/mailwiki"
)

// body is the message reader handed to Handler.Deliver. It passes the
// dot-unstuffed bytes through unchanged while it
//   - refuses bare CR and bare LF (RFC 5321 §2.3.8): go-smtp's reader only
//     ends DATA on <CR><LF>.<CR><LF>, so smuggling sequences such as
//     <LF>.<LF> reach the backend as content, ready to be misread by the next
//     hop; a message containing them is refused whole;
//   - enforces the size limit exactly (go-smtp's own limit refuses a message
//     of exactly MaxMessageBytes, so go-smtp is given one byte more);
//   - remembers how the stream ended, so the server replies from what it
//     observed rather than from what the handler made of it.
//
// Every violation is sticky: once Read returned an error it returns it again.
type body struct {
	r     io.Reader
	max   int64
	env   *mailwiki.Envelope // Size is kept current
	prev  byte               // last byte seen, across reads
	eof   bool               // the end-of-data line was reached
	bare  bool               // bare CR or LF seen
	large bool
	rerr  error // the underlying read failed (network, timeout, line too long)
	err   error // sticky error returned to the handler
}

var (
	errBareNewline = &mailwiki.Error{Code: mailwiki.EINVALID, Message: "message contains a bare CR or LF; lines must end with CRLF"}
	errTooLarge    = &mailwiki.Error{Code: mailwiki.ETOOLARGE, Message: "message exceeds the size limit"}
)

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	if b.env.Size+int64(n) > b.max || errors.Is(err, smtp.ErrDataTooLarge) {
		b.large, b.err = true, errTooLarge
		return 0, b.err
	}
	if i := b.scan(p[:n]); i >= 0 {
		b.bare, b.err = true, errBareNewline
		return 0, b.err
	}
	b.env.Size += int64(n)
	return n, b.classify(err)
}

// scan returns the index of the first bare CR or LF in p, or -1. A CR at the
// very end of the message (no LF after it) is caught at io.EOF.
func (b *body) scan(p []byte) int {
	for i, c := range p {
		switch {
		case c == '\n' && b.prev != '\r':
			return i
		case b.prev == '\r' && c != '\n':
			return i
		}
		b.prev = c
	}
	return -1
}

func (b *body) classify(err error) error {
	switch {
	case err == nil:
		return nil
	case err == io.EOF:
		if b.prev == '\r' {
			b.bare, b.err = true, errBareNewline
			return b.err
		}
		b.eof = true
		return io.EOF
	default:
		b.rerr = err
		b.err = fmt.Errorf("smtpd: reading message: %w", err)
		return b.err
	}
}
