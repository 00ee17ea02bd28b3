package mailparse

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"testing"
	"unicode/utf8"
)

// TestFileNameParameters checks file names in RFC 2231 form in any charset,
// with continuations, and in the broken mixtures clients send.
func TestFileNameParameters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fields, want, warning string
	}{
		{"iso-8859-1", "Content-Disposition: attachment; filename*=iso-8859-1''%DCbersicht%20M%E4rz.pdf", "Übersicht März.pdf", ""},
		{"iso-8859-15", "Content-Disposition: attachment; filename*=ISO-8859-15''%A4uro-%BDtat.txt", "€uro-œtat.txt", ""},
		{"windows-1252", "Content-Disposition: attachment; filename*=windows-1252''%93Plan%94%20%96%20v2.pdf", "“Plan” – v2.pdf", ""},
		{"latin1 label with cp1252 bytes", "Content-Disposition: attachment; filename*=latin1''%93x%94.pdf", "“x”.pdf", "read as windows-1252 (WHATWG)"},
		{"koi8-r in Content-Type name", "Content-Type: application/pdf; name*=koi8-r'ru'%F0%D2%C9%D7%C5%D4.pdf", "Привет.pdf", ""},
		{"shift_jis", "Content-Disposition: attachment; filename*=shift_jis''%82%B1%82%F1.txt", "こん.txt", ""},
		{"utf-8 continuation, cut character, plain last piece", "Content-Disposition: attachment;\n filename*0*=UTF-8''Pr%C3%BCfbericht%20Stra%C3;\n filename*1*=%9Fe%20%E2%82%AC;\n filename*2=\" final.pdf\"", "Prüfbericht Straße € final.pdf", ""},
		{"latin1 continuation", "Content-Disposition: attachment;\n filename*0*=iso-8859-1''Gr%FC%DF;\n filename*1*=e%20an%20M%FCller.txt", "Grüße an Müller.txt", ""},
		{"continuation without charset", "Content-Disposition: attachment;\n filename*0=\"a long name \";\n filename*1=\"in two pieces.pdf\"", "a long name in two pieces.pdf", ""},
		{"pieces out of order", "Content-Disposition: attachment;\n filename*1=\"two.pdf\";\n filename*0=\"one-\"", "one-two.pdf", ""},
		{"charset repeated on every piece", "Content-Disposition: attachment;\n filename*0*=utf-8''K%C3%A4se;\n filename*1*=utf-8''-Liste.csv", "Käse-Liste.csv", ""},
		{"RFC 2047 inside RFC 2231 pieces", "Content-Disposition: attachment;\n filename*0=\"=?UTF-8?B?w5xiZXI=?=\";\n filename*1=\"=?UTF-8?B?c2ljaHQucGRm?=\"", "Übersicht.pdf", "RFC 2047 encoded words inside an RFC 2231 value"},
		{"RFC 2047 word cut across pieces", "Content-Disposition: attachment;\n filename*0=\"=?utf-8?Q?R=C3=A9su\";\n filename*1=\"m=C3=A9.pdf?=\"", "Résumé.pdf", "RFC 2047 encoded words inside"},
		{"RFC 2047 in plain filename", "Content-Disposition: attachment; filename=\"=?iso-8859-1?Q?Gr=FC=DFe.txt?=\"", "Grüße.txt", ""},
		{"RFC 2047 windows-1251 in name", "Content-Type: application/pdf; name=\"=?windows-1251?B?zvL3uPI=?=.pdf\"", "Отчёт.pdf", ""},
		{"raw latin1 bytes", "Content-Disposition: attachment; filename=\"M\xfcller.pdf\"", "Müller.pdf", "parameter filename: 8-bit bytes without a charset, read as windows-1252"},
		{"extended wins over plain", "Content-Disposition: attachment; filename=\"fallback.pdf\"; filename*=iso-8859-1''%E9t%E9.pdf", "été.pdf", ""},
		{"unknown charset, utf-8 bytes", "Content-Disposition: attachment; filename*=x-unknown''caf%C3%A9.pdf", "café.pdf", "unknown charset, read as utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fields := tt.fields
			if !bytes.HasPrefix([]byte(fields), []byte("Content-Type:")) {
				fields = "Content-Type: application/octet-stream\n" + fields
			}
			msg, err := Parse(crlf("Subject: f\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\n" +
				fields + "\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--b--\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(msg.Attachments) != 1 {
				t.Fatalf("%d attachments, want 1", len(msg.Attachments))
			}
			if got := msg.Attachments[0].Filename; got != tt.want {
				t.Errorf("Filename = %q, want %q", got, tt.want)
			}
			if tt.warning != "" && !warned(msg, tt.warning) {
				t.Errorf("Warnings = %q, want %q", msg.Warnings, tt.warning)
			}
		})
	}
}

