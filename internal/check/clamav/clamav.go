// Package clamav asks a ClamAV daemon (clamd) whether a message carries
// malware, over clamd's socket protocol as its manual page clamd(8)
// describes it: the z-prefixed, NUL-terminated commands zINSTREAM and
// zPING, on a TCP or a Unix socket.
//
// The package is an adapter: it reports what clamd found and decides
// nothing about the message.
package clamav

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Defaults for a Client's zero fields.
const (
	DefaultTimeout   = 30 * time.Second
	DefaultChunkSize = 64 << 10 // bytes per INSTREAM chunk
)

// SignatureStreamLimit is Result.Signature when clamd stopped reading the
// stream at its StreamMaxLength (the answer "INSTREAM size limit
// exceeded. ERROR", which names no signature).
const SignatureStreamLimit = "INSTREAM size limit exceeded"

// limitAlert begins the names of the alerts clamd raises, with
// AlertExceedsMax yes in clamd.conf(5), for a file beyond MaxFileSize,
// MaxScanSize, MaxFiles, MaxRecursion and the like, e.g.
// "Heuristics.Limits.Exceeded.MaxFileSize".
const limitAlert = "Heuristics.Limits.Exceeded"

// maxReply bounds a reply read from clamd; real ones are under 300 bytes.
const maxReply = 4 << 10

// ErrUnavailable is in the chain of every error that means clamd gave no
// verdict: it could not be reached, did not answer within the timeout,
// answered with an ERROR (other than the stream size limit) or with
// something that is not a clamd reply. It is a temporary *mailwiki.Error
// (code EUNAVAILABLE). Test with errors.Is.
var ErrUnavailable = &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "the malware scanner is unavailable", Temporary: true}

// Client talks to one clamd. It opens a connection per call, so it is safe
// for concurrent use; its fields must not change once it is in use.
type Client struct {
	// Network is "tcp" or "unix"; empty means ParseAddress(Address).
	Network string
	// Address is host:port for "tcp" (e.g. "127.0.0.1:3310") and the
	// socket's path for "unix" (e.g. "/run/clamav/clamd.ctl").
	Address string
	// Timeout bounds each call, from dialling to the reply; zero means
	// DefaultTimeout. A deadline of the caller's context that comes
	// sooner wins.
	Timeout time.Duration
	// ChunkSize is the most bytes sent in one INSTREAM chunk; zero means
	// DefaultChunkSize. It is also the most of the message held in memory.
	ChunkSize int
}

// Result is clamd's verdict on one stream.
type Result struct {
	// Infected is true when clamd reported a finding, a size limit
	// included.
	Infected bool
	// Signature names the finding, e.g.
	// "Eicar-Test-Signature.UNOFFICIAL",
	// "Heuristics.Limits.Exceeded.MaxFileSize" or SignatureStreamLimit;
	// empty when Infected is false.
	Signature string
	// SizeLimit is true when the finding is a size limit of clamd's
	// rather than a signature: the stream or a file in it was larger
	// than clamd scans, so the message was not scanned whole.
	SizeLimit bool
}

// Scan sends r to clamd with INSTREAM: "zINSTREAM\0", then chunks of at
// most ChunkSize bytes, each after its length as a 4-byte big-endian
// unsigned integer, then a zero length; and reads the reply ("stream: OK",
// "stream: NAME FOUND", "INSTREAM size limit exceeded. ERROR"). r is read
// once, a chunk at a time, and not closed; a reply that comes before r is
// used up (clamd's size limit) ends the call.
//
// A failure to get a verdict returns an error wrapping ErrUnavailable; an
// error reading r is returned, wrapped, without it.
func (c *Client) Scan(ctx context.Context, r io.Reader) (Result, error) {
	conn, stop, err := c.dial(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("clamav: scan: %w", err)
	}
	defer stop()
	replies := make(chan reply, 1)
	go func() { replies <- readReply(conn) }()
	if _, err := conn.Write([]byte("zINSTREAM\x00")); err != nil {
		return Result{}, fmt.Errorf("clamav: scan: %w: %w", ErrUnavailable, err)
	}
	if err := c.stream(conn, r, replies); err != nil && !errors.Is(err, errAnswered) {
		var werr *writeError
		if !errors.As(err, &werr) {
			return Result{}, fmt.Errorf("clamav: scan: %w", err)
		}
		// clamd may have answered and closed: its reply decides.
	}
	rep := <-replies
	if rep.err != nil {
		return Result{}, fmt.Errorf("clamav: scan: %w: %w", ErrUnavailable, rep.err)
	}
	res, err := parseScanReply(rep.line)
	if err != nil {
		return Result{}, fmt.Errorf("clamav: scan: %w", err)
	}
	return res, nil
}

