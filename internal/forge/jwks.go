package forge

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Limits of the key set fetcher.
const (
	jwksFetchTimeout = 10 * time.Second // per fetch, whatever the client's own timeout
	jwksMaxBytes     = 256 << 10        // a set of a few 4096-bit keys is a few KB
	jwksMaxKeys      = 32               // usable keys taken from one set
	// jwksTTL: a set older than this is fetched again before use.
	jwksTTL = time.Hour
	// jwksCooldown: at most one fetch per cool-down, whatever asks for it
	// (an unknown kid, an old set), so that a flood of tokens naming
	// random kids costs the key host one request per cool-down.
	jwksCooldown = 30 * time.Second
	// jwksRetiredGrace: a key that a new set no longer holds is still
	// accepted this long (tokens signed just before a rotation).
	jwksRetiredGrace = 5 * time.Minute
	// jwksMaxStale: when the set cannot be fetched again, the held one is
	// used at most this long after it was fetched.
	jwksMaxStale = 24 * time.Hour
	keyMinBits   = 2048
	keyMaxBits   = 8192
)

// jwksSource holds the keys that sign invocation tokens, fetched from a
// JWKS URL and cached. It is safe for concurrent use.
//
// A kid in the held set (fetched less than jwksTTL ago) is answered from
// memory. An unknown kid, or a set older than jwksTTL, asks for a fetch;
// fetches are shared by concurrent callers (singleflight) and happen at
// most once per jwksCooldown, successful or not: within the cool-down an
// unknown kid is refused at once and an old set is used as it is (up to
// jwksMaxStale). A fetched set replaces the held one; keys it dropped stay
// usable for jwksRetiredGrace. A fetch that fails (network, non-200, over
// jwksMaxBytes, no usable key) changes nothing.
type jwksSource struct {
	url    string
	client *http.Client
	now    func() time.Time
	log    *slog.Logger
	flight singleflight.Group

	mu        sync.Mutex
	keys      map[string]*rsa.PublicKey
	fetched   time.Time // when keys were fetched; zero: never
	attempted time.Time // the last fetch's start; zero: never
	lastErr   error     // the last fetch's failure, nil after a success
	retired   map[string]retiredKey
}

// retiredKey is a key a newer set dropped, and when it did.
type retiredKey struct {
	key *rsa.PublicKey
	at  time.Time
}

func newJWKSSource(url string, client *http.Client, now func() time.Time, log *slog.Logger) *jwksSource {
	return &jwksSource{url: url, client: client, now: now, log: log,
		keys: map[string]*rsa.PublicKey{}, retired: map[string]retiredKey{}}
}

// Key returns the key with id kid. Its errors are bare reasons for the
// verifier to word: errUnknownKid, or a *keySetError when no set could be
// had. A fetch outlives a caller that gives up (ctx done) so that the
// callers sharing it still get its answer.
func (s *jwksSource) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	key, fetch := s.lookup(kid)
	if !fetch {
		if key == nil {
			return nil, errUnknownKid
		}
		return key, nil
	}
	done := s.flight.DoChan("jwks", func() (any, error) {
		return nil, s.refresh(context.WithoutCancel(ctx))
	})
	var err error
	select {
	case res := <-done:
		err = res.Err
	case <-ctx.Done():
		return nil, &keySetError{fmt.Errorf("forge: wait for the key set: %w", ctx.Err())}
	}
	if key := s.held(kid); key != nil {
		return key, nil
	}
	if err != nil {
		return nil, err
	}
	return nil, errUnknownKid
}

// errUnknownKid: the key set has no key of the token's kid.
var errUnknownKid = errors.New("forge: unknown key id")

// keySetError: the key set could not be fetched (and no held key could
// stand in).
type keySetError struct{ err error }

func (e *keySetError) Error() string { return e.err.Error() }
func (e *keySetError) Unwrap() error { return e.err }

// lookup returns the key kid from a fresh set or the retired keys; else
// whether a fetch may be tried (the cool-down is over), and the key from
// an old set, if any, to use otherwise.
func (s *jwksSource) lookup(kid string) (key *rsa.PublicKey, fetch bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	key, ok := s.keys[kid]
	if ok && now.Sub(s.fetched) < jwksTTL {
		return key, false
	}
	if r, ok := s.retired[kid]; ok && now.Sub(r.at) < jwksRetiredGrace {
		return r.key, false
	}
	if s.attempted.IsZero() || now.Sub(s.attempted) >= jwksCooldown {
		return nil, true
	}
	if ok && now.Sub(s.fetched) < jwksMaxStale {
		return key, false
	}
	return nil, false
}

