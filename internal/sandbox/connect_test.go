package sandbox

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fakeApp is a Connect app on loopback: it serves its descriptor and
// records the lifecycle callbacks it receives.
type fakeApp struct {
	srv    *httptest.Server
	key    string
	fail   bool // answer 500 to installed
	mu     sync.Mutex
	events []lifecycleCall
}

type lifecycleCall struct {
	path, auth string
	body       lifecyclePayload
}

func newFakeApp(t *testing.T, key string) *fakeApp {
	t.Helper()
	a := &fakeApp{key: key}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeApp) baseURL() string { return a.srv.URL + "/app" }

func (a *fakeApp) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/atlassian-connect.json":
		writeJSON(w, 200, map[string]any{"key": a.key, "name": "mailwiki", "baseUrl": a.baseURL(),
			"authentication": map[string]string{"type": "jwt"},
			"lifecycle":      map[string]string{"installed": "/installed", "uninstalled": "/uninstalled"},
			"modules": map[string]any{"adminPages": []map[string]any{
				{"key": "settings", "url": "/admin?tab=general", "name": map[string]string{"value": "Settings"}}}}})
	case "/app/installed", "/app/uninstalled":
		var p lifecyclePayload
		_ = json.NewDecoder(r.Body).Decode(&p)
		a.mu.Lock()
		a.events = append(a.events, lifecycleCall{path: r.URL.Path, auth: r.Header.Get("Authorization"), body: p})
		fail := a.fail
		a.mu.Unlock()
		if fail && p.EventType == "installed" {
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(204)
	default:
		http.NotFound(w, r)
	}
}

func (a *fakeApp) lastEvent(t *testing.T) lifecycleCall {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.events) == 0 {
		t.Fatal("the app received no lifecycle callback")
	}
	return a.events[len(a.events)-1]
}

// install installs the fake app and returns its shared secret.
func (b *bundle) install(t *testing.T, a *fakeApp, want int) string {
	t.Helper()
	var out map[string]string
	b.sendJSON(t, http.MethodPost, "/sandbox/apps", map[string]string{"descriptorUrl": a.srv.URL + "/atlassian-connect.json"}, want, &out)
	if want != http.StatusCreated {
		return ""
	}
	if out["appKey"] != a.key || out["clientKey"] != b.sb.ClientKey() {
		t.Fatalf("install answer %v", out)
	}
	return a.lastEvent(t).body.SharedSecret
}

// appToken signs a REST call as an app would.
func appToken(t *testing.T, secret, iss, method, path string, exp time.Duration) string {
	t.Helper()
	u, _ := url.Parse(path)
	now := time.Now()
	claims := jwt.MapClaims{"iss": iss, "iat": now.Unix(), "exp": now.Add(exp).Unix(),
		"qsh": qshOf(method, relativePath(u.EscapedPath(), "/wiki"), u.Query())}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return "JWT " + s
}

// setupReal is setup with the wall clock: JWTs are checked against it.
func setupReal(t *testing.T) *bundle {
	t.Helper()
	return setupWith(t, Options{Now: time.Now})
}

func TestInstallSignsTheCallbackWithTheServedKey(t *testing.T) {
	t.Parallel()
	b := setupReal(t)
	app := newFakeApp(t, "mailwiki-app")
	secret := b.install(t, app, http.StatusCreated)
	ev := app.lastEvent(t)
	p := ev.body
	if secret == "" || p.Key != app.key || p.ClientKey != b.sb.ClientKey() || p.EventType != "installed" ||
		p.ProductType != "confluence" || p.BaseURL != b.srv.URL+"/wiki" {
		t.Fatalf("installed payload %+v", p)
	}
	token := strings.TrimPrefix(ev.auth, "JWT ")
	parsed, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := parsed.Header["kid"].(string)
	resp, pemBytes := b.call(t, request{method: http.MethodGet, path: "/sandbox/connect-keys/" + kid, auth: "-"})
	checkStatus(t, resp, pemBytes, 200)
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("not a PEM public key: %s", pemBytes)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(b.sb.ClientKey()), jwt.WithAudience(app.baseURL()), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("install JWT: %v", err)
	}
	if claims["qsh"] != qshOf("POST", "/installed", nil) {
		t.Fatalf("install qsh %v", claims["qsh"])
	}
	if resp, _ := b.call(t, request{method: http.MethodGet, path: "/sandbox/connect-keys/nope", auth: "-"}); resp.StatusCode != 404 {
		t.Fatalf("unknown kid: %d", resp.StatusCode)
	}
	if got := b.sb.InstalledApps(); len(got) != 1 || got[0] != app.key {
		t.Fatalf("InstalledApps %v", got)
	}
	if again := b.install(t, app, http.StatusCreated); again == secret {
		t.Fatal("re-installation kept the shared secret")
	}
}

