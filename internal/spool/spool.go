package spool

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

const (
	msgSuffix = ".msg"
	tmpSuffix = ".tmp"
	maxIDLen  = 128
	// shards is the number of sub-directories messages are spread over by
	// a hash of their id, as Postfix hashes its queue directories: creating,
	// linking, removing and fsyncing in one directory serialise on that
	// directory, so one flat directory caps concurrent commits.
	shards = 32
)

// Options configures a Spool. Zero values are valid.
type Options struct {
	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now; the created time of new messages
	// PoolSize is how many empty files are kept ready (see pool.go);
	// 0 means 256, a negative value disables the filler.
	PoolSize int
}

// Spool is a directory of encrypted messages. It is safe for concurrent use;
// concurrent writers of different ids do not interfere.
type Spool struct {
	dir  string
	keys *Keyring
	log  *slog.Logger
	now  func() time.Time

	pool          chan string // empty files in DIR/free
	refill        chan struct{}
	stop, stopped chan struct{}
}

// Entry describes one committed message. Size is the encrypted file's size
// on disk; Created is the time Create was called (Options.Now).
type Entry struct {
	ID      string
	Created time.Time
	Size    int64
}

// Open opens the spool in dir, creating it with mode 0700 (and tightening an
// existing directory to 0700), and removes temporary files left by a crash.
func Open(dir string, keys *Keyring, opts Options) (*Spool, error) {
	if keys == nil {
		return nil, errors.New("spool: a keyring is required")
	}
	s := &Spool{dir: dir, keys: keys, log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: create directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: chmod directory to 0700: %w", err)
	}
	if err := s.makeShards(); err != nil {
		return nil, err
	}
	if err := s.removeLeftovers(); err != nil {
		return nil, err
	}
	size := opts.PoolSize
	if size == 0 {
		size = defaultPool
	}
	if err := s.openPool(size); err != nil {
		return nil, err
	}
	return s, nil
}

// makeShards creates the missing sub-directories and makes their creation durable.
func (s *Spool) makeShards() error {
	created := false
	for i := 0; i < shards; i++ {
		err := os.Mkdir(filepath.Join(s.dir, shardName(i)), 0o700)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("spool: create sub-directory: %w", err)
		}
		created = created || err == nil
	}
	if created {
		return syncDir(s.dir)
	}
	return nil
}

// removeLeftovers deletes temporary files of writes interrupted by a crash.
func (s *Spool) removeLeftovers() error {
	names, err := s.names()
	if err != nil {
		return err
	}
	removed := map[string]bool{}
	for _, name := range names {
		if strings.HasSuffix(name, tmpSuffix) {
			if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("spool: remove leftover %q: %w", name, err)
			}
			removed[filepath.Dir(name)] = true
		}
	}
	if len(removed) > 0 {
		s.log.Info("spool: removed temporary files left by an interrupted write", "directories", len(removed))
	}
	for shard := range removed {
		if err := syncDir(filepath.Join(s.dir, shard)); err != nil {
			return err
		}
	}
	return nil
}

// Create starts writing the message id, its data key wrapped by the primary
// master key. The caller must end the Writer with Commit or Abort. It fails
// with an ECONFLICT *mailwiki.Error if id exists.
func (s *Spool) Create(ctx context.Context, id string) (*Writer, error) {
	return s.CreateWithKey(ctx, id, s.keys.primary)
}

// CreateWithKey is Create with the data key wrapped by the key keyID, a
// master key or one the keyring's resolver knows (see
// Keyring.WithResolver): a tenant's own key, so that deleting that key
// makes the message unreadable at once.
func (s *Spool) CreateWithKey(ctx context.Context, id, keyID string) (*Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidID(id); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(s.path(id)); err == nil {
		return nil, &mailwiki.Error{Code: mailwiki.ECONFLICT, Message: "spool id already used", Err: fmt.Errorf("spool: %s exists", id)}
	}
	created := s.now()
	hdr, dataKey, err := newHeader(s.keys, keyID, id, created)
	if err != nil {
		return nil, err
	}
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	f, tmp, err := s.createTemp(id)
	if err != nil {
		return nil, err
	}
	w := &Writer{s: s, id: id, f: f, tmp: tmp, created: created, hdr: hdr, aead: aead,
		buf: make([]byte, 0, hdr.segSize), out: make([]byte, 0, hdr.segSize+tagSize)}
	if _, err := f.Write(hdr.raw); err != nil {
		w.Abort()
		return nil, fmt.Errorf("spool: write header of %s: %w", id, err)
	}
	return w, nil
}

