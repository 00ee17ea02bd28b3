package smtpd

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	smtp "github.com/emersion/go-smtp"
)

func TestShutdownLetsDataFinish(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	s := newServer(t, testConfig(), h, nil, nil)

	idle := dial(t, s)
	idle.greet()
	busy := dial(t, s)
	busy.greet()
	busy.startData("s@example.org", "r@wiki.test")
	busy.send("Subject: in flight\r\n\r\nfirst half\r\n")

	down := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		down <- s.Shutdown(ctx)
	}()
	expect(t, "idle session at shutdown", idle.reply(), "421 ")
	if _, err := net.DialTimeout("tcp", s.Addr().String(), time.Second); err == nil {
		// The listener may take a moment to close; a connection accepted
		// now must still not be served.
		t.Log("dial after Shutdown connected; the listener was not closed yet")
	}
	time.Sleep(200 * time.Millisecond) // the in-flight session keeps sending
	busy.send("second half\r\n.\r\n")
	expect(t, "in-flight message", busy.reply(), "250 ")
	if !busy.closed() {
		t.Fatal("session not closed after its message at shutdown")
	}
	if err := <-down; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if ds := h.accepted(); len(ds) != 1 || !strings.Contains(string(ds[0].body), "second half") {
		t.Fatalf("deliveries %+v", ds)
	}
}

func TestShutdownDeadlineClosesStragglers(t *testing.T) {
	t.Parallel()
	s := newServer(t, testConfig(), &fakeHandler{}, nil, nil)
	c := dial(t, s)
	c.greet()
	c.startData("s@example.org", "r@wiki.test") // and never finishes
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	if !c.closed() {
		t.Fatal("straggler not closed when the shutdown deadline passed")
	}
}

