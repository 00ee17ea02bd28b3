package main_test

import (
	"fmt"
	"net"
	"net/textproto"
	"path/filepath"
	"testing"
	"time"
)

// TestDemoBenchLimitsOff: `mailwiki demo --bench-limits-off`, as
// bench/accept.sh and bench/door.sh run it, lets one client address hold
// more than the default 20 connections and send more than the default 120
// messages and 60 connections a minute, each answered 250. Without the flag
// the 21st connection from the same address is refused (the control).
func TestDemoBenchLimitsOff(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	const held, sent = 25, 130
	off := runDemo(t, "--data-dir", filepath.Join(t.TempDir(), "data"), "--sandbox-addr", freeAddr(t),
		"--no-sample", "--rspamd-url", "", "--clamd-addr", "", "--bench-limits-off")
	defer off.stop(t)
	conns := holdConnections(t, off.smtpAddr, held)
	for i, code := range conns {
		if code != 220 {
			t.Fatalf("--bench-limits-off: connection %d of %d held open answered %d, want 220", i+1, held, code)
		}
	}
	msg := []byte("From: bench@example.org\r\nTo: docs@demo.mailwiki.test\r\nSubject: load\r\n\r\nload\r\n")
	for i := range sent {
		if _, err := sendOne(off.smtpAddr, "bench@example.org", "docs@demo.mailwiki.test", msg); err != nil {
			t.Fatalf("--bench-limits-off: message %d of %d (one connection each, within a minute): %v", i+1, sent, err)
		}
	}

	on := runDemo(t, "--data-dir", filepath.Join(t.TempDir(), "data"), "--sandbox-addr", freeAddr(t),
		"--no-sample", "--rspamd-url", "", "--clamd-addr", "")
	defer on.stop(t)
	refused := 0
	for _, code := range holdConnections(t, on.smtpAddr, held) {
		if code == 421 {
			refused++
		}
	}
	if refused == 0 {
		t.Fatalf("without --bench-limits-off, %d connections from one address were all greeted: the control no longer tests the flag", held)
	}
}

// holdConnections opens n connections to addr, reads each greeting's code,
// and keeps them all open until the test ends.
func holdConnections(t *testing.T, addr string, n int) []int {
	t.Helper()
	codes := make([]int, n)
	for i := range codes {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(30 * time.Second))
		code, _, err := textproto.NewConn(c).ReadResponse(0)
		if err != nil && code == 0 {
			t.Fatal(fmt.Errorf("greeting of connection %d: %w", i+1, err))
		}
		codes[i] = code
	}
	return codes
}
