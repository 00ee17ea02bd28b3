package convert

import (
	"context"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// forwardedDate is how the date of a forwarded message is shown: in its
// own time zone, as its sender wrote it.
const forwardedDate = "Mon, 2 Jan 2006 15:04 -0700"

// forwardBlock converts a forwarded message (a BodyMessage) as a quote: a
// line linking its .eml, its header summary (From, Date, Subject, To), its
// body converted as a page's body is, and its files not shown by that
// body. Its files join the page's under names unique among them (scope,
// merge). Its warnings are returned prefixed with "forwarded message: ".
func forwardBlock(ctx context.Context, p mailwiki.BodyPart, files *fileSet, lim Limits) (string, []string, error) {
	inner := p.Message
	var b strings.Builder
	b.WriteString("<blockquote>\n<p><strong>Forwarded message</strong>")
	linkFile(&b, files, p.Attachment, " (", ")")
	b.WriteString("</p>\n")
	writeSummary(&b, []summaryRow{
		{"From", inner.From},
		{"Date", formatDate(inner)},
		{"Subject", inner.Subject},
		{"To", strings.Join(inner.To, ", ")},
	})
	sub := files.scope(inner)
	body, ws, err := messageBody(ctx, inner, sub, lim)
	if err != nil {
		return "", nil, err
	}
	b.WriteString(body)
	sub.dropDecorations()
	attachmentList(&b, sub.unshown())
	b.WriteString("</blockquote>\n")
	files.merge(sub)
	if len(files.files) > lim.MaxFiles {
		return "", nil, tooManyFiles(lim.MaxFiles)
	}
	var warnings []string
	for _, w := range concat(inner.Warnings, sub.warnings, ws) {
		if !strings.HasPrefix(w, "forwarded message: ") { // once, however deep
			w = "forwarded message: " + w
		}
		warnings = appendNew(warnings, w)
	}
	return b.String(), warnings, nil
}

func formatDate(msg *mailwiki.Message) string {
	if msg.Date.IsZero() {
		return ""
	}
	return msg.Date.Format(forwardedDate)
}

// summaryRow is one line of a summary table; rows without a value are
// left out.
type summaryRow struct{ name, value string }

// writeSummary writes rows as a two-column table, names in th cells; it
// writes nothing when no row has a value. Values are plain text.
func writeSummary(b *strings.Builder, rows []summaryRow) {
	started := false
	for _, r := range rows {
		if strings.TrimSpace(r.value) == "" {
			continue
		}
		if !started {
			b.WriteString("<table><tbody>\n")
			started = true
		}
		b.WriteString("<tr><th>" + r.name + "</th><td>")
		v, _ := cleanText(r.value)
		writeEscaped(b, v, false)
		b.WriteString("</td></tr>\n")
	}
	if started {
		b.WriteString("</tbody></table>\n")
	}
}

// scope returns the file set of a forwarded message: its attachments
// named uniquely among the page's files (fs), and new names (data: images)
// taken from the page's namer.
func (fs *fileSet) scope(msg *mailwiki.Message) *fileSet {
	sub := newFileSet(msg.Attachments)
	for i := range sub.files {
		sub.files[i].Filename = fs.names.unique(sub.files[i].Filename)
	}
	sub.names = fs.names
	sub.locate(msg.Locations)
	return sub
}

// merge adds the files of a forwarded message's set, all of which its
// quote shows, to the page's (its warnings are forwardBlock's).
func (fs *fileSet) merge(sub *fileSet) {
	fs.files = append(fs.files, sub.files...)
	for range sub.files {
		fs.shown = append(fs.shown, true)
	}
}
