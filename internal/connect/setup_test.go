package connect

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailwiki/mailwiki"
)

const (
	testAppKey    = "com.example.mailwiki"
	testBaseURL   = "https://mailwiki.example.com"
	testClientKey = "client-key-1"
	testKid       = "key-2026-05"
)

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// RSA keys are slow to generate: two for the whole package, never changed.
var (
	hostKey  = sync.OnceValue(func() *rsa.PrivateKey { return genKey() })
	otherKey = sync.OnceValue(func() *rsa.PrivateKey { return genKey() })
)

func genKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

func publicPEM(t *testing.T, k *rsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// fakeRegistry records installs and uninstalls.
type fakeRegistry struct {
	mu         sync.Mutex
	regs       map[string]mailwiki.Registration
	installs   int
	uninstalls int
	err        error // returned by Install and Uninstall when set
}

func newFakeRegistry() *fakeRegistry {
	return &fakeRegistry{regs: map[string]mailwiki.Registration{}}
}

func (f *fakeRegistry) Install(_ context.Context, r mailwiki.Registration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.installs++
	f.regs[r.ID] = r
	return nil
}

func (f *fakeRegistry) Uninstall(_ context.Context, clientKey string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.uninstalls++
	delete(f.regs, clientKey)
	return nil
}

func (f *fakeRegistry) Secret(_ context.Context, clientKey string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.regs[clientKey]
	if !ok {
		return nil, mailwiki.Errorf(mailwiki.ENOTFOUND, "unknown site")
	}
	return r.Secret, nil
}

func (f *fakeRegistry) get(clientKey string) (mailwiki.Registration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.regs[clientKey]
	return r, ok
}

func (f *fakeRegistry) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.regs)
}

// keyServer is the host's key service: kid → PEM; unknown ids 404; status
// forces another answer.
type keyServer struct {
	srv    *httptest.Server
	keys   map[string][]byte
	status atomic.Int32
	hits   atomic.Int32
}

func newKeyServer(t *testing.T, keys map[string][]byte) *keyServer {
	ks := &keyServer{keys: keys}
	ks.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.hits.Add(1)
		if s := ks.status.Load(); s != 0 {
			w.WriteHeader(int(s))
			return
		}
		pemKey, ok := ks.keys[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(pemKey)
	}))
	t.Cleanup(ks.srv.Close)
	return ks
}

// bundle is what a test works with.
type bundle struct {
	connect  *Connect
	registry *fakeRegistry
	keys     *keyServer
	clock    *clock // starts at testNow; tokens are made for testNow
	logs     *logRecorder
	handler  http.Handler
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ks := newKeyServer(t, map[string][]byte{testKid: publicPEM(t, hostKey())})
	reg := newFakeRegistry()
	clk := &clock{now: testNow}
	logs := &logRecorder{}
	c, err := New(Options{
		AppKey:     testAppKey,
		BaseURL:    testBaseURL,
		KeyBaseURL: ks.srv.URL,
		KeyClient:  ks.srv.Client(),
		Registry:   reg,
		Logger:     slog.New(logs),
		Now:        clk.Now,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &bundle{connect: c, registry: reg, keys: ks, clock: clk, logs: logs, handler: c.Handler()}
}

// logRecorder is a slog.Handler that keeps every record, at every level.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}

// at returns the records of level.
func (l *logRecorder) at(level slog.Level) []slog.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []slog.Record
	for _, r := range l.records {
		if r.Level == level {
			out = append(out, r)
		}
	}
	return out
}

// attr returns the value of r's attribute key, and whether it has one.
func attr(r slog.Record, key string) (slog.Value, bool) {
	var v slog.Value
	var found bool
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v, found = a.Value, true
			return false
		}
		return true
	})
	return v, found
}

// hostClaims are the claims the host puts in a lifecycle callback's token.
func hostClaims(method, path string) claims {
	return claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    testClientKey,
			Audience:  jwt.ClaimStrings{testBaseURL},
			IssuedAt:  jwt.NewNumericDate(testNow.Add(-time.Second)),
			ExpiresAt: jwt.NewNumericDate(testNow.Add(3 * time.Minute)),
		},
		QSH: QSH(method, &url.URL{Path: path}, ""),
	}
}

func signRS256(t *testing.T, key *rsa.PrivateKey, kid string, c claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signHS256(t *testing.T, secret []byte, c claims, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func installBody(secret string) map[string]string {
	return map[string]string{
		"key":          testAppKey,
		"clientKey":    testClientKey,
		"sharedSecret": secret,
		"baseUrl":      "https://acme.atlassian.net/wiki/",
		"displayUrl":   "https://acme.atlassian.net/wiki",
		"productType":  "confluence",
		"description":  "Atlassian Confluence at https://acme.atlassian.net/wiki",
		"eventType":    "installed",
	}
}

// callback sends a lifecycle callback to the handler and returns the
// response.
func (b *bundle) callback(t *testing.T, path, token string, body any) *httptest.ResponseRecorder {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, testBaseURL+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "JWT "+token)
	}
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	return rec
}

// install performs a genuine host-signed install with secret.
func (b *bundle) install(t *testing.T, secret string) {
	t.Helper()
	tok := signRS256(t, hostKey(), testKid, hostClaims(http.MethodPost, InstalledPath))
	if rec := b.callback(t, InstalledPath, tok, installBody(secret)); rec.Code != http.StatusNoContent {
		t.Fatalf("host install: status %d, body %s", rec.Code, rec.Body)
	}
}

func errorBody(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body %q: %v", rec.Body, err)
	}
	return e.Error
}
