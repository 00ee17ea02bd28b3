package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"time"
)

// Module and endpoint keys of the Forge app the sandbox plays host to, as
// mailwiki's manifest names them (the sandbox reads no manifest).
const (
	forgeLifecycleKey    = "mw-lifecycle"
	forgeTickKey         = "mw-tick"
	forgeTickTriggerKey  = "mw-hourly"
	forgeUninstallKey    = "mw-uninstall"
	forgeUninstallModule = "mw-pre-uninstall"
	forgeUIKey           = "mw-ui"
	forgeSettingsModule  = "mw-settings"
)

// forgeEndpoints are the paths, relative to the remote's baseUrl, of the
// endpoint modules Forge calls without a user.
type forgeEndpoints struct {
	Lifecycle    string `json:"lifecycle"`
	Tick         string `json:"tick"`
	PreUninstall string `json:"preUninstall"`
}

// forgeInstall is one installation of a Forge app on the site: kept (also
// once uninstalled, as Forge keeps its record) in the state file. Ids are
// bare UUIDs; the ARIs are derived.
type forgeInstall struct {
	ID            string         `json:"id"`
	AppID         string         `json:"appId"`
	EnvironmentID string         `json:"environmentId"`
	AppVersion    string         `json:"appVersion"`
	RemoteBaseURL string         `json:"remoteBaseUrl"`
	Endpoints     forgeEndpoints `json:"endpoints"`
	TokenTTL      time.Duration  `json:"tokenTTL"`
	Origin        string         `json:"origin"` // scheme://host of the site at installation
	Generation    int            `json:"generation"`
	InstalledAt   time.Time      `json:"installedAt"`
	UninstalledAt *time.Time     `json:"uninstalledAt,omitempty"`
}

func (in *forgeInstall) installed() bool { return in.UninstalledAt == nil }

func (in *forgeInstall) appARI() string { return "ari:cloud:ecosystem::app/" + in.AppID }

func (in *forgeInstall) installationARI() string {
	return "ari:cloud:ecosystem::installation/" + in.ID
}

func (in *forgeInstall) environmentARI() string {
	return "ari:cloud:ecosystem::environment/" + in.AppID + "/" + in.EnvironmentID
}

// cachedToken is a product token the site handed out and reuses until it
// has less than forgeTokenReuse left, as Forge does.
type cachedToken struct {
	token string
	exp   time.Time
	gen   int
}

// forgeState is the site's Forge host state, guarded by Sandbox.mu.
type forgeState struct {
	cloudID     string
	tokenSecret string
	installs    map[string]*forgeInstall     // by installation UUID
	props       map[string]map[string]string // installation UUID → key → JSON
	tokens      map[string]cachedToken       // "system/<inst>" or "user/<inst>/<account>"; never persisted
}

// loadForge reads the Forge state from the state file, or starts one with a
// random cloudId and token secret. Called by New.
func (s *Sandbox) loadForge(ctx context.Context) error {
	s.forge = forgeState{installs: map[string]*forgeInstall{}, props: map[string]map[string]string{},
		tokens: map[string]cachedToken{}}
	if s.db != nil {
		if err := s.db.loadForge(ctx, &s.forge); err != nil {
			return err
		}
	}
	if s.forge.cloudID != "" && s.forge.tokenSecret != "" {
		return nil
	}
	if s.forge.cloudID == "" {
		s.forge.cloudID = newClientKey()
	}
	if s.forge.tokenSecret == "" {
		s.forge.tokenSecret = randomHex(32)
	}
	return s.save(func(w stateTx) error {
		if err := w.setting("forge_cloud_id", s.forge.cloudID); err != nil {
			return err
		}
		return w.setting("forge_token_secret", s.forge.tokenSecret)
	})
}

// forgeRoutes adds the Forge host (see doc.go) to the router.
func (s *Sandbox) forgeRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /sandbox/forge/jwks.json", s.forgeJWKS)
	m.HandleFunc("POST /sandbox/forge/rotate-key", s.forgeRotateKey)
	m.HandleFunc("POST /sandbox/forge/apps", s.forgeInstallApp)
	m.HandleFunc("DELETE /sandbox/forge/apps/{installationId}", s.forgeUninstallApp)
	m.HandleFunc("POST /sandbox/forge/apps/{installationId}/tick", s.forgeTickHandler)

	m.Handle("/ex/confluence/{cloudId}/{rest...}", http.HandlerFunc(s.forgeGateway))

	const props = "/wiki/api/v2/app/properties"
	m.Handle("GET "+props, s.api(v2, s.listForgeProperties))
	m.Handle("GET "+props+"/{propertyKey}", s.api(v2, s.getForgeProperty))
	m.Handle("PUT "+props+"/{propertyKey}", s.api(v2, s.putForgeProperty))
	m.Handle("DELETE "+props+"/{propertyKey}", s.api(v2, s.deleteForgeProperty))

	m.HandleFunc("GET /wiki/admin/forge/{installationId}", s.htmlForgeAdminPage)
	m.HandleFunc("POST /wiki/admin/forge/{installationId}/invoke", s.forgeInvoke)
	m.HandleFunc("GET /wiki/forge/bridge.js", serveScript(forgeBridgeJS))
	m.HandleFunc("GET /wiki/forge/host.js", serveScript(forgeHostJS))
}

// CloudID returns the site's cloudId: random at the first start, kept in
// the state file, the same for every Forge installation (and reinstall).
func (s *Sandbox) CloudID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forge.cloudID
}

// ForgeInstallations returns the ids (bare UUIDs) of the installed Forge
// apps, sorted; uninstalled ones are left out.
func (s *Sandbox) ForgeInstallations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, in := range s.forge.installs {
		if in.installed() {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// ForgeProperty returns the JSON value of a Forge app property of an
// installation.
func (s *Sandbox) ForgeProperty(installationID, key string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.forge.props[installationID][key]
	return json.RawMessage(v), ok
}

// ExpireForgeTokens makes every product token handed out so far for the
// installation invalid (REST answers 401), as if they had lapsed: the next
// delivery (a tick, an admin page call) brings fresh ones.
func (s *Sandbox) ExpireForgeTokens(installationID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.forge.installs[installationID]
	if !ok {
		return
	}
	in.Generation++
	if err := s.save(func(w stateTx) error { return w.forgeInstallation(in) }); err != nil {
		s.log.Error("sandbox: expire Forge tokens", "installation", installationID, "err", err)
	}
}

// forgeInstallation returns a copy of an installation (installed or not).
func (s *Sandbox) forgeInstallation(id string) (forgeInstall, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.forge.installs[id]
	if !ok {
		return forgeInstall{}, false
	}
	return *in, true
}

// installedForge returns an installed installation, or a not-found error.
func (s *Sandbox) installedForge(id string) (forgeInstall, error) {
	in, ok := s.forgeInstallation(id)
	if !ok || !in.installed() {
		return forgeInstall{}, notFound("No Forge app installed with installation id %s", id)
	}
	return in, nil
}
