// Package storetest is the behaviour suite every mailwiki.DeliveryStore
// implementation must pass. Each implementation's tests call Run with a
// constructor that returns a fresh, empty store.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Run runs the suite against stores made by open.
func Run(t *testing.T, open func(t *testing.T) mailwiki.DeliveryStore) {
	t.Run("DeliveryRoundTrip", func(t *testing.T) { testDeliveryRoundTrip(t, open(t)) })
	t.Run("DeliveryReplace", func(t *testing.T) { testDeliveryReplace(t, open(t)) })
	t.Run("DeliveryMissing", func(t *testing.T) { testDeliveryMissing(t, open(t)) })
	t.Run("ClaimTitle", func(t *testing.T) { testClaimTitle(t, open(t)) })
	t.Run("PurgeDeliveries", func(t *testing.T) { testPurge(t, open(t)) })
}

func testDeliveryRoundTrip(t *testing.T, s mailwiki.DeliveryStore) {
	ctx := context.Background()
	claimed := time.Date(2026, 11, 30, 1, 2, 3, 4000, time.UTC)
	in := mailwiki.Delivery{QueueID: "Q1", Route: "t1/DOCS", TenantID: "t1", State: mailwiki.RouteFailed, Title: "Hello",
		ClaimedAt: claimed, PageID: "42", PageURL: "https://x/wiki/spaces/D/pages/42", Fallback: true,
		ErrorCode: mailwiki.ENOTFOUND, Reason: "the space was not found"}
	mustSave(t, s, in)
	mustSave(t, s, mailwiki.Delivery{QueueID: "Q1", Route: "t1/HR", TenantID: "t1", State: mailwiki.RouteCreated, PageID: "43"})
	mustSave(t, s, mailwiki.Delivery{QueueID: "Q2", Route: "t1/HR", TenantID: "t1", State: mailwiki.RoutePublished, PageID: "44"})
	got := mustList(t, s, "Q1")
	if len(got) != 2 {
		t.Fatalf("Q1 has %d routes, want 2: %+v", len(got), got)
	}
	g := got[0] // ordered by route: t1/DOCS first
	if g.UpdatedAt.IsZero() {
		t.Fatal("UpdatedAt not set")
	}
	g.UpdatedAt = time.Time{}
	if g != in {
		t.Fatalf("got %+v, want %+v", g, in)
	}
	if err := s.DeleteDeliveries(ctx, "Q1"); err != nil {
		t.Fatal(err)
	}
	if n := len(mustList(t, s, "Q1")); n != 0 {
		t.Fatalf("%d routes of Q1 left after delete", n)
	}
	if n := len(mustList(t, s, "Q2")); n != 1 {
		t.Fatal("deleting Q1 removed Q2's delivery")
	}
}

func testDeliveryReplace(t *testing.T, s mailwiki.DeliveryStore) {
	mustSave(t, s, mailwiki.Delivery{QueueID: "Q", Route: "r", TenantID: "t", State: mailwiki.RouteCreating, Title: "T"})
	mustSave(t, s, mailwiki.Delivery{QueueID: "Q", Route: "r", TenantID: "t", State: mailwiki.RouteCreated, Title: "T", PageID: "2", PageURL: "u2"})
	got := mustList(t, s, "Q")
	if len(got) != 1 || got[0].PageID != "2" || got[0].PageURL != "u2" || got[0].State != mailwiki.RouteCreated {
		t.Fatalf("got %+v, want one route, page 2, created", got)
	}
}

func testDeliveryMissing(t *testing.T, s mailwiki.DeliveryStore) {
	if got := mustList(t, s, "nope"); len(got) != 0 {
		t.Fatalf("got %+v for an unknown message", got)
	}
	if err := s.DeleteDeliveries(context.Background(), "nope"); err != nil {
		t.Fatalf("deleting a missing delivery: %v", err)
	}
}

func testClaimTitle(t *testing.T, s mailwiki.DeliveryStore) {
	ctx := context.Background()
	claim := func(route, title, q string, want bool) {
		t.Helper()
		got, err := s.ClaimTitle(ctx, mailwiki.Delivery{QueueID: q, Route: route, TenantID: "t", State: mailwiki.RouteCreating, Title: title})
		if err != nil || got != want {
			t.Fatalf("ClaimTitle(%s, %s, %s) = %v, %v; want %v", route, title, q, got, err, want)
		}
	}
	claim("t/DOCS", "Hello", "A", true)
	claim("t/DOCS", "Hello", "A", true)  // again, by its owner: still ours
	claim("t/DOCS", "Hello", "B", false) // held by A
	claim("t/HR", "Hello", "B", true)    // another route
	if got := mustList(t, s, "A"); len(got) != 1 || got[0].Title != "Hello" || got[0].State != mailwiki.RouteCreating {
		t.Fatalf("A's intent not saved with its claim: %+v", got)
	}
	if got := mustList(t, s, "B"); len(got) != 1 || got[0].Route != "t/HR" {
		t.Fatalf("B's refused claim saved its intent: %+v", got)
	}
	if err := s.DeleteDeliveries(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	claim("t/DOCS", "Hello", "B", true) // A's claims went with its deliveries
}

func testPurge(t *testing.T, s mailwiki.DeliveryStore) {
	ctx := context.Background()
	claim := func(q, title string) bool {
		t.Helper()
		ok, err := s.ClaimTitle(ctx, mailwiki.Delivery{QueueID: q, Route: "r", TenantID: "t", State: mailwiki.RouteCreating, Title: title})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	mustSave(t, s, mailwiki.Delivery{QueueID: "keep", Route: "r", TenantID: "t", State: mailwiki.RouteCreated})
	mustSave(t, s, mailwiki.Delivery{QueueID: "gone", Route: "r", TenantID: "t", State: mailwiki.RouteCreated})
	claim("gone", "Gone's title")
	claim("keep", "Kept title")
	time.Sleep(2 * time.Millisecond)
	since := time.Now()
	time.Sleep(2 * time.Millisecond)
	mustSave(t, s, mailwiki.Delivery{QueueID: "started-after", Route: "r", TenantID: "t", State: mailwiki.RouteCreating})
	keep := map[string]bool{"keep": true}
	// Claims younger than claimsBefore stay, even of a finished message.
	n, err := s.PurgeDeliveries(ctx, keep, since, since.Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PurgeDeliveries = %d, %v; want 1 (gone)", n, err)
	}
	if len(mustList(t, s, "keep")) != 1 || len(mustList(t, s, "gone")) != 0 || len(mustList(t, s, "started-after")) != 1 {
		t.Fatal("kept or deleted the wrong progress")
	}
	if claim("other", "Gone's title") {
		t.Fatal("a finished message's young claim was purged")
	}
	if _, err := s.PurgeDeliveries(ctx, keep, since, since); err != nil {
		t.Fatal(err)
	}
	if claim("other", "Gone's title") {
		t.Fatal("a claim was purged before its retention counted from the message's end")
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := s.PurgeDeliveries(ctx, keep, since, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !claim("other", "Gone's title") {
		t.Fatal("a finished message's old claim survived")
	}
	if claim("other", "Kept title") {
		t.Fatal("a queued message's claim was purged")
	}
}

func mustSave(t *testing.T, s mailwiki.DeliveryStore, d mailwiki.Delivery) {
	t.Helper()
	if err := s.SaveDelivery(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

func mustList(t *testing.T, s mailwiki.DeliveryStore, queueID string) []mailwiki.Delivery {
	t.Helper()
	got, err := s.Deliveries(context.Background(), queueID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
