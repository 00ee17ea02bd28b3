package confluence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Flavor selects the Confluence deployment the client talks to.
type Flavor string

const (
	// Cloud is Confluence Cloud: REST v2 for spaces and pages, v1 for attachments.
	Cloud Flavor = "cloud"
	// DataCenter is Confluence Data Center / Server: REST v1 throughout (it has no v2).
	DataCenter Flavor = "datacenter"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultMaxAttempts   = 4
	DefaultMaxRetryAfter = 30 * time.Second
	DefaultUserAgent     = "mailwiki"
	DefaultMaxBatchBytes = 20 << 20
	DefaultMaxBatchFiles = 10

	maxResponseBytes = 32 << 20 // a success body larger than this is refused
	maxErrorBytes    = 64 << 10 // only this much of an error body is read
)

// Options tune a Client. The zero value is valid: Cloud flavor, HTTPS only,
// the defaults above, real sleeping and no logging.
type Options struct {
	// AllowInsecureHTTP permits an http:// base URL. It exists for the local
	// sandbox only: Confluence itself is always called over HTTPS (P14).
	AllowInsecureHTTP bool
	// Flavor is Cloud (the default when empty) or DataCenter.
	Flavor Flavor
	// UserAgent is sent on every request; DefaultUserAgent when empty.
	UserAgent string
	// MaxAttempts bounds the attempts of one call, first one included.
	MaxAttempts int
	// MaxRetryAfter caps a Retry-After honoured inside one call; a longer one
	// is returned to the caller (see RetryAfter) so the job queue can snooze.
	MaxRetryAfter time.Duration
	// MaxBatchBytes and MaxBatchFiles bound one attachment upload request.
	MaxBatchBytes int64
	MaxBatchFiles int
	// Sleep waits between attempts; it must return ctx.Err() when ctx ends
	// first. Tests inject a recorder; nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to read Retry-After dates; time.Now when nil.
	Now func() time.Time
	// Logger receives one line per attempt (method, path, status, attempt,
	// duration), never a body or a credential. Discarded when nil.
	Logger *slog.Logger
	// OnRequest, when set, is told of every HTTP request sent: its
	// operation (see Operation) and the status answered, 0 when none came.
	OnRequest func(operation string, status int)
}

// Client calls one Confluence site. It is safe for concurrent use.
type Client struct {
	base   string // scheme://host[/context], no trailing slash
	hc     *http.Client
	opts   Options
	flavor Flavor
	log    *slog.Logger
}

// New returns a client for the site at baseURL (for example
// https://acme.atlassian.net/wiki or https://confluence.corp.example/). hc must
// already authenticate its requests (see BasicAuth and BearerAuth); the client
// copies it and refuses any redirect that would leave HTTPS. Invalid input is
// an ECONFIG *mailwiki.Error whose message says what to change.
func New(baseURL string, hc *http.Client, opts Options) (*Client, error) {
	base, err := checkBaseURL(baseURL, opts.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, configErrorf("confluence: an authenticated *http.Client is required; build one with BasicAuth or BearerAuth")
	}
	flavor, err := checkFlavor(opts.Flavor)
	if err != nil {
		return nil, err
	}
	c := &Client{base: base, hc: guardRedirects(hc, opts.AllowInsecureHTTP), opts: withDefaults(opts), flavor: flavor}
	c.log = c.opts.Logger
	return c, nil
}

func configErrorf(format string, args ...any) error {
	return mailwiki.Errorf(mailwiki.ECONFIG, format, args...)
}

