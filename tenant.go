package mailwiki

import (
	"context"
	"net/http"
)

// Tenant modes: how mailwiki authenticates to a tenant's Confluence.
const (
	ModeToken   = "token"   // API token (Cloud, basic auth) or personal access token (Data Center, bearer)
	ModeConnect = "connect" // Atlassian Connect: installed from the site, configured in it
	ModeForge   = "forge"   // Forge Remote: a Forge app whose backend is mailwiki
)

// Confluence flavors: which REST API a tenant's site speaks.
const (
	FlavorCloud      = "cloud"      // Confluence Cloud: REST v2 (pages), v1 (attachments)
	FlavorDataCenter = "datacenter" // Confluence Data Center / Server: REST v1
)

// Tenant is one Confluence site served by this installation.
type Tenant struct {
	ID      string // stable identifier (a name for token tenants, the client key for Connect)
	Mode    string
	BaseURL string // the site's base, ending in /wiki for Cloud, e.g. https://acme.atlassian.net/wiki
	Flavor  string // FlavorCloud or FlavorDataCenter
	// AllowInsecureHTTP permits a plain http:// BaseURL: only for a local
	// sandbox (promise P14: Confluence is otherwise called over HTTPS only).
	AllowInsecureHTTP bool
}

// Route says where mail to one address goes: the address's configuration
// (TenantConfig) as it stood when the message was processed.
type Route struct {
	Address     string // the recipient address, lower-case
	TenantID    string
	SpaceKey    string
	ParentID    string // page or folder id; empty: the space's home page
	ParentType  string // ParentPage or ParentFolder when ParentID is set
	ContentType string // ContentPage ("" means page) or ContentBlogPost
	TitleFormat string // "" means TitleSubject
}

// TenantService resolves recipients and gives the pipeline what it needs to
// reach a tenant's Confluence, whatever the tenant's mode.
type TenantService interface {
	// Lookup returns the id of the tenant that owns address, or an
	// ENOTFOUND *Error. It is what the SMTP door asks at RCPT time: for
	// installed tenants it reads only the server's keyed hashes, never the
	// site (promise P10).
	Lookup(ctx context.Context, address string) (string, error)
	// Route returns where mail to address goes, reading the owning
	// tenant's configuration (for installed tenants, from its Confluence,
	// promise P9), or an ENOTFOUND *Error when the address is no longer
	// configured. A configuration that cannot be read is a temporary error.
	Route(ctx context.Context, address string) (Route, error)
	// Tenant returns the tenant with the given id, or an ENOTFOUND *Error.
	Tenant(ctx context.Context, id string) (Tenant, error)
	// Policy returns the tenant's door settings (sender mode, spam
	// action), read like Route: for installed tenants from the site's
	// configuration (cached). A configuration that cannot be read is a
	// temporary error.
	Policy(ctx context.Context, tenantID string) (Policy, error)
	// IsSecureSender reports whether addr, an authenticated RFC 5322.From
	// address, is on the tenant's secure sender list (name@domain,
	// @domain, .domain). Installed tenants' lists are matched by keyed
	// hashes only (promise P11).
	IsSecureSender(ctx context.Context, tenantID, addr string) (bool, error)
	// HTTPClient returns a client that authenticates every request to the
	// tenant's Confluence. It is the credential provider seam: Connect and
	// Forge tenants will sign requests here.
	HTTPClient(ctx context.Context, tenant Tenant) (*http.Client, error)
}

// TenantHealth is told whether a tenant's Confluence accepts its
// credentials. A tenant whose site answered 401 or 403 is unhealthy: its
// messages wait (they are retried) until the credentials are fixed.
type TenantHealth interface {
	// CredentialsRefused marks the tenant unhealthy with a safe reason.
	CredentialsRefused(tenantID string, reason string)
	// CredentialsAccepted marks the tenant healthy again.
	CredentialsAccepted(tenantID string)
}
