package greylist

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// clock is an injected clock moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// bundle is one test's greylist and clock.
type bundle struct {
	g   *Greylist
	clk *clock
}

func setup(t *testing.T, opts Options) *bundle {
	t.Helper()
	clk := &clock{t: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)}
	opts.Now = clk.Now
	g, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{g: g, clk: clk}
}

// attempt runs MAIL FROM and RCPT TO for one transaction from remote
// (ip:port) on a new connection and returns the RCPT verdict.
func (b *bundle) attempt(t *testing.T, remote, from, rcpt string) mailwiki.Verdict {
	t.Helper()
	s := mailwiki.SessionInfo{ConnInfo: mailwiki.ConnInfo{ConnID: fmt.Sprintf("c-%s-%s-%s", remote, from, rcpt), RemoteAddr: remote}}
	if v := b.g.CheckSender(t.Context(), s, from); v.Rejected() {
		t.Fatalf("MAIL FROM refused: %+v", v)
	}
	return b.g.CheckRecipient(t.Context(), s, rcpt)
}

func wantGreylisted(t *testing.T, v mailwiki.Verdict, message string) {
	t.Helper()
	if v.Code != 451 || v.Enhanced != [3]int{4, 7, 1} || v.Reason != Reason || v.Message != message {
		t.Fatalf("verdict %+v, want 451 4.7.1 %q", v, message)
	}
}

func wantPass(t *testing.T, v mailwiki.Verdict) {
	t.Helper()
	if v.Rejected() {
		t.Fatalf("refused: %+v", v)
	}
}

const (
	client = "192.0.2.10:4711"
	sender = "alice@example.org"
	rcpt   = "inbox@mailwiki.example"
)

func TestFirstAttemptThenRetry(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	wantGreylisted(t, b.attempt(t, client, sender, rcpt), "Greylisted: please retry in 5 minutes")
	b.clk.advance(3*time.Minute + 30*time.Second)
	wantGreylisted(t, b.attempt(t, client, sender, rcpt), "Greylisted: please retry in 2 minutes")
	b.clk.advance(time.Minute)
	wantGreylisted(t, b.attempt(t, client, sender, rcpt), "Greylisted: please retry in 30 seconds")
	b.clk.advance(30 * time.Second)
	wantPass(t, b.attempt(t, client, sender, rcpt))
	if p, c := b.g.Stats(); p != 0 || c != 1 {
		t.Fatalf("stats %d pending, %d confirmed; want 0, 1", p, c)
	}
}

// TestEarlyRetryDoesNotRestartTheDelay: the delay counts from the first
// sighting, not the latest attempt.
func TestEarlyRetryDoesNotRestartTheDelay(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	b.attempt(t, client, sender, rcpt)
	for range 4 {
		b.clk.advance(time.Minute)
		if v := b.attempt(t, client, sender, rcpt); !v.Temporary() {
			t.Fatalf("early retry: %+v", v)
		}
	}
	b.clk.advance(time.Minute)
	wantPass(t, b.attempt(t, client, sender, rcpt))
}

func TestEachPartOfTheTripletCounts(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	b.attempt(t, client, sender, rcpt)
	b.clk.advance(DefaultDelay)
	wantPass(t, b.attempt(t, client, sender, rcpt))
	for _, tt := range []struct{ remote, from, rcpt string }{
		{"198.51.100.1:25", sender, rcpt},
		{client, "bob@example.org", rcpt},
		{client, sender, "other@mailwiki.example"},
		{client, "", rcpt}, // the null sender is greylisted too
	} {
		if v := b.attempt(t, tt.remote, tt.from, tt.rcpt); !v.Temporary() {
			t.Errorf("%v passed unseen", tt)
		}
	}
	wantPass(t, b.attempt(t, client, "ALICE@example.org", "Inbox@Mailwiki.example")) // case does not count
}

func TestConfirmedTripletIsKeptAndRenewed(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	b.attempt(t, client, sender, rcpt)
	b.clk.advance(DefaultDelay)
	wantPass(t, b.attempt(t, client, sender, rcpt))
	for range 3 { // each use renews: 3 × 30 days is beyond one Keep
		b.clk.advance(30 * 24 * time.Hour)
		wantPass(t, b.attempt(t, client, sender, rcpt))
	}
	b.clk.advance(DefaultKeep + time.Second)
	wantGreylisted(t, b.attempt(t, client, sender, rcpt), "Greylisted: please retry in 5 minutes")
}

func TestPendingTripletExpires(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	b.attempt(t, client, sender, rcpt)
	b.clk.advance(DefaultPendingTTL + time.Second)
	wantGreylisted(t, b.attempt(t, client, sender, rcpt), "Greylisted: please retry in 5 minutes")
	b.clk.advance(DefaultDelay)
	wantPass(t, b.attempt(t, client, sender, rcpt))
}

