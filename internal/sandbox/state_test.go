package sandbox

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestStatePersistsAcrossRestarts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "odd %41?#name.db") // none of it is URI syntax
	b := setupWith(t, Options{StatePath: path})
	ops := b.sb.AddSpace("OPS", "Operations")
	page := b.createV2Page(t, "Kept", "<p>kept</p>")
	child := b.createV2Child(t, "Child", page)
	b.upload(t, "POST", page, []file{{"k.bin", "application/x-thing", "\x00\x01\x02"}}, 200)
	first := b.upload(t, "PUT", page, []file{{"r.csv", "text/csv", "v1"}}, 200).Results[0]
	second := b.upload(t, "PUT", page, []file{{"r.csv", "text/csv", "version two"}}, 200).Results[0]
	before := b.state()
	b.close(t)

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if names, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*")); len(names) != 1 {
		t.Fatalf("files beside a closed state file: %v", names)
	}
	if bytes.Contains(raw, []byte(DemoToken)) {
		t.Fatal("the state file holds an API token")
	}

	again := setupWith(t, Options{StatePath: path}) // SeedDemo again: idempotent
	if after := again.state(); !reflect.DeepEqual(after, before) {
		t.Fatalf("state after restart:\n%+v\nbefore:\n%+v", after, before)
	}
	if sp := again.sb.AddSpace("OPS", "x"); sp.ID != ops.ID {
		t.Fatalf("space id changed across restart: %s → %s", ops.ID, sp.ID)
	}
	pages := again.sb.Pages(DemoSpaceKey)
	if len(pages) != 2 || pages[0].ID != page || pages[0].Storage != "<p>kept</p>" || pages[1].ParentID != page {
		t.Fatalf("pages after restart: %+v", pages)
	}
	again.downloads(t, map[string]string{first.Links["download"]: "v1", second.Links["download"]: "version two"})
	next := again.createV2Page(t, "New after restart", "")
	if next <= child || len(next) < len(child) || again.sb.AddSpace("NEW", "New").ID <= next {
		t.Fatalf("ids restarted: %s after %s", next, child)
	}
	again.titleStillTaken(t, "Kept")
}

// TestNextIDPersists checks that the id counter itself is kept, not
// recomputed from the content: an id handed out but whose change was never
// kept is not handed out again after a restart.
func TestNextIDPersists(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sandbox.db")
	b := setupWith(t, Options{StatePath: path})
	page := b.createV2Page(t, "One", "")
	b.sb.mu.Lock()
	for range 5 {
		b.sb.st.newID() // consumed by changes that failed
	}
	want := b.sb.st.NextID
	b.sb.mu.Unlock()
	b.createV2Page(t, "Two", "") // records NextID, now want+1
	b.close(t)

	again := setupWith(t, Options{StatePath: path})
	if got := again.state().NextID; got != want+1 {
		t.Fatalf("NextID after restart %d, want %d (first page %s)", got, want+1, page)
	}
}

func TestNewRefusesADamagedStateFile(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{
		"not json":         "{not json",
		"damaged database": string(sqliteHeader) + strings.Repeat("\xff", 4096),
	} {
		path := filepath.Join(t.TempDir(), "state")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Options{StatePath: path}); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("%s: New: %v", name, err)
		}
	}
}

func TestStateFileHasOneOwner(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sandbox.db")
	b := setupWith(t, Options{StatePath: path})
	_, err := New(Options{StatePath: path})
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second New on an open state file: %v", err)
	}
	b.close(t)
	setupWith(t, Options{StatePath: path})
}

func TestFailedWriteRollsBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := setupWith(t, Options{StatePath: filepath.Join(dir, "state.db")})
	page := b.createV2Page(t, "Before", "")
	b.close(t) // every write fails from now on
	resp, data := b.call(t, request{method: "POST", path: "/wiki/api/v2/pages", contentType: "application/json",
		body: strings.NewReader(`{"spaceId":"` + b.space.ID + `","title":"Lost"}`)})
	checkStatus(t, resp, data, http.StatusInternalServerError)
	if e := v2ErrorOf(t, data); strings.Contains(e.Title, dir) {
		t.Fatalf("500 leaks a path: %s", data)
	}
	if n := len(b.sb.Pages(DemoSpaceKey)); n != 1 {
		t.Fatalf("a page whose write failed is still there (%d pages)", n)
	}
	b.upload(t, "POST", page, []file{{"lost.txt", "text/plain", "x"}}, http.StatusInternalServerError)
	if n := len(b.sb.Attachments(page)); n != 0 {
		t.Fatalf("an attachment whose write failed is still there (%d)", n)
	}
	if sp := b.sb.AddSpace("LOST", "Lost"); b.sb.Pages("LOST") != nil {
		t.Fatalf("a space whose write failed is still there: %+v", sp)
	}
}

// titleStillTaken checks that a title created before a restart is still taken.
func (b *bundle) titleStillTaken(t *testing.T, title string) {
	t.Helper()
	b.sendJSON(t, http.MethodPost, "/wiki/api/v2/pages", map[string]any{"spaceId": b.space.ID, "title": title}, 400, nil)
}

// createV2Child creates a page under parent and returns its id.
func (b *bundle) createV2Child(t *testing.T, title, parent string) string {
	t.Helper()
	var out struct{ ID string }
	b.sendJSON(t, http.MethodPost, "/wiki/api/v2/pages", map[string]any{
		"spaceId": b.space.ID, "title": title, "parentId": parent}, http.StatusOK, &out)
	return out.ID
}

// downloads checks that each download link (relative to /wiki) serves its
// bytes.
func (b *bundle) downloads(t *testing.T, want map[string]string) {
	t.Helper()
	for link, data := range want {
		resp, got := b.call(t, request{method: "GET", path: "/wiki" + link})
		checkStatus(t, resp, got, 200)
		if string(got) != data {
			t.Fatalf("%s served %q, want %q", link, got, data)
		}
	}
}

// state returns a deep copy of the sandbox's state.
func (b *bundle) state() state {
	b.sb.mu.Lock()
	defer b.sb.mu.Unlock()
	st := state{NextID: b.sb.st.NextID}
	for _, sp := range b.sb.st.Spaces {
		c := *sp
		st.Spaces = append(st.Spaces, &c)
	}
	for _, p := range b.sb.st.Pages {
		c := *p
		st.Pages = append(st.Pages, &c)
	}
	for _, a := range b.sb.st.Attachments {
		c := a.snapshot()
		st.Attachments = append(st.Attachments, &c)
	}
	return st
}

// close closes the sandbox (its state file), failing the test on error.
func (b *bundle) close(t *testing.T) {
	t.Helper()
	if err := b.sb.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}
