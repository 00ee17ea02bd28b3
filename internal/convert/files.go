package convert

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/mailwiki/mailwiki"
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
			continue
		}
		i := fs.add(a)
		if key := cidKey(a.ContentID); key != "" {
			if _, dup := fs.byCID[key]; !dup {
				fs.byCID[key] = i
			}
		}
	}
	return fs
}

// add names a copy of a and appends it; it returns its index.
func (fs *fileSet) add(a mailwiki.Attachment) int {
	a.Filename = fs.names.name(a.Filename, a.ContentType)
	fs.files = append(fs.files, a)
	fs.shown = append(fs.shown, false)
	return len(fs.files) - 1
}

// showCID returns the file name of the attachment with Content-ID cid (as
// written in a cid: URL) and marks it shown.
func (fs *fileSet) showCID(cid string) (string, bool) {
	i, ok := fs.byCID[cidKey(cid)]
	if !ok {
		if unescaped, err := url.PathUnescape(cid); err == nil {
			i, ok = fs.byCID[cidKey(unescaped)]
		}
	}
	if !ok {
		return "", false
	}
	fs.shown[i] = true
	return fs.files[i].Filename, true
}

// showData adds a decoded data: image and returns its name, marked shown.
func (fs *fileSet) showData(contentType string, data []byte) string {
	i := fs.add(mailwiki.Attachment{ContentType: contentType, Data: data, Inline: true})
	fs.shown[i] = true
	return fs.files[i].Filename
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
