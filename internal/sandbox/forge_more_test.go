package sandbox

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func TestForgeAppProperties(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	id := b.installForge(t, nil)
	token := b.remote.last(t, "/forge/lifecycle").header.Get("X-Forge-Oauth-System")
	const props = "/wiki/api/v2/app/properties"

	resp, data := b.ex(t, http.MethodGet, props+"/config", token, nil)
	checkStatus(t, resp, data, http.StatusNotFound)
	resp, data = b.ex(t, http.MethodPut, props+"/config", token, []byte(`{"spaces":["DEMO"]}`))
	checkStatus(t, resp, data, http.StatusCreated)
	resp, data = b.ex(t, http.MethodPut, props+"/config", token, []byte(`{"spaces":["DOCS"]}`))
	checkStatus(t, resp, data, http.StatusOK)
	resp, data = b.ex(t, http.MethodGet, props+"/config", token, nil)
	checkStatus(t, resp, data, http.StatusOK)
	if string(data) != `{"key":"config","value":{"spaces":["DOCS"]}}`+"\n" {
		t.Fatalf("GET %s", data)
	}
	if v, ok := b.sb.ForgeProperty(id, "config"); !ok || string(v) != `{"spaces":["DOCS"]}` {
		t.Fatalf("ForgeProperty %s %v", v, ok)
	}

	// Values of at most 32768 characters, valid JSON.
	big := `"` + strings.Repeat("x", maxAppPropertyValue-2) + `"`
	resp, data = b.ex(t, http.MethodPut, props+"/big", token, []byte(big))
	checkStatus(t, resp, data, http.StatusCreated)
	resp, data = b.ex(t, http.MethodPut, props+"/big", token, []byte(big+" "))
	checkStatus(t, resp, data, http.StatusBadRequest)
	resp, data = b.ex(t, http.MethodPut, props+"/bad", token, []byte(`{nope`))
	checkStatus(t, resp, data, http.StatusBadRequest)
	resp, data = b.ex(t, http.MethodGet, props+"/"+strings.Repeat("k", 128), token, nil)
	checkStatus(t, resp, data, http.StatusBadRequest)

	// The list, paged by cursor.
	var page struct {
		Results []struct {
			Key   string
			Value json.RawMessage
		}
		Links struct{ Next string } `json:"_links"`
	}
	resp, data = b.ex(t, http.MethodGet, props+"?limit=1", token, nil)
	checkStatus(t, resp, data, http.StatusOK)
	decode(t, data, &page)
	if len(page.Results) != 1 || page.Results[0].Key != "big" || !strings.HasPrefix(page.Links.Next, props+"?") {
		t.Fatalf("first page %s", data)
	}
	resp, data = b.ex(t, http.MethodGet, strings.TrimPrefix(page.Links.Next, ""), token, nil)
	checkStatus(t, resp, data, http.StatusOK)
	page.Links.Next = ""
	decode(t, data, &page)
	if len(page.Results) != 1 || page.Results[0].Key != "config" || page.Links.Next != "" {
		t.Fatalf("second page %s", data)
	}

	resp, data = b.ex(t, http.MethodDelete, props+"/config", token, nil)
	checkStatus(t, resp, data, http.StatusNoContent)
	resp, data = b.ex(t, http.MethodDelete, props+"/config", token, nil)
	checkStatus(t, resp, data, http.StatusNoContent)
	if _, ok := b.sb.ForgeProperty(id, "config"); ok {
		t.Fatal("deleted property still there")
	}

	// asApp only: not the administrator's basic auth, not a user token.
	resp, data = b.call(t, request{method: http.MethodGet, path: props})
	checkStatus(t, resp, data, http.StatusForbidden)
	user, err := b.sb.productToken(b.installation(t, id), siteAdmin())
	if err != nil {
		t.Fatal(err)
	}
	resp, data = b.ex(t, http.MethodGet, props, user, nil)
	checkStatus(t, resp, data, http.StatusForbidden)
	resp, data = b.ex(t, http.MethodGet, "/wiki/api/v2/spaces", user, nil)
	checkStatus(t, resp, data, http.StatusOK)
}

