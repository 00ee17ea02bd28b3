package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/check/dnstest"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/confluence"
	"github.com/mailwiki/mailwiki/internal/sandbox"
	"github.com/mailwiki/mailwiki/internal/tenant"
)

// hostedBundle is mailwiki in an installed mode (Connect, or Forge
// Remote), installed into its sandbox through that mode's real lifecycle
// (demo --connect's or --forge's path), with docs@ → DEMO.
type hostedBundle struct {
	*bundle
	mode     string // mailwiki.ModeConnect or mailwiki.ModeForge
	tenantID string // the Connect client key, or the Forge installation id
	site     string // the sandbox site, ending in /wiki
}

// hostedModes are the installed modes every hosted test runs in.
var hostedModes = []string{mailwiki.ModeConnect, mailwiki.ModeForge}

// forModes runs test once per installed mode, as a parallel subtest.
func forModes(t *testing.T, test func(t *testing.T, mode string)) {
	for _, mode := range hostedModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			test(t, mode)
		})
	}
}

func setupHosted(t *testing.T, tweak func(*config.Config)) *hostedBundle {
	t.Helper()
	return setupMode(t, mailwiki.ModeConnect, tweak)
}

func setupMode(t *testing.T, mode string, tweak func(*config.Config)) *hostedBundle {
	t.Helper()
	h := startHosted(t, mode, tweak)
	h.install(t)
	return h
}

// startHosted starts mailwiki in an installed mode, not yet installed.
func startHosted(t *testing.T, mode string, tweak func(*config.Config)) *hostedBundle {
	t.Helper()
	b := setup(t, func(c *config.Config) {
		use := app.DemoConnectConfig
		if mode == mailwiki.ModeForge {
			use = app.DemoForgeConfig
		}
		if err := use(c); err != nil {
			t.Fatal(err)
		}
		c.Hosted.ConfigCacheTTL = 50 * time.Millisecond
		if tweak != nil {
			tweak(c)
		}
	})
	return &hostedBundle{bundle: b, mode: mode, tenantID: b.sandbox.ClientKey(), site: b.main.SandboxURL()}
}

// install installs mailwiki into the bundle's sandbox (docs@ → DEMO).
func (h *hostedBundle) install(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if h.mode == mailwiki.ModeForge {
		id, _, err := h.main.InstallDemoForge(ctx, h.site, "")
		if err != nil {
			t.Fatal(err)
		}
		h.tenantID = id
		return
	}
	if _, err := h.main.InstallDemoApp(ctx, h.site); err != nil {
		t.Fatal(err)
	}
}

// uninstall uninstalls mailwiki from the site, as its administrator would.
func (h *hostedBundle) uninstall(t *testing.T) {
	t.Helper()
	path := "/sandbox/apps/mailwiki"
	if h.mode == mailwiki.ModeForge {
		path = "/sandbox/forge/apps/" + h.tenantID
	}
	req, _ := http.NewRequest(http.MethodDelete, strings.TrimSuffix(h.site, "/wiki")+path, nil)
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	doJSON(t, req, http.StatusNoContent, nil)
}

// forgeInvoke calls the admin API the way the Forge Custom UI does: through
// the sandbox's invokeRemote relay, which adds the invocation token.
func (h *hostedBundle) forgeInvoke(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	in, _ := json.Marshal(map[string]any{"path": path, "method": method, "body": body})
	req, _ := http.NewRequest(http.MethodPost, h.site+"/admin/forge/"+h.tenantID+"/invoke", bytes.NewReader(in))
	req.Header.Set("Origin", strings.TrimSuffix(h.site, "/wiki"))
	req.Header.Set("X-Mailwiki-Sandbox", "1")
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		Status int
		Body   json.RawMessage
	}
	doJSON(t, req, http.StatusOK, &out)
	return out.Status, out.Body
}

// adminToken asks the sandbox's admin page host for a context token, as
// the page's AP.context.getToken does.
func (h *hostedBundle) adminToken(t *testing.T) string { return siteToken(t, h.site) }

