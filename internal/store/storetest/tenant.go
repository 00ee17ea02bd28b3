package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Store is what the tenant suite needs: both ports, on one database, since
// uninstall removes a tenant's delivery records with its registration.
type Store interface {
	mailwiki.TenantStore
	mailwiki.DeliveryStore
}

// RunTenants runs the tenant-store suite against stores made by open.
func RunTenants(t *testing.T, open func(t *testing.T) Store) {
	t.Run("RegistrationRoundTrip", func(t *testing.T) { testRegistrationRoundTrip(t, open(t)) })
	t.Run("AddressOwnedOnce", func(t *testing.T) { testAddressOwnedOnce(t, open(t)) })
	t.Run("SenderHashes", func(t *testing.T) { testSenderHashes(t, open(t)) })
	t.Run("DeleteTenantCascade", func(t *testing.T) { testDeleteTenant(t, open(t)) })
}

func reg(id string) mailwiki.StoredRegistration {
	at := time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)
	return mailwiki.StoredRegistration{
		Tenant: mailwiki.Tenant{ID: id, Mode: mailwiki.ModeConnect, BaseURL: "https://" + id + ".atlassian.net/wiki", Flavor: mailwiki.FlavorCloud},
		AppKey: "mailwiki", SealedSecret: []byte("sealed-" + id), State: mailwiki.StateInstalled, InstalledAt: at, UpdatedAt: at,
	}
}

func h(key string, b byte) mailwiki.KeyedHash {
	return mailwiki.KeyedHash{KeyID: key, Sum: bytes.Repeat([]byte{b}, 32)}
}

func testRegistrationRoundTrip(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.Registration(ctx, "a"); mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("missing registration: %v, want ENOTFOUND", err)
	}
	in := reg("a")
	must(t, s.SaveRegistration(ctx, in))
	in.SealedSecret, in.UpdatedAt = []byte("rotated"), in.UpdatedAt.Add(time.Hour)
	in.CloudID, in.SecretExpiresAt = "cloud-1", in.UpdatedAt.Add(4*time.Hour)
	must(t, s.SaveRegistration(ctx, in))
	got, err := s.Registration(ctx, "a")
	must(t, err)
	if got.ID != "a" || got.BaseURL != in.BaseURL || string(got.SealedSecret) != "rotated" || !got.UpdatedAt.Equal(in.UpdatedAt) ||
		!got.InstalledAt.Equal(in.InstalledAt) || got.Mode != mailwiki.ModeConnect || got.AppKey != "mailwiki" ||
		got.CloudID != "cloud-1" || !got.SecretExpiresAt.Equal(in.SecretExpiresAt) {
		t.Fatalf("got %+v, want %+v", got, in)
	}
	must(t, s.SaveRegistration(ctx, reg("b")))
	all, err := s.Registrations(ctx)
	must(t, err)
	if len(all) != 2 || all[0].ID != "a" || all[1].ID != "b" {
		t.Fatalf("registrations %+v", all)
	}
}

func testAddressOwnedOnce(t *testing.T, s Store) {
	ctx := context.Background()
	must(t, s.SaveRegistration(ctx, reg("a")))
	must(t, s.SaveRegistration(ctx, reg("b")))
	must(t, s.ReplaceHashes(ctx, "a", mailwiki.HashAddress, []mailwiki.KeyedHash{h("k1", 1), h("k1", 2)}))
	err := s.ReplaceHashes(ctx, "b", mailwiki.HashAddress, []mailwiki.KeyedHash{h("k1", 3), h("k1", 2)})
	if mailwiki.ErrorCode(err) != mailwiki.ECONFLICT || mailwiki.ErrorMessage(err) != "#2 is already used by another Confluence site" {
		t.Fatalf("claiming a's address: %v, want ECONFLICT naming #2", err)
	}
	if _, err := s.TenantByHash(ctx, mailwiki.HashAddress, []mailwiki.KeyedHash{h("k1", 3)}); mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("a refused replace kept hash #1: %v", err)
	}
	owner, err := s.TenantByHash(ctx, mailwiki.HashAddress, []mailwiki.KeyedHash{h("k0", 2), h("k1", 2)})
	if err != nil || owner != "a" {
		t.Fatalf("owner %q, %v; want a", owner, err)
	}
	// Replacing drops what is no longer listed: b may now take it.
	must(t, s.ReplaceHashes(ctx, "a", mailwiki.HashAddress, []mailwiki.KeyedHash{h("k1", 1)}))
	must(t, s.ReplaceHashes(ctx, "b", mailwiki.HashAddress, []mailwiki.KeyedHash{h("k1", 2)}))
	ids, err := s.HashKeyIDs(ctx, "b")
	must(t, err)
	if len(ids) != 1 || ids[0] != "k1" {
		t.Fatalf("key ids %v", ids)
	}
}