func (b *forgeBundle) installation(t *testing.T, id string) forgeInstall {
	t.Helper()
	in, ok := b.sb.forgeInstallation(id)
	if !ok {
		t.Fatalf("no installation %s", id)
	}
	return in
}

func TestForgeStatePersists(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	b := setupForge(t, Options{StatePath: path})
	id := b.installForge(t, nil)
	token := b.remote.last(t, "/forge/lifecycle").header.Get("X-Forge-Oauth-System")
	resp, data := b.ex(t, http.MethodPut, "/wiki/api/v2/app/properties/config", token, []byte(`{"a":1}`))
	checkStatus(t, resp, data, http.StatusCreated)
	cloudID := b.sb.CloudID()
	b.srv.Close()
	if err := b.sb.Close(); err != nil {
		t.Fatal(err)
	}

	again := setupForge(t, Options{StatePath: path})
	again.clock.Advance(b.clock.Now().Sub(again.clock.Now()))
	if again.sb.CloudID() != cloudID || len(again.sb.ForgeInstallations()) != 1 {
		t.Fatalf("after a restart: cloudId %s (was %s), installations %v", again.sb.CloudID(), cloudID, again.sb.ForgeInstallations())
	}
	if v, ok := again.sb.ForgeProperty(id, "config"); !ok || string(v) != `{"a":1}` {
		t.Fatalf("property after a restart: %s %v", v, ok)
	}
	resp, data = again.ex(t, http.MethodGet, "/wiki/api/v2/app/properties/config", token, nil)
	checkStatus(t, resp, data, http.StatusOK)
}

// invoke calls the admin page's invoke endpoint as host.js does.
func (b *forgeBundle) invoke(t *testing.T, id string, in map[string]any, want int) map[string]any {
	t.Helper()
	body, _ := json.Marshal(in)
	resp, data := b.call(t, request{method: http.MethodPost, path: "/wiki/admin/forge/" + id + "/invoke", auth: "-",
		body: strings.NewReader(string(body)), contentType: "application/json", header: map[string]string{"X-Mailwiki-Sandbox": "1"}})
	checkStatus(t, resp, data, want)
	var out map[string]any
	decode(t, data, &out)
	return out
}