func checkBaseURL(raw string, allowHTTP bool) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", configErrorf("confluence: base URL must be an absolute https:// URL such as https://acme.atlassian.net/wiki")
	}
	if u.User != nil {
		return "", configErrorf("confluence: base URL %q must not carry credentials; supply them through the HTTP client (BasicAuth or BearerAuth)", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", configErrorf("confluence: base URL %q must not have a query or fragment; use the site's base such as https://acme.atlassian.net/wiki", u.Redacted())
	}
	if u.Scheme == "http" && !allowHTTP {
		return "", configErrorf("confluence: base URL %q uses plain http://; change it to https:// (plain HTTP is allowed only for the local sandbox, with AllowInsecureHTTP)", u.Redacted())
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func checkFlavor(f Flavor) (Flavor, error) {
	switch f {
	case "", Cloud:
		return Cloud, nil
	case DataCenter:
		return DataCenter, nil
	}
	return "", configErrorf("confluence: unknown flavor %q; use %q or %q", f, Cloud, DataCenter)
}

func withDefaults(o Options) Options {
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if o.MaxBatchFiles <= 0 {
		o.MaxBatchFiles = DefaultMaxBatchFiles
	}
	if o.Sleep == nil {
		o.Sleep = sleepContext
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// errInsecureRedirect marks a redirect refused because it left HTTPS.
var errInsecureRedirect = errors.New("redirect to a non-https URL refused")

// guardRedirects returns a copy of hc whose redirects may not downgrade to
// plain HTTP, so that no credential or content leaves over cleartext.
func guardRedirects(hc *http.Client, allowHTTP bool) *http.Client {
	cp := *hc
	next := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" && !allowHTTP {
			return errInsecureRedirect
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cp
}

// request is one logical call; body is replayed on every attempt.
type request struct {
	method string
	path   string // escaped, relative to the base URL, e.g. /api/v2/pages
	query  url.Values
	// body is sent as the concatenation of its slices, in order, without
	// joining them (an upload's slices are its files' own data); they are
	// never written to. nil: no body.
	body        [][]byte
	contentType string
	header      http.Header
	// retryable marks a call that is idempotent although its method is
	// not (adding labels): it is retried after a 5xx or a transport error.
	retryable bool
}

// bodyLen is the body's length in bytes.
func (r *request) bodyLen() int64 {
	var n int64
	for _, b := range r.body {
		n += int64(len(b))
	}
	return n
}

// bodyReader returns a new reader of the whole body, from its start.
func (r *request) bodyReader() io.ReadCloser {
	rs := make([]io.Reader, len(r.body))
	for i, b := range r.body {
		rs[i] = bytes.NewReader(b)
	}
	return io.NopCloser(io.MultiReader(rs...))
}

func (r *request) idempotent() bool {
	if r.retryable {
		return true
	}
	switch r.method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func jsonRequest(method, path string, query url.Values, in any) (*request, error) {
	r := &request{method: method, path: path, query: query}
	if in == nil {
		return r, nil
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encode request body: %w", err)
	}
	r.body, r.contentType = [][]byte{b}, "application/json"
	return r, nil
}

// send performs one attempt and decodes a 2xx JSON body into out (when out is
// not nil). A non-2xx status becomes a classified *APIError.
func (c *Client) send(ctx context.Context, r *request, attempt int, out any) error {
	req, err := c.newHTTPRequest(ctx, r)
	if err != nil {
		return err
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.logAttempt(ctx, r, attempt, 0, start, err)
		return transportError(ctx, err)
	}
	defer drainClose(resp.Body)
	c.logAttempt(ctx, r, attempt, resp.StatusCode, start, nil)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.statusError(r, resp)
	}
	return decodeBody(resp, out)
}

func (c *Client) newHTTPRequest(ctx context.Context, r *request) (*http.Request, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, http.NoBody)
	if err != nil {
		return nil, &mailwiki.Error{Code: mailwiki.EINVALID, Message: "invalid Confluence request", Err: err}
	}
	req.GetBody = nil
	if n := r.bodyLen(); n > 0 {
		// The length is known: sent as Content-Length, never chunked.
		req.Body, req.ContentLength = r.bodyReader(), n
		req.GetBody = func() (io.ReadCloser, error) { return r.bodyReader(), nil }
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	return req, nil
}

func decodeBody(resp *http.Response, out any) error {
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes))
	if err := dec.Decode(out); err != nil {
		return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Temporary: true,
			Message: "Confluence sent a response that could not be read", Err: fmt.Errorf("decode response: %w", err)}
	}
	return nil
}

func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxErrorBytes))
	_ = body.Close()
}

func (c *Client) logAttempt(ctx context.Context, r *request, attempt, status int, start time.Time, err error) {
	if c.opts.OnRequest != nil {
		c.opts.OnRequest(Operation(r.method, r.path), status)
	}
	attrs := []slog.Attr{
		slog.String("method", r.method), slog.String("path", r.path),
		slog.Int("status", status), slog.Int("attempt", attempt),
		slog.Duration("duration", time.Since(start)),
	}
	// A GET answering 404 is a lookup's answer (a property not yet set, a
	// parent that is a folder), not a problem.
	level := slog.LevelDebug
	if (err != nil || status >= 400) && !(status == http.StatusNotFound && r.method == http.MethodGet) {
		level = slog.LevelWarn
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", errorKind(err)))
	}
	c.log.LogAttrs(ctx, level, "confluence request", attrs...)
}

// absolute joins a relative Confluence link to a base: the response's own
// _links.base when present, else the client's base URL.
func (c *Client) absolute(linkBase, rel string) string {
	if rel == "" {
		return ""
	}
	if u, err := url.Parse(rel); err == nil && u.IsAbs() {
		return rel
	}
	base := strings.TrimRight(linkBase, "/")
	if base == "" {
		base = c.base
	}
	if !strings.HasPrefix(rel, "/") {
		rel = "/" + rel
	}
	return base + rel
}
