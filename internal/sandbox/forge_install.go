package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var (
	uuidPattern  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	appARIPrefix = "ari:cloud:ecosystem::app/"
)

// forgeInstallRequest is the body of POST /sandbox/forge/apps.
type forgeInstallRequest struct {
	AppID         string         `json:"appId"`
	RemoteBaseURL string         `json:"remoteBaseUrl"`
	EnvironmentID string         `json:"environmentId"`
	AppVersion    string         `json:"appVersion"`
	Endpoints     forgeEndpoints `json:"endpoints"`
	TokenTTL      string         `json:"tokenTTL"`
}

// installation checks the request and makes the installation it asks for.
func (req forgeInstallRequest) installation(now time.Time, origin string) (forgeInstall, error) {
	appID, ok := strings.CutPrefix(req.AppID, appARIPrefix)
	if !ok || !uuidPattern.MatchString(appID) {
		return forgeInstall{}, invalid("appId must be an app ARI, ari:cloud:ecosystem::app/<uuid>")
	}
	u, err := url.Parse(req.RemoteBaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return forgeInstall{}, invalid("remoteBaseUrl must be an absolute http or https URL without query")
	}
	in := forgeInstall{ID: newClientKey(), AppID: strings.ToLower(appID), EnvironmentID: req.EnvironmentID,
		AppVersion: req.AppVersion, RemoteBaseURL: strings.TrimSuffix(req.RemoteBaseURL, "/"),
		Endpoints: req.Endpoints, TokenTTL: forgeTokenMaxTTL, Origin: origin, InstalledAt: now.UTC()}
	if in.EnvironmentID == "" {
		in.EnvironmentID = newClientKey()
	} else if !uuidPattern.MatchString(in.EnvironmentID) {
		return forgeInstall{}, invalid("environmentId must be a UUID")
	}
	if in.AppVersion == "" {
		in.AppVersion = "1.0.0"
	}
	if err := in.Endpoints.defaults(); err != nil {
		return forgeInstall{}, err
	}
	if req.TokenTTL != "" {
		d, err := time.ParseDuration(req.TokenTTL)
		if err != nil || d <= 0 || d > forgeTokenMaxTTL {
			return forgeInstall{}, invalid("tokenTTL must be a Go duration above 0 and at most 4h, such as 30s")
		}
		in.TokenTTL = d
	}
	return in, nil
}

// defaults fills the endpoint paths not given and checks them.
func (e *forgeEndpoints) defaults() error {
	for _, p := range []struct {
		path *string
		def  string
	}{{&e.Lifecycle, "/forge/lifecycle"}, {&e.Tick, "/forge/tick"}, {&e.PreUninstall, "/forge/pre-uninstall"}} {
		if *p.path == "" {
			*p.path = p.def
		}
		if !strings.HasPrefix(*p.path, "/") {
			return invalid("Endpoint paths must start with /: %q", *p.path)
		}
	}
	return nil
}

// forgeInstalledEvent is the body of avi:forge:installed:app, with bare
// UUIDs as Forge sends them, plus the eventType and context some remotes
// read.
type forgeInstalledEvent struct {
	ID                 string        `json:"id"`
	InstallerAccountID string        `json:"installerAccountId"`
	App                forgeEventApp `json:"app"`
	Environment        struct {
		ID string `json:"id"`
	} `json:"environment"`
	EventType    string        `json:"eventType"`
	Context      string        `json:"context"`
	RetryContext *retryContext `json:"retryContext,omitempty"`
}

type forgeEventApp struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// forgeInstallApp serves POST /sandbox/forge/apps (site administrator).
// The installation is made and kept before avi:forge:installed:app is
// delivered, as on Forge, where the event follows the installation: 201
// {"installationId","installationAri","cloudId","apiBaseUrl"} once the
// remote accepted it; 502 (v1 body, naming the installation, which stays
// installed) when all 4 attempts failed; 400 for a bad request.
func (s *Sandbox) forgeInstallApp(w http.ResponseWriter, r *http.Request) {
	if !s.requireSiteAdmin(w, r) {
		return
	}
	var req forgeInstallRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, v1, err)
		return
	}
	origin := siteOrigin(r)
	in, err := req.installation(s.now(), origin)
	if err == nil {
		err = s.addForgeInstallation(&in)
	}
	if err != nil {
		s.writeError(w, v1, err)
		return
	}
	s.log.Info("sandbox: Forge app installed", "installation", in.ID, "app", in.AppID, "remote", in.RemoteBaseURL)
	if err := s.deliverInstalled(r.Context(), in, origin); err != nil {
		msg := fmt.Sprintf("The remote did not accept avi:forge:installed:app after %d attempts (%v); installation %s stays installed, as on Forge",
			forgeEventAttempts, err, in.ID)
		s.log.Warn("sandbox: Forge installed event not delivered", "installation", in.ID, "err", err)
		writeStatus(w, v1, http.StatusBadGateway, msg, nil)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"installationId": in.ID, "installationAri": in.installationARI(),
		"cloudId": s.CloudID(), "apiBaseUrl": forgeAPIBase(origin, s.CloudID())})
}

