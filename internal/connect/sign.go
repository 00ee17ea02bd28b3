package connect

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailwiki/mailwiki"
)

// tokenLifetime is how long a token the app signs is valid. Atlassian
// recommends a short expiry ("exp" a few minutes after "iat"); see
// https://developer.atlassian.com/cloud/confluence/understanding-jwt/.
const tokenLifetime = 180 * time.Second

// claims are the claims of a Connect JWT: the registered ones plus the query
// string hash.
type claims struct {
	jwt.RegisteredClaims
	QSH string `json:"qsh,omitempty"`
}

// Transport returns a RoundTripper that authenticates every request to the
// site at siteBaseURL (e.g. https://acme.atlassian.net/wiki) as the Connect
// app appKey: it adds "Authorization: JWT <token>", an HS256 token signed
// with sharedSecret whose claims are iss=appKey, iat=now, exp=iat+180 s and
// qsh, the QSH of the request relative to the site base URL's path
// (https://developer.atlassian.com/cloud/confluence/understanding-jwt/,
// "Making a service call").
//
// Only requests to the site's scheme and host are signed: any other request
// (a redirect elsewhere, another host) goes out as it is, without a token.
// The caller's request is never modified (it is cloned). base is
// http.DefaultTransport when nil, now is time.Now when nil. The secret is
// copied. An unusable siteBaseURL makes every RoundTrip fail with an
// ECONFIG *mailwiki.Error.
func Transport(appKey string, sharedSecret []byte, siteBaseURL string, base http.RoundTripper, now func() time.Time) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if now == nil {
		now = time.Now
	}
	site, err := parseSiteURL(siteBaseURL)
	return &signer{
		appKey: appKey,
		secret: append([]byte(nil), sharedSecret...),
		site:   site,
		err:    err,
		base:   base,
		now:    now,
	}
}

// signer is the RoundTripper Transport returns. It is safe for concurrent
// use: nothing in it changes after construction.
type signer struct {
	appKey string
	secret []byte
	site   *url.URL
	err    error
	base   http.RoundTripper
	now    func() time.Time
}

// RoundTrip implements http.RoundTripper.
func (s *signer) RoundTrip(req *http.Request) (*http.Response, error) {
	if s.err != nil {
		closeBody(req)
		return nil, s.err
	}
	if !sameOrigin(req.URL, s.site) {
		return s.base.RoundTrip(req)
	}
	token, err := signToken(s.appKey, s.secret, QSH(req.Method, req.URL, s.site.Path), s.now())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", "JWT "+token)
	return s.base.RoundTrip(out)
}

// signToken returns an HS256 token with iss, iat, exp=iat+tokenLifetime and
// qsh.
func signToken(iss string, secret []byte, qsh string, now time.Time) (string, error) {
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    iss,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(tokenLifetime)),
		},
		QSH: qsh,
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	if err != nil {
		return "", &mailwiki.Error{Code: mailwiki.EINTERNAL, Message: "connect: cannot sign the request", Err: err}
	}
	return token, nil
}

// parseSiteURL parses a site base URL: absolute http(s), with a host, its
// path without a trailing slash.
func parseSiteURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, mailwiki.Errorf(mailwiki.ECONFIG, "connect: site base URL %q must be an absolute https URL such as https://acme.atlassian.net/wiki", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// sameOrigin reports whether u has site's scheme and host (case-insensitive).
func sameOrigin(u, site *url.URL) bool {
	return strings.EqualFold(u.Scheme, site.Scheme) && strings.EqualFold(u.Host, site.Host)
}

// closeBody closes req's body, as a RoundTripper must even when it fails.
func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
