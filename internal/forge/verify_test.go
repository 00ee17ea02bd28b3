package forge

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailwiki/mailwiki"
)

// Every forged or unacceptable token is refused with 401 and a JSON
// error, and the Registry is never called.
func TestForgedTokensRefused(t *testing.T) {
	t.Parallel()
	edit := func(f func(jwt.MapClaims)) func(*bundle) string {
		return func(b *bundle) string { return b.fit(f) }
	}
	cases := []struct {
		name  string
		opts  Options
		token func(b *bundle) string
		want  string
	}{
		{"wrong aud", Options{}, edit(func(c jwt.MapClaims) { c["aud"] = "https://mailwiki.example.com" }), "wrong audience"},
		{"another app's aud", Options{}, edit(func(c jwt.MapClaims) { c["aud"] = []string{otherAppID} }), "wrong audience"},
		{"another app's id", Options{}, edit(func(c jwt.MapClaims) { app(c)["id"] = otherAppID }), "wrong app"},
		{"wrong iss", Options{}, edit(func(c jwt.MapClaims) { c["iss"] = "forge" }), "wrong issuer"},
		{"alg none", Options{}, func(b *bundle) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, b.claims())
			tok.Header["kid"] = "key-a"
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, "algorithm not allowed"},
		{"HS256 with the public key", Options{}, func(b *bundle) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, b.claims())
			tok.Header["kid"] = "key-a"
			s, err := tok.SignedString(publicPEM(t, "key-a"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, "algorithm not allowed"},
		{"RS512", Options{}, func(b *bundle) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS512, b.claims())
			tok.Header["kid"] = "key-a"
			s, _ := tok.SignedString(testKeys()["key-a"])
			return s
		}, "algorithm not allowed"},
		{"no kid", Options{}, func(b *bundle) string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, b.claims()).SignedString(testKeys()["key-a"])
			return s
		}, "missing key id"},
		{"unknown kid", Options{}, func(b *bundle) string { return sign(t, b.claims(), "key-x", "foreign") }, "unknown key id"},
		{"foreign key, known kid", Options{}, func(b *bundle) string { return sign(t, b.claims(), "key-a", "foreign") }, "bad signature"},
		{"expired beyond leeway", Options{}, edit(func(c jwt.MapClaims) {
			now := time.Unix(c["iat"].(int64), 0)
			c["iat"], c["nbf"], c["exp"] = now.Add(-time.Minute).Unix(), now.Add(-time.Minute).Unix(), now.Add(-31*time.Second).Unix()
		}), "token expired"},
		{"nbf beyond leeway", Options{}, edit(func(c jwt.MapClaims) {
			c["nbf"] = time.Unix(c["iat"].(int64), 0).Add(31 * time.Second).Unix()
		}), "not valid yet"},
		{"no exp", Options{}, edit(func(c jwt.MapClaims) { delete(c, "exp") }), "missing exp"},
		{"no iat", Options{}, edit(func(c jwt.MapClaims) { delete(c, "iat") }), "missing iat"},
		{"no jti", Options{}, edit(func(c jwt.MapClaims) { delete(c, "jti") }), "missing jti"},
		{"tampered payload", Options{}, func(b *bundle) string {
			parts := strings.Split(b.fit(nil), ".")
			c := b.claims()
			app(c)["installationId"] = "ari:cloud:ecosystem::installation/11111111-2222-4333-8444-555555555555"
			forged := strings.Split(sign(t, c, "key-a", "foreign"), ".")
			return parts[0] + "." + forged[1] + "." + parts[2]
		}, "bad signature"},
		{"apiBaseUrl on another host", Options{}, edit(func(c jwt.MapClaims) {
			app(c)["apiBaseUrl"] = "https://attacker.example.com/ex/confluence/" + testCloudID
		}), "host not allowed"},
		{"context apiBaseUrl on another host", Options{}, edit(func(c jwt.MapClaims) {
			inst := app(c)["installation"].(map[string]any)
			inst["contexts"] = []any{map[string]any{"name": "confluence", "cloudId": testCloudID, "apiBaseUrl": "https://api.atlassian.com.evil.example/x"}}
		}), "host not allowed"},
		{"apiBaseUrl over http", Options{}, edit(func(c jwt.MapClaims) {
			app(c)["apiBaseUrl"] = "http://api.atlassian.com/ex/confluence/" + testCloudID
		}), "https"},
		{"environment not allowed", Options{Environments: []string{otherEnv}}, edit(nil), "environment not allowed"},
		{"icLabel", Options{}, edit(func(c jwt.MapClaims) { c["icLabel"] = "acme" }), "icLabel"},
		{"installation ids differ", Options{}, edit(func(c jwt.MapClaims) {
			app(c)["installation"].(map[string]any)["id"] = "ari:cloud:ecosystem::installation/11111111-2222-4333-8444-555555555555"
		}), "inconsistent installation id"},
		{"installation id not a UUID", Options{}, edit(func(c jwt.MapClaims) {
			app(c)["installationId"] = "ari:cloud:ecosystem::installation/../x"
			delete(app(c)["installation"].(map[string]any), "id")
		}), "installation id"},
		{"no token", Options{}, func(*bundle) string { return "" }, "missing bearer token"},
		{"garbage", Options{}, func(*bundle) string { return "a.b.c" }, "malformed token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tc.opts)
			tok := tc.token(b)
			rec := b.call(LifecyclePath, tok, `{}`, systemTokenHeader, productToken(b.clock.Now().Add(3*time.Hour), "sys"))
			wantJSONError(t, rec, http.StatusUnauthorized, tc.want)
			if installs, uninstalls := b.reg.calls(); len(installs)+len(uninstalls) > 0 {
				t.Errorf("registry called: %d installs, %d uninstalls", len(installs), len(uninstalls))
			}
			if before := map[string]bool{"algorithm not allowed": true, "missing key id": true, "malformed token": true, "missing bearer token": true}; before[tc.want] && b.jwks.hits.Load() != 0 {
				t.Error("the key set was fetched for a token refused by its header")
			}
			if tok != "" && strings.Contains(b.logs.String(), tok) {
				t.Error("the token was logged")
			}
		})
	}
}

