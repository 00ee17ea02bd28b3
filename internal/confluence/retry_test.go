package confluence

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

func TestRateLimitRetriedHonouringRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f := newFake(t, func(n int, r recorded) reply {
		switch n {
		case 0:
			return reply{status: 429, header: map[string]string{"Retry-After": "3"}}
		case 1:
			return reply{status: 429, header: map[string]string{"Retry-After": "Sat, 01 Mar 2025 12:00:20 GMT"}}
		}
		return reply{body: pageV2JSON}
	})
	// CreatePage is a POST: 429 is retried even so, since nothing was created.
	c, sleeps := newClient(t, f, Options{Now: func() time.Time { return now }})
	p, err := c.CreatePage(t.Context(), PageInput{SpaceID: "98306", Title: "Quarterly report"})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "123456" {
		t.Errorf("page %+v", p)
	}
	if got, want := sleeps.recorded(), []time.Duration{3 * time.Second, 20 * time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("sleeps %v, want %v", got, want)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for _, r := range reqs[1:] {
		if !reflect.DeepEqual(r.Body, reqs[0].Body) {
			t.Errorf("retried body %q differs from %q", r.Body, reqs[0].Body)
		}
	}
}

func TestRetryAfterAboveCapReturnedToCaller(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, recorded) reply {
		return reply{status: 429, header: map[string]string{"Retry-After": "120"}, body: `{"message":"Rate limited"}`}
	})
	c, sleeps := newClient(t, f, Options{MaxRetryAfter: 30 * time.Second})
	_, err := c.GetPage(t.Context(), "1")
	wantCode(t, err, mailwiki.ERATELIMIT, true)
	if got := mailwiki.RetryAfter(err); got != 2*time.Minute {
		t.Errorf("RetryAfter = %v, want 2m", got)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if s := sleeps.recorded(); len(s) != 0 {
		t.Errorf("slept %v", s)
	}
}

func TestRateLimitAttemptsExhausted(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, recorded) reply {
		return reply{status: 429, header: map[string]string{"Retry-After": "5"}}
	})
	c, sleeps := newClient(t, f, Options{MaxAttempts: 3})
	_, err := c.GetPage(t.Context(), "1")
	wantCode(t, err, mailwiki.ERATELIMIT, true)
	if got := mailwiki.RetryAfter(err); got != 5*time.Second {
		t.Errorf("RetryAfter = %v, want 5s", got)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	if n := len(sleeps.recorded()); n != 2 {
		t.Errorf("%d sleeps, want 2", n)
	}
}

func TestServerErrorRetriedOnlyWhenIdempotent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		call      func(ctx context.Context, c *Client) error
		wantCalls int
	}{
		{"GET page", func(ctx context.Context, c *Client) error { _, err := c.GetPage(ctx, "1"); return err }, 4},
		{"GET attachments", func(ctx context.Context, c *Client) error { _, err := c.ListAttachments(ctx, "1"); return err }, 4},
		{"POST page", func(ctx context.Context, c *Client) error {
			_, err := c.CreatePage(ctx, PageInput{SpaceID: "1", Title: "T"})
			return err
		}, 1},
		{"POST attachments", func(ctx context.Context, c *Client) error {
			_, err := c.UploadAttachments(ctx, "1", []File{{Name: "a.txt", Data: []byte("a")}})
			return err
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(503, `{"errors":[{"status":503,"title":"Service Unavailable"}]}`))
			c, sleeps := newClient(t, f, Options{})
			err := tt.call(t.Context(), c)
			wantCode(t, err, mailwiki.EUNAVAILABLE, true)
			if n := len(f.requests()); n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
			waits := sleeps.recorded()
			if len(waits) != tt.wantCalls-1 {
				t.Errorf("%d sleeps, want %d", len(waits), tt.wantCalls-1)
			}
			for i, w := range waits {
				if hi := backoffBase << i; w < hi/2 || w > hi {
					t.Errorf("sleep %d = %v, want within [%v, %v]", i, w, hi/2, hi)
				}
			}
		})
	}
}

func TestServerErrorRecovers(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(n int, r recorded) reply {
		if n < 2 {
			return reply{status: 500}
		}
		return reply{body: pageV2JSON}
	})
	c, _ := newClient(t, f, Options{})
	if _, err := c.GetPage(t.Context(), "123456"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

// dropFirst closes the first n connections without answering, then serves.
func dropFirst(t *testing.T, n int32, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= n {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestNetworkErrorRetriedOnlyWhenIdempotent(t *testing.T) {
	t.Parallel()
	t.Run("GET", func(t *testing.T) {
		t.Parallel()
		srv, hits := dropFirst(t, 1, pageV2JSON)
		c, err := New(srv.URL+"/wiki", srv.Client(), Options{Sleep: (&sleepRecorder{}).Sleep})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetPage(t.Context(), "123456"); err != nil {
			t.Fatal(err)
		}
		if n := hits.Load(); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("POST", func(t *testing.T) {
		t.Parallel()
		srv, hits := dropFirst(t, 1, pageV2JSON)
		c, err := New(srv.URL+"/wiki", srv.Client(), Options{Sleep: (&sleepRecorder{}).Sleep})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreatePage(t.Context(), PageInput{SpaceID: "1", Title: "T"})
		wantCode(t, err, mailwiki.EUNAVAILABLE, true)
		if n := hits.Load(); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

func TestContextCancelStopsRetryWait(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	f := newFake(t, func(int, recorded) reply {
		return reply{status: 429, header: map[string]string{"Retry-After": "25"}}
	})
	var asked atomic.Int64
	// The real timer sleep; the caller gives up once the wait has begun.
	sleep := func(ctx context.Context, d time.Duration) error {
		asked.Store(int64(d))
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		return sleepContext(ctx, d)
	}
	c, _ := newClient(t, f, Options{Sleep: sleep})
	start := time.Now()
	_, err := c.GetPage(ctx, "1")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("call took %v after cancel", elapsed)
	}
	if got := time.Duration(asked.Load()); got != 25*time.Second {
		t.Errorf("asked to sleep %v, want 25s", got)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v is not context.Canceled", err)
	}
	wantCode(t, err, mailwiki.EUNAVAILABLE, true)
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestCanceledContextSendsNothing(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, pageV2JSON))
	c, _ := newClient(t, f, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.GetPage(ctx, "1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v is not context.Canceled", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	for attempt := 1; attempt <= 40; attempt++ {
		hi := backoffMax
		if attempt < 10 {
			hi = min(backoffBase<<(attempt-1), backoffMax)
		}
		for range 50 {
			if d := backoff(attempt); d < hi/2 || d > hi {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, hi/2, hi)
			}
		}
	}
}
