package app_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// TestBrowserAdminPageConfiguresAnAddress: a site administrator opens
// mailwiki's admin page inside the sandbox Confluence (host page, AP shim,
// context JWT, postMessage), adds minutes@ publishing under a chosen parent
// page, saves, and mail to that address then lands under that parent. The
// page has no serious or critical axe-core violation and writes no console
// error; a malformed address is refused beside its field and saves nothing.
// Choosing to publish spam with a label stores "spam": {"action": "mark"};
// choosing secure senders explains how they are checked.
// Set MAILWIKI_SHOTS_DIR to keep the screenshots (admin-page.png, -dark).
func TestBrowserAdminPageConfiguresAnAddress(t *testing.T) {
	axe := requireAdminBrowser(t)
	t.Parallel()
	b := setup(t, func(c *config.Config) {
		if err := app.DemoConnectConfig(c); err != nil {
			t.Fatal(err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	adminURL, err := b.main.InstallDemoApp(ctx, b.main.SandboxURL())
	if err != nil {
		t.Fatal(err)
	}
	parentID := createSandboxPage(t, b.main.SandboxURL(), "Meeting notes")
	shots := shotsDir(t)

	tab := openAdminPage(t, adminURL, false)
	tab.click("button", "Add address")
	tab.typeInto("textbox", "Address", "minutes")
	tab.choose("combobox", "Space", "("+sandbox.DemoSpaceKey+")")
	tab.typeInto("searchbox", "Find a parent page or folder", "Meeting")
	tab.choose("combobox", "Parent (optional)", "Meeting notes")
	tab.click("button", "Add sender")
	tab.typeInto("textbox", "Secure sender 1", "@example.org")
	tab.click("radio", "Everyone may send")
	tab.click("radio", "Publish it with the label mailwiki-spam")
	tab.click("button", "Save")
	tab.waitFor("status", "Settings saved.")

	saved := storedConfig(t, b.sandbox)
	if saved.Spam.Action != mailwiki.SpamMark {
		t.Errorf("saved spam action %q, want %q (publish with the label)", saved.Spam.Action, mailwiki.SpamMark)
	}
	want := mailwiki.AddressConfig{Address: "minutes@" + app.DemoDomain, SpaceKey: sandbox.DemoSpaceKey,
		ParentID: parentID, ParentType: "page", ContentType: "page", TitleFormat: "{subject}"}
	if !slices.Contains(saved.Addresses, want) || !slices.Equal(saved.Senders.Entries, []string{"@example.org"}) || saved.Senders.Mode != "everyone" {
		t.Fatalf("saved configuration %+v, want among its addresses %+v and senders [@example.org], everyone", saved, want)
	}
	tab.checkAccessibility(axe)
	tab.screenshot(filepath.Join(shots, "admin-page.png"))

	// The configuration took effect: mail to minutes@ goes under the parent.
	const subject = "Minutes of the browser test"
	msg := fmt.Sprintf("From: Alice <alice@example.org>\r\nTo: minutes@%s\r\nSubject: %s\r\nMessage-ID: <%d@example.org>\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAgreed: ship it.\r\n",
		app.DemoDomain, subject, time.Now().UnixNano(), time.Now().Format(time.RFC1123Z))
	if err := send(t, b.main.SMTPAddr(), "minutes@"+app.DemoDomain, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	page := b.waitPageTitled(t, subject, stepTimeout)
	if page.ParentID != parentID {
		t.Errorf("page %q has parent %q, want %q (Meeting notes)", subject, page.ParentID, parentID)
	}

	// A malformed address is refused beside its field, and nothing is saved.
	before, _ := b.sandbox.AppProperty("mailwiki", "mailwiki-config")
	tab.click("button", "Close address minutes@"+app.DemoDomain) // one "Address" field open
	tab.click("button", "Add address")
	tab.typeInto("textbox", "Address", "no spaces@")
	tab.choose("combobox", "Space", "("+sandbox.DemoSpaceKey+")")
	tab.click("button", "Save")
	tab.waitFor("alert", "Nothing was saved yet.")
	tab.checkFieldError("textbox", "Address", "cannot be the part before the @")
	tab.click("radio", "Only secure senders")
	tab.waitFor("note", "A forged From address earns nothing.")
	time.Sleep(500 * time.Millisecond) // a save, had one started, would be done
	if after, _ := b.sandbox.AppProperty("mailwiki", "mailwiki-config"); !bytes.Equal(before, after) {
		t.Errorf("a refused address changed the stored configuration: index %s, then %s", before, after)
	}
	tab.checkAccessibility(axe) // the error state too
	tab.checkConsole()

	// The same page in dark mode, for the eye and for axe's contrast rules.
	dark := openAdminPage(t, adminURL, true)
	dark.waitFor("button", "Edit address minutes@"+app.DemoDomain)
	dark.click("radio", "Only secure senders") // the note's colours too
	dark.waitFor("note", "A forged From address earns nothing.")
	dark.checkAccessibility(axe)
	dark.screenshot(filepath.Join(shots, "admin-page-dark.png"))
	dark.checkConsole()
}
