package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// TestForgeTokenLapse: Forge's scheduled trigger stops coming and the app
// system token runs out. Mail is still accepted and waits, the tenant shows
// as waiting for a token on /readyz; the next trigger (fired twice, as
// Forge may) brings a token, and every waiting message becomes a page
// exactly once.
func TestForgeTokenLapse(t *testing.T) {
	t.Parallel()
	h := startHosted(t, mailwiki.ModeForge, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Tokens of 2 min 15 s: mailwiki stops using a token 2 min before it
	// expires, so each is usable for 15 s.
	id, _, err := h.main.InstallDemoForge(ctx, h.site, "2m15s")
	if err != nil {
		t.Fatal(err)
	}
	h.tenantID = id
	time.Sleep(16 * time.Second) // no trigger: the token lapses

	const n = 3
	for i := range n {
		subject := fmt.Sprintf("Sent during the lapse %d", i)
		if err := send(t, h.main.SMTPAddr(), "docs@demo.mailwiki.test", textMail("docs@demo.mailwiki.test", "alice@example.org", subject)); err != nil {
			t.Fatalf("mail during the lapse refused: %v", err)
		}
	}
	waitReadyz(t, h, "waiting for a token from Forge", true)
	if got := countTitles(h.sandbox, "Sent during the lapse"); got != 0 {
		t.Fatalf("%d page(s) published without a token", got)
	}
	if q, _ := h.main.SpoolObjects(ctx); q != n {
		t.Fatalf("%d message(s) waiting, want %d", q, n)
	}

	for range 2 { // Forge may deliver a trigger twice
		if err := h.sandbox.ForgeTick(id); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(20 * time.Second); countTitles(h.sandbox, "Sent during the lapse") < n; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d published after the trigger; logs:\n%s", countTitles(h.sandbox, "Sent during the lapse"), n, h.logs.String())
		}
	}
	for i := range n {
		subject := fmt.Sprintf("Sent during the lapse %d", i)
		if got := countTitles(h.sandbox, subject); got != 1 {
			t.Errorf("%q published %d times, want once", subject, got)
		}
	}
	waitReadyz(t, h, "waiting for a token from Forge", false)
}

// countTitles counts DEMO's pages whose title starts with prefix.
func countTitles(sb *sandbox.Sandbox, prefix string) int {
	n := 0
	for _, p := range sb.Pages(sandbox.DemoSpaceKey) {
		if strings.HasPrefix(p.Title, prefix) {
			n++
		}
	}
	return n
}

// waitReadyz waits until /readyz mentions (or no longer mentions) text.
func waitReadyz(t *testing.T, h *hostedBundle, text string, present bool) {
	t.Helper()
	var body string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + h.main.HTTPAddr() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body = string(b); strings.Contains(body, text) == present {
			return
		}
	}
	t.Fatalf("/readyz %q: want %q present=%v", body, text, present)
}