func (s *Sandbox) addForgeInstallation(in *forgeInstall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forge.installs[in.ID] = in
	if err := s.save(func(w stateTx) error { return w.forgeInstallation(in) }); err != nil {
		delete(s.forge.installs, in.ID)
		return fmt.Errorf("sandbox: install Forge app %s: %w", in.AppID, err)
	}
	return nil
}

// deliverInstalled delivers avi:forge:installed:app to the lifecycle path.
func (s *Sandbox) deliverInstalled(ctx context.Context, in forgeInstall, origin string) error {
	c := forgeCall{in: in, origin: origin, method: http.MethodPost, path: in.Endpoints.Lifecycle,
		module: backendModule(forgeLifecycleKey), timeout: forgeEventTimeout}
	cloudID := s.CloudID()
	_, err := s.deliverEvent(ctx, c, func(rc *retryContext) any {
		ev := forgeInstalledEvent{ID: in.ID, InstallerAccountID: siteAdmin(),
			App:       forgeEventApp{ID: in.AppID, Version: in.AppVersion},
			EventType: "avi:forge:installed:app", Context: "ari:cloud:confluence::site/" + cloudID, RetryContext: rc}
		ev.Environment.ID = in.EnvironmentID
		return ev
	})
	return err
}

// forgeTriggerBody is the body of a scheduled trigger and of preUninstall.
type forgeTriggerBody struct {
	Context struct {
		CloudID   string `json:"cloudId"`
		ModuleKey string `json:"moduleKey"`
	} `json:"context"`
	ContextToken string `json:"contextToken"`
}

func (s *Sandbox) triggerBody(moduleKey string) forgeTriggerBody {
	var b forgeTriggerBody
	b.Context.CloudID, b.Context.ModuleKey = s.CloudID(), moduleKey
	b.ContextToken = randomHex(32)
	return b
}

// forgeUninstallApp serves DELETE /sandbox/forge/apps/{installationId}
// (site administrator): preUninstall is delivered (55 s, not retried, its
// failure logged: the uninstall proceeds), then the installation's tokens
// are revoked, its app properties dropped and it is marked uninstalled.
// 204; 404 for an installation not installed.
func (s *Sandbox) forgeUninstallApp(w http.ResponseWriter, r *http.Request) {
	if !s.requireSiteAdmin(w, r) {
		return
	}
	in, err := s.installedForge(r.PathValue("installationId"))
	if err != nil {
		s.writeError(w, v1, err)
		return
	}
	body, _ := json.Marshal(s.triggerBody(forgeUninstallModule))
	a, err := s.deliver(r.Context(), forgeCall{in: in, origin: siteOrigin(r), method: http.MethodPost,
		path: in.Endpoints.PreUninstall, body: body, module: backendModule(forgeUninstallKey), timeout: forgeUninstallTimeout})
	if err != nil || !a.ok() {
		s.log.Warn("sandbox: Forge preUninstall failed; uninstalling anyway", "installation", in.ID, "err", describeFailure(a, err))
	}
	if err := s.markUninstalled(in.ID); err != nil {
		s.writeError(w, v1, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// markUninstalled revokes an installation's tokens and drops its properties.
func (s *Sandbox) markUninstalled(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.forge.installs[id]
	if !ok || !in.installed() {
		return notFound("No Forge app installed with installation id %s", id)
	}
	now := s.now().UTC()
	updated := *in
	updated.UninstalledAt = &now
	if err := s.save(func(w stateTx) error { return w.forgeUninstall(&updated) }); err != nil {
		return fmt.Errorf("sandbox: uninstall Forge installation %s: %w", id, err)
	}
	s.forge.installs[id] = &updated
	delete(s.forge.props, id)
	for k := range s.forge.tokens {
		if strings.HasPrefix(k, "system/"+id) || strings.HasPrefix(k, "user/"+id+"/") {
			delete(s.forge.tokens, k)
		}
	}
	s.log.Info("sandbox: Forge app uninstalled", "installation", id)
	return nil
}