func testSenderHashes(t *testing.T, s Store) {
	ctx := context.Background()
	must(t, s.SaveRegistration(ctx, reg("a")))
	must(t, s.SaveRegistration(ctx, reg("b")))
	must(t, s.ReplaceHashes(ctx, "a", mailwiki.HashSender, []mailwiki.KeyedHash{h("k1", 7)}))
	must(t, s.ReplaceHashes(ctx, "b", mailwiki.HashSender, []mailwiki.KeyedHash{h("k1", 7)})) // senders may be shared
	for _, c := range []struct {
		tenant string
		sums   []mailwiki.KeyedHash
		want   bool
	}{{"a", []mailwiki.KeyedHash{h("k1", 8), h("k1", 7)}, true}, {"a", []mailwiki.KeyedHash{h("k2", 7)}, false}, {"c", []mailwiki.KeyedHash{h("k1", 7)}, false},
		{"a", nil, true}, {"c", nil, false}} { // no sums: any hash of the kind
		got, err := s.HasHash(ctx, c.tenant, mailwiki.HashSender, c.sums)
		if err != nil || got != c.want {
			t.Errorf("HasHash(%s) = %v, %v; want %v", c.tenant, got, err, c.want)
		}
	}
}

func testDeleteTenant(t *testing.T, s Store) {
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		must(t, s.SaveRegistration(ctx, reg(id)))
		must(t, s.ReplaceHashes(ctx, id, mailwiki.HashAddress, []mailwiki.KeyedHash{h("k1", id[0])}))
		must(t, s.ReplaceHashes(ctx, id, mailwiki.HashSender, []mailwiki.KeyedHash{h("k1", 9)}))
		d := mailwiki.Delivery{QueueID: "Q" + id, Route: id + "/DOCS", TenantID: id, State: mailwiki.RouteCreating, Title: "T"}
		if ok, err := s.ClaimTitle(ctx, d); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
	}
	must(t, s.DeleteTenant(ctx, "a"))
	must(t, s.DeleteTenant(ctx, "a")) // twice is fine
	if _, err := s.Registration(ctx, "a"); mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("registration kept: %v", err)
	}
	if ids, _ := s.HashKeyIDs(ctx, "a"); len(ids) != 0 {
		t.Fatalf("hashes kept: %v", ids)
	}
	if ds := mustList(t, s, "Qa"); len(ds) != 0 {
		t.Fatalf("deliveries kept: %+v", ds)
	}
	// Its title claim is gone: another message may claim the title.
	if ok, err := s.ClaimTitle(ctx, mailwiki.Delivery{QueueID: "Qx", Route: "a/DOCS", TenantID: "a", State: mailwiki.RouteCreating, Title: "T"}); err != nil || !ok {
		t.Fatalf("title claim kept: %v %v", ok, err)
	}
	// b is untouched.
	if _, err := s.Registration(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.HasHash(ctx, "b", mailwiki.HashSender, []mailwiki.KeyedHash{h("k1", 9)}); !ok {
		t.Fatal("b lost its sender hash")
	}
	if ds := mustList(t, s, "Qb"); len(ds) != 1 {
		t.Fatalf("b's delivery: %+v", ds)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
