// Command parse measures the CPU time and memory that building a draft
// (parse, convert, fallback: what a delivery does before publishing) takes
// for each pathological message shape of internal/mailparse/hostile.
//
//	go run ./bench/parse [-timeout 120s] [-shape NAME]
//	go run ./bench/parse -child NAME -cpuprofile FILE   # one shape, profiled
//
// Each shape runs in a child process of its own, so that its CPU time
// (user + system, all threads, GC included; generating the message
// excluded) and peak resident memory are its own. A child still running
// after -timeout is killed and reported as such. Prints one line per shape:
// name, message size, CPU, wall time, peak RSS, outcome.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/mailwiki/mailwiki/internal/mailparse/hostile"
)

func main() {
	child := flag.String("child", "", "internal: run one shape in this process")
	only := flag.String("shape", "", "run only this shape")
	timeout := flag.Duration("timeout", 120*time.Second, "kill a shape that runs longer")
	profile := flag.String("cpuprofile", "", "with -child: write a CPU profile of the draft building to this file")
	flag.Parse()
	if *child != "" {
		if err := runChild(*child, *profile); err != nil {
			fmt.Fprintln(os.Stderr, "parse:", err)
			os.Exit(1)
		}
		return
	}
	fmt.Printf("%-26s %8s %9s %9s %8s  %s\n", "shape", "size", "cpu", "wall", "max rss", "outcome")
	for _, s := range hostile.Shapes() {
		if *only == "" || *only == s.Name {
			runParent(s.Name, *timeout)
		}
	}
}

// runParent runs one shape in a child process and prints its line.
func runParent(name string, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-child", name)
	out, err := cmd.Output()
	if ctx.Err() != nil {
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		fmt.Printf("%-26s %8s %9s %9s %7dM  killed after %s\n", name, "-", ">"+timeout.String(), "-", ru.Maxrss>>10, timeout)
		return
	}
	figures, outcome, ok := bytes.Cut(out, []byte("|"))
	if err != nil || !ok {
		fmt.Printf("%-26s error: %v %s\n", name, err, out)
		return
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	fmt.Printf("%-26s %s %7dM  %s", name, figures, ru.Maxrss>>10, outcome)
}

// runChild builds the draft of one shape and prints size, CPU, wall time
// and outcome for the parent to complete.
func runChild(name, profile string) error {
	for _, s := range hostile.Shapes() {
		if s.Name != name {
			continue
		}
		raw := s.Make()
		stop, err := startProfile(profile)
		if err != nil {
			return err
		}
		before, start := cpu(), time.Now()
		outcome := build(raw)
		used, wall := cpu()-before, time.Since(start)
		stop()
		fmt.Printf("%8s %9s %9s|%s\n", size(len(raw)), used.Round(time.Millisecond), wall.Round(time.Millisecond), outcome)
		return nil
	}
	return fmt.Errorf("unknown shape %q", name)
}

// cpu returns the user and system CPU time this process used so far.
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startProfile starts a CPU profile into path ("" for none) and returns
// the function that stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func size(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0fK", float64(n)/(1<<10))
}
