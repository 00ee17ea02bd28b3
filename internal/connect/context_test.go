package connect

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailwiki/mailwiki"
)

func contextClaims() claims {
	return claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    testClientKey,
			Subject:   "557058:account-1",
			IssuedAt:  jwt.NewNumericDate(testNow.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(testNow.Add(14 * time.Minute)),
		},
		QSH: ContextQSH,
	}
}

func adminRequest(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, testBaseURL+"/admin/api/config", nil)
	if token != "" {
		r.Header.Set("Authorization", "JWT "+token)
	}
	return r
}

func TestContextAuthAccepts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const secret = "host-secret-0123456789abcdef"
	b.install(t, secret)
	r := adminRequest(signHS256(t, []byte(secret), contextClaims(), ""))

	s, err := b.connect.ContextAuth(r)
	if err != nil {
		t.Fatalf("ContextAuth: %v", err)
	}
	if s != (Session{TenantID: testClientKey, AccountID: "557058:account-1"}) {
		t.Errorf("session %+v", s)
	}
	if id, err := b.connect.Authenticate(r); err != nil || id != testClientKey {
		t.Errorf("Authenticate = %q, %v", id, err)
	}
}

func TestContextAuthRefuses(t *testing.T) {
	t.Parallel()
	const secret = "host-secret-0123456789abcdef"
	tests := []struct {
		name  string
		token func(t *testing.T) string
	}{
		{"no token", func(*testing.T) string { return "" }},
		{"wrong secret", func(t *testing.T) string {
			return signHS256(t, []byte("forged-secret-0123456789abcdef"), contextClaims(), "")
		}},
		{"expired", func(t *testing.T) string {
			c := contextClaims()
			c.ExpiresAt = jwt.NewNumericDate(testNow.Add(-time.Minute))
			return signHS256(t, []byte(secret), c, "")
		}},
		{"no exp", func(t *testing.T) string {
			c := contextClaims()
			c.ExpiresAt = nil
			return signHS256(t, []byte(secret), c, "")
		}},
		{"page token, not a context token", func(t *testing.T) string {
			c := contextClaims()
			c.QSH = QSH(http.MethodGet, adminRequest("").URL, "")
			return signHS256(t, []byte(secret), c, "")
		}},
		{"no qsh", func(t *testing.T) string {
			c := contextClaims()
			c.QSH = ""
			return signHS256(t, []byte(secret), c, "")
		}},
		{"unknown iss", func(t *testing.T) string {
			c := contextClaims()
			c.Issuer = "unknown-client"
			return signHS256(t, []byte(secret), c, "")
		}},
		{"no sub", func(t *testing.T) string {
			c := contextClaims()
			c.Subject = ""
			return signHS256(t, []byte(secret), c, "")
		}},
		{"RS256 by the host key", func(t *testing.T) string {
			return signRS256(t, hostKey(), testKid, contextClaims())
		}},
		{"alg none", func(t *testing.T) string {
			s, err := jwt.NewWithClaims(jwt.SigningMethodNone, contextClaims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.install(t, secret)
			_, err := b.connect.ContextAuth(adminRequest(tt.token(t)))
			if mailwiki.ErrorCode(err) != mailwiki.EUNAUTHORIZED {
				t.Errorf("ContextAuth: %v, want EUNAUTHORIZED", err)
			}
		})
	}
}

func TestContextAuthRegistryDown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registry.regs[testClientKey] = mailwiki.Registration{Secret: []byte("s")}
	c := *b.connect
	c.registry = failingRegistry{b.registry}
	_, err := c.ContextAuth(adminRequest(signHS256(t, []byte("s"), contextClaims(), "")))
	if mailwiki.ErrorCode(err) != mailwiki.EUNAVAILABLE || !mailwiki.IsTemporary(err) {
		t.Errorf("ContextAuth: %v, want a temporary EUNAVAILABLE", err)
	}
}

type failingRegistry struct{ *fakeRegistry }

func (failingRegistry) Secret(context.Context, string) ([]byte, error) {
	return nil, errors.New("database down")
}
