package main_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/tlscert"
)

// TestDemoKeepsItsPagesAcrossRestarts runs `mailwiki demo`, sends a mail,
// stops the demo and starts it again on the same --data-dir: the page is
// still served at the same URL under the same id, the sample message is not
// published a second time, and a new page gets a new id.
func TestDemoKeepsItsPagesAcrossRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	sandboxAddr := freeAddr(t)
	site := "http://" + sandboxAddr + "/wiki"

	first := startDemo(t, data, sandboxAddr)
	sample := waitTitle(t, site, "Hello from mailwiki")
	sendMail(t, first, "Before the restart", "Kept across restarts.")
	kept := waitTitle(t, site, "Before the restart")
	first.stop(t)

	again := startDemo(t, data, sandboxAddr)
	defer again.stop(t)
	if id := waitTitle(t, site, "Before the restart"); id != kept {
		t.Fatalf("the page changed id across the restart: %s → %s", kept, id)
	}
	pageShows(t, site+"/spaces/DEMO/pages/"+kept, "Kept across restarts.")
	sendMail(t, again, "After the restart", "New.")
	fresh := waitTitle(t, site, "After the restart")
	if n, _ := strconv.Atoi(fresh); n <= mustAtoi(t, kept) || n <= mustAtoi(t, sample) {
		t.Fatalf("id %s handed out after the restart; earlier pages %s and %s", fresh, sample, kept)
	}
	time.Sleep(time.Second) // time for a second sample, were it sent, to be published
	titles := spaceTitles(t, site)
	if len(titles) != 3 || !titles["Hello from mailwiki"] {
		t.Fatalf("DEMO after the restart holds %v, want the sample once and the two mails", titles)
	}
}

// demoProc is a running `mailwiki demo`.
type demoProc struct {
	cmd      *exec.Cmd
	smtpAddr string
	dataDir  string // where it keeps its self-signed certificate
}

// startDemo runs the demo on dataDir with the sandbox on sandboxAddr and
// returns once it prints its instructions.
func startDemo(t *testing.T, dataDir, sandboxAddr string) *demoProc {
	t.Helper()
	return runDemo(t, "--data-dir", dataDir, "--sandbox-addr", sandboxAddr)
}

// startDemoAt runs the demo on dataDir against the sandbox at site.
func startDemoAt(t *testing.T, dataDir, site string) *demoProc {
	t.Helper()
	return runDemo(t, "--data-dir", dataDir, "--sandbox-url", site)
}

// runDemo runs `mailwiki demo` with args on free SMTP and HTTP addresses and
// returns once it prints its instructions.
func runDemo(t *testing.T, args ...string) *demoProc {
	t.Helper()
	p := &demoProc{smtpAddr: freeAddr(t)}
	for i, a := range args[:len(args)-1] {
		if a == "--data-dir" {
			p.dataDir = args[i+1]
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	p.cmd = exec.CommandContext(ctx, bin, append([]string{"demo", "--smtp-addr", p.smtpAddr, "--http-addr", freeAddr(t)}, args...)...)
	stderr, _ := p.cmd.StderrPipe()
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	readUntil(t, stderr, "Stop with Ctrl-C.")
	return p
}

// stop sends Ctrl-C and waits for a clean exit.
func (p *demoProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo did not stop cleanly on Ctrl-C: %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("demo did not stop within 40 s of Ctrl-C")
	}
}

// sendMail sends a text mail to the demo address over SMTP, as Go's
// smtp.SendMail does: upgraded by STARTTLS, trusting the demo's
// self-signed certificate.
func sendMail(t *testing.T, p *demoProc, subject, body string) {
	t.Helper()
	msg := "From: you@example.org\r\nTo: docs@demo.mailwiki.test\r\nSubject: " + subject + "\r\n\r\n" + body + "\r\n"
	c, err := smtp.Dial(p.smtpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(demoTLS(t, p.dataDir)); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	if err := sendOn(c, "you@example.org", "docs@demo.mailwiki.test", msg); err != nil {
		t.Fatalf("send %q: %v", subject, err)
	}
}

// demoTLS trusts the self-signed certificate the demo keeps in dataDir.
func demoTLS(t *testing.T, dataDir string) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(filepath.Join(dataDir, tlscert.SelfSignedCertFile))
	if err != nil {
		t.Fatalf("the demo's certificate: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return &tls.Config{RootCAs: roots, ServerName: "demo.mailwiki.test", MinVersion: tls.VersionTLS12}
}

// sendOn sends msg on an open client and quits.
func sendOn(c *smtp.Client, from, to, msg string) error {
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
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// pageShows checks that the page's web view holds text.
func pageShows(t *testing.T, url, text string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), text) {
		t.Fatalf("%s: status %d, want 200 with %q", url, resp.StatusCode, text)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("id %q is not numeric", s)
	}
	return n
}

// TestDemoAgainstARunningSandbox: `demo --sandbox-url` sends the sample
// only to an empty space (a second demo on the same sandbox does not send
// it again), and a URL where nothing answers is refused at start.
func TestDemoAgainstARunningSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	sandboxAddr := freeAddr(t)
	start(t, nil, "sandbox", "--addr", sandboxAddr)
	site := "http://" + sandboxAddr + "/wiki"
	waitHTTP(t, site+"/", 200)
	for i, dir := range []string{"a", "b"} {
		p := startDemoAt(t, filepath.Join(t.TempDir(), dir), site)
		waitTitle(t, site, "Hello from mailwiki")
		time.Sleep(time.Second) // time for a second sample, were it sent, to be published
		p.stop(t)
		if n := len(spaceTitles(t, site)); n != 1 {
			t.Fatalf("after demo %d: DEMO holds %d pages, want the sample once", i+1, n)
		}
	}
	out, err := exec.Command(bin, "demo", "--data-dir", t.TempDir(), "--smtp-addr", freeAddr(t), "--http-addr", freeAddr(t),
		"--sandbox-url", "http://"+freeAddr(t)+"/wiki").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "does not answer") {
		t.Fatalf("demo with a dead --sandbox-url: err %v, output %s", err, out)
	}
}

// TestHostedDemosSurviveARestart: `demo --connect` and `demo --forge`,
// stopped and started again on the same data directory and ports, keep
// their installation (a restarted Forge demo reuses it instead of
// installing again and colliding with its own address) and publish mail.
func TestHostedDemosSurviveARestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	for _, mode := range []string{"--connect", "--forge"} {
		t.Run(strings.TrimPrefix(mode, "--"), func(t *testing.T) {
			t.Parallel()
			data := filepath.Join(t.TempDir(), "data")
			sandboxAddr, httpAddr := freeAddr(t), freeAddr(t)
			site := "http://" + sandboxAddr + "/wiki"
			args := []string{"--data-dir", data, "--sandbox-addr", sandboxAddr, "--http-addr", httpAddr, mode}
			first := runDemo(t, args...)
			waitTitle(t, site, "Hello from mailwiki")
			sendMail(t, first, "Before the restart", "One.")
			waitTitle(t, site, "Before the restart")
			first.stop(t)

			again := runDemo(t, args...)
			defer again.stop(t)
			sendMail(t, again, "After the restart", "Two.")
			waitTitle(t, site, "After the restart")
		})
	}
}
