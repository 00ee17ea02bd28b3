package connect

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newTestKeySource(t *testing.T, keys map[string][]byte) (*keySource, *keyServer, *clock) {
	t.Helper()
	ks := newKeyServer(t, keys)
	clk := &clock{now: testNow}
	return newKeySource(ks.srv.URL, ks.srv.Client(), clk.Now), ks, clk
}

func TestKeyCacheTTL(t *testing.T) {
	t.Parallel()
	src, ks, clk := newTestKeySource(t, map[string][]byte{testKid: publicPEM(t, hostKey())})
	ctx := context.Background()
	for range 3 {
		if _, err := src.Key(ctx, testKid); err != nil {
			t.Fatal(err)
		}
	}
	if ks.hits.Load() != 1 {
		t.Fatalf("%d fetches, want 1", ks.hits.Load())
	}
	clk.Add(keyCacheTTL)
	if _, err := src.Key(ctx, testKid); err != nil {
		t.Fatal(err)
	}
	if ks.hits.Load() != 2 {
		t.Errorf("%d fetches after the TTL, want 2", ks.hits.Load())
	}
}

func TestKeyCacheBounded(t *testing.T) {
	t.Parallel()
	keys := map[string][]byte{}
	pemKey := publicPEM(t, hostKey())
	for i := range keyCacheMax + 10 {
		keys[fmt.Sprintf("k%d", i)] = pemKey
	}
	src, _, clk := newTestKeySource(t, keys)
	for i := range keyCacheMax + 10 {
		clk.Add(time.Second)
		if _, err := src.Key(context.Background(), fmt.Sprintf("k%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(src.keys) > keyCacheMax {
		t.Errorf("%d cached keys, want at most %d", len(src.keys), keyCacheMax)
	}
	if _, ok := src.keys["k0"]; ok {
		t.Error("the oldest key was not evicted")
	}
}

func TestKeyRefusals(t *testing.T) {
	t.Parallel()
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	smallKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, _ := x509.MarshalPKIXPublicKey(&smallKey.PublicKey)
	keys := map[string][]byte{
		"ec":      pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}),
		"small":   pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: smallDER}),
		"pkcs1":   pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&hostKey().PublicKey)}),
		"huge":    []byte(strings.Repeat("A", keyMaxBytes+1)),
		"garbage": []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
	}
	src, ks, _ := newTestKeySource(t, keys)
	for _, kid := range []string{"ec", "small", "pkcs1", "huge", "garbage", "missing", "..", ".", "a/b", "a%2Fb", "a?b", "", strings.Repeat("a", 129)} {
		_, err := src.Key(context.Background(), kid)
		if mailwiki.ErrorCode(err) != mailwiki.EUNAUTHORIZED {
			t.Errorf("Key(%q): %v, want EUNAUTHORIZED", kid, err)
		}
	}
	if n := ks.hits.Load(); n != 6 {
		t.Errorf("%d fetches, want 6 (invalid ids are never fetched)", n)
	}
}
