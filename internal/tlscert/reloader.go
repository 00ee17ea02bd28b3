package tlscert

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// DefaultInterval is how often, at most, a Reloader reads its files.
const DefaultInterval = 5 * time.Second

// Options tune a Reloader. The zero value is valid.
type Options struct {
	// Interval is the least time between two reads of the files;
	// DefaultInterval when zero.
	Interval time.Duration
	// Logger receives one line per reload and per failed reload; nothing is
	// logged when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Reloader serves a certificate and key pair read from two PEM files and
// reloads it when their contents change (see the package documentation).
// Its methods are safe for concurrent use.
type Reloader struct {
	certFile, keyFile string
	opts              Options

	mu      sync.Mutex
	cert    *tls.Certificate // last good pair, never nil
	sum     [sha256.Size]byte
	checked time.Time // last read of the files
	// failed is the hash of the last contents that did not load, and
	// failure why: the same broken files are not parsed and logged again.
	failed  [sha256.Size]byte
	failure error
	closed  bool
}

// New reads certFile (a PEM certificate chain, leaf first) and keyFile (its
// PEM private key) and returns a Reloader serving them. It fails when a file
// cannot be read or the two do not form a pair; the error names both files.
func New(certFile, keyFile string, opts Options) (*Reloader, error) {
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Reloader{certFile: certFile, keyFile: keyFile, opts: opts}
	cert, sum, err := r.load()
	if err != nil {
		return nil, err
	}
	r.cert, r.sum, r.checked = cert, sum, opts.Now()
	return r, nil
}

// GetCertificate is for tls.Config.GetCertificate: it returns the current
// pair, first reloading it if Interval has passed since the files were last
// read. It never fails while a good pair has been loaded once.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed && r.opts.Now().Sub(r.checked) >= r.opts.Interval {
		r.reloadLocked()
	}
	return r.cert, nil
}

// Reload reads the files now, whatever the interval, and returns the
// reason a changed pair was not taken (nil when it was taken or nothing
// changed); the last good pair stays in service either way.
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reloadLocked()
}

// Certificate returns the pair being served, without checking the files.
func (r *Reloader) Certificate() *tls.Certificate {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cert
}

// Close stops the checks: afterwards GetCertificate serves the last good
// pair without reading the files. It always returns nil.
func (r *Reloader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}

// reloadLocked reads the files and takes a changed, valid pair; r.mu is
// held. A pair that fails is logged once per distinct content.
func (r *Reloader) reloadLocked() error {
	r.checked = r.opts.Now()
	certPEM, keyPEM, sum, err := r.read()
	switch {
	case err == nil && sum == r.sum:
		return nil
	case err == nil && sum == r.failed:
		return r.failure
	}
	if err == nil {
		var cert tls.Certificate
		if cert, err = tls.X509KeyPair(certPEM, keyPEM); err == nil {
			r.cert, r.sum = &cert, sum
			r.opts.Logger.Info("tls certificate reloaded", "cert_file", r.certFile,
				"fingerprint", fingerprint(&cert), "not_after", cert.Leaf.NotAfter)
			return nil
		}
		err = fmt.Errorf("tlscert: %s / %s: %w", r.certFile, r.keyFile, err)
		r.failed, r.failure = sum, err
	}
	r.opts.Logger.Error("tls certificate reload failed; still serving the previous certificate",
		"cert_file", r.certFile, "key_file", r.keyFile, "error", err, "retry_in", r.opts.Interval)
	return err
}

// load reads and parses the files.
func (r *Reloader) load() (*tls.Certificate, [sha256.Size]byte, error) {
	certPEM, keyPEM, sum, err := r.read()
	if err != nil {
		return nil, sum, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, sum, fmt.Errorf("tlscert: %s / %s: %w", r.certFile, r.keyFile, err)
	}
	return &cert, sum, nil
}

// read returns both files and a hash of their contents.
func (r *Reloader) read() (certPEM, keyPEM []byte, sum [sha256.Size]byte, err error) {
	certPEM, err1 := os.ReadFile(r.certFile)
	keyPEM, err2 := os.ReadFile(r.keyFile)
	if err := errors.Join(err1, err2); err != nil {
		return nil, nil, sum, fmt.Errorf("tlscert: %w", err)
	}
	h := sha256.New()
	h.Write(certPEM)
	h.Write([]byte{0}) // PEM holds no NUL: the split between the files is unambiguous
	h.Write(keyPEM)
	copy(sum[:], h.Sum(nil))
	return certPEM, keyPEM, sum, nil
}

// fingerprint is the SHA-256 of the leaf certificate, as openssl prints it
// lower-cased and without colons: an id safe to log.
func fingerprint(c *tls.Certificate) string {
	if len(c.Certificate) == 0 {
		return ""
	}
	s := sha256.Sum256(c.Certificate[0])
	return hex.EncodeToString(s[:])
}