func TestPythonSmtplib(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	h := &fakeHandler{unknown: map[string]bool{"nobody@wiki.test": true}}
	s := startServer(t, testConfig(), h)
	_, port, _ := net.SplitHostPort(s.Addr().String())
	script := `
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "alice@example.org"
m["To"] = "docs@wiki.test"
m["Subject"] = "from smtplib"
m.set_content("hello from python\n.leading dot\n")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20) as c:
    c.ehlo("py.test")
    refused = c.send_message(m, to_addrs=["docs@wiki.test", "nobody@wiki.test"])
    print(sorted(refused))
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c", script, port).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "nobody@wiki.test") {
		t.Fatalf("smtplib did not see the refusal: %s", out)
	}
	ds := h.accepted()
	if len(ds) != 1 || ds[0].env.Helo != "py.test" || strings.Join(ds[0].env.To, ",") != "docs@wiki.test" {
		t.Fatalf("deliveries %+v", ds)
	}
	if !strings.Contains(string(ds[0].body), "\r\n.leading dot\r\n") || !strings.Contains(string(ds[0].body), "Subject: from smtplib\r\n") {
		t.Fatalf("body not as sent: %q", ds[0].body)
	}
}

func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.test"},
		DNSNames: []string{"mx.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func sendWith(t *testing.T, c *smtp.Client) {
	t.Helper()
	if err := c.Mail("s@example.org", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("r@wiki.test", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: tls\r\n\r\nover tls\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c.Quit()
}

func TestSTARTTLS(t *testing.T) {
	t.Parallel()
	srvTLS, pool := selfSigned(t)
	cfg := testConfig()
	cfg.TLSConfig = srvTLS
	h := &fakeHandler{}
	s := startServer(t, cfg, h)
	c, err := smtp.DialStartTLS(s.Addr().String(), &tls.Config{ServerName: "mx.test", RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	sendWith(t, c)
	assertTLSDelivery(t, h)
}

func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	srvTLS, pool := selfSigned(t)
	cfg := testConfig()
	cfg.TLSConfig = srvTLS
	cfg.ImplicitTLSAddr = "127.0.0.1:0"
	h := &fakeHandler{}
	s := startServer(t, cfg, h)
	if s.ImplicitTLSAddr() == nil || s.ImplicitTLSAddr().String() == s.Addr().String() {
		t.Fatalf("implicit TLS listener %v, plain %v", s.ImplicitTLSAddr(), s.Addr())
	}
	c, err := smtp.DialTLS(s.ImplicitTLSAddr().String(), &tls.Config{ServerName: "mx.test", RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	sendWith(t, c)
	assertTLSDelivery(t, h)
}

func assertTLSDelivery(t *testing.T, h *fakeHandler) {
	t.Helper()
	eventually(t, "the delivery", func() bool { return len(h.accepted()) == 1 })
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.infos) != 1 || !h.infos[0].TLS {
		t.Fatalf("session infos %+v, want one with TLS", h.infos)
	}
	if string(h.deliveries[0].body) != "Subject: tls\r\n\r\nover tls\r\n" {
		t.Fatalf("body %q", h.deliveries[0].body)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	srvTLS, _ := selfSigned(t)
	cases := []struct {
		name string
		cfg  Config
		want string // "" for valid
	}{
		{"zero is valid", Config{}, ""},
		{"with TLS", Config{TLSConfig: srvTLS, ImplicitTLSAddr: ":465"}, ""},
		{"tiny size", Config{MaxMessageBytes: 10}, "MaxMessageBytes is 10; set it to at least 1024"},
		{"negative recipients", Config{MaxRecipients: -1}, "MaxRecipients is -1"},
		{"short lines", Config{MaxLineLength: 100}, "MaxLineLength is 100; set it to at least 1000"},
		{"negative timeout", Config{DataTimeout: -time.Second}, "DataTimeout is -1s"},
		{"per IP above global", Config{MaxConnections: 10, MaxConnectionsPerIP: 20}, "MaxConnectionsPerIP (20) is above MaxConnections (10)"},
		{"implicit TLS without cert", Config{ImplicitTLSAddr: ":465"}, "configure one or clear ImplicitTLSAddr"},
		{"TLS without cert", Config{TLSConfig: &tls.Config{}}, "without a certificate"},
		{"RequireTLS without cert", Config{RequireTLS: true}, "configure one or clear RequireTLS"},
		{"RequireTLS with cert", Config{TLSConfig: srvTLS, RequireTLS: true}, ""},
		{"limits off", Config{MaxConnectionRatePerIP: Off, MaxMessageRatePerIP: Off, ReservedConnections: Off}, ""},
		{"rate below Off", Config{MaxMessageRatePerIP: -2}, "MaxMessageRatePerIP is -2; set it to a number per minute, or to -1 for no limit"},
		{"reserved all", Config{MaxConnections: 10, MaxConnectionsPerIP: 5, ReservedConnections: 10}, "ReservedConnections is 10; set it below MaxConnections (10)"},
		{"per IP above network", Config{MaxConnectionsPerIP: 30, MaxConnectionsPerNetwork: 20}, "MaxConnectionsPerIP (30) is above MaxConnectionsPerNetwork (20)"},
		{"negative session time", Config{MaxSessionTime: -time.Minute}, "MaxSessionTime is -1m0s"},
		{"negative message time", Config{MaxMessageTime: -time.Minute}, "MaxMessageTime is -1m0s"},
		{"negative junk", Config{MaxJunkCommands: -1}, "MaxJunkCommands is -1; set it to at least 1"},
		{"soft above hard", Config{SoftErrorLimit: 30}, "SoftErrorLimit (30) is above HardErrorLimit (20)"},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.want)
		}
	}
	if d := (Config{}).WithDefaults(); d.MaxMessageBytes != 30<<20 || d.MaxRecipients != 50 || d.Addr != ":25" || d.Domain == "" {
		t.Fatalf("defaults: %+v", d)
	}
	d := (Config{}).WithDefaults()
	if d.MaxConnectionsPerIP != 20 || d.MaxConnectionsPerNetwork != 100 || d.ReservedConnections != 40 ||
		d.MaxConnectionRatePerIP != 60 || d.MaxMessageRatePerIP != 120 || d.MaxSessionTime != 15*time.Minute ||
		d.MaxMessageTime != 15*time.Minute || d.MaxJunkCommands != 100 || d.SoftErrorLimit != 10 ||
		d.HardErrorLimit != 20 || d.ErrorDelay != time.Second {
		t.Fatalf("abuse limit defaults: %+v", d)
	}
	if d := (Config{MaxConnections: 1000, MaxConnectionsPerIP: 20}).WithDefaults(); d.ReservedConnections != 200 {
		t.Fatalf("ReservedConnections defaults to %d for 1000 connections, want 20%%", d.ReservedConnections)
	}
}

func TestNewID(t *testing.T) {
	t.Parallel()
	seen := make(map[string]bool)
	for range 100000 {
		id := NewID()
		if len(id) != 16 || strings.Trim(id, crockford) != "" {
			t.Fatalf("id %q is not 16 Crockford base32 characters", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 50 {
		ids = append(ids, newIDAt(base.Add(time.Duration(i*37)*time.Millisecond)))
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatalf("ids of increasing times do not sort: %q", ids)
	}
}
