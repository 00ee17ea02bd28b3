package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// TestPromiseP12_ForgeFullPathThroughTheBrowser: as
// TestBrowserAdminPageConfiguresAnAddress, but with mailwiki installed as a
// Forge Remote app: the sandbox, playing Forge, shows the admin page
// (?transport=forge) in its globalSettings host page, whose bridge.js
// stands in for @forge/bridge and relays invokeRemote to the remote with an
// invocation token. The administrator adds minutes@ under a chosen parent
// page and saves; the configuration lands in the installation's Forge app
// properties, and mail to that address then lands under that parent. The
// page has no serious or critical axe-core violation and writes no console
// error. Then the site uninstalls the app: preUninstall leaves zero rows and
// zero spool objects for the installation (promise P12, the whole path).
// Set MAILWIKI_SHOTS_DIR to keep the screenshot (forge-admin-page.png).
func TestPromiseP12_ForgeFullPathThroughTheBrowser(t *testing.T) {
	axe := requireAdminBrowser(t)
	t.Parallel()
	b := setup(t, func(c *config.Config) {
		if err := app.DemoForgeConfig(c); err != nil {
			t.Fatal(err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	installationID, adminURL, err := b.main.InstallDemoForge(ctx, b.main.SandboxURL(), "")
	if err != nil {
		t.Fatal(err)
	}
	property := func(key string) (json.RawMessage, bool) { return b.sandbox.ForgeProperty(installationID, key) }
	before, ok := property("mailwiki-config")
	if !ok {
		t.Fatalf("no configuration index in installation %s's Forge app properties after the demo install", installationID)
	}
	parentID := createSandboxPage(t, b.main.SandboxURL(), "Meeting notes")
	shots := shotsDir(t)

	start := time.Now()
	tab := openHostPage(t, adminURL, "forge-frame", false)
	tab.click("button", "Add address")
	tab.typeInto("textbox", "Address", "minutes")
	tab.choose("combobox", "Space", "("+sandbox.DemoSpaceKey+")")
	tab.typeInto("searchbox", "Find a parent page or folder", "Meeting")
	tab.choose("combobox", "Parent (optional)", "Meeting notes")
	tab.click("button", "Add sender")
	tab.typeInto("textbox", "Secure sender 1", "@example.org")
	tab.click("radio", "Everyone may send")
	tab.click("button", "Save")
	tab.waitFor("status", "Settings saved.")
	t.Logf("admin page opened, filled in and saved through invokeRemote in %s", time.Since(start).Round(time.Millisecond))

	// Saved through the Forge path: in the installation's app properties.
	if after, _ := property("mailwiki-config"); bytes.Equal(before, after) {
		t.Fatalf("the save left the configuration index in the Forge app properties as it was: %s", after)
	}
	saved := storedConfigIn(t, property)
	want := mailwiki.AddressConfig{Address: "minutes@" + app.DemoDomain, SpaceKey: sandbox.DemoSpaceKey,
		ParentID: parentID, ParentType: "page", ContentType: "page", TitleFormat: "{subject}"}
	if !slices.Contains(saved.Addresses, want) || !slices.Equal(saved.Senders.Entries, []string{"@example.org"}) || saved.Senders.Mode != "everyone" {
		t.Fatalf("saved configuration %+v, want among its addresses %+v and senders [@example.org], everyone", saved, want)
	}
	if _, ok := b.sandbox.AppProperty("mailwiki", "mailwiki-config"); ok {
		t.Errorf("a Forge installation's configuration went to Connect app properties")
	}

	// The configuration took effect: mail to minutes@ goes under the parent.
	const subject = "Minutes of the Forge browser test"
	msg := fmt.Sprintf("From: Alice <alice@example.org>\r\nTo: minutes@%s\r\nSubject: %s\r\nMessage-ID: <%d@example.org>\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAgreed: ship it on Forge.\r\n",
		app.DemoDomain, subject, time.Now().UnixNano(), time.Now().Format(time.RFC1123Z))
	if err := send(t, b.main.SMTPAddr(), "minutes@"+app.DemoDomain, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	page := b.waitPageTitled(t, subject, stepTimeout)
	if page.ParentID != parentID {
		t.Errorf("page %q has parent %q, want %q (Meeting notes)", subject, page.ParentID, parentID)
	}

	tab.checkAccessibility(axe)
	tab.screenshot(filepath.Join(shots, "forge-admin-page.png"))
	tab.checkConsole()

	// preUninstall: everything held for the installation goes.
	req, _ := http.NewRequest(http.MethodDelete, strings.TrimSuffix(b.main.SandboxURL(), "/wiki")+"/sandbox/forge/apps/"+installationID, nil)
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	doJSON(t, req, http.StatusNoContent, nil)
	for deadline := time.Now().Add(stepTimeout); ; time.Sleep(50 * time.Millisecond) {
		rows, err := b.main.TenantRows(installationID)
		if err != nil {
			t.Fatal(err)
		}
		spooled, err := b.main.SpoolObjects(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		left := spooled
		for _, n := range rows {
			left += n
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after preUninstall: rows %v, %d spool object(s)", rows, spooled)
		}
	}
}
