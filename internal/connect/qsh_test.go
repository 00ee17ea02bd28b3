package connect

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"testing"
)

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return u
}

// TestCanonicalRequestDocumented checks the examples Atlassian documents.
func TestCanonicalRequestDocumented(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, url, contextPath, want string
	}{
		{
			// "Understanding JWT for Connect apps", "Creating a query string hash",
			// https://developer.atlassian.com/cloud/confluence/understanding-jwt/
			// (also the javadoc of atlassian-jwt's JwtConstants.Claims.QUERY_HASH).
			name:   "understanding-jwt",
			method: "GET",
			url:    "http://localhost:2990/path/to/service?zee_last=param&repeated=parameter%201&first=param&repeated=parameter%202",
			want:   "GET&/path/to/service&first=param&repeated=parameter%201,parameter%202&zee_last=param",
		},
		{
			// "Query string hash", table "Canonical request",
			// https://developer.atlassian.com/cloud/bitbucket/query-string-hash/
			name: "qsh page GET root", method: "GET", url: "https://app.example.com/?param=foo",
			want: "GET&/&param=foo",
		},
		{
			name: "qsh page POST no query", method: "POST", url: "https://app.example.com/user",
			want: "POST&/user&",
		},
		{
			// same page, "Canonical method": get, Get, GET → GET.
			name: "method upper-cased", method: "Get", url: "https://app.example.com/user",
			want: "GET&/user&",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := CanonicalRequest(tt.method, mustURL(t, tt.url), tt.contextPath)
			if got != tt.want {
				t.Errorf("CanonicalRequest = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestQSHKnownHashes checks hashes computed by other implementations.
func TestQSHKnownHashes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, url, contextPath, want string
	}{
		{
			// The doctest of atlassian-connect-core's createQueryStringHash
			// (Hackage, Snap.AtlassianConnect.QueryStringHash): names sort
			// by byte, upper case first.
			name:   "atlassian-connect-core doctest",
			method: "GET",
			url:    "http://localhost:2990/path/to/service?a=1&A=2&b=3&B=4",
			want:   "70282c7cf82834bd5a3d6dacda1b4ccd5cf5860a63a1fa2fb86b64d576e6a1d5",
		},
		{
			// A qsh a Jira host issued for an add-on page (logged in the
			// public gist moskrc/8453971): the jwt parameter is excluded,
			// "/" in values is %2F, parameters sorted.
			name:   "host-issued page qsh",
			method: "GET",
			url: "https://addon.example.com/addon/?lic=none&tz=Europe%2FMoscow&cp=%2Fjira&user_key=admin&loc=en-US&user_id=admin" +
				"&jwt=eyJhbGciOiJIUzI1NiJ9.e30.x&xdm_e=http%3A%2F%2Flocalhost%3A2990&xdm_c=channel-servlet-click-me&xdm_p=1",
			want: "3a6ff1b66f60eb275d0e4cb6be4261d5d3b0216b91c58dc6524509227ef346de",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := QSH(tt.method, mustURL(t, tt.url), tt.contextPath); got != tt.want {
				t.Errorf("QSH = %s, want %s (canonical %q)", got, tt.want,
					CanonicalRequest(tt.method, mustURL(t, tt.url), tt.contextPath))
			}
		})
	}
}

// TestCanonicalRequestRules checks each rule of the canonical form.
func TestCanonicalRequestRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, contextPath, want string
	}{
		{"context path stripped", "https://acme.atlassian.net/wiki/rest/api/content?limit=5", "/wiki", "GET&/rest/api/content&limit=5"},
		{"context path with trailing slash", "https://acme.atlassian.net/wiki/rest/api/content", "/wiki/", "GET&/rest/api/content&"},
		{"context path only", "https://acme.atlassian.net/wiki", "/wiki", "GET&/&"},
		{"context path only with slash", "https://acme.atlassian.net/wiki/", "/wiki", "GET&/&"},
		{"context path on segment boundary only", "https://acme.atlassian.net/wikipedia/x", "/wiki", "GET&/wikipedia/x&"},
		{"path outside the context path kept", "https://acme.atlassian.net/rest/api", "/wiki", "GET&/rest/api&"},
		{"empty path", "https://app.example.com", "", "GET&/&"},
		{"trailing slash removed", "https://app.example.com/a/b/", "", "GET&/a/b&"},
		{"ampersand in path", "https://app.example.com/a&b/c", "", "GET&/a%26b/c&"},
		{"jwt excluded", "https://app.example.com/p?jwt=abc&b=1", "", "GET&/p&b=1"},
		{"only jwt", "https://app.example.com/p?jwt=abc", "", "GET&/p&"},
		{"space", "https://app.example.com/p?q=a%20b", "", "GET&/p&q=a%20b"},
		{"plus in raw query is a space", "https://app.example.com/p?q=a+b", "", "GET&/p&q=a%20b"},
		{"encoded plus", "https://app.example.com/p?q=a%2Bb", "", "GET&/p&q=a%2Bb"},
		{"star", "https://app.example.com/p?q=a*b", "", "GET&/p&q=a%2Ab"},
		{"tilde kept", "https://app.example.com/p?q=a%7Eb", "", "GET&/p&q=a~b"},
		{"unreserved kept", "https://app.example.com/p?q=Az09-._~", "", "GET&/p&q=Az09-._~"},
		{"reserved encoded", "https://app.example.com/p?q=%2C%2F%3A%3D%26%25", "", "GET&/p&q=%2C%2F%3A%3D%26%25"},
		{"utf-8", "https://app.example.com/p?q=%C3%A9", "", "GET&/p&q=%C3%A9"},
		{"name encoded", "https://app.example.com/p?a%20b=1", "", "GET&/p&a%20b=1"},
		{"repeated values sorted", "https://app.example.com/p?f=b&f=a&f=c", "", "GET&/p&f=a,b,c"},
		{"names sorted", "https://app.example.com/p?z=1&a=2&m=3", "", "GET&/p&a=2&m=3&z=1"},
		{"no value", "https://app.example.com/p?flag&x=", "", "GET&/p&flag=&x="},
		{"empty pairs ignored", "https://app.example.com/p?&a=1&&", "", "GET&/p&a=1"},
		{"bad escape kept as sent", "https://app.example.com/p?a=%zz", "", "GET&/p&a=%25zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := CanonicalRequest("GET", mustURL(t, tt.url), tt.contextPath); got != tt.want {
				t.Errorf("CanonicalRequest(%q, %q) = %q, want %q", tt.url, tt.contextPath, got, tt.want)
			}
		})
	}
}

func TestQSHOfCanonicalRequest(t *testing.T) {
	t.Parallel()
	// SHA-256 of "POST&/user&" computed independently (sha256sum).
	u := mustURL(t, "https://app.example.com/user")
	if got, want := QSH("post", u, ""), sha256Hex("POST&/user&"); got != want {
		t.Errorf("QSH = %s, want %s", got, want)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