func TestInstallNeedsTheAdminAndAWillingApp(t *testing.T) {
	t.Parallel()
	b := setupReal(t)
	app := newFakeApp(t, "refusing")
	body := `{"descriptorUrl":"` + app.srv.URL + `/atlassian-connect.json"}`
	resp, data := b.call(t, request{method: "POST", path: "/sandbox/apps", body: strings.NewReader(body), auth: "-"})
	checkStatus(t, resp, data, 401)
	app.fail = true
	resp, data = b.call(t, request{method: "POST", path: "/sandbox/apps", body: strings.NewReader(body)})
	checkStatus(t, resp, data, 502)
	mustContain(t, string(data), `"statusCode":502`)
	if len(b.sb.InstalledApps()) != 0 {
		t.Fatal("an app that refused was installed")
	}
	resp, data = b.call(t, request{method: "DELETE", path: "/sandbox/apps/refusing"})
	checkStatus(t, resp, data, 404)
}

func TestAppJWTAuthenticatesRESTCalls(t *testing.T) {
	t.Parallel()
	b := setupReal(t)
	app := newFakeApp(t, "jwt-app")
	secret := b.install(t, app, http.StatusCreated)
	path := "/wiki/rest/api/space/" + DemoSpaceKey + "?expand=homepage"
	cases := []struct {
		name, auth string
		want       int
	}{
		{"good", appToken(t, secret, app.key, "GET", path, time.Minute), 200},
		{"forged", appToken(t, "not-the-secret", app.key, "GET", path, time.Minute), 401},
		{"expired", appToken(t, secret, app.key, "GET", path, -time.Minute), 401},
		{"bad qsh", appToken(t, secret, app.key, "GET", "/wiki/rest/api/space/OTHER", time.Minute), 401},
		{"unknown app", appToken(t, secret, "stranger", "GET", path, time.Minute), 401},
	}
	for _, c := range cases {
		resp, data := b.call(t, request{method: "GET", path: path, auth: c.auth})
		if resp.StatusCode != c.want {
			t.Fatalf("%s: status %d, want %d: %s", c.name, resp.StatusCode, c.want, data)
		}
	}
	v2path := "/wiki/api/v2/spaces"
	resp, data := b.call(t, request{method: "GET", path: v2path, auth: appToken(t, "x", app.key, "GET", v2path, time.Minute)})
	checkStatus(t, resp, data, 401)
	if v2ErrorOf(t, data).Code != "UNAUTHORIZED" {
		t.Fatalf("v2 error shape: %s", data)
	}
}

func TestAppProperties(t *testing.T) {
	t.Parallel()
	b := setupReal(t)
	app := newFakeApp(t, "props-app")
	other := newFakeApp(t, "other-app")
	secret := b.install(t, app, http.StatusCreated)
	otherSecret := b.install(t, other, http.StatusCreated)
	base := "/wiki/rest/atlassian-connect/1/addons/props-app/properties"
	as := func(method, path, body string, secret, iss string) (*http.Response, []byte) {
		return b.call(t, request{method: method, path: path, body: strings.NewReader(body), contentType: "application/json",
			auth: appToken(t, secret, iss, method, path, time.Minute)})
	}
	resp, data := as("PUT", base+"/config", `{"a":1}`, secret, app.key)
	checkStatus(t, resp, data, 201)
	resp, data = as("PUT", base+"/config", `{"a":2}`, secret, app.key)
	checkStatus(t, resp, data, 200)
	resp, data = as("GET", base+"/config", "", secret, app.key)
	checkStatus(t, resp, data, 200)
	var got struct {
		Key   string
		Value map[string]int
		Self  string
	}
	decode(t, data, &got)
	if got.Key != "config" || got.Value["a"] != 2 || !strings.HasSuffix(got.Self, base+"/config") {
		t.Fatalf("property %s", data)
	}
	resp, data = as("GET", base, "", secret, app.key)
	checkStatus(t, resp, data, 200)
	mustContain(t, string(data), `"keys":[{"key":"config"`)
	for name, body := range map[string]string{"invalid JSON": `{`, "too long": `"` + strings.Repeat("x", 32767) + `"`} {
		if resp, data := as("PUT", base+"/big", body, secret, app.key); resp.StatusCode != 400 {
			t.Fatalf("%s: status %d: %s", name, resp.StatusCode, data)
		}
	}
	resp, data = as("PUT", base+"/max", `"`+strings.Repeat("x", 32766)+`"`, secret, app.key)
	checkStatus(t, resp, data, 201)
	resp, data = as("GET", base+"/config", "", otherSecret, other.key)
	checkStatus(t, resp, data, 403)
	b.getJSON(t, base+"/config", 200, nil) // the site admin
	resp, data = as("DELETE", base+"/max", "", secret, app.key)
	checkStatus(t, resp, data, 204)
	resp, data = as("GET", base+"/max", "", secret, app.key)
	checkStatus(t, resp, data, 404)
	if v, ok := b.sb.AppProperty(app.key, "config"); !ok || string(v) != `{"a":2}` {
		t.Fatalf("AppProperty %s %v", v, ok)
	}

	resp, data = b.call(t, request{method: "DELETE", path: "/sandbox/apps/props-app"})
	checkStatus(t, resp, data, 204)
	if ev := app.lastEvent(t); ev.path != "/app/uninstalled" || ev.body.EventType != "uninstalled" || ev.body.SharedSecret != "" {
		t.Fatalf("uninstall callback %+v", ev)
	}
	if _, ok := b.sb.AppProperty(app.key, "config"); ok {
		t.Fatal("properties kept after uninstall")
	}
	resp, data = as("GET", base+"/config", "", secret, app.key)
	checkStatus(t, resp, data, 401)
}

