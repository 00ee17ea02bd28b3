package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/connect"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// LocalHTTPBaseURL, as connect.base_url, stands for this process's own
// HTTP listener (http://ADDR once bound): for the demo and tests, where
// the sandbox on loopback is the only Confluence that calls us.
const LocalHTTPBaseURL = "http-listener:"

// DemoConnectConfig turns the demo configuration into the hosted mode:
// no declared tenant; the sandbox installs mailwiki as a Connect app,
// signing its callbacks with the key it serves, and its administrator
// configures it on the admin page. A hash key is created on first use in
// DATA_DIR/hash.key.
func DemoConnectConfig(cfg *config.Config) error {
	key, err := demoKeyFile(cfg.DataDir, "hash.key")
	if err != nil {
		return err
	}
	cfg.Tenants = nil
	c := &cfg.Connect
	c.Enabled, c.AllowInsecureHTTP = true, true
	c.BaseURL = LocalHTTPBaseURL
	cfg.Hosted.MailDomains = []string{DemoDomain}
	c.KeyBaseURL = SandboxBaseURL + "/sandbox/connect-keys"
	c.HostScriptURL = SandboxBaseURL + "/wiki/atlassian-connect/all.js"
	cfg.Hosted.HashKeys = map[string]config.Secret{"demo": {Value: key}}
	cfg.Hosted.PrimaryHashKey = "demo"
	return nil
}

// DemoForgeConfig turns the demo configuration into the Forge Remote mode:
// no declared tenant; the sandbox, playing Forge, installs the app (an app
// id kept in DATA_DIR/forge-app-id), signs every invocation with the keys
// it serves, and hands out the product tokens calls to the site need.
func DemoForgeConfig(cfg *config.Config) error {
	key, err := demoKeyFile(cfg.DataDir, "hash.key")
	if err != nil {
		return err
	}
	appID, err := demoAppID(cfg.DataDir)
	if err != nil {
		return err
	}
	cfg.Tenants = nil
	cfg.Hosted.MailDomains = []string{DemoDomain}
	cfg.Hosted.HashKeys = map[string]config.Secret{"demo": {Value: key}}
	cfg.Hosted.PrimaryHashKey = "demo"
	f := &cfg.Forge
	f.Enabled, f.AllowInsecureHTTP = true, true
	f.AppID = appID
	f.JWKSURL = SandboxBaseURL + "/sandbox/forge/jwks.json"
	f.APIHosts = []string{SandboxBaseURL}
	return nil
}

// demoAppID reads DATA_DIR/forge-app-id, creating it on first use.
func demoAppID(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "forge-app-id")
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	raw := make([]byte, 16)
	rand.Read(raw)
	raw[6], raw[8] = raw[6]&0x0f|0x40, raw[8]&0x3f|0x80
	h := hex.EncodeToString(raw)
	id := "ari:cloud:ecosystem::app/" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("demo: write %s: %w", path, err)
	}
	return id, nil
}

// UseSandboxAt points the hosted mode's sandbox placeholders at a sandbox
// running elsewhere (demo --sandbox-url), whose site base URL ends in /wiki.
func UseSandboxAt(cfg *config.Config, sandboxURL string) {
	origin := strings.TrimSuffix(strings.TrimSuffix(sandboxURL, "/"), "/wiki")
	resolveSandbox(cfg, origin)
}

// resolveSandbox replaces the SandboxBaseURL placeholders of the hosted
// modes' settings by the sandbox's origin (http://host:port).
func resolveSandbox(cfg *config.Config, origin string) {
	for _, u := range []*string{&cfg.Connect.KeyBaseURL, &cfg.Connect.HostScriptURL, &cfg.Forge.JWKSURL} {
		if strings.HasPrefix(*u, SandboxBaseURL) {
			*u = origin + strings.TrimPrefix(*u, SandboxBaseURL)
		}
	}
	for i, h := range cfg.Forge.APIHosts {
		if h == SandboxBaseURL {
			cfg.Forge.APIHosts[i] = strings.TrimPrefix(origin, "http://")
		}
	}
}

// resolveConnectURLs replaces the placeholders of DemoConnectConfig by the
// bound addresses: SandboxBaseURL by the sandbox's origin, LocalHTTPBaseURL
// by this process's HTTP listener.
func (m *Main) resolveConnectURLs(sandboxOrigin string) {
	c := &m.Config.Connect
	if c.BaseURL == LocalHTTPBaseURL {
		c.BaseURL = "http://" + m.HTTPAddr()
	}
	if sandboxOrigin == "" {
		return
	}
	resolveSandbox(&m.Config, sandboxOrigin)
	if m.Config.Forge.Enabled && m.Config.Forge.AllowInsecureHTTP {
		m.forgeBridgeScript = sandboxOrigin + "/wiki/forge/bridge.js"
	}
}

