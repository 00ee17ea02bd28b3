package forge

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailwiki/mailwiki"
)

// The identities of the test app and installation.
const (
	appUUID     = "0b8e3c4e-7f7a-4c0e-9a57-2b1e4d5f6a7b"
	testAppID   = "ari:cloud:ecosystem::app/" + appUUID
	otherAppID  = "ari:cloud:ecosystem::app/9d6c1f0a-1111-4222-8333-944455556666"
	instUUID    = "5f1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b"
	instARI     = "ari:cloud:ecosystem::installation/" + instUUID
	envUUID     = "aa11bb22-cc33-4d44-8e55-ff6677889900"
	envARI      = "ari:cloud:ecosystem::environment/" + appUUID + "/" + envUUID
	otherEnv    = "ari:cloud:ecosystem::environment/" + appUUID + "/00000000-0000-4000-8000-000000000001"
	testCloudID = "c0ffee00-1234-4567-89ab-cdef01234567"
	testAPIBase = "https://api.atlassian.com/ex/confluence/" + testCloudID
)

// Keys, generated once: kid "key-a" and "key-b" are the host's, foreign
// is an attacker's.
var testKeys = sync.OnceValue(func() map[string]*rsa.PrivateKey {
	keys := map[string]*rsa.PrivateKey{}
	for _, name := range []string{"key-a", "key-b", "foreign"} {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[name] = k
	}
	return keys
})

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// jwksServer serves a JWKS of the kids set by Serve, or a failure status;
// it counts requests.
type jwksServer struct {
	srv    *httptest.Server
	hits   atomic.Int64
	mu     sync.Mutex
	kids   []string
	status int
}

func newJWKSServer(t *testing.T, kids ...string) *jwksServer {
	s := &jwksServer{kids: kids, status: http.StatusOK}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) Serve(kids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kids, s.status = kids, http.StatusOK
}

func (s *jwksServer) Fail(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

func (s *jwksServer) serve(w http.ResponseWriter, _ *http.Request) {
	s.hits.Add(1)
	s.mu.Lock()
	kids, status := s.kids, s.status
	s.mu.Unlock()
	if status != http.StatusOK {
		http.Error(w, "down", status)
		return
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	for _, kid := range kids {
		pub := testKeys()[kid].PublicKey
		set.Keys = append(set.Keys, map[string]string{
			"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(set)
}

// fakeRegistry records calls; err, when set, fails them.
type fakeRegistry struct {
	mu          sync.Mutex
	installs    []mailwiki.Registration
	uninstalls  []string
	err         error
	uninstalled chan string
}

func (r *fakeRegistry) Install(_ context.Context, reg mailwiki.Registration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.installs = append(r.installs, reg)
	return r.err
}

func (r *fakeRegistry) Uninstall(ctx context.Context, id string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.mu.Lock()
	r.uninstalls = append(r.uninstalls, id)
	err := r.err
	r.mu.Unlock()
	r.uninstalled <- id
	return err
}

func (r *fakeRegistry) calls() (installs []mailwiki.Registration, uninstalls []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]mailwiki.Registration(nil), r.installs...), append([]string(nil), r.uninstalls...)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// bundle is one test's Forge with its peers.
type bundle struct {
	t     *testing.T
	forge *Forge
	jwks  *jwksServer
	clock *fakeClock
	reg   *fakeRegistry
	logs  *syncBuffer
}

// setup returns a Forge for testAppID whose key set serves key-a, with
// opts' other fields as given (AppID, JWKSURL, Registry, Logger, Now and
// HTTPClient are the bundle's).
func setup(t *testing.T, opts Options) *bundle {
	t.Helper()
	b := &bundle{t: t, jwks: newJWKSServer(t, "key-a"),
		clock: &fakeClock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)},
		reg:   &fakeRegistry{uninstalled: make(chan string, 8)}, logs: &syncBuffer{}}
	opts.AppID = testAppID
	opts.JWKSURL = b.jwks.srv.URL + "/.well-known/jwks.json"
	opts.Registry, opts.Now, opts.HTTPClient = b.reg, b.clock.Now, b.jwks.srv.Client()
	opts.Logger = slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	b.forge = f
	t.Cleanup(f.Wait)
	return b
}

// claims are the claims of a good lifecycle FIT at the bundle's time.
func (b *bundle) claims() jwt.MapClaims {
	now := b.clock.Now()
	return jwt.MapClaims{
		"iss": fitIssuer, "aud": []string{testAppID},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(25 * time.Second).Unix(),
		"jti": fmt.Sprintf("jti-%d", now.UnixNano()),
		"app": map[string]any{
			"id": testAppID, "appVersion": "2.0.0", "installationId": instARI, "apiBaseUrl": testAPIBase,
			"environment": map[string]any{"type": "DEVELOPMENT", "id": envARI},
			"module":      map[string]any{"type": "core:endpoint", "key": "mw-lifecycle"},
			"installation": map[string]any{"id": instARI, "contexts": []any{
				map[string]any{"name": "confluence", "apiBaseUrl": testAPIBase, "cloudId": testCloudID},
			}},
		},
	}
}

// app returns the app claim of c, to change.
func app(c jwt.MapClaims) map[string]any { return c["app"].(map[string]any) }

// sign signs c with RS256 and the private key named key, under kid.
func sign(t *testing.T, c jwt.MapClaims, kid, key string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(testKeys()[key])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fit is a good FIT signed with key-a, after edit (if any) changed its
// claims.
func (b *bundle) fit(edit func(jwt.MapClaims)) string {
	c := b.claims()
	if edit != nil {
		edit(c)
	}
	return sign(b.t, c, "key-a", "key-a")
}

// productToken is an opaque JWT-shaped token expiring at exp (none when
// zero).
func productToken(exp time.Time, tag string) string {
	claims := map[string]any{"sub": "app-bot", "tag": tag}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	payload, _ := json.Marshal(claims)
	return "eyJhbGciOiJFUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".c2lnbmF0dXJl"
}

// call POSTs body to path with the FIT and headers (name, value pairs)
// through the Handler.
func (b *bundle) call(path, fit, body string, headers ...string) *httptest.ResponseRecorder {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if fit != "" {
		req.Header.Set("Authorization", "Bearer "+fit)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	b.forge.Handler().ServeHTTP(rec, req)
	return rec
}

// wantJSONError checks a non-2xx answer: status, a JSON {"error": …}
// containing want.
func wantJSONError(t *testing.T, rec *httptest.ResponseRecorder, status int, want string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body struct {
		Error string `json:"error"`
	}
	if err := json.NewDecoder(io.Reader(rec.Body)).Decode(&body); err != nil || body.Error == "" {
		t.Fatalf("body is not {\"error\": …}: %v", err)
	}
	if !strings.Contains(body.Error, want) {
		t.Errorf("error %q, want it to contain %q", body.Error, want)
	}
}

// publicPEM is the PEM of key's public key (for the HS256 confusion).
func publicPEM(t *testing.T, key string) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&testKeys()[key].PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
