package connect

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailwiki/mailwiki"
)

func TestInstallByHost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.install(t, "secret-from-the-host-0123456789")

	got, ok := b.registry.get(testClientKey)
	if !ok {
		t.Fatal("nothing registered")
	}
	want := mailwiki.Registration{
		Tenant: mailwiki.Tenant{
			ID: testClientKey, Mode: mailwiki.ModeConnect, BaseURL: "https://acme.atlassian.net/wiki",
			Flavor: mailwiki.FlavorCloud,
		},
		AppKey: testAppKey, Secret: []byte("secret-from-the-host-0123456789"), State: mailwiki.StateInstalled,
		InstalledAt: testNow, UpdatedAt: testNow,
	}
	if got.Tenant != want.Tenant || got.AppKey != want.AppKey || string(got.Secret) != string(want.Secret) ||
		got.State != want.State || !got.InstalledAt.Equal(testNow) {
		t.Errorf("registered %+v, want %+v", got, want)
	}
}

// TestForgedInstallRefused: every callback the host did not sign is refused
// with 401 and nothing is stored.
func TestForgedInstallRefused(t *testing.T) {
	t.Parallel()
	good := func() claims { return hostClaims(http.MethodPost, InstalledPath) }
	tests := []struct {
		name  string
		token func(t *testing.T) string
		keys  func(b *bundle) // breaks the key service
		want  string          // in the error message
		// temporary: the token could not be checked now (the message says
		// so, rather than "not signed")
		temporary bool
	}{
		{name: "no token", token: func(*testing.T) string { return "" }, want: "missing JWT"},
		{name: "wrong key", want: "bad signature", token: func(t *testing.T) string {
			return signRS256(t, otherKey(), testKid, good())
		}},
		{name: "unknown kid", want: "unknown key id", token: func(t *testing.T) string {
			return signRS256(t, hostKey(), "no-such-key", good())
		}},
		{name: "kid path trick", want: "invalid key id", token: func(t *testing.T) string {
			return signRS256(t, hostKey(), "../"+testKid, good())
		}},
		{name: "no kid", want: "missing key id", token: func(t *testing.T) string {
			return signRS256(t, hostKey(), "", good())
		}},
		{name: "wrong aud", want: "wrong audience", token: func(t *testing.T) string {
			c := good()
			c.Audience = jwt.ClaimStrings{"https://evil.example.com"}
			return signRS256(t, hostKey(), testKid, c)
		}},
		{name: "no aud", want: "wrong audience", token: func(t *testing.T) string {
			c := good()
			c.Audience = nil
			return signRS256(t, hostKey(), testKid, c)
		}},
		{name: "bad qsh", want: "query string hash", token: func(t *testing.T) string {
			return signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, UninstalledPath))
		}},
		{name: "expired", want: "token expired", token: func(t *testing.T) string {
			c := good()
			c.IssuedAt = jwt.NewNumericDate(testNow.Add(-5 * time.Minute))
			c.ExpiresAt = jwt.NewNumericDate(testNow.Add(-time.Minute))
			return signRS256(t, hostKey(), testKid, c)
		}},
		{name: "no exp", want: "missing exp", token: func(t *testing.T) string {
			c := good()
			c.ExpiresAt = nil
			return signRS256(t, hostKey(), testKid, c)
		}},
		{name: "no iat", want: "missing iat", token: func(t *testing.T) string {
			c := good()
			c.IssuedAt = nil
			return signRS256(t, hostKey(), testKid, c)
		}},
		{name: "issued in the future", want: "not valid yet", token: func(t *testing.T) string {
			c := good()
			c.IssuedAt = jwt.NewNumericDate(testNow.Add(2 * time.Minute))
			return signRS256(t, hostKey(), testKid, c)
		}},
		{name: "HS256 with the body's secret", want: "algorithm not allowed", token: func(t *testing.T) string {
			return signHS256(t, []byte("attacker-secret-0123456789abcdef"), good(), testKid)
		}},
		{name: "HS256 with the public key as secret", want: "algorithm not allowed", token: func(t *testing.T) string {
			return signHS256(t, publicPEM(t, hostKey()), good(), testKid)
		}},
		{name: "alg none", want: "algorithm not allowed", token: func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, good())
			tok.Header["kid"] = testKid
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "PS256", want: "algorithm not allowed", token: func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodPS256, good())
			tok.Header["kid"] = testKid
			s, err := tok.SignedString(hostKey())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "clientKey is not iss", want: "clientKey does not match", token: func(t *testing.T) string {
			c := good()
			c.Issuer = "another-client"
			return signRS256(t, hostKey(), testKid, c)
		}},
		{name: "malformed", want: "malformed", token: func(*testing.T) string { return "not.a.jwt" }},
		{name: "key service answers 500", want: "key service unavailable", temporary: true,
			keys:  func(b *bundle) { b.keys.status.Store(http.StatusInternalServerError) },
			token: func(t *testing.T) string { return signRS256(t, hostKey(), testKid, good()) }},
		{name: "key service answers 429", want: "key service unavailable", temporary: true,
			keys:  func(b *bundle) { b.keys.status.Store(http.StatusTooManyRequests) },
			token: func(t *testing.T) string { return signRS256(t, hostKey(), testKid, good()) }},
		{name: "key service down", want: "key service unavailable", temporary: true,
			keys:  func(b *bundle) { b.keys.srv.Close() },
			token: func(t *testing.T) string { return signRS256(t, hostKey(), testKid, good()) }},
		{name: "key service answers garbage", want: "invalid key",
			keys:  func(b *bundle) { b.keys.keys[testKid] = []byte("hello") },
			token: func(t *testing.T) string { return signRS256(t, hostKey(), testKid, good()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			if tt.keys != nil {
				tt.keys(b)
			}
			rec := b.callback(t, InstalledPath, tt.token(t), installBody("attacker-secret-0123456789abcdef"))
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401; body %s", rec.Code, rec.Body)
			}
			msg := errorBody(t, rec)
			prefix := "install" + notSigned + ": "
			if tt.temporary {
				prefix = "install" + notVerified + ": "
			}
			if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q, want %q… containing %q", msg, prefix, tt.want)
			}
			if strings.Contains(rec.Body.String(), "attacker-secret") {
				t.Error("the response echoes the secret")
			}
			if n := b.registry.count(); n != 0 || b.registry.installs != 0 {
				t.Errorf("%d registrations stored, want none", n)
			}
		})
	}
}

func TestInstallBadPayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   func(map[string]string)
		status int
	}{
		{"another app key", func(m map[string]string) { m["key"] = "com.example.other" }, http.StatusBadRequest},
		{"http baseUrl", func(m map[string]string) { m["baseUrl"] = "http://acme.atlassian.net/wiki" }, http.StatusBadRequest},
		{"relative baseUrl", func(m map[string]string) { m["baseUrl"] = "/wiki" }, http.StatusBadRequest},
		{"jira", func(m map[string]string) { m["productType"] = "jira" }, http.StatusBadRequest},
		{"no secret", func(m map[string]string) { m["sharedSecret"] = "" }, http.StatusBadRequest},
		{"wrong event", func(m map[string]string) { m["eventType"] = "uninstalled" }, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			body := installBody("secret-0123456789")
			tt.edit(body)
			tok := signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, InstalledPath))
			rec := b.callback(t, InstalledPath, tok, body)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if b.registry.count() != 0 {
				t.Error("registered anyway")
			}
		})
	}
}

func TestInstallMalformedAndOversizedBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"not json", "{", http.StatusBadRequest},
		{"too large", `{"key":"` + strings.Repeat("a", maxPayloadBytes) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			tok := signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, InstalledPath))
			req := httptest.NewRequest(http.MethodPost, testBaseURL+InstalledPath, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "JWT "+tok)
			rec := httptest.NewRecorder()
			b.handler.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
		})
	}
}

func TestInstallRegistryFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"unavailable", mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "database down"), http.StatusServiceUnavailable},
		{"plain error", errors.New("disk on fire"), http.StatusServiceUnavailable},
		{"internal", mailwiki.Errorf(mailwiki.EINTERNAL, "bug"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.registry.err = tt.err
			tok := signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, InstalledPath))
			rec := b.callback(t, InstalledPath, tok, installBody("secret-0123456789"))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if strings.Contains(rec.Body.String(), "disk on fire") {
				t.Error("internal detail leaked to the client")
			}
		})
	}
}

func TestReinstallByHostReplacesSecret(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.install(t, "first-secret-0123456789")
	b.install(t, "second-secret-0123456789")
	got, _ := b.registry.get(testClientKey)
	if string(got.Secret) != "second-secret-0123456789" {
		t.Errorf("secret %q after reinstall, want the new one", got.Secret)
	}
	if b.keys.hits.Load() != 1 {
		t.Errorf("key service asked %d times, want 1 (cached)", b.keys.hits.Load())
	}
}

// TestTakeoverRefused is the classic Connect takeover: the attacker knows a
// site's client key and re-installs it with their own secret, signing with
// HS256 (with the old secret, were it leaked, or with their new one). Only
// host-signed RS256 installs are accepted, so the site keeps its secret.
func TestTakeoverRefused(t *testing.T) {
	t.Parallel()
	const hostSecret = "host-secret-0123456789abcdef"
	for _, signer := range []string{hostSecret, "attacker-secret-0123456789abcdef"} {
		t.Run("HS256 signed with "+signer[:4], func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.install(t, hostSecret)
			tok := signHS256(t, []byte(signer), hostClaims(http.MethodPost, InstalledPath), "")
			rec := b.callback(t, InstalledPath, tok, installBody("attacker-secret-0123456789abcdef"))
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("forged reinstall: status %d, want 401", rec.Code)
			}
			got, _ := b.registry.get(testClientKey)
			if string(got.Secret) != hostSecret || b.registry.installs != 1 {
				t.Errorf("secret %q after the attempt (%d installs), want the host's", got.Secret, b.registry.installs)
			}
		})
	}
}

