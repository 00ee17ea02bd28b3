package app_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/confluence"
)

// Privacy promise P14, transport security: Confluence is called over HTTPS
// only (plain HTTP only for an explicit local sandbox); SMTP offers STARTTLS
// and implicit TLS.

// TestPromiseP14_ConfluenceOverHTTPSOnly: both layers refuse an http://
// base URL for a real site: the configuration (tenants[].base_url) and the
// Confluence client (confluence.New, whatever the configuration said).
// Each lets it through only when the sandbox is named explicitly
// (allow_insecure_http, Options.AllowInsecureHTTP), as the demo does.
func TestPromiseP14_ConfluenceOverHTTPSOnly(t *testing.T) {
	t.Parallel()
	load := func(baseURL string, insecure bool) error {
		t.Helper()
		yaml := "data_dir: " + t.TempDir() + "\nsmtp:\n  domain: mx.example.com\ntenants:\n  - id: acme\n    base_url: " + baseURL +
			"\n    email: bot@acme.example\n    api_token: secret\n    addresses: [{address: docs@wiki.example.com, space: DOCS}]\n"
		if insecure {
			yaml += "    allow_insecure_http: true\n"
		}
		path := filepath.Join(t.TempDir(), "mailwiki.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(path, func(k string) string {
			return map[string]string{"MAILWIKI_MASTER_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}[k]
		})
		return err
	}
	if err := load("https://acme.atlassian.net/wiki", false); err != nil {
		t.Fatalf("configuration: an https:// site is refused: %v", err)
	}
	if err := load("http://acme.atlassian.net/wiki", false); err == nil || !strings.Contains(err.Error(), "uses plain HTTP") {
		t.Errorf("configuration: an http:// site is not refused: %v", err)
	}
	if err := load("http://127.0.0.1:8090/wiki", true); err != nil {
		t.Errorf("configuration: the explicit sandbox (allow_insecure_http) is refused: %v", err)
	}

	hc := &http.Client{}
	if _, err := confluence.New("https://acme.atlassian.net/wiki", hc, confluence.Options{}); err != nil {
		t.Fatalf("client: an https:// site is refused: %v", err)
	}
	_, err := confluence.New("http://acme.atlassian.net/wiki", hc, confluence.Options{})
	if mailwiki.ErrorCode(err) != mailwiki.ECONFIG || !strings.Contains(err.Error(), "https://") {
		t.Errorf("client: an http:// site gives %v (code %q), want an ECONFIG error asking for https://", err, mailwiki.ErrorCode(err))
	}
	if _, err := confluence.New("http://127.0.0.1:8090/wiki", hc, confluence.Options{AllowInsecureHTTP: true}); err != nil {
		t.Errorf("client: the explicit sandbox is refused: %v", err)
	}

	// The demo's only tenant is the in-process sandbox, marked as such.
	cfg, err := app.DemoConfig(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, ten := range cfg.Tenants {
		if ten.AllowInsecureHTTP && ten.BaseURL != app.SandboxBaseURL {
			t.Errorf("demo tenant %s allows plain HTTP to %s, not the sandbox", ten.ID, ten.BaseURL)
		}
	}
}

// TestPromiseP14_SMTPOffersSTARTTLSAndImplicitTLS: a running Main offers
// STARTTLS on smtp.listen and TLS from the first byte on
// smtp.implicit_tls_listen, serves the configured certificate on both
// (TLS 1.2 at least) and accepts mail over each.
func TestPromiseP14_SMTPOffersSTARTTLSAndImplicitTLS(t *testing.T) {
	t.Parallel()
	b, certFile, pool := setupTLS(t, nil)
	want := certDER(t, certFile)
	cfg := &tls.Config{ServerName: "mx.test", RootCAs: pool, MinVersion: tls.VersionTLS12}

	c := startTLS(t, b.main.SMTPAddr(), cfg)
	state, _ := c.TLSConnectionState()
	checkServed(t, "STARTTLS", state, want)
	sendOn(t, c, "Subject: over STARTTLS\r\nFrom: alice@example.org\r\nTo: "+app.DemoAddress+"\r\n\r\nupgraded\r\n")
	waitTitle(t, b, "over STARTTLS")

	checkServed(t, "implicit TLS", implicitTLS(t, b.main.SMTPImplicitTLSAddr(), cfg), want)
	sendOverTLS(t, b.main.SMTPImplicitTLSAddr(), cfg,
		"Subject: P14 over implicit TLS\r\nFrom: alice@example.org\r\nTo: "+app.DemoAddress+"\r\n\r\nsealed\r\n")
	waitTitle(t, b, "P14 over implicit TLS")

	old := cfg.Clone()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	if conn, err := tls.Dial("tcp", b.main.SMTPImplicitTLSAddr(), old); err == nil {
		conn.Close()
		t.Error("a TLS 1.1 handshake succeeded; the minimum is TLS 1.2")
	}
}

// TestPromiseP14_RequireTLS: with smtp.require_tls, mail is refused before
// STARTTLS (530, RFC 3207 §4) and accepted after it.
func TestPromiseP14_RequireTLS(t *testing.T) {
	t.Parallel()
	b, _, pool := setupTLS(t, func(c *config.Config) { c.SMTP.RequireTLS = true })
	plain, err := smtp.Dial(b.main.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	var te *textproto.Error
	if err := plain.Mail("alice@example.org"); !errors.As(err, &te) || te.Code != 530 {
		t.Fatalf("MAIL before STARTTLS: %v, want 530", err)
	}
	c := startTLS(t, b.main.SMTPAddr(), &tls.Config{ServerName: "mx.test", RootCAs: pool, MinVersion: tls.VersionTLS12})
	sendOn(t, c, "Subject: required TLS\r\nFrom: alice@example.org\r\nTo: "+app.DemoAddress+"\r\n\r\nafter STARTTLS\r\n")
	waitTitle(t, b, "required TLS")
}

// TestPromiseP14_SwaksOverSTARTTLSWithTheDemoCertificate: a real relaying
// client, swaks, sends over STARTTLS to the demo's configuration (DemoTLS:
// its self-signed certificate), verifying the certificate against it; the
// message is accepted and published.
func TestPromiseP14_SwaksOverSTARTTLSWithTheDemoCertificate(t *testing.T) {
	t.Parallel()
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		if os.Getenv("MAILWIKI_REQUIRE_SHARED") == "1" {
			t.Fatal("swaks is not installed (.ci/run installs it)")
		}
		t.Skip("swaks is not installed; skipping the real client over STARTTLS (.ci/run installs it)")
	}
	var clientTLS *tls.Config
	b := setup(t, func(c *config.Config) {
		var err error
		if clientTLS, err = app.DemoTLS(c, "", time.Now()); err != nil {
			t.Fatal(err)
		}
	})
	host, port, _ := net.SplitHostPort(b.main.SMTPAddr())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, swaks, "--server", host, "--port", port, "--tls", "--tls-verify",
		"--tls-ca-path", b.main.Config.SMTP.TLSCertFile, "--to", app.DemoAddress, "--from", "alice@example.org",
		"--header", "Subject: swaks over STARTTLS", "--body", "relayed over TLS").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks --tls: %v\n%s", err, out)
	}
	for _, want := range []string{"-> STARTTLS", "TLS started", "<~  250"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("swaks output lacks %q:\n%s", want, out)
		}
	}
	waitTitle(t, b, "swaks over STARTTLS")
	otherCA, _, _ := testCert(t)
	out, err = exec.CommandContext(ctx, swaks, "--server", host, "--port", port, "--tls", "--tls-verify",
		"--tls-ca-path", otherCA, "--to", app.DemoAddress, "--from", "alice@example.org", "--quit-after", "MAIL").CombinedOutput()
	if err == nil {
		t.Errorf("swaks --tls-verify trusting another certificate succeeded: it did not check the demo's\n%s", out)
	}

	c := startTLS(t, b.main.SMTPAddr(), clientTLS) // what the demo's sample uses
	state, _ := c.TLSConnectionState()
	checkServed(t, "demo STARTTLS", state, certDER(t, b.main.Config.SMTP.TLSCertFile))
	c.Quit()
}