func (s *Spool) createTemp(id string) (*os.File, string, error) {
	if f, p := s.takeFree(); f != nil {
		return f, p, nil
	}
	rnd := make([]byte, 6)
	if _, err := rand.Read(rnd); err != nil {
		return nil, "", fmt.Errorf("spool: random: %w", err)
	}
	tmp := filepath.Join(filepath.Dir(s.path(id)), id+"."+hex.EncodeToString(rnd)+tmpSuffix)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("spool: create %s: %w", id, err)
	}
	return f, tmp, nil
}

// Reader opens the message id for reading. The returned reader decrypts and
// authenticates as it goes (see the package documentation for what a read
// error means). The caller must Close it.
func (s *Spool) Reader(ctx context.Context, id string) (io.ReadCloser, error) {
	r, err := s.open(ctx, id)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Spool) open(ctx context.Context, id string) (*segmentReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidID(id); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &mailwiki.Error{Code: mailwiki.ENOTFOUND, Message: "spooled message not found", Err: fmt.Errorf("spool: %s: %w", id, err)}
	}
	if err != nil {
		return nil, fmt.Errorf("spool: open %s: %w", id, err)
	}
	r, err := s.newReader(f, id)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func (s *Spool) newReader(f *os.File, id string) (*segmentReader, error) {
	br := bufio.NewReaderSize(f, 64<<10)
	hdr, err := readHeader(br)
	if err != nil {
		return nil, fmt.Errorf("spool: %s: %w", id, err)
	}
	aead, err := hdr.unwrap(s.keys, id)
	if err != nil {
		return nil, fmt.Errorf("spool: %s: %w", id, err)
	}
	return &segmentReader{id: id, f: f, r: br, hdr: hdr, aead: aead, ct: make([]byte, hdr.segSize+tagSize)}, nil
}

// ReadAll returns the whole plaintext of message id, or nothing if any part of
// it fails authentication. Use Reader for large messages. The plaintext is
// read into one slice sized from the file's length, so a message costs its
// size in memory once (io.ReadAll would hold about twice that while
// growing).
func (s *Spool) ReadAll(ctx context.Context, id string) ([]byte, error) {
	r, err := s.open(ctx, id)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readAllSized(r, r.plaintextSize())
}

// readAllSized reads r to its end into a slice of capacity size+1 (the extra
// byte lets the final read see io.EOF without growing); more than size bytes
// still read correctly, growing as append does.
func readAllSized(r io.Reader, size int64) ([]byte, error) {
	b := make([]byte, 0, max(size, 0)+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Delete removes message id and fsyncs the directory. A missing message is
// not an error.
func (s *Spool) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ValidID(id); err != nil {
		return err
	}
	p := s.path(id)
	recycled, err := s.recycle(p)
	if !recycled && err == nil {
		err = os.Remove(p)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("spool: delete %s: %w", id, err)
	}
	return syncDir(filepath.Dir(p))
}

// List returns the committed messages, oldest first. It decrypts nothing.
func (s *Spool) List(ctx context.Context) ([]Entry, error) {
	names, err := s.names()
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		id, ok := strings.CutSuffix(filepath.Base(name), msgSuffix)
		if !ok || ValidID(id) != nil {
			continue
		}
		fi, err := os.Lstat(filepath.Join(s.dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("spool: stat %s: %w", id, err)
		}
		out = append(out, Entry{ID: id, Created: fi.ModTime(), Size: fi.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// names returns the files of every sub-directory as "shard/name".
func (s *Spool) names() ([]string, error) {
	var out []string
	for i := 0; i < shards; i++ {
		names, err := readDirNames(filepath.Join(s.dir, shardName(i)))
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			out = append(out, filepath.Join(shardName(i), n))
		}
	}
	return out, nil
}

// path is where message id lives: DIR/SHARD/ID.msg.
func (s *Spool) path(id string) string {
	return filepath.Join(s.dir, shardName(int(fnv32a(id)%shards)), id+msgSuffix)
}

func shardName(i int) string { return fmt.Sprintf("%02x", i) }

func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// syncDir fsyncs a directory so that creations, renames and removals in it
// survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("spool: open directory for fsync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: fsync directory: %w", err)
	}
	return nil
}

// ValidID reports whether id can name a spooled message: 1 to 128 characters
// from [A-Za-z0-9_-]. Anything else (path separators, dots, NUL) is refused
// with an EINVALID *mailwiki.Error, so an id can never escape the directory.
func ValidID(id string) error {
	if id == "" || len(id) > maxIDLen {
		return mailwiki.Errorf(mailwiki.EINVALID, "spool id must be 1 to %d characters", maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return mailwiki.Errorf(mailwiki.EINVALID, "spool id may contain only letters, digits, '_' and '-'")
		}
	}
	return nil
}
