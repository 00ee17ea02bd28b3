package connect

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	"github.com/mailwiki/mailwiki"
)

// DefaultKeyBaseURL is Atlassian's public key service for signed install
// callbacks: the key with id kid is at DefaultKeyBaseURL + "/" + kid, a PEM
// "PUBLIC KEY". See "Understanding JWT for Connect apps", "Validating
// installation lifecycle requests",
// https://developer.atlassian.com/cloud/confluence/understanding-jwt/.
const DefaultKeyBaseURL = "https://connect-install-keys.atlassian.com"

// Limits of the key fetcher.
const (
	keyFetchTimeout = 10 * time.Second // per fetch, whatever the client's own timeout
	keyMaxBytes     = 16 << 10         // a 4096-bit PEM key is under 1 KB
	keyCacheTTL     = time.Hour        // Atlassian rotates keys under new ids
	keyCacheMax     = 64               // ids kept at once
	keyMinBits      = 2048
	// Ids the service answered 4xx for are remembered this long (so a
	// forged kid sent again costs no fetch), at most keyMissMax of them.
	keyMissTTL = 5 * time.Minute
	keyMissMax = 512
	// Fetches (of ids in neither cache) are limited for the whole process:
	// keyFetchBurst at once, then one per keyFetchEvery. Beyond, the
	// callback is refused without a fetch.
	keyFetchBurst = 10
	keyFetchEvery = time.Second
)

// kidPattern is what a key id may look like: it becomes a path segment of
// the key service's URL, so no "/", "%", "?" or other tricks.
var kidPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// errUnknownKey marks the service's answer that it has no key of that id,
// the answer the miss cache remembers.
var errUnknownKey = errors.New("connect: key service does not know the key id")

// keySource fetches the host's public keys by id and caches them. It is safe
// for concurrent use. Anyone can send a callback naming any kid, so fetches
// are bounded: concurrent requests for one id share one fetch, an id the
// service did not know is remembered for keyMissTTL, and fetches are rate
// limited (keyFetchBurst, keyFetchEvery). Keys in the cache are never
// limited. Other failures (5xx, network) are not cached.
//
// Its errors are EUNAUTHORIZED *mailwiki.Error whose message is the bare
// reason ("unknown key id"); the lifecycle check words them for the
// callback refused (event.keyRefusal).
type keySource struct {
	base   string // without a trailing slash
	client *http.Client
	now    func() time.Time
	limit  *rate.Limiter      // fetches, at the injected clock's time
	flight singleflight.Group // by kid

	mu     sync.Mutex
	keys   map[string]cachedKey
	misses map[string]time.Time // kid → when the service said it did not know it
}

func newKeySource(base string, client *http.Client, now func() time.Time) *keySource {
	return &keySource{
		base: base, client: client, now: now,
		limit: rate.NewLimiter(rate.Every(keyFetchEvery), keyFetchBurst),
		keys:  map[string]cachedKey{}, misses: map[string]time.Time{},
	}
}

// Key returns the public key with id kid, from the cache when it was fetched
// less than keyCacheTTL ago. Errors are EUNAUTHORIZED *mailwiki.Error: a
// callback whose key cannot be had is refused, never accepted. A fetch
// outlives a caller that gives up (ctx done) so that the callers sharing it
// still get its answer.
func (s *keySource) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if !kidPattern.MatchString(kid) || kid == "." || kid == ".." {
		return nil, keyRefused("invalid key id", nil)
	}
	if key, ok := s.cached(kid); ok {
		return key, nil
	}
	if s.missed(kid) {
		return nil, unknownKey(kid, 0)
	}
	fetched := s.flight.DoChan(kid, func() (any, error) {
		return s.load(context.WithoutCancel(ctx), kid)
	})
	select {
	case res := <-fetched:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*rsa.PublicKey), nil
	case <-ctx.Done():
		return nil, unavailable(fmt.Errorf("connect: wait for key %q: %w", kid, ctx.Err()))
	}
}