// TestPromiseP14_ReplacedCertificateServedWithoutRestart: a certificate
// renewed on disk (key and certificate renamed into place, as certificate
// managers do) is served to the next connections, on both listeners,
// without restarting Main.
func TestPromiseP14_ReplacedCertificateServedWithoutRestart(t *testing.T) {
	t.Parallel()
	b, certFile, pool := setupTLS(t, nil)
	oldDER := certDER(t, certFile)
	newCert, newKey, newPool := testCert(t)
	cfg := &tls.Config{ServerName: "mx.test", RootCAs: pool, MinVersion: tls.VersionTLS12}
	checkServed(t, "before the renewal", implicitTLS(t, b.main.SMTPImplicitTLSAddr(), cfg), oldDER)

	replaceFile(t, newKey, b.main.Config.SMTP.TLSKeyFile)
	replaceFile(t, newCert, certFile)
	want := certDER(t, certFile)
	cfg.RootCAs = newPool
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := tls.Dial("tcp", b.main.SMTPImplicitTLSAddr(), cfg)
		if err == nil {
			got := conn.ConnectionState().PeerCertificates[0].Raw
			conn.Close()
			if bytes.Equal(got, want) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the renewed certificate is not served within 20 s (last: %v); logs:\n%s", err, b.logs.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
	c := startTLS(t, b.main.SMTPAddr(), cfg)
	state, _ := c.TLSConnectionState()
	checkServed(t, "STARTTLS after the renewal", state, want)
	sendOn(t, c, "Subject: after the renewal\r\nFrom: alice@example.org\r\nTo: "+app.DemoAddress+"\r\n\r\nrenewed\r\n")
	waitTitle(t, b, "after the renewal")
	if !strings.Contains(b.logs.String(), "tls certificate reloaded") {
		t.Error("the reload is not logged")
	}
}

// certDER is the first certificate in a PEM file.
func certDER(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s holds no PEM block", path)
	}
	return block.Bytes
}

// replaceFile copies src over dst by a rename, so that no reader sees half
// a file.
func replaceFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tmp := dst + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

// checkServed fails unless the handshake in state served the certificate
// want, at TLS 1.2 or later.
func checkServed(t *testing.T, what string, state tls.ConnectionState, want []byte) {
	t.Helper()
	if !state.HandshakeComplete || len(state.PeerCertificates) == 0 {
		t.Fatalf("%s: no TLS handshake", what)
	}
	if !bytes.Equal(state.PeerCertificates[0].Raw, want) {
		t.Errorf("%s: served %s, not the configured certificate", what, state.PeerCertificates[0].Subject)
	}
	if state.Version < tls.VersionTLS12 {
		t.Errorf("%s: TLS version %x", what, state.Version)
	}
}

// implicitTLS handshakes with the implicit-TLS listener at addr.
func implicitTLS(t *testing.T, addr string, cfg *tls.Config) tls.ConnectionState {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		t.Fatalf("implicit TLS %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState()
}
