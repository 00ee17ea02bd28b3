package spool

import (
	"bytes"
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
