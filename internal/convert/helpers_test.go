package convert

import (
	"encoding/xml"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/mailwiki/mailwiki"
)

// referencedFiles returns the ri:filename values in storage, in order.
func referencedFiles(t testing.TB, storage string) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(`<root xmlns:ac="` + nsAC + `" xmlns:ri="` + nsRI + `">` + storage + `</root>`))
	var names []string
	for {
		tok, err := d.Token()
		if err != nil {
			return names
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space == nsRI && se.Name.Local == "attachment" {
			for _, a := range se.Attr {
				if a.Name.Space == nsRI && a.Name.Local == "filename" {
					names = append(names, a.Value)
				}
			}
		}
	}
}

// checkDraft asserts the contract every Draft keeps: valid storage, a usable
// title, unique safe file names, and attachments that are exactly the files
// the body references.
func checkDraft(t testing.TB, d *mailwiki.Draft) {
	t.Helper()
	if err := CheckStorage(d.Storage); err != nil {
		t.Fatalf("CheckStorage: %v\nstorage:\n%s", err, d.Storage)
	}
	checkTitle(t, d.Title)
	have := make(map[string]bool)
	for _, a := range d.Attachments {
		checkFileName(t, a.Filename)
		key := strings.ToLower(a.Filename)
		if have[key] {
			t.Errorf("file name %q used twice", a.Filename)
		}
		have[key] = true
	}
	refs := make(map[string]bool)
	for _, n := range referencedFiles(t, d.Storage) {
		refs[strings.ToLower(n)] = true
		if !have[strings.ToLower(n)] {
			t.Errorf("body references %q, which is not attached", n)
		}
	}
	for _, a := range d.Attachments {
		if !refs[strings.ToLower(a.Filename)] {
			t.Errorf("attachment %q is not referenced by the body", a.Filename)
		}
	}
}

func checkTitle(t testing.TB, title string) {
	t.Helper()
	if title == "" || utf8.RuneCountInString(title) > MaxTitleRunes || !utf8.ValidString(title) {
		t.Errorf("bad title %q", title)
	}
	if strings.IndexFunc(title, unicode.IsControl) >= 0 || strings.TrimSpace(title) != title {
		t.Errorf("title %q has control characters or outer space", title)
	}
}

func checkFileName(t testing.TB, name string) {
	t.Helper()
	if name == "" || len(name) > maxNameBytes || !utf8.ValidString(name) ||
		strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") ||
		strings.IndexFunc(name, unicode.IsControl) >= 0 {
		t.Errorf("unsafe file name %q", name)
	}
}
