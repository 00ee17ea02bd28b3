package web_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki/internal/web"
)

// cspDirective returns the value of one directive of a CSP.
func cspDirective(csp, name string) string {
	for _, d := range strings.Split(csp, ";") {
		d = strings.TrimSpace(d)
		if v, ok := strings.CutPrefix(d, name+" "); ok {
			return v
		}
	}
	return ""
}

// TestAdminIndexForgeBridge: ?transport=forge swaps Connect's all.js for
// the Forge bridge shim and lets the shim's origin script, frame and be
// called; without the query, or without a shim, the page is Connect's.
func TestAdminIndexForgeBridge(t *testing.T) {
	t.Parallel()
	const bridge = "http://127.0.0.1:8090/wiki/forge/bridge.js"
	tests := []struct {
		name, bridge, query     string
		wantTag                 string
		wantScript, wantConnect string
		wantAncestor            string
		wantLog                 bool
	}{
		{"connect", bridge, "", `<script src="` + hostScript + `"></script>`,
			"'self' https://connect-cdn.atl-paas.net", "'self'", "https://connect-cdn.atl-paas.net", false},
		{"connect asked", bridge, "?transport=connect", `<script src="` + hostScript + `"></script>`,
			"'self' https://connect-cdn.atl-paas.net", "'self'", "https://connect-cdn.atl-paas.net", false},
		{"forge", bridge, "?transport=forge", `<script src="` + bridge + `"></script>`,
			"'self' http://127.0.0.1:8090", "'self' http://127.0.0.1:8090", "http://127.0.0.1:8090", false},
		{"forge same server", "/wiki/forge/bridge.js", "?transport=forge", `<script src="/wiki/forge/bridge.js"></script>`,
			"'self'", "'self'", "'self'", false},
		{"no shim", "", "?transport=forge", `<script src="` + hostScript + `"></script>`,
			"'self' https://connect-cdn.atl-paas.net", "'self'", "https://connect-cdn.atl-paas.net", false},
		{"refused shim", "javascript:alert(1)", "?transport=forge", `<script src="` + hostScript + `"></script>`,
			"'self' https://connect-cdn.atl-paas.net", "'self'", "https://connect-cdn.atl-paas.net", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			srv := httptest.NewServer(web.Admin(web.AdminOptions{
				Service:              &fakeAdmin{},
				Authenticate:         func(*http.Request) (string, error) { return "", errors.New("no") },
				HostScriptURL:        hostScript,
				ForgeBridgeScriptURL: tt.bridge,
				Logger:               slog.New(slog.NewTextHandler(&logs, nil)),
			}))
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/admin/" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			scripts := regexp.MustCompile(`<script src=[^>]*></script>`).FindAllString(string(raw), -1)
			if len(scripts) != 1 || scripts[0] != tt.wantTag {
				t.Errorf("script tags %q, want %q", scripts, tt.wantTag)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if got := cspDirective(csp, "script-src"); got != tt.wantScript {
				t.Errorf("script-src %q, want %q", got, tt.wantScript)
			}
			if got := cspDirective(csp, "connect-src"); got != tt.wantConnect {
				t.Errorf("connect-src %q, want %q", got, tt.wantConnect)
			}
			ancestors := cspDirective(csp, "frame-ancestors")
			if !strings.HasPrefix(ancestors, "https://*.atlassian.net https://*.jira.com ") || !strings.HasSuffix(ancestors, " "+tt.wantAncestor) {
				t.Errorf("frame-ancestors %q, want the Atlassian sites and %q", ancestors, tt.wantAncestor)
			}
			if got := strings.Contains(logs.String(), "Forge bridge script URL"); got != tt.wantLog {
				t.Errorf("logged the refused shim: %v, want %v:\n%s", got, tt.wantLog, logs.String())
			}
		})
	}
}
