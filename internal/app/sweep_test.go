package app

import (
	"context"
	"io"
	"log/slog"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/sandbox"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// downSandbox is a demo sandbox failing every API call: messages stay queued.
func downSandbox() *sandbox.Sandbox {
	sb, _ := sandbox.New(sandbox.Options{})
	sb.SeedDemo()
	sb.FailNext(503, 1_000_000, 0)
	return sb
}

// startMain runs a demo Main on dir with its own sandbox sb and clock now
// (nil: the real clock); t.Cleanup closes it, and so may the test.
func startMain(t *testing.T, dir string, sb *sandbox.Sandbox, now func() time.Time) *Main {
	t.Helper()
	cfg, err := DemoConfig(dir, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Now: now, SandboxListen: "127.0.0.1:0", Sandbox: sb}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// sendSample sends one small message to the demo address.
func sendSample(t *testing.T, m *Main, subject string) {
	t.Helper()
	msg := "From: a@example.org\r\nTo: " + DemoAddress + "\r\nSubject: " + subject + "\r\n\r\nbody\r\n"
	if err := smtp.SendMail(m.SMTPAddr(), nil, "a@example.org", []string{DemoAddress}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// TestPromiseP6_RetentionSweepDeletesAfter48h: whatever the queue does (here
// Confluence is down for good), the retention sweep deletes a message's
// content once it is older than 48 hours, and not before.
func TestPromiseP6_RetentionSweepDeletesAfter48h(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := &testClock{t: time.Now()}
	m := startMain(t, dir, downSandbox(), clock.Now)
	sendSample(t, m, "kept too long")
	spoolDir := filepath.Join(dir, "spool")
	count := func() int { return countFiles(t, spoolDir) }
	if count() != 1 {
		t.Fatalf("spool holds %d objects after accept, want 1", count())
	}
	clock.Add(47 * time.Hour)
	m.sweepOnce(context.Background())
	if count() != 1 {
		t.Fatal("the sweep deleted a message younger than 48 h")
	}
	clock.Add(time.Hour - 30*time.Second) // 47 h 59 min 30 s: the next sweep would come after 48 h
	m.sweepOnce(context.Background())
	if count() != 0 {
		t.Fatalf("spool holds %d objects that would outlive 48 h before the next sweep", count())
	}
}

// countFiles counts the files under dir, sub-directories included, that
// hold data (the spool keeps a pool of empty files).
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.Size() > 0 {
			n++
		}
		return nil
	})
	return n
}

// TestSecondProcessOnOneDataDirRefused: two mailwiki processes must not
// share a data directory (spool and embedded queue).
func TestSecondProcessOnOneDataDirRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := DemoConfig(dir, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	first := &Main{Config: cfg, Logger: quiet, SandboxListen: "127.0.0.1:0"}
	if err := first.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := &Main{Config: cfg, Logger: quiet, SandboxListen: "127.0.0.1:0"}
	err = second.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "in use by another mailwiki process") {
		t.Fatalf("second Run on the same data_dir: %v", err)
	}
	first.Close()
	third := &Main{Config: cfg, Logger: quiet, SandboxListen: "127.0.0.1:0"}
	if err := third.Run(context.Background()); err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	third.Close()
}

// TestUnqueuedSpoolObjectRemovedAtStart: a spool object without a job (the
// process died between the spool write and the job commit, so no 250 was
// given) is deleted at the next start; queued ones are kept.
func TestUnqueuedSpoolObjectRemovedAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sb := downSandbox() // keeps the queued message queued
	m := startMain(t, dir, sb, nil)
	sendSample(t, m, "queued")
	w, err := m.spool.Create(context.Background(), "ORPHAN0000000001")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("written, never queued"))
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	m.Close()
	spoolDir := filepath.Join(dir, "spool")
	if n := countFiles(t, spoolDir); n != 2 {
		t.Fatalf("%d spool objects before the restart, want 2", n)
	}
	m2 := startMain(t, dir, sb, nil)
	if n := countFiles(t, spoolDir); n != 1 {
		t.Fatalf("%d spool objects after the restart, want 1 (the queued message)", n)
	}
	if _, err := m2.spool.ReadAll(context.Background(), "ORPHAN0000000001"); err == nil {
		t.Fatal("the orphan is still readable")
	}
}
