package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoAsANewcomerRunsIt builds the binary, runs `mailwiki demo` as the
// README says (with free ports), and sends mail with swaks and with Python's
// smtplib exactly as the printed instructions do; each becomes a page in
// space DEMO, readable through the sandbox's API and at its web page.
func TestDemoAsANewcomerRunsIt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	dir := t.TempDir()
	smtpAddr, httpAddr, sandboxAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "demo", "--data-dir", filepath.Join(dir, "data"),
		"--smtp-addr", smtpAddr, "--http-addr", httpAddr, "--sandbox-addr", sandboxAddr)
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	instructions := readUntil(t, stderr, "Stop with Ctrl-C.")
	site := "http://" + sandboxAddr + "/wiki"
	// The sample message is sent at start.
	waitTitle(t, site, "Hello from mailwiki")

	if swaks := swaksLine(instructions); swaks == "" {
		t.Errorf("no swaks command in the instructions:\n%s", instructions)
	} else if _, err := exec.LookPath("swaks"); err != nil {
		t.Log("swaks not installed; skipping that send")
	} else if out, err := exec.Command("sh", "-c", swaks).CombinedOutput(); err != nil {
		t.Errorf("swaks: %v\n%s", err, out)
	} else {
		waitTitle(t, site, "My first page")
	}
	demoOffersTLS(t, instructions, site)
	if py := pythonLine(instructions); py == "" {
		t.Errorf("no python command in the instructions")
	} else if out, err := exec.Command("sh", "-c", py).CombinedOutput(); err != nil {
		t.Errorf("python: %v\n%s", err, out)
	} else {
		id := waitTitle(t, site, "Hello from Python")
		resp, err := http.Get(site + "/spaces/DEMO/pages/" + id)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("page view: %v %v", err, resp)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "It works.") {
			t.Errorf("rendered page lacks the mail's text")
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo did not stop cleanly on Ctrl-C: %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("demo did not stop within 40 s of Ctrl-C")
	}
}

func freeAddr(t *testing.T) string {
	// Below Linux's ephemeral range (32768-60999): a port the system hands
	// out for :0 listeners and outgoing connections can be taken by another
	// test between this check and the demo's bind (seen once in CI).
	for range 100 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("no free port between 20000 and 32000")
	return ""
}

// readUntil returns what r printed up to and including the line holding marker,
// then keeps draining r in the background.
func readUntil(t *testing.T, r io.Reader, marker string) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var b strings.Builder
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("demo exited before printing %q:\n%s", marker, b.String())
			}
			b.WriteString(l + "\n")
			if strings.Contains(l, marker) {
				go func() {
					for range lines {
					}
				}()
				return b.String()
			}
		case <-timeout:
			t.Fatalf("demo printed no %q within 60 s:\n%s", marker, b.String())
		}
	}
}

// demoOffersTLS: the instructions say that STARTTLS is offered with a
// self-signed certificate, name it, and their swaks line, which verifies
// it, sends a page over STARTTLS.
func demoOffersTLS(t *testing.T, instructions, site string) {
	t.Helper()
	if !strings.Contains(instructions, "STARTTLS is offered") || !strings.Contains(instructions, "self-signed certificate") {
		t.Errorf("the instructions do not say that STARTTLS is offered with a self-signed certificate:\n%s", instructions)
	}
	line := lineWith(instructions, "swaks --server", "--tls-verify")
	if line == "" {
		t.Errorf("no swaks line over TLS in the instructions:\n%s", instructions)
		return
	}
	if _, err := exec.LookPath("swaks"); err != nil {
		t.Log("swaks not installed; skipping the send over STARTTLS")
		return
	}
	out, err := exec.Command("sh", "-c", line).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "STARTTLS") {
		t.Fatalf("swaks over STARTTLS: %v\n%s", err, out)
	}
	waitTitle(t, site, "Sent over TLS")
}

func swaksLine(s string) string  { return lineWith(s, "swaks --server") }
func pythonLine(s string) string { return lineWith(s, "python3 -c") }

// lineWith returns the first line of s that starts with prefix and holds
// every one of also.
func lineWith(s, prefix string, also ...string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, prefix) && containsAll(l, also) {
			return l
		}
	}
	return ""
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// waitTitle polls the sandbox's REST API until a page with that title exists
// in DEMO and returns its id.
func waitTitle(t *testing.T, site, title string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", site+"/rest/api/content?spaceKey=DEMO&title="+strings.ReplaceAll(title, " ", "+"), nil)
		req.SetBasicAuth("admin@demo.mailwiki.test", "demo-token")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			var out struct {
				Results []struct{ ID string } `json:"results"`
			}
			json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if len(out.Results) == 1 {
				return out.Results[0].ID
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no page %q in DEMO within 20 s", title)
	return ""
}

// spaceTitles returns the titles of every page in DEMO.
func spaceTitles(t *testing.T, site string) map[string]bool {
	t.Helper()
	titles := map[string]bool{}
	listPages(t, site, "", func(title, _ string) { titles[title] = true })
	return titles
}

// listPages calls each for every page in DEMO, paging through the v1
// content listing as a client would; expand "body.storage" fills storage.
func listPages(t *testing.T, site, expand string, each func(title, storage string)) {
	t.Helper()
	const limit = 250
	for start := 0; ; start += limit {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/rest/api/content?spaceKey=DEMO&type=page&expand=%s&start=%d&limit=%d", site, expand, start, limit), nil)
		req.SetBasicAuth("admin@demo.mailwiki.test", "demo-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Results []struct {
				Title string `json:"title"`
				Body  struct {
					Storage struct {
						Value string `json:"value"`
					} `json:"storage"`
				} `json:"body"`
			} `json:"results"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("content listing at %d: status %d, %v", start, resp.StatusCode, err)
		}
		for _, r := range out.Results {
			each(r.Title, r.Body.Storage.Value)
		}
		if len(out.Results) < limit {
			return
		}
	}
}
