package convert

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/contentloc"
)

// fileSet collects the files of one page: the message's attachments under
// unique names, plus images decoded from data: URLs. It remembers which files
// the body shows inline, so the rest can be listed. Not safe for concurrent
// use.
type fileSet struct {
	names    *namer
	files    []mailwiki.Attachment
	shown    []bool
	byCID    map[string]int
	byMsg    []int          // per attachment of the message: its file, -1 if skipped
	byLoc    map[string]int // resolved Content-Location → file
	base     string         // the base URL of the HTML part being converted
	warnings []string
}

// newFileSet names every non-empty attachment (in order); empty ones are
// skipped with a warning. Data slices are shared with the message.
func newFileSet(atts []mailwiki.Attachment, reserved ...string) *fileSet {
	fs := &fileSet{names: newNamer(), byCID: make(map[string]int)}
	for _, r := range reserved {
		fs.names.reserve(r)
	}
	for _, a := range atts {
		if len(a.Data) == 0 {
			fs.warnings = append(fs.warnings, "empty attachment skipped")
			fs.byMsg = append(fs.byMsg, -1)
			continue
		}
		i := fs.add(a)
		fs.byMsg = append(fs.byMsg, i)
		if key := cidKey(a.ContentID); key != "" {
			if _, dup := fs.byCID[key]; !dup {
				fs.byCID[key] = i
			}
		}
	}
	fs.warnings = append(fs.warnings, fs.names.warnings()...)
	return fs
}

// add names a copy of a and appends it; it returns its index.
func (fs *fileSet) add(a mailwiki.Attachment) int {
	a.Filename = fs.names.name(a.Filename, a.ContentType)
	fs.files = append(fs.files, a)
	fs.shown = append(fs.shown, false)
	return len(fs.files) - 1
}

// cidFile returns the file with Content-ID cid (as written in a cid: URL,
// percent-encoded or not), or -1.
func (fs *fileSet) cidFile(cid string) int {
	if i, ok := fs.byCID[cidKey(cid)]; ok {
		return i
	}
	if unescaped, err := url.PathUnescape(cid); err == nil {
		if i, ok := fs.byCID[cidKey(unescaped)]; ok {
			return i
		}
	}
	return -1
}

// addData adds an image decoded from a data: URL, not yet shown, and
// returns its index.
func (fs *fileSet) addData(contentType string, data []byte) int {
	return fs.add(mailwiki.Attachment{ContentType: contentType, Data: data, Inline: true})
}

// unshown returns the files the body does not show, in order.
func (fs *fileSet) unshown() []mailwiki.Attachment {
	var out []mailwiki.Attachment
	for i, f := range fs.files {
		if !fs.shown[i] {
			out = append(out, f)
		}
	}
	return out
}

// cidKey normalises a Content-ID for lookup: angle brackets and white space
// stripped, lower-cased.
func cidKey(cid string) string {
	cid = strings.TrimSpace(cid)
	cid = strings.TrimPrefix(cid, "<")
	cid = strings.TrimSuffix(cid, ">")
	return strings.ToLower(strings.TrimSpace(cid))
}

// attachmentList writes the "Attachments" section listing files with their
// sizes; nothing when files is empty.
func attachmentList(b *strings.Builder, files []mailwiki.Attachment) {
	if len(files) == 0 {
		return
	}
	b.WriteString("<h2>Attachments</h2>\n<ul>\n")
	for _, f := range files {
		b.WriteString("<li>")
		writeAttachmentLink(b, f.Filename)
		b.WriteString(" (" + humanSize(len(f.Data)) + ")</li>\n")
	}
	b.WriteString("</ul>\n")
}

// writeAttachmentLink writes an ac:link to the attachment called name.
func writeAttachmentLink(b *strings.Builder, name string) {
	b.WriteString(`<ac:link><ri:attachment ri:filename="` + escapeAttr(name) + `"/></ac:link>`)
}

// humanSize formats n bytes for people: "512 B", "1.5 KB", "3.2 MB" (powers
// of 1024).
func humanSize(n int) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n) / unit
	for _, u := range []string{"KB", "MB", "GB"} {
		if v < unit || u == "GB" {
			return fmt.Sprintf("%.1f %s", v, u)
		}
		v /= unit
	}
	return fmt.Sprintf("%d B", n)
}

// locate records the message's Content-Locations (RFC 2557), which map to
// indexes of the message's attachments.
func (fs *fileSet) locate(locations map[string]int) {
	for loc, i := range locations {
		if f := fs.fileOf(i); f >= 0 {
			if fs.byLoc == nil {
				fs.byLoc = make(map[string]int)
			}
			fs.byLoc[loc] = f
		}
	}
}

// fileOf returns the file made from the message's attachment i, or -1.
func (fs *fileSet) fileOf(i int) int {
	if i < 0 || i >= len(fs.byMsg) {
		return -1
	}
	return fs.byMsg[i]
}

// lookupSrc returns the file an <img src> that is neither cid: nor data:
// refers to: by its Content-Location, resolved against the current base,
// else as written; else by a Content-ID written without the cid: scheme.
// It returns -1 when the message has no such part.
func (fs *fileSet) lookupSrc(src string) int {
	for _, key := range []string{contentloc.Resolve(fs.base, src), contentloc.Resolve("", src)} {
		if i, ok := fs.byLoc[key]; ok {
			return i
		}
	}
	return fs.cidFile(src)
}

// show marks file i shown and returns its name.
func (fs *fileSet) show(i int) string {
	fs.shown[i] = true
	return fs.files[i].Filename
}

// isSVG reports whether file i is an SVG image, which is never shown
// inline (it can carry script).
func (fs *fileSet) isSVG(i int) bool {
	f := fs.files[i]
	return strings.EqualFold(strings.TrimSpace(f.ContentType), "image/svg+xml") ||
		strings.HasSuffix(strings.ToLower(f.Filename), ".svg")
}
