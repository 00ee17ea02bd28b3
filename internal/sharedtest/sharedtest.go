// Package sharedtest locates, for tests, the shared folder that sits beside
// the repository (../shared from the module root, or $MAILWIKI_SHARED_DIR):
// the Confluence OpenAPI document and the email corpora, read in place.
//
// Without the folder, a test skips only the part that reads it, with the
// word SHARED-MISSING; with MAILWIKI_REQUIRE_SHARED=1 (as .ci/run sets it)
// it fails instead, so CI never passes by skipping.
package sharedtest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Path returns where rel would be in the shared folder.
func Path(rel string) string {
	dir := os.Getenv("MAILWIKI_SHARED_DIR")
	if dir == "" {
		dir = filepath.Join(moduleRoot(), "..", "shared")
	}
	return filepath.Join(dir, rel)
}

// File returns the path of rel in the shared folder; when it is missing
// the test skips (or fails, see the package doc).
func File(t testing.TB, rel string) string {
	t.Helper()
	path, ok := Optional(t, rel)
	if !ok {
		t.Skipf("SHARED-MISSING: %s not found (clone the shared folder beside the repository)", path)
	}
	return path
}

// Optional is File for a test that goes on without rel: it reports whether
// rel exists (and fails the test under MAILWIKI_REQUIRE_SHARED=1 when not).
func Optional(t testing.TB, rel string) (string, bool) {
	t.Helper()
	path := Path(rel)
	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && os.Getenv("MAILWIKI_REQUIRE_SHARED") == "1":
		t.Fatalf("SHARED-MISSING: %s not found (clone the shared folder beside the repository; MAILWIKI_REQUIRE_SHARED=1)", path)
	case errors.Is(err, fs.ErrNotExist):
		return path, false
	case err != nil:
		t.Fatal(err)
	}
	return path, true
}

// moduleRoot is the nearest directory above the working directory (a
// test's package directory) that holds go.mod.
func moduleRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
