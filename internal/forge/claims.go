package forge

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ARI prefixes of the ids a FIT carries; lifecycle bodies carry the bare
// UUIDs, so ids are normalised to them.
const (
	installationARIPrefix = "ari:cloud:ecosystem::installation/"
	envARIPrefix          = "ari:cloud:ecosystem::environment/" // then <app uuid>/<env uuid>
)

// Invocation is what a verified Forge invocation token (and the product
// tokens forwarded with it) says: who calls, for which installation, and
// how to reach its Confluence. Its String, GoString and LogValue leave the
// tokens out; never log the token fields themselves.
type Invocation struct {
	InstallationID string // the installation's UUID (the tenant id); changes on reinstall
	CloudID        string // the site's cloud id; stable across reinstalls
	APIBaseURL     string // e.g. https://api.atlassian.com/ex/confluence/<cloudId>, no trailing slash
	AppID          string // the app ARI (the configured one)
	EnvironmentID  string // the environment's UUID
	ModuleKey      string // the module or endpoint key invoked
	ModuleType     string // app.module.type: core:endpoint for triggers, xen:… for UI calls
	Principal      string // the calling user's account id (UI calls only)
	UICall         bool   // the token carries a UI context (a call from the admin page)
	// SystemToken is the app system token (x-forge-oauth-system), "" when
	// none was forwarded or its expiry could not be read; it expires at
	// SystemTokenExpiry (its exp, read without verification: the token is
	// opaque).
	SystemToken       string
	SystemTokenExpiry time.Time
	// UserToken is the app user token (x-forge-oauth-user), UI calls only,
	// under the same conditions as SystemToken.
	UserToken string
}

// String describes the invocation without its tokens.
func (inv Invocation) String() string {
	return fmt.Sprintf("forge invocation{installation %s, cloud %s, environment %s, module %q, principal %q, system token %t, user token %t}",
		inv.InstallationID, inv.CloudID, inv.EnvironmentID, inv.ModuleKey, inv.Principal, inv.SystemToken != "", inv.UserToken != "")
}

// GoString is String, so that %#v does not print the tokens either.
func (inv Invocation) GoString() string { return inv.String() }

// LogValue logs the invocation's ids, never its tokens.
func (inv Invocation) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("installation", inv.InstallationID),
		slog.String("cloud_id", inv.CloudID),
		slog.String("environment", inv.EnvironmentID),
		slog.String("module", inv.ModuleKey),
		slog.Bool("system_token", inv.SystemToken != ""),
		slog.Bool("user_token", inv.UserToken != ""),
	)
}

// fitClaims are the claims of a FIT ("Forge remote essentials", the
// invocation token's claims), beyond the registered ones.
type fitClaims struct {
	jwt.RegisteredClaims
	App       fitApp          `json:"app"`
	Context   *fitContext     `json:"context,omitempty"`
	Principal string          `json:"principal,omitempty"`
	ICLabel   json.RawMessage `json:"icLabel,omitempty"`
}