func TestAllowlist(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{Allow: []string{"192.0.2.0/24", "2001:db8::/32", "203.0.113.7"}})
	for _, remote := range []string{client, "[2001:db8:1::5]:25", "203.0.113.7:25", "[::ffff:192.0.2.99]:25"} {
		wantPass(t, b.attempt(t, remote, sender, rcpt))
	}
	if v := b.attempt(t, "203.0.113.8:25", sender, rcpt); !v.Temporary() {
		t.Fatalf("a neighbour of an allowlisted address passed: %+v", v)
	}
	if p, c := b.g.Stats(); p != 1 || c != 0 {
		t.Fatalf("allowlisted clients took memory: %d pending, %d confirmed", p, c)
	}
	if _, err := New(Options{Allow: []string{"192.0.2.0/33"}}); mailwiki.ErrorCode(err) != mailwiki.ECONFIG {
		t.Fatalf("bad CIDR: %v", err)
	}
	if _, err := New(Options{Delay: time.Hour, PendingTTL: time.Minute}); mailwiki.ErrorCode(err) != mailwiki.ECONFIG {
		t.Fatalf("PendingTTL shorter than Delay: %v", err)
	}
}

func TestPassNullSender(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{PassNullSender: true})
	wantPass(t, b.attempt(t, client, "", rcpt))
	if v := b.attempt(t, client, sender, rcpt); !v.Temporary() {
		t.Fatalf("a real sender passed: %+v", v)
	}
}

// TestNetworksAreGrouped: a retry from another address of the same IPv4
// /24 or IPv6 /64 counts; one from the next network does not.
func TestNetworksAreGrouped(t *testing.T) {
	t.Parallel()
	tests := []struct{ first, retry, other string }{
		{"192.0.2.10:25", "192.0.2.200:2525", "192.0.3.10:25"},
		{"[2001:db8:0:1::10]:25", "[2001:db8:0:1:ffff::1]:25", "[2001:db8:0:2::10]:25"},
	}
	for _, tt := range tests {
		b := setup(t, Options{})
		b.attempt(t, tt.first, sender, rcpt)
		b.clk.advance(DefaultDelay)
		if v := b.attempt(t, tt.other, sender, rcpt); !v.Temporary() {
			t.Errorf("%s passed after %s was greylisted", tt.other, tt.first)
		}
		wantPass(t, b.attempt(t, tt.retry, sender, rcpt))
	}
}

// TestMemoryIsBounded: the table never holds more than MaxEntries; the
// oldest pending triplet goes first, confirmed ones stay while any is
// pending.
func TestMemoryIsBounded(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{MaxEntries: 3})
	b.attempt(t, client, sender, "kept@mailwiki.example")
	b.clk.advance(DefaultDelay)
	wantPass(t, b.attempt(t, client, sender, "kept@mailwiki.example"))
	for i := range 10 {
		b.attempt(t, client, sender, fmt.Sprintf("r%d@mailwiki.example", i))
		b.clk.advance(time.Second)
		if p, c := b.g.Stats(); p+c > 3 || c != 1 {
			t.Fatalf("after %d: %d pending, %d confirmed", i, p, c)
		}
	}
	wantPass(t, b.attempt(t, client, sender, "kept@mailwiki.example"))
	// r9 and r8 are the newest pending ones: still there; r0 was evicted.
	b.clk.advance(DefaultDelay)
	wantPass(t, b.attempt(t, client, sender, "r9@mailwiki.example"))
	if v := b.attempt(t, client, sender, "r0@mailwiki.example"); !v.Temporary() {
		t.Fatal("an evicted triplet passed")
	}
}

// TestOnlyConfirmedLeftEvictsTheLeastRecentlyUsed: with no pending entry,
// room is made by dropping the confirmed triplet unused the longest.
func TestOnlyConfirmedLeftEvictsTheLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	tbl := newTable(2)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a, c := tbl.addPending(key{1}, now, now.Add(time.Hour)), tbl.addPending(key{2}, now, now.Add(time.Hour))
	tbl.confirm(a, now.Add(24*time.Hour))
	tbl.confirm(c, now.Add(24*time.Hour))
	tbl.confirm(a, now.Add(25*time.Hour)) // a used again: c is now the least recent
	tbl.addPending(key{3}, now, now.Add(time.Hour))
	if tbl.get(key{2}, now) != nil || tbl.get(key{1}, now) == nil || tbl.get(key{3}, now) == nil {
		t.Fatal("the least recently used confirmed entry was not the one dropped")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{MaxEntries: 50})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				b.attempt(t, fmt.Sprintf("192.0.%d.1:25", w), sender, fmt.Sprintf("r%d@mailwiki.example", i%60))
				if i%50 == 0 {
					b.clk.advance(time.Minute)
				}
			}
		})
	}
	wg.Wait()
	if p, c := b.g.Stats(); p+c > 50 {
		t.Fatalf("%d entries, bound 50", p+c)
	}
}
