package forge

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailwiki/mailwiki"
)

// wantRegistration is the Registration a good FIT with a system token
// expiring at exp registers.
func wantRegistration(secret string, exp time.Time) mailwiki.Registration {
	r := mailwiki.Registration{
		Tenant: mailwiki.Tenant{ID: instUUID, Mode: mailwiki.ModeForge, BaseURL: testAPIBase + "/wiki",
			Flavor: mailwiki.FlavorCloud},
		AppKey: testAppID, CloudID: testCloudID, SecretExpiresAt: exp,
	}
	if secret != "" {
		r.Secret = []byte(secret)
	}
	return r
}

func sameRegistration(t *testing.T, got, want mailwiki.Registration) {
	t.Helper()
	if string(got.Secret) != string(want.Secret) || (got.Secret == nil) != (want.Secret == nil) {
		t.Errorf("secret differs (got %d bytes, nil %t)", len(got.Secret), got.Secret == nil)
	}
	got.Secret, want.Secret = nil, nil
	if !got.SecretExpiresAt.Equal(want.SecretExpiresAt) {
		t.Errorf("expiry %v, want %v", got.SecretExpiresAt, want.SecretExpiresAt)
	}
	got.SecretExpiresAt, want.SecretExpiresAt = time.Time{}, time.Time{}
	if got.Tenant != want.Tenant || got.AppKey != want.AppKey || got.CloudID != want.CloudID || got.State != want.State {
		t.Errorf("registration\n got  %+v\n want %+v", got, want)
	}
}