// load is the one fetch of kid under way: it looks in the caches again (a
// fetch that just ended may have filled them), takes a token from the rate
// limiter or refuses ("key service busy"), fetches, and caches the key or
// the service's not knowing kid.
func (s *keySource) load(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if key, ok := s.cached(kid); ok {
		return key, nil
	}
	if s.missed(kid) {
		return nil, unknownKey(kid, 0)
	}
	if !s.limit.AllowN(s.now(), 1) {
		return nil, busy()
	}
	key, err := s.fetch(ctx, kid)
	switch {
	case err == nil:
		s.store(kid, key)
	case errors.Is(err, errUnknownKey):
		s.storeMiss(kid)
	}
	return key, err
}

// fetch GETs {base}/{kid} with a timeout and parses the PEM key it answers.
func (s *keySource) fetch(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, keyFetchTimeout)
	defer cancel()
	keyURL := s.base + "/" + url.PathEscape(kid)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, keyURL, nil)
	if err != nil {
		return nil, keyRefused("key service unavailable", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, unavailable(fmt.Errorf("connect: fetch key %q: %w", kid, err))
	}
	defer resp.Body.Close()
	if err := keyStatus(resp.StatusCode, kid); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, keyMaxBytes+1))
	if err != nil {
		return nil, unavailable(fmt.Errorf("connect: read key %q: %w", kid, err))
	}
	if len(body) > keyMaxBytes {
		return nil, keyRefused("invalid key", fmt.Errorf("connect: key %q over %d bytes", kid, keyMaxBytes))
	}
	return parseRSAPublicKey(body)
}

// keyStatus classifies the key service's answer: 200 is the only success, 404
// (or another 4xx but 429) is an unknown key id, 5xx and 429 mean the
// service cannot answer now.
func keyStatus(code int, kid string) error {
	switch {
	case code == http.StatusOK:
		return nil
	case code >= 500:
		return unavailable(fmt.Errorf("connect: key service answered %d for key %q", code, kid))
	case code == http.StatusTooManyRequests:
		return unavailable(fmt.Errorf("connect: key service answered %d for key %q", code, kid))
	default:
		return unknownKey(kid, code)
	}
}

// parseRSAPublicKey parses a PEM "PUBLIC KEY" (PKIX) holding an RSA key of
// at least keyMinBits.
func parseRSAPublicKey(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, keyRefused("invalid key", errors.New("connect: key is not a PEM PUBLIC KEY"))
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, keyRefused("invalid key", fmt.Errorf("connect: parse key: %w", err))
	}
	key, ok := parsed.(*rsa.PublicKey)
	if !ok || key.N.BitLen() < keyMinBits {
		return nil, keyRefused("invalid key", errors.New("connect: key is not an RSA key of 2048 bits or more"))
	}
	return key, nil
}

// keyRefused returns the EUNAUTHORIZED error of a key that cannot be had;
// reason is safe to show, err is for logs.
func keyRefused(reason string, err error) *mailwiki.Error {
	return &mailwiki.Error{Code: mailwiki.EUNAUTHORIZED, Message: reason, Err: err}
}

// unknownKey is the refusal of a kid the service did not know: it answered
// code, or (code 0) it did less than keyMissTTL ago.
func unknownKey(kid string, code int) *mailwiki.Error {
	if code == 0 {
		return keyRefused("unknown key id", fmt.Errorf("connect: key %q recently unknown to the key service: %w", kid, errUnknownKey))
	}
	return keyRefused("unknown key id", fmt.Errorf("connect: key service answered %d for key %q: %w", code, kid, errUnknownKey))
}

// busy is the refusal beyond the fetch rate limit: temporary, nothing
// fetched.
func busy() *mailwiki.Error {
	e := keyRefused("key service busy, try again", errors.New("connect: key fetch rate limit reached"))
	e.Temporary, e.RetryAfter = true, keyFetchEvery
	return e
}

// unavailable is the refusal for a key service that cannot be reached: the
// callback is refused (the host retries an install), never accepted.
func unavailable(err error) *mailwiki.Error {
	e := keyRefused("key service unavailable", err)
	e.Temporary = true
	return e
}
