package tlscert_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/tlscert"
)

var hosts = []string{"mx.demo.test", "localhost", "127.0.0.1", "::1"}

// TestSelfSigned: the pair is made with the documented shape, verifies for
// every host with itself as the only root, and its key is private.
func TestSelfSigned(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "data")
	certFile, keyFile, err := tlscert.SelfSigned(dir, hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	leaf := pair.Leaf
	if k, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", leaf.PublicKey)
	}
	if !leaf.NotAfter.Equal(now.Add(365 * 24 * time.Hour)) {
		t.Errorf("not after %v, want a year after %v", leaf.NotAfter, now)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, h := range hosts {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: roots, CurrentTime: now}); err != nil {
			t.Errorf("verify for %s: %v", h, err)
		}
	}
	if len(leaf.IPAddresses) != 2 || len(leaf.DNSNames) != 2 {
		t.Errorf("SANs: DNS %v, IP %v", leaf.DNSNames, leaf.IPAddresses)
	}
}

// TestSelfSignedReuseAndRenew: a call finding a pair valid for more than 30
// days, naming the same hosts, reuses it; one expiring within 30 days or
// lacking a host is replaced.
func TestSelfSignedReuseAndRenew(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	certFile, _, err := tlscert.SelfSigned(dir, hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	first := readFile(t, certFile)
	same := func(at time.Time, hs []string) bool {
		t.Helper()
		if _, _, err := tlscert.SelfSigned(dir, hs, at); err != nil {
			t.Fatal(err)
		}
		return bytes.Equal(readFile(t, certFile), first)
	}
	if !same(now.Add(334*24*time.Hour), hosts) { // 31 days left
		t.Fatal("a certificate with 31 days left was replaced")
	}
	if !same(now, hosts[1:]) {
		t.Fatal("a certificate naming more hosts than asked was replaced")
	}
	if same(now, append([]string{"other.test"}, hosts...)) {
		t.Fatal("a certificate lacking a host was reused")
	}
	renewed := readFile(t, certFile)
	later := now.Add(336 * 24 * time.Hour) // 29 days left on the second one
	if _, _, err := tlscert.SelfSigned(dir, hosts, later); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(readFile(t, certFile), renewed) {
		t.Fatal("a certificate expiring within 30 days was reused")
	}
	pair, err := tls.LoadX509KeyPair(certFile, filepath.Join(dir, tlscert.SelfSignedKeyFile))
	if err != nil {
		t.Fatalf("renewed pair: %v", err)
	}
	if !pair.Leaf.NotAfter.Equal(later.Add(365 * 24 * time.Hour)) {
		t.Errorf("renewed until %v", pair.Leaf.NotAfter)
	}
}

// TestSelfSignedNeedsHosts: no host is an error.
func TestSelfSignedNeedsHosts(t *testing.T) {
	t.Parallel()
	if _, _, err := tlscert.SelfSigned(t.TempDir(), nil, time.Now()); err == nil {
		t.Fatal("no error without hosts")
	}
}