func TestAdminPageHostsTheAppWithAPageToken(t *testing.T) {
	t.Parallel()
	b := setupReal(t)
	app := newFakeApp(t, "page-app")
	secret := b.install(t, app, http.StatusCreated)
	resp, data := b.call(t, request{method: "GET", path: "/wiki/plugins/servlet/ac/page-app/settings", auth: "-"})
	checkStatus(t, resp, data, 200)
	html := string(data)
	mustContain(t, html, "mailwiki – Settings")
	m := regexp.MustCompile(`<iframe id="ac-frame"[^>]* src="([^"]+)"`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no iframe in %s", html)
	}
	src, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	q := src.Query()
	if !strings.HasPrefix(src.String(), app.baseURL()+"/admin?") || q.Get("xdm_e") != b.srv.URL || q.Get("cp") != "/wiki" || q.Get("tab") != "general" {
		t.Fatalf("iframe src %s", src)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(q.Get("jwt"), claims, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(b.sb.ClientKey()), jwt.WithSubject(siteAdmin()), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("page JWT: %v", err)
	}
	if claims["qsh"] != qshOf("GET", "/admin", q) {
		t.Fatalf("page qsh %v", claims["qsh"])
	}

	resp, data = b.call(t, request{method: "GET", path: "/wiki/atlassian-connect/all.js", auth: "-"})
	checkStatus(t, resp, data, 200)
	for _, want := range []string{"window.AP", "getToken", "postMessage", "e.origin !== host", "data-color-mode", "sizeToParent"} {
		mustContain(t, string(data), want)
	}
	tokenPath := "/wiki/plugins/servlet/ac/page-app/settings/token"
	resp, data = b.call(t, request{method: "POST", path: tokenPath, auth: "-", header: map[string]string{"Origin": "http://evil.test", "X-Mailwiki-Sandbox": "1"}})
	checkStatus(t, resp, data, 403)
	resp, data = b.call(t, request{method: "POST", path: tokenPath, auth: "-", header: map[string]string{"X-Mailwiki-Sandbox": "1"}})
	checkStatus(t, resp, data, 200)
	var tok struct{ Token string }
	decode(t, data, &tok)
	claims = jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tok.Token, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil }); err != nil || claims["qsh"] != "context-qsh" {
		t.Fatalf("context token %v %v", err, claims)
	}
	reqBody, _ := json.Marshal(apRequest{URL: "/rest/api/space/" + DemoSpaceKey})
	resp, data = b.call(t, request{method: "POST", path: "/wiki/plugins/servlet/ac/page-app/settings/request", auth: "-",
		body: bytes.NewReader(reqBody), header: map[string]string{"X-Mailwiki-Sandbox": "1"}})
	checkStatus(t, resp, data, 200)
	mustContain(t, string(data), `"status":200`)
}

// TestConnectStatePersists checks the client key, apps and properties
// survive a restart.
func TestConnectStatePersists(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/sandbox.db"
	b := setupWith(t, Options{StatePath: path, Now: time.Now})
	app := newFakeApp(t, "kept-app")
	secret := b.install(t, app, http.StatusCreated)
	p := "/wiki/rest/atlassian-connect/1/addons/kept-app/properties/k"
	resp, data := b.call(t, request{method: "PUT", path: p, body: strings.NewReader(`[1]`), auth: appToken(t, secret, app.key, "PUT", p, time.Minute)})
	checkStatus(t, resp, data, 201)
	key := b.sb.ClientKey()
	b.close(t)
	again := setupWith(t, Options{StatePath: path, Now: time.Now})
	if again.sb.ClientKey() != key {
		t.Fatal("client key changed across restart")
	}
	if v, ok := again.sb.AppProperty(app.key, "k"); !ok || string(v) != "[1]" {
		t.Fatalf("property after restart: %s %v", v, ok)
	}
	resp, data = again.call(t, request{method: "GET", path: p, auth: appToken(t, secret, app.key, "GET", p, time.Minute)})
	checkStatus(t, resp, data, 200)
	_, _ = io.Discard.Write(data)
}
