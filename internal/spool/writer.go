package spool

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Writer streams one message into the spool. It holds one plaintext segment
// in memory. It is not safe for concurrent use. Exactly one of Commit or
// Abort ends it; Abort after Commit is a no-op, so `defer w.Abort()` is the
// intended pattern.
type Writer struct {
	s       *Spool
	id      string
	f       *os.File
	tmp     string
	created time.Time
	hdr     *header
	aead    cipher.AEAD
	buf     []byte // pending plaintext, at most hdr.segSize
	out     []byte // sealed segment scratch
	seg     uint32
	size    int64
	err     error // sticky
	done    bool
}

// Write encrypts p into the temporary file. Segments are sealed as they fill;
// the last one is held back until Commit, which seals it with the final flag.
// After any error, every later Write and Commit return that error.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.done {
		return 0, errors.New("spool: write after commit or abort")
	}
	n := 0
	for len(p) > 0 {
		if len(w.buf) == w.hdr.segSize {
			if err := w.seal(false); err != nil {
				return n, err
			}
		}
		k := copy(w.buf[len(w.buf):w.hdr.segSize], p)
		w.buf = w.buf[:len(w.buf)+k]
		p = p[k:]
		n += k
	}
	w.size += int64(n)
	return n, nil
}

// seal encrypts the pending plaintext as segment w.seg and writes it.
func (w *Writer) seal(last bool) error {
	if w.seg == math.MaxUint32 {
		w.err = fmt.Errorf("spool: %s: message too large for the format", w.id)
		return w.err
	}
	w.out = w.aead.Seal(w.out[:0], segmentNonce(w.hdr.prefix, w.seg, last), w.buf, w.hdr.raw)
	if _, err := w.f.Write(w.out); err != nil {
		w.err = fmt.Errorf("spool: write %s: %w", w.id, err)
		return w.err
	}
	w.seg++
	w.buf = w.buf[:0]
	return nil
}

// Size returns the number of plaintext bytes written so far.
func (w *Writer) Size() int64 { return w.size }

// Commit makes the message durable: it seals the final segment, fsyncs the
// file, gives it its final name (failing with an ECONFLICT *mailwiki.Error if
// a message with this id already exists) and fsyncs the directory. When Commit
// returns nil the message survives a crash. On error the temporary file is
// removed and nothing is left behind.
func (w *Writer) Commit() error {
	if w.done {
		return errors.New("spool: commit after commit or abort")
	}
	err := w.commit()
	if err != nil {
		w.Abort()
		return err
	}
	w.done = true
	w.s.log.Debug("spool: committed", "spool_id", w.id, "bytes", w.size, "segments", w.seg)
	return nil
}

func (w *Writer) commit() error {
	if w.err != nil {
		return w.err
	}
	if err := w.seal(true); err != nil {
		return err
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("spool: fsync %s: %w", w.id, err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("spool: close %s: %w", w.id, err)
	}
	w.f = nil
	if err := os.Chtimes(w.tmp, w.created, w.created); err != nil {
		return fmt.Errorf("spool: set time of %s: %w", w.id, err)
	}
	return w.publish()
}

// publish links the temporary file to its final name (link fails if the name
// exists, unlike rename), removes the temporary name and fsyncs the directory.
func (w *Writer) publish() error {
	final := w.s.path(w.id)
	if err := os.Link(w.tmp, final); err != nil {
		if errors.Is(err, os.ErrExist) {
			return &mailwiki.Error{Code: mailwiki.ECONFLICT, Message: "spool id already used", Err: fmt.Errorf("spool: %s: %w", w.id, err)}
		}
		return fmt.Errorf("spool: link %s: %w", w.id, err)
	}
	if err := w.finish(); err != nil {
		os.Remove(final) // the caller is told it failed: leave nothing behind
		return err
	}
	return nil
}

func (w *Writer) finish() error {
	if err := os.Remove(w.tmp); err != nil {
		return fmt.Errorf("spool: remove temporary file of %s: %w", w.id, err)
	}
	w.tmp = ""
	return syncDir(filepath.Dir(w.s.path(w.id)))
}

// Abort discards the message: it closes and removes the temporary file. It is
// a no-op after Commit or a previous Abort, and safe to defer.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	if w.tmp != "" {
		if err := os.Remove(w.tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
			w.s.log.Warn("spool: remove aborted temporary file", "spool_id", w.id, "err", err)
		}
		w.tmp = ""
	}
}
