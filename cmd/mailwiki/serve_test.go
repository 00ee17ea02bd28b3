package main_test

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// start runs the binary in the background and stops it with SIGTERM at the
// end of the test (if still running).
func start(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	var out io.Writer = io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	return startWithOutput(t, out, env, args...)
}

// startWithOutput is start with the process's standard output and error
// going to out.
func startWithOutput(t *testing.T, out io.Writer, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	})
	return cmd
}

func waitHTTP(t *testing.T, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer %d within 30 s", url, want)
}

func stop(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s did not stop cleanly: %v", cmd.Args[1], err)
		}
	case <-time.After(40 * time.Second):
		t.Fatalf("%s did not stop within 40 s", cmd.Args[1])
	}
}

// TestServeWithConfigFileAgainstSandboxProcess runs the production command
// as an operator would: `mailwiki serve --config` with secrets from _FILE
// variables, publishing to a separate `mailwiki sandbox --state` process; a
// mail sent with Python's smtplib becomes a page, both stop cleanly on
// SIGTERM, and the sandbox still has the page after a restart.
func TestServeWithConfigFileAgainstSandboxProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two processes")
	}
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	dir := t.TempDir()
	sandboxAddr, smtpAddr, httpAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	state := filepath.Join(dir, "sandbox.json")
	sb := start(t, nil, "sandbox", "--addr", sandboxAddr, "--state", state)
	site := "http://" + sandboxAddr + "/wiki"
	waitHTTP(t, site+"/", 200)

	cfg, env := serveConfig(t, dir, site, smtpAddr, httpAddr)
	srv := start(t, env, "serve", "--config", cfg)
	waitHTTP(t, "http://"+httpAddr+"/readyz", 200)

	host, port, _ := net.SplitHostPort(smtpAddr)
	py := `import smtplib; from email.message import EmailMessage as M; m=M(); m['From']='ops@example.org'; m['To']='docs@wiki.example.com'; m['Subject']='Served page'; m.set_content('Sent to the production command.'); smtplib.SMTP('` + host + `', ` + port + `).send_message(m)`
	if out, err := exec.Command("python3", "-c", py).CombinedOutput(); err != nil {
		t.Fatalf("smtplib: %v\n%s", err, out)
	}
	id := waitTitle(t, site, "Served page")
	stop(t, srv)
	stop(t, sb)

	start(t, nil, "sandbox", "--addr", sandboxAddr, "--state", state)
	waitHTTP(t, site+"/", 200)
	resp, err := http.Get(site + "/spaces/DEMO/pages/" + id)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Sent to the production command.") {
		t.Fatalf("page after the sandbox restarted: %d", resp.StatusCode)
	}
}

// TestSandboxForDataCenterAndMoreSpaces: `mailwiki sandbox
// --personal-access-token T --space HR` accepts T as a bearer token (a
// flavor: datacenter tenant) and serves the extra space.
func TestSandboxForDataCenterAndMoreSpaces(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	t.Parallel()
	addr := freeAddr(t)
	start(t, nil, "sandbox", "--addr", addr, "--personal-access-token", "pat-dc", "--space", "HR")
	site := "http://" + addr + "/wiki"
	waitHTTP(t, site+"/", 200)
	for token, want := range map[string]int{"pat-dc": 200, "other": 401} {
		req, _ := http.NewRequest("GET", site+"/rest/api/space/HR", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("bearer %s: GET space HR = %d, want %d", token, resp.StatusCode, want)
		}
	}
}
