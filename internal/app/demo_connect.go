package app

import (
	"bytes"
	"context"
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

// UseSandboxAt points the hosted mode's sandbox placeholders at a sandbox
// running elsewhere (demo --sandbox-url), whose site base URL ends in /wiki.
func UseSandboxAt(cfg *config.Config, sandboxURL string) {
	origin := strings.TrimSuffix(strings.TrimSuffix(sandboxURL, "/"), "/wiki")
	for _, u := range []*string{&cfg.Connect.KeyBaseURL, &cfg.Connect.HostScriptURL} {
		if strings.HasPrefix(*u, SandboxBaseURL) {
			*u = origin + strings.TrimPrefix(*u, SandboxBaseURL)
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
	for _, u := range []*string{&c.KeyBaseURL, &c.HostScriptURL} {
		if strings.HasPrefix(*u, SandboxBaseURL) {
			*u = sandboxOrigin + strings.TrimPrefix(*u, SandboxBaseURL)
		}
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
