package spool

import (
	"bufio"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// segmentReader decrypts a spool file segment by segment. It returns a
// segment's plaintext only after the segment authenticated.
type segmentReader struct {
	id    string
	f     *os.File
	r     *bufio.Reader
	hdr   *header
	aead  cipher.AEAD
	ct    []byte // ciphertext scratch, segSize+tagSize
	plain []byte // authenticated plaintext not yet returned
	seg   uint32
	last  bool  // the final segment has been opened
	err   error // sticky
}

func (r *segmentReader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.last {
			r.err = r.expectEOF()
			continue
		}
		r.err = r.next()
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// next reads and opens one segment. A segment is the final one when it is
// shorter than a full segment or when the file ends right after it; if the
// writer disagrees (truncation at a boundary, appended data) the last flag in
// the nonce makes authentication fail.
func (r *segmentReader) next() error {
	n, err := io.ReadFull(r.r, r.ct)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		r.last = true
	case err != nil:
		return fmt.Errorf("spool: read %s: %w", r.id, err)
	default:
		if _, perr := r.r.Peek(1); errors.Is(perr, io.EOF) {
			r.last = true
		} else if perr != nil {
			return fmt.Errorf("spool: read %s: %w", r.id, perr)
		}
	}
	if n < tagSize {
		return fmt.Errorf("spool: %s: segment %d truncated: %w", r.id, r.seg, ErrCorrupt)
	}
	plain, err := r.aead.Open(r.ct[:0], segmentNonce(r.hdr.prefix, r.seg, r.last), r.ct[:n], r.hdr.raw)
	if err != nil {
		return fmt.Errorf("spool: %s: segment %d: %w", r.id, r.seg, ErrCorrupt)
	}
	if r.seg == math.MaxUint32 && !r.last {
		return fmt.Errorf("spool: %s: too many segments: %w", r.id, ErrCorrupt)
	}
	r.seg++
	r.plain = plain
	return nil
}

// expectEOF is called after the final segment: success is io.EOF.
func (r *segmentReader) expectEOF() error {
	if _, err := r.r.Peek(1); !errors.Is(err, io.EOF) {
		return fmt.Errorf("spool: %s: data after the final segment: %w", r.id, ErrCorrupt)
	}
	return io.EOF
}

func (r *segmentReader) Close() error { return r.f.Close() }

// plaintextSize is the plaintext length a well-formed file of this size
// holds: every segment costs its tag. It is only an estimate for sizing a
// buffer (0 when the file cannot be stat'ed); authentication decides what
// the file really holds.
func (r *segmentReader) plaintextSize() int64 {
	fi, err := r.f.Stat()
	if err != nil {
		return 0
	}
	ct := fi.Size() - int64(len(r.hdr.raw))
	seg := int64(r.hdr.segSize + tagSize)
	segments := max((ct+seg-1)/seg, 1)
	return max(ct-segments*tagSize, 0)
}
