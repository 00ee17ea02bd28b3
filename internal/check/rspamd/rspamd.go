// Package rspamd asks an rspamd normal worker for a spam verdict over its
// HTTP protocol (https://rspamd.com/doc/developers/protocol.html): the
// message is POSTed to /checkv2 as the body, the SMTP envelope travels in
// request headers, and rspamd answers with JSON naming an action, a score
// and the symbols that matched.
//
// The package is an adapter: it decides nothing. What an action means to
// mailwiki (refuse, tag, accept) is decided by its caller.
package rspamd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// DefaultTimeout bounds a Check or Ping when Client.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxAnswer bounds the JSON answer read from rspamd (it is a few KB).
const maxAnswer = 4 << 20

// ErrUnavailable is in the chain of every error that means rspamd did not
// give a verdict: it could not be reached, did not answer within the
// timeout, answered with a status other than 200 or with JSON that is not
// a verdict. It is a temporary *mailwiki.Error (code EUNAVAILABLE): the
// message may be tried again later. Test with errors.Is.
var ErrUnavailable = &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "the spam scanner is unavailable", Temporary: true}

// Actions rspamd answers with, from the mildest; see
// https://rspamd.com/doc/configuration/metrics.html. Result.Action holds one
// of them (or an action a site configured itself).
const (
	ActionNoAction       = "no action"
	ActionGreylist       = "greylist"
	ActionAddHeader      = "add header"
	ActionRewriteSubject = "rewrite subject"
	ActionSoftReject     = "soft reject"
	ActionReject         = "reject"
)

// Client talks to one rspamd normal worker. Its zero value is not usable:
// URL is required. A Client is safe for concurrent use; its fields must
// not change once it is in use.
type Client struct {
	// URL is the worker's base URL, without a path, e.g.
	// "http://127.0.0.1:11333".
	URL string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Timeout bounds each call, connecting and streaming the message
	// included; zero means DefaultTimeout. A deadline of the caller's
	// context that comes sooner wins.
	Timeout time.Duration
}

// Meta is the SMTP envelope of a message, sent as rspamd's protocol
// headers (IP, Helo, From, one Rcpt per recipient, Queue-Id). Empty fields
// are not sent. Control characters (CR, LF, NUL, …) are removed, so that a
// peer's HELO cannot add request headers.
type Meta struct {
	IP      string   // the SMTP client's address, e.g. "192.0.2.1"
	Helo    string   // the name it gave in HELO/EHLO
	From    string   // the MAIL FROM address, without angle brackets
	Rcpt    []string // the RCPT TO addresses, without angle brackets
	QueueID string   // mailwiki's id for the message, for rspamd's log
}

// Result is rspamd's verdict on one message.
type Result struct {
	// Action is what rspamd advises, one of the Action constants.
	Action string
	// Score is the sum of the matched symbols' scores; RequiredScore is
	// the score at which rspamd's reject action begins.
	Score, RequiredScore float64
	// Symbols are the names of the rules that matched, sorted, e.g.
	// ["GTUBE"] or ["MISSING_DATE", "MISSING_MID"].
	Symbols []string
}

// answer is the part of rspamd's /checkv2 JSON that Result carries.
type answer struct {
	Action        *string                    `json:"action"`
	Score         float64                    `json:"score"`
	RequiredScore float64                    `json:"required_score"`
	Symbols       map[string]json.RawMessage `json:"symbols"`
}

// Check sends msg (a whole RFC 5322 message, header and body) to POST
// /checkv2 and returns rspamd's verdict. msg is streamed as the request
// body (chunked, unless it is a *bytes.Reader, *bytes.Buffer or
// *strings.Reader, whose length is known); it is read once and not closed.
// Every failure to get a verdict returns an error wrapping ErrUnavailable
// (and the cause: a context error, a net error, the status); an error
// reading msg is returned as the cause as well.
func (c *Client) Check(ctx context.Context, msg io.Reader, m Meta) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("/checkv2"), msg)
	if err != nil {
		return Result{}, fmt.Errorf("rspamd: check: %w: %w", ErrUnavailable, err)
	}
	m.setHeaders(req.Header)
	var a answer
	if err := c.do(req, func(body io.Reader) error { return json.NewDecoder(body).Decode(&a) }); err != nil {
		return Result{}, fmt.Errorf("rspamd: check: %w", err)
	}
	if a.Action == nil {
		return Result{}, fmt.Errorf("rspamd: check: %w: the answer has no action", ErrUnavailable)
	}
	r := Result{Action: *a.Action, Score: a.Score, RequiredScore: a.RequiredScore}
	for name := range a.Symbols {
		r.Symbols = append(r.Symbols, name)
	}
	slices.Sort(r.Symbols)
	return r, nil
}

// Ping asks GET /ping and returns nil when rspamd answers 200 "pong", else
// an error wrapping ErrUnavailable.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint("/ping"), nil)
	if err != nil {
		return fmt.Errorf("rspamd: ping: %w: %w", ErrUnavailable, err)
	}
	err = c.do(req, func(body io.Reader) error {
		b, err := io.ReadAll(io.LimitReader(body, 64))
		if err == nil && !strings.HasPrefix(string(b), "pong") {
			err = fmt.Errorf("answer %q is not pong", b)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("rspamd: ping: %w", err)
	}
	return nil
}

// do sends req and hands a 200 answer's body (at most maxAnswer bytes) to
// read. Every failure wraps ErrUnavailable.
func (c *Client) do(req *http.Request, read func(io.Reader) error) error {
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body := io.LimitReader(resp.Body, maxAnswer)
	if resp.StatusCode != http.StatusOK {
		detail, _ := io.ReadAll(io.LimitReader(body, 200))
		return fmt.Errorf("%w: status %d: %q", ErrUnavailable, resp.StatusCode, strings.TrimSpace(string(detail)))
	}
	if err := read(body); err != nil {
		return fmt.Errorf("%w: bad answer: %w", ErrUnavailable, err)
	}
	return nil
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) endpoint(path string) string {
	return strings.TrimRight(c.URL, "/") + path
}

// setHeaders sets the protocol headers of m on h.
func (m Meta) setHeaders(h http.Header) {
	set := func(name, value string) {
		if v := clean(value); v != "" {
			h.Add(name, v)
		}
	}
	set("IP", m.IP)
	set("Helo", m.Helo)
	set("From", m.From)
	for _, r := range m.Rcpt {
		set("Rcpt", r)
	}
	set("Queue-Id", m.QueueID)
}

// clean drops control characters from a header value.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
