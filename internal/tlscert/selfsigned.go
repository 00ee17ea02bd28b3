package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Names of the pair SelfSigned keeps in its directory.
const (
	SelfSignedCertFile = "selfsigned-cert.pem"
	SelfSignedKeyFile  = "selfsigned-key.pem"
)

// Validity and renewal of a SelfSigned certificate.
const (
	SelfSignedValidity = 365 * 24 * time.Hour
	SelfSignedRenew    = 30 * 24 * time.Hour // renewed when it expires sooner than this
)

// SelfSigned returns the paths of a self-signed certificate and its key in
// dir (SelfSignedCertFile, SelfSignedKeyFile), creating dir (0700) and the
// pair when needed. An existing pair is reused when it loads, is valid at
// now, expires no sooner than now+SelfSignedRenew and names every host;
// otherwise a new one replaces it: an ECDSA P-256 key (PEM "EC PRIVATE
// KEY", mode 0600) and a certificate (PEM "CERTIFICATE", 0644) valid from
// an hour before now for SelfSignedValidity, whose subjectAltName lists
// hosts (each an IP address or a DNS name; the first is also the subject's
// common name). The certificate is its own issuer, marked as a CA that may
// sign no other (RFC 5280 §4.2.1.9), so that OpenSSL-based clients accept
// it as a trust anchor given as a CA file; it is for TLS servers only
// (extKeyUsage serverAuth). Each file is written to a temporary name and
// renamed, so a reader never sees half a file. hosts must not be empty.
// Errors wrap the failing step's (file system or crypto) error.
func SelfSigned(dir string, hosts []string, now time.Time) (certFile, keyFile string, err error) {
	if len(hosts) == 0 {
		return "", "", errors.New("tlscert: self-signed certificate: no host names")
	}
	certFile, keyFile = filepath.Join(dir, SelfSignedCertFile), filepath.Join(dir, SelfSignedKeyFile)
	if reusable(certFile, keyFile, hosts, now) {
		return certFile, keyFile, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("tlscert: self-signed certificate: %w", err)
	}
	certPEM, keyPEM, err := newSelfSigned(hosts, now)
	if err != nil {
		return "", "", fmt.Errorf("tlscert: self-signed certificate: %w", err)
	}
	// The key first: a reader of the old pair then fails once on a key that
	// does not match, rather than serving a new certificate with an old key.
	if err := writeFile(keyFile, keyPEM, 0o600); err != nil {
		return "", "", err
	}
	if err := writeFile(certFile, certPEM, 0o644); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

// reusable reports whether the pair in the files loads, holds at now and
// for SelfSignedRenew more, and names every host.
func reusable(certFile, keyFile string, hosts []string, now time.Time) bool {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return false
	}
	leaf := pair.Leaf
	if now.Before(leaf.NotBefore) || now.Add(SelfSignedRenew).After(leaf.NotAfter) {
		return false
	}
	for _, h := range hosts {
		if leaf.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// newSelfSigned makes a key and a certificate for hosts, both PEM.
func newSelfSigned(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hosts[0], Organization: []string{"mailwiki self-signed"}},
		NotBefore:             now.Add(-time.Hour), // tolerates a client's clock slightly behind
		NotAfter:              now.Add(SelfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// writeFile writes data to path through a temporary file in the same
// directory, renamed into place.
func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("tlscert: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("tlscert: write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("tlscert: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("tlscert: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("tlscert: %w", err)
	}
	return nil
}
