package forge

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// verifyWith verifies a good FIT signed with key under kid at the
// bundle's time.
func (b *bundle) verifyWith(kid, key string) error {
	req := httptest.NewRequest(http.MethodPost, TickPath, nil)
	req.Header.Set("Authorization", "Bearer "+sign(b.t, b.claims(), kid, key))
	_, err := b.forge.Verify(req)
	return err
}

// Tokens naming unknown kids cost the key set host at most one request per
// cool-down, however many arrive and however concurrently.
func TestUnknownKidRefreshCooldown(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	if err := b.verifyWith("key-a", "key-a"); err != nil {
		t.Fatal(err)
	}
	if n := b.jwks.hits.Load(); n != 1 {
		t.Fatalf("%d fetches for the first token, want 1", n)
	}
	flood := func() {
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if err := b.verifyWith(fmt.Sprintf("bogus-%d", i), "foreign"); err == nil {
					t.Error("a token with an unknown kid was accepted")
				}
			})
		}
		wg.Wait()
	}
	flood()
	if n := b.jwks.hits.Load(); n != 1 {
		t.Errorf("%d fetches within the cool-down, want 1", n)
	}
	b.clock.Advance(jwksCooldown + time.Second)
	flood()
	if n := b.jwks.hits.Load(); n != 2 {
		t.Errorf("%d fetches after the cool-down, want 2", n)
	}
	if err := b.verifyWith("key-a", "key-a"); err != nil {
		t.Errorf("known kid refused during the flood: %v", err)
	}
}

// Rotation: a new kid is fetched (after the cool-down); the old key stays
// usable while the set holds it and for a grace period after a set drops
// it, then is refused.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	step := func(name, kid string, wantOK bool, wantHits int64) {
		t.Helper()
		err := b.verifyWith(kid, kid)
		if (err == nil) != wantOK {
			t.Errorf("%s: %s: err %v, want ok %t", name, kid, err, wantOK)
		}
		if n := b.jwks.hits.Load(); n != wantHits {
			t.Errorf("%s: %d fetches, want %d", name, n, wantHits)
		}
	}
	step("start", "key-a", true, 1)
	b.jwks.Serve("key-a", "key-b")
	b.clock.Advance(jwksCooldown + time.Second)
	step("new key published", "key-b", true, 2)
	b.jwks.Serve("key-b")
	step("old key, set still fresh", "key-a", true, 2)
	b.clock.Advance(jwksTTL)
	step("old key, set refreshed without it", "key-a", true, 3)
	step("new key", "key-b", true, 3)
	b.clock.Advance(jwksRetiredGrace + time.Second)
	step("old key after the grace period", "key-a", false, 4)
	step("new key still", "key-b", true, 4)
}

// When the key set cannot be fetched again, the held set stays in use
// (up to jwksMaxStale), and a failed fetch also waits for the cool-down.
func TestKeySetOutageKeepsHeldSet(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	if err := b.verifyWith("key-a", "key-a"); err != nil {
		t.Fatal(err)
	}
	b.jwks.Fail(http.StatusServiceUnavailable)
	b.clock.Advance(jwksTTL + time.Second)
	for range 3 {
		if err := b.verifyWith("key-a", "key-a"); err != nil {
			t.Fatalf("held key refused during an outage: %v", err)
		}
	}
	if n := b.jwks.hits.Load(); n != 2 {
		t.Errorf("%d fetches, want 2 (one refresh attempt per cool-down)", n)
	}
	b.clock.Advance(jwksMaxStale)
	if err := b.verifyWith("key-a", "key-a"); err == nil {
		t.Error("a set older than jwksMaxStale was still used")
	}
}

func TestParseJWKSSkipsUnusableKeys(t *testing.T) {
	t.Parallel()
	pub := testKeys()["key-a"].PublicKey
	n := b64(pub.N.Bytes())
	body := `{"keys":[
		{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"},
		{"kty":"RSA","kid":"enc","use":"enc","n":"` + n + `","e":"AQAB"},
		{"kty":"RSA","kid":"ps","alg":"PS256","n":"` + n + `","e":"AQAB"},
		{"kty":"RSA","kid":"small","n":"` + b64(make([]byte, 128)) + `","e":"AQAB"},
		{"kty":"RSA","kid":"","n":"` + n + `","e":"AQAB"},
		{"kty":"RSA","kid":"good","alg":"RS256","use":"sig","n":"` + n + `","e":"AQAB"}]}`
	keys, err := parseJWKS([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys["good"] == nil || keys["good"].N.Cmp(pub.N) != 0 {
		t.Errorf("keys %v, want only good", keys)
	}
	for _, bad := range []string{`{"keys":[]}`, `not json`, `{"keys":[{"kty":"RSA","kid":"x","n":"!!","e":"AQAB"}]}`} {
		if _, err := parseJWKS([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
