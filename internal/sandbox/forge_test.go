package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestForgeInstallDeliversAVerifiableEvent(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	id := b.installForge(t, map[string]any{"appVersion": "2.1.0"})

	call := b.remote.last(t, "/forge/lifecycle")
	fit, _ := b.verifyFIT(t, call.header)
	apiBase := b.srv.URL + "/ex/confluence/" + b.sb.CloudID()
	app := fit.App
	if app.ID != testAppARI || app.InstallationID != "ari:cloud:ecosystem::installation/"+id ||
		app.Installation.ID != app.InstallationID || app.APIBaseURL != apiBase || app.AppVersion != "2.1.0" || app.Version != "2" ||
		app.Module.Type != "core:endpoint" || app.Module.Key != forgeLifecycleKey || app.Environment.Type != "DEVELOPMENT" ||
		!strings.HasPrefix(app.Environment.ID, "ari:cloud:ecosystem::environment/0b7c5a3e-8a0d-4c4e-9d1f-2a6b3c4d5e6f/") ||
		len(app.Installation.Contexts) != 1 || app.Installation.Contexts[0].CloudID != b.sb.CloudID() ||
		app.Installation.Contexts[0].Name != "confluence" || app.Installation.Contexts[0].APIBaseURL != apiBase {
		t.Fatalf("FIT app claim %+v", app)
	}
	if fit.Context != nil || fit.Principal != "" {
		t.Fatalf("a lifecycle FIT carries a UI context: %+v %q", fit.Context, fit.Principal)
	}
	for _, h := range []string{"X-B3-Traceid", "X-B3-Spanid", "X-Forge-Oauth-System"} {
		if call.header.Get(h) == "" {
			t.Fatalf("no %s header", h)
		}
	}
	if call.header.Get("X-Forge-Oauth-User") != "" {
		t.Fatal("a lifecycle event carries a user token")
	}
	var ev forgeInstalledEvent
	decode(t, call.body, &ev)
	if ev.ID != id || ev.App.ID != "0b7c5a3e-8a0d-4c4e-9d1f-2a6b3c4d5e6f" || ev.App.Version != "2.1.0" ||
		"ari:cloud:ecosystem::environment/"+ev.App.ID+"/"+ev.Environment.ID != app.Environment.ID ||
		ev.EventType != "avi:forge:installed:app" || ev.Context != "ari:cloud:confluence::site/"+b.sb.CloudID() || ev.RetryContext != nil {
		t.Fatalf("installed event %s", call.body)
	}

	// The system token works on the site's REST API through the gateway.
	resp, data := b.ex(t, http.MethodGet, "/wiki/api/v2/spaces?keys=DEMO", call.header.Get("X-Forge-Oauth-System"), nil)
	checkStatus(t, resp, data, http.StatusOK)
	mustContain(t, string(data), `"key":"DEMO"`)
	if got := b.sb.ForgeInstallations(); !slices.Equal(got, []string{id}) {
		t.Fatalf("installations %v", got)
	}
}

func TestForgeInstallIsRedeliveredThenReported(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	b.remote.failLifecycle = 2
	b.installForge(t, nil)
	calls := b.remote.callsTo("/forge/lifecycle")
	if len(calls) != 3 {
		t.Fatalf("%d deliveries, want 3", len(calls))
	}
	var second forgeInstalledEvent
	decode(t, calls[1].body, &second)
	if second.RetryContext == nil || second.RetryContext.RetryCount != 1 || second.RetryContext.RetryReason != "INVALID_REMOTE_INVOCATION_ERROR" {
		t.Fatalf("redelivery %s", calls[1].body)
	}
	if calls[0].header.Get("Authorization") == calls[1].header.Get("Authorization") {
		t.Fatal("a redelivery reuses the FIT")
	}

	b.remote.mu.Lock()
	b.remote.failLifecycle = 10
	b.remote.mu.Unlock()
	req := map[string]any{"appId": testAppARI, "remoteBaseUrl": b.remote.srv.URL}
	body, _ := json.Marshal(req)
	resp, data := b.call(t, request{method: http.MethodPost, path: "/sandbox/forge/apps", body: strings.NewReader(string(body))})
	checkStatus(t, resp, data, http.StatusBadGateway)
	mustContain(t, string(data), "after 4 attempts")
	if n := len(b.remote.callsTo("/forge/lifecycle")); n != 7 {
		t.Fatalf("%d deliveries in all, want 3+4", n)
	}
	if len(b.sb.ForgeInstallations()) != 2 {
		t.Fatal("the installation whose event failed is not kept")
	}
}