type fitApp struct {
	ID             string `json:"id"`
	InstallationID string `json:"installationId"`
	APIBaseURL     string `json:"apiBaseUrl"`
	Environment    struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"environment"`
	Module struct {
		Type string `json:"type"`
		Key  string `json:"key"`
	} `json:"module"`
	Installation struct {
		ID       string          `json:"id"`
		Contexts []installedSite `json:"contexts"`
	} `json:"installation"`
}

// installedSite is one of app.installation.contexts.
type installedSite struct {
	Name       string `json:"name"`
	APIBaseURL string `json:"apiBaseUrl"`
	CloudID    string `json:"cloudId"`
}

// fitContext is the context of a UI invocation.
type fitContext struct {
	CloudID   string `json:"cloudId"`
	ModuleKey string `json:"moduleKey"`
}

// invocation applies the policy checks to verified claims and derives the
// invocation (without product tokens).
func (f *Forge) invocation(cl *fitClaims) (Invocation, error) {
	if err := f.checkClaims(cl); err != nil {
		return Invocation{}, err
	}
	inst, err := installationID(cl)
	if err != nil {
		return Invocation{}, err
	}
	env, _ := ariUUID(cl.App.Environment.ID, envARIPrefix) // checked
	base, err := f.apiBase(cl.App.APIBaseURL)
	if err != nil {
		return Invocation{}, err
	}
	for _, site := range cl.App.Installation.Contexts {
		if _, err := f.apiBase(site.APIBaseURL); err != nil {
			return Invocation{}, err
		}
	}
	cloud, err := cloudID(cl, base)
	if err != nil {
		return Invocation{}, err
	}
	return Invocation{InstallationID: inst, CloudID: cloud, APIBaseURL: base.String(), AppID: f.appID,
		EnvironmentID: env, ModuleKey: moduleKey(cl), ModuleType: cl.App.Module.Type, Principal: cl.Principal,
		UICall: cl.Context != nil}, nil
}

// checkClaims checks what the parser does not: iat and jti present, no
// Isolated Cloud label, app.id the configured app, the environment
// allowed.
func (f *Forge) checkClaims(cl *fitClaims) error {
	env, envOK := ariUUID(cl.App.Environment.ID, envARIPrefix)
	switch {
	case cl.IssuedAt == nil:
		return refused("missing iat", nil)
	case cl.ID == "":
		return refused("missing jti", nil)
	case len(cl.ICLabel) > 0 && string(cl.ICLabel) != "null":
		return refused("Isolated Cloud invocations (icLabel) are not supported", nil)
	case !strings.EqualFold(cl.App.ID, f.appID):
		return refused("wrong app", nil)
	case !envOK:
		return refused("missing or invalid environment id", nil)
	case f.envs != nil && !f.envs[env]:
		return refused("environment not allowed", nil)
	case len(cl.Principal) > 128:
		return refused("invalid principal", nil)
	}
	return nil
}

// installationID is the UUID of app.installationId (or, without it,
// app.installation.id); both, when present, must name the same one.
func installationID(cl *fitClaims) (string, error) {
	id, alt := cl.App.InstallationID, cl.App.Installation.ID
	if id == "" {
		id = alt
	}
	uuid, ok := ariUUID(id, installationARIPrefix)
	if !ok {
		return "", refused("missing or invalid installation id", nil)
	}
	if other, ok := ariUUID(alt, installationARIPrefix); alt != "" && (!ok || other != uuid) {
		return "", refused("inconsistent installation id", nil)
	}
	return uuid, nil
}

// apiBase parses a product API base URL and checks it: https (http only
// with AllowInsecureHTTP), a host in the allowlist, no user info, query or
// fragment. The result has no trailing slash.
func (f *Forge) apiBase(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return nil, refused("missing API base URL", nil)
	case err != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return nil, refused("invalid API base URL", err)
	case u.Scheme != "https" && !(u.Scheme == "http" && f.allowInsecure):
		return nil, refused("API base URL must use https", nil)
	case !f.hosts[strings.ToLower(u.Host)]:
		return nil, refused("API base URL host not allowed", nil)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// cloudIDPattern is what a cloud id may look like (a UUID in practice):
// it becomes part of product API paths.
var cloudIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// cloudID is the site's cloud id: from the Confluence installation
// context, else the UI context, else the last path segment of the API base
// URL (…/ex/confluence/<cloudId>).
func cloudID(cl *fitClaims, base *url.URL) (string, error) {
	id := ""
	for _, site := range cl.App.Installation.Contexts {
		if site.Name == "confluence" && site.CloudID != "" {
			id = site.CloudID
			break
		}
	}
	if id == "" && cl.Context != nil {
		id = cl.Context.CloudID
	}
	if id == "" {
		id = path.Base(base.Path)
	}
	if !cloudIDPattern.MatchString(id) {
		return "", refused("missing or invalid cloud id", nil)
	}
	return id, nil
}

// moduleKey is app.module.key, else the UI context's moduleKey.
func moduleKey(cl *fitClaims) string {
	if cl.App.Module.Key != "" {
		return cl.App.Module.Key
	}
	if cl.Context != nil {
		return cl.Context.ModuleKey
	}
	return ""
}

// uuidPattern is a UUID in its canonical text form.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isUUID(s string) bool { return uuidPattern.MatchString(s) }

// ariUUID returns, in lower case, the UUID s is, or the trailing UUID of
// s when it is an ARI starting with prefix.
func ariUUID(s, prefix string) (string, bool) {
	if isUUID(s) {
		return strings.ToLower(s), true
	}
	if !strings.HasPrefix(s, prefix) {
		return "", false
	}
	last := s[strings.LastIndexByte(s, '/')+1:]
	if !isUUID(last) {
		return "", false
	}
	return strings.ToLower(last), true
}
