package sandbox

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperStateEnv names the state file of the sandbox served by
// TestHelperServeSandbox when the test binary runs as a helper process.
const helperStateEnv = "SANDBOX_TEST_HELPER_STATE"

// TestHelperServeSandbox is not a test: run by TestKilledSandboxKeeps…
// as a separate process, it serves a sandbox on a state file and prints its
// address, until killed.
func TestHelperServeSandbox(t *testing.T) {
	path := os.Getenv(helperStateEnv)
	if path == "" {
		t.Skip("helper process for TestKilledSandboxKeepsEveryAcknowledgedChange")
	}
	sb, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	sb.SeedDemo()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(ln.Addr())
	t.Fatal(http.Serve(ln, sb))
}

// TestKilledSandboxKeepsEveryAcknowledgedChange kills (SIGKILL) a sandbox
// process while clients create pages, then opens its state file: every page
// answered 200 is there, and ids are not handed out again.
func TestKilledSandboxKeepsEveryAcknowledgedChange(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sandbox.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServeSandbox$")
	cmd.Env = append(os.Environ(), helperStateEnv+"="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper process: %v", err)
	}
	site := "http://" + strings.TrimSpace(line) + "/wiki"

	acked := createUntilKilled(t, site, cmd.Process, 300*time.Millisecond)
	if len(acked) == 0 {
		t.Fatal("no page was created before the kill")
	}
	b := setupWith(t, Options{StatePath: path})
	kept := map[string]string{}
	for _, p := range b.sb.Pages(DemoSpaceKey) {
		kept[p.ID] = p.Title
	}
	for id, title := range acked {
		if kept[id] != title {
			t.Errorf("page %s %q was acknowledged but is not in the state file (%q)", id, title, kept[id])
		}
	}
	t.Logf("%d pages acknowledged before the kill, %d kept", len(acked), len(kept))
	if next := b.createV2Page(t, "After the kill", ""); kept[next] != "" {
		t.Fatalf("id %s handed out again after the kill", next)
	}
}

// createUntilKilled creates pages with 4 clients, kills the process after
// d while requests are in flight, and returns the pages answered 200
// (id → title).
func createUntilKilled(t *testing.T, site string, p *os.Process, d time.Duration) map[string]string {
	var mu sync.Mutex
	acked := map[string]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				title := fmt.Sprintf("w%d-%d", w, i)
				id, err := postPage(site, title)
				if err != nil {
					return // the process is gone
				}
				mu.Lock()
				acked[id] = title
				mu.Unlock()
			}
		}()
	}
	time.Sleep(d)
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return acked
}

// postPage creates a page in DEMO (the first space: id firstID) over v2.
func postPage(site, title string) (string, error) {
	body := fmt.Sprintf(`{"spaceId":"%d","status":"current","title":%q,"body":{"representation":"storage","value":"<p>x</p>"}}`, firstID, title)
	req, _ := http.NewRequest(http.MethodPost, site+"/api/v2/pages", strings.NewReader(body))
	req.SetBasicAuth(DemoUser, DemoToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		return "", fmt.Errorf("status %d: %v", resp.StatusCode, err)
	}
	return out.ID, nil
}
