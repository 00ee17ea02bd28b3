// Command memory measures the peak resident memory of delivering large
// messages end to end through the real pipeline: encrypted spool →
// pipeline.Deliverer.Deliver (parse, convert, publish) → the sandbox
// Confluence over loopback HTTP.
//
//	go run ./bench/memory [-attach 73] [-counts 1,4] [-runs 1] [-budget 0]
//
// Each message is a multipart mail with a short text body and one binary
// attachment of -attach MB, base64-encoded (73 MB of file makes a message
// of 100 MB). For each count in -counts, a fresh child process (this
// same binary) writes that many messages into an encrypted spool while never
// holding one whole, then resets its peak-RSS counter, delivers them all at
// once (one goroutine each, as queue workers do) and reports its peak RSS
// (VmHWM) and the RSS it started delivering from. The sandbox runs in a
// third process, so its copy of the files is not counted; its own peak is
// reported apart.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	role := flag.String("role", "", "internal: sandbox or deliver (children of this program)")
	attachMB := flag.Int("attach", 73, "MB (10^6 bytes) of binary attachment per message; 73 makes a 100 MB message")
	counts := flag.String("counts", "1,4", "comma-separated numbers of messages delivered at once, one child process each")
	runs := flag.Int("runs", 1, "runs of each count")
	budget := flag.Int64("budget", 0, "pipeline memory budget in bytes (0: none, every message at once)")
	url := flag.String("url", "", "internal: sandbox base URL")
	n := flag.Int("n", 1, "internal: messages to deliver at once")
	flag.Parse()
	var err error
	switch *role {
	case "sandbox":
		err = serveSandbox()
	case "deliver":
		err = deliverChild(*url, *n, int64(*attachMB)*1e6, *budget)
	case "":
		err = run(*attachMB, *counts, *runs, *budget)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/memory:", err)
		os.Exit(1)
	}
}

// result is what a deliver child prints as one JSON line.
type result struct {
	Messages      int     `json:"messages"`
	MessageBytes  int64   `json:"message_bytes"` // each
	BaselineKB    int64   `json:"baseline_kb"`   // VmRSS when delivery starts
	PeakKB        int64   `json:"peak_kb"`       // VmHWM over the delivery
	Seconds       float64 `json:"seconds"`
	AttachedBytes int64   `json:"attached_bytes"` // as the sandbox reports, all pages
}

func run(attachMB int, counts string, runs int, budget int64) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	sb, url, err := startSandbox(self)
	if err != nil {
		return err
	}
	defer stopSandbox(sb)
	fmt.Printf("attachment %d MB per message, sandbox at %s (pid %d), budget %d\n\n", attachMB, url, sb.Process.Pid, budget)
	fmt.Println("| messages at once | message size | RSS at start | peak RSS (VmHWM) | peak / total message size | child maxrss | time |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, c := range strings.Split(counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return fmt.Errorf("bad count %q", c)
		}
		for range runs {
			if err := runDeliver(self, url, n, attachMB, budget); err != nil {
				return err
			}
		}
	}
	fmt.Printf("\nsandbox process (not counted above): peak RSS %.0f MB\n", mb(statusKB(sb.Process.Pid, "VmHWM")))
	return nil
}

func runDeliver(self, url string, n, attachMB int, budget int64) error {
	cmd := exec.Command(self, "-role", "deliver", "-url", url, "-n", strconv.Itoa(n),
		"-attach", strconv.Itoa(attachMB), "-budget", strconv.FormatInt(budget, 10))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("deliver child: %w", err)
	}
	var r result
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Errorf("deliver child said %q: %w", out, err)
	}
	maxrss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KB on Linux
	total := float64(r.MessageBytes) * float64(r.Messages)
	fmt.Printf("| %d | %.1f MB | %.0f MB | **%.0f MB** | **%.2f×** (%.2f× above start) | %.0f MB | %.1f s |\n",
		r.Messages, float64(r.MessageBytes)/1e6, mb(r.BaselineKB), mb(r.PeakKB),
		float64(r.PeakKB<<10)/total, float64((r.PeakKB-r.BaselineKB)<<10)/total, mb(maxrss), r.Seconds)
	if want := int64(r.Messages) * int64(attachMB) * 1e6; r.AttachedBytes != want {
		return fmt.Errorf("the sandbox holds %d attached bytes, want %d", r.AttachedBytes, want)
	}
	return nil
}

// startSandbox runs the sandbox child and returns its base URL (its first
// line of output).
func startSandbox(self string) (*exec.Cmd, string, error) {
	cmd := exec.Command(self, "-role", "sandbox")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, "", fmt.Errorf("sandbox child: %w", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return cmd, strings.TrimSpace(line), nil
}

func stopSandbox(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// mb converts KiB (as /proc and rusage count) to MB.
func mb(kib int64) float64 { return float64(kib) * 1024 / 1e6 }

// statusKB reads a "Vm…: N kB" line of /proc/PID/status ("self" for pid 0).
func statusKB(pid int, field string) int64 {
	p := "/proc/self/status"
	if pid != 0 {
		p = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v
		}
	}
	return 0
}
