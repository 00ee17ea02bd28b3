package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Deliveries: how the site (playing Forge) calls a remote. Every call
// carries "Authorization: Bearer <FIT>", x-b3-traceid and x-b3-spanid, and
// the system token as x-forge-oauth-system; UI calls add the user token.
const (
	forgeEventTimeout     = 5 * time.Second  // lifecycle events, scheduled triggers
	forgeUninstallTimeout = 55 * time.Second // preUninstall
	forgeUITimeout        = 25 * time.Second // invokeRemote
	forgeEventAttempts    = 4
	forgeRetryDelay       = 200 * time.Millisecond // 60 s at Atlassian
	forgeMaxResponse      = 5 << 20
)

// forgeClient calls remotes; it never follows redirects, which the
// contract makes errors.
var forgeClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

// forgeCall is one call to a remote.
type forgeCall struct {
	in        forgeInstall
	origin    string // scheme://host of the site, for apiBaseUrl
	method    string
	path      string // relative to the remote's baseUrl; may carry a query
	body      []byte // nil for none
	header    map[string]string
	module    fitModule
	ui        *fitContext // UI calls only
	principal string      // UI calls only: adds the user token
	timeout   time.Duration
}

// forgeAnswer is what the remote answered.
type forgeAnswer struct {
	status int
	header http.Header
	body   []byte
}

// errRemoteTimeout marks a call the remote did not answer in time.
var errRemoteTimeout = errors.New("the remote did not answer in time")

// deliver makes one call. An error means no HTTP answer at all (or one too
// big); any status is an answer.
func (s *Sandbox) deliver(ctx context.Context, c forgeCall) (forgeAnswer, error) {
	fit, err := s.mintFIT(c.in, c.origin, c.module, c.ui, c.principal)
	if err != nil {
		return forgeAnswer{}, err
	}
	system, err := s.productToken(c.in, "")
	if err != nil {
		return forgeAnswer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, c.in.RemoteBaseURL+c.path, body)
	if err != nil {
		return forgeAnswer{}, invalid("The remote URL %s%s is not valid", c.in.RemoteBaseURL, c.path)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+fit)
	req.Header.Set("X-B3-Traceid", randomHex(16))
	req.Header.Set("X-B3-Spanid", randomHex(8))
	req.Header.Set("X-Forge-Oauth-System", system)
	if c.principal != "" {
		user, err := s.productToken(c.in, c.principal)
		if err != nil {
			return forgeAnswer{}, err
		}
		req.Header.Set("X-Forge-Oauth-User", user)
	}
	return readAnswer(forgeClient.Do(req))
}

func readAnswer(resp *http.Response, err error) (forgeAnswer, error) {
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return forgeAnswer{}, errRemoteTimeout
		}
		return forgeAnswer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, forgeMaxResponse+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return forgeAnswer{}, errRemoteTimeout
		}
		return forgeAnswer{}, err
	}
	if len(data) > forgeMaxResponse {
		return forgeAnswer{}, errors.New("the remote's answer is over 5 MB")
	}
	return forgeAnswer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func (a forgeAnswer) ok() bool { return a.status >= 200 && a.status <= 299 }

// retryContext is added to a redelivered event, as Forge documents it.
type retryContext struct {
	RetryCount  int    `json:"retryCount"`
	RetryReason string `json:"retryReason"`
	RetryData   any    `json:"retryData"`
}

// retryReason names why a delivery failed, in Forge's terms.
func retryReason(a forgeAnswer, err error) string {
	switch {
	case errors.Is(err, errRemoteTimeout):
		return "TIMEOUT_ERROR"
	case err == nil && a.status == http.StatusUnauthorized:
		return "INVALID_FORGE_INVOCATION_TOKEN"
	}
	return "INVALID_REMOTE_INVOCATION_ERROR"
}

// deliverEvent POSTs an event (body made by mkBody for each attempt, with
// the retryContext of a redelivery) up to 4 times, 200 ms apart, until the
// remote answers 2xx. It returns the number of attempts and, when all
// failed, the last failure.
func (s *Sandbox) deliverEvent(ctx context.Context, c forgeCall, mkBody func(*retryContext) any) (int, error) {
	var rc *retryContext
	var last error
	for attempt := 1; attempt <= forgeEventAttempts; attempt++ {
		c.body, _ = json.Marshal(mkBody(rc))
		a, err := s.deliver(ctx, c)
		if err == nil && a.ok() {
			return attempt, nil
		}
		last = describeFailure(a, err)
		s.log.Info("sandbox: Forge event not accepted", "installation", c.in.ID, "path", c.path, "attempt", attempt, "err", last)
		rc = &retryContext{RetryCount: attempt, RetryReason: retryReason(a, err)}
		if attempt < forgeEventAttempts {
			if err := sleep(ctx, forgeRetryDelay); err != nil {
				return attempt, err
			}
		}
	}
	return forgeEventAttempts, last
}

func describeFailure(a forgeAnswer, err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("the remote answered %d", a.status)
}
