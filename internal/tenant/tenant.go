// Package tenant implements mailwiki.TenantService for tenants declared in
// the operator's configuration (mode "token": a company running mailwiki for
// its own Confluence Cloud with an API token, or Data Center with a personal
// access token). Connect and Forge tenants will be other implementations of
// the same interface; the pipeline does not know which one it talks to.
package tenant

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/confluence"
)

// Static serves the tenants of a configuration. It is immutable after New and
// safe for concurrent use.
type Static struct {
	tenants map[string]config.Tenant
	routes  map[string]mailwiki.Route
	base    http.RoundTripper
}

var _ mailwiki.TenantService = (*Static)(nil)

// NewStatic indexes the configured tenants. base is the transport under the
// authentication (nil: a default transport with sane timeouts).
func NewStatic(tenants []config.Tenant, base http.RoundTripper) *Static {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 60 * time.Second
		base = t
	}
	s := &Static{tenants: map[string]config.Tenant{}, routes: map[string]mailwiki.Route{}, base: base}
	for _, t := range tenants {
		s.tenants[t.ID] = t
		for _, a := range t.Addresses {
			addr := strings.ToLower(a.Address)
			s.routes[addr] = mailwiki.Route{Address: addr, TenantID: t.ID, SpaceKey: a.Space}
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

// Tenant returns a configured tenant.
func (s *Static) Tenant(_ context.Context, id string) (mailwiki.Tenant, error) {
	t, ok := s.tenants[id]
	if !ok {
		return mailwiki.Tenant{}, mailwiki.Errorf(mailwiki.ENOTFOUND, "unknown tenant")
	}
	return mailwiki.Tenant{ID: t.ID, Mode: mailwiki.ModeToken, BaseURL: t.BaseURL}, nil
}

// HTTPClient returns a client authenticating as the tenant's configured
// credentials: basic auth (email + API token) for Cloud, bearer (personal
// access token) for Data Center.
func (s *Static) HTTPClient(_ context.Context, tenant mailwiki.Tenant) (*http.Client, error) {
	t, ok := s.tenants[tenant.ID]
	if !ok {
		return nil, mailwiki.Errorf(mailwiki.ENOTFOUND, "unknown tenant")
	}
	rt := confluence.BasicAuth(t.Email, t.APIToken.Value, s.base)
	if t.Flavor == "datacenter" {
		rt = confluence.BearerAuth(t.PersonalAccessToken.Value, s.base)
	}
	return &http.Client{Transport: rt, Timeout: 5 * time.Minute}, nil
}

// ClientOptions returns the Confluence client options the tenant needs.
func (s *Static) ClientOptions(tenantID string) confluence.Options {
	t := s.tenants[tenantID]
	opts := confluence.Options{AllowInsecureHTTP: t.AllowInsecureHTTP, Flavor: confluence.Cloud}
	if t.Flavor == "datacenter" {
		opts.Flavor = confluence.DataCenter
	}
	return opts
}
