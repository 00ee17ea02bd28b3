package mailparse

import (
	"strings"
	"testing"
)

// TestPreamble: text before the first boundary is shown (with a warning),
// MIME boilerplate is not, whatever the line endings; a delimiter must
// start a line.
func TestPreamble(t *testing.T) {
	t.Parallel()
	head := "From: a@example.org\r\nSubject: p\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	part := "--b\r\nContent-Type: text/plain\r\n\r\nafter\r\n--b--\r\n"
	cases := []struct{ name, raw, want string }{
		{"text before the boundary", head + "Before: noon.\r\n" + part, "Before: noon."},
		{"boilerplate only", head + "This is a multi-part message in MIME format.\r\n\r\n" + part, ""},
		{"boilerplate and text", head + "This is a multi-part message in MIME format.\r\nReal words here.\r\n" + part, "Real words here."},
		{"OpenPGP boilerplate", head + "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n" + part, ""},
		{"S/MIME boilerplate", head + "This is an S/MIME signed message\r\n" + part, ""},
		{"none", head + part, ""},
		{"LF header, CRLF body", strings.ReplaceAll(head, "\r\n", "\n") + "Kept.\r\n" + part, "Kept."},
		{"a delimiter inside a line is text", head + "see x--b here\r\n" + part, "see x--b here"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse([]byte(c.raw))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(msg.Body) > 1 {
				got = msg.Body[0].Content
			}
			if got != c.want {
				t.Fatalf("preamble %q, want %q (body %+v)", got, c.want, msg.Body)
			}
			warned := strings.Contains(strings.Join(msg.Warnings, "|"), "before the first MIME boundary")
			if warned != (c.want != "") {
				t.Errorf("warnings %q", msg.Warnings)
			}
		})
	}
}
