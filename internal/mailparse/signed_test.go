package mailparse

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

// The files in testdata/cms were made with a throwaway self-signed key
// (see testdata/cms/README.md): content.txt signed as DER and as
// streamed BER (indefinite lengths, chunked content), and encrypted.
func readCMS(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cms", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCMSSignedContent(t *testing.T) {
	t.Parallel()
	want := readCMS(t, "content.txt")
	for _, name := range []string{"signed-der.p7m", "signed-ber.p7m"} {
		got, err := cmsSignedContent(readCMS(t, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: content %q, %v; want %q", name, got, err, want)
		}
	}
	env := readCMS(t, "enveloped.p7m")
	if !cmsType(env).Equal(oidEnvelopedData) {
		t.Errorf("enveloped.p7m: type %v", cmsType(env))
	}
	if _, err := cmsSignedContent(env); err == nil {
		t.Error("enveloped data read as signed")
	}
	der := readCMS(t, "signed-der.p7m")
	for _, bad := range [][]byte{nil, {0x30}, {0x30, 0x80}, der[:len(der)/2], bytes.Repeat([]byte{0x30, 0x80}, 100)} {
		if _, err := cmsSignedContent(bad); err == nil {
			t.Errorf("% x…: no error", bad[:min(len(bad), 8)])
		}
	}
}

func TestParseSignedAndEncrypted(t *testing.T) {
	t.Parallel()
	opaque := "Subject: s\r\nContent-Type: application/pkcs7-mime; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(readCMS(t, "signed-ber.p7m"))
	encrypted := "Subject: e\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(readCMS(t, "enveloped.p7m"))
	broken := "Subject: b\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data\r\n\r\nnot cms"
	tests := []struct {
		name, raw, kinds string
		atts             []string
		warning          string
	}{
		{"opaque without smime-type", opaque, "H", []string{"smime.p7m", "chart.gif"}, ""},
		{"enveloped", encrypted, "E", []string{"smime.p7m"}, "encrypted part"},
		{"unreadable signed data", broken, "", []string{"smime.p7m"}, "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			parseShape(t, tt.raw, tt.kinds, strings.Join(tt.atts, ","), tt.warning)
		})
	}
}

// bodyKinds spells the kinds of body parts: T text, H HTML, I image,
// E encrypted, M message, C calendar.
func bodyKinds(body []mailwiki.BodyPart) string {
	var b strings.Builder
	for _, p := range body {
		b.WriteByte("THIEMC"[p.Kind])
	}
	return b.String()
}

// fileNames joins the names of atts with commas.
func fileNames(atts []mailwiki.Attachment) string {
	names := make([]string, len(atts))
	for i, a := range atts {
		names[i] = a.Filename
	}
	return strings.Join(names, ",")
}

// parseShape parses raw and checks the kinds of its body (bodyKinds), the
// names of its attachments (fileNames) and, unless it is "", that a
// warning holds warning.
func parseShape(t *testing.T, raw, kinds, atts, warning string) *mailwiki.Message {
	t.Helper()
	msg, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := bodyKinds(msg.Body); got != kinds {
		t.Errorf("body kinds %q, want %q", got, kinds)
	}
	if got := fileNames(msg.Attachments); got != atts {
		t.Errorf("attachments %q, want %q", got, atts)
	}
	if warning != "" && !strings.Contains(strings.Join(msg.Warnings, "|"), warning) {
		t.Errorf("warnings %q lack %q", msg.Warnings, warning)
	}
	return msg
}