// InstallDemoApp installs mailwiki into the sandbox site at sandboxURL
// (ending in /wiki) through the real Connect lifecycle, then, if the site
// has no address yet, configures DemoAddress → space DEMO through the code
// the admin page saves with. It returns the admin page's URL.
func (m *Main) InstallDemoApp(ctx context.Context, sandboxURL string) (string, error) {
	if m.hosted == nil {
		return "", fmt.Errorf("demo: connect is not enabled")
	}
	origin := strings.TrimSuffix(sandboxURL, "/wiki")
	body, _ := json.Marshal(map[string]string{"descriptorUrl": m.Config.Connect.BaseURL + connect.DescriptorPath})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, origin+"/sandbox/apps", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return "", fmt.Errorf("demo: install into the sandbox: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	var installed struct{ AppKey, ClientKey string }
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &installed) != nil {
		return "", fmt.Errorf("demo: the sandbox answered %s to the install: %s", resp.Status, strings.TrimSpace(string(raw)))
	}
	cfg, _, err := m.hosted.Config(ctx, installed.ClientKey)
	if err != nil {
		return "", err
	}
	if len(cfg.Addresses) == 0 {
		cfg.Addresses = []mailwiki.AddressConfig{{Address: DemoAddress, SpaceKey: sandbox.DemoSpaceKey}}
		if _, err := m.hosted.SaveConfig(ctx, installed.ClientKey, cfg); err != nil {
			return "", fmt.Errorf("demo: configure %s: %w", DemoAddress, err)
		}
	}
	return origin + "/wiki/plugins/servlet/ac/" + installed.AppKey + "/" + connect.AdminModuleKey, nil
}

// demoKeyFile reads DATA_DIR/name, creating it (0600, 32 random bytes in
// base64) on first use.
func demoKeyFile(dataDir, name string) (string, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("demo: data dir: %w", err)
	}
	return readOrCreateKey(filepath.Join(dataDir, name))
}

// InstallDemoForge installs mailwiki into the sandbox site at sandboxURL
// (ending in /wiki) as a Forge app: the sandbox, playing Forge, delivers
// the installed event with an invocation token and an app system token.
// If the installation has no address yet, DemoAddress → space DEMO is
// configured through the admin page's code. It returns the installation id
// and the admin page's URL. tokenTTL ("" for Forge's 4 h) shortens the
// product tokens' life, for tests of a token lapse.
func (m *Main) InstallDemoForge(ctx context.Context, sandboxURL, tokenTTL string) (string, string, error) {
	if m.forge == nil {
		return "", "", fmt.Errorf("demo: forge is not enabled")
	}
	origin := strings.TrimSuffix(sandboxURL, "/wiki")
	var installed struct{ InstallationID string }
	if id := m.knownForgeInstallation(ctx); id != "" {
		// A restarted demo: the site still has the app; a trigger brings
		// this process a fresh token.
		installed.InstallationID = id
		if err := m.TickDemoForge(ctx, sandboxURL, id); err != nil {
			return "", "", err
		}
	} else {
		body, _ := json.Marshal(map[string]string{"appId": m.Config.Forge.AppID, "remoteBaseUrl": "http://" + m.HTTPAddr(), "tokenTTL": tokenTTL})
		if err := sandboxCall(ctx, http.MethodPost, origin+"/sandbox/forge/apps", body, &installed); err != nil {
			return "", "", fmt.Errorf("demo: install into the sandbox as a Forge app: %w", err)
		}
	}
	cfg, _, err := m.hosted.Config(ctx, installed.InstallationID)
	if err != nil {
		return "", "", err
	}
	if len(cfg.Addresses) == 0 {
		cfg.Addresses = []mailwiki.AddressConfig{{Address: DemoAddress, SpaceKey: sandbox.DemoSpaceKey}}
		if _, err := m.hosted.SaveConfig(ctx, installed.InstallationID, cfg); err != nil {
			return "", "", fmt.Errorf("demo: configure %s: %w", DemoAddress, err)
		}
	}
	return installed.InstallationID, origin + "/wiki/admin/forge/" + installed.InstallationID, nil
}

// knownForgeInstallation returns the in-process sandbox's installation of
// the app that this mailwiki has registered (a restarted demo), or "".
func (m *Main) knownForgeInstallation(ctx context.Context) string {
	if m.Sandbox == nil {
		return ""
	}
	for _, id := range m.Sandbox.ForgeInstallations() {
		if _, err := m.hosted.Tenant(ctx, id); err == nil {
			return id
		}
	}
	return ""
}

// TickDemoForge has the sandbox fire the app's scheduled trigger for an
// installation now (as Forge does hourly): mailwiki gets a fresh token.
func (m *Main) TickDemoForge(ctx context.Context, sandboxURL, installationID string) error {
	origin := strings.TrimSuffix(sandboxURL, "/wiki")
	if err := sandboxCall(ctx, http.MethodPost, origin+"/sandbox/forge/apps/"+installationID+"/tick", nil, nil); err != nil {
		return fmt.Errorf("demo: the sandbox's scheduled trigger: %w", err)
	}
	return nil
}

// sandboxCall calls one of the sandbox's own routes as its administrator
// and decodes the JSON answer into out (nil: none expected).
func sandboxCall(ctx context.Context, method, url string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the sandbox answered %s: %s", resp.Status, strings.TrimSpace(string(raw)))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