// errAnswered ends the stream when clamd replied before its end.
var errAnswered = errors.New("clamd answered before the end of the stream")

// writeError is a failure to send to clamd.
type writeError struct{ err error }

func (e *writeError) Error() string { return "sending to clamd: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// stream sends r as INSTREAM chunks and the terminating zero length. It
// stops early, with errAnswered, when a reply is waiting in replies (which
// it then puts back).
func (c *Client) stream(conn net.Conn, r io.Reader, replies chan reply) error {
	size := c.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	buf := make([]byte, 4+size)
	for {
		select {
		case rep := <-replies:
			replies <- rep
			return errAnswered
		default:
		}
		n, err := io.ReadFull(r, buf[4:])
		if n > 0 {
			binary.BigEndian.PutUint32(buf, uint32(n))
			if _, werr := conn.Write(buf[:4+n]); werr != nil {
				return &writeError{werr}
			}
		}
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			if _, werr := conn.Write([]byte{0, 0, 0, 0}); werr != nil {
				return &writeError{werr}
			}
			return nil
		case err != nil:
			return fmt.Errorf("reading the message: %w", err)
		}
	}
}

// parseScanReply maps an INSTREAM reply (without its NUL) onto a Result.
func parseScanReply(line string) (Result, error) {
	if strings.HasPrefix(line, SignatureStreamLimit) {
		return Result{Infected: true, Signature: SignatureStreamLimit, SizeLimit: true}, nil
	}
	rest, ok := strings.CutPrefix(line, "stream: ")
	switch {
	case ok && rest == "OK":
		return Result{}, nil
	case ok && strings.HasSuffix(rest, " FOUND") && len(rest) > len(" FOUND"):
		name := strings.TrimSuffix(rest, " FOUND")
		return Result{Infected: true, Signature: name, SizeLimit: strings.HasPrefix(name, limitAlert)}, nil
	case strings.HasSuffix(line, "ERROR"):
		return Result{}, fmt.Errorf("%w: clamd: %q", ErrUnavailable, line)
	default:
		return Result{}, fmt.Errorf("%w: not a clamd reply: %q", ErrUnavailable, line)
	}
}

// Ping sends zPING and returns nil when clamd answers PONG, else an error
// wrapping ErrUnavailable.
func (c *Client) Ping(ctx context.Context) error {
	conn, stop, err := c.dial(ctx)
	if err != nil {
		return fmt.Errorf("clamav: ping: %w", err)
	}
	defer stop()
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return fmt.Errorf("clamav: ping: %w: %w", ErrUnavailable, err)
	}
	rep := readReply(conn)
	switch {
	case rep.err != nil:
		return fmt.Errorf("clamav: ping: %w: %w", ErrUnavailable, rep.err)
	case rep.line != "PONG":
		return fmt.Errorf("clamav: ping: %w: answer %q is not PONG", ErrUnavailable, rep.line)
	}
	return nil
}

// dial connects with the call's deadline set on the connection, which is
// also cut short when ctx ends. stop closes the connection.
func (c *Client) dial(ctx context.Context) (conn net.Conn, stop func(), err error) {
	network, address := c.Network, c.Address
	if network == "" {
		if network, address, err = ParseAddress(c.Address); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	var d net.Dialer
	conn, err = d.DialContext(ctx, network, address)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	unhook := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	return conn, func() { unhook(); cancel(); _ = conn.Close() }, nil
}

// reply is one NUL-terminated reply, without the NUL.
type reply struct {
	line string
	err  error
}

// readReply reads up to the NUL that ends a z-command's reply (or the end
// of the connection, after some bytes), at most maxReply bytes.
func readReply(conn net.Conn) reply {
	var buf bytes.Buffer
	b := make([]byte, 512)
	for buf.Len() < maxReply {
		n, err := conn.Read(b)
		buf.Write(b[:n])
		if i := bytes.IndexByte(buf.Bytes(), 0); i >= 0 {
			return reply{line: strings.TrimSpace(string(buf.Bytes()[:i]))}
		}
		if errors.Is(err, io.EOF) && buf.Len() > 0 {
			return reply{line: strings.TrimSpace(buf.String())}
		}
		if err != nil {
			return reply{err: fmt.Errorf("reading the reply: %w", err)}
		}
	}
	return reply{err: fmt.Errorf("a reply longer than %d bytes", maxReply)}
}
