package sandbox

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStatePersistsAcrossRestarts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sandbox.json")
	b := setupWith(t, Options{StatePath: path})
	ops := b.sb.AddSpace("OPS", "Operations")
	page := b.createV2Page(t, "Kept", "<p>kept</p>")
	b.upload(t, "POST", page, []file{{"k.bin", "application/x-thing", "\x00\x01\x02"}}, 200)

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), DemoToken) {
		t.Fatal("the state file holds an API token")
	}
	matches, _ := filepath.Glob(path + ".tmp-*")
	if len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
	}

	again := setupWith(t, Options{StatePath: path}) // SeedDemo again: idempotent
	if sp := again.sb.AddSpace("OPS", "x"); sp.ID != ops.ID {
		t.Fatalf("space id changed across restart: %s → %s", ops.ID, sp.ID)
	}
	pages := again.sb.Pages(DemoSpaceKey)
	if len(pages) != 1 || pages[0].ID != page || pages[0].Storage != "<p>kept</p>" {
		t.Fatalf("pages after restart: %+v", pages)
	}
	atts := again.sb.Attachments(page)
	if len(atts) != 1 || string(atts[0].Data) != "\x00\x01\x02" || atts[0].MediaType != "application/x-thing" {
		t.Fatalf("attachments after restart: %+v", atts)
	}
	next := again.createV2Page(t, "New after restart", "")
	if next <= page || len(next) < len(page) {
		t.Fatalf("ids restarted: %s after %s", next, page)
	}
	again.titleStillTaken(t, "Kept")
}

// titleStillTaken checks that a title created before a restart is still taken.
func (b *bundle) titleStillTaken(t *testing.T, title string) {
	t.Helper()
	b.sendJSON(t, http.MethodPost, "/wiki/api/v2/pages", map[string]any{"spaceId": b.space.ID, "title": title}, 400, nil)
}

func TestNewRefusesADamagedStateFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StatePath: path}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("New with a damaged state file: %v", err)
	}
}

func TestFailedWriteRollsBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := setupWith(t, Options{StatePath: filepath.Join(dir, "gone", "state.json")})
	// The directory does not exist: every write fails.
	resp, data := b.call(t, request{method: "POST", path: "/wiki/api/v2/pages", contentType: "application/json",
		body: strings.NewReader(`{"spaceId":"` + b.space.ID + `","title":"Lost"}`)})
	checkStatus(t, resp, data, http.StatusInternalServerError)
	if e := v2ErrorOf(t, data); strings.Contains(e.Title, dir) {
		t.Fatalf("500 leaks a path: %s", data)
	}
	if n := len(b.sb.Pages(DemoSpaceKey)); n != 0 {
		t.Fatalf("a page whose write failed is still there (%d pages)", n)
	}
}
