package sandbox

import (
	"net/url"
	"testing"
)

// TestQSHFollowsAtlassianExamples checks the canonical request against the
// examples of Atlassian's "Creating a query string hash" and of
// atlassian-jwt's JwtConstants.Claims.QUERY_HASH.
func TestQSHFollowsAtlassianExamples(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, method, path, rawQuery, want string
	}{
		{"get root", "get", "", "param=foo", "GET&/&param=foo"},
		{"post no query", "POST", "/user", "", "POST&/user&"},
		{"trailing slash", "GET", "/issue/", "", "GET&/issue&"},
		{"ampersand in path", "GET", "/a&b", "", "GET&/a%26b&"},
		{"atlassian-jwt example", "GET", "/path/to/service",
			"zee_last=param&repeated=parameter 1&first=param&repeated=parameter 2",
			"GET&/path/to/service&first=param&repeated=parameter%201,parameter%202&zee_last=param"},
		{"jwt ignored, encoding", "GET", "/x", "jwt=abc&q=a+b*c~d&k%20y=%2C",
			"GET&/x&k%20y=%2C&q=a%20b%2Ac~d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(c.rawQuery)
			if err != nil {
				t.Fatal(err)
			}
			if got := canonicalRequest(c.method, c.path, q); got != c.want {
				t.Fatalf("canonical request %q, want %q", got, c.want)
			}
		})
	}
}

// TestQSHHashesUTF8 checks the hash itself: SHA-256 of "foo" as the
// documentation gives it, reached through a canonical request made of it.
func TestQSHHashesUTF8(t *testing.T) {
	t.Parallel()
	const fooHash = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
	if got := sha256Hex("foo"); got != fooHash {
		t.Fatalf("sha256(foo) = %s", got)
	}
	if qshOf("GET", "/", url.Values{"param": {"foo"}}) != sha256Hex("GET&/&param=foo") {
		t.Fatal("qsh is not the hash of the canonical request")
	}
	if relativePath("/wiki/rest/api/content", "/wiki") != "/rest/api/content" || relativePath("/installed", "") != "/installed" {
		t.Fatal("relativePath")
	}
}
