package tenant

import (
	"net/http"
)

// BasicAuth returns a RoundTripper that authenticates every request with an
// Atlassian account email and API token (Confluence Cloud). base is the
// transport it delegates to; http.DefaultTransport when nil. The request passed
// in is never modified: a clone carries the header.
func BasicAuth(email, apiToken string, base http.RoundTripper) http.RoundTripper {
	return &authTransport{base: base, set: func(r *http.Request) { r.SetBasicAuth(email, apiToken) }}
}

// BearerAuth returns a RoundTripper that authenticates every request with a
// bearer token: a Data Center personal access token. base is the transport it
// delegates to; http.DefaultTransport when nil.
func BearerAuth(token string, base http.RoundTripper) http.RoundTripper {
	return &authTransport{base: base, set: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }}
}

type authTransport struct {
	base http.RoundTripper
	set  func(*http.Request)
}

// RoundTrip implements http.RoundTripper. Per its contract it does not mutate
// the caller's request.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	clone := req.Clone(req.Context())
	t.set(clone)
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(clone)
}
