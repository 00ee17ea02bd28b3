package connect

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/mailwiki/mailwiki"
)

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestKeyFetchShared: callers asking for the same kid at once share one
// fetch, even one that fails (failures are not cached, so without sharing
// each caller would fetch).
func TestKeyFetchShared(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var hits atomic.Int32
		client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			hits.Add(1)
			<-release
			return &http.Response{StatusCode: http.StatusServiceUnavailable, Body: http.NoBody, Request: r}, nil
		})}
		src := newKeySource("https://keys.example.com", client, time.Now)
		const callers = 20
		errs := make(chan error, callers)
		for range callers {
			go func() {
				_, err := src.Key(t.Context(), testKid)
				errs <- err
			}()
		}
		synctest.Wait() // one caller in the fetch, the others waiting on it
		if n := hits.Load(); n != 1 {
			t.Errorf("%d fetches under way for one kid, want 1", n)
		}
		close(release)
		for range callers {
			if err := <-errs; mailwiki.ErrorCode(err) != mailwiki.EUNAUTHORIZED || !mailwiki.IsTemporary(err) {
				t.Errorf("Key: %v, want a temporary EUNAUTHORIZED", err)
			}
		}
		if n := hits.Load(); n != 1 {
			t.Errorf("%d fetches, want 1", n)
		}
	})
}

// TestKeyFetchOutlivesCaller: a caller that gives up does not fail the
// fetch the others wait on.
func TestKeyFetchOutlivesCaller(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		pemKey := publicPEM(t, hostKey())
		client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			<-release
			if err := r.Context().Err(); err != nil {
				return nil, err
			}
			return &http.Response{StatusCode: http.StatusOK, Body: nopBody(pemKey), Request: r}, nil
		})}
		src := newKeySource("https://keys.example.com", client, time.Now)
		first, cancel := context.WithCancel(t.Context())
		firstErr := make(chan error, 1)
		go func() {
			_, err := src.Key(first, testKid)
			firstErr <- err
		}()
		synctest.Wait()
		second := make(chan error, 1)
		go func() {
			_, err := src.Key(t.Context(), testKid)
			second <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-firstErr; !mailwiki.IsTemporary(err) {
			t.Errorf("the caller that gave up: %v, want a temporary error", err)
		}
		close(release)
		if err := <-second; err != nil {
			t.Errorf("the caller still waiting: %v, want the key", err)
		}
	})
}

func nopBody(b []byte) *readCloser { return &readCloser{strings.NewReader(string(b))} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// TestKeyMissCached: an id the service answered 404 for is not fetched
// again for keyMissTTL; a 5xx is not remembered.
func TestKeyMissCached(t *testing.T) {
	t.Parallel()
	src, ks, clk := newTestKeySource(t, map[string][]byte{})
	ctx := context.Background()
	for range 3 {
		_, err := src.Key(ctx, "no-such-key")
		if mailwiki.ErrorMessage(err) != "unknown key id" || mailwiki.IsTemporary(err) {
			t.Fatalf("Key: %v, want a permanent \"unknown key id\"", err)
		}
	}
	if n := ks.hits.Load(); n != 1 {
		t.Fatalf("%d fetches of an unknown id, want 1", n)
	}
	clk.Add(keyMissTTL)
	_, _ = src.Key(ctx, "no-such-key")
	if n := ks.hits.Load(); n != 2 {
		t.Errorf("%d fetches after keyMissTTL, want 2", n)
	}

	ks.status.Store(http.StatusInternalServerError)
	for range 2 {
		if _, err := src.Key(ctx, "flaky"); !mailwiki.IsTemporary(err) {
			t.Fatalf("Key with the service down: %v, want temporary", err)
		}
	}
	if n := ks.hits.Load(); n != 4 {
		t.Errorf("%d fetches, want 4 (a 5xx is not remembered)", n)
	}
}

func TestKeyMissCacheBounded(t *testing.T) {
	t.Parallel()
	notFound := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusNotFound, Body: http.NoBody, Request: r}, nil
	})}
	clk := &clock{now: testNow}
	src := newKeySource("https://keys.example.com", notFound, clk.Now)
	src.limit = rate.NewLimiter(rate.Inf, 0) // this test is about the bound only
	for i := range keyMissMax + 10 {
		clk.Add(100 * time.Millisecond) // all well within keyMissTTL
		_, _ = src.Key(context.Background(), fmt.Sprintf("m%d", i))
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(src.misses) > keyMissMax {
		t.Errorf("%d remembered unknown ids, want at most %d", len(src.misses), keyMissMax)
	}
	if _, ok := src.misses["m0"]; ok {
		t.Error("the oldest unknown id was not evicted")
	}
}

// TestKeyFetchRateLimited: beyond keyFetchBurst fetches (then one per
// keyFetchEvery) a new kid is refused without a fetch, temporarily; a cached
// kid is never limited.
func TestKeyFetchRateLimited(t *testing.T) {
	t.Parallel()
	src, ks, clk := newTestKeySource(t, map[string][]byte{testKid: publicPEM(t, hostKey())})
	ctx := context.Background()
	if _, err := src.Key(ctx, testKid); err != nil {
		t.Fatal(err)
	}
	var busyCount int
	for i := range 50 {
		_, err := src.Key(ctx, fmt.Sprintf("forged-%d", i))
		if mailwiki.ErrorMessage(err) == "key service busy, try again" {
			busyCount++
			if !mailwiki.IsTemporary(err) || mailwiki.RetryAfter(err) <= 0 {
				t.Errorf("busy: %v, want temporary with a retry delay", err)
			}
		}
	}
	if n := ks.hits.Load(); n != keyFetchBurst {
		t.Errorf("%d fetches, want %d (the burst)", n, keyFetchBurst)
	}
	if want := 50 - (keyFetchBurst - 1); busyCount != want {
		t.Errorf("%d refused as busy, want %d", busyCount, want)
	}
	if _, err := src.Key(ctx, testKid); err != nil {
		t.Errorf("cached key during the flood: %v", err)
	}
	clk.Add(keyFetchEvery)
	_, _ = src.Key(ctx, "after-a-second")
	_, err := src.Key(ctx, "and-another")
	if n := ks.hits.Load(); n != keyFetchBurst+1 || !mailwiki.IsTemporary(err) {
		t.Errorf("%d fetches a second later (last: %v), want %d and busy", n, err, keyFetchBurst+1)
	}
}