// TestAttachmentBytesExact checks that attachments of any media type keep
// the bytes of their MIME part, transfer-decoded only: no charset
// conversion, no line-ending change.
func TestAttachmentBytesExact(t *testing.T) {
	t.Parallel()
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	csv := []byte("Name;Stadt;Betrag\r\nM\xfcller;K\xf6ln;12,50\r\nO'Neil;\x93Cork\x94;7\r\n")
	utf16 := []byte{0xFF, 0xFE, 'h', 0, 0xE9, 0, '\r', 0, '\n', 0}
	utf16NoBOM := []byte{0, 'h', 0, 'i', 0, '\n'}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	cyr := []byte("\xce\xf2\xf7\xb8\xf2\r\n")
	tests := []struct {
		name, header, body string
		want               []byte
	}{
		{"csv latin1 crlf", "text/csv; charset=iso-8859-1\nContent-Disposition: attachment; filename=a.csv\nContent-Transfer-Encoding: base64", b64(csv), csv},
		{"csv labelled windows-1251", "text/csv; charset=windows-1251; name=a.csv\nContent-Disposition: attachment; filename=a.csv\nContent-Transfer-Encoding: base64", b64(csv), csv},
		{"text/plain utf-16 with bom", "text/plain; charset=utf-16; name=u.txt\nContent-Disposition: attachment; filename=u.txt\nContent-Transfer-Encoding: base64", b64(utf16), utf16},
		{"text/plain utf-16be without bom", "text/plain; charset=utf-16be\nContent-Disposition: attachment; filename=u.txt\nContent-Transfer-Encoding: base64", b64(utf16NoBOM), utf16NoBOM},
		{"binary labelled text/plain", "text/plain; name=p.png\nContent-Disposition: attachment; filename=p.png\nContent-Transfer-Encoding: base64", b64(png), png},
		{"ascii label, cp1251 bytes", "text/plain; charset=ANSI_X3.4-1968\nContent-Disposition: attachment; filename=s.txt\nContent-Transfer-Encoding: base64", b64(cyr), cyr},
		{"quoted-printable latin1 crlf", "text/plain; charset=iso-8859-1\nContent-Disposition: attachment; filename=q.txt\nContent-Transfer-Encoding: quoted-printable",
			"Gr=FC=DFe=0D=0Azeile 2=\n", []byte("Gr\xfc\xdfe\r\nzeile 2")},
		{"8bit html with meta", "text/html\nContent-Disposition: attachment; filename=h.html\nContent-Transfer-Encoding: 8bit",
			"<meta charset=\"windows-1251\">\xce\xf2", []byte("<meta charset=\"windows-1251\">\xce\xf2")},
		{"inline text with a file name", "text/plain; charset=iso-8859-1\nContent-Disposition: inline; filename=i.txt\nContent-Transfer-Encoding: base64",
			b64([]byte("K\xe4se\r\n")), []byte("K\xe4se\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse(crlf("Subject: a\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nbody\n--b\nContent-Type: " +
				tt.header + "\n\n" + tt.body + "\n--b--\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(msg.Attachments) != 1 {
				t.Fatalf("%d attachments, want 1", len(msg.Attachments))
			}
			if got := msg.Attachments[0].Data; !bytes.Equal(got, tt.want) {
				t.Errorf("Data = %q (sha256 %x), want %q", got, sha256.Sum256(got), tt.want)
			}
		})
	}
}

// FuzzHeaderDecoding feeds arbitrary header values through the RFC 2047
// and RFC 2231 decoders: no panic, and valid UTF-8 out.
func FuzzHeaderDecoding(f *testing.F) {
	f.Add("=?iso-8859-1?q?caf=E9?= =?utf-8?B?w7w=?=")
	f.Add("attachment; filename*0*=utf-8''a%C3; filename*1=\"=?utf-8?q?b?=\"; name=\"M\xfcller\"")
	f.Add("text/plain; charset=\"utf-16\"; name*=koi8-r'ru'%F0%D2")
	f.Fuzz(func(t *testing.T, v string) {
		d := newDecoder(&guard{}, true)
		for _, out := range []string{d.words(v, "f"), d.reencode(v, "f")} {
			if !utf8.ValidString(out) {
				t.Errorf("%q decoded to invalid UTF-8 %q", v, out)
			}
		}
		params := map[string]string{"filename": v}
		d.decodeParams(v, params)
		for k, p := range params {
			if (k == "filename" || k == "name") && !utf8.ValidString(p) {
				t.Errorf("%q: parameter %s is invalid UTF-8 %q", v, k, p)
			}
		}
	})
}
