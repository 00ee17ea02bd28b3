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
)

// kidPattern is what a key id may look like: it becomes a path segment of
// the key service's URL, so no "/", "%", "?" or other tricks.
var kidPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// keySource fetches the host's public keys by id and caches them. It is safe
// for concurrent use. Failures are not cached.
type keySource struct {
	base   string // without a trailing slash
	client *http.Client
	now    func() time.Time

	mu   sync.Mutex
	keys map[string]cachedKey
}

type cachedKey struct {
	key     *rsa.PublicKey
	fetched time.Time
}

func newKeySource(base string, client *http.Client, now func() time.Time) *keySource {
	return &keySource{base: base, client: client, now: now, keys: map[string]cachedKey{}}
}

// Key returns the public key with id kid, from the cache when it was fetched
// less than keyCacheTTL ago. Errors are EUNAUTHORIZED *mailwiki.Error: a
// callback whose key cannot be had is refused, never accepted.
func (s *keySource) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if !kidPattern.MatchString(kid) || kid == "." || kid == ".." {
		return nil, refused("invalid key id", nil)
	}
	if key, ok := s.cached(kid); ok {
		return key, nil
	}
	key, err := s.fetch(ctx, kid)
	if err != nil {
		return nil, err
	}
	s.store(kid, key)
	return key, nil
}

// cached returns the unexpired cached key kid.
func (s *keySource) cached(kid string) (*rsa.PublicKey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.keys[kid]
	if !ok || s.now().Sub(c.fetched) >= keyCacheTTL {
		return nil, false
	}
	return c.key, true
}

// store caches key under kid, first dropping expired entries and, when the
// cache is still full, the oldest one.
func (s *keySource) store(kid string, key *rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, c := range s.keys {
		if now.Sub(c.fetched) >= keyCacheTTL {
			delete(s.keys, id)
		}
	}
	if len(s.keys) >= keyCacheMax {
		s.evictOldest()
	}
	s.keys[kid] = cachedKey{key: key, fetched: now}
}

func (s *keySource) evictOldest() {
	var oldest string
	var at time.Time
	for id, c := range s.keys {
		if oldest == "" || c.fetched.Before(at) {
			oldest, at = id, c.fetched
		}
	}
	delete(s.keys, oldest)
}

// fetch GETs {base}/{kid} with a timeout and parses the PEM key it answers.
func (s *keySource) fetch(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, keyFetchTimeout)
	defer cancel()
	keyURL := s.base + "/" + url.PathEscape(kid)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, keyURL, nil)
	if err != nil {
		return nil, refused("key service unavailable", err)
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
		return nil, refused("invalid key", fmt.Errorf("connect: key %q over %d bytes", kid, keyMaxBytes))
	}
	return parseRSAPublicKey(body)
}

// keyStatus classifies the key service's answer: 200 is the only success, 404
// (or another 4xx) is an unknown key id, 5xx means the service is down.
func keyStatus(code int, kid string) error {
	switch {
	case code == http.StatusOK:
		return nil
	case code >= 500:
		return unavailable(fmt.Errorf("connect: key service answered %d for key %q", code, kid))
	default:
		return refused("unknown key id", fmt.Errorf("connect: key service answered %d for key %q", code, kid))
	}
}

// parseRSAPublicKey parses a PEM "PUBLIC KEY" (PKIX) holding an RSA key of
// at least keyMinBits.
func parseRSAPublicKey(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, refused("invalid key", errors.New("connect: key is not a PEM PUBLIC KEY"))
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, refused("invalid key", fmt.Errorf("connect: parse key: %w", err))
	}
	key, ok := parsed.(*rsa.PublicKey)
	if !ok || key.N.BitLen() < keyMinBits {
		return nil, refused("invalid key", errors.New("connect: key is not an RSA key of 2048 bits or more"))
	}
	return key, nil
}

// unavailable is the refusal for a key service that cannot be reached: the
// callback is refused (the host retries an install), never accepted.
func unavailable(err error) *mailwiki.Error {
	e := refused("key service unavailable", err)
	e.Temporary = true
	return e
}
