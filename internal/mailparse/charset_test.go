package mailparse

import (
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// warned reports whether a warning of msg contains s.
func warned(msg *mailwiki.Message, s string) bool {
	for _, w := range msg.Warnings {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

// checkText checks the text of msg and its warnings: one containing
// warning, or none when warning is "".
func checkText(t *testing.T, msg *mailwiki.Message, want, warning string) {
	t.Helper()
	if got := strings.TrimSpace(msg.Text); got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if warning == "" && len(msg.Warnings) > 0 {
		t.Errorf("Warnings = %q, want none", msg.Warnings)
	}
	if warning != "" && !warned(msg, warning) {
		t.Errorf("Warnings = %q, want %q", msg.Warnings, warning)
	}
}

// TestWHATWGBodyLabels checks that body text is read as browsers read it:
// bytes 0x80–0x9F under ISO-8859-1 and US-ASCII labels are Windows-1252
// punctuation, with a warning only when the reading differs from the label.
func TestWHATWGBodyLabels(t *testing.T) {
	t.Parallel()
	const cp1252 = "=93Table 3=94 =96 =80 1,200=85 caf=E9 team=92s"
	const want = "“Table 3” – € 1,200… café team’s"
	tests := []struct {
		label, body, want, warning string
	}{
		{"iso-8859-1", cp1252, want, "charset iso-8859-1 read as windows-1252 (WHATWG)"},
		{"ISO_8859-1", cp1252, want, "read as windows-1252 (WHATWG)"},
		{"latin1", cp1252, want, "read as windows-1252 (WHATWG)"},
		{`"l1"`, cp1252, want, "read as windows-1252 (WHATWG)"},
		{"us-ascii", cp1252, want, "charset us-ascii has 8-bit bytes, read as windows-1252 (WHATWG)"},
		{"ascii", cp1252, want, "has 8-bit bytes"},
		{"ANSI_X3.4-1968", cp1252, want, "has 8-bit bytes"},
		{"windows-1252", cp1252, want, ""},
		{"cp1252", cp1252, want, ""},
		{"iso-8859-1", "caf=E9 na=EFve", "café naïve", ""}, // no C1 byte: the label was right
		{"us-ascii", "plain", "plain", ""},
		{"iso-8859-9", "=80 =FE", "€ ş", "read as windows-1254 (WHATWG)"},
		{"koi8-r", "=F0=D2=C9=D7=C5=D4 =CD=C9=D2", "Привет мир", ""},
		{"iso-8859-15", "=A4uro", "€uro", ""},
		{"gb2312", "=C4=E3=BA=C3 =86=40", "你好 咢", ""}, // 0x8640: GBK only
		{"x-cp1250", "=8Akoda", "Škoda", ""},
		{"utf-8", "caf=C3=A9 =FF", "café \uFFFD", "invalid utf-8 bytes replaced"},
		{"x-no-such-charset", "caf=C3=A9", "café", "unknown charset, read as utf-8"},
		{"charset=iso-8859-2", "=B1", "ą", ""},
	}
	for _, tt := range tests {
		t.Run(tt.label+" "+tt.body, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse(crlf("Subject: c\nContent-Type: text/plain; charset=" + tt.label +
				"\nContent-Transfer-Encoding: quoted-printable\n\n" + tt.body + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			checkText(t, msg, tt.want, tt.warning)
		})
	}
}

// TestHeaderCharsets checks RFC 2047 encoded words and raw bytes in the
// Subject and From fields.
func TestHeaderCharsets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, subject, want, warning string
	}{
		{"latin1 Q cp1252 bytes", "=?iso-8859-1?Q?Budget_=96_draft_=93v2=94?=", "Budget – draft “v2”", "Subject: charset iso-8859-1 read as windows-1252 (WHATWG)"},
		{"us-ascii Q 8-bit", "=?us-ascii?q?caf=E9?=", "café", "has 8-bit bytes"},
		{"latin1 B", "=?ISO-8859-1?B?k3F1b3RlZJQ=?=", "“quoted”", "read as windows-1252"},
		{"plain latin1 Q", "=?iso-8859-1?q?Gr=FC=DFe?=", "Grüße", ""},
		{"koi8-r B", "=?koi8-r?B?8NLJ18XU?=", "Привет", ""},
		{"utf-8 split across B words", "=?UTF-8?B?R3LD?= =?UTF-8?B?tsOfZQ==?=", "Größe", ""},
		{"shift_jis split across B words", "=?shift_jis?B?grGC8YLJgg==?=\n =?shift_jis?B?v4LN?=", "こんにちは", ""},
		{"words in two charsets", "=?iso-8859-1?q?caf=E9?= =?koi8-r?q?=CD=C9=D2?=", "caféмир", ""},
		{"text around words", "Re: =?utf-8?q?M=C3=BCller?= and co", "Re: Müller and co", ""},
		{"language suffix", "=?utf-8*de?q?Gr=C3=BC=C3=9Fe?=", "Grüße", ""},
		{"malformed word kept", "=?utf-8?x?abc?= ok", "=?utf-8?x?abc?= ok", ""},
		{"raw utf-8", "Grüße", "Grüße", ""},
		{"raw latin1", "Gr\xfc\xdfe", "Grüße", "Subject: 8-bit bytes without a charset, read as windows-1252"},
		{"unknown charset", "=?x-nothing?q?abc?=", "abc", "Subject: unknown charset, read as utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse(crlf("Subject: " + tt.subject + "\nFrom: =?iso-8859-1?q?J=FCrgen_=93JM=94?= <jm@example.org>\n\nx\n"))
			if err != nil {
				t.Fatal(err)
			}
			if msg.Subject != tt.want {
				t.Errorf("Subject = %q, want %q", msg.Subject, tt.want)
			}
			if msg.From != "Jürgen “JM” <jm@example.org>" || msg.FromAddress != "jm@example.org" {
				t.Errorf("From = %q (%q)", msg.From, msg.FromAddress)
			}
			if tt.warning != "" && !warned(msg, tt.warning) {
				t.Errorf("Warnings = %q, want %q", msg.Warnings, tt.warning)
			}
		})
	}
}

// TestHTMLMetaCharset checks that an HTML part without a charset parameter
// is read in the charset of its <meta> element wherever it sits.
func TestHTMLMetaCharset(t *testing.T) {
	t.Parallel()
	const html4 = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head><body><p>=CF=F0=E8=E2=E5=F2</p></body></html>`
	const html5 = `<html><head><meta charset=3D"iso-8859-1"></head><body><p>=93caf=E9=94</p></body></html>`
	part := func(html string) string {
		return "Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n" + html + "\n"
	}
	tests := []struct {
		name, raw, want string
	}{
		{"top level", part(html4), "Привет"},
		{"top level html5 label renamed", part(html5), "“café”"},
		{"in alternative", "Content-Type: multipart/alternative; boundary=a\n\n--a\n" + part(html4) + "--a--\n", "Привет"},
		{"in related in mixed", "Content-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: multipart/related; boundary=r\n\n--r\n" +
			part(html5) + "--r--\n--m--\n", "“café”"},
		{"declared charset wins", "Content-Type: text/html; charset=koi8-r\nContent-Transfer-Encoding: quoted-printable\n\n" +
			`<meta charset=3D"utf-8"><p>=F0=D2=C9=D7=C5=D4</p>` + "\n", "Привет"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse(crlf("Subject: m\n" + tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msg.HTML, tt.want) {
				t.Errorf("HTML = %q, want %q in it", msg.HTML, tt.want)
			}
		})
	}
}

// TestUndeclaredCharset checks text parts without a charset parameter:
// byte order marks, UTF-8, detection, and the windows-1252 fallback, each
// guess with a warning.
func TestUndeclaredCharset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ctype, body, want, warning string
	}{
		{"ascii", "text/plain", "hello", "hello", ""},
		{"utf-8", "text/plain", "=C3=BCber", "über", "no charset declared, read as utf-8"},
		{"utf-8 bom", "text/plain", "=EF=BB=BFhi", "hi", ""},
		{"utf-16le bom", "text/plain", "=FF=FEh=00i=00", "hi", ""},
		{"short latin1", "text/plain", "caf=E9", "café", "no charset declared, read as windows-1252"},
		{"utf-16 label without bom, le", "text/plain; charset=utf-16", "h=00i=00", "hi", ""},
		{"utf-16 label without bom, be", "text/plain; charset=utf-16", "=00h=00i", "hi", ""},
		{"unicode label (Outlook)", "text/plain; charset=unicode", "=FF=FEh=00=E9=00", "hé", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse(crlf("Subject: u\nContent-Type: " + tt.ctype + "\nContent-Transfer-Encoding: quoted-printable\n\n" + tt.body + "=\n"))
			if err != nil {
				t.Fatal(err)
			}
			checkText(t, msg, tt.want, tt.warning)
		})
	}
}

// TestHeaderDecodingLinear checks that a header full of "=?" that never
// closes, or of broken words sharing one "?=", is decoded in linear time.
func TestHeaderDecodingLinear(t *testing.T) {
	t.Parallel()
	for _, v := range []string{
		strings.Repeat("=?a?q?x", 150000),
		strings.Repeat("=?a?b?!", 150000) + "?=",
		strings.Repeat("=?utf-8?b?w7w=?=", 60000),
	} {
		start := time.Now()
		d := newDecoder(&guard{}, true)
		_ = d.words(v, "Subject")
		_ = d.reencode(v, "To")
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%d bytes decoded in %v", len(v), el)
		}
	}
}