func TestForgeInstallNeedsTheAdminAndAGoodRequest(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	resp, data := b.call(t, request{method: http.MethodPost, path: "/sandbox/forge/apps", auth: "-",
		body: strings.NewReader(`{"appId":"` + testAppARI + `","remoteBaseUrl":"` + b.remote.srv.URL + `"}`)})
	checkStatus(t, resp, data, http.StatusUnauthorized)
	for _, bad := range []map[string]any{
		{"appId": "0b7c5a3e-8a0d-4c4e-9d1f-2a6b3c4d5e6f", "remoteBaseUrl": b.remote.srv.URL},
		{"appId": testAppARI, "remoteBaseUrl": "ftp://x"},
		{"appId": testAppARI, "remoteBaseUrl": b.remote.srv.URL, "tokenTTL": "5h"},
		{"appId": testAppARI, "remoteBaseUrl": b.remote.srv.URL, "environmentId": "dev"},
	} {
		b.sendJSON(t, http.MethodPost, "/sandbox/forge/apps", bad, http.StatusBadRequest, nil)
	}
}

func TestForgeGatewayAcceptsOnlyTheSitesLiveTokens(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	id := b.installForge(t, map[string]any{"tokenTTL": "30s"})
	token := b.remote.last(t, "/forge/lifecycle").header.Get("X-Forge-Oauth-System")

	other := setupForge(t, Options{})
	other.installForge(t, nil)
	foreign := other.remote.last(t, "/forge/lifecycle").header.Get("X-Forge-Oauth-System")

	parts := strings.Split(token, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]

	refused := map[string]string{"none": "", "foreign site": foreign, "tampered": tampered, "garbage": "abc"}
	for name, tok := range refused {
		resp, data := b.ex(t, http.MethodGet, "/wiki/api/v2/spaces", tok, nil)
		checkStatus(t, resp, data, http.StatusUnauthorized)
		if e := v2ErrorOf(t, data); e.Code != "UNAUTHORIZED" {
			t.Fatalf("%s: %s", name, data)
		}
	}
	// Basic auth and the token on another cloudId are refused too; v1 routes answer in their shape.
	resp, data := b.call(t, request{method: http.MethodGet, path: "/ex/confluence/" + b.sb.CloudID() + "/wiki/api/v2/spaces"})
	checkStatus(t, resp, data, http.StatusUnauthorized)
	resp, data = b.call(t, request{method: http.MethodGet, path: "/ex/confluence/" + other.sb.CloudID() + "/wiki/api/v2/spaces", auth: "Bearer " + token})
	checkStatus(t, resp, data, http.StatusUnauthorized)
	resp, data = b.ex(t, http.MethodGet, "/wiki/rest/api/space/DEMO", "abc", nil)
	checkStatus(t, resp, data, http.StatusUnauthorized)
	mustContain(t, string(data), `"statusCode":401`)
	resp, data = b.ex(t, http.MethodGet, "/wiki/rest/api/space/DEMO", token, nil)
	checkStatus(t, resp, data, http.StatusOK)
	resp, data = b.ex(t, http.MethodGet, "/sandbox/forge/jwks.json", token, nil)
	checkStatus(t, resp, data, http.StatusNotFound)

	// Expiry follows the site's clock.
	b.clock.Advance(31 * time.Second)
	resp, data = b.ex(t, http.MethodGet, "/wiki/api/v2/spaces", token, nil)
	checkStatus(t, resp, data, http.StatusUnauthorized)
	if err := b.sb.ForgeTick(id); err != nil {
		t.Fatal(err)
	}
	fresh := b.remote.last(t, "/forge/tick").header.Get("X-Forge-Oauth-System")
	resp, data = b.ex(t, http.MethodGet, "/wiki/api/v2/spaces", fresh, nil)
	checkStatus(t, resp, data, http.StatusOK)
}

func TestForgeTickReusesATokenWithTwoHoursLeft(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	id := b.installForge(t, nil)
	first := b.remote.last(t, "/forge/lifecycle").header.Get("X-Forge-Oauth-System")

	b.clock.Advance(119 * time.Minute)
	b.sendJSON(t, http.MethodPost, "/sandbox/forge/apps/"+id+"/tick?times=2", nil, http.StatusNoContent, nil)
	ticks := b.remote.callsTo("/forge/tick")
	if len(ticks) != 2 {
		t.Fatalf("%d ticks, want 2", len(ticks))
	}
	for _, c := range ticks {
		if c.header.Get("X-Forge-Oauth-System") != first {
			t.Fatal("a token with 2 hours left was not reused")
		}
		var body forgeTriggerBody
		decode(t, c.body, &body)
		if body.Context.CloudID != b.sb.CloudID() || body.Context.ModuleKey == "" || body.ContextToken == "" {
			t.Fatalf("tick body %s", c.body)
		}
		fit, _ := b.verifyFIT(t, c.header)
		if fit.App.Module.Key != forgeTickKey {
			t.Fatalf("tick module %+v", fit.App.Module)
		}
	}

	b.clock.Advance(2 * time.Minute) // now less than 2 hours left
	if err := b.sb.ForgeTick(id); err != nil {
		t.Fatal(err)
	}
	second := b.remote.last(t, "/forge/tick").header.Get("X-Forge-Oauth-System")
	if second == first {
		t.Fatal("a token with less than 2 hours left was delivered again")
	}
	for _, tok := range []string{first, second} { // the first has not expired yet
		resp, data := b.ex(t, http.MethodGet, "/wiki/api/v2/spaces", tok, nil)
		checkStatus(t, resp, data, http.StatusOK)
	}
}

