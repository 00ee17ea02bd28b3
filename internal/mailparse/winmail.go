package mailparse

import (
	"fmt"
	"mime"
	"path"
	"slices"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// Outlook sends rich-text mail as a TNEF stream (winmail.dat,
// application/ms-tnef) that holds the real attachments; other clients see
// only winmail.dat. expandWinmail replaces it with what it holds.

// winmailLimits bound the files taken out of the TNEF attachments of one
// message. A zero field takes the value of defaultWinmailLimits. A TNEF
// attachment that would pass a limit is kept as it is, with a warning.
type winmailLimits struct {
	// MaxFiles is the number of files taken out, embedded messages'
	// files included.
	MaxFiles int
	// MaxBytes is the total size of the files taken out.
	MaxBytes int
	// MaxDepth is how deep embedded messages (an Outlook item attached to
	// the message) are opened, the winmail.dat itself counting as 1.
	MaxDepth int
	// KeepBody is set when the email shows no body of its own (Outlook
	// sent everything inside winmail.dat): the stream's message body is
	// then kept (as a file, or the winmail.dat itself for RTF) instead of
	// being taken for a copy of the email's body.
	KeepBody bool
}

// defaultWinmailLimits are far above what Outlook sends: its own limit on
// a message is about 20 MB and a few hundred attachments.
func defaultWinmailLimits() winmailLimits {
	return winmailLimits{MaxFiles: 500, MaxBytes: 256 << 20, MaxDepth: 4}
}

func (l winmailLimits) withDefaults() winmailLimits {
	d := defaultWinmailLimits()
	if l.MaxFiles <= 0 {
		l.MaxFiles = d.MaxFiles
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	return l
}

// expandWinmail is expandWinmailLimits with the default limits.
func expandWinmail(atts []mailwiki.Attachment) ([]mailwiki.Attachment, []string) {
	return expandWinmailLimits(atts, winmailLimits{})
}

// expandWinmailLimits returns atts with every TNEF attachment (isTNEF)
// replaced, in place, by the files it holds, in the order of the stream,
// and warnings that say what was replaced or not shown. An attachment
// that is not readable TNEF, or whose files would pass lim, is kept as it
// is with a warning: nothing is dropped silently. Warnings name no file
// and quote no content. The files' Data share the TNEF attachment's array.
func expandWinmailLimits(atts []mailwiki.Attachment, lim winmailLimits) ([]mailwiki.Attachment, []string) {
	if !slices.ContainsFunc(atts, isTNEF) {
		return atts, nil
	}
	lim = lim.withDefaults()
	out := make([]mailwiki.Attachment, 0, len(atts))
	var warnings []string
	budget := &winmailBudget{files: lim.MaxFiles, bytes: lim.MaxBytes}
	for _, a := range atts {
		if !isTNEF(a) {
			out = append(out, a)
			continue
		}
		files, w := unpackWinmail(a, lim, budget)
		out = append(out, files...)
		warnings = append(warnings, w...)
	}
	return out, warnings
}

// isTNEF reports whether a is a TNEF stream by its type or its name.
func isTNEF(a mailwiki.Attachment) bool {
	mt, _, _ := mime.ParseMediaType(a.ContentType)
	switch strings.ToLower(mt) {
	case "application/ms-tnef", "application/vnd.ms-tnef":
		return true
	}
	switch strings.ToLower(path.Base(strings.ReplaceAll(a.Filename, `\`, "/"))) {
	case "winmail.dat", "win.dat":
		return true
	}
	return false
}

// winmailBudget is what is left of the limits for the rest of a message.
type winmailBudget struct{ files, bytes int }

// unpackWinmail returns the files of one TNEF attachment, or the
// attachment itself when it cannot be read or passes the budget.
func unpackWinmail(a mailwiki.Attachment, lim winmailLimits, budget *winmailBudget) ([]mailwiki.Attachment, []string) {
	m, err := readTNEF(a.Data)
	if err != nil {
		return []mailwiki.Attachment{a}, []string{"winmail.dat (Outlook TNEF) is not readable: kept as it is"}
	}
	u := &unpacker{lim: lim, budget: *budget}
	u.message(m, 1)
	if u.over {
		return []mailwiki.Attachment{a}, []string{fmt.Sprintf(
			"winmail.dat (Outlook TNEF) holds more than %d files or %d bytes: kept as it is, not unpacked", lim.MaxFiles, lim.MaxBytes)}
	}
	*budget = u.budget
	if m.damaged && len(u.files) == 0 {
		return []mailwiki.Attachment{a}, append(u.warnings, "winmail.dat (Outlook TNEF) is damaged and no file could be read from it: kept as it is")
	}
	if u.keepOriginal {
		w := fmt.Sprintf("winmail.dat (Outlook TNEF) kept, beside the %d files inside it", len(u.files))
		return append([]mailwiki.Attachment{a}, u.files...), append([]string{w}, u.warnings...)
	}
	w := fmt.Sprintf("winmail.dat (Outlook TNEF) replaced by the %d files inside it", len(u.files))
	if len(u.files) == 0 {
		w = "winmail.dat (Outlook TNEF) holds no file and no body: dropped"
	}
	return u.files, append([]string{w}, u.warnings...)
}

// unpacker collects the files of a TNEF stream and of the messages
// embedded in it.
type unpacker struct {
	lim    winmailLimits
	budget winmailBudget // what is left
	over   bool          // the budget ran out: stop
	// keepOriginal: something inside (an RTF-only body) is not in files:
	// the winmail.dat itself is kept beside them.
	keepOriginal bool
	files        []mailwiki.Attachment
	warnings     []string
}

// message adds the files of m, a stream at the given depth.
func (u *unpacker) message(m *tnefMessage, depth int) {
	where := "winmail.dat"
	if depth > 1 {
		where = "an Outlook item attached inside winmail.dat"
	}
	switch {
	case len(m.body) > 0 && depth == 1 && u.lim.KeepBody:
		u.body(m, where)
	case len(m.body) > 0:
		u.warn(fmt.Sprintf("the Outlook message body (%s) inside %s was not shown", strings.Join(m.body, ", "), where))
	}
	if m.damaged {
		u.warn(fmt.Sprintf("%s is damaged: what follows the damage is lost", where))
	}
	for i, f := range m.files {
		if u.over {
			return
		}
		u.file(f, i+1, depth)
	}
}

// body keeps the message body of a stream as a file, so that nothing is
// lost: the HTML form as "Outlook message.html", else the text form as
// "Outlook message.txt"; a body only in RTF (compressed, not decoded
// here) keeps the whole winmail.dat (u.keepOriginal).
func (u *unpacker) body(m *tnefMessage, where string) {
	name := "Outlook message"
	switch {
	case len(m.html) > 0:
		u.add(mailwiki.Attachment{Filename: name + ".html", ContentType: "text/html", Data: slices.Clip(m.html)})
		u.warn(fmt.Sprintf("the Outlook message body inside %s is attached as an HTML file, not shown on the page", where))
	case len(m.text) > 0:
		u.add(mailwiki.Attachment{Filename: name + ".txt", ContentType: "text/plain", Data: slices.Clip(m.text)})
		u.warn(fmt.Sprintf("the Outlook message body inside %s is attached as a text file, not shown on the page", where))
	default:
		u.keepOriginal = true
		u.warn(fmt.Sprintf("the Outlook message body (%s) inside %s cannot be shown: winmail.dat is kept", strings.Join(m.body, ", "), where))
	}
}

// file adds one attachment of a stream: its bytes, and for an embedded
// message also the files inside it.
func (u *unpacker) file(f *tnefFile, n, depth int) {
	data := f.data
	switch {
	case f.method == attachOLE && f.object != nil:
		data = f.object
		u.warn("an OLE object inside winmail.dat is kept as an OLE storage file")
	case f.method == attachEmbeddedMsg && f.object != nil:
		// f.data is a placeholder text ("This attachment is a MAPI 1.0
		// embedded message…"); the item is the nested stream.
		data = f.object
		u.warn("an Outlook item attached inside winmail.dat is kept as a TNEF file, beside the files it holds")
	case len(data) == 0:
		data = f.object
	}
	name := fileName(f, n)
	u.add(mailwiki.Attachment{Filename: name, ContentType: fileType(f, name), Data: slices.Clip(data)})
	if u.over || f.method != attachEmbeddedMsg || f.object == nil || !slices.Equal(f.iid, iidIMessage[:]) {
		return
	}
	inner, err := readTNEF(f.object)
	switch {
	case err != nil:
		u.warn("an Outlook item attached inside winmail.dat is not readable: kept as a TNEF file")
	case depth >= u.lim.MaxDepth:
		u.warn(fmt.Sprintf("Outlook items nested deeper than %d levels inside winmail.dat are kept as TNEF files, not unpacked", u.lim.MaxDepth))
	default:
		u.message(inner, depth+1)
	}
}

// add adds a, or sets over when a does not fit in the budget.
func (u *unpacker) add(a mailwiki.Attachment) {
	if u.budget.files < 1 || u.budget.bytes < len(a.Data) {
		u.over = true
		return
	}
	u.budget.files--
	u.budget.bytes -= len(a.Data)
	u.files = append(u.files, a)
}

// warn adds w once.
func (u *unpacker) warn(w string) {
	if !slices.Contains(u.warnings, w) {
		u.warnings = append(u.warnings, w)
	}
}

// fileName picks the long file name over the 8.3 ones, then the
// attachment's title and display name, then a made-up name.
func fileName(f *tnefFile, n int) string {
	for _, s := range []string{f.longName, f.fileName, f.title, f.displayName} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return fmt.Sprintf("winmail-attachment-%d", n)
}

// fileType returns the attachment's declared MIME type when it is a
// valid one, else a type guessed from the name's extension, without
// parameters; application/ms-tnef for an embedded message.
func fileType(f *tnefFile, name string) string {
	if f.method == attachEmbeddedMsg && f.object != nil {
		return "application/ms-tnef"
	}
	if mt, _, err := mime.ParseMediaType(f.mimeTag); err == nil && strings.Contains(mt, "/") {
		return mt
	}
	if mt, _, err := mime.ParseMediaType(mime.TypeByExtension(strings.ToLower(path.Ext(name)))); err == nil {
		return mt
	}
	return "application/octet-stream"
}
