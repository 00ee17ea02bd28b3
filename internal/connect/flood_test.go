package connect

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestForgedCallbackFlood is the tester's attack: many forged install
// callbacks at once, each naming a new random kid. The key service is asked
// at most keyFetchBurst times, the rest are refused "busy" without a fetch,
// the log gets at most refusalLogBurst WARN lines (the rest at DEBUG,
// counted on the next WARN line), and a genuine install with the known kid
// still goes through.
func TestForgedCallbackFlood(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.install(t, "host-secret-0123456789") // fetches testKid: one token
	const forged = 300
	codes := make(chan string, forged)
	var wg sync.WaitGroup
	for i := range forged {
		wg.Go(func() {
			tok := signRS256(t, otherKey(), fmt.Sprintf("forged-%d", i), hostClaims(http.MethodPost, InstalledPath))
			rec := b.callback(t, InstalledPath, tok, installBody("attacker-secret-0123456789"))
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("forged callback: status %d, want 401", rec.Code)
			}
			codes <- errorBody(t, rec)
		})
	}
	wg.Wait()
	close(codes)
	counts := map[string]int{}
	for msg := range codes {
		counts[msg]++
	}
	const (
		unknown = "install callback not signed by the host: unknown key id"
		busy    = "install callback cannot be verified now: key service busy, try again"
	)
	if counts[unknown] != keyFetchBurst-1 || counts[busy] != forged-(keyFetchBurst-1) {
		t.Errorf("refusals %v, want %d unknown and the rest busy", counts, keyFetchBurst-1)
	}
	if n := b.keys.hits.Load(); n != keyFetchBurst {
		t.Errorf("%d key fetches, want %d", n, keyFetchBurst)
	}
	if warn := b.logs.at(slog.LevelWarn); len(warn) != refusalLogBurst {
		t.Errorf("%d WARN lines for %d forged callbacks, want %d", len(warn), forged, refusalLogBurst)
	}
	if debug := b.logs.at(slog.LevelDebug); len(debug) != forged-refusalLogBurst {
		t.Errorf("%d DEBUG lines, want %d", len(debug), forged-refusalLogBurst)
	}

	rec := b.callback(t, InstalledPath, signRS256(t, otherKey(), "forged-extra", hostClaims(http.MethodPost, InstalledPath)), installBody("x"))
	if msg := errorBody(t, rec); msg != busy || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("one more: %q, Retry-After %q; want %q, 1", msg, rec.Header().Get("Retry-After"), busy)
	}

	// The genuine host, during the flood: its kid is cached, never limited.
	b.install(t, "host-secret-after-the-flood")
	// A forged kid already refused as unknown costs no fetch.
	tok := signRS256(t, otherKey(), "forged-remembered", hostClaims(http.MethodPost, InstalledPath))
	b.clock.Add(keyFetchEvery)
	if msg := errorBody(t, b.callback(t, InstalledPath, tok, installBody("x"))); msg != unknown {
		t.Fatalf("a new forged kid a second later: %q, want %q", msg, unknown)
	}
	hits := b.keys.hits.Load()
	b.callback(t, InstalledPath, tok, installBody("x"))
	if n := b.keys.hits.Load(); n != hits {
		t.Errorf("a remembered unknown kid was fetched again")
	}

	// Later, the next WARN line counts what went to DEBUG meanwhile.
	b.clock.Add(refusalLogEvery)
	b.callback(t, InstalledPath, tok, installBody("x"))
	warn := b.logs.at(slog.LevelWarn)
	last := warn[len(warn)-1]
	if v, ok := attr(last, "suppressed"); !ok || v.Int64() != forged-refusalLogBurst+3 {
		t.Errorf("last WARN line %q: suppressed %v, want %d", last.Message, v, forged-refusalLogBurst+3)
	}
}

// TestRefusalsNameTheEvent: every refusal names the callback refused,
// install or uninstall.
func TestRefusalsNameTheEvent(t *testing.T) {
	t.Parallel()
	events := []struct {
		ev   event
		path string
	}{{eventInstall, InstalledPath}, {eventUninstall, UninstalledPath}}
	tests := []struct {
		name string
		keys func(b *bundle)
		sign func(t *testing.T, path string) string
		body func(map[string]string)
		want string // after the event's name
	}{
		{name: "wrong key", want: " callback not signed by the host: bad signature",
			sign: func(t *testing.T, path string) string {
				return signRS256(t, otherKey(), testKid, hostClaims(http.MethodPost, path))
			}},
		{name: "no token", want: " callback not signed by the host: missing JWT",
			sign: func(*testing.T, string) string { return "" }},
		{name: "key service down", want: " callback cannot be verified now: key service unavailable",
			keys: func(b *bundle) { b.keys.status.Store(http.StatusBadGateway) },
			sign: func(t *testing.T, path string) string {
				return signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, path))
			}},
		{name: "clientKey is not iss", want: " callback not signed by the host: clientKey does not match",
			body: func(m map[string]string) { m["clientKey"] = "another-client" },
			sign: func(t *testing.T, path string) string {
				return signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, path))
			}},
		{name: "another app", want: " callback payload is for another app key",
			body: func(m map[string]string) { m["key"] = "com.example.other" },
			sign: func(t *testing.T, path string) string {
				return signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, path))
			}},
		{name: "wrong eventType", want: " callback payload eventType must be",
			body: func(m map[string]string) { m["eventType"] = "enabled" },
			sign: func(t *testing.T, path string) string {
				return signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, path))
			}},
	}
	for _, e := range events {
		for _, tt := range tests {
			t.Run(string(e.ev)+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				if tt.keys != nil {
					tt.keys(b)
				}
				body := installBody("secret-0123456789")
				body["eventType"] = e.ev.eventType()
				if tt.body != nil {
					tt.body(body)
				}
				rec := b.callback(t, e.path, tt.sign(t, e.path), body)
				if msg := errorBody(t, rec); !strings.HasPrefix(msg, string(e.ev)+tt.want) {
					t.Errorf("error %q, want %q…", msg, string(e.ev)+tt.want)
				}
			})
		}
	}
}