// A lifecycle event registers the installation named by the token,
// whatever the body's shape (which names another installation here: the
// body is never trusted).
func TestLifecycleInstalls(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"bare":       `{"eventType":"avi:forge:installed:app","id":"11111111-2222-4333-8444-555555555555","app":{"id":"` + appUUID + `"}}`,
		"wrapped":    `{"payload":{"eventType":"avi:forge:upgraded:app","id":"11111111-2222-4333-8444-555555555555"}}`,
		"no type":    `{"id":"` + instUUID + `","environment":{"id":"` + envUUID + `"}}`,
		"empty":      ``,
		"not JSON":   `<xml/>`,
		"weird type": `{"eventType":"<script>"}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Options{})
			exp := b.clock.Now().Add(3 * time.Hour).Truncate(time.Second)
			sys := productToken(exp, "sys")
			fit := b.fit(nil)
			rec := b.call(LifecyclePath, fit, body, systemTokenHeader, sys)
			if rec.Code != http.StatusNoContent {
				t.Fatalf("status %d, body %s", rec.Code, rec.Body)
			}
			installs, uninstalls := b.reg.calls()
			if len(installs) != 1 || len(uninstalls) != 0 {
				t.Fatalf("%d installs, %d uninstalls, want 1, 0", len(installs), len(uninstalls))
			}
			sameRegistration(t, installs[0], wantRegistration(sys, exp))
			if logs := b.logs.String(); strings.Contains(logs, sys) || strings.Contains(logs, fit) {
				t.Error("a token was logged")
			}
		})
	}
}

// The hourly tick refreshes the registration with its system token; a
// tick without one registers no secret (the held token stays).
func TestTick(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	exp := b.clock.Now().Add(2 * time.Hour).Truncate(time.Second)
	sys := productToken(exp, "tick")
	if rec := b.call(TickPath, b.fit(nil), `{"context":{"cloudId":"x","moduleKey":"mw-tick"},"contextToken":"opaque"}`, systemTokenHeader, "Bearer "+sys); rec.Code != http.StatusNoContent {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	if rec := b.call(TickPath, b.fit(nil), ``); rec.Code != http.StatusNoContent {
		t.Fatalf("without token: status %d, body %s", rec.Code, rec.Body)
	}
	installs, _ := b.reg.calls()
	if len(installs) != 2 {
		t.Fatalf("%d installs, want 2", len(installs))
	}
	sameRegistration(t, installs[0], wantRegistration(sys, exp))
	sameRegistration(t, installs[1], wantRegistration("", time.Time{}))
}

// preUninstall is acknowledged at once; the uninstall then runs with a
// context the request's end does not cancel.
func TestPreUninstall(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	rec := b.call(PreUninstallPath, b.fit(nil), `{"context":{"cloudId":"`+testCloudID+`"}}`)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	select {
	case id := <-b.reg.uninstalled:
		if id != instUUID {
			t.Errorf("uninstalled %q, want %q", id, instUUID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Uninstall not called")
	}
	b.forge.Wait()
	if !strings.Contains(b.logs.String(), "forge: uninstalled") {
		t.Error("outcome not logged")
	}
	if installs, _ := b.reg.calls(); len(installs) != 0 {
		t.Errorf("%d installs on preUninstall", len(installs))
	}
}

// A failing uninstall is logged; the acknowledgement was sent anyway.
func TestPreUninstallFailureLogged(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	b.reg.err = errors.New("database gone")
	if rec := b.call(PreUninstallPath, b.fit(nil), ``); rec.Code != http.StatusAccepted {
		t.Fatalf("status %d", rec.Code)
	}
	<-b.reg.uninstalled
	b.forge.Wait()
	if !strings.Contains(b.logs.String(), "forge: uninstall failed") {
		t.Error("failure not logged")
	}
}

// A registry failure is answered with a JSON body (so Forge retries the
// event), never 401.
func TestRegistryFailure(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	b.reg.err = errors.New("database locked")
	rec := b.call(LifecyclePath, b.fit(nil), `{}`)
	wantJSONError(t, rec, http.StatusServiceUnavailable, "try again")
	if strings.Contains(rec.Body.String(), "database") {
		t.Error("internal detail in the answer")
	}
}

// Wrong methods and unknown paths get JSON errors, and no path is ever
// redirected.
func TestRoutes(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	h := b.forge.Handler()
	cases := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, LifecyclePath, http.StatusMethodNotAllowed},
		{http.MethodPut, TickPath, http.StatusMethodNotAllowed},
		{http.MethodPost, "/forge/other", http.StatusNotFound},
		{http.MethodPost, "//forge/lifecycle", http.StatusNotFound},
		{http.MethodPost, "/forge/x/../lifecycle", http.StatusNotFound},
		{http.MethodPost, LifecyclePath + "/", http.StatusNotFound},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(tc.method, "/", nil)
		req.URL.Path = tc.path
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		wantJSONError(t, rec, tc.status, "")
	}
}

// The admin page's calls: a FIT with a principal authenticates its
// installation and refreshes the registration; one without is refused.
func TestAuthenticate(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	exp := b.clock.Now().Add(3 * time.Hour).Truncate(time.Second)
	sys := productToken(exp, "ui")
	ui := func(c jwt.MapClaims) {
		app(c)["module"] = map[string]any{"type": "xen:confluence-global-settings", "key": "mw-admin"}
		c["context"] = map[string]any{"cloudId": testCloudID, "moduleKey": "mw-admin"}
		c["principal"] = "5be24ad8b1653240376955d2"
	}
	req := httptest.NewRequest(http.MethodGet, "/admin/api/config", nil)
	req.Header.Set("Authorization", "Bearer "+b.fit(ui))
	req.Header.Set(systemTokenHeader, sys)
	req.Header.Set(userTokenHeader, productToken(exp, "user"))
	id, err := b.forge.Authenticate(req)
	if err != nil || id != instUUID {
		t.Fatalf("Authenticate = %q, %v; want %q", id, err, instUUID)
	}
	installs, _ := b.reg.calls()
	if len(installs) != 1 {
		t.Fatalf("%d installs, want 1", len(installs))
	}
	sameRegistration(t, installs[0], wantRegistration(sys, exp))

	req.Header.Set("Authorization", "Bearer "+b.fit(nil))
	if id, err := b.forge.Authenticate(req); mailwiki.ErrorCode(err) != mailwiki.EUNAUTHORIZED || id != "" {
		t.Errorf("without principal: %q, %v; want EUNAUTHORIZED", id, err)
	}
	req.Header.Set("Authorization", "Bearer "+sign(t, b.claims(), "key-a", "foreign"))
	if _, err := b.forge.Authenticate(req); mailwiki.ErrorCode(err) != mailwiki.EUNAUTHORIZED {
		t.Errorf("forged: %v; want EUNAUTHORIZED", err)
	}
	if installs, _ := b.reg.calls(); len(installs) != 1 {
		t.Errorf("%d installs after refusals, want 1", len(installs))
	}
}

// In a sandbox (AllowInsecureHTTP), an http API base URL on an allowed
// host is accepted and the tenant marked as such.
func TestSandboxHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{AllowInsecureHTTP: true, APIHosts: []string{"127.0.0.1:8089"}})
	base := "http://127.0.0.1:8089/ex/confluence/" + testCloudID
	rec := b.call(LifecyclePath, b.fit(func(c jwt.MapClaims) {
		app(c)["apiBaseUrl"] = base
		app(c)["installation"].(map[string]any)["contexts"] = []any{map[string]any{"name": "confluence", "apiBaseUrl": base, "cloudId": testCloudID}}
	}), `{}`)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	installs, _ := b.reg.calls()
	if len(installs) != 1 || installs[0].BaseURL != base+"/wiki" || !installs[0].AllowInsecureHTTP {
		t.Errorf("installs %+v", installs)
	}
	// api.atlassian.com is not allowed once APIHosts is set.
	wantJSONError(t, b.call(LifecyclePath, b.fit(nil), `{}`), http.StatusUnauthorized, "host not allowed")
}

// A token minted for the admin page (a user, a UI context, a xen: module)
// cannot deliver lifecycle events, triggers or preUninstall: the page's
// invokeRemote can name any path, and preUninstall wipes the installation.
func TestUICallsCannotReachBackendEndpoints(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	variants := map[string]func(jwt.MapClaims){
		"ui module and user": func(c jwt.MapClaims) {
			app(c)["module"] = map[string]any{"type": "xen:confluence-global-settings", "key": "mw-ui"}
			c["context"] = map[string]any{"cloudId": testCloudID, "moduleKey": "mw-ui"}
			c["principal"] = "5be24ad8b1653240376955d2"
		},
		"endpoint module with a user": func(c jwt.MapClaims) { c["principal"] = "5be24ad8b1653240376955d2" },
		"endpoint module with a UI context": func(c jwt.MapClaims) {
			c["context"] = map[string]any{"cloudId": testCloudID, "moduleKey": "mw-ui"}
		},
		"another module type": func(c jwt.MapClaims) { app(c)["module"] = map[string]any{"type": "xen:macro", "key": "mw-tick"} },
	}
	for name, edit := range variants {
		for _, path := range []string{LifecyclePath, TickPath, PreUninstallPath} {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{}`))
			req.Header.Set("Authorization", "Bearer "+b.fit(edit))
			rec := httptest.NewRecorder()
			b.forge.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "admin page") {
				t.Errorf("%s on %s: %d %s; want 401 saying why", name, path, rec.Code, rec.Body)
			}
		}
	}
	b.forge.Wait()
	if installs, uninstalls := b.reg.calls(); len(installs)+len(uninstalls) != 0 {
		t.Fatalf("registry called: %d installs, %d uninstalls", len(installs), len(uninstalls))
	}
}