func siteToken(t *testing.T, site string) string {
	t.Helper()
	origin := strings.TrimSuffix(site, "/wiki")
	req, _ := http.NewRequest(http.MethodPost, site+"/plugins/servlet/ac/mailwiki/mailwiki-admin/token", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("X-Mailwiki-Sandbox", "1")
	var out struct{ Token string }
	doJSON(t, req, http.StatusOK, &out)
	return out.Token
}

// admin calls the admin page's API as the site's administrator: with a
// fresh context token (Connect) or through invokeRemote (Forge).
func (h *hostedBundle) admin(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	if h.mode == mailwiki.ModeForge {
		if cfg, ok := body.(mailwiki.TenantConfig); ok {
			body = wholeConfig(cfg)
		}
		return h.forgeInvoke(t, method, path, body)
	}
	return h.adminOf(t, h.site, method, path, body)
}

// wholeConfig fills nil lists: a save carries the whole configuration, as
// the page sends it (JSON null is refused).
func wholeConfig(cfg mailwiki.TenantConfig) mailwiki.TenantConfig {
	if cfg.Addresses == nil {
		cfg.Addresses = []mailwiki.AddressConfig{}
	}
	if cfg.Senders.Entries == nil {
		cfg.Senders.Entries = []string{}
	}
	return cfg
}

// adminOf calls the admin page's API as the administrator of site.
func (h *hostedBundle) adminOf(t *testing.T, site, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if cfg, ok := body.(mailwiki.TenantConfig); ok {
		body = wholeConfig(cfg)
	}
	if body != nil {
		data, _ := json.Marshal(body)
		r = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, "http://"+h.main.HTTPAddr()+path, r)
	req.Header.Set("Authorization", "JWT "+siteToken(t, site))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// saveConfig saves cfg through the admin API and fails the test unless
// it is accepted.
func (h *hostedBundle) saveConfig(t *testing.T, cfg mailwiki.TenantConfig) {
	t.Helper()
	if status, body := h.admin(t, http.MethodPut, "/admin/api/config", cfg); status != http.StatusOK {
		t.Fatalf("save configuration: %d %s", status, body)
	}
}

// siteConfigs is the configuration as stored in the site's app
// properties, read and written by someone else than this mailwiki's cache
// (the site's administrator, or another node): as the site administrator
// for Connect, with the installation's app token for Forge (the only
// credential Forge app properties accept).
func (h *hostedBundle) siteConfigs(t *testing.T) (*confluence.ConfigStore, mailwiki.Tenant) {
	t.Helper()
	tn := mailwiki.Tenant{ID: h.tenantID, BaseURL: h.site, Mode: h.mode}
	hc := &http.Client{Transport: tenant.BasicAuth(sandbox.DemoUser, sandbox.DemoToken, nil)}
	if h.mode == mailwiki.ModeForge {
		var err error
		if hc, tn, err = h.main.SiteHTTPClient(context.Background(), h.tenantID); err != nil {
			t.Fatal(err)
		}
	}
	return &confluence.ConfigStore{AppKey: "mailwiki", TTL: time.Millisecond,
		Client: func(context.Context, mailwiki.Tenant) (*confluence.Client, error) {
			return confluence.New(tn.BaseURL, hc, confluence.Options{AllowInsecureHTTP: true, Flavor: confluence.Cloud})
		}}, tn
}

func doJSON(t *testing.T, req *http.Request, want int, out any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", req.Method, req.URL.Path, resp.StatusCode, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", req.Method, req.URL.Path, err, data)
		}
	}
}

