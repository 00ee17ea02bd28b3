// Command latency measures the time from mailwiki's 250 reply to the page
// being visible through the sandbox Confluence's REST API, at a steady rate.
//
//	go run ./bench/latency [-rate 20] [-duration 30s] [-size 20480]
//
// It starts mailwiki in this process on loopback ports exactly as `mailwiki
// demo` does (SQLite, encrypted spool, River, the sandbox), sends messages
// over SMTP at the given rate, and polls the sandbox's content listing
// (GET /wiki/rest/api/content?spaceKey=DEMO, paged) every 20 ms to see each
// page appear. It prints p50, p90, p99 and max.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/smtp"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

func main() {
	rate := flag.Float64("rate", 20, "messages per second")
	duration := flag.Duration("duration", 30*time.Second, "how long to send")
	size := flag.Int("size", 20480, "approximate message size in bytes")
	hosted := flag.Bool("connect", false, "the hosted mode: mailwiki installed into the sandbox as a Connect app, its configuration read from the site")
	flag.Parse()
	if err := run(*rate, *duration, *size, *hosted); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

func run(rate float64, duration time.Duration, size int, hosted bool) error {
	dir, err := os.MkdirTemp("", "mailwiki-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg, err := app.DemoConfig(dir, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if hosted {
		if err := app.DemoConnectConfig(&cfg); err != nil {
			return err
		}
	}
	m := &app.Main{Config: cfg, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), SandboxListen: "127.0.0.1:0"}
	if err := m.Run(context.Background()); err != nil {
		return err
	}
	defer m.Close()
	if hosted {
		if _, err := m.InstallDemoApp(context.Background(), m.SandboxURL()); err != nil {
			return err
		}
	}

	sent := &times{m: map[string]time.Time{}}
	seen := &times{m: map[string]time.Time{}}
	stop := make(chan struct{})
	pollDone := make(chan error, 1)
	go func() { pollDone <- poll(m.SandboxURL(), seen, stop) }()

	body := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n", size/58)
	n := int(rate * duration.Seconds())
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		<-tick.C
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			subject := fmt.Sprintf("bench %06d", i)
			msg := "From: bench@example.org\r\nTo: " + app.DemoAddress + "\r\nSubject: " + subject + "\r\n\r\n" + body
			if err := smtp.SendMail(m.SMTPAddr(), nil, "bench@example.org", []string{app.DemoAddress}, []byte(msg)); err != nil {
				fmt.Fprintln(os.Stderr, "send:", err)
				return
			}
			sent.set(subject, time.Now())
		}(i)
	}
	wg.Wait()
	deadline := time.Now().Add(60 * time.Second)
	for seen.len() < sent.len() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	if err := <-pollDone; err != nil {
		return err
	}
	return report(rate, sent, seen)
}

type times struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (t *times) set(k string, v time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.m[k]; !ok {
		t.m[k] = v
	}
}

func (t *times) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// poll pages through the space's content listing, from the first page not
// seen yet, and records when each title first appears.
func poll(site string, seen *times, stop <-chan struct{}) error {
	start := 0
	for {
		select {
		case <-stop:
			return nil
		case <-time.After(20 * time.Millisecond):
		}
		for {
			titles, err := list(site, start)
			if err != nil {
				return err
			}
			now := time.Now()
			for _, t := range titles {
				seen.set(t, now)
			}
			start += len(titles)
			if len(titles) < 100 {
				break
			}
		}
	}
}

func list(site string, start int) ([]string, error) {
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/rest/api/content?spaceKey=%s&start=%d&limit=100", site, sandbox.DemoSpaceKey, start), nil)
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Results []struct {
			Title string `json:"title"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	titles := make([]string, len(out.Results))
	for i, r := range out.Results {
		titles[i] = r.Title
	}
	return titles, nil
}

func report(rate float64, sent, seen *times) error {
	var d []time.Duration
	for subject, t0 := range sent.m {
		if t1, ok := seen.m[subject]; ok {
			d = append(d, max(t1.Sub(t0), 0))
		}
	}
	if len(d) == 0 {
		return fmt.Errorf("no page became visible")
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	q := func(p float64) time.Duration { return d[min(int(p*float64(len(d))), len(d)-1)] }
	fmt.Printf("rate %.0f msg/s, sent %d, visible %d\n", rate, len(sent.m), len(d))
	fmt.Printf("250 -> page visible: p50 %v  p90 %v  p99 %v  max %v\n",
		q(0.50).Round(time.Millisecond), q(0.90).Round(time.Millisecond), q(0.99).Round(time.Millisecond), d[len(d)-1].Round(time.Millisecond))
	return nil
}
