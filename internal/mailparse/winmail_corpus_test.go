package mailparse

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/sharedtest"
)

// The TNEF corpus is MimeKit's (MIT licence, corpus/tnef/LICENSE): for each
// CASE.tnef, CASE.list names the attachments MimeKit must find and the
// folder CASE/ holds the expected files (from the tnef program's test
// suite): every file there but the message body (message.rtf, .html, .txt)
// is an expected attachment, its name as listed in CASE.list ("Untitled
// Attachment" for the folder's "Untitled Attachment.1", the tnef program's
// de-duplicated name) or the folder's name where the list omits it.
const tnefCorpus = "corpus/tnef/UnitTests/TestData/tnef"

// tnefMiss is a known difference from the corpus for one expected file.
type tnefMiss int

const (
	// missCRLF: the attachment is a text file whose lines end in CRLF in
	// the TNEF stream; the corpus file has LF (its repository normalises
	// line ends). Our bytes are the stream's; they equal the corpus file
	// once CRLF is turned into LF, which the test checks.
	missCRLF tnefMiss = iota + 1
	// missIID: an OLE object (PR_ATTACH_METHOD 6). The corpus keeps the
	// 16-byte interface id (IID_IStorage) before the object, as the tnef
	// program writes the raw PT_OBJECT value; we write the object only (an
	// OLE compound file), as [MS-OXTNEF] and MimeKit do. The test checks
	// that the corpus file is the interface id followed by our bytes.
	missIID
	// missPlaceholder: the attAttachData of an embedded Outlook item, a
	// placeholder text ("This attachment is a MAPI 1.0 embedded message
	// and is not supported by this mail system."). It is not content: we
	// drop it and keep the item (the nested TNEF stream, also expected
	// under the same name, and the files inside it).
	missPlaceholder
)

// tnefMisses lists every expected file that we do not reproduce byte for
// byte, by CASE/FILE.
var tnefMisses = map[string]tnefMiss{
	"MAPI_ATTACH_DATA_OBJ/VIA_Nytt_14021.htm": missCRLF,
	"attachments/bookmark.htm":                missCRLF,
	"data-before-name/boot.ini":               missCRLF,
	"long-filename/allproductsmar2000.dat":    missCRLF,
	"unicode-mapi-attr-name/spaconsole2.cfg":  missCRLF,
	"MAPI_OBJECT/Untitled_Attachment":         missIID,
	"winmail/Untitled Attachment.1":           missIID,
	"winmail/Untitled Attachment.2":           missIID,
	"christmas/Untitled Attachment.1":         missPlaceholder,
	"christmas/Untitled Attachment.3":         missPlaceholder,
}

// TestWinmailCorpus unpacks every TNEF stream of the corpus and checks
// every expected attachment's name and bytes; the known misses must be
// exactly those of tnefMisses, for the reason given there.
func TestWinmailCorpus(t *testing.T) {
	t.Parallel()
	dir := sharedtest.File(t, tnefCorpus)
	streams, err := filepath.Glob(filepath.Join(dir, "*.tnef"))
	if err != nil || len(streams) == 0 {
		t.Fatalf("no .tnef files in %s (%v)", dir, err)
	}
	var total, names, exact int
	for _, path := range streams {
		c := strings.TrimSuffix(filepath.Base(path), ".tnef")
		n, nm, ex := checkTNEFCase(t, dir, c)
		total, names, exact = total+n, names+nm, exact+ex
	}
	t.Logf("TNEF corpus: %d streams, %d expected files: names right %d/%d, bytes exact %d/%d (every other one explained in tnefMisses)",
		len(streams), total, names, total, exact, total)
	if total != 33 {
		t.Errorf("%d expected files in the corpus, want 33: the corpus changed, review tnefMisses", total)
	}
}

// TestWinmailCorpusMail parses the corpus's two whole messages with a
// winmail.dat: it is replaced by its files, or dropped with a warning when
// it holds only a message body.
func TestWinmailCorpusMail(t *testing.T) {
	t.Parallel()
	dir := sharedtest.File(t, tnefCorpus)
	cases := []struct {
		file, warning string
		names         []string
	}{
		{"rich-text.eml", "replaced by the 4 files inside it", []string{
			"kitten-playing-with-a-christmas-tree.jpg", "Untitled Attachment", "Untitled Attachment",
			"kitten-playing-with-a-christmas-tree.jpg", // inside the second embedded Outlook item
		}},
		{"ukr.eml", "the Outlook message body (HTML) inside winmail.dat was not shown", nil},
	}
	for _, c := range cases {
		raw, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		msg, err := Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		var names []string
		for _, a := range msg.Attachments {
			names = append(names, a.Filename)
		}
		if !slices.Equal(names, c.names) {
			t.Errorf("%s: attachments %q, want %q", c.file, names, c.names)
		}
		if !slices.ContainsFunc(msg.Warnings, func(w string) bool { return strings.Contains(w, c.warning) }) {
			t.Errorf("%s: warnings %q, want %q", c.file, msg.Warnings, c.warning)
		}
	}
}

