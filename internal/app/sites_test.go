package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// keyService stands for Atlassian's install-keys service: one URL from
// which the public keys of every site's install callbacks are fetched by
// key id (here, from whichever sandbox has that kid).
func keyService(t *testing.T, sites ...*string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, site := range sites {
			resp, err := http.Get(strings.TrimSuffix(*site, "/wiki") + "/sandbox/connect-keys" + r.URL.Path)
			if err != nil {
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				w.Write(body)
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// installInto installs mailwiki into the sandbox site at origin, as its
// administrator would (POST /sandbox/apps with the descriptor URL).
func installInto(t *testing.T, origin, descriptor string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"descriptorUrl": descriptor})
	req, _ := http.NewRequest(http.MethodPost, origin+"/sandbox/apps", bytes.NewReader(body))
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	req.Header.Set("Content-Type", "application/json")
	doJSON(t, req, http.StatusCreated, nil)
}

// twoSites starts one mailwiki installed into two sandbox sites: A (the
// bundle's, docs@ → DEMO) and B (team-b@ → DEMO, configured through its
// admin page). It returns the bundle, B's sandbox and B's site URL.
func twoSites(t *testing.T) (*hostedBundle, *sandbox.Sandbox, string) {
	t.Helper()
	sbB, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sbB.SeedDemo()
	srvB := httptest.NewServer(sbB)
	t.Cleanup(srvB.Close)
	siteB := srvB.URL + "/wiki"
	var siteA string
	keys := keyService(t, &siteA, &siteB)
	h := startHosted(t, mailwiki.ModeConnect, func(c *config.Config) { c.Connect.KeyBaseURL = keys.URL })
	siteA = h.site
	h.install(t)
	installInto(t, srvB.URL, "http://"+h.main.HTTPAddr()+"/atlassian-connect.json")
	if sbB.ClientKey() == h.tenantID {
		t.Fatal("both sandboxes have one client key")
	}
	cfgB := mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "team-b@demo.mailwiki.test", SpaceKey: sandbox.DemoSpaceKey}}}
	if status, body := h.adminOf(t, siteB, http.MethodPut, "/admin/api/config", cfgB); status != http.StatusOK {
		t.Fatalf("site B saves: %d %s", status, body)
	}
	return h, sbB, siteB
}

// TestUninstallSparesAnotherSitesMail: a message for both sites is taken
// in two transactions (the door answers the second site's recipient 452
// 4.5.3, and the client sends it again on its own, as an MTA does), each
// wrapped by its own site's key. Both wait (both sites answer 503); site A
// uninstalls, which crypto-shreds A's key: B still gets its page.
func TestUninstallSparesAnotherSitesMail(t *testing.T) {
	t.Parallel()
	h, sbB, _ := twoSites(t)
	h.sandbox.FailNext(http.StatusServiceUnavailable, 1000, 0)
	sbB.FailNext(http.StatusServiceUnavailable, 1000, 0)
	to := []string{"docs@demo.mailwiki.test", "team-b@demo.mailwiki.test"}
	msg := "From: alice@example.org\r\nTo: " + strings.Join(to, ", ") + "\r\nSubject: For both sites\r\n\r\nHello.\r\n"
	if err := smtp.SendMail(h.main.SMTPAddr(), nil, "alice@example.org", to, []byte(msg)); !isReply(err, 452, "4.5.3") {
		t.Fatalf("one transaction for two sites: %v, want 452 4.5.3 for the second", err)
	}
	for _, rcpt := range to {
		if err := smtp.SendMail(h.main.SMTPAddr(), nil, "alice@example.org", []string{rcpt}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	h.waitLog(t, `"msg":"delivery deferred"`)
	h.uninstall(t)
	sbB.ClearFaults()
	waitTitleOn(t, sbB, "For both sites")
}

// TestTwoSitesSideBySide: two Confluence sites install one mailwiki. Mail
// for one never reaches the other, an address cannot be claimed twice,
// and one site's uninstall leaves the other untouched.
func TestTwoSitesSideBySide(t *testing.T) {
	t.Parallel()
	h, sbB, siteB := twoSites(t)
	siteA := h.site
	cfgB := mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "team-b@demo.mailwiki.test", SpaceKey: sandbox.DemoSpaceKey}}}
	// Site B tries to take site A's address.
	steal := mailwiki.TenantConfig{Addresses: append(cfgB.Addresses, mailwiki.AddressConfig{Address: "DOCS@demo.mailwiki.test", SpaceKey: sandbox.DemoSpaceKey})}
	status, body := h.adminOf(t, siteB, http.MethodPut, "/admin/api/config", steal)
	if status != http.StatusConflict || !strings.Contains(string(body), `"addresses[1].address"`) || !strings.Contains(string(body), "another Confluence site") {
		t.Fatalf("claiming A's address: %d %s; want 409 naming addresses[1].address", status, body)
	}
	if _, got := h.adminOf(t, siteB, http.MethodGet, "/admin/api/config", nil); strings.Contains(strings.ToLower(string(got)), "docs@") {
		t.Fatalf("the refused configuration was saved on B: %s", got)
	}

	smtpAddr := h.main.SMTPAddr()
	for _, m := range []struct{ to, subject string }{{"docs@demo.mailwiki.test", "For site A"}, {"team-b@demo.mailwiki.test", "For site B"}} {
		if err := send(t, smtpAddr, m.to, textMail(m.to, "alice@example.org", m.subject)); err != nil {
			t.Fatal(err)
		}
	}
	waitTitleIn(t, h.bundle, sandbox.DemoSpaceKey, "For site A")
	waitTitleOn(t, sbB, "For site B")
	if titles(sbB)["For site A"] || titles(h.sandbox)["For site B"] {
		t.Fatalf("mail crossed sites: A has %v, B has %v", titles(h.sandbox), titles(sbB))
	}

	// A uninstalls: B keeps working.
	req, _ := http.NewRequest(http.MethodDelete, strings.TrimSuffix(siteA, "/wiki")+"/sandbox/apps/mailwiki", nil)
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	doJSON(t, req, http.StatusNoContent, nil)
	if rows, _ := h.main.TenantRows(h.tenantID); rows["registration"]+rows["hashes"]+rows["deliveries"]+rows["claims"] != 0 {
		t.Fatalf("A's rows after its uninstall: %v", rows)
	}
	if rows, _ := h.main.TenantRows(sbB.ClientKey()); rows["registration"] != 1 || rows["hashes"] != 1 {
		t.Fatalf("B's rows after A's uninstall: %v", rows)
	}
	if err := send(t, smtpAddr, "team-b@demo.mailwiki.test", textMail("team-b@demo.mailwiki.test", "alice@example.org", "B still works")); err != nil {
		t.Fatal(err)
	}
	waitTitleOn(t, sbB, "B still works")
	if err := send(t, smtpAddr, "docs@demo.mailwiki.test", textMail("docs@demo.mailwiki.test", "alice@example.org", "x")); !isReply(err, 550, "5.1.1") {
		t.Fatalf("A's address after its uninstall: %v, want 550 5.1.1", err)
	}
}

func titles(sb *sandbox.Sandbox) map[string]bool {
	out := map[string]bool{}
	for _, p := range sb.Pages(sandbox.DemoSpaceKey) {
		out[p.Title] = true
	}
	return out
}

func waitTitleOn(t *testing.T, sb *sandbox.Sandbox, title string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if titles(sb)[title] {
			return
		}
	}
	t.Fatalf("no page %q on the site", title)
}
