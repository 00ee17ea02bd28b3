package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/sandbox"
	"github.com/mailwiki/mailwiki/internal/tlscert"
)

// Demo addresses: mail to DemoAddress becomes a page in the sandbox's DEMO space.
const (
	DemoAddress = "docs@demo.mailwiki.test"
	DemoDomain  = "demo.mailwiki.test"
)

// DemoConfig is the embedded default: everything under dataDir (SQLite, the
// encrypted spool, a master key created on first use), one tenant reaching the
// in-process sandbox with the demo user's API token.
func DemoConfig(dataDir, smtpAddr, httpAddr string) (config.Config, error) {
	cfg := config.Default()
	cfg.DataDir = dataDir
	cfg.SMTP.Listen = smtpAddr
	cfg.SMTP.Domain = DemoDomain
	cfg.HTTP.Listen = httpAddr
	cfg.Queue.PollInterval = 200 * time.Millisecond
	key, err := demoMasterKey(dataDir)
	if err != nil {
		return cfg, err
	}
	cfg.Spool.MasterKeys = map[string]config.Secret{"demo": {Value: key}}
	cfg.Spool.PrimaryKey = "demo"
	cfg.Tenants = []config.Tenant{{
		ID:                "demo",
		BaseURL:           SandboxBaseURL,
		Flavor:            "cloud",
		Email:             sandbox.DemoUser,
		APIToken:          config.Secret{Value: sandbox.DemoToken},
		AllowInsecureHTTP: true,
		Addresses:         []config.Address{{Address: DemoAddress, Space: sandbox.DemoSpaceKey}},
	}}
	return cfg, nil
}

// DemoTLS makes the demo offer TLS: it creates, or reuses, a self-signed
// certificate in cfg.DataDir (tlscert.SelfSigned; names cfg.SMTP.Domain,
// localhost, 127.0.0.1 and ::1; renewed when it expires within 30 days),
// sets it as smtp.tls_cert_file and tls_key_file, so that STARTTLS is
// offered on smtp.listen, and sets smtp.implicit_tls_listen to
// implicitTLSAddr ("" for none). It returns a client configuration that
// trusts that certificate alone and expects cfg.SMTP.Domain (for
// SendSample and tests). DemoConfig stays without TLS because Go's
// smtp.SendMail, used by many tests against it, upgrades to any STARTTLS
// offered and trusts only the system's roots.
func DemoTLS(cfg *config.Config, implicitTLSAddr string, now time.Time) (*tls.Config, error) {
	hosts := []string{cfg.SMTP.Domain, "localhost", "127.0.0.1", "::1"}
	certFile, keyFile, err := tlscert.SelfSigned(cfg.DataDir, hosts, now)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	pem, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	cfg.SMTP.TLSCertFile, cfg.SMTP.TLSKeyFile = certFile, keyFile
	cfg.SMTP.ImplicitTLSListen = implicitTLSAddr
	return &tls.Config{RootCAs: roots, ServerName: cfg.SMTP.Domain, MinVersion: tls.VersionTLS12}, nil
}

// DemoSandboxFile is the in-process sandbox's state file in the demo's data
// directory.
const DemoSandboxFile = "sandbox.db"

// OpenDemoSandbox opens the demo site (SeedDemo) with its content kept in
// DATA_DIR/sandbox.db: a restarted demo serves the same pages at the same
// URLs and never hands out an id twice. The caller serves it as
// Main.Sandbox and closes it after Main.Close; while open, no other process
// can use that file. A nil log discards the sandbox's logs.
func OpenDemoSandbox(dataDir string, log *slog.Logger) (*sandbox.Sandbox, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: data dir: %w", err)
	}
	if log != nil {
		log = log.With("component", "sandbox")
	}
	sb, err := sandbox.New(sandbox.Options{StatePath: filepath.Join(dataDir, DemoSandboxFile), Logger: log})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	sb.SeedDemo()
	return sb, nil
}

// demoMasterKey reads DATA_DIR/master.key, creating it (0600) on first use.
func demoMasterKey(dataDir string) (string, error) { return demoKeyFile(dataDir, "master.key") }