// checkTNEFCase checks one stream and returns its number of expected
// files, of names found and of files found byte-exact.
func checkTNEFCase(t *testing.T, dir, c string) (total, names, exact int) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, c+".tnef"))
	if err != nil {
		t.Fatal(err)
	}
	out, warnings := expandWinmail([]mailwiki.Attachment{tnefAttachment(raw)})
	listed := readList(t, filepath.Join(dir, c+".list"))
	for _, name := range listed {
		if !slices.ContainsFunc(out, func(a mailwiki.Attachment) bool { return a.Filename == name }) {
			t.Errorf("%s: %q of %s.list not found among %d files (warnings %q)", c, name, c, len(out), warnings)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, c))
	if os.IsNotExist(err) {
		return 0, 0, 0
	} else if err != nil {
		t.Fatal(err)
	}
	left := slices.Clone(out) // each output file matches one expected file
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "message.") {
			if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, "message body") }) {
				t.Errorf("%s: the stream has a message body, no warning says it was not shown: %q", c, warnings)
			}
			continue
		}
		total++
		want, err := os.ReadFile(filepath.Join(dir, c, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		nameOK, bytesOK := matchTNEFFile(t, c+"/"+e.Name(), expectedName(e.Name(), listed), want, &left)
		names += b2i(nameOK)
		exact += b2i(bytesOK)
	}
	return total, names, exact
}

// matchTNEFFile finds the expected file key (CASE/FILE, named name, with
// bytes want) among left, removes the file it matched and checks that it
// differs from the corpus exactly as tnefMisses says.
func matchTNEFFile(t *testing.T, key, name string, want []byte, left *[]mailwiki.Attachment) (nameOK, bytesOK bool) {
	t.Helper()
	miss := tnefMisses[key]
	named := func(a mailwiki.Attachment) bool { return a.Filename == name }
	if i := slices.IndexFunc(*left, func(a mailwiki.Attachment) bool { return named(a) && bytes.Equal(a.Data, want) }); i >= 0 {
		*left = slices.Delete(*left, i, i+1)
		if miss != 0 {
			t.Errorf("%s: byte-exact but listed in tnefMisses: update the table", key)
		}
		return true, true
	}
	if miss == missPlaceholder {
		if slices.ContainsFunc(*left, func(a mailwiki.Attachment) bool { return bytes.Equal(a.Data, want) }) {
			t.Errorf("%s: the embedded item's placeholder text is among the files", key)
		}
		return false, false // our one file of that name is the item itself, matched apart
	}
	i := slices.IndexFunc(*left, func(a mailwiki.Attachment) bool { return named(a) && explained(miss, a.Data, want) })
	if i < 0 {
		t.Errorf("%s: no file named %q with the expected bytes (known miss kind %d)", key, name, miss)
		return slices.ContainsFunc(*left, named), false
	}
	*left = slices.Delete(*left, i, i+1)
	return true, false
}

// explained reports whether got differs from the corpus's want only as
// the known miss says.
func explained(miss tnefMiss, got, want []byte) bool {
	switch miss {
	case missCRLF:
		return bytes.Contains(got, []byte("\r\n")) && bytes.Equal(bytes.ReplaceAll(got, []byte("\r\n"), []byte("\n")), want)
	case missIID:
		return len(want) >= iidLen && bytes.Equal(got, want[iidLen:])
	}
	return false
}

// expectedName is the name CASE.list gives the folder's file, or the
// file's own name.
func expectedName(file string, listed []string) string {
	if slices.Contains(listed, file) {
		return file
	}
	if base := dedupSuffix.ReplaceAllString(file, ""); slices.Contains(listed, base) {
		return base
	}
	return file
}

var dedupSuffix = regexp.MustCompile(`\.[0-9]+$`)

// readList returns the attachment names of a .list file, without the
// message body's entries (body.rtf, body.html).
func readList(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range strings.Split(strings.ReplaceAll(string(b), "\r", ""), "\n") {
		if l != "" && !strings.HasPrefix(l, "body.") {
			names = append(names, l)
		}
	}
	return names
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestWinmailBodyOnlyIsKept: Outlook sends a message whose only part is a
// winmail.dat holding the body (MimeKit's body.tnef: HTML): the email has
// no body of its own, so the body is kept as "Outlook message.html" (with
// a warning), never dropped with the stream (found by a tester).
func TestWinmailBodyOnlyIsKept(t *testing.T) {
	t.Parallel()
	dir := sharedtest.File(t, tnefCorpus)
	tnef, err := os.ReadFile(filepath.Join(dir, "body.tnef"))
	if err != nil {
		t.Fatal(err)
	}
	raw := "From: a@example.org\r\nSubject: Body only\r\nMIME-Version: 1.0\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(tnef) + "\r\n"
	msg, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var html []byte
	for _, a := range msg.Attachments {
		names = append(names, a.Filename)
		if a.Filename == "Outlook message.html" {
			html = a.Data
		}
	}
	if len(html) < 1000 || !bytes.Contains(bytes.ToLower(html), []byte("<html")) {
		t.Fatalf("attachments %q: want the HTML body kept as Outlook message.html", names)
	}
	if !strings.Contains(strings.Join(msg.Warnings, "|"), "attached as an HTML file") {
		t.Errorf("warnings %q", msg.Warnings)
	}
}
