package spool

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// TestPlaintextSizeExact: ReadAll sizes its buffer from the file, so a
// message costs its size once, not io.ReadAll's doubling.
func TestPlaintextSizeExact(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 1, tagSize, segmentSize - 1, segmentSize, segmentSize + 1, 2 * segmentSize, 2*segmentSize + tagSize, 3 << 20}
	for _, size := range sizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			put(t, b.spool, "m1", randomBytes(t, size))
			r, err := b.spool.open(context.Background(), "m1")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := r.plaintextSize(); got != int64(size) {
				t.Fatalf("plaintextSize = %d, want %d", got, size)
			}
		})
	}
}

func TestReadAllSizedWrongEstimate(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("0123456789"), 10000)
	for _, est := range []int64{-1, 0, 1, 99999, 100000, 100001, 1 << 20} {
		got, err := readAllSized(iotest.OneByteReader(bytes.NewReader(body)), est)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("estimate %d: %d bytes, %v", est, len(got), err)
		}
	}
	if _, err := readAllSized(iotest.ErrReader(io.ErrUnexpectedEOF), 10); err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v", err)
	}
}

// TestReadAllAllocatesOnce: reading a large message allocates about its size.
func TestReadAllAllocatesOnce(t *testing.T) {
	b := setup(t)
	const size = 4 << 20
	put(t, b.spool, "m1", randomBytes(t, size))
	ctx := context.Background()
	var got []byte
	allocs := testing.Benchmark(func(tb *testing.B) {
		tb.ReportAllocs()
		for range tb.N {
			got, _ = b.spool.ReadAll(ctx, "m1")
		}
	})
	if len(got) != size {
		t.Fatalf("read %d bytes", len(got))
	}
	if per := allocs.AllocedBytesPerOp(); per > size+size/8 {
		t.Fatalf("ReadAll of %d bytes allocates %d bytes", size, per)
	}
}
