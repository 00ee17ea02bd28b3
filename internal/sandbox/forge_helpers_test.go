package sandbox

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testAppARI = "ari:cloud:ecosystem::app/0b7c5a3e-8a0d-4c4e-9d1f-2a6b3c4d5e6f"

// stepClock is an injected clock that moves a millisecond per reading and
// jumps on Advance.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeRemote is a Forge remote on loopback: it records every call and
// answers the paths the tests use.
type fakeRemote struct {
	srv           *httptest.Server
	mu            sync.Mutex
	calls         []remoteCall
	failLifecycle int // answer 500 to this many lifecycle deliveries
}

type remoteCall struct {
	method, path string
	header       http.Header
	body         []byte
}

func newFakeRemote(t *testing.T) *fakeRemote {
	t.Helper()
	f := &fakeRemote{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRemote) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls = append(f.calls, remoteCall{method: r.Method, path: r.URL.RequestURI(), header: r.Header.Clone(), body: body})
	fail := r.URL.Path == "/forge/lifecycle" && f.failLifecycle > 0
	if fail {
		f.failLifecycle--
	}
	f.mu.Unlock()
	switch {
	case fail:
		http.Error(w, "not yet", http.StatusInternalServerError)
	case strings.HasPrefix(r.URL.Path, "/forge/"):
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/api/ok":
		w.Header().Set("X-Remote", "yes")
		writeJSON(w, http.StatusOK, map[string]any{"method": r.Method, "echo": json.RawMessage(orNull(body))})
	case r.URL.Path == "/api/empty":
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/api/redirect":
		http.Redirect(w, r, "/api/ok", http.StatusFound)
	case r.URL.Path == "/api/text-error":
		http.Error(w, "boom", http.StatusInternalServerError)
	case r.URL.Path == "/api/bare-error":
		w.WriteHeader(http.StatusServiceUnavailable)
	case r.URL.Path == "/api/json-error":
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad input"})
	default:
		http.NotFound(w, r)
	}
}

func orNull(b []byte) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}

// callsTo returns the recorded calls whose path starts with prefix.
func (f *fakeRemote) callsTo(prefix string) []remoteCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []remoteCall
	for _, c := range f.calls {
		if strings.HasPrefix(c.path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeRemote) last(t *testing.T, prefix string) remoteCall {
	t.Helper()
	calls := f.callsTo(prefix)
	if len(calls) == 0 {
		t.Fatalf("the remote received no call to %s", prefix)
	}
	return calls[len(calls)-1]
}

// forgeBundle is one test's sandbox with a controllable clock and a remote.
type forgeBundle struct {
	*bundle
	clock  *stepClock
	remote *fakeRemote
}

func setupForge(t *testing.T, opts Options) *forgeBundle {
	t.Helper()
	clock := &stepClock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	opts.Now = clock.Now
	return &forgeBundle{bundle: setupWith(t, opts), clock: clock, remote: newFakeRemote(t)}
}

// installForge installs the test app with extra request fields and returns
// the installation id.
func (b *forgeBundle) installForge(t *testing.T, extra map[string]any) string {
	t.Helper()
	req := map[string]any{"appId": testAppARI, "remoteBaseUrl": b.remote.srv.URL}
	for k, v := range extra {
		req[k] = v
	}
	var out struct{ InstallationID, CloudID, APIBaseURL string }
	b.sendJSON(t, http.MethodPost, "/sandbox/forge/apps", req, http.StatusCreated, &out)
	if out.CloudID != b.sb.CloudID() || out.APIBaseURL != b.srv.URL+"/ex/confluence/"+out.CloudID {
		t.Fatalf("install answer %+v", out)
	}
	return out.InstallationID
}

// ex calls the gateway with a bearer token ("" for none).
func (b *forgeBundle) ex(t *testing.T, method, path, token string, body []byte) (*http.Response, []byte) {
	t.Helper()
	auth := "-"
	if token != "" {
		auth = "Bearer " + token
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	return b.call(t, request{method: method, path: "/ex/confluence/" + b.sb.CloudID() + path, body: r,
		contentType: "application/json", auth: auth})
}

// testFIT is a FIT's claims as a verifier reads them.
type testFIT struct {
	jwt.RegisteredClaims
	App struct {
		ID, Version, AppVersion, InstallationID, APIBaseURL string
		Environment                                         struct{ Type, ID string }
		Module                                              struct{ Type, Key string }
		Installation                                        struct {
			ID       string
			Contexts []struct{ Name, APIBaseURL, CloudID string }
		}
	} `json:"app"`
	Context *struct {
		LocalID, CloudID, ModuleKey, SiteURL string
		Extension                            struct{ Type string }
	} `json:"context"`
	Principal string `json:"principal"`
}

// verifyFIT checks the Authorization header of a remote call against the
// served JWKS, as a remote does.
func (b *forgeBundle) verifyFIT(t *testing.T, header http.Header) (testFIT, string) {
	t.Helper()
	raw, ok := strings.CutPrefix(header.Get("Authorization"), "Bearer ")
	if !ok {
		t.Fatalf("Authorization %q is not a bearer FIT", header.Get("Authorization"))
	}
	keys := b.jwks(t)
	var claims testFIT
	tok, err := jwt.ParseWithClaims(raw, &claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if k, ok := keys[kid]; ok {
			return k, nil
		}
		return nil, jwt.ErrTokenUnverifiable
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer("forge/invocation-token"),
		jwt.WithAudience(testAppARI), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(b.clock.Now))
	if err != nil {
		t.Fatalf("FIT does not verify: %v", err)
	}
	if claims.ID == "" || claims.ExpiresAt.Sub(claims.IssuedAt.Time) != 25*time.Second || !claims.NotBefore.Equal(claims.IssuedAt.Time) {
		t.Fatalf("FIT registered claims %+v", claims.RegisteredClaims)
	}
	kid, _ := tok.Header["kid"].(string)
	return claims, kid
}

// jwks fetches the served keys by kid.
func (b *forgeBundle) jwks(t *testing.T) map[string]*rsa.PublicKey {
	t.Helper()
	var set struct{ Keys []jwk }
	b.getJSON(t, "/sandbox/forge/jwks.json", http.StatusOK, &set)
	out := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || k.Kid == "" {
			t.Fatalf("JWK %+v", k)
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			t.Fatalf("JWK encoding %+v", k)
		}
		out[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return out
}
