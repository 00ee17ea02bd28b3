package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/check/dnstest"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// bundle is one running mailwiki with its own sandbox, data dir and log.
type bundle struct {
	main    *app.Main
	sandbox *sandbox.Sandbox
	dataDir string
	logs    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// setup starts app.Main on 127.0.0.1:0 ports with an in-process sandbox.
// Logs go to a buffer and to DATA_DIR/mailwiki.log, so that tests looking for
// plaintext under the data directory also search the logs.
func setup(t *testing.T, tweak func(*config.Config)) *bundle {
	t.Helper()
	dir := t.TempDir()
	cfg, err := app.DemoConfig(dir, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Queue.PollInterval = 50 * time.Millisecond
	cfg.Queue.MaxBackoff = time.Second
	// Sender authentication asks a DNS server of the test's own (empty
	// unless the test adds records), never the machine's resolver.
	cfg.Checks.DNS.Nameserver = dnstest.Start(t).Addr()
	if tweak != nil {
		tweak(&cfg)
	}
	logFile, err := os.Create(filepath.Join(dir, "mailwiki.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	buf := &syncBuffer{}
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sb.SeedDemo()
	m := &app.Main{
		Config:        cfg,
		Logger:        slog.New(slog.NewJSONHandler(io.MultiWriter(buf, logFile), &slog.HandlerOptions{Level: slog.LevelDebug})),
		SandboxListen: "127.0.0.1:0",
		Sandbox:       sb,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return &bundle{main: m, sandbox: sb, dataDir: dir, logs: buf}
}

// waitPages waits until the DEMO space holds n pages.
func (b *bundle) waitPages(t *testing.T, n int, within time.Duration) []sandbox.Page {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		pages := b.sandbox.Pages(sandbox.DemoSpaceKey)
		if len(pages) >= n {
			return pages
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d page(s) in DEMO after %s, want %d; logs:\n%s", len(pages), within, n, b.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// part is one MIME leaf of a test message.
type part struct {
	ctype, disposition, cid string
	data                    []byte
}

// relatedMessage builds multipart/mixed{ multipart/related{ html, parts... }, attachments... }.
func relatedMessage(subject, html string, inline []part, attachments []part) []byte {
	var rel bytes.Buffer
	rw := multipart.NewWriter(&rel)
	writePart(rw, part{ctype: "text/html; charset=utf-8", data: []byte(html)})
	for _, p := range inline {
		writePart(rw, p)
	}
	rw.Close()
	var mixed bytes.Buffer
	mw := multipart.NewWriter(&mixed)
	pw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {`multipart/related; boundary="` + rw.Boundary() + `"`}})
	pw.Write(rel.Bytes())
	for _, p := range attachments {
		writePart(mw, p)
	}
	mw.Close()
	head := fmt.Sprintf("From: Alice <alice@example.org>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%d@example.org>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n",
		app.DemoAddress, subject, time.Now().UnixNano(), time.Now().Format(time.RFC1123Z), mw.Boundary())
	return append([]byte(head), mixed.Bytes()...)
}

func writePart(w *multipart.Writer, p part) {
	h := textproto.MIMEHeader{"Content-Type": {p.ctype}, "Content-Transfer-Encoding": {"base64"}}
	if p.disposition != "" {
		h.Set("Content-Disposition", p.disposition)
	}
	if p.cid != "" {
		h.Set("Content-ID", "<"+p.cid+">")
	}
	pw, _ := w.CreatePart(h)
	enc := base64.StdEncoding.EncodeToString(p.data)
	for len(enc) > 76 {
		io.WriteString(pw, enc[:76]+"\r\n")
		enc = enc[76:]
	}
	io.WriteString(pw, enc+"\r\n")
}

func send(t *testing.T, addr string, to string, msg []byte) error {
	t.Helper()
	return smtp.SendMail(addr, nil, "alice@example.org", []string{to}, msg)
}

// download fetches an attachment through the sandbox's REST API, as a client would.
func download(t *testing.T, site, pageID, filename string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", site+"/rest/api/content/"+pageID+"/child/attachment?filename="+filename, nil)
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Results []struct {
			Links struct {
				Download string `json:"download"`
			} `json:"_links"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Results) != 1 {
		t.Fatalf("attachment %s on page %s: %d results, err %v", filename, pageID, len(list.Results), err)
	}
	req, _ = http.NewRequest("GET", strings.TrimSuffix(site, "/wiki")+"/wiki"+strings.TrimPrefix(list.Results[0].Links.Download, "/wiki"), nil)
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	if resp2.StatusCode != 200 {
		t.Fatalf("download %s: %s", filename, resp2.Status)
	}
	b, _ := io.ReadAll(resp2.Body)
	return b
}

func encodeStd(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// waitLog waits until the log holds substr.
func (b *bundle) waitLog(t *testing.T, substr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(b.logs.String(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the log within 20 s:\n%s", substr, b.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
