package spool

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fileOffsets returns the header length and the on-disk size of a full
// segment of a file written by keyring key id "k1".
func fileOffsets() (hdr, seg int) {
	return fixedHeader + len("k1"), segmentSize + tagSize
}

func TestTamperDetected(t *testing.T) {
	t.Parallel()
	hdr, seg := fileOffsets()
	cases := []struct {
		name   string
		mutate func([]byte) []byte
	}{
		{"flip magic", func(b []byte) []byte { b[0] ^= 1; return b }},
		// A longer key id reads into the random wrap nonce: unless the result
		// is not a key id at all (ErrCorrupt), it is a key this keyring
		// lacks (ErrUnknownKey); either way nothing is decrypted.
		{"flip key id length", func(b []byte) []byte { b[8] ^= 1; return b }},
		{"flip wrapped key", func(b []byte) []byte { b[hdr-40] ^= 1; return b }},
		{"flip created time", func(b []byte) []byte { b[hdr-12] ^= 1; return b }},
		{"flip segment size", func(b []byte) []byte { b[hdr-9] ^= 1; return b }},
		{"flip nonce prefix", func(b []byte) []byte { b[hdr-1] ^= 1; return b }},
		{"flip byte in first segment", func(b []byte) []byte { b[hdr+100] ^= 1; return b }},
		{"flip byte in middle segment", func(b []byte) []byte { b[hdr+seg+5] ^= 0x80; return b }},
		{"flip last byte (final tag)", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{"truncate at segment boundary", func(b []byte) []byte { return b[:hdr+2*seg] }},
		{"truncate inside segment", func(b []byte) []byte { return b[:hdr+seg+1000] }},
		{"truncate to header", func(b []byte) []byte { return b[:hdr] }},
		{"truncate inside header", func(b []byte) []byte { return b[:hdr-3] }},
		{"drop first segment", func(b []byte) []byte { return append(b[:hdr], b[hdr+seg:]...) }},
		{"swap segments 0 and 1", func(b []byte) []byte {
			s0 := append([]byte(nil), b[hdr:hdr+seg]...)
			copy(b[hdr:hdr+seg], b[hdr+seg:hdr+2*seg])
			copy(b[hdr+seg:hdr+2*seg], s0)
			return b
		}},
		{"duplicate a segment", func(b []byte) []byte {
			s1 := append([]byte(nil), b[hdr+seg:hdr+2*seg]...)
			return append(b[:hdr+2*seg:hdr+2*seg], append(s1, b[hdr+2*seg:]...)...)
		}},
		{"append garbage", func(b []byte) []byte { return append(b, 1, 2, 3) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			put(t, b.spool, "m1", randomBytes(t, 3*segmentSize+500))
			mutateFile(t, b, "m1", tc.mutate)
			got, err := b.spool.ReadAll(context.Background(), "m1")
			if tc.name == "flip key id length" && errors.Is(err, ErrUnknownKey) {
				err = ErrCorrupt
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ReadAll = %d bytes, %v; want an error wrapping ErrCorrupt", len(got), err)
			}
			if got != nil {
				t.Fatalf("ReadAll returned %d bytes along with the error", len(got))
			}
		})
	}
}

func TestTruncationAtExactMultiple(t *testing.T) {
	t.Parallel()
	// A message of exactly two segments: dropping the second leaves a file
	// that ends cleanly after a full segment, sealed as non-final.
	hdr, seg := fileOffsets()
	b := setup(t)
	put(t, b.spool, "m1", randomBytes(t, 2*segmentSize))
	mutateFile(t, b, "m1", func(raw []byte) []byte { return raw[:hdr+seg] })
	if _, err := b.spool.ReadAll(context.Background(), "m1"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("ReadAll = %v, want ErrCorrupt", err)
	}
}

func TestStreamingReaderStopsAtCorruption(t *testing.T) {
	t.Parallel()
	hdr, seg := fileOffsets()
	b := setup(t)
	put(t, b.spool, "m1", randomBytes(t, 3*segmentSize))
	mutateFile(t, b, "m1", func(raw []byte) []byte { raw[hdr+2*seg+7] ^= 1; return raw })
	r, err := b.spool.Reader(context.Background(), "m1")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n, err := io.Copy(io.Discard, r)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("copy: %v, want ErrCorrupt", err)
	}
	if n != 2*segmentSize {
		t.Fatalf("released %d bytes before the corrupt segment, want exactly the %d authenticated ones", n, 2*segmentSize)
	}
	if _, err := r.Read(make([]byte, 10)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("read after the error: %v, want the same error again", err)
	}
}

func TestRenamedFileDoesNotDecrypt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	put(t, b.spool, "m1", []byte("for m1 only"))
	if err := os.Rename(b.spool.path("m1"), b.spool.path("m2")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.spool.ReadAll(context.Background(), "m2"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("reading a file under another id: %v, want ErrCorrupt", err)
	}
}

func TestWrongMasterKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	put(t, b.spool, "m1", []byte("secret"))
	other, _ := NewKeyring("k1", map[string][]byte{"k1": testKey(t)}) // same id, other bytes
	s2, err := openT(t, b.dir, other, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.ReadAll(context.Background(), "m1"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("wrong key bytes: %v, want ErrCorrupt", err)
	}
	missing, _ := NewKeyring("k2", map[string][]byte{"k2": testKey(t)})
	s3, _ := openT(t, b.dir, missing, Options{})
	if _, err := s3.ReadAll(context.Background(), "m1"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("key id absent from the ring: %v, want ErrUnknownKey", err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k1, k2 := testKey(t), testKey(t)
	dir := filepath.Join(t.TempDir(), "spool")
	old, _ := NewKeyring("2026-01", map[string][]byte{"2026-01": k1})
	s1, err := openT(t, dir, old, Options{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s1, "before", []byte("written under 2026-01"))

	rotated, err := NewKeyring("2026-06", map[string][]byte{"2026-01": k1, "2026-06": k2})
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := openT(t, dir, rotated, Options{})
	put(t, s2, "after", []byte("written under 2026-06"))
	for id, want := range map[string]string{"before": "written under 2026-01", "after": "written under 2026-06"} {
		if got, err := s2.ReadAll(ctx, id); err != nil || string(got) != want {
			t.Fatalf("%s with the rotated ring: %q, %v", id, got, err)
		}
	}
	raw, _ := os.ReadFile(s2.path("after"))
	if !strings.Contains(string(raw[:fixedHeader+10]), "2026-06") {
		t.Fatal("new message does not name the primary key id in its header")
	}
	// The old ring cannot read what the new primary wrapped.
	if _, err := s1.ReadAll(ctx, "after"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old ring reading a new message: %v, want ErrUnknownKey", err)
	}
}

func TestNewKeyringErrors(t *testing.T) {
	t.Parallel()
	good := make([]byte, KeySize)
	cases := []struct {
		name    string
		primary string
		keys    map[string][]byte
		want    string
	}{
		{"short key", "a", map[string][]byte{"a": make([]byte, 16)}, "is 16 bytes; it must be exactly 32"},
		{"long key", "a", map[string][]byte{"a": good, "b": make([]byte, 33)}, `"b" is 33 bytes`},
		{"missing primary", "c", map[string][]byte{"a": good}, `primary key id "c" is not among`},
		{"empty id", "", map[string][]byte{"": good}, "1 to 255 characters"},
		{"space in id", "a b", map[string][]byte{"a b": good}, "printable ASCII"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewKeyring(tc.primary, tc.keys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewKeyring = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
