// Package storetest is the behaviour suite every store implementation must
// pass. Each implementation's tests call Run with a constructor that returns
// a fresh, empty store.
package storetest

import (
	"context"
	"testing"

	"github.com/mailwiki/mailwiki/internal/store"
)

// Run runs the suite against stores made by open.
func Run(t *testing.T, open func(t *testing.T) store.Deliveries) {
	t.Run("DeliveryRoundTrip", func(t *testing.T) { testDeliveryRoundTrip(t, open(t)) })
	t.Run("DeliveryReplace", func(t *testing.T) { testDeliveryReplace(t, open(t)) })
	t.Run("DeliveryMissing", func(t *testing.T) { testDeliveryMissing(t, open(t)) })
}

func testDeliveryRoundTrip(t *testing.T, s store.Deliveries) {
	ctx := context.Background()
	in := store.Delivery{QueueID: "Q1", Route: "t1/DOCS", TenantID: "t1", PageID: "42", PageURL: "https://x/wiki/spaces/D/pages/42", Fallback: true}
	if err := s.SavePage(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Delivery(ctx, "Q1", "t1/DOCS")
	if err != nil || !ok {
		t.Fatalf("Delivery: ok=%v err=%v", ok, err)
	}
	if got.QueueID != in.QueueID || got.Route != in.Route || got.TenantID != in.TenantID || got.PageID != in.PageID || got.PageURL != in.PageURL || got.Fallback != in.Fallback {
		t.Fatalf("got %+v, want %+v", got, in)
	}
	if got.UpdatedAt.IsZero() {
		t.Fatal("UpdatedAt not set")
	}
	other := store.Delivery{QueueID: "Q1", Route: "t1/HR", TenantID: "t1", PageID: "43", PageURL: "u"}
	if err := s.SavePage(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePage(ctx, store.Delivery{QueueID: "Q2", Route: "t1/HR", TenantID: "t1", PageID: "44", PageURL: "u"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDeliveries(ctx, "Q1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Delivery(ctx, "Q1", "t1/DOCS"); ok {
		t.Fatal("delivery still there after delete")
	}
	if _, ok, _ := s.Delivery(ctx, "Q1", "t1/HR"); ok {
		t.Fatal("second route of Q1 still there after delete")
	}
	if _, ok, _ := s.Delivery(ctx, "Q2", "t1/HR"); !ok {
		t.Fatal("deleting Q1 removed Q2's delivery")
	}
}

func testDeliveryReplace(t *testing.T, s store.Deliveries) {
	ctx := context.Background()
	for _, id := range []string{"1", "2"} {
		if err := s.SavePage(ctx, store.Delivery{QueueID: "Q", Route: "r", TenantID: "t", PageID: id, PageURL: "u" + id}); err != nil {
			t.Fatal(err)
		}
	}
	got, _, _ := s.Delivery(ctx, "Q", "r")
	if got.PageID != "2" || got.PageURL != "u2" {
		t.Fatalf("got %+v, want page 2", got)
	}
}

func testDeliveryMissing(t *testing.T, s store.Deliveries) {
	ctx := context.Background()
	if _, ok, err := s.Delivery(ctx, "nope", "r"); ok || err != nil {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	if err := s.DeleteDeliveries(ctx, "nope"); err != nil {
		t.Fatalf("deleting a missing delivery: %v", err)
	}
}
