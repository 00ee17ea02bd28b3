package spool

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The free pool: creating a file is by far the most expensive step of a
// commit on this project's machines (about 0.6 ms of kernel time for an
// empty file, against 0.01 ms to reopen and truncate one; see bench/), so the
// spool keeps empty files ready in DIR/free. A writer takes one instead of
// creating a file, and Delete truncates a message to zero bytes and moves
// its file back into the pool instead of unlinking it. A background filler
// tops the pool up when bursts drain it. A file in the pool never holds
// data: Delete truncates before it renames, and Open truncates every pooled
// file (a write interrupted by a crash may have left ciphertext in one).

const (
	freeDir     = "free"
	freePrefix  = "f-"
	defaultPool = 256
)

// openPool truncates and registers the files already in DIR/free and
// starts the filler.
func (s *Spool) openPool(size int) error {
	s.pool = make(chan string, max(size, 0))
	s.refill = make(chan struct{}, 1)
	s.stop, s.stopped = make(chan struct{}), make(chan struct{})
	dir := filepath.Join(s.dir, freeDir)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("spool: create free directory: %w", err)
	}
	names, err := readDirNames(dir)
	if err != nil {
		return err
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if !strings.HasPrefix(n, freePrefix) || linkedElsewhere(p) || os.Truncate(p, 0) != nil || !s.putFree(p) {
			os.Remove(p)
		}
	}
	if size <= 0 {
		close(s.stopped)
		return nil
	}
	go s.fill()
	return nil
}

// linkedElsewhere reports whether the file at p has another name: a crash
// between a commit's link and its removal of the pooled name leaves the
// committed message under both, and truncating it would destroy the message.
func linkedElsewhere(p string) bool {
	fi, err := os.Lstat(p)
	if err != nil {
		return true
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || st.Nlink != 1
}

// takeFree returns an empty pooled file opened for writing, or nil when the
// pool is empty (the caller then creates a file).
func (s *Spool) takeFree() (*os.File, string) {
	for {
		select {
		case p := <-s.pool:
			s.wantRefill()
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0o600)
			if err == nil {
				return f, p
			}
			os.Remove(p) // gone or unusable: try the next one
		default:
			s.wantRefill()
			return nil, ""
		}
	}
}

// putFree adds an empty file to the pool; false when the pool is full.
func (s *Spool) putFree(p string) bool {
	select {
	case s.pool <- p:
		return true
	default:
		return false
	}
}

// recycle empties the message file at p and moves it into the pool. It
// returns false when the pool is full, in which case nothing was done.
func (s *Spool) recycle(p string) (bool, error) {
	if len(s.pool) >= cap(s.pool) {
		return false, nil
	}
	if err := os.Truncate(p, 0); err != nil {
		return false, err
	}
	free := s.freeName()
	if err := os.Rename(p, free); err != nil {
		return false, err
	}
	if !s.putFree(free) {
		os.Remove(free)
	}
	return true, nil
}

func (s *Spool) freeName() string {
	b := make([]byte, 8)
	rand.Read(b)
	return filepath.Join(s.dir, freeDir, freePrefix+hex.EncodeToString(b))
}

func (s *Spool) wantRefill() {
	if len(s.pool) < cap(s.pool)/2 {
		select {
		case s.refill <- struct{}{}:
		default:
		}
	}
}

// fill keeps the pool full until Close.
func (s *Spool) fill() {
	defer close(s.stopped)
	for {
		if !s.topUp() {
			return
		}
		select {
		case <-s.stop:
			return
		case <-s.refill:
		case <-time.After(time.Second):
		}
	}
}

// topUp creates empty files until the pool is full; false once Close was called.
func (s *Spool) topUp() bool {
	for len(s.pool) < cap(s.pool) {
		select {
		case <-s.stop:
			return false
		default:
		}
		p := s.freeName()
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			s.log.Warn("spool: cannot create a pooled file", "err", err)
			return true
		}
		f.Close()
		if !s.putFree(p) {
			os.Remove(p)
		}
	}
	return true
}

// Close stops the pool's filler. The spool must not be used afterwards.
func (s *Spool) Close() error {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.stopped
	return nil
}

func readDirNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("spool: open directory: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("spool: list directory: %w", err)
	}
	return names, nil
}