func TestExpireForgeTokensUntilTheNextTick(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	id := b.installForge(t, nil)
	token := b.remote.last(t, "/forge/lifecycle").header.Get("X-Forge-Oauth-System")
	b.sb.ExpireForgeTokens(id)
	resp, data := b.ex(t, http.MethodGet, "/wiki/api/v2/spaces", token, nil)
	checkStatus(t, resp, data, http.StatusUnauthorized)
	if err := b.sb.ForgeTick(id); err != nil {
		t.Fatal(err)
	}
	fresh := b.remote.last(t, "/forge/tick").header.Get("X-Forge-Oauth-System")
	if fresh == token {
		t.Fatal("the tick delivered the expired token")
	}
	resp, data = b.ex(t, http.MethodGet, "/wiki/api/v2/spaces", fresh, nil)
	checkStatus(t, resp, data, http.StatusOK)
}

func TestForgeUninstallDeliversPreUninstallAndRevokes(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	id := b.installForge(t, nil)
	token := b.remote.last(t, "/forge/lifecycle").header.Get("X-Forge-Oauth-System")
	resp, data := b.ex(t, http.MethodPut, "/wiki/api/v2/app/properties/config", token, []byte(`{"a":1}`))
	checkStatus(t, resp, data, http.StatusCreated)

	resp, data = b.call(t, request{method: http.MethodDelete, path: "/sandbox/forge/apps/" + id})
	checkStatus(t, resp, data, http.StatusNoContent)
	call := b.remote.last(t, "/forge/pre-uninstall")
	b.verifyFIT(t, call.header)
	var body forgeTriggerBody
	decode(t, call.body, &body)
	if body.Context.CloudID != b.sb.CloudID() || body.ContextToken == "" || call.header.Get("X-Forge-Oauth-System") == "" {
		t.Fatalf("preUninstall %s", call.body)
	}
	resp, data = b.ex(t, http.MethodGet, "/wiki/api/v2/spaces", token, nil)
	checkStatus(t, resp, data, http.StatusUnauthorized)
	if _, ok := b.sb.ForgeProperty(id, "config"); ok || len(b.sb.ForgeInstallations()) != 0 {
		t.Fatal("the installation or its properties survived the uninstall")
	}
	if err := b.sb.ForgeTick(id); err == nil {
		t.Fatal("an uninstalled app was ticked")
	}
	resp, data = b.call(t, request{method: http.MethodDelete, path: "/sandbox/forge/apps/" + id})
	checkStatus(t, resp, data, http.StatusNotFound)
}

func TestForgeKeyRotationKeepsThePreviousKey(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	id := b.installForge(t, nil)
	_, k1 := b.verifyFIT(t, b.remote.last(t, "/forge/lifecycle").header)

	var rot struct {
		Kid  string
		Kids []string
	}
	b.sendJSON(t, http.MethodPost, "/sandbox/forge/rotate-key", nil, http.StatusOK, &rot)
	if !slices.Equal(rot.Kids, []string{k1, rot.Kid}) || len(b.jwks(t)) != 2 {
		t.Fatalf("after one rotation: %+v", rot)
	}
	if err := b.sb.ForgeTick(id); err != nil {
		t.Fatal(err)
	}
	if _, kid := b.verifyFIT(t, b.remote.last(t, "/forge/tick").header); kid != rot.Kid {
		t.Fatalf("signed with %s, want the new key %s", kid, rot.Kid)
	}
	k2 := rot.Kid
	b.sendJSON(t, http.MethodPost, "/sandbox/forge/rotate-key", nil, http.StatusOK, &rot)
	keys := b.jwks(t)
	if _, old := keys[k1]; old || len(keys) != 2 || keys[k2] == nil {
		t.Fatalf("after two rotations: %v", rot.Kids)
	}
	resp, data := b.call(t, request{method: http.MethodPost, path: "/sandbox/forge/rotate-key", auth: "-"})
	checkStatus(t, resp, data, http.StatusUnauthorized)
}
