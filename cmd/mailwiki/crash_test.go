package main_test

import (
	"fmt"
	"net/smtp"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestKillDuringBurstLosesNoAcceptedMessage: once mailwiki answers 250 the
// message reaches Confluence, even if the process is killed (SIGKILL) in the
// middle of a burst. Every message that got a 250 before the kill is a page
// after a restart; a message cut off by the kill may be sent again by its
// client, so pages may outnumber 250s, never the reverse.
func TestKillDuringBurstLosesNoAcceptedMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes and a burst")
	}
	t.Parallel()
	dir := t.TempDir()
	sandboxAddr, smtpAddr, httpAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	start(t, nil, "sandbox", "--addr", sandboxAddr)
	site := "http://" + sandboxAddr + "/wiki"
	waitHTTP(t, site+"/", 200)
	cfg, env := serveConfig(t, dir, site, smtpAddr, httpAddr)

	srv := start(t, env, "serve", "--config", cfg)
	waitHTTP(t, "http://"+httpAddr+"/readyz", 200)

	var mu sync.Mutex
	accepted := map[string]bool{}
	var wg sync.WaitGroup
	stopSending := make(chan struct{})
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stopSending:
					return
				default:
				}
				subject := fmt.Sprintf("burst %d-%d", w, i)
				msg := "From: load@example.org\r\nTo: docs@wiki.example.com\r\nSubject: " + subject + "\r\n\r\nbody of " + subject + "\r\n"
				if smtp.SendMail(smtpAddr, nil, "load@example.org", []string{"docs@wiki.example.com"}, []byte(msg)) == nil {
					mu.Lock()
					accepted[subject] = true
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	close(stopSending)
	wg.Wait()
	if len(accepted) < 20 {
		t.Fatalf("only %d messages accepted before the kill: the test proves nothing", len(accepted))
	}

	start(t, env, "serve", "--config", cfg)
	waitHTTP(t, "http://"+httpAddr+"/readyz", 200)
	deadline := time.Now().Add(60 * time.Second)
	for {
		titles := spaceTitles(t, site)
		missing := 0
		for s := range accepted {
			if !titles[s] {
				missing++
			}
		}
		if missing == 0 {
			t.Logf("%d messages accepted before SIGKILL, all published after the restart", len(accepted))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d accepted messages never became pages", missing, len(accepted))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// serveConfig writes a serve configuration for one tenant on the sandbox at
// site and returns its path and the environment with the secrets' files.
func serveConfig(t *testing.T, dir, site, smtpAddr, httpAddr string) (string, []string) {
	t.Helper()
	os.WriteFile(filepath.Join(dir, "token"), []byte("demo-token\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "key"), []byte(key+"\n"), 0o600)
	cfg := filepath.Join(dir, "mailwiki.yaml")
	os.WriteFile(cfg, []byte(`data_dir: `+filepath.Join(dir, "data")+`
smtp:
  listen: "`+smtpAddr+`"
  domain: wiki.example.com
http:
  listen: "`+httpAddr+`"
queue:
  poll_interval: 200ms
tenants:
  - id: acme
    base_url: `+site+`
    allow_insecure_http: true
    flavor: cloud
    email: admin@demo.mailwiki.test
    addresses:
      - {address: docs@wiki.example.com, space: DEMO}
`), 0o600)
	return cfg, []string{
		"MAILWIKI_MASTER_KEY_FILE=" + filepath.Join(dir, "key"),
		"MAILWIKI_TENANT_ACME_API_TOKEN_FILE=" + filepath.Join(dir, "token"),
	}
}