// plaintextUnder lists the files under dir holding any of the markers, as
// written or base64-encoded.
func plaintextUnder(t *testing.T, dir string, markers ...string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted meanwhile (a published message's spool file)
		}
		if err != nil {
			return err
		}
		lower := bytes.ToLower(data)
		for _, m := range markers {
			for _, form := range []string{strings.ToLower(m), strings.ToLower(base64.StdEncoding.EncodeToString([]byte(m)))} {
				if bytes.Contains(lower, []byte(form)) {
					found = append(found, fmt.Sprintf("%s holds %q", path, m))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// plaintextIn lists the markers a file holds (a missing file holds none).
func plaintextIn(t *testing.T, path string, markers ...string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, m := range markers {
		if bytes.Contains(data, []byte(m)) {
			found = append(found, fmt.Sprintf("%s holds %q", filepath.Base(path), m))
		}
	}
	return found
}

func textMail(to, from, subject string) []byte {
	return []byte("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + fmt.Sprint(time.Now().UnixNano()) +
		"@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, wiki.\r\n")
}

// waitTitleIn waits for a page titled title in the space and returns it.
func waitTitleIn(t *testing.T, b *bundle, space, title string) sandbox.Page {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, p := range b.sandbox.Pages(space) {
			if p.Title == title {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no page %q in %s; logs:\n%s", title, space, b.logs.String())
	return sandbox.Page{}
}

// TestPromiseP1_SharedSecretSealedAtRest: the install stores the site's
// registration, and its secret (Connect's shared secret, Forge's app system
// token) is in no file under the data directory, in plaintext or base64;
// it works both ways (the site's calls are verified, mailwiki's signed).
func TestPromiseP1_SharedSecretSealedAtRest(t *testing.T) {
	t.Parallel()
	forModes(t, func(t *testing.T, mode string) {
		h := setupMode(t, mode, nil)
		rows, err := h.main.TenantRows(h.tenantID)
		if err != nil || rows["registration"] != 1 {
			t.Fatalf("registration rows %v, %v; want 1", rows, err)
		}
		secret, err := h.main.TenantSecret(context.Background(), h.tenantID)
		if err != nil || len(secret) < 20 {
			t.Fatalf("secret %q, %v", secret, err)
		}
		if want, _ := h.sandbox.SharedSecret("mailwiki"); mode == mailwiki.ModeConnect && want != secret {
			t.Fatal("the registration's secret is not the one the site gave")
		}
		if status, body := h.admin(t, http.MethodGet, "/admin/api/config", nil); status != http.StatusOK {
			t.Fatalf("admin API: %d %s", status, body)
		}
		if err := send(t, h.main.SMTPAddr(), app.DemoAddress, textMail(app.DemoAddress, "alice@example.org", "P1 signed call")); err != nil {
			t.Fatal(err)
		}
		waitTitleIn(t, h.bundle, sandbox.DemoSpaceKey, "P1 signed call")
		if found := plaintextUnder(t, h.dataDir, secret); len(found) > 0 {
			t.Fatalf("the secret is stored in plaintext: %v", found)
		}
	})
}

// TestPromiseP9_ConfigurationLivesInConfluence: the configuration is read
// from the site's app properties when a message is processed: changed
// there (not through this server), it routes the next message; nothing of
// it is in a table or a file of the server.
func TestPromiseP9_ConfigurationLivesInConfluence(t *testing.T) {
	t.Parallel()
	forModes(t, testConfigurationLivesInConfluence)
}

func testConfigurationLivesInConfluence(t *testing.T, mode string) {
	h := setupMode(t, mode, nil)
	h.sandbox.AddSpace("MINUTES", "Minutes")
	if err := send(t, h.main.SMTPAddr(), app.DemoAddress, textMail(app.DemoAddress, "alice@example.org", "Before the change")); err != nil {
		t.Fatal(err)
	}
	waitTitleIn(t, h.bundle, sandbox.DemoSpaceKey, "Before the change")

	ctx := context.Background()
	site, tn := h.siteConfigs(t)
	cfg, err := site.Config(ctx, tn)
	if err != nil || len(cfg.Addresses) != 1 {
		t.Fatalf("the site's configuration: %+v, %v", cfg, err)
	}
	cfg.Addresses[0].SpaceKey = "MINUTES"
	cfg.Addresses[0].TitleFormat = "{subject} (filed-by-p9)" // the format const below
	if err := site.SaveConfig(ctx, tn, cfg); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // past connect.config_cache_ttl
	if err := send(t, h.main.SMTPAddr(), app.DemoAddress, textMail(app.DemoAddress, "alice@example.org", "After the change")); err != nil {
		t.Fatal(err)
	}
	waitTitleIn(t, h.bundle, "MINUTES", "After the change (filed-by-p9)")

	dump, err := h.main.TableDump()
	if err != nil {
		t.Fatal(err)
	}
	// The title format as configured (its placeholder unexpanded); the
	// titles it makes are delivery records, kept only while needed.
	const format = "{subject} (filed-by-p9)"
	for _, m := range []string{app.DemoAddress, format, `"addresses"`} {
		if strings.Contains(strings.ToLower(dump), strings.ToLower(m)) {
			t.Errorf("a server-side table holds %q", m)
		}
	}
	if found := plaintextUnder(t, h.dataDir, app.DemoAddress, format); len(found) > 0 {
		t.Fatalf("configuration stored server-side: %v", found)
	}
}

// TestPromiseP10_AddressesOnlyHashed and P11: after addresses and sender
// entries are saved and mail to them is routed and published, neither is
// in any file under the data directory (database, its WAL, spool, logs);
// only their keyed hashes are, and they route.
func TestPromiseP10_AddressesOnlyHashed(t *testing.T) {
	t.Parallel()
	forModes(t, testOnlyHashes)
}

func TestPromiseP11_SenderEntriesOnlyHashed(t *testing.T) {
	t.Parallel()
	forModes(t, testOnlyHashes)
}

func testOnlyHashes(t *testing.T, mode string) {
	dns := dnstest.Start(t)
	signer := newDKIMKey(t, dns, "p11-domain.example")
	h := setupMode(t, mode, func(c *config.Config) { c.Checks.DNS.Nameserver = dns.Addr() })
	const addr = "p10-marker@demo.mailwiki.test"
	const person = "p11-person@senders.example"
	h.saveConfig(t, mailwiki.TenantConfig{
		Addresses: []mailwiki.AddressConfig{{Address: addr, SpaceKey: sandbox.DemoSpaceKey}},
		Senders:   mailwiki.SenderList{Mode: mailwiki.SendersEveryone, Entries: []string{person, "@p11-domain.example", ".p11-tree.example"}},
	})
	rows, _ := h.main.TenantRows(h.tenantID)
	if rows["hashes"] != 4 {
		t.Fatalf("hash rows %v, want 4 (one address, three sender entries)", rows)
	}
	if err := send(t, h.main.SMTPAddr(), addr, textMail(addr, person, "Routed by hash")); err != nil {
		t.Fatal(err)
	}
	waitTitleIn(t, h.bundle, sandbox.DemoSpaceKey, "Routed by hash")
	// The old address no longer routes: refused at RCPT.
	if err := send(t, h.main.SMTPAddr(), app.DemoAddress, textMail(app.DemoAddress, person, "x")); !isReply(err, 550, "5.1.1") {
		t.Fatalf("mail to a removed address: %v, want 550 5.1.1", err)
	}
	// Only secure senders: the door matches the authenticated From against
	// those hashes at SMTP time (P11: "to reject early").
	h.saveConfig(t, mailwiki.TenantConfig{
		Addresses: []mailwiki.AddressConfig{{Address: addr, SpaceKey: sandbox.DemoSpaceKey}},
		Senders:   mailwiki.SenderList{Mode: mailwiki.SendersSecureOnly, Entries: []string{person, "@p11-domain.example", ".p11-tree.example"}},
	})
	time.Sleep(100 * time.Millisecond) // past the configuration cache (50 ms here)
	signed := signer.sign(t, textMail(addr, "someone@p11-domain.example", "Signed by a listed domain"))
	if err := smtp.SendMail(h.main.SMTPAddr(), nil, "someone@p11-domain.example", []string{addr}, signed); err != nil {
		t.Fatalf("authenticated listed sender: %v", err)
	}
	waitTitleIn(t, h.bundle, sandbox.DemoSpaceKey, "Signed by a listed domain")
	if err := send(t, h.main.SMTPAddr(), addr, textMail(addr, "someone@p11-domain.example", "Forged")); !isReply(err, 550, "5.7.1") {
		t.Fatalf("unauthenticated From of a listed domain: %v, want 550 5.7.1", err)
	}
	markers := []string{addr, "p10-marker", person, "p11-domain.example", "p11-tree.example"}
	if found := plaintextUnder(t, h.dataDir, markers...); len(found) > 0 {
		t.Fatalf("stored in plaintext: %v", found)
	}
}

// TestPromiseP12_UninstallDeletesEverything: uninstalling, while a message
// waits for the site (Confluence answering 503), removes the registration,
// the hashes, the delivery records and title claims, the queued job and
// the spool object; the address is then unknown at RCPT.
func TestPromiseP12_UninstallDeletesEverything(t *testing.T) {
	t.Parallel()
	forModes(t, testUninstallDeletesEverything)
}

func testUninstallDeletesEverything(t *testing.T, mode string) {
	h := setupMode(t, mode, nil)
	ctx := context.Background()
	if err := send(t, h.main.SMTPAddr(), app.DemoAddress, textMail(app.DemoAddress, "alice@example.org", "Published before")); err != nil {
		t.Fatal(err)
	}
	waitTitleIn(t, h.bundle, sandbox.DemoSpaceKey, "Published before")
	h.sandbox.FailNext(http.StatusServiceUnavailable, 1000, 0)
	if err := send(t, h.main.SMTPAddr(), app.DemoAddress, textMail(app.DemoAddress, "alice@example.org", "Waiting")); err != nil {
		t.Fatal(err)
	}
	h.waitLog(t, `"msg":"delivery deferred"`)
	before, _ := h.main.TenantRows(h.tenantID)
	if n, _ := h.main.SpoolObjects(ctx); n != 1 || before["registration"] != 1 || before["hashes"] == 0 || before["unfinished jobs"] != 1 {
		t.Fatalf("before uninstall: %d spool objects, rows %v", n, before)
	}
	h.sandbox.ClearFaults()
	// A copy of the waiting message's file, as a backup would hold it.
	spooled, _ := filepath.Glob(filepath.Join(h.dataDir, "spool", "*", "*.msg"))
	if len(spooled) != 1 {
		t.Fatalf("spool files %v, want 1", spooled)
	}
	backup, err := os.ReadFile(spooled[0])
	if err != nil {
		t.Fatal(err)
	}
	queueID := strings.TrimSuffix(filepath.Base(spooled[0]), ".msg")
	if _, err := h.main.SpoolRead(ctx, queueID); err != nil {
		t.Fatalf("the waiting message cannot be read before uninstall: %v", err)
	}

	h.uninstall(t)

	// A job running when it was cancelled ends as soon as its attempt
	// stops; Forge's preUninstall is acknowledged first, then carried out.
	var after map[string]int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var err error
		if after, err = h.main.TenantRows(h.tenantID); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, n := range after {
			total += n
		}
		if total == 0 || time.Now().After(deadline) {
			break
		}
	}
	for k, n := range after {
		if n != 0 {
			t.Errorf("after uninstall: %d %s left (before: %v)", n, k, before)
		}
	}
	if n, _ := h.main.SpoolObjects(ctx); n != 0 {
		t.Errorf("after uninstall: %d spool objects left", n)
	}
	// Nor is anything of it left readable in the database's files (free
	// pages, the WAL): titles, page URLs, the site's key.
	// A job that was running when it was cancelled is cleaned up once it
	// has stopped.
	var found []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		found = nil
		for _, f := range []string{"mailwiki.db", "mailwiki.db-wal"} {
			found = append(found, plaintextIn(t, filepath.Join(h.dataDir, f), "Published before", "Waiting", h.tenantID)...)
		}
		if len(found) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(found) > 0 {
		t.Errorf("after uninstall: %v", found)
	}
	if err := send(t, h.main.SMTPAddr(), app.DemoAddress, textMail(app.DemoAddress, "alice@example.org", "x")); !isReply(err, 550, "5.1.1") {
		t.Fatalf("mail after uninstall: %v, want 550 5.1.1", err)
	}
	// Crypto-shredded: the tenant's key went first, so even the backup
	// copy, put back, cannot be read.
	if err := os.WriteFile(spooled[0], backup, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := h.main.SpoolRead(ctx, queueID); err == nil {
		t.Fatalf("a copy of an uninstalled tenant's message is readable: %q", got)
	}
	os.Remove(spooled[0])
	time.Sleep(300 * time.Millisecond)
	for _, p := range h.sandbox.Pages(sandbox.DemoSpaceKey) {
		if p.Title == "Waiting" {
			t.Fatal("the waiting message was published after uninstall")
		}
	}
}
