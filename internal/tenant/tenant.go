// Package tenant implements mailwiki.TenantService for tenants declared by
// the operator (mode "token": a company running mailwiki for its own
// Confluence Cloud with an API token, or Data Center with a personal access
// token). Connect and Forge tenants will be other implementations of the
// same interface; the pipeline does not know which one it talks to.
package tenant

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Declared is one operator-declared tenant: the site, its credentials and
// the addresses routed to its spaces. Cloud sites authenticate with Email and
// APIToken (basic auth), Data Center with PersonalAccessToken (bearer).
type Declared struct {
	Tenant              mailwiki.Tenant
	Email               string
	APIToken            string
	PersonalAccessToken string
	Routes              []mailwiki.Route // Address and SpaceKey; TenantID is filled in
	// Senders is the tenant's secure sender list and Spam its spam
	// settings, from the operator's configuration file.
	Senders mailwiki.SenderList
	Spam    mailwiki.SpamSettings
}

// Static serves declared tenants. It is immutable after NewStatic and safe
// for concurrent use.
type Static struct {
	tenants map[string]Declared
	routes  map[string]mailwiki.Route
	base    http.RoundTripper
}

var _ mailwiki.TenantService = (*Static)(nil)

// NewStatic indexes the declared tenants; addresses are matched
// case-insensitively. base is the transport under the authentication (nil: a
// default transport with sane timeouts).
func NewStatic(tenants []Declared, base http.RoundTripper) *Static {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 60 * time.Second
		base = t
	}
	s := &Static{tenants: map[string]Declared{}, routes: map[string]mailwiki.Route{}, base: base}
	for _, d := range tenants {
		d.Tenant.Mode = mailwiki.ModeToken
		s.tenants[d.Tenant.ID] = d
		for _, r := range d.Routes {
			r.Address, r.TenantID = strings.ToLower(r.Address), d.Tenant.ID
			s.routes[r.Address] = r
		}
	}
	return s
}

// Route returns where mail to address goes.
func (s *Static) Route(_ context.Context, address string) (mailwiki.Route, error) {
	r, ok := s.routes[strings.ToLower(address)]
	if !ok {
		return mailwiki.Route{}, mailwiki.Errorf(mailwiki.ENOTFOUND, "no such mailbox here")
	}
	return r, nil
}

// Lookup returns the tenant of a declared address.
func (s *Static) Lookup(ctx context.Context, address string) (string, error) {
	r, err := s.Route(ctx, address)
	return r.TenantID, err
}

// Policy returns a declared tenant's door settings.
func (s *Static) Policy(_ context.Context, id string) (mailwiki.Policy, error) {
	d, ok := s.tenants[id]
	if !ok {
		return mailwiki.Policy{}, mailwiki.Errorf(mailwiki.ENOTFOUND, "unknown tenant")
	}
	return d.config().Policy(), nil
}

// IsSecureSender matches addr against a declared tenant's sender list.
func (s *Static) IsSecureSender(_ context.Context, id, addr string) (bool, error) {
	d, ok := s.tenants[id]
	if !ok {
		return false, mailwiki.Errorf(mailwiki.ENOTFOUND, "unknown tenant")
	}
	listed := map[string]bool{}
	for _, e := range d.config().Senders.Entries {
		listed[e] = true
	}
	for _, c := range SenderCandidates(addr) {
		if listed[c] {
			return true, nil
		}
	}
	return false, nil
}

// config is the declared tenant's door settings as a normalized
// TenantConfig.
func (d Declared) config() mailwiki.TenantConfig {
	c := mailwiki.TenantConfig{Senders: d.Senders, Spam: d.Spam}
	c.Senders.Entries = append([]string(nil), d.Senders.Entries...)
	c.Normalize()
	return c
}

// Tenant returns a declared tenant.
func (s *Static) Tenant(_ context.Context, id string) (mailwiki.Tenant, error) {
	d, ok := s.tenants[id]
	if !ok {
		return mailwiki.Tenant{}, mailwiki.Errorf(mailwiki.ENOTFOUND, "unknown tenant")
	}
	return d.Tenant, nil
}

// HTTPClient returns a client authenticating as the tenant's declared
// credentials: basic auth (email + API token) for Cloud, bearer (personal
// access token) for Data Center.
func (s *Static) HTTPClient(_ context.Context, tenant mailwiki.Tenant) (*http.Client, error) {
	d, ok := s.tenants[tenant.ID]
	if !ok {
		return nil, mailwiki.Errorf(mailwiki.ENOTFOUND, "unknown tenant")
	}
	rt := BasicAuth(d.Email, d.APIToken, s.base)
	if d.Tenant.Flavor == mailwiki.FlavorDataCenter {
		rt = BearerAuth(d.PersonalAccessToken, s.base)
	}
	return &http.Client{Transport: rt, Timeout: 5 * time.Minute}, nil
}
