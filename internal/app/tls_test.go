package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// testCert writes a self-signed certificate for 127.0.0.1 and mx.test and its
// key as PEM files and returns their paths and the certificate's pool.
func testCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.test"},
		DNSNames: []string{"mx.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestImplicitTLSListener: smtp.implicit_tls_listen is opened by the server
// (RFC 8314 submission over TLS from the first byte) and a message sent
// through it, by Go's net/smtp and by Python's smtplib.SMTP_SSL when Python
// is installed, is published to the sandbox.
func TestImplicitTLSListener(t *testing.T) {
	t.Parallel()
	b, certFile, pool := setupTLS(t, nil)
	addr := b.main.SMTPImplicitTLSAddr()
	if addr == "" || addr == b.main.SMTPAddr() {
		t.Fatalf("implicit TLS address %q (plain %q)", addr, b.main.SMTPAddr())
	}
	sendOverTLS(t, addr, &tls.Config{ServerName: "mx.test", RootCAs: pool, MinVersion: tls.VersionTLS12},
		"Subject: over implicit TLS\r\nFrom: alice@example.org\r\nTo: "+app.DemoAddress+"\r\n\r\nsealed from the first byte\r\n")
	waitTitle(t, b, "over implicit TLS")

	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not installed: smtplib.SMTP_SSL not tried")
		return
	}
	sendWithPython(t, py, addr, certFile)
	waitTitle(t, b, "from smtplib over TLS")
}

// setupTLS starts Main as setup does, with a testCert certificate and an
// implicit-TLS listener on 127.0.0.1:0; tweak, when not nil, changes the
// configuration further. It returns the certificate's file and pool.
func setupTLS(t *testing.T, tweak func(*config.Config)) (b *bundle, certFile string, pool *x509.CertPool) {
	t.Helper()
	certFile, keyFile, pool := testCert(t)
	b = setup(t, func(c *config.Config) {
		c.SMTP.TLSCertFile, c.SMTP.TLSKeyFile = certFile, keyFile
		c.SMTP.ImplicitTLSListen = "127.0.0.1:0"
		if tweak != nil {
			tweak(c)
		}
	})
	return b, certFile, pool
}

// sendOverTLS dials addr with TLS and sends msg with net/smtp.
func sendOverTLS(t *testing.T, addr string, cfg *tls.Config, msg string) {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !conn.ConnectionState().HandshakeComplete {
		t.Fatal("no TLS handshake")
	}
	c, err := smtp.NewClient(conn, "mx.test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered inside implicit TLS")
	}
	sendOn(t, c, msg)
}

// startTLS connects to the plain SMTP listener at addr, checks that
// STARTTLS is offered and upgrades with cfg; the client is closed with t.
func startTLS(t *testing.T, addr string, cfg *tls.Config) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	if err := c.StartTLS(cfg); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	return c
}

// sendOn sends msg from alice to the demo address on an open client.
func sendOn(t *testing.T, c *smtp.Client, msg string) {
	t.Helper()
	if err := c.Mail("alice@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(app.DemoAddress); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("end of data: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
}

func sendWithPython(t *testing.T, py, addr, caFile string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	script := `
import smtplib, ssl, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "alice@example.org"
m["To"] = sys.argv[4]
m["Subject"] = "from smtplib over TLS"
m.set_content("hello over TLS")
ctx = ssl.create_default_context(cafile=sys.argv[3])
with smtplib.SMTP_SSL(sys.argv[1], int(sys.argv[2]), context=ctx, timeout=20) as c:
    c.send_message(m)
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c", script, host, port, caFile, app.DemoAddress).CombinedOutput()
	if err != nil {
		t.Fatalf("python smtplib.SMTP_SSL: %v\n%s", err, out)
	}
}

// waitTitle waits until a page with title is in the DEMO space.
func waitTitle(t *testing.T, b *bundle, title string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, p := range b.sandbox.Pages(sandbox.DemoSpaceKey) {
			if p.Title == title {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no page %q within 20 s; logs:\n%s", title, b.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
