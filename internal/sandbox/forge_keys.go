package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"sync"
)

// forgeKeys are the RSA keys (2048 bits) that sign Forge invocation tokens,
// made at first use, one set per process. The newest signs; the one before
// it stays served so that tokens signed just before a rotation still
// verify, until the next rotation drops it.
type forgeKeys struct {
	mu   sync.Mutex
	keys []forgeKey // oldest first; at most two
}

type forgeKey struct {
	kid string
	key *rsa.PrivateKey
}

func newForgeKey() (forgeKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return forgeKey{}, fmt.Errorf("sandbox: generate a Forge signing key: %w", err)
	}
	return forgeKey{kid: "forge-sandbox-" + randomHex(8), key: key}, nil
}

// current returns the signing key, making the first one if needed.
func (k *forgeKeys) current() (forgeKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.keys) == 0 {
		key, err := newForgeKey()
		if err != nil {
			return forgeKey{}, err
		}
		k.keys = []forgeKey{key}
	}
	return k.keys[len(k.keys)-1], nil
}

// rotate makes a new signing key, keeps the previous one served and drops
// any older one. It returns the kids now served, oldest first.
func (k *forgeKeys) rotate() ([]string, error) {
	if _, err := k.current(); err != nil {
		return nil, err
	}
	key, err := newForgeKey()
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys = append(k.keys[len(k.keys)-1:], key)
	return k.kids(), nil
}

// kids returns the served kids; the caller holds k.mu.
func (k *forgeKeys) kids() []string {
	out := make([]string, len(k.keys))
	for i, key := range k.keys {
		out[i] = key.kid
	}
	return out
}

// jwk is one RSA public key in a JWKS (RFC 7517, RFC 7518 §6.3.1).
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func (k *forgeKeys) jwks() ([]jwk, error) {
	if _, err := k.current(); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]jwk, 0, len(k.keys))
	for _, key := range k.keys {
		pub := key.key.PublicKey
		out = append(out, jwk{Kty: "RSA", Kid: key.kid, Alg: "RS256", Use: "sig",
			N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())})
	}
	return out, nil
}

// forgeJWKS serves GET /sandbox/forge/jwks.json: {"keys":[…]}, the keys
// that verify the site's invocation tokens.
func (s *Sandbox) forgeJWKS(w http.ResponseWriter, _ *http.Request) {
	keys, err := s.fkeys.jwks()
	if err != nil {
		s.writeError(w, v1, err)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// forgeRotateKey serves POST /sandbox/forge/rotate-key (site administrator):
// 200 {"kid": the new signing kid, "kids": the served kids, oldest first}.
func (s *Sandbox) forgeRotateKey(w http.ResponseWriter, r *http.Request) {
	if !s.requireSiteAdmin(w, r) {
		return
	}
	kids, err := s.fkeys.rotate()
	if err != nil {
		s.writeError(w, v1, err)
		return
	}
	s.log.Info("sandbox: Forge signing key rotated", "kid", kids[len(kids)-1])
	writeJSON(w, http.StatusOK, map[string]any{"kid": kids[len(kids)-1], "kids": kids})
}