// readOrCreateKey reads a base64 key from path, or creates it (0600) with
// 32 random bytes.
func readOrCreateKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("demo: %w", err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	key := base64.StdEncoding.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("demo: write %s: %w", filepath.Base(path), err)
	}
	return key, nil
}

// SendSample sends the demo's sample message (HTML with an inline image and a
// PDF attachment) to DemoAddress through the SMTP server at addr, as any
// mail client would: after STARTTLS with tlsConfig when it is not nil
// (failing if the server does not offer it), in plain text otherwise.
func SendSample(ctx context.Context, addr string, tlsConfig *tls.Config, now time.Time) error {
	msg, err := SampleMessage(now)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- sendMail(addr, tlsConfig, "newcomer@example.org", DemoAddress, msg) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sendMail sends msg from one address to another through the SMTP server
// at addr, upgrading with STARTTLS first when tlsConfig is not nil.
func sendMail(addr string, tlsConfig *tls.Config, from, to string, msg []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if tlsConfig != nil {
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// SampleMessage builds a multipart/mixed message: a multipart/related HTML
// body showing an inline PNG by cid, and a small PDF attachment.
func SampleMessage(now time.Time) ([]byte, error) {
	var body bytes.Buffer
	mixed := multipart.NewWriter(&body)
	var related bytes.Buffer
	rel := multipart.NewWriter(&related)
	html := `<html><body><h1>Welcome to mailwiki</h1>
<p>This page was <b>sent by email</b> to <a href="mailto:` + DemoAddress + `">` + DemoAddress + `</a>.</p>
<p>The picture below travelled as an inline image:</p><p><img src="cid:logo@mailwiki" alt="logo"></p>
<ul><li>HTML is sanitised and converted to Confluence storage format</li><li>Attachments are uploaded to the page</li></ul>
</body></html>`
	if err := addPart(rel, "text/html; charset=utf-8", "", "", []byte(html)); err != nil {
		return nil, err
	}
	if err := addPart(rel, "image/png", "inline; filename=\"logo.png\"", "<logo@mailwiki>", samplePNG()); err != nil {
		return nil, err
	}
	rel.Close()
	if err := addRaw(mixed, "multipart/related; boundary=\""+rel.Boundary()+"\"", related.Bytes()); err != nil {
		return nil, err
	}
	if err := addPart(mixed, "application/pdf", "attachment; filename=\"mailwiki-sample.pdf\"", "", SamplePDF()); err != nil {
		return nil, err
	}
	mixed.Close()
	var out bytes.Buffer
	fmt.Fprintf(&out, "From: Newcomer <newcomer@example.org>\r\nTo: %s\r\nSubject: Hello from mailwiki\r\nDate: %s\r\nMessage-ID: <sample-%d@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n",
		DemoAddress, now.Format(time.RFC1123Z), now.UnixNano(), mixed.Boundary())
	out.Write(body.Bytes())
	return out.Bytes(), nil
}

func addPart(w *multipart.Writer, ctype, disposition, cid string, data []byte) error {
	h := textproto.MIMEHeader{"Content-Type": {ctype}, "Content-Transfer-Encoding": {"base64"}}
	if disposition != "" {
		h.Set("Content-Disposition", disposition)
	}
	if cid != "" {
		h.Set("Content-ID", cid)
	}
	p, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		fmt.Fprintf(p, "%s\r\n", enc[:76])
		enc = enc[76:]
	}
	_, err = fmt.Fprintf(p, "%s\r\n", enc)
	return err
}

func addRaw(w *multipart.Writer, ctype string, data []byte) error {
	p, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype}})
	if err != nil {
		return err
	}
	_, err = p.Write(data)
	return err
}

// samplePNG draws a small gradient square.
func samplePNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 4), B: 200, A: 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// SamplePDF is a minimal valid one-page PDF.
func SamplePDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"", // content stream, below
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	stream := "BT /F1 18 Tf 40 70 Td (Attached by mailwiki) Tj ET"
	objs[3] = fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream)
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