// A token expired by less than the leeway, or whose nbf is a few seconds
// ahead, is accepted (clock skew); the scheme's case does not matter.
func TestClockSkewAccepted(t *testing.T) {
	t.Parallel()
	cases := map[string]func(jwt.MapClaims){
		"expired within leeway": func(c jwt.MapClaims) {
			now := time.Unix(c["iat"].(int64), 0)
			c["iat"], c["nbf"], c["exp"] = now.Add(-45*time.Second).Unix(), now.Add(-45*time.Second).Unix(), now.Add(-20*time.Second).Unix()
		},
		"nbf and iat ahead": func(c jwt.MapClaims) {
			now := time.Unix(c["iat"].(int64), 0)
			c["iat"], c["nbf"] = now.Add(5*time.Second).Unix(), now.Add(5*time.Second).Unix()
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Options{})
			req := httptest.NewRequest(http.MethodPost, TickPath, nil)
			req.Header.Set("Authorization", "bEaReR "+b.fit(edit))
			inv, err := b.forge.Verify(req)
			if err != nil {
				t.Fatal(err)
			}
			if inv.InstallationID != instUUID {
				t.Errorf("installation %q", inv.InstallationID)
			}
		})
	}
}

// The invocation is derived from the token: UUIDs from ARIs, cloud id
// from the Confluence context, else the UI context, else the API base
// URL's last segment.
func TestVerifyDerivesInvocation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(jwt.MapClaims)
		want Invocation
	}{
		{"lifecycle", nil, Invocation{InstallationID: instUUID, CloudID: testCloudID, APIBaseURL: testAPIBase,
			AppID: testAppID, EnvironmentID: envUUID, ModuleKey: "mw-lifecycle", ModuleType: "core:endpoint"}},
		{"UI call, bare UUIDs, context cloud id", func(c jwt.MapClaims) {
			a := app(c)
			a["installationId"], a["installation"] = strings.ToUpper(instUUID), map[string]any{"id": instARI}
			a["environment"] = map[string]any{"type": "PRODUCTION", "id": envUUID}
			a["module"] = map[string]any{"type": "xen:macro"}
			a["apiBaseUrl"] = testAPIBase + "/"
			c["context"] = map[string]any{"cloudId": "ctx-cloud", "moduleKey": "mw-admin"}
			c["principal"] = "557058:f00"
		}, Invocation{InstallationID: instUUID, CloudID: "ctx-cloud", APIBaseURL: testAPIBase,
			AppID: testAppID, EnvironmentID: envUUID, ModuleKey: "mw-admin", ModuleType: "xen:macro", Principal: "557058:f00", UICall: true}},
		{"cloud id from the API base URL", func(c jwt.MapClaims) {
			app(c)["installation"] = map[string]any{"id": instARI, "contexts": []any{map[string]any{"name": "jira", "apiBaseUrl": testAPIBase}}}
		}, Invocation{InstallationID: instUUID, CloudID: testCloudID, APIBaseURL: testAPIBase,
			AppID: testAppID, EnvironmentID: envUUID, ModuleKey: "mw-lifecycle", ModuleType: "core:endpoint"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Options{Environments: []string{envUUID, otherEnv}})
			req := httptest.NewRequest(http.MethodPost, "/admin/api/config", nil)
			req.Header.Set("Authorization", "Bearer "+b.fit(tc.edit))
			got, err := b.forge.Verify(req)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Product tokens are read after verification: an optional "Bearer "
// prefix is stripped, the expiry is the exp claim; a token without a
// readable exp, or expired, is ignored with a warning that does not hold
// it.
func TestProductTokens(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	exp := b.clock.Now().Add(3 * time.Hour).Truncate(time.Second)
	sys, user := productToken(exp, "sys"), productToken(exp.Add(time.Hour), "user")
	req := httptest.NewRequest(http.MethodPost, TickPath, nil)
	req.Header.Set("Authorization", "Bearer "+b.fit(nil))
	req.Header.Set(systemTokenHeader, "Bearer "+sys)
	req.Header.Set(userTokenHeader, user)
	inv, err := b.forge.Verify(req)
	if err != nil {
		t.Fatal(err)
	}
	if inv.SystemToken != sys || !inv.SystemTokenExpiry.Equal(exp) || inv.UserToken != user {
		t.Errorf("tokens not read: system %t, expiry %v, user %t", inv.SystemToken == sys, inv.SystemTokenExpiry, inv.UserToken == user)
	}
	for _, s := range []string{inv.String(), inv.GoString()} {
		if strings.Contains(s, sys) || strings.Contains(s, user) {
			t.Errorf("%q shows a token", s)
		}
	}

	bad := map[string]string{
		"no exp":  productToken(time.Time{}, "noexp"),
		"expired": productToken(b.clock.Now().Add(-time.Minute), "expired"),
		"opaque":  "not-a-jwt",
		"garbage": "a." + base64.RawURLEncoding.EncodeToString([]byte("{")) + ".c",
	}
	for name, tok := range bad {
		req.Header.Set(systemTokenHeader, tok)
		req.Header.Set(userTokenHeader, tok)
		inv, err := b.forge.Verify(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if inv.SystemToken != "" || !inv.SystemTokenExpiry.IsZero() || inv.UserToken != "" {
			t.Errorf("%s: token kept", name)
		}
		if strings.Contains(b.logs.String(), tok) {
			t.Errorf("%s: token logged", name)
		}
	}
	if !strings.Contains(b.logs.String(), "token ignored") {
		t.Error("no warning for the ignored tokens")
	}
}

// A key set host that cannot be reached refuses (temporary), never
// accepts.
func TestKeySetUnavailable(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	b.jwks.Fail(http.StatusInternalServerError)
	req := httptest.NewRequest(http.MethodPost, TickPath, nil)
	req.Header.Set("Authorization", "Bearer "+b.fit(nil))
	_, err := b.forge.Verify(req)
	if mailwiki.ErrorCode(err) != mailwiki.EUNAUTHORIZED || !mailwiki.IsTemporary(err) {
		t.Fatalf("err %v (code %s), want a temporary EUNAUTHORIZED", err, mailwiki.ErrorCode(err))
	}
	if !strings.Contains(mailwiki.ErrorMessage(err), "key set unavailable") {
		t.Errorf("message %q", mailwiki.ErrorMessage(err))
	}
}

func TestNewConfigErrors(t *testing.T) {
	t.Parallel()
	good := Options{AppID: testAppID, Registry: &fakeRegistry{}}
	cases := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"bare app UUID", func(o *Options) { o.AppID = appUUID }, "ari:cloud:ecosystem::app/" + appUUID},
		{"no app id", func(o *Options) { o.AppID = "" }, "AppID"},
		{"no registry", func(o *Options) { o.Registry = nil }, "Registry is required"},
		{"http key set", func(o *Options) { o.JWKSURL = "http://keys.example.com/jwks.json" }, "must use https"},
		{"relative key set", func(o *Options) { o.JWKSURL = "/jwks.json" }, "absolute URL"},
		{"bad environment", func(o *Options) { o.Environments = []string{"production"} }, "environment ARI"},
		{"host with scheme", func(o *Options) { o.APIHosts = []string{"https://api.atlassian.com"} }, "without scheme"},
	}
	for _, tc := range cases {
		opts := good
		tc.edit(&opts)
		_, err := New(opts)
		if mailwiki.ErrorCode(err) != mailwiki.ECONFIG || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want ECONFIG containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := New(good); err != nil {
		t.Errorf("good options: %v", err)
	}
}
