package spool

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkSpoolCommit20KB measures one durable write of a 20 KB message:
// Create, Write, Commit (two fsyncs and a link).
func BenchmarkSpoolCommit20KB(b *testing.B) {
	dir := b.TempDir() + "/spool"
	kr, err := NewKeyring("k1", map[string][]byte{"k1": make([]byte, KeySize)})
	if err != nil {
		b.Fatal(err)
	}
	s, err := openT(b, dir, kr, Options{})
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 20<<10)
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w, err := s.Create(ctx, fmt.Sprint("m", i))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			b.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
