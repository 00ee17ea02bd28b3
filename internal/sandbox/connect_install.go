package sandbox

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Limits of the calls the site makes to apps.
const (
	appCallTimeout    = 10 * time.Second
	maxDescriptorSize = 1 << 20
)

// descriptor is the part of atlassian-connect.json the sandbox reads.
type descriptor struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Description string `json:"description"`
	BaseURL     string `json:"baseUrl"`
	Lifecycle   struct {
		Installed   string `json:"installed"`
		Uninstalled string `json:"uninstalled"`
	} `json:"lifecycle"`
	Modules struct {
		AdminPages []struct {
			Key  string `json:"key"`
			URL  string `json:"url"`
			Name struct {
				Value string `json:"value"`
			} `json:"name"`
		} `json:"adminPages"`
	} `json:"modules"`
}

// lifecyclePayload is the body of the installed and uninstalled callbacks.
type lifecyclePayload struct {
	Key            string `json:"key"`
	ClientKey      string `json:"clientKey"`
	SharedSecret   string `json:"sharedSecret,omitempty"`
	ServerVersion  string `json:"serverVersion"`
	PluginsVersion string `json:"pluginsVersion"`
	BaseURL        string `json:"baseUrl"`
	DisplayURL     string `json:"displayUrl"`
	ProductType    string `json:"productType"`
	Description    string `json:"description"`
	EventType      string `json:"eventType"`
}

// requireSiteAdmin answers 401 (v1 body) unless the request carries the
// site administrator's basic credentials.
func (s *Sandbox) requireSiteAdmin(w http.ResponseWriter, r *http.Request) bool {
	if _, _, hasBasic := r.BasicAuth(); hasBasic {
		if id, ok := s.authenticateUser(r); ok && id == siteAdmin() {
			return true
		}
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="mailwiki sandbox"`)
	writeStatus(w, v1, http.StatusUnauthorized, "Only the site administrator may manage apps.", nil)
	return false
}

// installApp serves POST /sandbox/apps {"descriptorUrl"}: fetch the
// descriptor, make a new shared secret, call the app's installed hook
// signed with the site's RSA key, and keep the app only if it answered 2xx.
// 201 {"appKey","clientKey"}; 400 for a bad request or descriptor; 502
// when the descriptor cannot be fetched or the app refuses.
func (s *Sandbox) installApp(w http.ResponseWriter, r *http.Request) {
	if !s.requireSiteAdmin(w, r) {
		return
	}
	var req struct {
		DescriptorURL string `json:"descriptorUrl"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, v1, err)
		return
	}
	app, err := s.install(r.Context(), req.DescriptorURL, siteBase(r))
	if errors.Is(err, errBadGateway) {
		s.log.Warn("sandbox: app not installed", "descriptor", req.DescriptorURL, "err", err)
		writeStatus(w, v1, http.StatusBadGateway, mailwiki.ErrorMessage(err), err)
		return
	}
	if err != nil {
		s.writeError(w, v1, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"appKey": app.Key, "clientKey": s.ClientKey()})
}

// errBadGateway marks failures of the app's side: answered 502.
var errBadGateway = errors.New("bad gateway")

func badGateway(format string, args ...any) error {
	return fmt.Errorf("%w: %w", errBadGateway, mailwiki.Errorf(mailwiki.EINTERNAL, format, args...))
}