func TestForgeInvokeRelaysAndEnforcesTheContract(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	id := b.installForge(t, nil)

	out := b.invoke(t, id, map[string]any{"path": "/api/ok?x=1", "method": "POST", "headers": map[string]string{"X-Custom": "c"},
		"body": map[string]any{"hello": "world"}}, http.StatusOK)
	if out["status"] != float64(200) || out["body"].(map[string]any)["method"] != "POST" ||
		out["body"].(map[string]any)["echo"].(map[string]any)["hello"] != "world" {
		t.Fatalf("invoke answer %v", out)
	}
	if h := out["headers"].(map[string]any)["x-remote"].([]any); h[0] != "yes" {
		t.Fatalf("headers %v", out["headers"])
	}
	call := b.remote.last(t, "/api/ok")
	if call.path != "/api/ok?x=1" || call.header.Get("X-Custom") != "c" || call.header.Get("X-Forge-Oauth-User") == "" ||
		call.header.Get("X-Forge-Oauth-System") == "" {
		t.Fatalf("remote call %+v", call)
	}
	fit, _ := b.verifyFIT(t, call.header)
	if fit.Principal != siteAdmin() || fit.Context == nil || fit.Context.CloudID != b.sb.CloudID() ||
		fit.Context.SiteURL != b.srv.URL || fit.Context.Extension.Type != "confluence:globalSettings" || fit.Context.LocalID == "" ||
		!strings.HasPrefix(fit.App.Module.Type, "xen:") {
		t.Fatalf("UI FIT %+v %+v", fit.Context, fit.App.Module)
	}
	resp, data := b.ex(t, http.MethodGet, "/wiki/api/v2/spaces", call.header.Get("X-Forge-Oauth-User"), nil)
	checkStatus(t, resp, data, http.StatusOK)

	out = b.invoke(t, id, map[string]any{"path": "/api/json-error", "method": "GET"}, http.StatusOK)
	if out["status"] != float64(400) || out["body"].(map[string]any)["error"] != "bad input" {
		t.Fatalf("JSON error answer %v", out)
	}
	out = b.invoke(t, id, map[string]any{"path": "/api/empty", "method": "DELETE"}, http.StatusOK)
	if out["status"] != float64(204) || out["body"] != nil {
		t.Fatalf("empty answer %v", out)
	}
	for path, problem := range map[string]string{"/api/redirect": "redirect", "/api/text-error": "content-type", "/api/bare-error": "no JSON body"} {
		out = b.invoke(t, id, map[string]any{"path": path, "method": "GET"}, http.StatusBadGateway)
		mustContain(t, out["message"].(string), problem)
	}
	for _, bad := range []map[string]any{
		{"path": "/api/ok", "method": "HEAD"},
		{"path": "api/ok", "method": "GET"},
		{"path": "/../ok", "method": "GET"},
		{"path": "/api/ok", "method": "POST", "body": []int{1}},
		{"path": "/api/ok", "method": "GET", "headers": map[string]string{"Authorization": "x"}},
	} {
		b.invoke(t, id, bad, http.StatusBadRequest)
	}

	// Only the sandbox's own page may call it.
	resp, data = b.call(t, request{method: http.MethodPost, path: "/wiki/admin/forge/" + id + "/invoke", auth: "-",
		body: strings.NewReader(`{"path":"/api/ok","method":"GET"}`)})
	checkStatus(t, resp, data, http.StatusForbidden)
	resp, data = b.call(t, request{method: http.MethodPost, path: "/wiki/admin/forge/" + id + "/invoke", auth: "-",
		body:   strings.NewReader(`{"path":"/api/ok","method":"GET"}`),
		header: map[string]string{"X-Mailwiki-Sandbox": "1", "Origin": "http://evil.example"}})
	checkStatus(t, resp, data, http.StatusForbidden)
	b.invoke(t, "f0000000-0000-4000-a000-000000000000", map[string]any{"path": "/api/ok", "method": "GET"}, http.StatusNotFound)
}

func TestForgeAdminPageHostsTheCustomUI(t *testing.T) {
	t.Parallel()
	b := setupForge(t, Options{})
	id := b.installForge(t, nil)
	resp, data := b.call(t, request{method: http.MethodGet, path: "/wiki/admin/forge/" + id, auth: "-"})
	checkStatus(t, resp, data, http.StatusOK)
	page := string(data)
	mustContain(t, page, "mailwiki – Settings")
	mustContain(t, page, `src="`+b.remote.srv.URL+`/admin/?transport=forge"`)
	mustContain(t, page, `data-endpoint="/wiki/admin/forge/`+id+`"`)
	mustContain(t, resp.Header.Get("Content-Security-Policy"), "frame-src "+b.remote.srv.URL)
	for _, script := range []string{"/wiki/forge/bridge.js", "/wiki/forge/host.js"} {
		resp, data = b.call(t, request{method: http.MethodGet, path: script, auth: "-"})
		checkStatus(t, resp, data, http.StatusOK)
		mustContain(t, resp.Header.Get("Content-Type"), "javascript")
	}
	mustContain(t, forgeBridgeJS, "window.__mailwikiForgeBridge")
	mustContain(t, forgeBridgeJS, "data-color-mode")
	resp, data = b.call(t, request{method: http.MethodGet, path: "/wiki/admin/forge/nope", auth: "-"})
	checkStatus(t, resp, data, http.StatusNotFound)
}