// held returns the key kid from the held set (up to jwksMaxStale old) or
// the retired keys, or nil.
func (s *jwksSource) held(kid string) *rsa.PublicKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if key, ok := s.keys[kid]; ok && now.Sub(s.fetched) < jwksMaxStale {
		return key
	}
	if r, ok := s.retired[kid]; ok && now.Sub(r.at) < jwksRetiredGrace {
		return r.key
	}
	return nil
}

// refresh fetches the set unless a fetch started less than jwksCooldown
// ago (then it returns that fetch's failure, if any), and holds it.
func (s *jwksSource) refresh(ctx context.Context) error {
	s.mu.Lock()
	now := s.now()
	if !s.attempted.IsZero() && now.Sub(s.attempted) < jwksCooldown {
		err := s.lastErr
		s.mu.Unlock()
		return err
	}
	s.attempted = now
	s.mu.Unlock()

	keys, err := s.fetch(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "forge: key set not fetched; the held one stays", "url", s.url, "err", err.Error())
		err = &keySetError{err}
		s.mu.Lock()
		s.lastErr = err
		s.mu.Unlock()
		return err
	}
	s.hold(keys)
	s.log.InfoContext(ctx, "forge: key set fetched", "url", s.url, "keys", len(keys))
	return nil
}

// hold makes keys the held set; keys of the previous set it lacks are
// retired.
func (s *jwksSource) hold(keys map[string]*rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for kid, r := range s.retired {
		if _, back := keys[kid]; back || now.Sub(r.at) >= jwksRetiredGrace {
			delete(s.retired, kid)
		}
	}
	for kid, key := range s.keys {
		if _, kept := keys[kid]; !kept {
			s.retired[kid] = retiredKey{key: key, at: now}
		}
	}
	s.keys, s.fetched, s.lastErr = keys, now, nil
}

// fetch GETs the set with a timeout and parses it.
func (s *jwksSource) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("forge: key set request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("forge: fetch key set: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("forge: key set host answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, jwksMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("forge: read key set: %w", err)
	}
	if len(body) > jwksMaxBytes {
		return nil, fmt.Errorf("forge: key set over %d bytes", jwksMaxBytes)
	}
	return parseJWKS(body)
}

// jwk is one key of a JSON Web Key Set (RFC 7517); only RSA signing keys
// are used.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// parseJWKS returns the usable keys of a set by kid: RSA, for signatures
// (use "sig" or unsaid), RS256 (or unsaid), with a kid, 2048 to 8192 bits.
// Other keys are skipped; a kid seen twice keeps its first key. A set
// without a usable key is an error.
func parseJWKS(body []byte) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("forge: key set is not a JWKS: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if len(keys) == jwksMaxKeys {
			break
		}
		if _, dup := keys[k.Kid]; dup || !k.usable() {
			continue
		}
		if key, err := k.rsaKey(); err == nil {
			keys[k.Kid] = key
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("forge: key set holds no RS256 signing key")
	}
	return keys, nil
}

func (k jwk) usable() bool {
	return k.Kty == "RSA" && k.Kid != "" && len(k.Kid) <= maxKidBytes &&
		(k.Use == "" || k.Use == "sig") && (k.Alg == "" || k.Alg == "RS256")
}

// rsaKey decodes n and e (base64url, big-endian).
func (k jwk) rsaKey() (*rsa.PublicKey, error) {
	n, err := decodeBigInt(k.N)
	if err != nil {
		return nil, err
	}
	e, err := decodeBigInt(k.E)
	if err != nil {
		return nil, err
	}
	if bits := n.BitLen(); bits < keyMinBits || bits > keyMaxBits {
		return nil, fmt.Errorf("forge: key %d bits, not %d to %d", bits, keyMinBits, keyMaxBits)
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return nil, errors.New("forge: key exponent out of range")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

func decodeBigInt(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return nil, errors.New("forge: key component is not base64url")
	}
	return new(big.Int).SetBytes(b), nil
}