func TestUninstall(t *testing.T) {
	t.Parallel()
	body := func() map[string]string {
		m := installBody("host-secret-0123456789")
		m["eventType"] = "uninstalled"
		return m
	}
	t.Run("by the host", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.install(t, "host-secret-0123456789")
		tok := signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, UninstalledPath))
		if rec := b.callback(t, UninstalledPath, tok, body()); rec.Code != http.StatusNoContent {
			t.Fatalf("status %d, body %s", rec.Code, rec.Body)
		}
		if _, ok := b.registry.get(testClientKey); ok {
			t.Error("still registered")
		}
	})
	forged := map[string]func(t *testing.T) string{
		"HS256 with the site's secret": func(t *testing.T) string {
			return signHS256(t, []byte("host-secret-0123456789"), hostClaims(http.MethodPost, UninstalledPath), "")
		},
		"wrong key": func(t *testing.T) string {
			return signRS256(t, otherKey(), testKid, hostClaims(http.MethodPost, UninstalledPath))
		},
		"install token replayed": func(t *testing.T) string {
			return signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, InstalledPath))
		},
	}
	for name, token := range forged {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.install(t, "host-secret-0123456789")
			rec := b.callback(t, UninstalledPath, token(t), body())
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", rec.Code)
			}
			if msg := errorBody(t, rec); !strings.HasPrefix(msg, "uninstall callback not signed by the host: ") {
				t.Errorf("error %q, want it to name the uninstall callback", msg)
			}
			if b.registry.uninstalls != 0 || b.registry.count() != 1 {
				t.Error("uninstalled by a forged callback")
			}
		})
	}
}

// TestInstallUnderBasePath: with a base URL that has a path, the host's qsh
// is relative to it, whether or not a proxy strips the prefix.
func TestInstallUnderBasePath(t *testing.T) {
	t.Parallel()
	ks := newKeyServer(t, map[string][]byte{testKid: publicPEM(t, hostKey())})
	reg := newFakeRegistry()
	c, err := New(Options{AppKey: testAppKey, BaseURL: "https://apps.example.com/mailwiki/", KeyBaseURL: ks.srv.URL,
		KeyClient: ks.srv.Client(), Registry: reg, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	h := http.StripPrefix("/mailwiki", c.Handler())
	cl := hostClaims(http.MethodPost, InstalledPath)
	cl.Audience = jwt.ClaimStrings{"https://apps.example.com/mailwiki"}
	data, _ := json.Marshal(installBody("secret-0123456789"))
	req := httptest.NewRequest(http.MethodPost, "https://apps.example.com/mailwiki/connect/installed", bytes.NewReader(data))
	req.Header.Set("Authorization", "JWT "+signRS256(t, hostKey(), testKid, cl))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
}

func TestNewConfigErrors(t *testing.T) {
	t.Parallel()
	reg := newFakeRegistry()
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no app key", Options{BaseURL: testBaseURL, Registry: reg}, "AppKey"},
		{"bad app key", Options{AppKey: "a/b", BaseURL: testBaseURL, Registry: reg}, "AppKey"},
		{"no registry", Options{AppKey: testAppKey, BaseURL: testBaseURL}, "Registry"},
		{"no base URL", Options{AppKey: testAppKey, Registry: reg}, "BaseURL"},
		{"http base URL", Options{AppKey: testAppKey, BaseURL: "http://x.example.com", Registry: reg}, "AllowInsecureHTTP"},
		{"base URL with query", Options{AppKey: testAppKey, BaseURL: "https://x.example.com/?a=1", Registry: reg}, "BaseURL"},
		{"http key base", Options{AppKey: testAppKey, BaseURL: testBaseURL, KeyBaseURL: "http://keys.example.com", Registry: reg}, "KeyBaseURL"},
		{"admin page absolute", Options{AppKey: testAppKey, BaseURL: testBaseURL, AdminPageURL: "https://evil.example.com/", Registry: reg}, "AdminPageURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.opts)
			if mailwiki.ErrorCode(err) != mailwiki.ECONFIG || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an ECONFIG error naming %s", err, tt.want)
			}
		})
	}
	if _, err := New(Options{AppKey: testAppKey, BaseURL: "http://localhost:8080", Registry: reg, AllowInsecureHTTP: true}); err != nil {
		t.Errorf("http with AllowInsecureHTTP: %v", err)
	}
}
