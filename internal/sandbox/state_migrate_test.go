package sandbox

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestMigratesAJSONStateFile starts on a state file written by an older
// version (the whole state as JSON, as its persist wrote it): the content is
// all there, the file is now a database, and the JSON is kept beside it.
func TestMigratesAJSONStateFile(t *testing.T) {
	t.Parallel()
	old := setup(t) // no state file: builds the content in memory
	page := old.createV2Page(t, "From JSON", "<p>old</p>")
	old.upload(t, "PUT", page, []file{{"a.txt", "text/plain", "one"}}, 200)
	old.upload(t, "PUT", page, []file{{"a.txt", "text/plain", "two"}}, 200)
	want := old.state()
	legacy, err := json.Marshal(&want)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sandbox.json")
	if err := os.WriteFile(path, legacy, 0o600); err != nil {
		t.Fatal(err)
	}

	b := setupWith(t, Options{StatePath: path})
	if got := b.state(); !reflect.DeepEqual(got, want) {
		t.Fatalf("migrated state:\n%+v\nwant:\n%+v", got, want)
	}
	b.close(t)
	raw, _ := os.ReadFile(path)
	if !bytes.HasPrefix(raw, sqliteHeader) {
		t.Fatalf("the state file is not a database after migration: %.40q", raw)
	}
	if backup, _ := os.ReadFile(path + ".json-backup"); !bytes.Equal(backup, legacy) {
		t.Fatalf("the JSON state file was not kept as a backup")
	}
	leftovers, _ := filepath.Glob(path + ".migrating*")
	if len(leftovers) != 0 {
		t.Fatalf("migration left files behind: %v", leftovers)
	}

	again := setupWith(t, Options{StatePath: path}) // the database, not the JSON again
	if got := again.state(); !reflect.DeepEqual(got, want) {
		t.Fatalf("state after migration and restart:\n%+v\nwant:\n%+v", got, want)
	}
}
