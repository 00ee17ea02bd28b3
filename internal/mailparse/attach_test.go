package mailparse

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// attachmentSummary renders the attachments of a parsed message compactly:
// name|type|cid|inline|content, one per entry.
func attachmentSummary(raw string) (string, error) {
	msg, err := Parse(crlf(raw))
	if err != nil {
		return "", err
	}
	var parts []string
	for _, a := range msg.Attachments {
		parts = append(parts, fmt.Sprintf("%s|%s|%s|%v|%s", a.Filename, a.ContentType, a.ContentID, a.Inline, a.Data))
	}
	return strings.Join(parts, "\n"), nil
}

func TestAttachments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{
			name: "text only",
			raw:  "Subject: s\n\nhello\n",
			want: "",
		},
		{
			name: "related with cid image",
			raw: `Content-Type: multipart/related; boundary="r"

--r
Content-Type: text/html; charset=utf-8

<p>logo <img src="cid:logo@x"></p>
--r
Content-Type: image/png
Content-ID: <logo@x>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

UE5H
--r--
`,
			want: "logo.png|image/png|logo@x|true|PNG",
		},
		{
			name: "cid part marked attachment is not inline",
			raw: `Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

see file
--m
Content-Type: image/gif; name="a.gif"
Content-ID: <a@x>
Content-Disposition: attachment; filename="a.gif"

GIF
--m--
`,
			want: "a.gif|image/gif|a@x|false|GIF",
		},
		{
			name: "other part without disposition",
			raw: `Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

body
--m
Content-Type: text/calendar; method=REQUEST

BEGIN:VCALENDAR
--m--
`,
			want: "invite.ics|text/calendar||false|BEGIN:VCALENDAR", // named as mail clients do
		},
		{
			name: "named text attachment kept as file",
			raw: `Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

body
--m
Content-Type: text/plain; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"

the notes
--m--
`,
			want: "notes.txt|text/plain||false|the notes",
		},
		{
			name: "nested message",
			raw: `Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

forwarding
--m
Content-Type: message/rfc822

Subject: inner

inner body
--m--
`,
			want: "inner.eml|message/rfc822||false|Subject: inner\r\n\r\ninner body", // named after its subject
		},
		{
			name: "single part pdf",
			raw: `Content-Type: application/pdf; name="r.pdf"
Content-Transfer-Encoding: base64

JVBERi0=
`,
			want: "r.pdf|application/pdf||false|%PDF-",
		},
		{
			name: "empty part skipped",
			raw: `Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

body
--m
Content-Type: application/octet-stream; name="empty.bin"

--m--
`,
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := attachmentSummary(tt.raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.want {
				t.Errorf("attachments:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestCharsets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"latin1 qp", "Content-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nK=E4se und Gr=FC=DFe\n", "Käse und Grüße"},
		{"latin1 8bit", "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\nK\xe4se\n", "Käse"},
		{"shift_jis base64", "Content-Type: text/plain; charset=Shift_JIS\nContent-Transfer-Encoding: base64\n\ngrGC8YLJgr+CzQ==\n", "こんにちは"},
		{"windows-1252 quotes", "Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n=93quoted=94 =80\n", "“quoted” €"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse(crlf("Subject: c\n" + tt.raw))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := strings.TrimSpace(msg.Text); got != tt.want {
				t.Errorf("Text = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBinaryPartLabelledText: an image sent as text/plain (no file name)
// is not printed as text: it is attached, typed by its bytes, with a
// warning (found by a tester: the page showed ‰PNG… and the image was lost).
func TestBinaryPartLabelledText(t *testing.T) {
	t.Parallel()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x00IEND\xaeB`\x82")
	raw := "From: a@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the chart.\r\n" +
		"--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(png) + "\r\n--b--\r\n"
	msg, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Attachments) != 1 || msg.Attachments[0].ContentType != "image/png" || !bytes.Equal(msg.Attachments[0].Data, png) {
		t.Fatalf("attachments %+v: want the PNG, typed image/png, byte-exact", msg.Attachments)
	}
	for _, b := range msg.Body {
		if strings.Contains(b.Content, "PNG") {
			t.Fatalf("binary shown as text: %q", b.Content)
		}
	}
	if strings.Contains(msg.Text, "PNG") && msg.Body == nil {
		t.Fatalf("binary shown as text: %q", msg.Text)
	}
	if !strings.Contains(strings.Join(msg.Warnings, "|"), "holds binary data (image/png") {
		t.Errorf("warnings %q", msg.Warnings)
	}
}
