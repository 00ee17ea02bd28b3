package convert

import (
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/mailparse"
)

func TestFallback(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)
	tests := []struct {
		name      string
		raw       string
		msg       *mailwiki.Message
		title     string
		contains  []string
		files     []string
		forbidden []string
	}{
		{
			name: "no message: the raw text is shown, escaped", raw: "garbage <b>&", msg: nil,
			title:    "Email received on 2026-11-26 14:05",
			contains: []string{"garbage &lt;b&gt;&amp;", `ri:filename="original.eml"`},
			files:    []string{"original.eml"},
		},
		{
			name: "no message, an email refused for its shape: no MIME source shown", raw: "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n", msg: nil,
			title:    "Email from a@example.org on 2026-11-26 14:05",
			contains: []string{"could not be converted to a page", `ri:filename="original.eml"`},
			files:    []string{"original.eml"},
		},
		{
			name: "no message, binary bytes: no text to show", raw: "\x00\x01\x02binary", msg: nil,
			title:    "Email received on 2026-11-26 14:05",
			contains: []string{"could not be converted to a page", `ri:filename="original.eml"`},
			files:    []string{"original.eml"},
		},
		{
			name: "text wins, escaped, not linked", raw: "x",
			msg:       &mailwiki.Message{Subject: "S", Text: "a <b> & https://x.example", HTML: "<p>h</p>"},
			title:     "S",
			contains:  []string{"a &lt;b&gt; &amp; https://x.example"},
			files:     []string{"original.eml"},
			forbidden: []string{"<a ", "<p>h</p>"},
		},
		{
			name: "html stripped to text", raw: "x",
			msg:       &mailwiki.Message{HTML: "<p>one<script>evil()</script></p><p>two<br>three</p>"},
			title:     "Email from unknown sender on 2026-11-26 14:05",
			contains:  []string{"<p>one</p>", "<p>two<br/>three</p>"},
			files:     []string{"original.eml"},
			forbidden: []string{"evil"},
		},
		{
			name: "attachments kept with unique names", raw: "x",
			msg: &mailwiki.Message{Subject: "A", Attachments: []mailwiki.Attachment{
				{Filename: "original.eml", ContentType: "message/rfc822", Data: []byte("m")},
				{Filename: "a.png", Inline: true, ContentID: "c", Data: []byte("p")},
				{Filename: "empty.txt"},
			}},
			title:    "A",
			contains: []string{"<h2>Attachments</h2>", `ri:filename="original-1.eml"`, `ri:filename="a.png"`},
			files:    []string{"original.eml", "original-1.eml", "a.png"},
		},
		{
			name: "empty raw attaches nothing", raw: "", msg: nil,
			title: "Email received on 2026-11-26 14:05", files: nil,
			forbidden: []string{"original.eml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Fallback([]byte(tt.raw), tt.msg, received)
			checkDraft(t, d)
			if d.Title != tt.title {
				t.Errorf("Title = %q, want %q", d.Title, tt.title)
			}
			for _, s := range tt.contains {
				if !strings.Contains(d.Storage, s) {
					t.Errorf("storage lacks %q:\n%s", s, d.Storage)
				}
			}
			for _, s := range tt.forbidden {
				if strings.Contains(d.Storage, s) {
					t.Errorf("storage has %q:\n%s", s, d.Storage)
				}
			}
			var names []string
			for _, a := range d.Attachments {
				names = append(names, a.Filename)
			}
			if strings.Join(names, "|") != strings.Join(tt.files, "|") {
				t.Errorf("files = %q, want %q", names, tt.files)
			}
			if len(d.Attachments) > 0 && d.Attachments[0].Filename == OriginalName &&
				(string(d.Attachments[0].Data) != tt.raw || d.Attachments[0].ContentType != "message/rfc822") {
				t.Errorf("original.eml does not carry the raw message as message/rfc822")
			}
		})
	}
}

// TestParseFailureFallback runs the pipeline's path for a message that
// mailparse refuses: Parse fails, Fallback still makes a valid page with the
// original attached.
func TestParseFailureFallback(t *testing.T) {
	t.Parallel()
	raw := []byte(" This is a text file, not an email.\r\n\r\nIt has no header block.\r\n")
	msg, err := mailparse.Parse(raw)
	if err == nil {
		t.Fatalf("Parse accepted a headerless text: %+v", msg)
	}
	d := Fallback(raw, nil, time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC))
	checkDraft(t, d)
	if len(d.Attachments) != 1 || string(d.Attachments[0].Data) != string(raw) {
		t.Errorf("attachments = %+v, want only original.eml with the raw bytes", d.Attachments)
	}
}

// TestFallbackTitleFromHeaderOfUnparsedMessage: a message the MIME parser
// refused keeps its subject (RFC 2047 decoded) as the page title, or its
// sender's name when it has none.
func TestFallbackTitleFromHeaderOfUnparsedMessage(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
	for raw, want := range map[string]string{
		"From: Ann <ann@example.org>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nbody": "Grüße",
		"From: Ann <ann@example.org>\r\n\r\nbody":                                         "Email from Ann on 2026-11-30 09:15",
		"no header at all": "Email received on 2026-11-30 09:15",
	} {
		if got := Fallback([]byte(raw), nil, when).Title; got != want {
			t.Errorf("title of %q = %q, want %q", raw, got, want)
		}
	}
}
