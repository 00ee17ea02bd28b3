// Command sandbox measures page creation through the sandbox Confluence's
// REST API with persistence on (`mailwiki sandbox --state FILE`), on top of
// many existing pages.
//
//	go run ./bench/sandbox [-existing 10000] [-pages 2000] [-workers 16] [-bin PATH]
//
// It writes a state file holding -existing pages of about -page-bytes of
// storage each, in the JSON format every sandbox version reads (the current
// one migrates it at start), starts `mailwiki sandbox --state` on a free
// loopback port (the binary from -bin, or ./cmd/mailwiki built for the run),
// and creates -pages pages with -workers concurrent clients, each a
// POST /wiki/api/v2/pages as mailwiki's Confluence client sends it. It prints
// pages/s, latency percentiles and the sandbox process's CPU time per page,
// then restarts the sandbox and checks that the last page created is there.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	user, token = "admin@demo.mailwiki.test", "demo-token"
	spaceID     = "65537" // the DEMO space in the generated state
)

type options struct {
	bin, dir                         string
	existing, pages, workers, nbytes int
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "mailwiki binary to measure (default: build ./cmd/mailwiki)")
	flag.StringVar(&o.dir, "dir", "", "directory for the state file (default: a temporary directory)")
	flag.IntVar(&o.existing, "existing", 10000, "pages in the state file before the run")
	flag.IntVar(&o.pages, "pages", 2000, "pages to create")
	flag.IntVar(&o.workers, "workers", 16, "concurrent clients")
	flag.IntVar(&o.nbytes, "page-bytes", 1000, "approximate storage bytes per page")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sandbox:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.dir == "" {
		d, err := os.MkdirTemp("", "sandbox-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.dir = d
	}
	if o.bin == "" {
		o.bin = filepath.Join(o.dir, "mailwiki")
		if out, err := exec.Command("go", "build", "-o", o.bin, "./cmd/mailwiki").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	state := filepath.Join(o.dir, "state")
	if err := writeState(state, o.existing, o.nbytes); err != nil {
		return err
	}
	p, err := start(o.bin, state)
	if err != nil {
		return err
	}
	fmt.Printf("sandbox up with %d existing pages after %v\n", o.existing, p.startup.Round(time.Millisecond))
	last, err := measure(p, o)
	if stopErr := p.stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return err
	}
	return checkRestart(o.bin, state, last)
}

// writeState writes a state file in the sandbox's JSON format: the DEMO
// space and n pages.
func writeState(path string, n, nbytes int) error {
	storage := "<p>" + strings.Repeat("Lorem ipsum dolor sit amet. ", nbytes/28) + "</p>"
	now := time.Now().UTC()
	pages := make([]map[string]any, n)
	for i := range pages {
		pages[i] = map[string]any{"id": fmt.Sprint(65538 + i), "space_id": spaceID,
			"title": fmt.Sprintf("Existing %06d", i), "status": "current", "storage": storage,
			"author_id": "bench", "version": 1, "created_at": now}
	}
	st := map[string]any{
		"next_id":     65538 + n,
		"spaces":      []map[string]any{{"id": spaceID, "key": "DEMO", "name": "Demo", "created_at": now}},
		"pages":       pages,
		"attachments": []any{},
	}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	fmt.Printf("state file: %d pages, %.1f MB\n", n, float64(len(data))/1e6)
	return os.WriteFile(path, data, 0o600)
}

// proc is a running sandbox process.
type proc struct {
	cmd     *exec.Cmd
	site    string // http://127.0.0.1:PORT/wiki
	startup time.Duration
}

func start(bin, state string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "sandbox", "--addr", addr, "--state", state)
	cmd.Stdout, cmd.Stderr = nil, nil // the sandbox logs every page: discard
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, site: "http://" + addr + "/wiki"}
	for time.Since(t0) < 2*time.Minute {
		if resp, err := get(p.site + "/api/v2/spaces?keys=DEMO"); err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			p.startup = time.Since(t0)
			return p, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("the sandbox did not answer within 2 minutes")
}

func (p *proc) stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	return p.cmd.Wait()
}

// measure creates o.pages pages and prints the figures; it returns the id
// of the last page created.
func measure(p *proc, o options) (string, error) {
	storage := "<p>" + strings.Repeat("Lorem ipsum dolor sit amet. ", o.nbytes/28) + "</p>"
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var lastID string
	var firstErr error
	cpu0 := cpuTime(p.cmd.Process.Pid)
	t0 := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < o.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(o.pages); i = next.Add(1) {
				t := time.Now()
				id, err := create(p.site, fmt.Sprintf("Bench %d %06d", t0.UnixNano(), i), storage)
				mu.Lock()
				lat = append(lat, time.Since(t))
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lastID = id
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	if firstErr != nil {
		return "", firstErr
	}
	report(o, elapsed, lat, cpuTime(p.cmd.Process.Pid)-cpu0)
	return lastID, nil
}

func report(o options, elapsed time.Duration, lat []time.Duration, cpu time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(f float64) time.Duration { return lat[int(f*float64(len(lat)-1))].Round(10 * time.Microsecond) }
	fmt.Printf("created %d pages with %d clients in %v: %.0f pages/s\n", o.pages, o.workers,
		elapsed.Round(time.Millisecond), float64(o.pages)/elapsed.Seconds())
	fmt.Printf("latency p50 %v, p90 %v, p99 %v, max %v\n", q(0.5), q(0.9), q(0.99), q(1))
	if cpu > 0 {
		fmt.Printf("sandbox CPU %.2f ms per page (%.0f %% of a core)\n",
			float64(cpu.Microseconds())/1000/float64(o.pages), 100*cpu.Seconds()/elapsed.Seconds())
	}
}

// create sends one POST /wiki/api/v2/pages and returns the new page's id.
func create(site, title, storage string) (string, error) {
	body, _ := json.Marshal(map[string]any{"spaceId": spaceID, "status": "current", "title": title,
		"body": map[string]string{"representation": "storage", "value": storage}})
	req, _ := http.NewRequest(http.MethodPost, site+"/api/v2/pages", bytes.NewReader(body))
	req.SetBasicAuth(user, token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		return "", fmt.Errorf("create %q: status %d (%v)", title, resp.StatusCode, err)
	}
	return out.ID, nil
}

// checkRestart starts the sandbox again on the same state and checks that
// page id is there.
func checkRestart(bin, state, id string) error {
	p, err := start(bin, state)
	if err != nil {
		return err
	}
	defer p.stop()
	resp, err := get(p.site + "/api/v2/pages/" + id)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("after a restart, page %s answers %d", id, resp.StatusCode)
	}
	fmt.Printf("restart: up after %v, page %s kept\n", p.startup.Round(time.Millisecond), id)
	return nil
}

func get(url string) (*http.Response, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.SetBasicAuth(user, token)
	return http.DefaultClient.Do(req)
}

// cpuTime is the user+system CPU time of a process, from /proc (0 where
// that is not available).
func cpuTime(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are fields 14 and 15 of the line, 12 and 13 after ") ".
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
