package spool

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
)

func TestSealOpenRoundTripAndRotation(t *testing.T) {
	t.Parallel()
	k1, k2 := bytes.Repeat([]byte{1}, KeySize), bytes.Repeat([]byte{2}, KeySize)
	old, err := NewKeyring("a", map[string][]byte{"a": k1})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.Seal([]byte("shared-secret"), []byte("tenant-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("shared-secret")) {
		t.Fatal("plaintext visible in the sealed value")
	}
	rotated, err := NewKeyring("b", map[string][]byte{"a": k1, "b": k2})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed, []byte("tenant-1")); err != nil || string(got) != "shared-secret" {
		t.Fatalf("after rotation: %q, %v", got, err)
	}
	resealed, _ := rotated.Seal([]byte("x"), nil)
	if _, err := old.Open(resealed, nil); err == nil {
		t.Fatal("opened a value sealed under a key it does not have")
	}
	if _, err := rotated.Open(sealed, []byte("tenant-2")); err == nil {
		t.Fatal("opened with another aad")
	}
	bad := append([]byte(nil), sealed...)
	bad[len(bad)-1] ^= 1
	for _, in := range [][]byte{nil, {1}, {9, 1, 'a'}, bad, sealed[:10]} {
		if _, err := rotated.Open(in, []byte("tenant-1")); err == nil {
			t.Fatalf("opened %x", in)
		}
	}
}

// TestTenantKeyCryptoShreds: a message written under a key the resolver
// knows (a tenant's own key) reads back while the key exists; once the
// key is gone, the message, and any copy of its file, is unreadable.
func TestTenantKeyCryptoShreds(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	tenantKeys := map[string][]byte{"tenant:a": bytes.Repeat([]byte{9}, KeySize)}
	kr, err := NewKeyring("m", map[string][]byte{"m": bytes.Repeat([]byte{1}, KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	kr = kr.WithResolver(func(id string) ([]byte, bool) {
		mu.Lock()
		defer mu.Unlock()
		k, ok := tenantKeys[id]
		return k, ok
	})
	dir := t.TempDir()
	sp, err := Open(dir, kr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	ctx := context.Background()
	if _, err := sp.CreateWithKey(ctx, "Q1", "tenant:unknown"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("a key nobody knows: %v, want ErrUnknownKey", err)
	}
	w, err := sp.CreateWithKey(ctx, "Q1", "tenant:a")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("secret minutes"))
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, err := sp.ReadAll(ctx, "Q1"); err != nil || string(got) != "secret minutes" {
		t.Fatalf("read back %q, %v", got, err)
	}
	mu.Lock()
	delete(tenantKeys, "tenant:a") // the tenant uninstalls: its key goes first
	mu.Unlock()
	if _, err := sp.ReadAll(ctx, "Q1"); err == nil {
		t.Fatal("a message under a deleted tenant key is still readable")
	}
}
