package tlscert_test

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/tlscert"
)

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// pemPair is a certificate and its key, PEM.
type pemPair struct{ cert, key []byte }

// newPair makes a self-signed pair for host.
func newPair(t *testing.T, host string) pemPair {
	t.Helper()
	certFile, keyFile, err := tlscert.SelfSigned(t.TempDir(), []string{host}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return pemPair{readFile(t, certFile), readFile(t, keyFile)}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// served is the common name of the certificate GetCertificate returns.
func served(t *testing.T, r *tlscert.Reloader) string {
	t.Helper()
	c, err := r.GetCertificate(&tls.ClientHelloInfo{})
	if err != nil || c == nil || c.Leaf == nil {
		t.Fatalf("GetCertificate: %v, %v", c, err)
	}
	return c.Leaf.Subject.CommonName
}

// watched writes p to a cert and a key file and returns a Reloader on them
// with a fake clock, and the log it writes.
func watched(t *testing.T, p pemPair) (r *tlscert.Reloader, certFile, keyFile string, clk *clock, logs *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeFile(t, certFile, p.cert)
	writeFile(t, keyFile, p.key)
	clk = &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	logs = &bytes.Buffer{}
	r, err := tlscert.New(certFile, keyFile, tlscert.Options{Interval: 5 * time.Second, Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, certFile, keyFile, clk, logs
}

// TestReloaderServesAChangedPair: a pair replaced on disk is served from
// the first handshake after the interval, not before.
func TestReloaderServesAChangedPair(t *testing.T) {
	t.Parallel()
	a, b := newPair(t, "a.test"), newPair(t, "b.test")
	r, certFile, keyFile, clk, logs := watched(t, a)
	if got := served(t, r); got != "a.test" {
		t.Fatalf("serves %s, want a.test", got)
	}
	writeFile(t, keyFile, b.key)
	writeFile(t, certFile, b.cert)
	clk.Add(4 * time.Second)
	if got := served(t, r); got != "a.test" {
		t.Fatalf("files read again within the interval: serves %s", got)
	}
	clk.Add(time.Second)
	if got := served(t, r); got != "b.test" {
		t.Fatalf("after the interval serves %s, want b.test; log:\n%s", got, logs)
	}
	if !strings.Contains(logs.String(), "tls certificate reloaded") {
		t.Errorf("reload not logged:\n%s", logs)
	}
}

// TestReloaderKeepsTheLastGoodPair: a half-written certificate, then a new
// certificate beside the old key, are not served; the old pair is, one
// error is logged per broken state, and the completed pair is taken at the
// next check.
func TestReloaderKeepsTheLastGoodPair(t *testing.T) {
	t.Parallel()
	a, b := newPair(t, "a.test"), newPair(t, "b.test")
	r, certFile, keyFile, clk, logs := watched(t, a)

	writeFile(t, certFile, b.cert[:len(b.cert)/2]) // half written
	clk.Add(5 * time.Second)
	if got := served(t, r); got != "a.test" {
		t.Fatalf("half-written certificate: serves %s, want the last good a.test", got)
	}
	clk.Add(5 * time.Second)
	served(t, r) // same broken contents: not logged again
	if n := strings.Count(logs.String(), "reload failed"); n != 1 {
		t.Fatalf("%d failures logged for one broken state, want 1:\n%s", n, logs)
	}

	writeFile(t, certFile, b.cert) // whole, but the key is still a's
	if err := r.Reload(); err == nil || !strings.Contains(err.Error(), "private key does not match") {
		t.Fatalf("mismatched key: Reload = %v", err)
	}
	if got := served(t, r); got != "a.test" {
		t.Fatalf("mismatched key: serves %s", got)
	}

	writeFile(t, keyFile, b.key)
	clk.Add(5 * time.Second)
	if got := served(t, r); got != "b.test" {
		t.Fatalf("completed pair: serves %s, want b.test; log:\n%s", got, logs)
	}
	if strings.Contains(logs.String(), "BEGIN") {
		t.Error("key or certificate material in the log")
	}
}

// TestReloaderAfterClose serves the last pair without reading the files.
func TestReloaderAfterClose(t *testing.T) {
	t.Parallel()
	a, b := newPair(t, "a.test"), newPair(t, "b.test")
	r, certFile, keyFile, clk, _ := watched(t, a)
	r.Close()
	writeFile(t, keyFile, b.key)
	writeFile(t, certFile, b.cert)
	clk.Add(time.Minute)
	if got := served(t, r); got != "a.test" {
		t.Fatalf("after Close serves %s", got)
	}
}

// TestNewRefusesABadPair: New fails, naming the files, when they cannot be
// read or do not match.
func TestNewRefusesABadPair(t *testing.T) {
	t.Parallel()
	a, b := newPair(t, "a.test"), newPair(t, "b.test")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if _, err := tlscert.New(certFile, keyFile, tlscert.Options{}); err == nil || !strings.Contains(err.Error(), "tls.crt") {
		t.Errorf("missing files: %v", err)
	}
	writeFile(t, certFile, a.cert)
	writeFile(t, keyFile, b.key)
	if _, err := tlscert.New(certFile, keyFile, tlscert.Options{}); err == nil || !strings.Contains(err.Error(), "tls.key") {
		t.Errorf("mismatched pair: %v", err)
	}
}