func (s *Sandbox) install(ctx context.Context, descriptorURL, site string) (connectApp, error) {
	d, err := fetchDescriptor(ctx, descriptorURL)
	if err != nil {
		return connectApp{}, err
	}
	app := connectApp{Key: d.Key, Name: d.Name, Description: d.Description, BaseURL: strings.TrimSuffix(d.BaseURL, "/"),
		DescriptorURL: descriptorURL, Installed: d.Lifecycle.Installed, Uninstalled: d.Lifecycle.Uninstalled,
		SharedSecret: randomHex(32), InstalledAt: s.now().UTC()}
	for _, m := range d.Modules.AdminPages {
		app.AdminPages = append(app.AdminPages, connectModule{Key: m.Key, URL: m.URL, Name: m.Name.Value})
	}
	if app.Installed != "" {
		if err := s.callLifecycle(ctx, app, app.Installed, "installed", site); err != nil {
			return connectApp{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.connect.apps[app.Key]
	s.connect.apps[app.Key] = &app
	if err := s.save(func(w stateTx) error { return w.connectApp(&app) }); err != nil {
		if old != nil {
			s.connect.apps[app.Key] = old
		} else {
			delete(s.connect.apps, app.Key)
		}
		return connectApp{}, fmt.Errorf("sandbox: install app %s: %w", app.Key, err)
	}
	s.log.Info("sandbox: Connect app installed", "app", app.Key, "baseUrl", app.BaseURL)
	return app, nil
}

// fetchDescriptor GETs and checks an app descriptor.
func fetchDescriptor(ctx context.Context, raw string) (descriptor, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return descriptor{}, invalid("descriptorUrl must be an absolute http or https URL")
	}
	ctx, cancel := context.WithTimeout(ctx, appCallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return descriptor{}, invalid("descriptorUrl: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return descriptor{}, badGateway("The app descriptor could not be fetched from %s", u.Redacted())
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return descriptor{}, badGateway("The app descriptor at %s answered %d", u.Redacted(), resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDescriptorSize+1))
	if err != nil || len(data) > maxDescriptorSize {
		return descriptor{}, badGateway("The app descriptor could not be read (at most %d bytes)", maxDescriptorSize)
	}
	var d descriptor
	if err := json.Unmarshal(data, &d); err != nil {
		return descriptor{}, invalid("The app descriptor is not valid JSON: %v", err)
	}
	return d, d.check()
}

func (d *descriptor) check() error {
	if d.Key == "" || len(d.Key) > 64 || strings.ContainsAny(d.Key, "/?#% ") {
		return invalid("The app descriptor needs a key of at most 64 characters, without / ? # %% or spaces")
	}
	b, err := url.Parse(d.BaseURL)
	if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" || b.RawQuery != "" {
		return invalid("The app descriptor needs an absolute http or https baseUrl")
	}
	return nil
}

// callLifecycle POSTs a lifecycle event to {baseUrl}{path}, signed, and
// wants a 2xx answer.
func (s *Sandbox) callLifecycle(ctx context.Context, app connectApp, path, event, site string) error {
	target, err := url.Parse(app.BaseURL + path)
	if err != nil {
		return invalid("The app's %s URL is not valid: %v", event, err)
	}
	base, _ := url.Parse(app.BaseURL)
	clientKey := s.ClientKey()
	token, err := s.signInstall(clientKey, app.BaseURL, relativePath(target.EscapedPath(), base.EscapedPath()), target.RawQuery)
	if err != nil {
		return err
	}
	payload := lifecyclePayload{Key: app.Key, ClientKey: clientKey,
		ServerVersion: "6452", PluginsVersion: "1001.0.0-SNAPSHOT", BaseURL: site, DisplayURL: site,
		ProductType: "confluence", Description: "mailwiki sandbox", EventType: event}
	if event == "installed" {
		payload.SharedSecret = app.SharedSecret // sent at installation only
	}
	body, _ := json.Marshal(payload)
	ctx, cancel := context.WithTimeout(ctx, appCallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		return invalid("The app's %s URL is not valid: %v", event, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "JWT "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return badGateway("The app %s did not answer its %s callback", app.Key, event)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return badGateway("The app %s answered %d to its %s callback", app.Key, resp.StatusCode, event)
	}
	return nil
}

// uninstallApp serves DELETE /sandbox/apps/{appKey}: the uninstalled
// callback (its answer is logged, not awaited for success), then the app
// and its properties are forgotten. 204; 404 for an app not installed.
func (s *Sandbox) uninstallApp(w http.ResponseWriter, r *http.Request) {
	if !s.requireSiteAdmin(w, r) {
		return
	}
	key := r.PathValue("appKey")
	app, ok := s.app(key)
	if !ok {
		writeStatus(w, v1, http.StatusNotFound, fmt.Sprintf("No app installed with key %s", key), nil)
		return
	}
	if app.Uninstalled != "" {
		if err := s.callLifecycle(r.Context(), app, app.Uninstalled, "uninstalled", siteBase(r)); err != nil {
			s.log.Warn("sandbox: uninstalled callback failed; uninstalling anyway", "app", key, "err", err)
		}
	}
	if err := s.forgetApp(key); err != nil {
		s.writeError(w, v1, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// forgetApp removes an app and its properties, in memory and durably.
func (s *Sandbox) forgetApp(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	app, props := s.connect.apps[key], s.connect.props[key]
	delete(s.connect.apps, key)
	delete(s.connect.props, key)
	if err := s.save(func(w stateTx) error { return w.forgetApp(key) }); err != nil {
		s.connect.apps[key], s.connect.props[key] = app, props
		return fmt.Errorf("sandbox: uninstall app %s: %w", key, err)
	}
	s.log.Info("sandbox: Connect app uninstalled", "app", key)
	return nil
}

// connectKey serves GET /sandbox/connect-keys/{kid}: the public key of a
// kid this process signs with, as PEM (PKIX "PUBLIC KEY"), like
// Atlassian's install keys service; 404 for any other kid.
func (s *Sandbox) connectKey(w http.ResponseWriter, r *http.Request) {
	pub, ok := s.keys.lookup(r.PathValue("kid"))
	if !ok {
		writeStatus(w, plain, http.StatusNotFound, "Unknown key id", nil)
		return
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		s.writeError(w, plain, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_ = pem.Encode(w, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
