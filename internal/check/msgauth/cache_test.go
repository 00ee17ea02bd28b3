package msgauth_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/check/dnstest"
	"github.com/mailwiki/mailwiki/internal/check/msgauth"
)

// TestCacheAsksEachNameOnce: with a Cache, messages of one sender ask its
// SPF, DKIM key and DMARC records once, also when they arrive together;
// the answers expire after CacheTTL (a clock moved on asks again).
func TestCacheAsksEachNameOnce(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t)
	s := signer{domain: "example.com", selector: "s1", key: ed25519Key}
	s.publish(t, srv)
	srv.TXT("example.com", "v=spf1 ip4:192.0.2.0/24 -all")
	srv.TXT("_dmarc.example.com", "v=DMARC1; p=reject")
	now := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := &msgauth.Checker{Resolver: srv.Resolver(), Cache: msgauth.NewCache(0, clock)}
	msg := s.sign(t, message("a@example.com"))
	check := func() {
		spf := c.SPF(context.Background(), net.ParseIP("192.0.2.7"), "mx.example.com", "a@example.com")
		res, err := c.Message(context.Background(), spf, strings.NewReader(msg))
		if err != nil || !res.Authenticated {
			t.Errorf("not authenticated: %+v, %v", res, err)
		}
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(check)
	}
	wg.Wait()
	for _, name := range []string{"example.com", "s1._domainkey.example.com", "_dmarc.example.com"} {
		if n := srv.Queries(name); n != 1 {
			t.Errorf("%s asked %d times for 20 messages, want 1", name, n)
		}
	}
	mu.Lock()
	now = now.Add(msgauth.CacheTTL + time.Second)
	mu.Unlock()
	check()
	if n := srv.Queries("_dmarc.example.com"); n != 2 {
		t.Errorf("_dmarc.example.com asked %d times after the TTL, want 2", n)
	}
}

// TestCacheKeepsFailuresBriefly: a lookup that failed (SERVFAIL) is not
// asked again for every message, but again after CacheFailureTTL; the
// result stays temperror meanwhile, never a fail.
func TestCacheKeepsFailuresBriefly(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t)
	srv.ServFail("flaky.example")
	now := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	c := &msgauth.Checker{Resolver: srv.Resolver(), Cache: msgauth.NewCache(0, func() time.Time { return now })}
	ip := net.ParseIP("192.0.2.7")
	for range 5 {
		if r := c.SPF(context.Background(), ip, "mx.flaky.example", "a@flaky.example"); r.Result != msgauth.TempError {
			t.Fatalf("SPF %q, want temperror", r.Result)
		}
	}
	first := srv.Queries("flaky.example")
	if first == 0 || first >= 5 {
		t.Fatalf("the server was asked %d times for 5 messages: want one lookup (Go's resolver may retry it once)", first)
	}
	now = now.Add(msgauth.CacheFailureTTL + time.Second)
	c.SPF(context.Background(), ip, "mx.flaky.example", "a@flaky.example")
	if srv.Queries("flaky.example") == first {
		t.Error("a failure was kept past CacheFailureTTL")
	}
}
